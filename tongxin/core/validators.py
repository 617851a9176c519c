"""Validation and normalization of Chinese identifiers: ID numbers, unified social credit codes, phone numbers.

Pure Python with no Django imports, so importers, management commands, demo data and the API can share one set
of rules. Every check accepts the messy forms people actually type (full-width digits, spaces, hyphens,
lower-case x) and returns or raises with a message that can be shown to the user as-is.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import NamedTuple

__all__ = [
    "CREDIT_CODE_CHARSET",
    "IdNumberInfo",
    "PROVINCE_CODES",
    "ValidationError",
    "check_credit_code",
    "check_id_number",
    "check_phone",
    "id_number_facts",
    "is_mobile",
    "is_valid_id_number",
    "make_credit_code",
    "make_id_number",
    "normalize_digits",
    "normalize_text",
]


class ValidationError(ValueError):
    """A user-facing validation failure; `message` is Chinese text fit for display, `code` is for programs."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


# Full-width ASCII block U+FF01..U+FF5E maps onto U+0021..U+007E; U+3000 is the ideographic space.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
# Dash look-alikes people paste from word processors, removed along with spaces inside numbers.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"
_DASH = re.compile(f"[{re.escape(_DASHES)}]")
_DIGIT_JUNK = re.compile(f"[\\s{re.escape(_DASHES)}]+")


def normalize_text(s: str) -> str:
    """Half-width, stripped, single-spaced text: the form used for comparisons and blind indexes."""
    if s is None:
        return ""
    return " ".join(str(s).translate(_FULLWIDTH).split())


def normalize_digits(s) -> str:
    """Like `normalize_text`, then with spaces and hyphens removed and a trailing x upper-cased.

    Numbers are written in groups ("138 0000 1234", "510903-19850301-123x"); the grouping carries no meaning.
    """
    if s.__class__ is str and s.isascii() and s.isalnum() and not s.endswith("x"):
        return s  # nothing to strip or widen: the common case, a million times in an import
    text = _DIGIT_JUNK.sub("", normalize_text(s))
    if text.endswith("x"):
        text = text[:-1] + "X"
    return text


# ---------------------------------------------------------------------------------------------------------------
# Resident identity card number, GB 11643-1999
# ---------------------------------------------------------------------------------------------------------------

_PROVINCE_RANGES = ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 83))
PROVINCE_CODES = frozenset(str(n) for lo, hi in _PROVINCE_RANGES for n in range(lo, hi + 1))

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_PATTERN = re.compile(r"\d{17}[\dX]")
_MAX_AGE = 120


class IdNumberInfo(NamedTuple):  # a tuple: built a million times by an import, a frozen dataclass costs 3 µs each
    number: str
    birth_date: date
    gender: str
    region_prefix: str


#: For each of the 17 positions, digit character → digit × weight (the checksum's terms, looked up, not computed).
_ID_TERMS = tuple({str(d): d * w for d in range(10)} for w in _ID_WEIGHTS)


