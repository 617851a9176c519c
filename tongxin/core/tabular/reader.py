"""Reading uploaded spreadsheets safely: .xlsx, .xls and .csv (UTF-8, UTF-8 with BOM, GBK/GB18030), as row streams.

Before anything is parsed the file is checked against what its name claims and against the limits
(`TONGXIN_MAX_UPLOAD_BYTES`, `TONGXIN_MAX_IMPORT_ROWS`), and an .xlsx is checked for being a zip bomb by
decompressing it once into nothing, counting. Every refusal and every unreadable file is a `TabularError` whose
message is Chinese and says what to do; callers print it, never a traceback.

Rows come out as `(row_number, cells)`, the row number being the spreadsheet's own (1-based, as Excel shows it;
for CSV the record number), cells as the file holds them: strings from CSV; str, int, float, bool, date or
datetime from Excel. A CSV is streamed, so a million-row file is never in memory. An Excel sheet is read by
python-calamine, whose Rust side loads one sheet whole (`CalamineSheet.iter_rows()` only builds the Python rows
lazily); an .xls holds at most 65,536 rows, and an .xlsx is read with calamine up to `CALAMINE_MAX_SHEET_BYTES` of
sheet XML and streamed by `tongxin.core.tabular.xlsx_stream` beyond that, so memory stays flat for big sheets too.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _

__all__ = [
    "EXTENSIONS",
    "Source",
    "Table",
    "TabularError",
    "as_source",
    "check_source",
    "open_tables",
]

EXTENSIONS = (".xlsx", ".xls", ".csv")
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
MAX_ZIP_MEMBERS = 10_000
SUSPICIOUS_RATIO = 200  # real sheets compress 5-20×; zip bombs 1000× and more
SUSPICIOUS_MIN_BYTES = 1_000_000
CALAMINE_MAX_SHEET_BYTES = 128 * 1024 * 1024  # about 200,000 rows of ten columns
_CHUNK = 1 << 20


class TabularError(Exception):
    """A file that cannot be imported as it is; `message` is Chinese and fit to show as it is."""

    def __init__(self, message, code: str = "unreadable"):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code

    def __reduce__(self):  # raised in the reading process of a pipelined import, re-raised in the main one
        return (type(self), (self.message, self.code))


@dataclass
class Source:
    """An uploaded file: a path on disk or a seekable binary file object, with the name the user gave it."""

    name: str
    path: str | None = None
    fileobj: BinaryIO | None = None
    size: int = 0

    @property
    def extension(self) -> str:
        return os.path.splitext(self.name)[1].lower()

    @contextlib.contextmanager
    def open(self) -> Iterator[BinaryIO]:
        if self.path is not None:
            with open(self.path, "rb") as handle:
                yield handle
        else:
            self.fileobj.seek(0)
            yield self.fileobj

    def head(self, n: int = 8) -> bytes:
        with self.open() as handle:
            return handle.read(n)


def as_source(file, name: str | None = None) -> Source:
    """Accept a path, bytes, a Django UploadedFile or any seekable binary file object."""
    if isinstance(file, Source):
        return file
    if isinstance(file, str | os.PathLike):
        path = os.fspath(file)
        try:
            size = os.path.getsize(path)
        except OSError:
            raise TabularError(_("找不到文件：%(path)s") % {"path": path}, "not_found") from None
        return Source(name=name or os.path.basename(path), path=path, size=size)
    if isinstance(file, bytes | bytearray):
        return Source(name=name or "", fileobj=io.BytesIO(file), size=len(file))
    temporary_path = getattr(file, "temporary_file_path", None)
    if callable(temporary_path):
        path = temporary_path()
        return Source(name=name or getattr(file, "name", "") or os.path.basename(path), path=path,
                      size=os.path.getsize(path))
    fileobj = getattr(file, "file", None) if not hasattr(file, "seek") else file
    if fileobj is None or not hasattr(fileobj, "read"):
        raise TypeError(f"cannot read {file!r}")
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    return Source(name=name or os.path.basename(getattr(file, "name", "") or ""), fileobj=fileobj, size=size)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def max_upload_bytes() -> int:
    return int(getattr(settings, "TONGXIN_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))


def max_import_rows() -> int:
    return int(getattr(settings, "TONGXIN_MAX_IMPORT_ROWS", 1_000_000))


def max_unpacked_bytes() -> int:
    return max(1 << 30, 20 * max_upload_bytes())


def _describe_content(head: bytes) -> str:
    """What a file really is, judged by its first bytes, for the "content does not match the name" message."""
    if head.startswith(ZIP_SIGNATURE):
        return _("Excel 工作簿（.xlsx）或其他压缩文件")
    if head.startswith(OLE2_SIGNATURE):
        return _("旧版 Excel 文件（.xls）或加密的文件")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta", b"<head")):
        return _("网页（HTML/XML）文件")
    if head.startswith(b"%PDF"):
        return _("PDF 文件")
    return _("文本文件")


def check_source(source: Source, *, max_bytes: int | None = None) -> str:
    """Refuse files that are too big or are not what their extension says; return the kind ("xlsx"/"xls"/"csv")."""
    max_bytes = max_upload_bytes() if max_bytes is None else max_bytes
    ext = source.extension
    if ext not in EXTENSIONS:
        raise TabularError(
            _("不支持的文件类型“%(ext)s”，请上传 .xlsx、.xls 或 .csv 文件") % {"ext": ext or _("无扩展名")}, "extension"
        )
    if source.size > max_bytes:
        raise TabularError(
            _("文件过大（%(size)s MB），最大允许 %(max)s MB；请拆分后分批导入")
            % {"size": _mb(source.size), "max": _mb(max_bytes)}, "too_large",
        )
    if source.size == 0:
        raise TabularError(_("文件是空的"), "empty")
    head = source.head(512)
    if ext == ".xlsx":
        if head.startswith(OLE2_SIGNATURE):
            raise TabularError(
                _("文件已加密，或实际上是旧版 .xls 文件：请取消密码，或用 Excel 另存为 .xlsx 后再导入"), "mismatch"
            )
        if not head.startswith(ZIP_SIGNATURE):
            raise _mismatch(ext, head)
        _check_zip(source)
        return "xlsx"
    if ext == ".xls":
        if not head.startswith(OLE2_SIGNATURE):
            raise _mismatch(ext, head)
        return "xls"
    if head.startswith((ZIP_SIGNATURE, OLE2_SIGNATURE)):
        raise _mismatch(ext, head)
    return "csv"


def _mismatch(ext: str, head: bytes) -> TabularError:
    return TabularError(
        _("文件内容与扩展名不符：扩展名为 %(ext)s，内容却是%(what)s。请用 Excel 打开后另存为 .xlsx 再导入")
        % {"ext": ext, "what": _describe_content(head)}, "mismatch",
    )


def _bomb() -> TabularError:
    return TabularError(_("文件异常（疑似压缩炸弹），已拒绝导入"), "zip_bomb")


def _check_zip(source: Source) -> None:
    """An .xlsx must be a workbook, and must not unpack to more than `max_unpacked_bytes()`.

    The sizes a zip declares can lie, so every member is also decompressed once into nothing, counting, and the
    count stops at the limit; that costs about a second per 600 MB of sheet XML, far less than parsing it.
    """
    limit = max_unpacked_bytes()
    with source.open() as handle:
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, ValueError):
            raise TabularError(_("文件已损坏，不是有效的 .xlsx 工作簿"), "corrupt") from None
        with archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise TabularError(
                    _("文件内容与扩展名不符：这是一个压缩包，但不是 Excel 工作簿（.xlsx）"), "mismatch"
                )
            if len(infos) > MAX_ZIP_MEMBERS:
                raise _bomb()
            declared = 0
            for info in infos:
                declared += info.file_size
                if info.flag_bits & 0x1:
                    raise TabularError(_("文件已加密，请取消密码后再导入"), "encrypted")
                if info.file_size > SUSPICIOUS_MIN_BYTES and info.file_size > SUSPICIOUS_RATIO * max(
                    info.compress_size, 1
                ):
                    raise _bomb()
            if declared > limit:
                raise _bomb()
            total = 0
            for info in infos:
                member_total = 0
                try:
                    with archive.open(info) as member:
                        while chunk := member.read(_CHUNK):
                            member_total += len(chunk)
                            if total + member_total > limit or member_total > info.file_size:
                                raise _bomb()
                except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                    raise TabularError(_("文件已损坏，不是有效的 .xlsx 工作簿"), "corrupt") from None
                total += member_total


# ---------------------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------------------


class Table:
    """One sheet (or the one table of a CSV): `rows()` yields `(row_number, cells)`, skipping blank rows."""

    name: str = ""
    source: Source
    #: An upper bound of the number of rows, known before reading them (None when unknown).
    size_hint: int | None = None

    def rows(self) -> Iterator[tuple[int, list]]:
        raise NotImplementedError


class CsvTable(Table):
    def __init__(self, source: Source, encoding: str, delimiter: str, size_hint: int):
        self.source = source
        self.encoding = encoding
        self.delimiter = delimiter
        self.size_hint = size_hint
        self.name = Path(source.name).stem

    def rows(self):
        with self.source.open() as handle:
            text = io.TextIOWrapper(handle, encoding=self.encoding, newline="")
            number = 0
            try:
                for number, cells in enumerate(csv.reader(text, delimiter=self.delimiter), start=1):
                    if any(cells):
                        yield number, cells
            except csv.Error as exc:
                raise TabularError(
                    _("第 %(row)s 行无法解析（%(error)s）") % {"row": number + 1, "error": exc}, "csv"
                ) from None
            except UnicodeDecodeError:
                raise TabularError(_("文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV"), "encoding") from None
            finally:
                with contextlib.suppress(Exception):
                    text.detach()


def sniff_csv(source: Source) -> tuple[str, str, int]:
    """(encoding, delimiter, line count) of a CSV, in one streaming pass that also rejects binary content.

    UTF-8 (with or without BOM) is tried strictly over the whole file; failing that GB18030, which covers GBK
    and GB2312. A UTF-16 file (Excel's "Unicode text") is recognized by its BOM.
    """
    head = source.head(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "gb18030"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        lines = 0
        sample = ""
        last = b""
        try:
            with source.open() as handle:
                while chunk := handle.read(_CHUNK):
                    if encoding != "utf-16" and b"\x00" in chunk:
                        raise TabularError(_("文件内容不是文本，无法按 CSV 读取"), "binary")
                    lines += chunk.count(b"\n")
                    last = chunk[-2:]
                    text = decoder.decode(chunk)
                    if len(sample) < 4096:
                        sample += text[:4096]
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise TabularError(_("文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV"), "encoding")
    if not last.endswith((b"\n", b"\n\x00")):
        lines += 1
    counts = {d: sample.count(d) for d in (",", "\t", ";")}
    delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
    return encoding, delimiter, lines


class CalamineTable(Table):
    def __init__(self, source: Source, sheet, name: str):
        self.source = source
        self.sheet = sheet
        self.name = name
        start = sheet.start
        self.size_hint = (start[0] + sheet.height) if start else 0

    def rows(self):
        # iter_rows() pads the rows above the sheet's first used row, so its index is the sheet's own row number.
        for number, cells in enumerate(self.sheet.iter_rows(), start=1):
            if any(cells) or any(c != "" for c in cells):
                yield number, cells


def _calamine_tables(source: Source, kind: str) -> Iterator[Table]:
    import python_calamine

    with source.open() as handle:
        try:
            workbook = python_calamine.CalamineWorkbook.from_filelike(handle)
        except python_calamine.PasswordError:
            raise TabularError(_("文件已加密，请取消密码后再导入"), "encrypted") from None
        except Exception as exc:
            raise TabularError(_("无法读取 Excel 文件：%(error)s") % {"error": _short(exc)}, "corrupt") from None
        with workbook:
            metadata = workbook.sheets_metadata
            order = sorted(range(len(metadata)), key=lambda i: str(metadata[i].visible) != "SheetVisibleEnum.Visible")
            for index in order:
                if str(metadata[index].typ) != "SheetTypeEnum.WorkSheet":
                    continue
                try:
                    sheet = workbook.get_sheet_by_index(index)
                except Exception as exc:
                    raise TabularError(
                        _("无法读取工作表“%(sheet)s”：%(error)s") % {"sheet": metadata[index].name, "error": _short(exc)},
                        "corrupt",
                    ) from None
                yield CalamineTable(source, sheet, metadata[index].name)
                del sheet


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def open_tables(file, *, name: str | None = None, max_bytes: int | None = None) -> Iterator[Table]:
    """Check the file, then yield its tables: the one table of a CSV, or the worksheets of a workbook, visible
    sheets first. The caller takes the first table it recognizes (see the engine's header detection)."""
    source = as_source(file, name)
    kind = check_source(source, max_bytes=max_bytes)
    if kind == "csv":
        encoding, delimiter, lines = sniff_csv(source)
        yield CsvTable(source, encoding, delimiter, lines)
        return
    if kind == "xlsx":
        from tongxin.core.tabular import xlsx_stream

        if xlsx_stream.largest_sheet_bytes(source) > CALAMINE_MAX_SHEET_BYTES:
            yield from xlsx_stream.stream_tables(source)
            return
    yield from _calamine_tables(source, kind)
