"""The English catalogue is complete and compiled: every message of the .po file has a translation, none is marked
fuzzy, and the .mo file Django reads holds each of them (a .po edited without `compilemessages` fails here)."""

import ast
import gettext
from pathlib import Path

import tongxin

LOCALE = Path(tongxin.__file__).parent / "locale" / "en" / "LC_MESSAGES"


def _entries(path: Path) -> list[dict]:
    """The .po file's entries: {"flags", "msgctxt", "msgid", "msgid_plural", "msgstr": [..]} (obsolete "#~" ones
    left out), enough of the format for `makemessages` output."""
    entries, entry, key = [], None, None

    def close():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and key is not None:  # a comment after strings starts the next entry
                close()
                entry, key = None, None
            if entry is None:
                entry = {"flags": set(), "msgstr": []}
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": []}
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if key == "msgstr":
                entry["msgstr"][-1] += value
            else:
                entry[key] += value
            continue
        word, _space, rest = line.partition(" ")
        if word in ("msgctxt", "msgid") and key in ("msgstr",):
            close()
            entry = {"flags": set(), "msgstr": []}
        value = ast.literal_eval(rest)
        if word.startswith("msgstr"):
            key = "msgstr"
            entry["msgstr"].append(value)
        else:
            key = word
            entry[word] = value
    close()
    return entries


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = [e for e in _entries(LOCALE / "django.po") if e["msgid"]]  # the header's msgid is ""
    assert len(entries) > 1000
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_holds_every_translation():
    with open(LOCALE / "django.mo", "rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    missing = []
    for entry in _entries(LOCALE / "django.po"):
        if not entry["msgid"]:
            continue
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            got = (catalogue.npgettext(context, entry["msgid"], entry["msgid_plural"], 1) if context
                   else catalogue.ngettext(entry["msgid"], entry["msgid_plural"], 1))
        else:
            got = catalogue.pgettext(context, entry["msgid"]) if context else catalogue.gettext(entry["msgid"])
        if got != entry["msgstr"][0]:
            missing.append(entry["msgid"])
    assert missing == []
