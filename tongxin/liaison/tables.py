"""Columns of the liaison lists (rendered by core/_table.html)."""

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from tongxin.core.tables import Column
from tongxin.liaison.models import CaseStatus, Channel

CASE_STATUS_BADGES = {
    CaseStatus.OPEN: "bg-yellow-lt",
    CaseStatus.IN_PROGRESS: "bg-blue-lt",
    CaseStatus.RESOLVED: "bg-green-lt",
    CaseStatus.CLOSED: "bg-secondary-lt",
}
CHANNEL_BADGES = {Channel.FACE: "bg-red-lt", Channel.PHONE: "bg-azure-lt", Channel.ONLINE: "bg-green-lt"}


def _iso(value, obj):
    return value.isoformat() if value else "—"


def _region(value, obj):
    return obj.region.name if obj.region_id else "—"


def _leader(value, obj):
    return format_html('{}<div class="small text-secondary">{}</div>', obj.leader_name, obj.leader_title or "")


def _active_members(value, obj):
    members = getattr(obj, "current_members", None)
    if members is None:
        members = [m for m in obj.members.all() if m.removed_on is None]
    if not members:
        return "—"
    return format_html_join("、", '<a href="{}">{}</a>', ((m.person.get_absolute_url(), m.person.name)
                                                          for m in members))


def _pairing_state(value, obj):
    if obj.is_active(timezone.localdate()):
        return format_html('<span class="badge bg-green-lt">{}</span>', _("结对中"))
    if obj.ended_on is not None:
        return format_html('<span class="badge bg-secondary-lt">{}</span>', _("已结束"))
    return format_html('<span class="badge bg-azure-lt">{}</span>', _("未开始"))


def _interval(value, obj):
    return format_html("{} {}", obj.contact_interval_days, _("天"))


PAIRING_COLUMNS = [
    Column("leader_name", _("结对领导"), formatter=_leader, link=True),
    Column("leader_level", _("层级"), sort="leader_level", formatter=lambda v, o: o.get_leader_level_display()),
    Column("pk", _("结对人士"), formatter=_active_members),
    Column("region", _("区划"), sort="region", formatter=_region),
    Column("started_on", _("结对日期"), sort="started_on", formatter=_iso),
    Column("contact_interval_days", _("联系周期"), formatter=_interval),
    Column("pk", _("状态"), formatter=_pairing_state),
]


def _channel(value, obj):
    return format_html('<span class="badge {}">{}</span>', CHANNEL_BADGES.get(obj.channel, ""),
                       obj.get_channel_display())


def _persons(value, obj):
    persons = list(obj.persons.all())
    if not persons:
        return "—"
    return format_html_join("、", '<a href="{}">{}</a>', ((p.get_absolute_url(), p.name) for p in persons))


def _follow_up(value, obj):
    if not obj.follow_up_needed:
        return "—"
    if obj.follow_up_done_on:
        return format_html('<span class="badge bg-green-lt">{}</span>', _("已跟进"))
    return format_html('<span class="badge bg-orange-lt" title="{}">{}</span>', obj.follow_up_note, _("待跟进"))


def _topic(value, obj):
    return format_html('<span class="d-inline-block text-truncate" style="max-width: 22rem">{}</span>', obj.topic)


CONTACT_COLUMNS = [
    Column("contacted_on", _("日期"), sort="contacted_on", link=True, formatter=_iso),
    Column("pk", _("联系对象"), formatter=_persons),
    Column("by_name", _("联系人")),
    Column("channel", _("方式"), sort="channel", formatter=_channel),
    Column("topic", _("事由"), formatter=_topic),
    Column("pk", _("跟进"), formatter=_follow_up),
]

PERSON_CONTACT_COLUMNS = [
    Column("contacted_on", _("日期"), link=True, formatter=_iso),
    Column("by_name", _("联系人")),
    Column("channel", _("方式"), formatter=_channel),
    Column("topic", _("事由"), formatter=_topic),
    Column("pk", _("跟进"), formatter=_follow_up),
]


def case_status_badge(case) -> str:
    badge = format_html('<span class="badge {}">{}</span>', CASE_STATUS_BADGES.get(case.status, ""),
                        case.get_status_display())
    if case.is_overdue():
        badge += format_html(' <span class="badge bg-red text-red-fg">{}</span>', _("逾期"))
    return badge


def _case_status(value, obj):
    return case_status_badge(obj)


def _raiser(value, obj):
    return format_html('{}<div class="small text-secondary">{}</div>', obj.raiser_name or "—",
                       obj.get_raiser_kind_display())


def _deadline(value, obj):
    if obj.deadline is None:
        return "—"
    if obj.is_overdue():
        return format_html('<span class="text-red">{}</span>', obj.deadline.isoformat())
    return obj.deadline.isoformat()


CASE_COLUMNS = [
    Column("title", _("诉求"), link=True),
    Column("category", _("类别"), sort="category", formatter=lambda v, o: o.get_category_display()),
    Column("pk", _("反映方"), formatter=_raiser),
    Column("taken_by", _("承办人")),
    Column("opened_on", _("受理日期"), sort="opened_on", formatter=_iso),
    Column("deadline", _("办理时限"), sort="deadline", formatter=_deadline),
    Column("status", _("状态"), sort="status", formatter=_case_status),
]

PERSON_CASE_COLUMNS = [
    Column("title", _("诉求"), link=True),
    Column("category", _("类别"), formatter=lambda v, o: o.get_category_display()),
    Column("opened_on", _("受理日期"), formatter=_iso),
    Column("status", _("状态"), formatter=_case_status),
]

PERSON_PAIRING_COLUMNS = [
    Column("pk", _("结对领导"), formatter=lambda v, o: format_html(
        '<a href="{}">{}</a><div class="small text-secondary">{}</div>', o.pairing.get_absolute_url(),
        o.pairing.leader_name, o.pairing.leader_title)),
    Column("added_on", _("加入日期"), formatter=_iso),
    Column("removed_on", _("移出日期"), formatter=_iso),
    Column("pairing.contact_interval_days", _("联系周期（天）")),
]
