"""Business rules of voice and arrangements: proposals and their lifecycle, research and reports, consultation
meetings and the problems they solved, political arrangements and honours.

Views, forms, the API, the importer, the members' portal and the demo call these functions; messages for bad input
are Chinese and name the field (a `ValidationError` with an error dict where a field is to blame).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import re
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.context import acting_as, current_actor
from tongxin.core.models import Region
from tongxin.people.models import Person, Status
from tongxin.voice.models import (
    AdoptionForm,
    ArrangementStatus,
    ConsultationMeeting,
    Honour,
    HonourKind,
    PoliticalArrangement,
    ProblemSolved,
    Proposal,
    ProposalChannel,
    ProposalGram,
    ProposalSource,
    ProposalStatus,
    ProposalStep,
    Research,
    ResearchReport,
    Topic,
)

logger = logging.getLogger(__name__)

MAX_GRAMS = 600

# Allowed lifecycle moves: no skipping, no going back.
TRANSITIONS = {
    ProposalStatus.SUBMITTED: (ProposalStatus.UNDER_REVIEW,),
    ProposalStatus.UNDER_REVIEW: (ProposalStatus.ADOPTED, ProposalStatus.NOT_ADOPTED),
    ProposalStatus.ADOPTED: (ProposalStatus.IMPLEMENTED,),
    ProposalStatus.NOT_ADOPTED: (),
    ProposalStatus.IMPLEMENTED: (),
}

ARRANGEMENT_TRANSITIONS = {
    ArrangementStatus.RECOMMENDED: (ArrangementStatus.INSPECTED, ArrangementStatus.NOT_ARRANGED),
    ArrangementStatus.INSPECTED: (ArrangementStatus.ARRANGED, ArrangementStatus.NOT_ARRANGED),
    ArrangementStatus.ARRANGED: (),
    ArrangementStatus.NOT_ARRANGED: (),
}


@contextlib.contextmanager
def _acting(user):
    """Attribute the audit entries written inside to `user` when a caller names one explicitly."""
    actor = current_actor()
    if user is None or actor.user == user:
        yield
        return
    with acting_as(user, ip=actor.ip, source=actor.source if actor.source != "system" else "web"):
        yield


def _today() -> datetime.date:
    return timezone.localdate()


def _text(value) -> str:
    return " ".join(str(value or "").split())


def _not_future(value: datetime.date | None, field: str, label: str) -> None:
    if value and value > _today():
        raise ValidationError({field: _("%(label)s不能晚于今天") % {"label": label}})


def _region(region) -> Region:
    if isinstance(region, Region):
        return region
    found = Region.objects.filter(code=str(region or "")).first()
    if found is None:
        raise ValidationError({"region": _("请选择所属区划")})
    return found


def _county(code: str) -> str:
    return code[:6]


def _check_persons(persons: Iterable[Person], *, field: str, region_code: str) -> list[Person]:
    persons = list(dict.fromkeys(persons))
    for person in persons:
        if getattr(person, "is_erased", False):
            raise ValidationError({field: _("“%(name)s”的个人信息已删除，不能选择") % {"name": person.name}})
        if person.status != Status.ACTIVE:
            raise ValidationError({field: _("“%(name)s”的状态为“%(status)s”，只能选择在册人士")
                                   % {"name": person.name, "status": person.get_status_display()}})
        if not person.region_id.startswith(_county(region_code)):
            raise ValidationError({field: _("“%(name)s”不在本区县，不能选择") % {"name": person.name}})
    return persons


# --- Text similarity -------------------------------------------------------------------------------------------

_SPLIT = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


def bigrams(text: str) -> set[str]:
    """The distinct character bigrams of a text: letters, digits and CJK characters, punctuation and spaces split
    runs (a bigram never spans a comma). A run of one character counts as itself."""
    grams: set[str] = set()
    for run in _SPLIT.split((text or "").lower()):
        if len(run) == 1:
            grams.add(run)
        for i in range(len(run) - 1):
            grams.add(run[i:i + 2])
            if len(grams) >= MAX_GRAMS:
                return grams
    return grams


def proposal_text(title: str, content: str) -> str:
    return f"{title or ''}\n{content or ''}"


def index_grams(proposal: Proposal) -> int:
    """Rewrite the bigram rows of a proposal from its title and content; returns the number of grams."""
    grams = sorted(bigrams(proposal_text(proposal.title, proposal.content)))
    ProposalGram.objects.filter(proposal=proposal).delete()
    ProposalGram.objects.bulk_create([ProposalGram(proposal=proposal, gram=g) for g in grams])
    if proposal.gram_count != len(grams):
        Proposal.objects.filter(pk=proposal.pk).update(gram_count=len(grams))
        proposal.gram_count = len(grams)
    return len(grams)


# --- Proposals -------------------------------------------------------------------------------------------------


def _link_source(source, values: dict) -> str:
    """`source` is how the proposal came in (a ProposalSource value) or what it came from (a research, a report, a
    consultation meeting). Returns the entry source."""
    if isinstance(source, Research):
        values["research"] = source
    elif isinstance(source, ResearchReport):
        values["report"] = source
    elif isinstance(source, ConsultationMeeting):
        values["meeting"] = source
    elif source in ProposalSource.values:
        return source
    elif source not in (None, ""):
        raise ValidationError({"source": _("无法识别的建议来源")})
    return ProposalSource.STAFF


def _check_proposal(proposal: Proposal, persons: list[Person]) -> None:
    errors = {}
    proposal.title = _text(proposal.title)
    proposal.content = (proposal.content or "").strip()
    if not proposal.title:
        errors["title"] = _("标题不能为空")
    if not proposal.content:
        errors["content"] = _("内容不能为空")
    if proposal.topic not in Topic.values:
        errors["topic"] = _("请选择主题")
    if proposal.channel not in ProposalChannel.values:
        errors["channel"] = _("请选择渠道")
    if not persons and not proposal.association_id:
        errors["persons"] = _("请选择提出人：至少一名人士或一个组织")
    if not proposal.submitted_on:
        errors["submitted_on"] = _("请填写提交日期")
    elif proposal.submitted_on > _today():
        errors["submitted_on"] = _("提交日期不能晚于今天")
    if errors:
        raise ValidationError(errors)
    county = _county(proposal.region_id)
    if proposal.association_id and not proposal.association.region_id.startswith(county):
        raise ValidationError({"association": _("提出组织不在本区县")})
    for field, obj, label in (("research", proposal.research, _("来源调研")),
                              ("report", proposal.report, _("来源调研报告")),
                              ("meeting", proposal.meeting, _("来源协商会议"))):
        if obj is not None:
            region_code = obj.research.region_id if isinstance(obj, ResearchReport) else obj.region_id
            if not region_code.startswith(county):
                raise ValidationError({field: _("%(label)s不在本区县") % {"label": label}})
    if proposal.report is not None and proposal.research is None:
        proposal.research = proposal.report.research


@transaction.atomic
def submit_proposal(*, title: str, content: str, topic: str, channel: str, persons: Iterable[Person] = (),
                    association=None, region, by, source=None, submitted_on: datetime.date | None = None,
                    research: Research | None = None, report: ResearchReport | None = None,
                    meeting: ConsultationMeeting | None = None) -> Proposal:
    """Record a new proposal (status 已提交) with its first timeline step and its bigram index.

    Used by the staff pages and by the members' portal (`source="portal"`). `source` may also be the research,
    report or meeting the proposal came from.
    """
    region = _region(region)
    links = {"research": research, "report": report, "meeting": meeting}
    entry = _link_source(source, links)
    proposal = Proposal(title=title, content=content, topic=topic or Topic.OTHER, channel=channel,
                        association=association, region=region, submitted_on=submitted_on or _today(),
                        source=entry, submitted_by=by if getattr(by, "pk", None) else None, **links)
    persons = _check_persons(persons or [], field="persons", region_code=region.code)
    _check_proposal(proposal, persons)
    with _acting(by):
        proposal.save()
        proposal.persons.set(persons)
        ProposalStep.objects.create(proposal=proposal, status=ProposalStatus.SUBMITTED,
                                    stepped_on=proposal.submitted_on, by_user=proposal.submitted_by,
                                    note=proposal.get_source_display())
    index_grams(proposal)
    return proposal


@transaction.atomic
def update_proposal(proposal: Proposal, *, persons: Iterable[Person] | None = None, by=None) -> Proposal:
    """Save edits to a proposal's text and links (not its status); re-index its text."""
    persons = list(proposal.persons.all()) if persons is None else list(persons)
    persons = _check_persons(persons, field="persons", region_code=proposal.region_id)
    _check_proposal(proposal, persons)
    first = proposal.steps.exclude(status=ProposalStatus.SUBMITTED).order_by("stepped_on").first()
    if first and proposal.submitted_on > first.stepped_on:
        raise ValidationError({"submitted_on": _("提交日期不能晚于已有办理步骤的日期（%(date)s）")
                               % {"date": first.stepped_on.isoformat()}})
    with _acting(by):
        proposal.save()
        proposal.persons.set(persons)
        proposal.steps.filter(status=ProposalStatus.SUBMITTED).update(stepped_on=proposal.submitted_on)
    index_grams(proposal)
    return proposal


