"""Columns of the organising area's lists (rendered by core/_table.html)."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tongxin.core.tables import Column, display
from tongxin.orgs.models import AssociationStatus, MembershipStatus
from tongxin.orgs.templatetags.orgs_money import yuan

MEMBERSHIP_BADGES = {
    MembershipStatus.APPLIED: "bg-yellow-lt",
    MembershipStatus.ADMITTED: "bg-green-lt",
    MembershipStatus.REJECTED: "bg-secondary-lt",
    MembershipStatus.LEFT: "bg-dark-lt",
}


def money(value, obj=None):
    return format_html('<span class="text-nowrap">{}</span>', yuan(value))


def _badge(css: str, text) -> str:
    return format_html('<span class="badge {}">{}</span>', css, text)


def _association_status(value, obj):
    if obj.status == AssociationStatus.ACTIVE:
        return _badge("bg-green-lt", obj.get_status_display())
    return format_html('{} <span class="small text-secondary">{}</span>',
                       _badge("bg-secondary-lt", obj.get_status_display()), display(obj.dissolved_on))


def _membership_status(value, obj):
    return _badge(MEMBERSHIP_BADGES.get(obj.status, ""), obj.get_status_display())


def _link(obj, text=None):
    if obj is None:
        return "—"
    return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), text or obj)


def _person(value, obj):
    return _link(value)


def _association(value, obj):
    return _link(value)


def _region(value, obj):
    return value.name if value is not None else "—"


def _label(attr):
    def formatter(value, obj):
        return getattr(obj, attr, None) or value or "—"

    return formatter


def _document(value, obj):
    if not obj.document:
        return "—"
    return format_html('<a href="{}"><i class="ti ti-file-download me-1"></i>{}</a>',
                       reverse("orgs:rule_document", args=[obj.pk]), obj.document_name or _("下载"))


def _signed(value, obj):
    amount = obj.amount if obj.kind == "allocation" else -obj.amount
    css = "text-green" if amount > 0 else "text-red"
    return format_html('<span class="{} text-nowrap">{}</span>', css, yuan(amount))


def _fund_summary(value, obj):
    text = obj.source_department or obj.purpose or "—"
    if obj.reverses_id:
        return format_html('<span class="badge bg-orange-lt me-1">{}</span>{}', _("冲正"), text)
    return text


def _period(start, end):
    def formatter(value, obj):
        return format_html("{} — {}", display(getattr(obj, start)), display(getattr(obj, end)) if getattr(obj, end)
                           else _("至今"))

    return formatter


def _holder(value, obj):
    if obj.holder_person_id:
        return _link(obj.holder_person, obj.holder_name)
    return obj.holder_name


ASSOCIATION_COLUMNS = [
    Column("name", _("组织名称"), sort="name", link=True),
    Column("kind", _("类型"), formatter=_label("kind_label")),
    Column("level", _("层级"), formatter=_label("level_label")),
    Column("region", _("所属区划"), sort="region", formatter=_region),
    Column("parent", _("上级组织"), formatter=_association),
    Column("founded_on", _("成立日期"), sort="founded_on"),
    Column("member_count", _("在会会员")),
    Column("status", _("状态"), formatter=_association_status),
]

MEMBERSHIP_COLUMNS = [
    Column("person", _("姓名"), formatter=_person),
    Column("association", _("组织"), formatter=_association),
    Column("status", _("状态"), sort="status", formatter=_membership_status),
    Column("applied_on", _("申请日期"), sort="applied_on"),
    Column("joined_on", _("入会日期"), sort="joined_on"),
    Column("left_on", _("退会日期"), sort="left_on"),
    Column("pk", _("记录"), formatter=lambda v, o: _link(o, _("查看"))),
]

ASSOCIATION_MEMBER_COLUMNS = [
    Column("person", _("姓名"), formatter=_person),
    Column("person.employer", _("工作单位")),
    Column("status", _("状态"), formatter=_membership_status),
    Column("joined_on", _("入会日期")),
    Column("left_on", _("退会日期")),
    Column("pk", _("记录"), formatter=lambda v, o: _link(o, _("查看"))),
]

PERSON_MEMBERSHIP_COLUMNS = [
    Column("association", _("组织"), formatter=_association),
    Column("status", _("状态"), formatter=_membership_status),
    Column("joined_on", _("入会日期")),
    Column("left_on", _("退会日期")),
    Column("pk", _("记录"), formatter=lambda v, o: _link(o, _("查看"))),
]

OFFICER_COLUMNS = [
    Column("person", _("姓名"), formatter=_person),
    Column("association", _("组织"), formatter=_association),
    Column("role", _("职务"), sort="role", formatter=lambda v, o: _link(o, o.get_role_display())),
    Column("started_on", _("任职日期"), sort="started_on"),
    Column("ended_on", _("离任日期"), sort="ended_on"),
]

ASSOCIATION_OFFICER_COLUMNS = [
    Column("role", _("职务"), formatter=lambda v, o: _link(o, o.get_role_display())),
    Column("person", _("姓名"), formatter=_person),
    Column("council_term", _("届次"), formatter=lambda v, o: _("第%(n)s届") % {"n": v.number} if v else "—"),
    Column("started_on", _("任职日期")),
    Column("ended_on", _("离任日期")),
]

PERSON_OFFICER_COLUMNS = [
    Column("association", _("组织"), formatter=_association),
    Column("role", _("职务"), formatter=lambda v, o: _link(o, o.get_role_display())),
    Column("started_on", _("任职日期")),
    Column("ended_on", _("离任日期")),
]

COUNCIL_COLUMNS = [
    Column("association", _("组织"), formatter=_association),
    Column("number", _("届次"), sort="number", formatter=lambda v, o: _link(o, _("第%(n)s届") % {"n": v})),
    Column("started_on", _("产生日期"), sort="started_on"),
    Column("due_on", _("应换届日期"), sort="due_on"),
    Column("ended_on", _("换届日期")),
]

RULE_COLUMNS = [
    Column("title", _("制度名称"), sort="title", link=True),
    Column("category", _("类别"), formatter=lambda v, o: o.get_category_display()),
    Column("association", _("所属组织"), formatter=lambda v, o: _link(v) if v else (o.department or "—")),
    Column("effective_from", _("施行日期"), sort="effective_from"),
    Column("effective_to", _("废止日期")),
    Column("document", _("文件"), formatter=_document),
]

FUND_COLUMNS = [
    Column("date", _("日期"), sort="date", formatter=lambda v, o: _link(o, display(v))),
    Column("association", _("组织"), formatter=_association),
    Column("kind", _("类型"), formatter=lambda v, o: o.get_kind_display()),
    Column("amount", _("金额（元）"), sort="amount", formatter=_signed),
    Column("source_department", _("拨付单位/用途"), formatter=_fund_summary),
    Column("note", _("备注")),
]

LEDGER_COLUMNS = [
    Column("date", _("日期"), formatter=lambda v, o: _link(o, display(v))),
    Column("kind", _("类型"), formatter=lambda v, o: o.get_kind_display()),
    Column("source_department", _("拨付单位/用途"), formatter=_fund_summary),
    Column("amount", _("金额（元）"), formatter=_signed),
    Column("balance_after", _("余额（元）"), formatter=money),
    Column("note", _("备注")),
]

POST_COLUMNS = [
    Column("holder_name", _("姓名"), sort="holder_name", formatter=lambda v, o: _link(o, v)),
    Column("kind", _("岗位"), formatter=lambda v, o: o.get_kind_display()),
    Column("region", _("覆盖区划"), sort="region", formatter=_region),
    Column("unit_name", _("所在单位"), formatter=lambda v, o: v or o.get_unit_type_display()),
    Column("holder_title", _("本职职务")),
    Column("since", _("任职日期"), sort="since", formatter=_period("since", "until")),
]

TEAM_COLUMNS = [
    Column("name", _("队伍名称"), sort="name", link=True),
    Column("kind", _("类型"), formatter=lambda v, o: o.get_kind_display()),
    Column("region", _("所在区划"), sort="region", formatter=_region),
    Column("leader", _("负责人"), formatter=_person),
    Column("member_count", _("队员数")),
    Column("founded_on", _("成立日期"), sort="founded_on"),
    Column("dissolved_on", _("撤销日期")),
]

PERSON_TEAM_COLUMNS = [
    Column("name", _("队伍"), link=True),
    Column("kind", _("类型"), formatter=lambda v, o: o.get_kind_display()),
    Column("leader", _("负责人"), formatter=_person),
    Column("founded_on", _("成立日期")),
    Column("dissolved_on", _("撤销日期")),
]

TEAM_MEMBER_COLUMNS = [
    Column("name", _("姓名"), link=True),
    Column("employer", _("工作单位")),
    Column("job_title", _("职务")),
]
