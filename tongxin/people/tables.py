"""Columns of the registry's lists (rendered by core/_table.html)."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from tongxin.core.tables import Column
from tongxin.people.models import Person, Status

STATUS_BADGES = {
    Status.ACTIVE: "bg-green-lt",
    Status.MOVED: "bg-azure-lt",
    Status.WITHDRAWN: "bg-secondary-lt",
    Status.DECEASED: "bg-dark-lt",
}


def _select(value, obj):
    return format_html('<input class="form-check-input m-0 align-middle" type="checkbox" name="pk" value="{}" '
                       'form="bulk-form" aria-label="{}">', obj.pk, _("选择"))


SELECT_ALL = mark_safe(  # noqa: S308 - constant markup
    '<input class="form-check-input m-0 align-middle" type="checkbox" data-check-all="pk" aria-label="全选本页" title="全选本页">'
)


def _flags(value, obj):
    if not obj.flags:
        return "—"
    return format_html_join(" ", '<span class="badge bg-red-lt">{}</span>', ((flag,) for flag in obj.flags))


def _status(value, obj):
    return format_html('<span class="badge {}">{}</span>', STATUS_BADGES.get(obj.status, ""),
                       obj.get_status_display())


def _category(value, obj):
    return format_html('<span title="{}">{}</span>', obj.get_category_display(),
                       _CATEGORY_SHORT.get(obj.category, obj.category))


_CATEGORY_SHORT = {"1": _("企业管理技术"), "2": _("中介/社会组织"), "3": _("自由职业"), "4": _("新媒体")}


def _employer(value, obj):
    if not obj.employer_id and not obj.job_title:
        return "—"
    return format_html('{}<div class="small text-secondary">{}</div>', obj.employer or "—", obj.job_title or "")


def _phone(value, obj):
    return Person._meta.get_field("phone").mask(obj.phone) or "—"


def _region(value, obj):
    return obj.region.name if obj.region_id else "—"


#: The person columns the list reads (PersonListView): those PERSON_COLUMNS show or sort by, and what their
#: formatters use (`flags`, the employer's job title, the masked phone). A column added to the list adds its fields
#: here, or each row of a page would read it with a query of its own.
PERSON_LIST_FIELDS = ("id", "name", "name_pinyin", "category", "employer", "job_title", "region", "is_representative",
                      "representative_level", "is_reserve", "is_network_figure", "phone", "status", "added_on",
                      "is_erased")

PERSON_COLUMNS = [
    Column("pk", SELECT_ALL, formatter=_select),
    Column("name", _("姓名"), sort="name_pinyin", link=True),
    Column("category", _("类别"), sort="category", formatter=_category),
    Column("employer", _("工作单位 / 职务"), formatter=_employer),
    Column("region", _("区划"), sort="region", formatter=_region),
    Column("flags", _("标记"), formatter=_flags),
    Column("phone", _("手机号码"), formatter=_phone),
    Column("status", _("状态"), sort="status", formatter=_status),
    Column("added_on", _("入库日期"), sort="added_on"),
]

EMPLOYEE_COLUMNS = [
    Column("name", _("姓名"), link=True),
    Column("job_title", _("职务")),
    Column("category", _("类别"), formatter=_category),
    Column("flags", _("标记"), formatter=_flags),
    Column("status", _("状态"), formatter=_status),
]


ORGANIZATION_COLUMNS = [
    Column("name", _("单位名称"), sort="name", link=True),
    Column("type_label", _("单位类型"), sort="type"),
    Column("credit_code", _("统一社会信用代码")),
    Column("industry", _("所属行业")),
    Column("region", _("区划"), sort="region", formatter=_region),
    Column("has_party_org", _("已建党组织")),
    Column("is_two_new", _("两新组织")),
]
