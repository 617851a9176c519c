"""Business rules of the core area: users and roles, regions, dictionaries."""

import datetime

from tongxin.core.scope import scope_prefix


def dashboard_figures(user, date_from: datetime.date, date_to: datetime.date) -> list[dict]:
    """Headline figures of every registered metric for the user's scope, for the home page; each opens the
    records behind it when the user may see reports."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from tongxin.core.regions import to_official
    from tongxin.reports import registry

    prefix = scope_prefix(user)
    if prefix is None:
        return []
    linked = user.has_perm("reports.view_reports")
    query = urlencode({"from": date_from.isoformat(), "to": date_to.isoformat()})
    figures = []
    for metric in registry.all_metrics():
        value = metric.compute(prefix, date_from, date_to)
        total = value["total"] if isinstance(value, dict) else value
        url = (reverse("reports:records", kwargs={"key": metric.key, "region": to_official(prefix)}) + "?" + query
               if linked else None)
        figures.append({"key": metric.key, "label": metric.label, "value": registry.to_json_number(total),
                        "unit": metric.unit, "url": url})
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


# === System administration: users, roles, region import, dictionary items, own account =======================
# Called by the administration pages (views_admin.py) and the account page; usable from commands and the API.


def _audit_user(action: str, user, *, changes: dict | None = None, message: str = "") -> None:
    """Users are not an AuditedModel (the password hash must never reach a signal), so their changes are logged
    here, with role changes, which no signal sees."""
    from tongxin.core import audit

    audit.log(action, user, changes=changes, message=message)


def _user_record(user) -> dict:
    from tongxin.core import audit

    data = audit.snapshot(user)
    for name in ("password", "last_login", "date_joined", "first_name", "last_name", "email", "is_staff"):
        data.pop(name, None)
    data["roles"] = sorted(g.name for g in user.groups.all()) if user.pk else []
    return data


def grantable_roles(actor):
    """Roles `actor` may give: a role carrying 系统管理 only by someone who holds it."""
    from tongxin.core.models import Role

    roles = Role.objects.select_related("group").order_by("sort", "key")
    if actor.is_superuser or actor.has_perm("core.manage_system"):
        return roles
    return roles.exclude(group__permissions__codename="manage_system",
                         group__permissions__content_type__app_label="core")


def users_manageable_by(actor):
    """Users whose account `actor` may change: inside the actor's scope, never a superuser (unless the actor is
    one), and a system administrator only by a system administrator — no one can take over a stronger account."""
    from django.db.models import Q

    from tongxin.core.models import User

    users = User.objects.restrict(actor)
    if actor.is_superuser:
        return users
    users = users.filter(is_superuser=False)
    if not actor.has_perm("core.manage_system"):
        strong = Q(groups__permissions__codename="manage_system") | Q(user_permissions__codename="manage_system")
        users = users.exclude(pk__in=User.objects.filter(strong).values("pk"))
    return users


def _check_grant(actor, *, scope_code: str | None, roles) -> None:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    prefix = scope_prefix(actor)
    if prefix is None or not scope_code or not scope_code.startswith(prefix):
        raise ValidationError({"scope_region": _("不能授予超出本人数据范围的区划。")})
    allowed = set(grantable_roles(actor).values_list("pk", flat=True))
    if any(role.pk not in allowed for role in roles):
        raise ValidationError({"roles": _("不能授予本人无权授予的角色。")})


def add_user(*, actor, username: str, password: str, scope_code: str, roles, display_name: str = "",
             title: str = "", must_change_password: bool = True):
    """An account created by an administrator: never a superuser, never wider than the administrator's scope."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from tongxin.core.models import AuditEntry, User

    _check_grant(actor, scope_code=scope_code, roles=roles)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("用户名“%(name)s”已被使用。") % {"name": username}})
    user = User(username=username, display_name=display_name.strip(), title=title.strip(),
                scope_region_id=scope_code, is_superuser=False, is_staff=False,
                must_change_password=must_change_password)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.set([role.group for role in roles])
    _audit_user(AuditEntry.CREATE, user, changes={k: [None, v] for k, v in _user_record(user).items()
                                                 if v not in (None, "", [])})
    return user


