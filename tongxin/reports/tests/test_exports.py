"""The report in every format carries the same figures as the JSON; the work report leaves out what is zero."""

import json
import shutil
import subprocess
import zipfile

import pytest
from django.core.management import call_command

from tongxin.reports import narrative, services

from .conftest import COUNTY_A, YEAR

ARGS = ["--region", "510903", "--from", YEAR[0].isoformat(), "--to", YEAR[1].isoformat()]


def run(capsys, *extra) -> str:
    call_command("report", *ARGS, *extra)
    return capsys.readouterr().out


@pytest.fixture
def figures(persons, capsys):
    data = json.loads(run(capsys, "--format", "json"))
    totals = {key: value["total"] if isinstance(value, dict) else value for key, value in data["metrics"].items()}
    assert totals["people.total"] == 6 and totals["people.new_in_period"] == 5
    return data, totals


def labels():
    return {m.key: m.label for m in services.registry.all_metrics()}


def test_json_figures_equal_counts_made_from_the_records(figures):
    from tongxin.people.models import Person

    data, totals = figures
    in_county = Person.objects.filter(region_id__startswith=COUNTY_A)
    assert totals["people.total"] == in_county.filter(added_on__lte=YEAR[1]).count()
    assert totals["people.new_in_period"] == in_county.filter(added_on__gte=YEAR[0], added_on__lte=YEAR[1]).count()
    assert totals["people.representatives"] == in_county.filter(is_representative=True).count() == 1
    assert data["metrics"]["people.by_category"]["by"]["民营企业和外资企业管理技术人员"] == \
        in_county.filter(category="1").count() == 3


def test_markdown_table_equals_json(figures, capsys):
    data, totals = figures
    text = run(capsys, "--format", "md")
    for key, label in labels().items():
        if key in totals:
            assert f"| {label} | {narrative.exact_number(totals[key])} |" in text
    assert text.startswith("# 船山区2025年新的社会阶层人士统战工作总结")
    assert "精准识别新的社会阶层人士“四类人员”6名" in text


def test_docx_opens_has_chinese_fonts_and_the_json_figures(figures, tmp_path, capsys):
    from docx import Document

    _data, totals = figures
    out = tmp_path / "r.docx"
    run(capsys, "--format", "docx", "--output", str(out))
    word = Document(str(out))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "船山区2025年新的社会阶层人士统战工作总结" in text and "一、育好人士队伍" in text
    table = {row.cells[0].text: row.cells[1].text for row in word.tables[0].rows[1:]}
    expected = {labels()[k]: narrative.exact_number(v) for k, v in totals.items() if v}
    assert table == expected
    assert len(word.inline_shapes) >= 2  # charts (by township, by category, by month)
    styles = zipfile.ZipFile(out).read("word/styles.xml").decode()
    assert 'w:eastAsia="宋体"' in styles and 'w:eastAsia="黑体"' in styles
    assert "eastAsiaTheme" not in styles.split('w:styleId="Heading1"')[1].split("</w:style>")[0]


def test_pdf_is_valid_embeds_the_font_and_shows_the_json_figures(figures, tmp_path, capsys):
    _data, totals = figures
    out = tmp_path / "r.pdf"
    run(capsys, "--format", "pdf", "--output", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"%PDF")
    assert b"NotoSansSC-Regular" in raw and b"/FontFile2" in raw
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, check=True).stdout.decode()
        compact = "".join(text.split())
        assert "船山区2025年新的社会阶层人士统战工作总结" in compact
        for key, value in totals.items():
            if value:
                assert f"{labels()[key]}{narrative.exact_number(value)}" in compact, key


def test_binary_formats_need_an_output_file(regions):
    from django.core.management import CommandError

    for fmt in ("xlsx", "docx", "pdf"):
        with pytest.raises(CommandError, match="--output"):
            call_command("report", *ARGS, "--format", fmt)


@pytest.fixture
def sparse(only_metrics, regions):
    reg = only_metrics()
    reg.register("orgs.associations_new", "新成立组织", unit="个")(lambda p, f, t: 0)
    reg.register("orgs.members", "会员数", unit="人")(lambda p, f, t: 0)
    reg.register("people.total", "人士库人数", unit="人")(lambda p, f, t: 272)
    reg.register("activities.count", "活动场次", unit="次")(lambda p, f, t: 61)


def test_sections_with_zero_figures_are_left_out_in_every_format(sparse, tmp_path, capsys):
    from docx import Document

    text = run(capsys, "--format", "md")
    assert "完善组织体系" not in text and "吸纳会员" not in text
    assert "## 一、育好人士队伍" in text and "## 二、搭建活动平台" in text
    assert "开展专题宣讲、联谊交流等各类活动60余次。" in text
    assert "| 会员数 | 0 | 人 |" in text  # the data table stays complete
    out = tmp_path / "r.docx"
    run(capsys, "--format", "docx", "--output", str(out))
    word = Document(str(out))
    body = "\n".join(p.text for p in word.paragraphs)
    assert "完善组织体系" not in body and "二、搭建活动平台" in body
    assert {row.cells[0].text for row in word.tables[0].rows[1:]} == {"人士库人数", "活动场次"}


def test_a_template_can_be_chosen_by_name(persons, capsys):
    from tongxin.reports.models import ReportTemplate

    ReportTemplate.objects.create(name="简报", title="{region}简报", sections=[
        {"title": "人士", "sentences": ["在册{people.total}人。"]}])
    text = run(capsys, "--format", "md", "--template", "简报")
    assert text.startswith("# 船山区简报") and "## 一、人士\n\n在册6人。" in text
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="报告模板“无此模板”不存在"):
        run(capsys, "--format", "md", "--template", "无此模板")


def test_whole_country_code(persons, capsys):
    call_command("report", "--region", "000000", "--from", "2025-01-01", "--to", "2025-12-31",
                 "--metrics", "people.total")
    data = json.loads(capsys.readouterr().out)
    assert data["region"] == {"code": "000000", "name": "全国"} and data["metrics"]["people.total"] == 8


def test_xlsx_cells_are_escaped(only_metrics, regions, tmp_path, capsys):
    from python_calamine import CalamineWorkbook

    reg = only_metrics()
    reg.register("t.split", "分项", unit="个")(lambda p, f, t: {"total": 1, "by": {"=cmd|' /C calc'!A0": 1}})
    out = tmp_path / "r.xlsx"
    run(capsys, "--format", "xlsx", "--output", str(out))
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert any(str(cell).startswith("'=cmd") for row in rows for cell in row)
