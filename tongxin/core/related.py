"""Related-record sections on an object's page, registered by the apps that own those records.

The registry app's person page lists memberships, pairings, activities… without knowing those apps: each app
registers `(model, title, function(obj, user) -> queryset, columns)` here.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RelatedSection:
    model: type
    title: Any
    queryset: Any
    columns: list
    perm: str | None = None
    order: int = 0
    actions: Any = None


_sections: list[RelatedSection] = []


def register(model, title, queryset, columns, *, perm=None, order=0, actions=None) -> None:
    """`actions(obj, user)` may return buttons for the section header: [{"url", "label", "icon"}]."""
    _sections.append(RelatedSection(model, title, queryset, columns, perm, order, actions))


def sections_for(obj, user, limit: int = 20) -> list[dict]:
    from tongxin.core.tables import Table

    result = []
    for section in sorted(_sections, key=lambda s: s.order):
        if not isinstance(obj, section.model):
            continue
        if section.perm and not user.has_perm(section.perm):
            continue
        rows = list(section.queryset(obj, user)[: limit + 1])
        result.append({
            "title": section.title,
            "table": Table(section.columns, rows[:limit]),
            "more": len(rows) > limit,
            "empty": not rows,
            "actions": section.actions(obj, user) if section.actions else [],
        })
    return result