def _id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character over the first 17 digits."""
    if len(first17) != 17:
        raise ValueError("17 digits expected")
    return _ID_CHECK_CHARS[sum(map(dict.__getitem__, _ID_TERMS, first17)) % 11]


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_id_number(value: str, *, today: date | None = None) -> IdNumberInfo:
    """Validate an 18-digit resident ID number and return what it encodes.

    `today` exists so tests can pin the clock; the birth date must not be after it nor more than 120 years before.
    """
    number = normalize_digits(value)
    if not number:
        raise ValidationError("身份证号不能为空", "id_empty")
    if len(number) != 18:
        raise ValidationError("身份证号应为18位", "id_length")
    if not _ID_PATTERN.fullmatch(number):
        raise ValidationError("身份证号格式不正确：前17位应为数字，最后一位为数字或X", "id_format")
    if _id_check_char(number[:17]) != number[17]:
        raise ValidationError("身份证号校验码错误", "id_checksum")
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError("身份证号中的地区代码无效", "id_region")
    try:
        birth, gender = id_number_facts(number)
    except ValueError:
        raise ValidationError("身份证号中的出生日期无效", "id_birth_date") from None
    today = today or date.today()
    if birth.year < 1900 or birth > today or _age_on(birth, today) > _MAX_AGE:
        raise ValidationError("身份证号中的出生日期无效", "id_birth_date")
    return IdNumberInfo(number=number, birth_date=birth, gender=gender, region_prefix=number[:6])


def id_number_facts(number: str) -> tuple[date, str]:
    """(birth date, gender) an 18-digit number in normal form encodes, without checking the number (ValueError
    for a date that does not exist): for numbers `check_id_number` has accepted."""
    return _yyyymmdd(number[6:14]), "M" if number[16] in "13579" else "F"


@functools.lru_cache(maxsize=65536)
def _yyyymmdd(text: str) -> date:
    """The date "19850301" names (a ledger's ID numbers share a few tens of thousands of birth dates)."""
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def is_valid_id_number(value) -> bool:
    try:
        check_id_number(value)
    except ValidationError:
        return False
    return True


def make_id_number(region_prefix: str, birth: date, seq: int, gender: str) -> str:
    """Build an ID number with a correct check character, for demo data and tests.

    `seq` (0-499) numbers the people of one gender born on that day in that region; the 3-digit order code is
    2*seq+1 for men and 2*seq for women, so distinct (seq, gender) pairs give distinct numbers. The region and
    date are not judged here, so deliberately implausible numbers can be built for negative tests.
    """
    if not re.fullmatch(r"\d{6}", region_prefix):
        raise ValueError("region_prefix must be 6 digits")
    if gender not in ("M", "F"):
        raise ValueError('gender must be "M" or "F"')
    if not 0 <= seq < 500:
        raise ValueError("seq must be in 0..499")
    order = 2 * seq + (1 if gender == "M" else 0)
    first17 = f"{region_prefix}{birth:%Y%m%d}{order:03d}"
    return first17 + _id_check_char(first17)


# ---------------------------------------------------------------------------------------------------------------
# Unified social credit code, GB 32100-2015, embedding an organisation code per GB 11714-1997
# ---------------------------------------------------------------------------------------------------------------

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUES = {c: i for i, c in enumerate(CREDIT_CODE_CHARSET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _credit_check_char(first17: str) -> str:
    total = sum(_CREDIT_VALUES[c] * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def _org_check_char(body8: str) -> str:
    """GB 11714 check: digits count as themselves, letters A-Z as 10-35 (unlike the credit code's own charset)."""
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def check_credit_code(value: str) -> str:
    """Validate a unified social credit code and return it normalized (half-width, upper-case, no spaces).

    Both the code's own check character and that of the embedded organisation code are verified: either alone
    misses some typos that the other catches.
    """
    code = normalize_digits(value).upper()
    if not code:
        raise ValidationError("统一社会信用代码不能为空", "credit_code_empty")
    if len(code) != 18:
        raise ValidationError("统一社会信用代码应为18位", "credit_code_length")
    if any(c not in _CREDIT_VALUES for c in code):
        raise ValidationError("统一社会信用代码含有非法字符", "credit_code_chars")
    if _org_check_char(code[8:16]) != code[16] or _credit_check_char(code[:17]) != code[17]:
        raise ValidationError("统一社会信用代码校验位错误", "credit_code_checksum")
    return code


def make_credit_code(seed: int, region_prefix: str = "510903") -> str:
    """Build a valid credit code (authority 9 = market regulation, type 1 = enterprise) for demo data and tests.

    Seeds 0..10**8-1 map to distinct organisation codes; the scrambling only makes neighbouring seeds look
    unrelated.
    """
    if not re.fullmatch(r"\d{6}", region_prefix):
        raise ValueError("region_prefix must be 6 digits")
    body = f"{(seed * 7_919_003 + 31_415_926) % 10**8:08d}"
    org = body + _org_check_char(body)
    first17 = f"91{region_prefix}{org}"
    return first17 + _credit_check_char(first17)


# ---------------------------------------------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------------------------------------------

_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9]\d{9})")
_LANDLINE_SEPARATED = re.compile(r"(0\d{2,3})-(\d{7,8})(?:(?:-|转|#|,|EXT\.?|X)(\d{1,6}))?")
# Without a separator the area code length is ambiguous; 3-digit area codes are exactly 010 and 02x.
_LANDLINE_RUN = re.compile(r"(0[12]\d|0[3-9]\d{2})(\d{7,8})(?:(?:-|转|#|,|EXT\.?|X)(\d{1,6}))?")
_PHONE_MESSAGE = "手机号码或电话号码格式不正确"


def check_phone(value: str) -> str:
    """Validate a mobile or landline number; return "13812345678" or "0825-1234567" (with "-ext" if given).

    The normalized form is what gets stored and blind-indexed, so one number typed many ways finds one person.
    """
    if value.__class__ is str and len(value) == 11 and value[0] == "1" and value[1] in "3456789" and value.isdigit() \
            and value.isascii():
        return value  # a mobile number already in normal form (most of a ledger's): nothing to clean
    text = normalize_text(value).upper()
    compact = _DIGIT_JUNK.sub("", text)
    mobile = _MOBILE.fullmatch(compact)
    if mobile:
        return mobile.group(1)
    # Landline: keep one hyphen between area code and number, whatever the user wrote there.
    text = re.sub(r"^\((0\d{2,3})\)", r"\1-", text.replace(" ", ""))
    text = _DASH.sub("-", text)
    match = _LANDLINE_SEPARATED.fullmatch(text) or _LANDLINE_RUN.fullmatch(text)
    if not match:
        raise ValidationError(_PHONE_MESSAGE, "phone")
    area, number, ext = match.groups()
    return f"{area}-{number}" + (f"-{ext}" if ext else "")


def is_mobile(value) -> bool:
    try:
        normalized = check_phone(value)
    except ValidationError:
        return False
    return not normalized.startswith("0")
