"""Composing metrics into a report for a region and period, and the report in every format (JSON, Markdown, xlsx,
docx, pdf), with the written narrative of the work report (工作总结) and its charts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import regions
from tongxin.core.models import Region
from tongxin.core.scope import in_scope, scope_prefix
from tongxin.reports import engine, narrative, registry
from tongxin.reports.registry import total_of

FORMATS = ("json", "md", "xlsx", "docx", "pdf")
BINARY_FORMATS = ("xlsx", "docx", "pdf")
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


NOTE = gettext_lazy("表中为精确数字，正文中的“余”为约数；数值为零的指标和分项未列出。")


class ReportError(ValueError):
    pass


class OutOfScope(ReportError):
    """The region exists but is outside the user's data scope (views answer 404)."""


def resolve_region(code: str) -> Region:
    """A Region from any official code (510000, 510900, 510903, 510903001000…); 000000 means the whole country."""
    code = (code or "").strip()
    if code and set(code) == {"0"}:
        return engine.whole_country()
    try:
        prefix = regions.to_prefix(code)
    except regions.RegionCodeError as exc:
        raise ReportError(str(exc)) from exc
    region = Region.objects.filter(code=prefix).first()
    if region is None:
        raise ReportError(f"区划代码“{code}”不存在")
    return region


def region_for_user(user, code: str | None) -> Region:
    """The region a user asked for (their own scope when none is given); OutOfScope when they may not see it."""
    if not code:
        region = engine.default_region(user)
        if region is None:
            raise OutOfScope(_("没有数据范围"))
        return region
    region = resolve_region(code)
    prefix = scope_prefix(user)
    allowed = prefix is not None and (prefix == "" or (region.code and in_scope(user, region.code)))
    if not allowed:
        raise OutOfScope(_("区划不在您的数据范围内"))
    return region


def parse_period(date_from: str, date_to: str) -> tuple[datetime.date, datetime.date]:
    try:
        start = datetime.date.fromisoformat(date_from)
        end = datetime.date.fromisoformat(date_to)
    except (TypeError, ValueError) as exc:
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


def report_rows(report: dict, *, non_zero: bool = False) -> list[dict]:
    """Flat rows (key, label, unit, total, breakdown) for tables: markdown, xlsx, docx, pdf."""
    rows = []
    for metric in registry.all_metrics():
        if metric.key not in report["metrics"]:
            continue
        value = report["metrics"][metric.key]
        total, by = (value["total"], value.get("by", {})) if isinstance(value, dict) else (value, {})
        if non_zero and not total:
            continue
        rows.append({"key": metric.key, "label": metric.label, "unit": metric.unit, "total": total, "by": by})
    return rows


def by_text(by: dict, *, non_zero: bool = False) -> str:
    return "；".join(f"{k} {narrative.exact_number(v)}" for k, v in by.items() if v or not non_zero)


# --- templates ----------------------------------------------------------------------------------------------------


def ensure_default_template():
    """The default template, created from the code's wording the first time (an administrator's edits stay)."""
    from tongxin.reports.default_template import DEFAULT, NAME
    from tongxin.reports.models import ReportTemplate

    with transaction.atomic():
        template = ReportTemplate.objects.filter(is_default=True).first()
        if template is None:
            template, _created = ReportTemplate.objects.get_or_create(
                name=NAME, defaults={**DEFAULT, "is_default": True, "note": "按种子材料的写法生成"})
    return template


def get_template(pk=None):
    from tongxin.reports.models import ReportTemplate

    if pk not in (None, ""):
        found = ReportTemplate.objects.filter(pk=pk).first()
        if found is not None:
            return found
    return ReportTemplate.objects.filter(is_default=True).first() or ensure_default_template()


def reset_template(template) -> None:
    from tongxin.reports.default_template import DEFAULT

    for name, value in DEFAULT.items():
        setattr(template, name, value)
    template.save()


@transaction.atomic
def save_template(template) -> None:
    """Validate and save; one default template at a time."""
    from tongxin.reports.models import ReportTemplate

    template.full_clean()
    template.save()
    if template.is_default:
        ReportTemplate.objects.exclude(pk=template.pk).filter(is_default=True).update(is_default=False)


