"""Navigation sections registered by each app in its AppConfig.ready(): an area that is not built has no entry."""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Item:
    label: str
    url_name: str
    perm: str | None = None

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


@dataclass
class Section:
    key: str
    label: str
    icon: str
    order: int
    items: list[Item] = field(default_factory=list)


_sections: dict[str, Section] = {}


def register_section(key: str, label, *, icon: str, order: int, items: list[Item]) -> None:
    _sections[key] = Section(key, label, icon, order, list(items))


def sections_for(user) -> list[dict]:
    visible = []
    for section in sorted(_sections.values(), key=lambda s: s.order):
        items = []
        for item in section.items:
            if item.perm and not user.has_perm(item.perm):
                continue
            url = item.url()
            if url:
                items.append({"label": item.label, "url": url})
        if items:
            visible.append({"key": section.key, "label": section.label, "icon": section.icon, "items": items})
    return visible
