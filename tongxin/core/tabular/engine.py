"""The import engine: find the header, clean and validate every row, plan and write in chunks, report.

One code path serves the web preview, the web commit, background jobs and `tongxin import`:

    result = run_import(file, spec, context, dry_run=True)                      # preview: nothing written
    result = run_import(file, spec, context)                                    # all or nothing
    result = run_import(file, spec, context, skip_invalid=True)                 # good rows in, bad rows out
    result.to_json()  # {"rows", "created", "updated", "merged", "skipped", "errors": [...], "ignored": [...]}

Rows stream from the reader through the validator in chunks of `spec.chunk_size`; each chunk is planned and
written with a few queries, so memory and queries per row stay flat however long the file.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core.exports import FORMULA_PREFIXES
from tongxin.core.tabular.reader import TabularError, max_import_rows, open_tables
from tongxin.core.tabular.spec import (
    CREATE,
    MERGE,
    SKIP,
    UPDATE,
    Column,
    ImportContext,
    ImportSpec,
    Row,
    header_key,
)
from tongxin.core.validators import ValidationError, normalize_text

__all__ = ["ImportResult", "Layout", "iter_rows", "run_import", "validate"]

HEADER_SCAN_ROWS = 50
GC_THRESHOLD = 100_000  # allocations between the garbage collector's youngest-generation passes, during an import
ERROR_COLUMN = "错误说明"
ROW_NUMBER_COLUMN = "原行号"
NOTE_PREFIXES = (
    "合计", "总计", "小计", "共计", "填表人", "制表人", "填报人", "审核人", "审核", "负责人", "联系人", "经办人",
    "填表日期", "制表日期", "填报日期", "填表时间", "填报单位", "填表单位", "说明", "备注", "注：", "注:",
    "以下空白", "以下无", "此页空白",
)
TOTAL_PREFIXES = ("合计", "总计", "小计", "共计")
_FORMULA_START = frozenset("".join(FORMULA_PREFIXES))
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
_REQUIRED = object()


@dataclass
class ImportResult:
    """What an import did (or, on a dry run, would do). `errors` are (row, column, message) triples."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    merged: int = 0
    skipped: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    rejected: int = 0
    header_row: int | None = None
    sheet: str = ""
    dry_run: bool = False
    committed: bool = False
    rejected_path: str | None = None
    valid_rows: list[Row] | None = None
    samples: dict[str, list[Row]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str, n: int = 1) -> None:
        if action == CREATE:
            self.created += n
        elif action == UPDATE:
            self.updated += n
        elif action == MERGE:
            self.merged += n
        elif action == SKIP:
            self.skipped += n

    def to_json(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "merged": self.merged,
            "skipped": self.skipped,
            "errors": [{"row": row, "column": column, "message": message} for row, column, message in self.errors],
            "ignored": list(self.ignored),
        }


@dataclass
class Layout:
    """Where a file keeps what: the header row, which cell index feeds which column, and what is left over."""

    header_row: int
    header_cells: list[str]
    positions: list[tuple[Column, int]]
    ignored: list[str]
    missing: list[Column]
    data_start: int

    def header_of(self, column: Column) -> str:
        for col, index in self.positions:
            if col is column:
                return self.header_cells[index] or column.header
        return column.header


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_text(str(value))


_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")


def _header_text(value) -> str:
    """A header cell as shown in messages: "身份证\n号码" and "姓  名" read "身份证号码" and "姓名"."""
    return _CJK_GAP.sub("", _cell_text(value))


def _match_row(spec: ImportSpec, cells: list) -> dict[int, tuple[Column, bool]]:
    matches = {}
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and cell:
            found = spec.match_header(cell)
            if found is not None:
                matches[index] = found
    return matches


def _assign(matches: dict[int, tuple[Column, bool]], positions: dict[Column, tuple[int, bool]]) -> None:
    """Give each column one cell: its own header beats an alias, then the leftmost; the others are ignored."""
    for index, (column, primary) in matches.items():
        held = positions.get(column)
        if held is None or (primary and not held[1]):
            positions[column] = (index, primary)


