"""Cell parsers: one per kind of value, each turning what people type into ledgers into one clean Python value.

A parser receives a non-empty cell — a normalized string (half-width, stripped), or what the spreadsheet stored
natively: int, float, bool, date, datetime — and returns the cleaned value or raises `ValidationError` with a
Chinese message fit to show next to the row and column. Empty cells never reach a parser: the engine fills in
the column's default or reports a required value missing.

The same parser formats a value back into a cell for export and the template (`format`, `example`), and masks
it where it is personal data (`mask`), so that what is exported is exactly what is read back.

`bind(context)` runs once per import and returns the function applied to each cell; parsers that need lookups
(dictionaries, regions) load them there, once, so that validating a row never queries the database.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from tongxin.core import crypto, validators
from tongxin.core.validators import ValidationError

__all__ = [
    "Boolean",
    "Choice",
    "CreditCode",
    "Date",
    "DictChoice",
    "FunctionParser",
    "IdNumber",
    "Integer",
    "Money",
    "Parser",
    "Phone",
    "RegionCode",
    "Text",
    "as_parser",
    "choice_key",
]

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 = 1900-01-01, allowing for Excel's phantom 1900-02-29


def _number_text(value) -> str:
    """A numeric cell as the digits a person typed: 510903.0 → "510903", 12.5 → "12.5"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def choice_key(text) -> str:
    """The form labels and codes are compared in: half-width, no spaces, lower-case."""
    return "".join(validators.normalize_text(_as_text(text)).split()).lower()


class Parser:
    """Base class. Subclasses implement `parse`; override `bind` when parsing needs data loaded per import."""

    #: Value given to an empty cell of an optional column.
    empty: Any = None
    #: Shown in the template's example row and help.
    example: Any = ""
    #: Describes accepted input, appended to the column's help in the template.
    hint: str = ""
    #: Whether exports mask the value unless the user may see it in full.
    sensitive: bool = False
    #: Whether the same cell text recurs down a column (dates, choices, region codes) and the parse is a pure
    #: function of it within one import, returning an immutable value: the engine then remembers each text's
    #: result instead of parsing it again (a text that fails is parsed, and reported, each time).
    repeats: bool = False

    def bind(self, context) -> Callable[[Any], Any]:
        return self.parse

    def parse(self, value):
        raise NotImplementedError

    def formatter(self, context) -> Callable[[Any], Any]:
        """The function turning a stored value into an export cell; override when it needs lookups."""
        return self.format

    def format(self, value):
        if value is None:
            return ""
        return value

    def mask(self, text: str) -> str:
        return "*" * len(text) if text else ""


class FunctionParser(Parser):
    """Wraps a plain `f(value) -> cleaned` so a column can take a function as its parser."""

    def __init__(self, func: Callable[[Any], Any]):
        self.func = func

    def parse(self, value):
        return self.func(value)


def as_parser(obj) -> Parser:
    if obj is None:
        return Text()
    if isinstance(obj, Parser):
        return obj
    if isinstance(obj, type) and issubclass(obj, Parser):
        return obj()
    if callable(obj):
        return FunctionParser(obj)
    raise TypeError(f"not a parser: {obj!r}")


class Text(Parser):
    empty = ""
    example = ""

    def __init__(self, max_length: int | None = None, *, min_length: int | None = None, example: str = ""):
        self.max_length = max_length
        self.min_length = min_length
        self.example = example

    def parse(self, value):
        text = value if value.__class__ is str else _as_text(value)
        if self.max_length is not None and len(text) > self.max_length:
            raise ValidationError(
                _("不能超过 %(max)s 个字符（现为 %(n)s 个）") % {"max": self.max_length, "n": len(text)}, "max_length"
            )
        if self.min_length is not None and len(text) < self.min_length:
            raise ValidationError(_("至少 %(min)s 个字符") % {"min": self.min_length}, "min_length")
        return text


_NUMBER_JUNK = re.compile(r"[\s,，_']")


class Integer(Parser):
    example = 1

    def __init__(self, *, min_value: int | None = None, max_value: int | None = None, example: int | None = None):
        self.min_value = min_value
        self.max_value = max_value
        if example is not None:
            self.example = example

    def parse(self, value):
        if isinstance(value, bool):
            raise ValidationError(_("应为整数"), "integer")
        if isinstance(value, int):
            number = value
        elif isinstance(value, float):
            if not value.is_integer():
                raise ValidationError(_("应为整数（现为 %(v)s）") % {"v": value}, "integer")
            number = int(value)
        else:
            text = _NUMBER_JUNK.sub("", str(value))
            if text.endswith(".0"):
                text = text[:-2]
            try:
                number = int(text)
            except ValueError:
                raise ValidationError(_("应为整数（现为“%(v)s”）") % {"v": value}, "integer") from None
        if self.min_value is not None and number < self.min_value:
            raise ValidationError(_("不能小于 %(min)s") % {"min": self.min_value}, "min_value")
        if self.max_value is not None and number > self.max_value:
            raise ValidationError(_("不能大于 %(max)s") % {"max": self.max_value}, "max_value")
        return number


