"""Sections this app adds to the person and association pages through `tongxin.core.related`: proposals, seats
(political arrangements), honours, research and consultation meetings."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tongxin.core import related
from tongxin.core.tables import Column
from tongxin.orgs.models import Association
from tongxin.people.models import Person
from tongxin.voice import tables
from tongxin.voice.models import ConsultationMeeting, Honour, PoliticalArrangement, Proposal, Research

PROPOSAL_COLUMNS = [
    Column("title", _("标题"), link=True),
    Column("channel", _("渠道"), formatter=lambda v, o: o.get_channel_display()),
    Column("submitted_on", _("提交日期"), formatter=tables.iso),
    Column("status", _("状态"), formatter=lambda v, o: tables.proposal_badge(o)),
]
SEAT_COLUMNS = [
    Column("body", _("安排职务"), link=True, formatter=lambda v, o: o.get_body_display()),
    Column("level", _("层级"), formatter=lambda v, o: o.get_level_display()),
    Column("term", _("届次")),
    Column("starts_on", _("任期"), formatter=lambda v, o: tables._term(v, o)),
    Column("status", _("状态"), formatter=lambda v, o: tables.arrangement_badge(o)),
]
HONOUR_COLUMNS = [
    Column("title", _("荣誉名称"), link=True),
    Column("level", _("层级"), formatter=lambda v, o: o.get_level_display()),
    Column("granted_by", _("授予单位")),
    Column("granted_on", _("授予日期"), formatter=tables.iso),
]
RESEARCH_COLUMNS = [
    Column("topic", _("调研主题"), link=True),
    Column("started_on", _("开始日期"), formatter=tables.iso),
]
MEETING_COLUMNS = [
    Column("title", _("会议名称"), link=True),
    Column("kind", _("会议类型"), formatter=lambda v, o: o.get_kind_display()),
    Column("held_on", _("会议日期"), formatter=tables.iso),
]


def _action(perm: str, url_name: str, label, icon: str, param: str = "person"):
    def actions(obj, user):
        if getattr(obj, "is_erased", False) or not user.has_perm(perm):
            return []
        return [{"label": label, "url": f"{reverse(url_name)}?{param}={obj.pk}", "icon": icon}]

    return actions


related.register(Person, _("提案建议"), lambda p, u: Proposal.objects.restrict(u).filter(persons=p)
                 .order_by("-submitted_on", "-id"), PROPOSAL_COLUMNS, perm="voice.view_proposal", order=50)
related.register(Person, _("政治安排"), lambda p, u: PoliticalArrangement.objects.restrict(u).filter(person=p)
                 .order_by("-recommended_on", "-id"), SEAT_COLUMNS, perm="voice.view_politicalarrangement",
                 order=51, actions=_action("voice.add_politicalarrangement", "voice:politicalarrangement_add",
                                           _("登记推荐/安排"), "plus"))
related.register(Person, _("表彰荣誉"), lambda p, u: Honour.objects.restrict(u).filter(person=p)
                 .order_by("-granted_on", "-id"), HONOUR_COLUMNS, perm="voice.view_honour", order=52)
related.register(Person, _("参加调研"), lambda p, u: Research.objects.restrict(u).filter(team=p)
                 .order_by("-started_on", "-id"), RESEARCH_COLUMNS, perm="voice.view_research", order=53)
related.register(Person, _("参加协商会议"), lambda p, u: ConsultationMeeting.objects.restrict(u)
                 .filter(participants=p).order_by("-held_on", "-id"), MEETING_COLUMNS,
                 perm="voice.view_consultationmeeting", order=54)

related.register(Association, _("提案建议"), lambda a, u: Proposal.objects.restrict(u).filter(association=a)
                 .order_by("-submitted_on", "-id"), PROPOSAL_COLUMNS, perm="voice.view_proposal", order=50)
related.register(Association, _("表彰荣誉"), lambda a, u: Honour.objects.restrict(u).filter(association=a)
                 .order_by("-granted_on", "-id"), HONOUR_COLUMNS, perm="voice.view_honour", order=52)
related.register(Association, _("组织调研"), lambda a, u: Research.objects.restrict(u).filter(association=a)
                 .order_by("-started_on", "-id"), RESEARCH_COLUMNS, perm="voice.view_research", order=53)
