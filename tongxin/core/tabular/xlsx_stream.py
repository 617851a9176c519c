"""A streaming reader for big .xlsx sheets, so a million-row workbook is read in constant memory.

python-calamine loads a whole sheet into memory before the first row comes out (about 1 GB for a million rows of
ten columns), so sheets beyond `reader.CALAMINE_MAX_SHEET_BYTES` of XML are read here instead: the sheet's XML is
decompressed in chunks and cut into rows and cells with regular expressions (done in C), yielding the same cell
values calamine would — str, float, bool, date, datetime — with the same 1-based row numbers. Only the shared
strings table, which the cells point into, is held in memory, as it is by every reader.
"""

from __future__ import annotations

import datetime
import html
import posixpath
import re
import zipfile
from collections.abc import Iterator

from django.utils.translation import gettext as _

from tongxin.core.tabular.reader import Source, Table, TabularError

__all__ = ["StreamTable", "largest_sheet_bytes", "stream_tables"]

_CHUNK = 1 << 20
_EPOCH_1900 = datetime.datetime(1899, 12, 30)
_EPOCH_1904 = datetime.datetime(1904, 1, 1)
# Built-in number formats that show dates or times (14-22, 45-47) and those of the CJK locales (27-36, 50-58).
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_DATE_TOKENS = re.compile(r"[ymdhs]", re.I)
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_DIGITS = b"0123456789"
_REMEMBERED_TEXTS = 50_000