class Money(Parser):
    """An amount in 元 as `Decimal` with `places` decimals; never a float."""

    example = Decimal("1000.00")

    def __init__(self, places: int = 2, *, min_value=None, max_value=None):
        self.places = places
        self.quantum = Decimal(1).scaleb(-places)
        self.min_value = None if min_value is None else Decimal(str(min_value))
        self.max_value = None if max_value is None else Decimal(str(max_value))
        self.example = Decimal("1000").quantize(self.quantum)

    def parse(self, value):
        if isinstance(value, bool):
            raise ValidationError(_("应为金额数字"), "decimal")
        if isinstance(value, int | float):
            # A float cell carries binary noise (0.1 + 0.2); its shortest repr is what the user typed.
            amount = Decimal(repr(value)).quantize(self.quantum, rounding=ROUND_HALF_UP)
        else:
            text = _NUMBER_JUNK.sub("", str(value)).lstrip("¥￥").removesuffix("元")
            try:
                amount = Decimal(text)
            except InvalidOperation:
                raise ValidationError(_("应为金额数字（现为“%(v)s”）") % {"v": value}, "decimal") from None
            if not amount.is_finite():
                raise ValidationError(_("应为金额数字（现为“%(v)s”）") % {"v": value}, "decimal")
            if amount != amount.quantize(self.quantum, rounding=ROUND_HALF_UP):
                raise ValidationError(_("最多 %(n)s 位小数") % {"n": self.places}, "decimal_places")
            amount = amount.quantize(self.quantum)
        if self.min_value is not None and amount < self.min_value:
            raise ValidationError(_("不能小于 %(min)s") % {"min": self.min_value}, "min_value")
        if self.max_value is not None and amount > self.max_value:
            raise ValidationError(_("不能大于 %(max)s") % {"max": self.max_value}, "max_value")
        return amount

    def format(self, value):
        if value is None or value == "":
            return ""
        return Decimal(value).quantize(self.quantum)


