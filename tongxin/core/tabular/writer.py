"""Writing spreadsheets from the same specs the import reads: exports, the import template, rejected rows.

Exports stream (xlsxwriter's constant_memory mode; CSV row by row), carry exactly the headers the import reads,
and write each value the way its parser reads it back, so export → import changes nothing. Sensitive columns
are masked unless the caller says the user may see them (and then the caller audits the export). Every text
cell is escaped against formula injection.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
from collections.abc import Iterable
from decimal import Decimal

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.exports import safe_cell
from tongxin.core.tabular import parsers
from tongxin.core.tabular.reader import TabularError
from tongxin.core.tabular.spec import ImportSpec

__all__ = ["RejectedRowsWriter", "escape_formula", "template_xlsx", "write_csv", "write_xlsx"]

XLSX_MAX_ROWS = 1_048_576
_WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
_TEXT_PARSERS = (parsers.Text, parsers.IdNumber, parsers.Phone, parsers.CreditCode, parsers.RegionCode,
                 parsers.Choice)


def escape_formula(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe ("=cmd|…" → "'=cmd|…"), by the
    one rule every export uses (`tongxin.core.exports.safe_cell`). The import engine strips that apostrophe
    again, so escaped exports import back unchanged."""
    return safe_cell(value)


def _naive_local(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def _export_plan(spec: ImportSpec, masked: bool, context):
    return [(column, column.parser.formatter(context), masked and column.sensitive) for column in spec.export_columns]


def _export_values(plan, obj):
    values = []
    for column, fmt, mask in plan:
        value = fmt(column.read(obj))
        if value is None:
            value = ""
        if mask and value != "":
            value = column.parser.mask(str(value))
        values.append(value)
    return values


class _Formats:
    def __init__(self, workbook):
        self.header = workbook.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1, "text_wrap": True,
                                           "valign": "vcenter"})
        self.required = workbook.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1, "font_color": "#C0392B",
                                             "text_wrap": True, "valign": "vcenter"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.money = workbook.add_format({"num_format": "0.00"})
        self.text = workbook.add_format({"num_format": "@"})
        self.error = workbook.add_format({"bg_color": "#FDE2E1"})
        self.error_date = workbook.add_format({"bg_color": "#FDE2E1", "num_format": "yyyy-mm-dd"})
        self.message = workbook.add_format({"font_color": "#C0392B", "text_wrap": False})


def _write_cell(sheet, formats: _Formats, row: int, col: int, value, highlight: bool = False) -> None:
    cls = value.__class__
    if value is None or value == "":
        if highlight:
            sheet.write_blank(row, col, None, formats.error)
        return
    cell_format = formats.error if highlight else None
    if cls is str:
        sheet.write_string(row, col, escape_formula(value), cell_format)
    elif cls is bool:
        sheet.write_string(row, col, _("是") if value else _("否"), cell_format)
    elif cls is int or cls is float:
        sheet.write_number(row, col, value, cell_format)
    elif cls is Decimal:
        sheet.write_number(row, col, float(value), formats.money)
    elif cls is datetime.datetime:
        sheet.write_datetime(row, col, _naive_local(value), formats.datetime)
    elif cls is datetime.date:
        sheet.write_datetime(row, col, value, formats.error_date if highlight else formats.date)
    else:
        sheet.write_string(row, col, escape_formula(str(value)), cell_format)


def _column_width(header: str) -> int:
    return max(10, min(40, len(header) * 2 + 4))


def write_xlsx(rows: Iterable, spec: ImportSpec, output, *, masked: bool = True, context=None,
               sheet_name: str | None = None) -> int:
    """Stream records (model instances or dicts) into an .xlsx at `output` (path or binary file). Returns rows."""
    plan = _export_plan(spec, masked, context)
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, **_WORKBOOK_OPTIONS})
    formats = _Formats(workbook)
    sheet = workbook.add_worksheet((sheet_name or spec.name or _("数据"))[:31])
    for index, (column, _fmt, _mask) in enumerate(plan):
        sheet.set_column(index, index, _column_width(column.header))
        sheet.write_string(0, index, column.header, formats.header)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, obj in enumerate(rows, start=1):
        if count >= XLSX_MAX_ROWS:
            workbook.close()
            raise TabularError(_("超过 Excel 单个工作表的行数上限，请改为导出 CSV 或缩小范围"), "xlsx_rows")
        for index, value in enumerate(_export_values(plan, obj)):
            _write_cell(sheet, formats, count, index, value)
    workbook.close()
    return count