# --- the work report ----------------------------------------------------------------------------------------------


@dataclass
class Document:
    report: dict
    region: Region
    date_from: datetime.date
    date_to: datetime.date
    narrative: narrative.Narrative
    rows: list[dict]
    charts: list[dict] = field(default_factory=list)
    template_name: str = ""

    @property
    def subtitle(self) -> str:
        return _("统计期间：%(f)s 至 %(t)s（区划代码 %(c)s）") % {
            "f": self.report["from"], "t": self.report["to"], "c": self.report["region"]["code"]}

    @property
    def generated(self) -> str:
        from django.utils import timezone

        return _("生成日期：%(d)s") % {"d": timezone.localdate().isoformat()}

    def as_data(self) -> dict:
        """Everything the PDF template shows, JSON-ready."""
        return {
            **self.narrative.as_dict(), "subtitle": self.subtitle,
            "rows": [{"label": r["label"], "total": narrative.exact_number(r["total"]), "unit": r["unit"],
                      "by": by_text(r["by"], non_zero=True)} for r in self.rows],
            "charts": self.charts,
            "generated": self.generated,
            "note": str(NOTE),
        }


def text_context(region: Region, date_from, date_to) -> dict:
    return {
        "region": region.name, "region_full": region.full_name or region.name,
        "period": engine.period_label(date_from, date_to), "year": str(date_to.year),
        "from": f"{date_from.year}年{date_from.month}月{date_from.day}日",
        "to": f"{date_to.year}年{date_to.month}月{date_to.day}日",
    }


def _chart(spec: dict, region: Region, date_from, date_to, metrics: dict) -> dict | None:
    key, kind = spec.get("metric", ""), spec.get("kind", "")
    if not registry.exists(key) or key not in metrics:
        return None
    metric = registry.get(key)
    if kind == "parts":
        value = metrics[key]
        if not isinstance(value, dict) or not value.get("by"):
            return None
        labels, values = list(value["by"].keys()), list(value["by"].values())
    elif kind == "region":
        children = engine.children_of(region)
        if not children:
            return None
        per_child = engine.by_region(region, date_from, date_to, [key], children=children)[key]
        labels = [c.name for c in children]
        values = [total_of(per_child[c.code]) for c in children]
    elif kind == "month":
        months = engine.by_month(region, date_from, date_to, [key])[key]
        one_year = date_from.year == date_to.year
        labels = [f"{int(m[5:])}月" if one_year else m for m in months]
        values = [total_of(v) for v in months.values()]
    else:
        return None
    if not any(values):
        return None
    return {"title": spec.get("title") or metric.label, "kind": kind, "unit": metric.unit,
            "labels": [str(label) for label in labels], "values": values,
            "display": [narrative.exact_number(v) for v in values]}


def build_document(region: Region, date_from, date_to, template=None, *, report: dict | None = None,
                   charts: bool = True) -> Document:
    """The written work report: narrative from the template, exact table of non-zero figures, charts."""
    template = template or get_template()
    report = report or build_report(region, date_from, date_to)
    spec = template.spec
    text = narrative.render(spec, report["metrics"], text_context(region, date_from, date_to))
    chart_data = []
    if charts:
        for chart_spec in spec.get("charts") or []:
            chart = _chart(chart_spec, region, date_from, date_to, report["metrics"])
            if chart:
                chart_data.append(chart)
    return Document(report=report, region=region, date_from=date_from, date_to=date_to, narrative=text,
                    rows=report_rows(report, non_zero=True), charts=chart_data, template_name=template.name)


# --- renderers ----------------------------------------------------------------------------------------------------