def allowed_transitions(proposal: Proposal) -> tuple[str, ...]:
    return TRANSITIONS.get(proposal.status, ())


@transaction.atomic
def transition_proposal(proposal: Proposal, to_status: str, *, by, on: datetime.date | None = None,
                        body: str = "", form: str = "", reason: str = "", result: str = "",
                        note: str = "", award_points: bool = True) -> ProposalStep:
    """Move a proposal one step along its lifecycle (已提交 → 审核中 → 已采纳/未采纳 → 已落实).

    Adopting names the adopting body and the form; not adopting needs a reason; implementing needs the result.
    On adoption each proposer person is awarded points (rule "proposal_adopted" of the points area) unless
    `award_points` is False (bulk loading of history)."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    on = on or _today()
    if to_status not in TRANSITIONS.get(proposal.status, ()):
        raise ValidationError({"status": _("当前状态为“%(now)s”，不能变更为“%(to)s”") % {
            "now": proposal.get_status_display(),
            "to": dict(ProposalStatus.choices).get(to_status, to_status)}})
    if on < proposal.submitted_on:
        raise ValidationError({"stepped_on": _("日期不能早于提交日期（%(date)s）")
                               % {"date": proposal.submitted_on.isoformat()}})
    last = proposal.steps.order_by("-stepped_on").first()
    if last and on < last.stepped_on:
        raise ValidationError({"stepped_on": _("日期不能早于上一步骤的日期（%(date)s）")
                               % {"date": last.stepped_on.isoformat()}})
    _not_future(on, "stepped_on", _("日期"))
    body, reason, result, note = _text(body), (reason or "").strip(), (result or "").strip(), (note or "").strip()
    if to_status == ProposalStatus.ADOPTED:
        errors = {}
        if not body:
            errors["body"] = _("请填写采纳单位/部门")
        if form not in AdoptionForm.values:
            errors["form"] = _("请选择采纳形式")
        if errors:
            raise ValidationError(errors)
        proposal.adopted_on, proposal.adopted_by, proposal.adoption_form = on, body, form
    elif to_status == ProposalStatus.NOT_ADOPTED:
        if not reason:
            raise ValidationError({"reason": _("请填写未采纳原因")})
    elif to_status == ProposalStatus.IMPLEMENTED:
        if not result:
            raise ValidationError({"result": _("请填写落实结果")})
        proposal.implemented_on = on
    proposal.status = to_status
    user = by if getattr(by, "pk", None) else None
    with _acting(user):
        proposal.save()
        step = ProposalStep.objects.create(
            proposal=proposal, status=to_status, stepped_on=on, by_user=user,
            body=body if to_status == ProposalStatus.ADOPTED else "",
            form=form if to_status == ProposalStatus.ADOPTED else "",
            reason=reason if to_status == ProposalStatus.NOT_ADOPTED else "",
            result=result if to_status == ProposalStatus.IMPLEMENTED else "", note=note)
    if to_status == ProposalStatus.ADOPTED and award_points:
        award_adoption_points(proposal, by=user)
    return step


def award_adoption_points(proposal: Proposal, *, by=None) -> list:
    """Award the "proposal_adopted" points to each proposer person, when the points area exists."""
    award_for = points_award_function()
    if award_for is None:
        logger.info("points area not available: no points for adopted proposal %s", proposal.pk)
        return []
    return [award_for("proposal_adopted", person, source=proposal, by=by) for person in proposal.persons.all()]


def points_award_function():
    """`tongxin.activities.services.award_for`, or None while the points area does not exist."""
    try:
        from tongxin.activities import services as activities
    except ImportError:
        return None
    return getattr(activities, "award_for", None)


# --- Research --------------------------------------------------------------------------------------------------


@transaction.atomic
def save_research(research: Research, *, team: Iterable[Person] = (), by=None) -> Research:
    research.topic = _text(research.topic)
    errors = {}
    if not research.topic:
        errors["topic"] = _("调研主题不能为空")
    if not research.region_id:
        errors["region"] = _("请选择所属区划")
    if not research.started_on:
        errors["started_on"] = _("请填写开始日期")
    elif research.ended_on and research.ended_on < research.started_on:
        errors["ended_on"] = _("结束日期不能早于开始日期")
    if errors:
        raise ValidationError(errors)
    team = _check_persons(team, field="team", region_code=research.region_id)
    if research.association_id and not research.association.region_id.startswith(_county(research.region_id)):
        raise ValidationError({"association": _("组织单位不在本区县")})
    with _acting(by):
        research.save()
        research.team.set(team)
    return research


def _stored_name(upload, extension: str) -> None:
    upload.name = f"{uuid.uuid4().hex}{extension}"


def _store(obj, upload, *, file_field: str, name_field: str) -> str | None:
    """Put an upload (checked by type and content) on `obj` under a random name; returns the old file's name."""
    from tongxin.orgs.services import check_document

    extension = check_document(upload, field=file_field)
    setattr(obj, name_field, os.path.basename(upload.name)[:200])
    field_file = getattr(obj, file_field)
    old = field_file.name if obj.pk and field_file else None
    _stored_name(upload, extension)
    setattr(obj, file_field, upload)
    return old