def update_user(*, actor, user, display_name: str, title: str, scope_code: str, roles,
                must_change_password: bool | None = None):
    from tongxin.core import audit
    from tongxin.core.models import AuditEntry

    _check_grant(actor, scope_code=scope_code, roles=roles)
    before = _user_record(user)
    user.display_name = display_name.strip()
    user.title = title.strip()
    user.scope_region_id = scope_code
    if must_change_password is not None:
        user.must_change_password = must_change_password
    user.save()
    # Roles the actor may not grant stay as they are: an administrator editing a user cannot remove them by
    # accident, nor add them on purpose.
    grantable = set(grantable_roles(actor).values_list("group_id", flat=True))
    kept = [g for g in user.groups.all() if g.pk not in grantable]
    user.groups.set(kept + [role.group for role in roles])
    changes = audit.diff(before, _user_record(user))
    if changes:
        _audit_user(AuditEntry.UPDATE, user, changes=changes)
    return user


def set_user_active(*, actor, user, active: bool):
    """Accounts are deactivated, never deleted: the audit log and every record they made keep their author."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from tongxin.core.models import AuditEntry

    if not active and user.pk == actor.pk:
        raise ValidationError(_("不能停用自己的账号。"))
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit_user(AuditEntry.UPDATE, user, changes={"is_active": [not active, active]},
                message=_("启用账号") if active else _("停用账号"))
    return user


def reset_user_password(*, actor, user, password: str, must_change_password: bool = True):
    from django.contrib.auth.password_validation import validate_password
    from django.utils.translation import gettext as _

    from tongxin.core.models import AuditEntry

    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = must_change_password
    user.save(update_fields=["password", "must_change_password"])
    _audit_user(AuditEntry.UPDATE, user, message=_("管理员重置密码"))
    return user


def user_lockout(user) -> dict:
    """Failed logins django-axes counts for this username, and whether they lock the account now."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.utils import timezone

    attempts = AccessAttempt.objects.filter(username=user.username)
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", None)
    if isinstance(cooloff, int | float):
        attempts = attempts.filter(attempt_time__gte=timezone.now() - datetime.timedelta(hours=cooloff))
    failures = max((a.failures_since_start for a in attempts), default=0)
    return {"failures": failures, "locked": failures >= settings.AXES_FAILURE_LIMIT}


def unlock_user(*, actor, user) -> int:
    from axes.utils import reset
    from django.utils.translation import gettext as _

    from tongxin.core.models import AuditEntry

    count = reset(username=user.username)
    _audit_user(AuditEntry.UPDATE, user, message=_("解除登录锁定"))
    return count


