"""Keyset pagination: pages are found by the last row's sort key, never by OFFSET or COUNT(*)."""

import base64
import json
from dataclasses import dataclass

from django.db.models import Q


def _encode(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def _decode(token: str) -> list | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return values if isinstance(values, list) else None


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    has_previous: bool


def keyset_page(queryset, ordering: list[str], cursor: str | None, size: int = 50) -> Page:
    """One page of `queryset` ordered by `ordering` (its last element must be unique, e.g. "-id")."""
    queryset = queryset.order_by(*ordering)
    values = _decode(cursor) if cursor else None
    if values is not None and len(values) == len(ordering):
        queryset = queryset.filter(_after(ordering, values))
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = _encode([_value(last, name.lstrip("-")) for name in ordering])
    return Page(rows=rows, next_cursor=next_cursor, has_previous=values is not None)


def _value(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part if part != "pk" else "pk")
        if obj is None:
            return None
    return getattr(obj, "pk", obj) if hasattr(obj, "_meta") else obj


def _after(ordering: list[str], values: list) -> Q:
    """(a, b, c) > (x, y, z) in the given directions, as OR of prefix-equal, next-greater terms."""
    if any(v is None for v in values[:-1]):
        ordering, values = ordering[-1:], values[-1:]
    condition = Q()
    for i, name in enumerate(ordering):
        field = name.lstrip("-")
        op = "lt" if name.startswith("-") else "gt"
        term = Q(**{f"{field}__{op}": values[i]})
        for j in range(i):
            term &= Q(**{ordering[j].lstrip("-"): values[j]})
        condition |= term
    return condition
