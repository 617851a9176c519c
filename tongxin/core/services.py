"""Business rules of the core area: users and roles, regions, dictionaries."""

import datetime

from tongxin.core.scope import scope_prefix


def dashboard_figures(user, date_from: datetime.date, date_to: datetime.date) -> list[dict]:
    """Headline figures of every registered metric for the user's scope, for the home page."""
    from tongxin.reports import registry

    prefix = scope_prefix(user)
    if prefix is None:
        return []
    figures = []
    for metric in registry.all_metrics():
        value = metric.compute(prefix, date_from, date_to)
        total = value["total"] if isinstance(value, dict) else value
        figures.append({"key": metric.key, "label": metric.label, "value": registry.to_json_number(total),
                        "unit": metric.unit})
    return figures


# --- Regions -------------------------------------------------------------------------------------------------

REGION_FILES = (
    ("provinces.csv", None),
    ("cities.csv", "provinceCode"),
    ("areas.csv", "cityCode"),
    ("streets.csv", "areaCode"),
)


def shipped_region_rows():
    """(code, name, parent_code) for the shipped tree, parents before children."""
    import csv
    from importlib.resources import files

    folder = files("tongxin.core") / "data" / "regions"
    for filename, parent_column in REGION_FILES:
        with (folder / filename).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                yield row["code"], row["name"], row[parent_column] if parent_column else None


def load_regions(rows=None) -> int:
    """Insert the regions that are missing (idempotent; never overwrites an administrator's rename)."""
    from django.db import transaction

    from tongxin.core import regions
    from tongxin.core.models import Region

    rows = list(shipped_region_rows() if rows is None else rows)
    existing = set(Region.objects.values_list("code", flat=True))
    full_names = dict(Region.objects.values_list("code", "full_name"))
    to_create = []
    for code, name, parent in rows:
        full = (full_names.get(parent, "") if parent else "") + name
        full_names[code] = full
        if code in existing:
            continue
        to_create.append(Region(code=code, name=name, parent_id=parent, level=regions.level_of(code),
                                full_name=full))
    with transaction.atomic():
        Region.objects.bulk_create(to_create, batch_size=2000)
    return len(to_create)


def save_region(*, code: str, name: str, note: str = "", is_active: bool = True):
    """Add or rename one region (a new community, a township merger); the change is kept in the audit log."""
    from tongxin.core import regions
    from tongxin.core.models import Region

    prefix = regions.to_prefix(code)
    parent_code = regions.parent_of(prefix)
    parent = Region.objects.filter(code=parent_code).first() if parent_code else None
    if parent_code and parent is None:
        raise regions.RegionCodeError(f"上级区划“{regions.to_official(parent_code)}”不存在，请先添加上级区划")
    region = Region.objects.filter(code=prefix).first() or Region(code=prefix, level=regions.level_of(prefix))
    region.name = name.strip()
    region.parent = parent
    region.full_name = (parent.full_name if parent else "") + region.name
    region.note = note
    region.is_active = is_active
    region.save()
    if region.children.exists():
        _refresh_full_names(region)
    return region


def _refresh_full_names(region) -> None:
    from tongxin.core.models import Region

    for child in Region.objects.filter(parent=region):
        full = region.full_name + child.name
        if child.full_name != full:
            Region.objects.filter(pk=child.pk).update(full_name=full)
            child.full_name = full
        _refresh_full_names(child)


# --- Dictionaries ----------------------------------------------------------------------------------------------


def seed_dictionaries() -> int:
    """Create the official dictionaries and their items where missing; never touches edited items."""
    from tongxin.core.dictionaries import DICTIONARIES
    from tongxin.core.models import DictItem, DictType

    created = 0
    for code, spec in DICTIONARIES.items():
        dict_type, _ = DictType.objects.get_or_create(
            code=code, defaults={"name": spec["name"], "standard": spec.get("standard", ""),
                                 "hierarchical": spec.get("hierarchical", False)},
        )
        existing = {item.code: item for item in dict_type.items.all()}
        for sort, item in enumerate(spec["items"]):
            item_code, label, label_en = item[:3]
            parent_code = item[3] if len(item) > 3 else None
            if item_code in existing:
                continue
            existing[item_code] = DictItem.objects.create(
                dict_type=dict_type, code=item_code, label=label, label_en=label_en, sort=sort * 10,
                parent=existing.get(parent_code),
            )
            created += 1
    return created


def dict_choices(code: str, *, top_level_only: bool = False) -> list[tuple[str, str]]:
    from tongxin.core.models import DictItem

    items = DictItem.objects.filter(dict_type__code=code, is_active=True)
    if top_level_only:
        items = items.filter(parent__isnull=True)
    return list(items.order_by("sort", "code").values_list("code", "label"))


def dict_label(code: str, item_code: str) -> str:
    from tongxin.core.models import DictItem

    item = DictItem.objects.filter(dict_type__code=code, code=item_code).only("label").first()
    return item.label if item else item_code


# --- Roles -----------------------------------------------------------------------------------------------------


def ensure_roles() -> None:
    """Create the six roles and grant default permissions never granted before (so removals stick)."""
    from django.contrib.auth.models import Group, Permission

    from tongxin.core.models import Role
    from tongxin.core.roles import ROLES, default_permissions

    perms = {(p.content_type.app_label, p.codename): p for p in Permission.objects.select_related("content_type")}
    for sort, (key, spec) in enumerate(ROLES.items()):
        role = Role.objects.filter(key=key).select_related("group").first()
        if role is None:
            group, _ = Group.objects.get_or_create(name=str(spec["name"]))
            role = Role.objects.create(group=group, key=key, description=str(spec["description"]), sort=sort)
        already = {tuple(p) for p in role.granted_defaults}
        new = sorted(default_permissions(key) - already)
        if new:
            role.group.permissions.add(*[perms[p] for p in new if p in perms])
            role.granted_defaults = sorted([list(p) for p in already | set(new)])
            role.save(update_fields=["granted_defaults"])


def role_group(key: str):
    from tongxin.core.models import Role

    return Role.objects.select_related("group").get(key=key).group


def create_user(*, username: str, password: str, role: str, scope_code: str | None, display_name: str = "",
                title: str = "", is_superuser: bool = False, must_change_password: bool = False):
    from tongxin.core.models import User

    user = User(username=username, display_name=display_name, title=title, scope_region_id=scope_code,
                is_superuser=is_superuser, is_staff=is_superuser, must_change_password=must_change_password)
    user.set_password(password)
    user.save()
    user.groups.add(role_group(role))
    return user