def find_layout(spec: ImportSpec, rows: Iterator[tuple[int, list]]) -> tuple[Layout, Iterator] | None:
    """Find the header: the first of the first rows naming at least two of the spec's columns.

    Title rows, notes and blank rows above it are passed over. A second header row below it (a merged group
    header over "手机" and "电话") is folded in. Returns the layout and the rows after the header, or None.
    """
    importable = spec.import_columns
    needed = min(2, len(importable))
    for number, cells in itertools.islice(rows, HEADER_SCAN_ROWS):
        matches = _match_row(spec, cells)
        if len({column for column, _primary in matches.values()}) >= needed:
            header_row = number
            break
    else:
        return None
    header_cells = [_header_text(c) for c in cells]
    positions: dict[Column, tuple[int, bool]] = {}
    _assign(matches, positions)
    rest = iter(rows)
    following = next(rest, None)
    if following is not None:
        below = _match_row(spec, following[1])
        new = {i: m for i, m in below.items() if m[0] not in positions and i not in matches}
        others = [i for i, c in enumerate(following[1]) if c not in ("", None) and i not in below]
        if new and following[0] == header_row + 1 and not others:
            for index in new:
                while len(header_cells) <= index:
                    header_cells.append("")
                header_cells[index] = _header_text(following[1][index])
            _assign(new, positions)
            following = None
    remaining = itertools.chain([following] if following is not None else [], rest)
    mapped = {index for index, _primary in positions.values()}
    ignored = []
    for index, text in enumerate(header_cells):
        if text and index not in mapped and text not in ignored:
            ignored.append(text)
    missing = [c for c in importable if c.required and c not in positions]
    ordered = sorted(((column, index) for column, (index, _primary) in positions.items()), key=lambda p: p[1])
    layout = Layout(header_row=header_row, header_cells=header_cells, positions=ordered, ignored=ignored,
                    missing=missing, data_start=header_row + 1)
    return layout, remaining


def _error_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return exc.message
    if isinstance(exc, DjangoValidationError):
        return "；".join(str(m) for m in exc.messages)
    return str(exc)


def iter_rows(spec: ImportSpec, layout: Layout, rows: Iterable[tuple[int, list]], context: ImportContext,
              *, max_rows: int | None = None) -> Iterator[Row]:
    """Clean and validate data rows one by one; blank rows, notes and repeated headers are passed over.

    This loop runs a million times for a big ledger, so it is written for speed: one tuple per column bound
    once, text normalized only when it needs it, and no work at all for the cells of unmapped columns.
    """
    max_rows = max_import_rows() if max_rows is None else max_rows
    context.columns = frozenset(column.key for column, _index in layout.positions)
    bound = []
    required = []
    for column, index in layout.positions:
        header = layout.header_of(column)
        empty = _REQUIRED if column.required else column.empty_value
        parse = column.parser.bind(context)
        known = None
        if column.parser.repeats:
            parse = _remembering(parse)
            known = {}  # cell text as read → its value, for texts that parsed: no cleaning, no call on a repeat
        bound.append((column.key, index, parse, header, empty, known))
        if column.required:
            required.append((column.key, header))
    if not bound:
        return
    first_index = bound[0][1]
    first_header = layout.header_cells[first_index]
    first_header_key = header_key(first_header)
    header_keys = {index: header_key(layout.header_cells[index]) for _column, index in layout.positions}
    clean_row = spec.clean_row if type(spec).clean_row is not ImportSpec.clean_row else None
    _normalize = normalize_text
    _wide = _FULL_WIDTH.search
    _str = str
    first_key = bound[0][0]
    count = 0
    for number, cells in rows:
        n = len(cells)
        data = {}
        errors = None
        filled = 0
        for key, index, parse, header, empty, known in bound:
            value = cells[index] if index < n else None
            if value.__class__ is _str:
                if known is not None:
                    result = known.get(value, _UNKNOWN)
                    if result is not _UNKNOWN:
                        data[key] = result
                        filled += 1
                        continue
                    raw = value
                if value.isascii() or not _wide(value):
                    value = " ".join(value.split())
                else:
                    value = _normalize(value)
                if not value:
                    data[key] = empty
                    continue
                if value[0] == "'" and value[1:2] in _FORMULA_START:
                    value = value[1:]
            elif value is None:
                data[key] = empty
                continue
            filled += 1
            try:
                data[key] = parsed = parse(value)
            except (ValidationError, DjangoValidationError) as exc:
                data[key] = None
                if errors is None:
                    errors = []
                errors.append((header, _error_message(exc)))
            else:
                if known is not None and value.__class__ is _str and len(known) < REMEMBERED_TEXTS:
                    known[raw] = parsed
        if not filled:
            continue
        first = cells[0] if n else None
        if filled <= 2 or (first.__class__ is _str and first.startswith(TOTAL_PREFIXES)):
            if _is_note(cells, filled):
                continue
        if data[first_key] == first_header or (
            errors and first_index < n and cells[first_index].__class__ is _str
            and header_key(cells[first_index]) == first_header_key
        ):
            if _is_repeated_header(cells, header_keys):
                continue
        for key, header in required:
            if data[key] is _REQUIRED:
                data[key] = None
                if errors is None:
                    errors = []
                errors.append((header, _("%(column)s不能为空") % {"column": header}))
        count += 1
        if count > max_rows:
            raise _too_many_rows(max_rows)
        row = Row(number, cells, data, errors)
        if clean_row is not None and errors is None:
            clean_row(row, context)
        yield row