@transaction.atomic
def save_report(report: ResearchReport, *, document=None, proposals: Iterable[Proposal] | None = None,
                by=None) -> ResearchReport:
    """Save a research report; `proposals` (when given) are the proposals it produced."""
    report.title = _text(report.title)
    errors = {}
    if not report.title:
        errors["title"] = _("报告标题不能为空")
    if not report.completed_on:
        errors["completed_on"] = _("请填写完成日期")
    elif report.research_id and report.completed_on < report.research.started_on:
        errors["completed_on"] = _("完成日期不能早于调研开始日期（%(date)s）") % {
            "date": report.research.started_on.isoformat()}
    if errors:
        raise ValidationError(errors)
    old = _store(report, document, file_field="document", name_field="document_name") if document else None
    county = _county(report.research.region_id)
    proposals = None if proposals is None else list(proposals)
    for proposal in proposals or []:
        if not proposal.region_id.startswith(county):
            raise ValidationError({"proposals": _("建议“%(title)s”不在本区县") % {"title": proposal.title}})
    with _acting(by):
        report.save()
        if proposals is not None:
            for proposal in report.proposals.exclude(pk__in=[p.pk for p in proposals]):
                proposal.report = None
                proposal.save(update_fields=["report", "updated_at"])
            for proposal in proposals:
                if proposal.report_id != report.pk:
                    proposal.report, proposal.research = report, report.research
                    proposal.save(update_fields=["report", "research", "updated_at"])
    if old and old != report.document.name:
        report.document.storage.delete(old)
    return report


