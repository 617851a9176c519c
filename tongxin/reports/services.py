"""Composing metrics into a report for a region and period. Formats beyond JSON build on `build_report`."""

import datetime

from tongxin.core import regions
from tongxin.core.models import Region
from tongxin.reports import registry


class ReportError(ValueError):
    pass


def resolve_region(code: str) -> Region:
    try:
        prefix = regions.to_prefix(code)
    except regions.RegionCodeError as exc:
        raise ReportError(str(exc)) from exc
    region = Region.objects.filter(code=prefix).first()
    if region is None:
        raise ReportError(f"区划代码“{code}”不存在")
    return region


def parse_period(date_from: str, date_to: str) -> tuple[datetime.date, datetime.date]:
    try:
        start = datetime.date.fromisoformat(date_from)
        end = datetime.date.fromisoformat(date_to)
    except ValueError as exc:
        raise ReportError("日期格式应为 YYYY-MM-DD") from exc
    if start > end:
        raise ReportError("开始日期不能晚于结束日期")
    return start, end


def build_report(region: Region, date_from: datetime.date, date_to: datetime.date,
                 keys: list[str] | None = None) -> dict:
    """The report as CONTRACTS.md defines its JSON: region, period and every registered metric."""
    return {
        "region": {"code": region.official_code, "name": region.full_name or region.name},
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "metrics": registry.compute(region.code, date_from, date_to, keys),
    }


def report_rows(report: dict) -> list[dict]:
    """Flat rows (key, label, unit, total, breakdown) for tables: markdown, xlsx."""
    rows = []
    for metric in registry.all_metrics():
        if metric.key not in report["metrics"]:
            continue
        value = report["metrics"][metric.key]
        total, by = (value["total"], value.get("by", {})) if isinstance(value, dict) else (value, {})
        rows.append({"key": metric.key, "label": metric.label, "unit": metric.unit, "total": total, "by": by})
    return rows


def render_markdown(report: dict) -> str:
    lines = [
        f"# {report['region']['name']}新的社会阶层人士统战工作统计",
        "",
        f"统计期间：{report['from']} 至 {report['to']}（区划代码 {report['region']['code']}）",
        "",
        "| 指标 | 数值 | 单位 | 分项 |",
        "|---|---:|---|---|",
    ]
    for row in report_rows(report):
        by = "；".join(f"{k} {v}" for k, v in row["by"].items())
        lines.append(f"| {row['label']} | {row['total']} | {row['unit']} | {by} |")
    return "\n".join(lines) + "\n"


def render_xlsx(report: dict) -> bytes:
    import io

    import xlsxwriter

    from tongxin.core.tabular.writer import escape_formula

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("统计")
    bold = book.add_format({"bold": True})
    sheet.write(0, 0, escape_formula(f"{report['region']['name']} {report['from']} 至 {report['to']}"), bold)
    headers = ["指标代码", "指标", "数值", "单位", "分项"]
    for col, header in enumerate(headers):
        sheet.write(2, col, header, bold)
    for index, row in enumerate(report_rows(report), start=3):
        sheet.write(index, 0, row["key"])
        sheet.write(index, 1, row["label"])
        sheet.write_number(index, 2, row["total"])
        sheet.write(index, 3, row["unit"])
        sheet.write(index, 4, escape_formula("；".join(f"{k} {v}" for k, v in row["by"].items())))
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 18)
    sheet.set_column(4, 4, 60)
    book.close()
    return buffer.getvalue()