#: How many distinct texts a repeating column's parser remembers the result of (see `Parser.repeats`).
REMEMBERED_TEXTS = 50_000
_UNKNOWN = object()


def _remembering(parse: Callable, limit: int = REMEMBERED_TEXTS) -> Callable:
    """`parse`, remembering the result for each text cell (a column of dates or choices repeats a few thousand
    texts down a million rows). A text that fails is parsed again each time: its error is raised afresh."""
    known: dict[str, Any] = {}

    def remembered(value):
        if value.__class__ is not str:
            return parse(value)
        result = known.get(value, _UNKNOWN)
        if result is _UNKNOWN:
            result = parse(value)
            if len(known) < limit:
                known[value] = result
        return result

    return remembered


def _is_note(cells: list, filled: int) -> bool:
    """A note under (or inside) the table: "填表人：…", "合计 272", "以下空白"."""
    for cell in cells:
        if cell.__class__ is str:
            text = cell.strip()
            if not text:
                continue
            if text.startswith(TOTAL_PREFIXES):
                return True
            return filled <= 2 and text.startswith(NOTE_PREFIXES)
        if cell is not None:
            return False
    return False


def _is_repeated_header(cells: list, header_keys: dict[int, str]) -> bool:
    """Printed ledgers repeat the header on every page."""
    same = 0
    for index, key in header_keys.items():
        if index < len(cells) and isinstance(cells[index], str) and header_key(cells[index]) == key:
            same += 1
    return same >= min(2, len(header_keys))


def _too_many_rows(max_rows: int) -> TabularError:
    return TabularError(
        _("文件行数超过上限：一次最多导入 %(max)s 行，请拆分后分批导入") % {"max": f"{max_rows:,}"}, "too_many_rows"
    )


@contextlib.contextmanager
def open_layout(file, spec: ImportSpec, *, name: str | None = None, max_bytes: int | None = None,
                max_rows: int | None = None):
    """Open the file and find the table in it; yields (table, layout, data rows). Raises TabularError."""
    max_rows = max_import_rows() if max_rows is None else max_rows
    tables = open_tables(file, name=name, max_bytes=max_bytes)
    with contextlib.closing(tables):
        for table in tables:
            rows = table.rows()
            with contextlib.closing(rows):
                found = find_layout(spec, rows)
                if found is None:
                    continue
                layout, remaining = found
                if table.size_hint is not None and table.size_hint - layout.header_row > max_rows:
                    raise _too_many_rows(max_rows)
                yield table, layout, remaining
                return
    examples = "、".join(f"“{c.header}”" for c in spec.import_columns[:3])
    raise TabularError(
        _("没有找到表头：文件前 %(n)s 行中没有一行包含至少两个可识别的列名（如 %(examples)s）。请使用导入模板的表头")
        % {"n": HEADER_SCAN_ROWS, "examples": examples}, "no_header",
    )


def _missing_errors(layout: Layout) -> list[tuple[int, str, str]]:
    return [
        (layout.header_row, column.header, _("缺少必填列：%(column)s") % {"column": column.header})
        for column in layout.missing
    ]