# --- Consultation meetings -------------------------------------------------------------------------------------


@transaction.atomic
def save_meeting(meeting: ConsultationMeeting, *, participants: Iterable[Person] = (), by=None):
    meeting.title = _text(meeting.title)
    errors = {}
    if not meeting.title:
        errors["title"] = _("会议名称不能为空")
    if not meeting.region_id:
        errors["region"] = _("请选择所属区划")
    if not meeting.held_on:
        errors["held_on"] = _("请填写会议日期")
    if errors:
        raise ValidationError(errors)
    participants = _check_persons(participants, field="participants", region_code=meeting.region_id)
    with _acting(by):
        meeting.save()
        meeting.participants.set(participants)
    return meeting


@transaction.atomic
def save_problem(problem: ProblemSolved, *, by=None) -> ProblemSolved:
    """A problem a meeting helped solve, solved on or after the meeting, linked to a case of the same county."""
    problem.title = _text(problem.title)
    meeting = problem.meeting
    if not problem.title:
        raise ValidationError({"title": _("问题不能为空")})
    if not problem.solved_on:
        raise ValidationError({"solved_on": _("请填写解决日期")})
    if problem.solved_on < meeting.held_on:
        raise ValidationError({"solved_on": _("解决日期不能早于会议日期（%(date)s）")
                               % {"date": meeting.held_on.isoformat()}})
    _not_future(problem.solved_on, "solved_on", _("解决日期"))
    if problem.case_id and not problem.case.region_id.startswith(_county(meeting.region_id)):
        raise ValidationError({"case": _("关联诉求不在本区县")})
    with _acting(by):
        problem.save()
    return problem


