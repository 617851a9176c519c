"""Pinyin search keys for Chinese names: full pinyin ("zhangjiali") and initials ("zjl").

Names are converted character by character (given names rarely form dictionary phrases, and a per-character
cache makes a million-row import cheap); surnames with a reading of their own (曾 zeng, 单 shan, 解 xie…) are
read as surnames.
"""

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

COMPOUND_SURNAMES = {
    "欧阳": ("ou", "yang"), "司马": ("si", "ma"), "上官": ("shang", "guan"), "诸葛": ("zhu", "ge"),
    "东方": ("dong", "fang"), "皇甫": ("huang", "fu"), "尉迟": ("yu", "chi"), "公孙": ("gong", "sun"),
    "慕容": ("mu", "rong"), "长孙": ("zhang", "sun"), "宇文": ("yu", "wen"), "司徒": ("si", "tu"),
    "令狐": ("ling", "hu"), "夏侯": ("xia", "hou"), "万俟": ("mo", "qi"), "单于": ("chan", "yu"),
    "澹台": ("tan", "tai"), "端木": ("duan", "mu"),
}
SURNAMES = {
    "曾": "zeng", "单": "shan", "解": "xie", "区": "ou", "仇": "qiu", "朴": "piao", "查": "zha", "盖": "ge",
    "乐": "yue", "覃": "qin", "缪": "miao", "翟": "zhai", "祭": "zhai", "繁": "po", "黑": "he", "华": "hua",
    "纪": "ji", "过": "guo", "尉": "wei", "员": "yun", "召": "shao", "冼": "xian", "秘": "bi", "种": "chong",
    "句": "gou", "卜": "bu", "薄": "bo", "柏": "bai", "沈": "shen", "石": "shi", "长": "chang",
    "藏": "zang", "车": "che", "重": "chong", "都": "du", "宿": "su", "隗": "wei", "莘": "shen",
}
_KEEP = re.compile(r"[a-z0-9]")


@lru_cache(maxsize=20000)
def _char(ch: str) -> str:
    if ch.isascii():
        return ch.lower() if _KEEP.match(ch.lower()) else ""
    syllable = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")
    return syllable[0] if syllable else ""


def syllables(name: str) -> list[str]:
    """One pinyin syllable (or ASCII run) per meaningful unit of the name, surname first."""
    name = "".join((name or "").split())
    parts: list[str] = []
    rest = name
    if name[:2] in COMPOUND_SURNAMES:
        parts.extend(COMPOUND_SURNAMES[name[:2]])
        rest = name[2:]
    elif name[:1] in SURNAMES:
        parts.append(SURNAMES[name[:1]])
        rest = name[1:]
    ascii_run = ""
    for ch in rest:
        if ch.isascii():
            ascii_run += _char(ch)
            continue
        if ascii_run:
            parts.append(ascii_run)
            ascii_run = ""
        syllable = _char(ch)
        if syllable:
            parts.append(syllable)
    if ascii_run:
        parts.append(ascii_run)
    return parts


@lru_cache(maxsize=200000)
def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) in lower case without spaces: 张嘉骊 → ("zhangjiali", "zjl")."""
    if not name:
        return "", ""
    parts = syllables(name)
    return "".join(parts)[:200], "".join(p[0] for p in parts if p)[:50]