def validate(file, spec: ImportSpec, context: ImportContext | None = None, *, name: str | None = None,
             max_bytes: int | None = None, max_rows: int | None = None) -> ImportResult:
    """Parse and validate every row without planning or writing; `result.valid_rows` holds the cleaned rows.

    Keeps every valid row in memory: for previews of small files and for tests. Big files go through
    `run_import(..., dry_run=True)`, which streams.
    """
    context = context or ImportContext()
    result = ImportResult(dry_run=True, valid_rows=[])
    with open_layout(file, spec, name=name, max_bytes=max_bytes, max_rows=max_rows) as (table, layout, rows):
        result.header_row, result.sheet, result.ignored = layout.header_row, table.name, layout.ignored
        if layout.missing:
            result.errors = _missing_errors(layout)
            return result
        spec.prepare(context)
        for row in iter_rows(spec, layout, rows, context, max_rows=max_rows):
            result.rows += 1
            if row.errors:
                result.rejected += 1
                result.errors.extend((row.number, column, message) for column, message in row.errors)
            else:
                result.valid_rows.append(row)
    return result


class _Rollback(Exception):
    pass


def run_import(file, spec: ImportSpec, context: ImportContext | None = None, *, dry_run: bool = False,
               skip_invalid: bool = False, progress: Callable[[int, str], None] | None = None,
               name: str | None = None, rejected_output=None, max_bytes: int | None = None,
               max_rows: int | None = None, sample_size: int = 20) -> ImportResult:
    """Import a file with `spec`.

    - dry_run: validate and plan only (the preview); counts say what would be done, nothing is written.
    - default: all or nothing — one transaction, rolled back if any row is rejected (every error is still
      reported, and the counts are then zero because nothing was written).
    - skip_invalid: the valid rows are written, the rejected ones are collected in an .xlsx with the file's own
      columns plus 错误说明 (at `rejected_output`, a path or binary file, or else a temporary file whose path
      is `result.rejected_path` and which the caller removes; `rejected_output=False` writes none).

    `progress(percent, message)` is called once per chunk (the signature of a background job's progress).
    Raises TabularError for a file that cannot be read or is refused.
    """
    context = context or ImportContext()
    context.dry_run = dry_run
    if name and not context.filename:
        context.filename = name
    result = ImportResult(dry_run=dry_run)
    with open_layout(file, spec, name=name, max_bytes=max_bytes, max_rows=max_rows) as (table, layout, rows):
        if not context.filename:
            context.filename = table.source.name or table.name
        result.header_row, result.sheet, result.ignored = layout.header_row, table.name, layout.ignored
        if layout.missing:
            result.errors = _missing_errors(layout)
            return result
        rejected_writer = None
        if rejected_output is not False and (skip_invalid or rejected_output is not None):
            rejected_writer = _LazyRejectedWriter(layout, rejected_output)
        atomic = contextlib.nullcontext() if dry_run else transaction.atomic()
        try:
            with atomic, _fewer_gc_passes():
                _process(spec, layout, rows, context, result, table.size_hint, rejected_writer,
                         skip_invalid=skip_invalid, progress=progress, max_rows=max_rows, sample_size=sample_size)
                if not dry_run:
                    if result.errors and not skip_invalid:
                        raise _Rollback
                    spec.finish(context, result)
                    _audit(spec, context, result)
                    result.committed = True
        except _Rollback:
            result.created = result.updated = result.merged = result.skipped = 0
        finally:
            if rejected_writer is not None:
                result.rejected_path = rejected_writer.close()
    if progress is not None:
        progress(100, _("完成"))
    return result


def _chunks(stream, chunk_size: int) -> Iterator[list[Row]]:
    while chunk := list(itertools.islice(stream, chunk_size)):
        yield chunk


def _precomputer(spec, context) -> Callable[[list[Row]], None] | None:
    """A spec's `precompute(valid_rows, context)` — per-row work that needs no database and no other row (e.g.
    encrypting) — as a function of a chunk; None for a spec without one."""
    precompute = getattr(spec, "precompute", None)
    if precompute is None:
        return None

    def run(chunk: list[Row]) -> None:
        precompute([row for row in chunk if not row.errors], context)

    return run


def _precomputed(chunks: Iterator[list[Row]], precompute) -> Iterator[list[Row]]:
    for chunk in chunks:
        precompute(chunk)
        yield chunk