# --- Political arrangements ------------------------------------------------------------------------------------


def _check_arrangement(arrangement: PoliticalArrangement) -> None:
    errors = {}
    if not arrangement.person_id:
        errors["person"] = _("请选择人士")
    if not arrangement.body:
        errors["body"] = _("请选择安排职务")
    if arrangement.status == ArrangementStatus.ARRANGED and not arrangement.starts_on:
        errors["starts_on"] = _("已安排的须填写任期开始日期")
    if arrangement.starts_on and arrangement.ends_on and arrangement.ends_on < arrangement.starts_on:
        errors["ends_on"] = _("任期结束不能早于任期开始")
    if not arrangement.recommended_on:
        errors["recommended_on"] = _("请填写推荐日期")
    elif arrangement.starts_on and arrangement.starts_on < arrangement.recommended_on:
        errors["starts_on"] = _("任期开始不能早于推荐日期（%(date)s）") % {
            "date": arrangement.recommended_on.isoformat()}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_arrangement(arrangement: PoliticalArrangement, *, by=None) -> PoliticalArrangement:
    """Save a recommendation / seat. Its region is the person's unless a region is given."""
    if arrangement.person_id and not arrangement.region_id:
        arrangement.region_id = arrangement.person.region_id
    if arrangement.person_id:
        _check_persons([arrangement.person], field="person", region_code=arrangement.region_id)
    arrangement.term = _text(arrangement.term)
    arrangement.recommended_by = _text(arrangement.recommended_by)
    _check_arrangement(arrangement)
    with _acting(by):
        arrangement.save()
    return arrangement


@transaction.atomic
def advance_arrangement(arrangement: PoliticalArrangement, to_status: str, *, by=None,
                        starts_on: datetime.date | None = None, ends_on: datetime.date | None = None,
                        note: str = "") -> PoliticalArrangement:
    """推荐 → 考察 → 安排 / 未安排, one step at a time; arranging needs the term's start date."""
    arrangement = PoliticalArrangement.objects.select_for_update().get(pk=arrangement.pk)
    if to_status not in ARRANGEMENT_TRANSITIONS.get(arrangement.status, ()):
        raise ValidationError({"status": _("当前状态为“%(now)s”，不能变更为“%(to)s”") % {
            "now": arrangement.get_status_display(),
            "to": dict(ArrangementStatus.choices).get(to_status, to_status)}})
    arrangement.status = to_status
    if to_status == ArrangementStatus.ARRANGED:
        arrangement.starts_on = starts_on or arrangement.starts_on
        arrangement.ends_on = ends_on or arrangement.ends_on
    if note:
        arrangement.note = "\n".join(filter(None, [arrangement.note, note.strip()]))
    _check_arrangement(arrangement)
    with _acting(by):
        arrangement.save()
    return arrangement


# --- Honours ---------------------------------------------------------------------------------------------------


@transaction.atomic
def save_honour(honour: Honour, *, certificate=None, by=None) -> Honour:
    """An honour to a person (个人) or an association (集体); takes the recipient's region when none is given."""
    honour.title = _text(honour.title)
    errors = {}
    if not honour.title:
        errors["title"] = _("荣誉名称不能为空")
    if honour.kind == HonourKind.PERSON:
        honour.association = None
        if not honour.person_id:
            errors["person"] = _("个人荣誉请选择获得者人士")
    elif honour.kind == HonourKind.ASSOCIATION:
        honour.person = None
        if not honour.association_id:
            errors["association"] = _("集体荣誉请选择获得组织")
    else:
        errors["kind"] = _("请选择类别")
    if not honour.granted_on:
        errors["granted_on"] = _("请填写授予日期")
    elif honour.granted_on > _today():
        errors["granted_on"] = _("授予日期不能晚于今天")
    if errors:
        raise ValidationError(errors)
    recipient = honour.recipient
    if not honour.region_id:
        honour.region_id = recipient.region_id
    if not recipient.region_id.startswith(_county(honour.region_id)):
        raise ValidationError({"person" if honour.kind == HonourKind.PERSON else "association":
                               _("获得者不在本区县")})
    old = _store(honour, certificate, file_field="certificate", name_field="certificate_name") \
        if certificate else None
    with _acting(by):
        honour.save()
    if old and old != honour.certificate.name:
        honour.certificate.storage.delete(old)
    return honour