def _csv_cell(value):
    if value.__class__ is str:
        return escape_formula(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        return _naive_local(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def write_csv(rows: Iterable, spec: ImportSpec, output, *, masked: bool = True, context=None,
              encoding: str = "utf-8-sig") -> int:
    """Stream records into a CSV (UTF-8 with BOM so Excel shows Chinese) at `output`: path, text or binary file."""
    plan = _export_plan(spec, masked, context)
    if isinstance(output, str | os.PathLike):
        with open(output, "w", encoding=encoding, newline="") as handle:
            return _write_csv_rows(rows, plan, handle)
    if isinstance(output, io.TextIOBase):
        return _write_csv_rows(rows, plan, output)
    handle = io.TextIOWrapper(output, encoding=encoding, newline="", write_through=True)
    try:
        return _write_csv_rows(rows, plan, handle)
    finally:
        handle.flush()
        handle.detach()


def _write_csv_rows(rows, plan, handle) -> int:
    writer = csv.writer(handle)
    writer.writerow([column.header for column, _fmt, _mask in plan])
    count = 0
    for obj in rows:
        writer.writerow([_csv_cell(v) for v in _export_values(plan, obj)])
        count += 1
    return count


def template_xlsx(spec: ImportSpec) -> bytes:
    """The downloadable import template: the headers (required ones in red) with a comment explaining each
    column, columns pre-formatted as text where Excel would otherwise mangle digits (ID numbers), and a second
    sheet describing every column with an example row."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, **_WORKBOOK_OPTIONS})
    formats = _Formats(workbook)
    columns = spec.import_columns
    sheet = workbook.add_worksheet((spec.name or _("数据"))[:31])
    sheet.set_row(0, 30)
    for index, column in enumerate(columns):
        text_column = isinstance(column.parser, _TEXT_PARSERS)
        date_column = isinstance(column.parser, parsers.Date)
        sheet.set_column(index, index, _column_width(column.header),
                         formats.text if text_column else formats.date if date_column else None)
        sheet.write_string(0, index, column.header, formats.required if column.required else formats.header)
        note = (_("必填。") if column.required else "") + column.help_text
        if note:
            sheet.write_comment(0, index, note, {"x_scale": 2, "y_scale": 1.5})
    sheet.freeze_panes(1, 0)

    guide = workbook.add_worksheet(_("填写说明"))
    guide.set_column(0, 0, 18)
    guide.set_column(1, 1, 8)
    guide.set_column(2, 2, 60)
    guide.set_column(3, 3, 24)
    guide.write_string(0, 0, _("请在第一个工作表“%(sheet)s”中填写，每行一条；本页仅为说明。")
                       % {"sheet": spec.name or _("数据")})
    for index, title in enumerate((_("列名"), _("必填"), _("填写说明（可用的其他列名）"), _("示例"))):
        guide.write_string(2, index, title, formats.header)
    for offset, column in enumerate(columns, start=3):
        guide.write_string(offset, 0, column.header)
        guide.write_string(offset, 1, _("是") if column.required else "")
        aliases = "、".join(column.aliases)
        description = column.help_text + (("；" if column.help_text else "") + _("也可写作：") + aliases if aliases else "")
        guide.write_string(offset, 2, description)
        _write_cell(guide, formats, offset, 3, column.parser.format(column.example_value))
    example_row = len(columns) + 5
    guide.write_string(example_row, 0, _("示例行："))
    for index, column in enumerate(columns):
        guide.write_string(example_row + 1, index, column.header, formats.header)
        _write_cell(guide, formats, example_row + 2, index, column.parser.format(column.example_value))
    workbook.close()
    return buffer.getvalue()


class RejectedRowsWriter:
    """The rows an import rejected, as the user wrote them, with the erroneous cells shaded and a 错误说明 column,
    so the user can correct them in place and import this file again."""

    def __init__(self, output, layout):
        from tongxin.core.tabular.engine import ERROR_COLUMN, ROW_NUMBER_COLUMN

        self.workbook = xlsxwriter.Workbook(output, {"constant_memory": True, **_WORKBOOK_OPTIONS})
        self.formats = _Formats(self.workbook)
        self.sheet = self.workbook.add_worksheet(_("未导入的行"))
        self.width = len(layout.header_cells)
        self.index_of = {}
        for column, index in layout.positions:
            self.index_of.setdefault(layout.header_of(column), index)
        for index, text in enumerate(layout.header_cells):
            self.sheet.set_column(index, index, _column_width(text or ""))
            if text:
                self.sheet.write_string(0, index, text, self.formats.header)
        self.sheet.set_column(self.width, self.width, 60)
        self.sheet.write_string(0, self.width, ERROR_COLUMN, self.formats.required)
        self.sheet.write_string(0, self.width + 1, ROW_NUMBER_COLUMN, self.formats.header)
        self.sheet.freeze_panes(1, 0)
        self.count = 0

    def add(self, row) -> None:
        self.count += 1
        bad = {self.index_of.get(column) for column, _message in row.errors or ()}
        cells = row.cells
        for index in range(self.width):
            value = cells[index] if index < len(cells) else None
            if isinstance(value, datetime.time | datetime.timedelta):
                value = str(value)
            _write_cell(self.sheet, self.formats, self.count, index, value, highlight=index in bad)
        messages = "；".join(f"{column}：{message}" if column else message for column, message in row.errors or ())
        self.sheet.write_string(self.count, self.width, messages, self.formats.message)
        self.sheet.write_number(self.count, self.width + 1, row.number)

    def close(self) -> None:
        self.workbook.close()
