"""The registry's one search box: what the user typed decides which indexed lookup runs.

- a number (ID number, mobile or landline, however spaced or full-width) → exact match through the blind index;
  a partial number finds nothing, on purpose: the database never sees the values;
- Latin letters → prefix of the full pinyin ("zhangjiali", "zhangj") or of the initials ("zjl");
- anything else → the name starts with it ("张", "张嘉", "张嘉骊"); when no name does, the employer's name
  contains it ("锦华" finds the staff of 遂宁锦华食品有限公司).

Every branch is an indexed lookup, so a search stays in milliseconds on a registry of millions: names are typed
from the start, and a "contains" on the person table would read all of it. The employer branch reads the much
smaller organization table once and then looks persons up by employer; it runs only for text that starts no
one's name, so that typing a name never waits for it.
"""

import re

from django.db import connection
from django.db.models import Q

from tongxin.core import validators
from tongxin.core.fields import blind_lookup

EMPLOYER_MATCHES = 500
_NUMBER = re.compile(r"\+?[0-9][0-9()\-]*[0-9Xx]|[0-9]")
_LETTERS = re.compile(r"[a-z][a-z0-9]*")

KIND_NUMBER, KIND_PINYIN, KIND_TEXT = "number", "pinyin", "text"


def prefix_q(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, written so that the column's plain b-tree index answers it.

    PostgreSQL's LIKE 'p%' uses the varchar_pattern_ops index Django adds to indexed text columns; SQLite's LIKE
    is case-insensitive and ignores a binary index, so there it is a range on the (ASCII) key.
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": prefix})
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


def classify(text: str) -> tuple[str, str]:
    """(kind, normalized query)."""
    query = validators.normalize_text(text)
    compact = re.sub(r"[\s\-]", "", query)
    if compact and _NUMBER.fullmatch(compact):
        return KIND_NUMBER, query
    letters = compact.lower()
    if letters and _LETTERS.fullmatch(letters):
        return KIND_PINYIN, letters
    return KIND_TEXT, query


def search_q(text: str) -> Q | None:
    """The filter for a search box entry; None when there is nothing to search for."""
    kind, query = classify(text)
    if not query:
        return None
    if kind == KIND_NUMBER:
        from tongxin.people.models import Person

        condition = Q(**blind_lookup(Person, "id_number", query))
        try:
            validators.check_phone(query)
        except validators.ValidationError:
            return condition
        return condition | Q(**blind_lookup(Person, "phone", query))
    if kind == KIND_PINYIN:
        condition = prefix_q("name_pinyin", query) | prefix_q("name_initials", query)
    else:
        condition = _name_or_employer_q(query)
    if connection.vendor == "sqlite":
        # SQLite would fetch and sort every matching row to show the newest page ("王" matches 5% of a
        # registry); as a set of ids read from the index alone, it walks that set newest first and stops.
        from tongxin.people.models import Person

        return Q(pk__in=Person._base_manager.filter(condition).values("pk"))
    return condition


def _name_or_employer_q(query: str) -> Q:
    """Persons whose name starts with `query`; when nobody's does, persons whose employer's name contains it.

    A name typed into the box is far more common than an employer, and answering it must not wait for a scan
    of the organization table; text that is nobody's name ("锦华", "律师事务所") finds the employers' staff.
    """
    from tongxin.people.models import Person

    names = prefix_q("name", query)
    if Person._base_manager.filter(names, is_erased=False).exists():
        return names
    return _employer_q(query)


def _employer_q(query: str) -> Q:
    """Persons whose employer's name contains `query`: the matching organizations are found first (one scan of
    the organization table) so that the person table is reached through its employer index."""
    from tongxin.people.models import Organization

    matches = Organization.objects.filter(name__contains=query)
    ids = list(matches.values_list("pk", flat=True)[:EMPLOYER_MATCHES + 1])
    if len(ids) > EMPLOYER_MATCHES:
        return Q(employer__in=matches.values("pk"))
    return Q(employer_id__in=ids) if ids else Q(pk__in=[])


def search_persons(queryset, text: str):
    condition = search_q(text)
    return queryset if condition is None else queryset.filter(condition)


def search_organizations(queryset, text: str):
    query = validators.normalize_text(text)
    if not query:
        return queryset
    code = validators.normalize_digits(query).upper()
    if len(code) == 18 and code.isalnum():
        return queryset.filter(credit_code=code)
    return queryset.filter(name__contains=query)