def has_totp(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def remove_totp(*, actor, user) -> int:
    """Remove the user's TOTP devices (a lost phone); the user logs in with the password alone until rebinding."""
    from django.utils.translation import gettext as _
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tongxin.core.models import AuditEntry

    count, _deleted = TOTPDevice.objects.filter(user=user).delete()
    if count:
        message = _("解绑动态口令") if actor.pk == user.pk else _("管理员解绑动态口令")
        _audit_user(AuditEntry.UPDATE, user, message=message)
    return count


# --- Own account ------------------------------------------------------------------------------------------------


def change_own_password(*, user, password: str):
    """Set the user's own new password (already validated by the form) and lift the must-change flag."""
    from django.contrib.auth.password_validation import validate_password
    from django.utils.translation import gettext as _

    from tongxin.core.models import AuditEntry

    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    _audit_user(AuditEntry.UPDATE, user, message=_("修改本人密码"))
    return user


def pending_totp_device(*, user):
    """The unconfirmed device being bound: kept across page loads so that the QR code does not change."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def totp_uri(device, issuer: str = "同心") -> str:
    from base64 import b32encode
    from urllib.parse import quote, urlencode

    label = f"{issuer}:{device.user.get_username()}"
    params = urlencode({"secret": b32encode(device.bin_key).decode(), "issuer": issuer, "algorithm": "SHA1",
                        "digits": device.digits, "period": device.step})
    return f"otpauth://totp/{quote(label)}?{params}"


def confirm_totp(*, user, device, token: str) -> bool:
    """Confirm a pending device with a code from the app; the user's other devices are replaced by it."""
    from django.utils.translation import gettext as _
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tongxin.core.models import AuditEntry

    if device.user_id != user.pk or device.confirmed or not device.verify_token((token or "").strip()):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _audit_user(AuditEntry.UPDATE, user, message=_("绑定动态口令"))
    return True


# --- Roles ------------------------------------------------------------------------------------------------------

PERMISSION_APPS_HIDDEN = ("contenttypes", "sessions", "admin")
# Roles are edited under the permissions of their group (auth.*_group); core.Role's own permissions guard nothing
# and would show a second "角色" row.
PERMISSION_MODELS_HIDDEN = (("auth", "permission"), ("authtoken", "tokenproxy"), ("core", "role"))


def editable_permissions():
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    hidden = Q(content_type__app_label__in=PERMISSION_APPS_HIDDEN)
    for app, model in PERMISSION_MODELS_HIDDEN:
        hidden |= Q(content_type__app_label=app, content_type__model=model)
    return Permission.objects.exclude(hidden).select_related("content_type")


def set_role_permissions(*, role, permissions) -> dict:
    """Give the role exactly `permissions` (among the editable ones); logged with what was added and removed."""
    from django.utils.translation import gettext as _

    from tongxin.core import audit
    from tongxin.core.models import AuditEntry

    editable = {p.pk: p for p in editable_permissions()}
    wanted = {p.pk for p in permissions if p.pk in editable}
    current = set(role.group.permissions.values_list("pk", flat=True))
    added = wanted - (current & set(editable))
    removed = (current & set(editable)) - wanted
    if added:
        role.group.permissions.add(*added)
    if removed:
        role.group.permissions.remove(*removed)
    if added or removed:
        def names(ids):
            return sorted(f"{editable[i].content_type.app_label}.{editable[i].codename}" for i in ids)

        audit.log(AuditEntry.UPDATE, role, changes={"permissions": [names(removed) or None, names(added) or None]},
                  message=_("调整权限：新增 %(a)d 项，移除 %(r)d 项") % {"a": len(added), "r": len(removed)})
    return {"added": len(added), "removed": len(removed)}


def reset_role_defaults(*, role) -> int:
    """Add back every default permission of the role (tongxin/core/roles.py); extra grants stay."""
    from django.contrib.auth.models import Permission
    from django.utils.translation import gettext as _

    from tongxin.core import audit
    from tongxin.core.models import AuditEntry
    from tongxin.core.roles import ROLES, default_permissions

    if role.key not in ROLES:
        return 0
    defaults = default_permissions(role.key)
    perms = [p for p in Permission.objects.select_related("content_type")
             if (p.content_type.app_label, p.codename) in defaults]
    current = set(role.group.permissions.values_list("pk", flat=True))
    missing = [p for p in perms if p.pk not in current]
    if missing:
        role.group.permissions.add(*missing)
        audit.log(AuditEntry.UPDATE, role,
                  changes={"permissions": [None, sorted(f"{p.content_type.app_label}.{p.codename}" for p in missing)]},
                  message=_("恢复默认权限：新增 %(n)d 项") % {"n": len(missing)})
    role.granted_defaults = sorted([list(p) for p in set(map(tuple, role.granted_defaults)) | defaults])
    role.save(update_fields=["granted_defaults"])
    return len(missing)


# --- Regions: administrator changes and import ------------------------------------------------------------------


def check_new_region_code(*, code: str, user) -> str:
    """The prefix form of a new region's code, or a ValidationError in Chinese saying what is wrong."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from tongxin.core import regions
    from tongxin.core.models import Region
    from tongxin.core.validators import normalize_digits

    raw = normalize_digits(code)
    if not raw:
        raise ValidationError(_("请填写区划代码。"))
    try:
        prefix = regions.to_prefix(raw)
    except regions.RegionCodeError as exc:
        raise ValidationError(str(exc)) from exc
    parent_code = regions.parent_of(prefix)
    if parent_code and set(prefix[len(parent_code):]) == {"0"}:
        raise ValidationError(_("区划代码“%(code)s”的本级代码段全为 0，不是有效的区划代码。") % {"code": raw})
    scope = scope_prefix(user)
    if scope is None or not prefix.startswith(scope):
        raise ValidationError(_("区划代码“%(code)s”不在您的数据范围内，不能添加或修改。") % {"code": raw})
    existing = Region.objects.filter(code=prefix).first()
    if existing is not None:
        raise ValidationError(_("区划代码“%(code)s”已存在（%(name)s）。") % {"code": regions.to_official(prefix),
                                                                      "name": existing.full_name or existing.name})
    if parent_code and not Region.objects.filter(code=parent_code).exists():
        raise ValidationError(_("上级区划“%(code)s”不存在，请先添加上级区划。") % {
            "code": regions.to_official(parent_code)})
    return prefix


def _check_region_name(name: str) -> str:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    name = " ".join((name or "").replace("\u3000", " ").split())
    if not name:
        raise ValidationError(_("请填写区划名称。"))
    if len(name) > 100:
        raise ValidationError(_("区划名称不能超过 100 个字。"))
    return name


def add_region(*, user, code: str, name: str, note: str = ""):
    prefix = check_new_region_code(code=code, user=user)
    return save_region(code=prefix, name=_check_region_name(name), note=note)


def update_region(*, user, region, name: str, note: str = "", is_active: bool = True):
    """Rename or deactivate a region inside the user's scope; the audit log keeps the old name."""
    from django.core.exceptions import PermissionDenied

    from tongxin.core.scope import in_scope

    if not in_scope(user, region.code):
        raise PermissionDenied
    return save_region(code=region.code, name=_check_region_name(name), note=note, is_active=is_active)


REGION_IMPORT_COLUMNS = {
    "code": ("区划代码", "代码", "code", "行政区划代码", "统计用区划代码"),
    "name": ("名称", "name", "区划名称"),
}
REGION_IMPORT_EXTENSIONS = (".csv", ".xlsx", ".xls", ".xlsm", ".ods")


def read_table_file(file, filename: str) -> list[tuple[int, list[str]]]:
    """(spreadsheet row number, cells as text) of the first sheet of a CSV or Excel file, empty rows left out.

    CSV may be UTF-8 (with or without BOM) or GB18030 (what Excel saves on a Chinese Windows).
    """
    import csv
    import io
    import os

    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    ext = os.path.splitext(filename or "")[1].lower()
    if ext not in REGION_IMPORT_EXTENSIONS:
        raise ValidationError(_("不支持的文件类型“%(ext)s”，请上传 CSV 或 Excel（.xlsx）文件。") % {"ext": ext or "?"})
    data = file.read()
    if ext == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError(_("无法识别文件编码，请另存为 UTF-8 编码的 CSV 或 Excel 文件。"))
        raw_rows = list(csv.reader(io.StringIO(text)))
    else:
        from python_calamine import CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            raw_rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - any parse failure is the same message to the user
            raise ValidationError(_("无法读取该 Excel 文件，请确认文件未损坏且未加密。")) from exc
    rows = []
    for number, raw in enumerate(raw_rows, start=1):
        cells = [_cell_text(v) for v in raw]
        if any(cells):
            rows.append((number, cells))
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _header_key(text: str) -> str:
    return "".join(text.split()).lower()


def import_regions_file(*, file, filename: str, user, commit: bool = False) -> dict:
    """Check a file of code,name rows and, with `commit`, write it — all rows or none, in one transaction.

    Returns {"rows": [...], "errors": [{"row", "column", "message"}], "created", "renamed", "unchanged",
    "committed"}; row numbers are the spreadsheet's own.
    """
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils.translation import gettext as _

    from tongxin.core import regions
    from tongxin.core.models import Region
    from tongxin.core.validators import normalize_digits

    table = read_table_file(file, filename)
    if not table:
        raise ValidationError(_("文件是空的。"))
    header_row, header = table[0]
    aliases = {column: {_header_key(a) for a in names} for column, names in REGION_IMPORT_COLUMNS.items()}
    index = {}
    for position, text in enumerate(header):
        for column, names in aliases.items():
            if _header_key(text) in names and column not in index:
                index[column] = position
    missing = [REGION_IMPORT_COLUMNS[c][0] for c in ("code", "name") if c not in index]
    if missing:
        raise ValidationError(_("第 %(row)d 行（表头）缺少列：%(cols)s。表头应为“区划代码”和“名称”。") % {
            "row": header_row, "cols": "、".join(missing)})
    body = table[1:]
    if len(body) > settings.TONGXIN_MAX_IMPORT_ROWS:
        raise ValidationError(_("文件超过 %(n)d 行的上限，请拆分后导入。") % {"n": settings.TONGXIN_MAX_IMPORT_ROWS})

    col_code, col_name = str(REGION_IMPORT_COLUMNS["code"][0]), str(REGION_IMPORT_COLUMNS["name"][0])
    scope = scope_prefix(user)
    errors, parsed, seen = [], [], {}
    for number, cells in body:
        code_text = normalize_digits(cells[index["code"]]) if index["code"] < len(cells) else ""
        name_text = cells[index["name"]] if index["name"] < len(cells) else ""
        row_errors = []
        prefix = None
        try:
            if not code_text:
                raise regions.RegionCodeError(_("区划代码不能为空"))
            prefix = regions.to_prefix(code_text)
            parent_code = regions.parent_of(prefix)
            if parent_code and set(prefix[len(parent_code):]) == {"0"}:
                raise regions.RegionCodeError(_("区划代码“%(code)s”的本级代码段全为 0") % {"code": code_text})
            if scope is None or not prefix.startswith(scope):
                raise regions.RegionCodeError(_("区划代码“%(code)s”不在您的数据范围内") % {"code": code_text})
            if prefix in seen:
                raise regions.RegionCodeError(_("区划代码“%(code)s”与第 %(row)d 行重复") % {
                    "code": code_text, "row": seen[prefix]})
        except regions.RegionCodeError as exc:
            row_errors.append({"row": number, "column": col_code, "message": str(exc)})
            prefix = None
        try:
            name = _check_region_name(name_text)
        except ValidationError as exc:
            row_errors.append({"row": number, "column": col_name, "message": exc.messages[0]})
            name = name_text
        if prefix is not None:
            seen[prefix] = number
        errors.extend(row_errors)
        parsed.append({"row": number, "code": prefix, "official_code": regions.to_official(prefix) if prefix
                       else code_text, "name": name, "ok": not row_errors})

    codes = {r["code"] for r in parsed if r["code"]}
    parents = {regions.parent_of(c) for c in codes} - {None}
    existing = {r.code: r for r in Region.objects.filter(code__in=codes | parents)}
    counts = {"create": 0, "rename": 0, "unchanged": 0}
    for row in parsed:
        if not row["ok"]:
            row["action"] = "error"
            continue
        parent_code = regions.parent_of(row["code"])
        if parent_code and parent_code not in existing and parent_code not in codes:
            errors.append({"row": row["row"], "column": col_code, "message": _(
                "上级区划“%(code)s”不存在，请先添加上级区划或在本文件中一并导入") % {
                "code": regions.to_official(parent_code)}})
            row["action"], row["ok"] = "error", False
            continue
        current = existing.get(row["code"])
        if current is None:
            row["action"] = "create"
        elif current.name != row["name"]:
            row["action"], row["old_name"] = "rename", current.name
        else:
            row["action"] = "unchanged"
        counts[row["action"]] += 1
    errors.sort(key=lambda e: e["row"])
    report = {"rows": parsed, "errors": errors, "created": counts["create"], "renamed": counts["rename"],
              "unchanged": counts["unchanged"], "committed": False}
    if commit and not errors:
        with transaction.atomic():
            _write_region_rows([r for r in parsed if r["action"] in ("create", "rename")])
        report["committed"] = True
    return report


def _write_region_rows(rows: list[dict]) -> None:
    """New regions in bulk (parents first, one audit row each), renames one by one through `save_region`."""
    from django.utils.translation import gettext

    from tongxin.core import audit, regions
    from tongxin.core.models import AuditEntry, Region

    rows = sorted(rows, key=lambda r: (len(r["code"]), r["code"]))
    new = [r for r in rows if r["action"] == "create"]
    parent_codes = {regions.parent_of(r["code"]) for r in new} - {None}
    full_names = dict(Region.objects.filter(code__in=parent_codes).values_list("code", "full_name"))
    created = []
    for length in sorted({len(r["code"]) for r in new}):
        batch = []
        for row in (r for r in new if len(r["code"]) == length):
            parent = regions.parent_of(row["code"])
            full = (full_names.get(parent) or "") + row["name"]
            full_names[row["code"]] = full
            batch.append(Region(code=row["code"], name=row["name"], parent_id=parent,
                                level=regions.level_of(row["code"]), full_name=full))
        created.extend(Region.objects.bulk_create(batch, batch_size=1000))
    audit.log_bulk(AuditEntry.CREATE, [
        (region, {"code": [None, region.code], "name": [None, region.name]}) for region in created
    ], message=gettext("导入行政区划"))
    for row in rows:
        if row["action"] == "rename":
            region = Region.objects.get(code=row["code"])
            save_region(code=row["code"], name=row["name"], note=region.note, is_active=region.is_active)


# --- Dictionary items -------------------------------------------------------------------------------------------

_dict_usages: list[tuple[str, str, str]] = []


def register_dict_usage(dict_code: str, model_label: str, field_name: str) -> None:
    """Declare that `model_label`.`field_name` stores codes of dictionary `dict_code`, so that an item in use is
    deactivated rather than deleted. Apps call this in AppConfig.ready()."""
    entry = (dict_code, model_label, field_name)
    if entry not in _dict_usages:
        _dict_usages.append(entry)


def dict_item_in_use(item) -> bool:
    from django.apps import apps

    if item.children.exists():
        return True
    for dict_code, model_label, field_name in _dict_usages:
        if dict_code != item.dict_type.code:
            continue
        model = apps.get_model(model_label)
        if model._base_manager.filter(**{field_name: item.code}).exists():
            return True
    for relation in item._meta.related_objects:
        if relation.related_model is type(item):
            continue
        accessor = relation.get_accessor_name()
        if relation.one_to_one:
            if relation.related_model._base_manager.filter(**{relation.field.name: item}).exists():
                return True
        elif getattr(item, accessor).exists():
            return True
    return False


def save_dict_item(*, dict_type, item=None, code: str = "", label: str, label_en: str = "", parent=None,
                   sort: int = 0, is_active: bool = True):
    """Add an item or change one. A code is stable: it is set when the item is created and never changed,
    because records store it."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from tongxin.core.models import DictItem

    if parent is not None:
        if parent.dict_type_id != dict_type.pk:
            raise ValidationError({"parent": _("上级必须属于同一字典。")})
        node = parent
        while node is not None:
            if item is not None and node.pk == item.pk:
                raise ValidationError({"parent": _("上级不能是本项或其下级。")})
            node = node.parent
    if item is None:
        code = (code or "").strip()
        if not code:
            raise ValidationError({"code": _("请填写代码。")})
        if DictItem.objects.filter(dict_type=dict_type, code=code).exists():
            raise ValidationError({"code": _("该字典中已有代码“%(code)s”。") % {"code": code}})
        item = DictItem(dict_type=dict_type, code=code)
    item.label = label.strip()
    item.label_en = (label_en or "").strip()
    item.parent = parent
    item.sort = sort
    item.is_active = is_active
    item.save()
    return item


def delete_dict_item(*, item) -> str:
    """Delete an unused item; an item that records or sub-items refer to is deactivated instead.
    Returns "deleted" or "deactivated"."""
    if dict_item_in_use(item):
        if item.is_active:
            item.is_active = False
            item.save()
        return "deactivated"
    item.delete()
    return "deleted"


# --- Audit log and jobs: what a user may read ----------------------------------------------------------------------


def audit_entries_visible_to(user):
    """Entries inside the user's scope; entries of no region (system events, logins that failed, roles) only for
    system administrators."""
    from django.db.models import Q

    from tongxin.core.models import AuditEntry

    prefix = scope_prefix(user)
    if prefix is None:
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.all()
    if prefix == "":
        return entries
    condition = Q(region_code__startswith=prefix)
    if user.has_perm("core.manage_system"):
        condition |= Q(region_code="")
    return entries.filter(condition)


def jobs_visible_to(user):
    """A user's own jobs; a system administrator also sees every job of the scope."""
    from django.db.models import Q

    from tongxin.core.models import Job

    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    if user.has_perm("core.manage_system"):
        prefix = scope_prefix(user)
        if prefix == "":
            return Job.objects.all()
        if prefix is not None:
            return Job.objects.filter(Q(user=user) | Q(region_code__startswith=prefix))
    return Job.objects.filter(user=user)