def largest_sheet_bytes(source: Source) -> int:
    with source.open() as handle, zipfile.ZipFile(handle) as archive:
        sizes = [i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/")]
    return max(sizes, default=0)


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if b"&" in raw:
        text = html.unescape(text)
    if b"_x" in raw:
        text = _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Workbook:
    """Sheet names and paths, the date system, date styles and shared strings of one .xlsx."""

    def __init__(self, archive: zipfile.ZipFile):
        import xml.etree.ElementTree as ET  # noqa: S405 - size-checked, entity-free OOXML parts of our own zip check

        self.archive = archive
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
        rels = {}
        rels_path = "xl/_rels/workbook.xml.rels"
        if rels_path in archive.namelist():
            for rel in ET.fromstring(archive.read(rels_path)):  # noqa: S314
                rels[rel.get("Id")] = rel.get("Target", "")
        self.date1904 = False
        self.sheets = []
        for element in workbook.iter():
            name = _local(element.tag)
            if name == "workbookPr":
                self.date1904 = element.get("date1904") in ("1", "true")
            elif name == "sheet":
                rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
                target = rels.get(rid, "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
                self.sheets.append((element.get("name", ""), path, element.get("state", "visible")))
        self.date_styles = self._date_styles(ET)
        self.shared = self._shared_strings(rels)

    def _date_styles(self, ET) -> frozenset[int]:
        if "xl/styles.xml" not in self.archive.namelist():
            return frozenset()
        styles = ET.fromstring(self.archive.read("xl/styles.xml"))  # noqa: S314
        custom = {}
        date_styles = set()
        for element in styles.iter():
            if _local(element.tag) == "numFmt":
                code = _FORMAT_LITERALS.sub("", element.get("formatCode", ""))
                custom[int(element.get("numFmtId", "0"))] = bool(_DATE_TOKENS.search(code))
        for element in styles.iter():
            if _local(element.tag) == "cellXfs":
                for index, xf in enumerate(element):
                    fmt = int(xf.get("numFmtId", "0"))
                    if custom.get(fmt, fmt in _DATE_FORMAT_IDS):
                        date_styles.add(index)
        return frozenset(date_styles)

    def _shared_strings(self, rels) -> list[str]:
        path = "xl/sharedStrings.xml"
        if path not in self.archive.namelist():
            return []
        data = self.archive.read(path)
        prefix = _prefix(data[:2000], b"sst")
        si = re.compile(rb"<%ssi>(.*?)</%ssi>|<%ssi/>" % (prefix, prefix, prefix), re.S)
        t = re.compile(rb"<%st(?:\s[^>]*)?>([^<]*)</%st>" % (prefix, prefix))
        phonetic = re.compile(rb"<%srPh\b.*?</%srPh>" % (prefix, prefix), re.S)
        strings = []
        for match in si.finditer(data):
            body = match.group(1) or b""
            if b"<" + prefix + b"rPh" in body:
                body = phonetic.sub(b"", body)
            parts = t.findall(body)
            strings.append(_text(parts[0]) if len(parts) == 1 else _text(b"".join(parts)))
        return strings


def _prefix(head: bytes, root: bytes) -> bytes:
    match = re.search(rb"<(\w+:)?%s\b" % root, head)
    return (match.group(1) or b"") if match else b""


class StreamTable(Table):
    def __init__(self, source: Source, book_info: dict, name: str, path: str, size_hint: int | None):
        self.source = source
        self.info = book_info
        self.name = name
        self.path = path
        self.size_hint = size_hint

    def rows(self) -> Iterator[tuple[int, list]]:
        with self.source.open() as handle, zipfile.ZipFile(handle) as archive, archive.open(self.path) as member:
            yield from _sheet_rows(member, self.info)


class _SheetParser:
    """Turns blocks of whole <row> elements into (row number, cells).

    The common cell shape — `<c r="B7" s="3" t="s"><v>12</v></c>`, inline strings, cached formula values — is
    matched for a whole block by one `findall`; a block holding anything else (cells without a reference,
    attributes in another order, rich inline text) is parsed cell by cell instead, so unusual writers are slower
    but never misread.
    """

    def __init__(self, prefix: bytes, info: dict):
        p = prefix
        self.shared = info["shared"]
        self.date_styles = info["date_styles"]
        self.epoch = _EPOCH_1904 if info["date1904"] else _EPOCH_1900
        self.cell_open = b"<%sc" % p
        self.fast_re = re.compile(
            rb'<%(p)sc r="([A-Z]{1,3})(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?\s*(?:/>|>'
            rb"(?:<%(p)sf>[^<]*</%(p)sf>|<%(p)sf[^>]*/>|<%(p)sf[^>]*>[^<]*</%(p)sf>)?"
            rb"(?:<%(p)sv>([^<]*)</%(p)sv>|<%(p)sis><%(p)st(?:\s[^>]*)?>([^<]*)</%(p)st></%(p)sis>)?</%(p)sc>)"
            % {b"p": p}
        )
        self.row_re = re.compile(rb"<%srow\b([^>]*?)(?:/>|>(.*?)</%srow>)" % (p, p), re.S)
        self.cell_re = re.compile(rb"<%sc\b([^>]*?)(?:/>|>(.*?)</%sc>)" % (p, p), re.S)
        self.v_open, self.v_close = b"<%sv>" % p, b"</%sv>" % p
        self.t_re = re.compile(rb"<%st(?:\s[^>]*)?>([^<]*)</%st>" % (p, p))
        self.columns: dict[bytes, int] = {}
        # inline strings as written → their text: a ledger's labels (性别, 民族, 类别…) repeat in every row, and
        # writers that stream (xlsxwriter's constant-memory mode) write every string inline instead of shared
        self.texts: dict[bytes, str] = {}
        self.number = 0

    def column(self, letters: bytes) -> int:
        column = self.columns.get(letters)
        if column is None:
            column = 0
            for ch in letters:
                column = column * 26 + ch - 64
            column -= 1
            self.columns[letters] = column
        return column

    def value(self, kind: bytes, style: bytes, raw: bytes):
        """A cell's value, or None for an empty or error cell."""
        if kind == b"n" or not kind:
            value = float(raw)
            if style and int(style) in self.date_styles:
                return _serial(value, self.epoch)
            return value
        if kind == b"s":
            return self.shared[int(raw)]
        if kind == b"str":
            return _text(raw)
        if kind == b"b":
            return raw == b"1"
        if kind == b"d":
            return datetime.datetime.fromisoformat(raw.decode())
        return None

    def rows(self, block: bytes) -> Iterator[tuple[int, list]]:
        matches = self.fast_re.findall(block)
        if len(matches) != block.count(self.cell_open + b" ") + block.count(self.cell_open + b">"):
            yield from self.slow_rows(block)
            return
        current = None
        cells: list = []
        value_of, column_of, texts, shared = self.value, self.column, self.texts, self.shared
        for letters, number, style, kind, raw, inline in matches:
            if number != current:
                if cells:
                    yield int(current), cells
                current, cells = number, []
            if kind == b"inlineStr":
                value = texts.get(inline)
                if value is None:
                    value = _text(inline)
                    if len(texts) < _REMEMBERED_TEXTS:
                        texts[inline] = value
            elif not raw:
                continue
            elif kind == b"s":
                value = shared[int(raw)]
            else:
                value = value_of(kind, style, raw)
                if value is None:
                    continue
            column = column_of(letters)
            gap = column - len(cells)
            if gap == 0:
                cells.append(value)
            elif gap > 0:
                cells.extend([""] * gap)
                cells.append(value)
            else:
                cells[column] = value
        if cells:
            yield int(current), cells

    def slow_rows(self, block: bytes) -> Iterator[tuple[int, list]]:
        for row_match in self.row_re.finditer(block):
            attrs = row_match.group(1)
            self.number = _attribute(attrs, b"r", int) or self.number + 1
            body = row_match.group(2)
            if not body:
                continue
            cells: list = []
            for cell in self.cell_re.finditer(body):
                attrs, inner = cell.group(1), cell.group(2)
                ref = _attribute(attrs, b"r", bytes)
                column = self.column(ref.rstrip(_DIGITS)) if ref else len(cells)
                if not inner:
                    continue
                kind = _attribute(attrs, b"t", bytes) or b"n"
                if kind == b"inlineStr":
                    value = _text(b"".join(self.t_re.findall(inner)))
                else:
                    start = inner.find(self.v_open)
                    if start < 0:
                        continue
                    raw = inner[start + len(self.v_open):inner.index(self.v_close, start)]
                    value = self.value(kind, _attribute(attrs, b"s", bytes) or b"", raw)
                    if value is None:
                        continue
                gap = column - len(cells)
                if gap > 0:
                    cells.extend([""] * gap)
                if gap >= 0:
                    cells.append(value)
                else:
                    cells[column] = value
            if cells:
                yield self.number, cells


def _attribute(attrs: bytes, name: bytes, convert):
    match = re.search(rb'(?:^|\s)%s="([^"]*)"' % name, attrs)
    if match is None:
        return None
    return int(match.group(1)) if convert is int else match.group(1)


def _sheet_rows(member, info: dict) -> Iterator[tuple[int, list]]:
    head = member.read(_CHUNK)
    prefix = _prefix(head[:4000], b"worksheet")
    parser = _SheetParser(prefix, info)
    row_end = b"</%srow>" % prefix
    buffer = b""
    pending = head
    while True:
        chunk = pending if pending is not None else member.read(_CHUNK)
        pending = None
        buffer += chunk
        if chunk:
            cut = buffer.rfind(row_end)
            if cut < 0:
                continue
            end = cut + len(row_end)
        else:
            end = len(buffer)
        block, buffer = buffer[:end], buffer[end:]
        yield from parser.rows(block)
        if not chunk:
            break


def _serial(value: float, epoch: datetime.datetime):
    moment = epoch + datetime.timedelta(days=value)
    if value.is_integer():
        return moment.date()
    return (moment + datetime.timedelta(microseconds=500_000)).replace(microsecond=0)


def stream_tables(source: Source) -> Iterator[Table]:
    try:
        with source.open() as handle, zipfile.ZipFile(handle) as archive:
            workbook = _Workbook(archive)
            info = {"shared": workbook.shared, "date_styles": workbook.date_styles, "date1904": workbook.date1904}
            names = set(archive.namelist())
            sheets = [s for s in workbook.sheets if s[1] in names]
    except (KeyError, ValueError, zipfile.BadZipFile, SyntaxError) as exc:
        raise TabularError(_("无法读取 Excel 文件：%(error)s") % {"error": str(exc)[:200]}, "corrupt") from None
    sheets.sort(key=lambda s: s[2] != "visible")
    for name, path, _state in sheets:
        yield StreamTable(source, info, name, path, _dimension_rows(source, path))


def _dimension_rows(source: Source, path: str) -> int | None:
    """The last row named by the sheet's <dimension> (optional in the format; the engine counts rows anyway)."""
    with source.open() as handle, zipfile.ZipFile(handle) as archive, archive.open(path) as member:
        head = member.read(4096)
    match = re.search(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"', head)
    return int(match.group(1)) if match and match.group(1) else None