@contextlib.contextmanager
def _fewer_gc_passes(threshold: int = GC_THRESHOLD):
    """An import allocates a few containers per cell and keeps large dictionaries (keys seen so far) alive, so
    the cyclic garbage collector's default pace (a pass every 700 allocations, each full pass walking every
    live container) costs a large import a third of its time. Rarer passes for the import's duration; garbage
    is still collected (reference counting frees nearly all of it anyway)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], threshold), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _process(spec, layout, rows, context, result, size_hint, rejected_writer, *, skip_invalid, progress,
             max_rows, sample_size):
    context.size_hint = max(0, size_hint - layout.header_row) if size_hint is not None else None
    spec.prepare(context)
    stream = iter_rows(spec, layout, rows, context, max_rows=max_rows)
    chunk_size = max(1, spec.chunk_size)
    writing = not context.dry_run
    chunks = _chunks(stream, chunk_size)
    precompute = _precomputer(spec, context)
    if getattr(spec, "parallel", False) and (size_hint or 0) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        chunks = pipelined(chunks, keep_cells=rejected_writer is not None, precompute=precompute)
    elif precompute is not None:
        chunks = _precomputed(chunks, precompute)
    for chunk in chunks:
        result.rows += len(chunk)
        valid = [row for row in chunk if not row.errors]
        if valid:
            spec.plan(valid, context)
        accepted = []
        for row in chunk:
            if row.errors:
                result.rejected += 1
                result.errors.extend((row.number, column, message) for column, message in row.errors)
                if rejected_writer is not None:
                    rejected_writer.add(row)
                _sample(result, "rejected", row, sample_size)
            else:
                accepted.append(row)
                _sample(result, row.action, row, sample_size)
        if writing and (skip_invalid or not result.errors):
            to_write = [row for row in accepted if row.action != SKIP]
            if to_write:
                spec.write(to_write, context)
        for row in accepted:
            result.count(row.action)
        if progress is not None and size_hint:
            done = min(99, int(result.rows * 100 / max(1, size_hint - layout.header_row)))
            progress(done, _("已处理 %(n)s 行") % {"n": result.rows})


# -- pipelining: read and validate in a second process while this one plans and writes ----------------------------

#: A file with at least this many rows (by its size hint) is read and validated in a forked process, for specs
#: that declare `parallel = True`. Below it the fork costs more than it saves (env TONGXIN_IMPORT_PARALLEL_FROM).
PARALLEL_FROM = int(os.environ.get("TONGXIN_IMPORT_PARALLEL_FROM", "10000"))
_DETACHED: list = []  # the parent's database connections, kept alive (never used, never closed) in the child


#: How many chunks the reading process may run ahead of this one (received in a thread, still pickled): enough that
#: it keeps reading while this process waits for the database, and memory stays flat.
PIPELINE_AHEAD = 4
_EOF = object()


def pipelined(chunks: Iterator[list[Row]], *, keep_cells: bool = True,
              precompute: Callable[[list[Row]], None] | None = None) -> Iterator[list[Row]]:
    """The same chunks, in the same order, produced by a forked process.

    The first chunk is read here (that binds the parsers, which may query the database, in this process); the
    child then reads and validates the rest while this process plans and writes — a machine with two cores does
    both at once. A thread here takes the child's chunks off the pipe as they come, up to PIPELINE_AHEAD of them,
    so the child is not held up while this process waits for the database. The child never touches this
    process's database connection (it opens its own if a parser needs one). An error in the child (a refused
    file, too many rows) is raised here; any error here stops the child. Without `keep_cells` the rows come
    without their raw cells (only the rejected rows' workbook needs them), which halves what crosses the pipe.

    `precompute(chunk)` runs on every chunk before it is yielded, in whichever process has time for it: the child
    does it while this process has chunks waiting (this process is the slower one — a csv file, a busy
    database); it leaves it to this process when this one has already taken every chunk sent (the child is the
    slower one — an .xlsx file, whose XML costs twice a csv's parsing).
    """
    import multiprocessing
    import pickle
    import queue
    import threading

    first = next(chunks, None)
    if first is None:
        return
    try:
        fork = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: stay in one process
        chunks = itertools.chain([first], chunks)
        yield from _precomputed(chunks, precompute) if precompute is not None else chunks
        return
    taken = fork.RawValue("q", 0)  # chunks this process has taken from the pipe (shared memory, read by the child)
    receiver, sender = fork.Pipe(duplex=False)
    child = fork.Process(target=_produce, args=(chunks, sender, keep_cells, precompute, taken), daemon=True)
    child.start()
    sender.close()
    received: queue.Queue = queue.Queue(maxsize=PIPELINE_AHEAD)
    stopping = threading.Event()

    def receive() -> None:
        while not stopping.is_set():
            try:
                item = receiver.recv_bytes()
            except (EOFError, OSError):
                item = _EOF
            while not stopping.is_set():
                try:
                    received.put(item, timeout=0.2)
                    break
                except queue.Full:
                    continue
            if item is _EOF:
                return

    thread = threading.Thread(target=receive, name="import-receiver", daemon=True)
    thread.start()
    finished = False
    try:
        if precompute is not None:
            precompute(first)
        yield first
        while True:
            item = received.get()
            if item is _EOF:
                raise TabularError(_("读取文件的进程意外退出，请重试"))
            taken.value += 1
            kind, payload, done = pickle.loads(item)  # noqa: S301 - from our own forked child
            if kind == "end":
                finished = True
                return
            if kind == "error":
                raise payload
            chunk = [Row(number, cells, data, errors) for number, cells, data, errors in payload]
            if not done:
                precompute(chunk)
            yield chunk
    finally:
        stopping.set()
        if not finished and child.is_alive():
            child.terminate()
        child.join()
        thread.join()
        receiver.close()


def _produce(chunks, sender, keep_cells: bool = True, precompute=None, taken=None) -> None:
    """The child's side of `pipelined` (runs after fork)."""
    import pickle

    from django.db import connections

    for conn in connections.all(initialized_only=True):
        _DETACHED.append(conn.connection)  # shared socket/file of the parent: keep it, never use or close it
        conn.connection = None
    sent = 0
    try:
        for chunk in chunks:
            done = precompute is None
            if not done and sent > taken.value:  # a chunk sent earlier still waits: the parent is the busier one
                precompute(chunk)
                done = True
            payload = [(row.number, row.cells if keep_cells else None, row.data, row.errors) for row in chunk]
            sender.send_bytes(pickle.dumps(("rows", payload, done), protocol=pickle.HIGHEST_PROTOCOL))
            sent += 1
        message = ("end", None, True)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        message = ("error", exc, True)
    try:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled: its text
        data = pickle.dumps(("error", TabularError(str(message[1])), True), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        sender.send_bytes(data)
    except (BrokenPipeError, OSError):
        pass
    sender.close()
    os._exit(0)


def _sample(result: ImportResult, key: str, row: Row, size: int) -> None:
    bucket = result.samples.setdefault(key, [])
    if len(bucket) < size:
        bucket.append(row)


def _audit(spec, context, result) -> None:
    from tongxin.core import audit
    from tongxin.core.models import AuditEntry

    message = _("导入%(kind)s“%(file)s”：%(rows)s 行，新增 %(c)s，更新 %(u)s，合并 %(m)s，跳过 %(s)s，拒绝 %(r)s") % {
        "kind": spec.name, "file": context.filename, "rows": result.rows, "c": result.created, "u": result.updated,
        "m": result.merged, "s": result.skipped, "r": result.rejected,
    }
    audit.log(AuditEntry.IMPORT, message=message, region_code=context.region or "", user=context.user)


class _LazyRejectedWriter:
    """Opens the rejected-rows workbook only when the first row is rejected."""

    def __init__(self, layout: Layout, output):
        self.layout = layout
        self.output = output
        self.writer = None
        self.path = None

    def add(self, row: Row) -> None:
        if self.writer is None:
            from tongxin.core.tabular.writer import RejectedRowsWriter

            output = self.output
            if output is None:
                handle, output = tempfile.mkstemp(prefix="tongxin-rejected-", suffix=".xlsx")
                os.close(handle)
            self.path = output if isinstance(output, str | os.PathLike) else None
            self.writer = RejectedRowsWriter(output, self.layout)
        self.writer.add(row)

    def close(self) -> str | None:
        if self.writer is None:
            return None
        self.writer.close()
        return os.fspath(self.path) if self.path is not None else None


def describe_errors(result: ImportResult, limit: int | None = None) -> list[str]:
    """Human lines: "第 5 行 身份证号：身份证号校验码错误"."""
    lines = []
    for row, column, message in result.errors[:limit]:
        where = _("第 %(row)s 行") % {"row": row} if row else ""
        lines.append(f"{where} {column}：{message}".strip() if column else f"{where} {message}".strip())
    return lines

