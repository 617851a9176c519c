import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tongxin.reports import registry


@pytest.fixture
def fake_metrics(monkeypatch):
    metrics = dict(registry._metrics)
    monkeypatch.setattr(registry, "_metrics", metrics)
    calls = []

    @registry.register("test.count", "测试计数", unit="次")
    def count(prefix, date_from, date_to):
        calls.append((prefix, date_from, date_to))
        return 7

    @registry.register("test.split", "测试分项", unit="元")
    def split(prefix, date_from, date_to):
        return {"total": Decimal("12.50"), "by": {"甲": Decimal("10"), "乙": Decimal("2.50")}}

    return calls


def test_compute_passes_prefix_and_period_and_converts_decimals(fake_metrics):
    result = registry.compute("5109", datetime.date(2024, 1, 1), datetime.date(2024, 12, 31),
                              ["test.count", "test.split"])
    assert result == {"test.count": 7, "test.split": {"total": 12.5, "by": {"甲": 10, "乙": 2.5}}}
    assert fake_metrics == [("5109", datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))]


def test_report_command_json_contract(fake_metrics, regions, capsys):
    call_command("report", "--region", "510900", "--from", "2024-01-01", "--to", "2024-12-31",
                 "--format", "json", "--metrics", "test.count,test.split")
    data = json.loads(capsys.readouterr().out)
    assert data["region"] == {"code": "510900", "name": "四川省遂宁市"}
    assert data["from"] == "2024-01-01" and data["to"] == "2024-12-31"
    assert data["metrics"]["test.count"] == 7
    assert fake_metrics[0][0] == "5109"


@pytest.mark.parametrize("code, prefix", [("510000", "51"), ("510903", "510903"), ("510903001000", "510903001")])
def test_report_accepts_any_official_code(fake_metrics, regions, capsys, code, prefix):
    call_command("report", "--region", code, "--from", "2024-01-01", "--to", "2024-06-30", "--metrics", "test.count")
    assert fake_metrics[-1][0] == prefix


def test_report_rejects_unknown_region_and_bad_dates(fake_metrics, regions):
    with pytest.raises(CommandError, match="不存在"):
        call_command("report", "--region", "999999", "--from", "2024-01-01", "--to", "2024-12-31")
    with pytest.raises(CommandError, match="开始日期不能晚于结束日期"):
        call_command("report", "--region", "510903", "--from", "2024-12-31", "--to", "2024-01-01")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("report", "--region", "510903", "--from", "2024/1/1", "--to", "2024-12-31")


def test_report_markdown_and_xlsx(fake_metrics, regions, capsys, tmp_path):
    call_command("report", "--region", "510903", "--from", "2024-01-01", "--to", "2024-12-31", "--format", "md",
                 "--metrics", "test.count,test.split")
    text = capsys.readouterr().out
    assert "| 测试计数 | 7 | 次 |" in text
    out = tmp_path / "r.xlsx"
    call_command("report", "--region", "510903", "--from", "2024-01-01", "--to", "2024-12-31", "--format", "xlsx",
                 "--output", str(out), "--metrics", "test.count")
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert ["test.count", "测试计数", 7.0, "次", ""] in [list(r) for r in rows]
