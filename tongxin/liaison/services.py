"""Business rules of liaison work: pairings and their members, contact logs, cases and their lifecycle.

Views, forms, the API, the importer and the demo call these functions; messages for bad input are Chinese and
name the field (a `ValidationError` with an error dict where a field is to blame).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import audit, regions
from tongxin.core.context import acting_as, current_actor
from tongxin.core.models import AuditEntry, Region
from tongxin.liaison.models import (
    UNRESOLVED,
    Case,
    CaseNote,
    CaseStatus,
    Contact,
    ContactPerson,
    Feedback,
    Pairing,
    PairingMember,
    RaiserKind,
)
from tongxin.people.models import Person, Status

MAX_INTERVAL_DAYS = 730


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
    return " ".join(str(value or "").split()) if value is not None else ""


def _names(persons: Iterable[Person]) -> str:
    return "、".join(p.name for p in sorted(persons, key=lambda p: (p.name_pinyin, p.pk)))


def _check_persons(persons: list[Person], *, field: str, within: str | None = None) -> None:
    if not persons:
        raise ValidationError({field: _("请至少选择一名人士")})
    for person in persons:
        if person.is_erased:
            raise ValidationError({field: _("“%(name)s”的个人信息已删除，不能选择") % {"name": person.name}})
        if person.status != Status.ACTIVE:
            raise ValidationError({field: _("“%(name)s”的状态为“%(status)s”，只能选择在册人士")
                                   % {"name": person.name, "status": person.get_status_display()}})
        if within is not None and not person.region_id.startswith(within):
            raise ValidationError({field: _("“%(name)s”不在本结对所属区划内") % {"name": person.name}})


# --- Pairings --------------------------------------------------------------------------------------------------


def _check_pairing(pairing: Pairing) -> None:
    errors = {}
    if bool(pairing.leader_user_id) == bool(pairing.leader_person_id):
        errors["leader_user"] = _("请选择结对领导：系统用户或人士库中的领导，二者选一")
    if pairing.leader_person_id and pairing.leader_person.is_erased:
        errors["leader_person"] = _("该人士的个人信息已删除，不能作为结对领导")
    if not pairing.region_id:
        errors["region"] = _("请选择所属区划")
    if pairing.started_on is None:
        errors["started_on"] = _("请填写结对日期")
    elif pairing.ended_on is not None and pairing.ended_on < pairing.started_on:
        errors["ended_on"] = _("结束日期不能早于结对日期")
    interval = pairing.contact_interval_days
    if interval is None or not 1 <= interval <= MAX_INTERVAL_DAYS:
        errors["contact_interval_days"] = _("联系周期应为 1—%(max)s 天") % {"max": MAX_INTERVAL_DAYS}
    pairing.leader_title = _text(pairing.leader_title)
    if errors:
        raise ValidationError(errors)


def save_pairing(*, pairing: Pairing, persons: Iterable[Person], user=None,
                 on: datetime.date | None = None) -> Pairing:
    """Create or update a pairing and bring its members to `persons`.

    A person newly added joins on the pairing's start (a new pairing) or on `on` (today); a person no longer in
    the list leaves on `on` — the row stays, so who was paired on any past day is still known.
    """
    persons = list({p.pk: p for p in persons}.values())
    _check_pairing(pairing)
    _check_persons(persons, field="persons", within=pairing.region_id)
    if pairing.leader_person_id and any(p.pk == pairing.leader_person_id for p in persons):
        raise ValidationError({"persons": _("结对领导不能同时是结对人士")})
    on = on or _today()
    with transaction.atomic(), _acting(user):
        created = pairing.pk is None
        pairing.save()
        open_members = {m.person_id: m for m in pairing.members.filter(removed_on__isnull=True)
                        .select_related("person")}
        wanted = {p.pk: p for p in persons}
        joined_on = pairing.started_on if created else max(on, pairing.started_on)
        added = [p for pk, p in wanted.items() if pk not in open_members]
        removed = [m for pk, m in open_members.items() if pk not in wanted]
        for member in removed:
            member.removed_on = max(on, member.added_on)
            member.save(update_fields=["removed_on"])
        PairingMember.objects.bulk_create([PairingMember(pairing=pairing, person=p, added_on=joined_on)
                                           for p in added])
        if added or removed:
            before = [m.person for m in open_members.values()]
            audit.log(AuditEntry.UPDATE, pairing, changes={
                str(_("结对人士")): [_names(before) or None, _names(persons)]})
    return pairing


def end_pairing(*, pairing: Pairing, ended_on: datetime.date | None = None, reason: str = "",
                user=None) -> Pairing:
    """End a pairing (the leader moved on, the pairing was re-arranged); its members leave on the same day."""
    ended_on = ended_on or _today()
    if pairing.ended_on is not None:
        raise ValidationError(_("该结对已于 %(d)s 结束") % {"d": pairing.ended_on.isoformat()})
    if ended_on < pairing.started_on:
        raise ValidationError({"ended_on": _("结束日期不能早于结对日期")})
    with transaction.atomic(), _acting(user):
        pairing.ended_on = ended_on
        reason = _text(reason)
        if reason:
            pairing.note = f"{pairing.note}\n{ended_on:%Y-%m-%d} {_('结束结对')}：{reason}".strip()
        pairing.save(update_fields=["ended_on", "note", "updated_at"])
        for member in pairing.members.filter(removed_on__isnull=True):
            member.removed_on = max(ended_on, member.added_on)
            member.save(update_fields=["removed_on"])
    return pairing


# --- Contacts --------------------------------------------------------------------------------------------------


def common_region(codes: Iterable[str]) -> str:
    """The deepest region containing every code: their common prefix cut back to a region level that exists."""
    codes = [c for c in codes if c]
    if not codes:
        raise ValueError("no region codes")
    prefix = codes[0]
    for code in codes[1:]:
        length = 0
        while length < min(len(prefix), len(code)) and prefix[length] == code[length]:
            length += 1
        prefix = prefix[:length]
    lengths = [n for n in sorted(regions.LEVEL_BY_LENGTH, reverse=True) if n <= len(prefix)]
    candidates = [prefix[:n] for n in lengths]
    existing = set(Region.objects.filter(code__in=candidates).values_list("code", flat=True))
    for candidate in candidates:
        if candidate in existing:
            return candidate
    raise ValidationError(_("所选人士不属于同一个省，不能记在一条联系记录中"))


def _check_contact(contact: Contact) -> None:
    errors = {}
    if bool(contact.by_user_id) == bool(contact.by_person_id):
        errors["by_user"] = _("请选择联系人：系统用户或人士库中的领导，二者选一")
    if contact.contacted_on is None:
        errors["contacted_on"] = _("请填写联系日期")
    elif contact.contacted_on > _today():
        errors["contacted_on"] = _("联系日期不能晚于今天")
    contact.topic = _text(contact.topic)
    if not contact.topic:
        errors["topic"] = _("请填写联系事由")
    contact.follow_up_note = _text(contact.follow_up_note)
    if not contact.follow_up_needed:
        if contact.follow_up_done_on is not None:
            errors["follow_up_done_on"] = _("不需要跟进的记录不能填写跟进完成日期")
    elif contact.follow_up_done_on is not None and contact.contacted_on is not None \
            and contact.follow_up_done_on < contact.contacted_on:
        errors["follow_up_done_on"] = _("跟进完成日期不能早于联系日期")
    if contact.follow_up_needed and not contact.follow_up_note:
        errors["follow_up_note"] = _("需要跟进时请写明跟进事项")
    if errors:
        raise ValidationError(errors)


def save_contact(*, contact: Contact, persons: Iterable[Person], user=None) -> Contact:
    """Create or update a contact log with the persons contacted.

    The region is derived from the persons (see Contact); the user who enters it is kept as 录入人.
    """
    persons = list({p.pk: p for p in persons}.values())
    _check_contact(contact)
    _check_persons(persons, field="persons")
    if contact.by_person_id and any(p.pk == contact.by_person_id for p in persons):
        raise ValidationError({"persons": _("联系人不能同时是联系对象")})
    contact.region_id = common_region(p.region_id for p in persons)
    with transaction.atomic(), _acting(user):
        created = contact.pk is None
        if created and user is not None and getattr(user, "is_authenticated", False):
            contact.recorded_by = user
        contact.save()
        existing = {link.person_id: link for link in contact.links.select_related("person")}
        wanted = {p.pk for p in persons}
        gone = [link for pk, link in existing.items() if pk not in wanted]
        if gone:
            ContactPerson.objects.filter(pk__in=[link.pk for link in gone]).delete()
        ContactPerson.objects.bulk_create([ContactPerson(contact=contact, person=p, contacted_on=contact.contacted_on)
                                           for p in persons if p.pk not in existing])
        contact.links.exclude(contacted_on=contact.contacted_on).update(contacted_on=contact.contacted_on)
        before = [link.person for link in existing.values()]
        if created or {p.pk for p in before} != wanted:
            audit.log(AuditEntry.UPDATE, contact, changes={
                str(_("联系对象")): [_names(before) or None, _names(persons)]})
    return contact


def complete_follow_up(*, contact: Contact, done_on: datetime.date | None = None, note: str = "",
                       user=None) -> Contact:
    if not contact.follow_up_needed:
        raise ValidationError(_("这条联系记录没有需要跟进的事项"))
    if contact.follow_up_done_on is not None:
        raise ValidationError(_("跟进事项已于 %(d)s 办结") % {"d": contact.follow_up_done_on.isoformat()})
    done_on = done_on or _today()
    if done_on < contact.contacted_on:
        raise ValidationError({"done_on": _("跟进完成日期不能早于联系日期")})
    if done_on > _today():
        raise ValidationError({"done_on": _("跟进完成日期不能晚于今天")})
    with transaction.atomic(), _acting(user):
        contact.follow_up_done_on = done_on
        note = _text(note)
        if note:
            contact.content = f"{contact.content}\n{done_on:%Y-%m-%d} {_('跟进情况')}：{note}".strip()
        contact.save(update_fields=["follow_up_done_on", "content", "updated_at"])
    return contact


# --- Cases -----------------------------------------------------------------------------------------------------

TRANSITIONS = {
    CaseStatus.OPEN: (CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.CLOSED),
    CaseStatus.IN_PROGRESS: (CaseStatus.RESOLVED, CaseStatus.CLOSED),
    CaseStatus.RESOLVED: (CaseStatus.CLOSED, CaseStatus.IN_PROGRESS),
    CaseStatus.CLOSED: (),
}


def allowed_transitions(case: Case) -> tuple[str, ...]:
    return tuple(TRANSITIONS[CaseStatus(case.status)])


def _check_case(case: Case) -> None:
    errors = {}
    case.title = _text(case.title)
    if not case.title:
        errors["title"] = _("请填写诉求标题")
    if not case.category:
        errors["category"] = _("请选择诉求类别")
    kind = case.raiser_kind
    if kind == RaiserKind.PERSON:
        if not case.raised_by_person_id:
            errors["raised_by_person"] = _("反映方为人士时，请选择反映人")
        elif case.raised_by_person.is_erased:
            errors["raised_by_person"] = _("该人士的个人信息已删除，不能选择")
        case.raised_by_association = None
    elif kind == RaiserKind.ASSOCIATION:
        if not case.raised_by_association_id:
            errors["raised_by_association"] = _("反映方为组织时，请选择反映组织")
        case.raised_by_person = None
    elif kind == RaiserKind.COMMUNITY:
        if not case.region_id:
            errors["region"] = _("反映方为社区时，请选择社区（村）")
        case.raised_by_person = None
        case.raised_by_association = None
    else:
        errors["raiser_kind"] = _("请选择反映方")
    if case.opened_on is None:
        errors["opened_on"] = _("请填写受理日期")
    elif case.opened_on > _today():
        errors["opened_on"] = _("受理日期不能晚于今天")
    elif case.deadline is not None and case.deadline < case.opened_on:
        errors["deadline"] = _("办理时限不能早于受理日期")
    if errors:
        raise ValidationError(errors)
    if kind == RaiserKind.PERSON:
        case.region_id = case.raised_by_person.region_id
    elif kind == RaiserKind.ASSOCIATION:
        case.region_id = case.raised_by_association.region_id


def save_case(*, case: Case, user=None) -> Case:
    """Register a case or change its particulars; status changes go through `change_case_status`.

    The region follows the raiser: the person's or the association's region, or the community chosen.
    """
    _check_case(case)
    with transaction.atomic(), _acting(user):
        created = case.pk is None
        if created:
            case.status = CaseStatus.OPEN
        case.save()
        if created:
            CaseNote.objects.create(case=case, kind=CaseNote.STATUS, noted_on=case.opened_on, author=_author(user),
                                    text=_("受理诉求") + (f"，{_('承办人')}：{case.taken_by}" if case.taken_by_id else ""))
    return case


def _author(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def change_case_status(*, case: Case, status: str, user=None, note: str = "", resolution: str = "",
                       on: datetime.date | None = None) -> Case:
    """Move a case along open → in progress → resolved → closed.

    Resolving needs the resolution (what was done); closing a case that was never resolved needs the reason;
    reopening a resolved case clears its resolution date, so it no longer counts as resolved.
    """
    on = on or _today()
    note, resolution = _text(note), str(resolution or "").strip()
    with transaction.atomic(), _acting(user):
        case = Case._base_manager.select_for_update().get(pk=case.pk)
        current = CaseStatus(case.status)
        try:
            target = CaseStatus(status)
        except ValueError:
            raise ValidationError({"status": _("未知的状态“%(s)s”") % {"s": status}}) from None
        if target not in TRANSITIONS[current]:
            raise ValidationError({"status": _("诉求当前为“%(from)s”，不能改为“%(to)s”")
                                   % {"from": current.label, "to": target.label}})
        if on > _today():
            raise ValidationError({"on": _("日期不能晚于今天")})
        if on < case.opened_on:
            raise ValidationError({"on": _("日期不能早于受理日期 %(d)s") % {"d": case.opened_on.isoformat()}})
        fields = ["status", "updated_at"]
        if target == CaseStatus.RESOLVED:
            if not resolution:
                raise ValidationError({"resolution": _("办结时请填写办理结果")})
            case.resolution, case.resolved_on = resolution, on
            fields += ["resolution", "resolved_on"]
        elif target == CaseStatus.CLOSED:
            if current != CaseStatus.RESOLVED and not note:
                raise ValidationError({"note": _("未解决的诉求关闭时请说明原因")})
            case.closed_on = on
            fields.append("closed_on")
        elif target == CaseStatus.IN_PROGRESS:
            if current == CaseStatus.RESOLVED:
                if not note:
                    raise ValidationError({"note": _("重新办理时请说明原因")})
                case.resolved_on = None
                fields.append("resolved_on")
            if case.taken_by_id is None and _author(user) is not None:
                case.taken_by = user
                fields.append("taken_by")
        case.status = target
        case.save(update_fields=fields)
        text = _("状态：%(from)s → %(to)s") % {"from": current.label, "to": target.label}
        details = [t for t in (resolution if target == CaseStatus.RESOLVED else "", note) if t]
        CaseNote.objects.create(case=case, kind=CaseNote.STATUS, noted_on=on, author=_author(user),
                                text="\n".join([text, *details]))
    return case


def add_case_note(*, case: Case, text: str, user=None, noted_on: datetime.date | None = None) -> CaseNote:
    text = str(text or "").strip()
    noted_on = noted_on or _today()
    if not text:
        raise ValidationError({"text": _("请填写办理进展")})
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("诉求已关闭，不能再添加办理进展"))
    if noted_on > _today():
        raise ValidationError({"noted_on": _("日期不能晚于今天")})
    if noted_on < case.opened_on:
        raise ValidationError({"noted_on": _("日期不能早于受理日期 %(d)s") % {"d": case.opened_on.isoformat()}})
    with _acting(user):
        return CaseNote.objects.create(case=case, kind=CaseNote.NOTE, noted_on=noted_on, author=_author(user),
                                       text=text)


def record_feedback(*, case: Case, feedback: str, note: str = "", user=None) -> Case:
    """The raiser's view of how the case was handled, once it is resolved (or closed)."""
    if case.status in UNRESOLVED:
        raise ValidationError(_("诉求办结后才能登记反映方评价"))
    try:
        value = Feedback(feedback)
    except ValueError:
        raise ValidationError({"feedback": _("请选择评价：满意、基本满意或不满意")}) from None
    note = _text(note)
    with transaction.atomic(), _acting(user):
        case.feedback, case.feedback_note = value, note[:300]
        case.save(update_fields=["feedback", "feedback_note", "updated_at"])
        CaseNote.objects.create(case=case, kind=CaseNote.FEEDBACK, noted_on=_today(), author=_author(user),
                                text=f"{value.label}" + (f"：{note}" if note else ""))
    return case
