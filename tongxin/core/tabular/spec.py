"""Column specs: what a kind of record looks like as a spreadsheet, declared once per model.

An `ImportSpec` lists `Column`s — Chinese header, accepted header variants, parser, whether required, help text
and how to read the value for export. The same spec drives the downloadable template, the validator, the import
preview and the export, so the headers a user downloads are exactly the headers the import reads.

What differs per model beyond the columns — how a cleaned row finds an existing record and how rows are written —
is two hooks on the spec, `plan` and `write`, which work on whole chunks of rows so that an import costs a few
queries per chunk rather than per row.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tongxin.core import validators
from tongxin.core.tabular.parsers import Parser, as_parser

__all__ = [
    "CREATE",
    "MERGE",
    "SKIP",
    "UPDATE",
    "Column",
    "ImportContext",
    "ImportSpec",
    "Row",
    "header_key",
]

CREATE, UPDATE, MERGE, SKIP = "create", "update", "merge", "skip"
ACTIONS = (CREATE, UPDATE, MERGE, SKIP)

_MISSING = object()
_HEADER_DECORATION = re.compile(r"^[*＊]+|[*＊:：]+$")
_HEADER_NOTE = re.compile(r"[(（【\[].*[)）】\]]$")


def header_key(text) -> str:
    """How header cells are compared: half-width, no spaces or line breaks, no "*" or trailing colon, lower-case.

    "姓  名", "姓名*", "身份证\\n号码", "ＩＤ" all find their column.
    """
    if text is None:
        return ""
    key = "".join(validators.normalize_text(str(text)).split()).lower()
    return _HEADER_DECORATION.sub("", key)


def header_key_without_note(key: str) -> str:
    """The key without a trailing note in brackets: "出生日期(yyyy-mm-dd)" → "出生日期"."""
    return _HEADER_DECORATION.sub("", _HEADER_NOTE.sub("", key))


@dataclasses.dataclass(eq=False)
class Column:
    """One column of a spec.

    `key` names the value in the cleaned row (usually the model field); `header` is the Chinese header written
    to templates and exports; `aliases` are other headers read on import. `export` reads the value from a record
    for export: a callable, None for the attribute (or dict item) named `key`, or False to leave the column out
    of exports. `default` replaces an empty cell of an optional column (else the parser's `empty`).
    """

    key: str
    header: str
    aliases: Sequence[str] = ()
    parser: Any = None
    required: bool = False
    help: str = ""
    export: Callable[[Any], Any] | None | bool = None
    example: Any = _MISSING
    default: Any = _MISSING
    sensitive: bool | None = None
    importable: bool = True

    def __post_init__(self):
        self.parser: Parser = as_parser(self.parser)
        self.aliases = tuple(self.aliases)
        if self.sensitive is None:
            self.sensitive = self.parser.sensitive

    @property
    def exportable(self) -> bool:
        return self.export is not False

    @property
    def empty_value(self):
        return self.parser.empty if self.default is _MISSING else self.default

    @property
    def example_value(self):
        return self.parser.example if self.example is _MISSING else self.example

    @property
    def help_text(self) -> str:
        parts = [str(self.help)] if self.help else []
        hint = self.parser.hint
        if hint and str(hint) not in parts:
            parts.append(str(hint))
        return "；".join(parts)

    def read(self, obj):
        """The value of this column for one exported record."""
        if callable(self.export):
            return self.export(obj)
        if isinstance(obj, dict):
            return obj.get(self.key)
        return getattr(obj, self.key, None)


class Row:
    """One data row of a file: its spreadsheet row number, raw cells, cleaned values, errors and planned action.

    `plan` sets `action` (and may set `target`, the existing record to update or merge into); an error added in
    `clean_row` or `plan` rejects the row.
    """

    __slots__ = ("number", "cells", "data", "errors", "action", "target", "extra")

    def __init__(self, number: int, cells: list, data: dict, errors: list | None = None):
        self.number = number
        self.cells = cells
        self.data = data
        self.errors = errors
        self.action = CREATE
        self.target = None
        self.extra = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, column: str, message) -> None:
        """Reject the row; `column` is the header shown to the user ("" for the row as a whole)."""
        if self.errors is None:
            self.errors = []
        self.errors.append((str(column), str(message)))

    def __repr__(self) -> str:
        return f"<Row {self.number} {self.action} {self.data!r} errors={self.errors!r}>"


@dataclasses.dataclass
class ImportContext:
    """Who imports into where.

    `region` is the region chosen for the import (compact prefix code), the default for rows that name none;
    `scope` is the prefix every row's region must lie inside — by default the region, else the user's data
    scope. `state` is the spec's own memory across chunks (e.g. keys already seen in the file). `columns` is
    set by the engine to the keys of the columns the file has: a row's `data` holds exactly those keys, so an
    update can leave the fields of absent columns alone.
    """

    user: Any = None
    region: str | None = None
    scope: str | None = None
    source: str = ""
    filename: str = ""
    dry_run: bool = False
    today: datetime.date = dataclasses.field(default_factory=datetime.date.today)
    options: dict = dataclasses.field(default_factory=dict)
    state: dict = dataclasses.field(default_factory=dict)
    columns: frozenset = frozenset()
    size_hint: int | None = None  # the file's rows as its reader estimates them (set by the engine), or None

    def __post_init__(self):
        if self.scope is None:
            if self.region is not None:
                self.scope = self.region
            elif self.user is not None:
                from tongxin.core.scope import scope_prefix

                self.scope = scope_prefix(self.user)


class ImportSpec:
    """The columns of one importable kind and its hooks. Subclass it, or instantiate it with columns.

    Hooks (override as needed):

    - `prepare(context)`: once before the first row, e.g. to load lookup tables into `context.state`.
    - `clean_row(row, context)`: checks across columns of one row (`row.add_error(header, message)`).
    - `plan(rows, context)`: classify a chunk of valid rows — set `row.action` to CREATE, UPDATE, MERGE or SKIP
      and `row.target` — with a few queries for the whole chunk. Runs for the preview as well, so it must not
      write. Rows of later chunks may repeat earlier ones: remember keys in `context.state`.
    - `write(rows, context)`: write a chunk of planned rows (bulk_create / bulk_update), inside the import's
      transaction. Not called on a dry run.
    - `finish(context, result)`: once after the last chunk when something was written (e.g. an audit entry).
    """

    name: str = ""
    columns: Sequence[Column] = ()
    chunk_size: int = 2000

    def __init__(self, columns: Iterable[Column] | None = None, *, name: str | None = None,
                 chunk_size: int | None = None):
        if columns is not None:
            self.columns = list(columns)
        if name is not None:
            self.name = name
        if chunk_size is not None:
            self.chunk_size = chunk_size
        self.columns = list(self.columns)
        self._header_index = self._build_header_index()

    def _build_header_index(self) -> dict[str, tuple[Column, bool]]:
        """header key → (column, whether it is the column's own header rather than an alias)."""
        index: dict[str, tuple[Column, bool]] = {}
        keys = set()
        for column in self.columns:
            if column.key in keys:
                raise ValueError(f"duplicate column key {column.key!r} in {type(self).__name__}")
            keys.add(column.key)
            if not column.importable:
                continue
            for text, primary in ((column.header, True), *((alias, False) for alias in column.aliases)):
                key = header_key(text)
                other = index.get(key)
                if other is not None and other[0] is not column:
                    raise ValueError(f"header {text!r} belongs to both {other[0].key!r} and {column.key!r}")
                if other is None or primary:
                    index[key] = (column, primary)
        return index

    def match_header(self, text) -> tuple[Column, bool] | None:
        key = header_key(text)
        if not key:
            return None
        found = self._header_index.get(key)
        if found is None:
            stripped = header_key_without_note(key)
            if stripped != key:
                found = self._header_index.get(stripped)
        return found

    @property
    def import_columns(self) -> list[Column]:
        return [c for c in self.columns if c.importable]

    @property
    def export_columns(self) -> list[Column]:
        return [c for c in self.columns if c.exportable]

    @property
    def template_filename(self) -> str:
        return f"{self.name or '数据'}导入模板.xlsx"

    # -- hooks ---------------------------------------------------------------------------------------------

    def prepare(self, context: ImportContext) -> None:
        pass

    def clean_row(self, row: Row, context: ImportContext) -> None:
        pass

    def plan(self, rows: list[Row], context: ImportContext) -> None:
        for row in rows:
            row.action = CREATE

    def write(self, rows: list[Row], context: ImportContext) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not write")

    def finish(self, context: ImportContext, result) -> None:
        pass

    # -- the same spec, the other way round ------------------------------------------------------------------

    def template_xlsx(self) -> bytes:
        from tongxin.core.tabular.writer import template_xlsx

        return template_xlsx(self)
