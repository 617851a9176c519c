"""The six roles and their default permissions. Administrators adjust them afterwards in the UI."""

from django.utils.translation import gettext_lazy as _

BUSINESS_APPS = ("people", "orgs", "liaison", "activities", "voice", "sites", "reports")
ALL = ("view", "add", "change", "delete")

# Assessment standards (十有, 七有…) are shared by every county: only administrators publish new versions.
SHARED_STANDARDS = ("sites.add_standard", "sites.change_standard", "sites.delete_standard",
                    "sites.add_criterion", "sites.change_criterion", "sites.delete_criterion")

ADMIN, STAFF, LIAISON, ASSOCIATION, LEADER, MEMBER = "admin", "staff", "liaison", "association", "leader", "member"

ROLES = {
    ADMIN: {
        "name": _("系统管理员"),
        "description": _("用户、角色、行政区划、数据字典、审计日志、备份"),
        "apps": {"core": ALL, "auth": ALL, "authtoken": ALL, "axes": ("view", "change", "delete"),
                 "otp_totp": ALL},
        "perms": ["core.manage_system", "reports.change_reporttemplate", *SHARED_STANDARDS],
        "view_apps": BUSINESS_APPS,
    },
    STAFF: {
        "name": _("统战部工作人员"),
        "description": _("人士库、组织、活动、报告等全部业务数据的维护"),
        "apps": dict.fromkeys(BUSINESS_APPS, ALL),
        "except": SHARED_STANDARDS,
        "perms": ["core.view_sensitive", "core.export_sensitive", "core.view_region", "core.view_dicttype",
                  "core.view_dictitem", "core.view_auditentry"],
        "view_apps": (),
    },
    LIAISON: {
        "name": _("统战委员/联络员"),
        "description": _("记录联系、诉求和活动，查看本辖区人士"),
        "apps": {"liaison": ALL, "activities": ("view", "add", "change")},
        "perms": ["core.view_region"],
        "view_apps": ("people", "orgs", "voice", "sites", "reports"),
    },
    ASSOCIATION: {
        "name": _("新联会负责人"),
        "description": _("会员、活动、经费、制度"),
        "apps": {"orgs": ("view", "add", "change"), "activities": ("view", "add", "change")},
        "perms": ["core.view_region"],
        "view_apps": ("people", "voice", "reports"),
    },
    LEADER: {
        "name": _("领导"),
        "description": _("查看结对、驾驶舱和各类数据（只读）"),
        "apps": {},
        "perms": ["core.view_region"],
        "view_apps": BUSINESS_APPS,
    },
    MEMBER: {
        "name": _("成员"),
        "description": _("新阶人士本人，使用移动端报名、签到、提交建议、查看积分"),
        "apps": {},
        "perms": [],
        "view_apps": (),
    },
}


def default_permissions(key: str) -> set[tuple[str, str]]:
    """(app_label, codename) pairs that a role gets by default, among the permissions that exist now."""
    from django.contrib.auth.models import Permission

    spec = ROLES[key]
    wanted: set[tuple[str, str]] = set()
    for perm in Permission.objects.select_related("content_type"):
        app, codename = perm.content_type.app_label, perm.codename
        action = codename.split("_", 1)[0]
        if f"{app}.{codename}" in spec.get("except", ()):
            continue
        if app in spec["apps"] and action in spec["apps"][app]:
            wanted.add((app, codename))
        elif app in spec["view_apps"] and action == "view":
            wanted.add((app, codename))
        elif f"{app}.{codename}" in spec["perms"]:
            wanted.add((app, codename))
    return wanted


def portal_only(user) -> bool:
    """A user whose only role is 成员 (a member): their pages are the mobile portal, not the staff pages."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return False
    keys = set(user.groups.values_list("role__key", flat=True))
    return keys == {MEMBER}