def render_markdown(report: dict, document: Document | None = None) -> str:
    lines = []
    if document is not None:
        lines += [f"# {document.narrative.title}", "", *[p + "\n" for p in document.narrative.opening]]
        for section in document.narrative.sections:
            lines += [f"## {section['number']}、{section['title']}", "", section["text"], ""]
        lines += [p + "\n" for p in document.narrative.closing]
        lines += ["## 附表：主要指标统计", ""]
    else:
        lines += [f"# {report['region']['name']}新的社会阶层人士统战工作统计", ""]
    lines += [
        f"统计期间：{report['from']} 至 {report['to']}（区划代码 {report['region']['code']}）",
        "",
        "| 指标 | 数值 | 单位 | 分项 |",
        "|---|---:|---|---|",
    ]
    for row in report_rows(report):
        lines.append(f"| {row['label']} | {narrative.exact_number(row['total'])} | {row['unit']} | {by_text(row['by'])} |")
    return "\n".join(lines) + "\n"


def render_xlsx(report: dict) -> bytes:
    import io

    import xlsxwriter

    from tongxin.core.tabular.writer import escape_formula

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("统计")
    bold = book.add_format({"bold": True})
    sheet.write_string(0, 0, escape_formula(f"{report['region']['name']} {report['from']} 至 {report['to']}"), bold)
    headers = ["指标代码", "指标", "数值", "单位", "分项"]
    for col, header in enumerate(headers):
        sheet.write(2, col, header, bold)
    for index, row in enumerate(report_rows(report), start=3):
        sheet.write_string(index, 0, escape_formula(row["key"]))
        sheet.write_string(index, 1, escape_formula(str(row["label"])))
        sheet.write_number(index, 2, row["total"])
        sheet.write_string(index, 3, escape_formula(str(row["unit"])))
        sheet.write_string(index, 4, escape_formula(by_text(row["by"])))
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 18)
    sheet.set_column(4, 4, 60)
    book.close()
    return buffer.getvalue()


def render(fmt: str, region: Region, date_from, date_to, template=None, keys=None) -> bytes:
    """The report in `fmt` as bytes — one entry point for the command, the web page and the background job."""
    import json

    from tongxin.reports import documents

    if fmt not in FORMATS:
        raise ReportError(_("不支持的格式“%(f)s”") % {"f": fmt})
    report = build_report(region, date_from, date_to, keys)
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2).encode()
    if fmt == "xlsx":
        return render_xlsx(report)
    document = build_document(region, date_from, date_to, template, report=report, charts=fmt != "md")
    if fmt == "md":
        return render_markdown(report, document).encode()
    if fmt == "docx":
        return documents.render_docx(document)
    return documents.render_pdf(document)


def filename(region: Region, date_from, date_to, fmt: str) -> str:
    return f"{region.name}工作报告_{date_from.isoformat()}_{date_to.isoformat()}.{fmt}"


# --- comparison exports -------------------------------------------------------------------------------------------


def region_comparison_table(comparison: engine.RegionComparison) -> tuple[list, list[list]]:
    headers = [_("区划"), _("区划代码")]
    for metric in comparison.metrics:
        unit = f"（{metric.unit}）" if metric.unit else ""
        headers += [f"{metric.label}{unit}", _("%(m)s排名") % {"m": metric.label}]
    rows = []
    for child in comparison.children:
        row = [child.name, child.official_code]
        for metric in comparison.metrics:
            value = comparison.values[metric.key][child.code]
            row += [value, comparison.ranks[metric.key][child.code] if value else ""]
        rows.append(row)
    total = [_("合计（%(r)s）") % {"r": comparison.region.name}, comparison.region.official_code]
    for metric in comparison.metrics:
        total += [comparison.totals[metric.key], ""]
    rows.append(total)
    return headers, rows


def period_comparison_table(rows: list[dict], period_a, period_b) -> tuple[list, list[list]]:
    label_a = f"{period_a[0].isoformat()} 至 {period_a[1].isoformat()}"
    label_b = f"{period_b[0].isoformat()} 至 {period_b[1].isoformat()}"
    headers = [_("指标"), _("单位"), label_a, label_b, _("增减"), _("增减幅度（%）")]
    table = [[r["metric"].label, r["metric"].unit, r["a"], r["b"], r["delta"],
              "" if r["percent"] is None else r["percent"]] for r in rows]
    return headers, table
