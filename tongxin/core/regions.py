"""Region codes (GB/T 2260 / 统计用区划代码) and the prefix form the data scope filters on.

Records store the compact prefix form of a code: 2 digits province, 4 city, 6 county, 9 township, 12 village.
A user's scope is such a prefix; a record is in scope when its code starts with it.
"""

import re

LEVEL_PROVINCE, LEVEL_CITY, LEVEL_COUNTY, LEVEL_TOWNSHIP, LEVEL_VILLAGE = 1, 2, 3, 4, 5
LEVEL_BY_LENGTH = {2: LEVEL_PROVINCE, 4: LEVEL_CITY, 6: LEVEL_COUNTY, 9: LEVEL_TOWNSHIP, 12: LEVEL_VILLAGE}
LENGTH_BY_LEVEL = {level: length for length, level in LEVEL_BY_LENGTH.items()}
_DIGITS = re.compile(r"^\d+$")


class RegionCodeError(ValueError):
    pass


def to_prefix(code: str) -> str:
    """Turn any official code (510000, 510900, 510903, 510903001000, 510903001001) into its prefix form."""
    code = (code or "").strip()
    if not _DIGITS.match(code):
        raise RegionCodeError(f"区划代码“{code}”应由数字组成")
    if len(code) == 12:
        if code.endswith("000000"):
            code = code[:6]
        elif code.endswith("000"):
            return code[:9]
        else:
            return code
    if len(code) == 9:
        return code
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
        return code
    if len(code) in (2, 4):
        return code
    raise RegionCodeError(f"区划代码“{code}”位数不正确（应为 2、4、6、9 或 12 位）")


def to_official(prefix: str) -> str:
    """The code as users write it: six digits down to county level, twelve below."""
    if len(prefix) <= 6:
        return prefix.ljust(6, "0")
    return prefix.ljust(12, "0")


def level_of(prefix: str) -> int:
    try:
        return LEVEL_BY_LENGTH[len(prefix)]
    except KeyError as exc:
        raise RegionCodeError(f"区划代码“{prefix}”位数不正确") from exc


def parent_of(prefix: str) -> str | None:
    for length in (9, 6, 4, 2):
        if len(prefix) > length:
            return prefix[:length]
    return None
