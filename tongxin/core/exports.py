"""Spreadsheet export helpers shared by every export: formula-injection escaping and an xlsx response.

A cell whose text starts with = + - @ or a tab/carriage return is run as a formula by Excel and WPS (CSV/formula
injection, OWASP). Every exported text cell goes through `safe_cell`, which prefixes such text with a single
quote so that it is shown as text and never evaluated.
"""

import datetime
import decimal
import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """The value as it may be written to a spreadsheet: text that would start a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    return [safe_cell(v) for v in values]


def _plain(value):
    """Values XlsxWriter writes as they are; anything else as text. Aware datetimes in local time, naive."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, int | float | decimal.Decimal | datetime.date):
        return value
    return str(value)


def write_xlsx(headers: Sequence, rows: Iterable[Sequence], *, sheet_name: str = "Sheet1") -> bytes:
    """An xlsx workbook (one sheet, bold frozen header) with every text cell escaped. Streams rows
    (constant memory), so it suits large exports run as background jobs as well as small ones."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": False, "constant_memory": True,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, str(safe_cell(str(header))), bold)
        sheet.set_column(col, col, max(10, min(40, len(str(header)) * 2 + 4)))
    sheet.freeze_panes(1, 0)
    for row_index, row in enumerate(rows, start=1):
        for col, raw in enumerate(row):
            value = _plain(raw)
            if isinstance(value, str):
                sheet.write_string(row_index, col, safe_cell(value))
            elif isinstance(value, datetime.datetime):
                sheet.write_datetime(row_index, col, value, datetime_format)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(row_index, col, datetime.datetime.combine(value, datetime.time()), date_format)
            else:
                sheet.write_number(row_index, col, value)
    workbook.close()
    return buffer.getvalue()


def attachment_headers(response: HttpResponse, filename: str) -> HttpResponse:
    """Content-Disposition that keeps a Chinese file name (RFC 5987) with an ASCII fallback."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response


def xlsx_response(filename: str, headers: Sequence, rows: Iterable[Sequence], *, sheet_name: str = "Sheet1"):
    response = HttpResponse(write_xlsx(headers, rows, sheet_name=sheet_name), content_type=XLSX_CONTENT_TYPE)
    return attachment_headers(response, filename)


def file_download(field_file):
    """Stream a stored file as an attachment; a missing file is a 404. Callers check who may have it."""
    import os

    from django.http import FileResponse, Http404

    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(field_file.name))
