"""Columns of the voice and arrangements lists (rendered by core/_table.html)."""

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from tongxin.core.tables import Column
from tongxin.voice.models import ArrangementStatus, ProposalStatus

PROPOSAL_BADGES = {
    ProposalStatus.SUBMITTED: "bg-azure-lt",
    ProposalStatus.UNDER_REVIEW: "bg-yellow-lt",
    ProposalStatus.ADOPTED: "bg-green-lt",
    ProposalStatus.NOT_ADOPTED: "bg-secondary-lt",
    ProposalStatus.IMPLEMENTED: "bg-teal-lt",
}
ARRANGEMENT_BADGES = {
    ArrangementStatus.RECOMMENDED: "bg-azure-lt",
    ArrangementStatus.INSPECTED: "bg-yellow-lt",
    ArrangementStatus.ARRANGED: "bg-green-lt",
    ArrangementStatus.NOT_ARRANGED: "bg-secondary-lt",
}


def iso(value, obj=None):
    return value.isoformat() if value else "—"


def _region(value, obj):
    region = getattr(obj, "region", None)
    return region.name if region is not None else "—"


def proposal_badge(obj):
    return format_html('<span class="badge {}">{}</span>', PROPOSAL_BADGES.get(obj.status, ""),
                       obj.get_status_display())


def arrangement_badge(obj):
    return format_html('<span class="badge {}">{}</span>', ARRANGEMENT_BADGES.get(obj.status, ""),
                       obj.get_status_display())


def _proposers(value, obj):
    persons = list(obj.persons.all())
    parts = format_html_join("、", '<a href="{}">{}</a>', ((p.get_absolute_url(), p.name) for p in persons))
    if obj.association_id:
        link = format_html('<a href="{}">{}</a>', obj.association.get_absolute_url(), obj.association.name)
        return format_html("{}{}{}", parts, "、" if persons else "", link)
    return parts or "—"


def _person(value, obj):
    person = obj.person
    return format_html('<a href="{}">{}</a>', person.get_absolute_url(), person.name) if person else "—"


def _recipient(value, obj):
    recipient = obj.recipient
    if recipient is None:
        return "—"
    return format_html('<a href="{}">{}</a>', recipient.get_absolute_url(), recipient_name(recipient))


def recipient_name(recipient):
    return getattr(recipient, "name", str(recipient))


def _term(value, obj):
    if not obj.starts_on:
        return "—"
    return format_html("{} ~ {}", obj.starts_on.isoformat(), obj.ends_on.isoformat() if obj.ends_on else _("至今"))


def _title_region(value, obj):
    return format_html('{}<div class="small text-secondary">{} · {}</div>', value, obj.region.name,
                       obj.get_channel_display())


PROPOSAL_COLUMNS = [
    Column("title", _("标题"), link=True, formatter=_title_region),
    Column("pk", _("提出人"), formatter=_proposers),
    Column("topic", _("主题"), sort="topic", formatter=lambda v, o: o.get_topic_display()),
    Column("submitted_on", _("提交日期"), sort="submitted_on", formatter=iso),
    Column("status", _("状态"), sort="status", formatter=lambda v, o: proposal_badge(o)),
]

RESEARCH_COLUMNS = [
    Column("topic", _("调研主题"), link=True),
    Column("region", _("区划"), sort="region", formatter=_region),
    Column("started_on", _("开始日期"), sort="started_on", formatter=iso),
    Column("ended_on", _("结束日期"), formatter=iso),
    Column("report_count", _("调研报告"), formatter=lambda v, o: getattr(o, "report_count", 0)),
    Column("proposal_count", _("形成建议"), formatter=lambda v, o: getattr(o, "proposal_count", 0)),
]

REPORT_COLUMNS = [
    Column("title", _("报告标题"), link=True),
    Column("research", _("调研活动")),
    Column("completed_on", _("完成日期"), sort="completed_on", formatter=iso),
    Column("suggestion_count", _("提出建议（条）")),
]

MEETING_COLUMNS = [
    Column("title", _("会议名称"), link=True),
    Column("kind", _("会议类型"), sort="kind", formatter=lambda v, o: o.get_kind_display()),
    Column("region", _("区划"), sort="region", formatter=_region),
    Column("held_on", _("会议日期"), sort="held_on", formatter=iso),
    Column("participant_count", _("参会人士"), formatter=lambda v, o: getattr(o, "participant_count", 0)),
    Column("problem_count", _("解决问题"), formatter=lambda v, o: getattr(o, "problem_count", 0)),
]

PROBLEM_COLUMNS = [
    Column("title", _("问题"), link=True),
    Column("meeting", _("协商会议")),
    Column("solved_on", _("解决日期"), sort="solved_on", formatter=iso),
    Column("longstanding", _("老大难问题")),
    Column("case", _("关联诉求"), formatter=lambda v, o: format_html('<a href="{}">{}</a>', v.get_absolute_url(), v)
           if v else "—"),
]

ARRANGEMENT_COLUMNS = [
    Column("person", _("人士"), formatter=_person),
    Column("body", _("安排职务"), sort="body", link=True, formatter=lambda v, o: o.get_body_display()),
    Column("level", _("层级"), sort="level", formatter=lambda v, o: o.get_level_display()),
    Column("term", _("届次")),
    Column("starts_on", _("任期"), sort="starts_on", formatter=_term),
    Column("region", _("区划"), sort="region", formatter=_region),
    Column("status", _("状态"), sort="status", formatter=lambda v, o: arrangement_badge(o)),
]

HONOUR_COLUMNS = [
    Column("title", _("荣誉名称"), link=True),
    Column("pk", _("获得者"), formatter=_recipient),
    Column("kind", _("类别"), sort="kind", formatter=lambda v, o: o.get_kind_display()),
    Column("level", _("层级"), sort="level", formatter=lambda v, o: o.get_level_display()),
    Column("granted_by", _("授予单位")),
    Column("granted_on", _("授予日期"), sort="granted_on", formatter=iso),
]