_DATE_PATTERNS = (
    # 1985-03-01, 1985/3/1, 1985.3.1, 1985年3月1日, optionally followed by a time of day
    re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"),
    # 1985年3月, 1985-03, 1985.3 → the first of the month (出生年月 columns)
    re.compile(r"(\d{4})[-/.年](\d{1,2})月?()"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")
_DATE_SPACES = re.compile(r"\s*([-/.年月日])\s*")


class Date(Parser):
    """A calendar date from any of the forms ledgers use, including Excel's serial numbers."""

    repeats = True
    example = datetime.date(1985, 3, 1)
    hint = "如 1985-03-01、1985/3/1、1985.3.1、1985年3月1日；只有年月时按当月1日"

    def __init__(self, *, min_year: int = 1900, max_year: int = 2100):
        self.min_year = min_year
        self.max_year = max_year

    def parse(self, value):
        cls = value.__class__
        if cls is datetime.date:
            return self._check(value, value)
        if cls is datetime.datetime:
            return self._check(value.date(), value)
        if cls is bool:
            raise ValidationError(_("日期格式不正确"), "date")
        if cls is int or cls is float:
            return self._from_number(value)
        text = _DATE_SPACES.sub(r"\1", str(value))
        for pattern in _DATE_PATTERNS:
            match = pattern.fullmatch(text)
            if match:
                year, month, day = match.groups()
                return self._build(int(year), int(month), int(day) if day else 1, value)
        if _SERIAL_TEXT.fullmatch(text):
            return self._from_serial(float(text), value)
        raise ValidationError(
            _("日期“%(v)s”格式不正确，应如 1985-03-01、1985.3.1 或 1985年3月1日") % {"v": value}, "date"
        )

    def _from_number(self, number):
        if isinstance(number, float) and not number.is_integer():
            whole = int(number)
            if self.min_year <= whole <= self.max_year:
                # 出生年月 typed as a number: 1985.03 is stored as 1985.03 but 1985.10 as 1985.1.
                month_text = repr(number).split(".", 1)[1]
                if month_text == "1":
                    raise ValidationError(
                        _("日期“%(v)s”有歧义（1月还是10月？），请写成 %(y)s-01 或 %(y)s-10") % {"v": number, "y": whole},
                        "date_ambiguous",
                    )
                return self._build(whole, int(month_text), 1, number)
            return self._from_serial(number, number)
        number = int(number)
        if self.min_year <= number <= self.max_year:
            raise ValidationError(_("日期“%(v)s”只有年份，请填写完整日期") % {"v": number}, "date_year_only")
        if 10_000_000 <= number <= 99_999_999:
            text = str(number)
            return self._build(int(text[:4]), int(text[4:6]), int(text[6:]), number)
        return self._from_serial(number, number)

    def _from_serial(self, serial, original):
        if not 1 <= serial < 2_958_466:
            raise ValidationError(_("日期“%(v)s”格式不正确") % {"v": original}, "date")
        day = EXCEL_EPOCH + datetime.timedelta(days=int(serial))
        return self._check(day, original)

    def _build(self, year, month, day, original):
        try:
            result = datetime.date(year, month, day)
        except ValueError:
            raise ValidationError(_("日期“%(v)s”不存在") % {"v": original}, "date") from None
        return self._check(result, original)

    def _check(self, result, original):
        if not self.min_year <= result.year <= self.max_year:
            raise ValidationError(
                _("日期“%(v)s”超出范围（%(min)s—%(max)s 年）")
                % {"v": _as_text(original), "min": self.min_year, "max": self.max_year},
                "date_range",
            )
        return result

    def format(self, value):
        if not value:
            return ""
        if isinstance(value, datetime.datetime):
            return value.date()
        return value


_TRUE = {"是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "有", "对"}
_FALSE = {"否", "n", "no", "false", "f", "0", "×", "✗", "✘", "无", "不是"}


class Boolean(Parser):
    repeats = True
    example = "是"
    hint = "填“是”或“否”（也可用 Y/N、√/×、1/0）"

    def parse(self, value):
        if value.__class__ is bool:
            return value
        if isinstance(value, int | float):
            if value in (0, 1):
                return bool(value)
        else:
            key = str(value).lower()
            if key in _TRUE:
                return True
            if key in _FALSE:
                return False
        raise ValidationError(_("应填“是”或“否”（现为“%(v)s”）") % {"v": _as_text(value)}, "boolean")

    def format(self, value):
        if value is None or value == "":
            return ""
        return _("是") if value else _("否")


class Choice(Parser):
    """One of fixed choices, matched by code or by label (or an alias), whatever the case and width.

    `choices` is a mapping code → label, or pairs (code, label, *aliases). The cleaned value is the code; the
    export writes the label, which imports back as the same code.
    """

    repeats = True
    empty = ""

    def __init__(self, choices: Mapping[str, str] | Iterable[tuple], *, aliases: Mapping[str, str] | None = None):
        items = choices.items() if isinstance(choices, Mapping) else choices
        self.labels: dict[str, str] = {}
        self.lookup: dict[str, str] = {}
        for code, label, *more in items:
            code = str(code)
            self.labels[code] = str(label)
            for key in (code, label, *more):
                self.lookup.setdefault(choice_key(key), code)
        for alias, code in (aliases or {}).items():
            self.lookup[choice_key(alias)] = str(code)
        self.example = next(iter(self.labels.values()), "")

    @property
    def hint(self) -> str:
        return "可填：" + "、".join(self.labels.values())

    def parse(self, value):
        return _choose(self.lookup, list(self.labels.values()), value)

    def format(self, value):
        if value is None or value == "":
            return ""
        return self.labels.get(str(value), value)


def _choose(lookup: dict[str, str], shown: list[str], value) -> str:
    code = lookup.get(value) if value.__class__ is str else None
    if code is None:
        code = lookup.get(choice_key(value))
    if code is None:
        listed = "、".join(shown[:8]) + ("等" if len(shown) > 8 else "")
        raise ValidationError(_("“%(v)s”不是可选值（%(choices)s）") % {"v": _as_text(value), "choices": listed}, "choice")
    return code


class DictChoice(Choice):
    """An item of a data dictionary (数据字典), by code, label or English label.

    For a hierarchical dictionary a sub-type matches too ("律师" → "21"); with `top_level=True` the result is the
    sub-type's top-level item ("律师" → "2"), for a column that records only the category. The dictionary is
    read once per import, in `bind` / `formatter`; the parser itself keeps no state, so one spec can serve
    concurrent imports.
    """

    def __init__(self, dict_code: str, *, top_level: bool = False, aliases: Mapping[str, str] | None = None,
                 example: str = ""):
        self.dict_code = dict_code
        self.top_level = top_level
        self.extra_aliases = dict(aliases or {})
        self.labels = {}
        self.lookup = {}
        self.example = example

    @property
    def hint(self) -> str:
        return _("按数据字典“%(d)s”填写名称或代码") % {"d": self.dict_code}

    def load(self) -> tuple[dict[str, str], dict[str, str], list[str]]:
        """(code → label, match key → resulting code, labels offered in messages)."""
        from tongxin.core.models import DictItem

        items = list(
            DictItem.objects.filter(dict_type__code=self.dict_code, is_active=True)
            .order_by("sort", "code").values_list("code", "label", "label_en", "parent__code")
        )
        labels, lookup, top_keys, shown = {}, {}, {}, []
        for code, label, label_en, parent in items:
            result = parent if (self.top_level and parent) else code
            labels[code] = label
            if not (self.top_level and parent):
                shown.append(label)
            for key in (code, label, label_en):
                if key:
                    (top_keys if parent is None else lookup).setdefault(choice_key(key), result)
        lookup.update(top_keys)  # a top-level item wins when a sub-type shares its code or label
        for alias, code in self.extra_aliases.items():
            lookup[choice_key(alias)] = code
        return labels, lookup, shown

    def bind(self, context):
        _labels, lookup, shown = self.load()
        return lambda value: _choose(lookup, shown, value)

    def parse(self, value):
        return self.bind(None)(value)

    def formatter(self, context):
        labels = self.load()[0]
        return lambda value: "" if value is None or value == "" else labels.get(str(value), value)


class IdNumber(Parser):
    """Resident ID number (GB 11643), returned normalized: 18 characters, upper-case X."""

    empty = ""
    example = validators.make_id_number("510903", datetime.date(1985, 3, 1), 0, "M")
    hint = "18位居民身份证号码，末位可为X"
    sensitive = True

    def __init__(self, *, today: datetime.date | None = None):
        self.today = today

    def bind(self, context):
        today = self.today or getattr(context, "today", None) or datetime.date.today()
        check = validators.check_id_number

        def parse(value):
            if value.__class__ is not str:
                value = self._from_number(value)
            return check(value, today=today).number

        return parse

    def parse(self, value):
        if value.__class__ is not str:
            value = self._from_number(value)
        return validators.check_id_number(value, today=self.today).number

    @staticmethod
    def _from_number(value) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 1e15:
            raise ValidationError(
                _("身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写"), "id_number_float"
            )
        return _as_text(value)

    def mask(self, text):
        return crypto.mask_id_number(text)


class Phone(Parser):
    """Mobile or landline; returned in the normalized form that is stored and blind-indexed."""

    empty = ""
    example = "13800000000"
    hint = "手机号码，或带区号的固定电话（如 0825-1234567）"
    sensitive = True

    def parse(self, value):
        if value.__class__ is not str:
            value = _number_text(value)
        return validators.check_phone(value)

    def mask(self, text):
        return crypto.mask_phone(text)


class CreditCode(Parser):
    empty = ""
    example = validators.make_credit_code(1)
    hint = "18位统一社会信用代码"

    def parse(self, value):
        return validators.check_credit_code(_as_text(value))


class RegionCode(Parser):
    """A region code, official (510903, 510903001000) or compact prefix, that exists and lies inside the scope.

    The scope is `scope` if given, else the import context's `scope`; the result is the region's stored code
    (the compact prefix form the `Region` table is keyed by).
    """

    repeats = True
    example = "510903"
    hint = "行政区划代码，如 510903（区县）或 510903001000（乡镇、街道）"

    def __init__(self, *, scope: str | None = None):
        self.scope = scope

    def bind(self, context):
        from tongxin.core.models import Region

        scope = self.scope if self.scope is not None else (getattr(context, "scope", None) or "")
        queryset = Region.objects.all() if not scope else Region.objects.filter(code__startswith=scope)
        inside = set(queryset.values_list("code", flat=True))
        outside_cache: dict[str, bool] = {}

        def parse(value):
            from tongxin.core import regions

            text = _number_text(value) if value.__class__ is not str else value
            try:
                code = regions.to_prefix(text.replace(" ", ""))
            except regions.RegionCodeError as exc:
                raise ValidationError(str(exc), "region_code") from None
            if code in inside:
                return code
            if code not in outside_cache:
                outside_cache[code] = Region.objects.filter(code=code).exists()
            if outside_cache[code]:
                raise ValidationError(_("区划代码不在您的管辖范围内"), "region_scope")
            raise ValidationError(_("区划代码“%(v)s”不存在") % {"v": text}, "region_missing")

        return parse

    def format(self, value):
        from tongxin.core import regions

        if not value:
            return ""
        return regions.to_official(getattr(value, "code", value))
