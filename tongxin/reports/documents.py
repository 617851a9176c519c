"""The work report as .docx (python-docx) and .pdf (typst), with charts drawn by typst in the vendored Noto Sans SC.

Charts: typst draws the bar charts itself (templates/reports/typst/charts.typ) — inside the PDF directly, and
compiled alone to PNG for the .docx — so both formats show the same pictures in the same font, and nothing is
taken from the operating system (typst runs with system fonts ignored).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import typst
from django.utils.translation import gettext as _

import tongxin.core
from tongxin.reports import narrative, services

TYPST_DIR = Path(__file__).parent / "templates" / "reports" / "typst"
FONT_DIR = Path(tongxin.core.__file__).parent / "static" / "vendor" / "fonts" / "noto-sans-sc"
CHART_PPI = 200

BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"


def _typst(name: str, data: dict, fmt: str = "pdf", **options) -> bytes:
    return typst.compile(str(TYPST_DIR / name), root=str(TYPST_DIR), font_paths=[str(FONT_DIR)],
                         ignore_system_fonts=True, format=fmt,
                         sys_inputs={"data": json.dumps(data, ensure_ascii=False)}, **options)


def render_pdf(document) -> bytes:
    return _typst("report.typ", document.as_data())


def chart_png(chart: dict) -> bytes:
    return _typst("chart.typ", chart, fmt="png", ppi=CHART_PPI)


# --- docx ---------------------------------------------------------------------------------------------------------


def _set_fonts(target, east_asia: str, latin: str = LATIN_FONT, size=None, bold=None) -> None:
    """Latin and East Asian fonts of a style or run. Theme font attributes are removed, because Word prefers them
    over named fonts (python-docx's default heading styles carry them)."""
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    font = target.font
    font.name = latin
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    r_pr = target.element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        r_fonts.attrib.pop(qn(attribute), None)
    r_fonts.set(qn("w:ascii"), latin)
    r_fonts.set(qn("w:hAnsi"), latin)
    r_fonts.set(qn("w:eastAsia"), east_asia)


def _shade(cell, fill: str) -> None:
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    shading = tc_pr.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): fill})
    tc_pr.append(shading)


def render_docx(document) -> bytes:
    from docx import Document as WordDocument
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    word = WordDocument()
    section = word.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.3)

    normal = word.styles["Normal"]
    _set_fonts(normal, BODY_FONT, size=Pt(12))
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(0)
    heading = word.styles["Heading 1"]
    _set_fonts(heading, HEADING_FONT, size=Pt(15), bold=False)
    heading.paragraph_format.space_before = Pt(12)
    heading.paragraph_format.space_after = Pt(6)

    data = document.narrative
    word.core_properties.title = data.title
    word.core_properties.language = "zh-CN"
    title = word.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(6)
    _set_fonts(title.add_run(data.title), HEADING_FONT, size=Pt(20))
    subtitle = word.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.paragraph_format.space_after = Pt(12)
    _set_fonts(subtitle.add_run(document.subtitle), "楷体", size=Pt(11))

    def body(text: str) -> None:
        paragraph = word.add_paragraph(text)
        paragraph.paragraph_format.first_line_indent = Pt(24)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    for text in data.opening:
        body(text)
    for part in data.sections:
        word.add_heading(f"{part['number']}、{part['title']}", level=1)
        body(part["text"])
    for text in data.closing:
        body(text)
    dated = word.add_paragraph()
    dated.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _set_fonts(dated.add_run(document.generated), BODY_FONT, size=Pt(10.5))

    if document.rows:
        word.add_heading(_("附表：主要指标统计"), level=1)
        table = word.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, (_("指标"), _("数值"), _("单位"), _("分项")), strict=True):
            cell.text = ""
            _set_fonts(cell.paragraphs[0].add_run(text), HEADING_FONT, size=Pt(10.5))
            _shade(cell, "F2DCDB")
        for row in document.rows:
            cells = table.add_row().cells
            values = (str(row["label"]), narrative.exact_number(row["total"]), str(row["unit"]),
                      services.by_text(row["by"], non_zero=True))
            for index, (cell, text) in enumerate(zip(cells, values, strict=True)):
                cell.text = ""
                run = cell.paragraphs[0].add_run(text)
                _set_fonts(run, BODY_FONT, size=Pt(9 if index == 3 else 10.5))
                if index == 1:
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        widths = (Cm(4.2), Cm(2.2), Cm(1.6), Cm(7.8))
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = width
        note = word.add_paragraph()
        _set_fonts(note.add_run(str(services.NOTE)), BODY_FONT, size=Pt(9))

    if document.charts:
        word.add_heading(_("附图"), level=1)
        for chart in document.charts:
            word.add_picture(io.BytesIO(chart_png(chart)), width=Cm(15.5))
            word.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
