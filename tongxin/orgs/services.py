"""Business rules of associations, memberships, officers, council terms, rules, funds, liaison posts and teams.

Views, forms, the API, imports and the demo all write through these keyword-argument functions; each checks its
rules, writes in one transaction and leaves an audit entry (AuditedModel's signals for single saves, explicit
`audit.log`/`log_bulk` for bulk writes and for what signals cannot see, such as a team's members).
"""

from __future__ import annotations

import contextlib
import datetime
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import audit, files, regions, validators
from tongxin.core.context import acting_as, current_actor
from tongxin.core.models import AuditEntry, Region
from tongxin.core.scope import in_scope
from tongxin.core.services import dict_choices
from tongxin.orgs import selectors
from tongxin.orgs.models import (
    OPEN_MEMBERSHIP,
    Association,
    AssociationStatus,
    CouncilTerm,
    FundEntry,
    FundKind,
    LiaisonPost,
    Membership,
    MembershipStatus,
    OfficerRole,
    OfficerTerm,
    PostKind,
    PostUnit,
    Rule,
    Team,
)
from tongxin.people.models import Status

MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")

# The document types a rule or a fund entry may carry (checked by content too: tongxin.core.files).
DOCUMENT_TYPES = (".pdf", ".doc", ".docx", ".xlsx", ".jpg", ".jpeg", ".png")



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


def _not_future(value: datetime.date | None, field: str, label: str) -> None:
    if value and value > _today():
        raise ValidationError({field: _("%(label)s不能晚于今天") % {"label": label}})


def _order(start: datetime.date | None, end: datetime.date | None, field: str, message: str) -> None:
    if start and end and end < start:
        raise ValidationError({field: message})


# --- Uploaded documents ----------------------------------------------------------------------------------------------


def check_document(upload, *, field: str = "document") -> str:
    """Refuse an upload that is too large or not one of the accepted types (by extension and by content)."""
    return files.check_upload(upload, allowed=DOCUMENT_TYPES, field=field)


# --- Associations ----------------------------------------------------------------------------------------------------


def _check_dict(code: str, value: str, field: str, label: str) -> None:
    if value not in {c for c, _label in dict_choices(code)}:
        raise ValidationError({field: _("请选择有效的%(label)s") % {"label": label}})


def _check_parent(association: Association) -> None:
    parent = association.parent
    if parent is None:
        return
    if association.pk and (parent.pk == association.pk or parent.pk in selectors.descendant_ids(association)):
        raise ValidationError({"parent": _("上级组织不能是本组织或其下级组织")})
    if association.region_id and not association.region_id.startswith(parent.region_id):
        raise ValidationError({"parent": _("本组织的所属区划应在上级组织“%(p)s”的区划范围内") % {"p": parent.name}})
    if parent.status == AssociationStatus.DISSOLVED and association.status == AssociationStatus.ACTIVE:
        raise ValidationError({"parent": _("上级组织“%(p)s”已撤销") % {"p": parent.name}})


def save_association(association: Association, *, user=None) -> Association:
    """Create or change an association. Dissolving it (status 已撤销 with a date) ends its open memberships,
    officer terms and council term on that date and closes pending applications; its branches must be
    dissolved first."""
    association.name = validators.normalize_text(association.name)
    if not association.name:
        raise ValidationError({"name": _("组织名称不能为空")})
    _check_dict("association_kind", association.kind, "kind", _("组织类型"))
    _check_dict("association_level", association.level, "level", _("组织层级"))
    if not association.founded_on:
        raise ValidationError({"founded_on": _("请填写成立日期")})
    _not_future(association.founded_on, "founded_on", _("成立日期"))
    dissolving = False
    if association.status == AssociationStatus.DISSOLVED:
        if not association.dissolved_on:
            raise ValidationError({"dissolved_on": _("已撤销的组织须填写撤销日期")})
        _not_future(association.dissolved_on, "dissolved_on", _("撤销日期"))
        _order(association.founded_on, association.dissolved_on, "dissolved_on", _("撤销日期不能早于成立日期"))
        before = Association._base_manager.filter(pk=association.pk).values_list("status", flat=True).first()
        dissolving = before != AssociationStatus.DISSOLVED
        if association.pk and Association._base_manager.filter(
                parent_id=association.pk, status=AssociationStatus.ACTIVE).exists():
            raise ValidationError({"status": _("请先撤销其下级组织")})
    else:
        association.dissolved_on = None
    _check_parent(association)
    with transaction.atomic(), _acting(user):
        association.save()
        if dissolving:
            close_for_dissolution(association)
    return association


def close_for_dissolution(association: Association) -> None:
    """End what a dissolved association still has open, on its dissolution date (memberships, officer and
    council terms; pending applications are closed as not admitted)."""
    day = association.dissolved_on
    reason = _("组织撤销")
    ended = list(Membership.objects.filter(association=association, status=MembershipStatus.ADMITTED))
    for membership in ended:
        membership.status, membership.left_on = MembershipStatus.LEFT, max(day, membership.joined_on or day)
        membership.left_reason = reason
    Membership.objects.bulk_update(ended, ["status", "left_on", "left_reason"])
    pending = list(Membership.objects.filter(association=association, status=MembershipStatus.APPLIED))
    for membership in pending:
        membership.status, membership.review_note = MembershipStatus.REJECTED, reason
    Membership.objects.bulk_update(pending, ["status", "review_note"])
    terms = list(OfficerTerm.objects.filter(association=association, ended_on__isnull=True))
    for term in terms:
        term.ended_on = max(day, term.started_on)
    OfficerTerm.objects.bulk_update(terms, ["ended_on"])
    CouncilTerm.objects.filter(association=association, ended_on__isnull=True, started_on__lte=day).update(
        ended_on=day)
    audit.log_bulk(AuditEntry.UPDATE, [(m, {"status": [MembershipStatus.ADMITTED, MembershipStatus.LEFT],
                                            "left_on": [None, day.isoformat()]}) for m in ended]
                   + [(m, {"status": [MembershipStatus.APPLIED, MembershipStatus.REJECTED]}) for m in pending]
                   + [(t, {"ended_on": [None, t.ended_on.isoformat()]}) for t in terms], message=reason)


# --- Memberships -----------------------------------------------------------------------------------------------------


def _open_membership(association, person):
    return Membership.objects.filter(association=association, person=person, status__in=OPEN_MEMBERSHIP).first()


def _check_can_join(association: Association, person) -> None:
    if association.status != AssociationStatus.ACTIVE:
        raise ValidationError(_("“%(a)s”已撤销，不能再吸收会员") % {"a": association.name})
    if getattr(person, "is_erased", False):
        raise ValidationError(_("该人士的个人信息已删除"))
    if person.status != Status.ACTIVE:  # moved out, withdrawn, deceased
        raise ValidationError(_("%(p)s的状态为“%(s)s”，不能加入组织") % {
            "p": person.name, "s": person.get_status_display()})
    existing = _open_membership(association, person)
    if existing is not None:
        raise ValidationError(_("%(p)s已是“%(a)s”的会员或已提交入会申请（%(s)s）") % {
            "p": person.name, "a": association.name, "s": existing.get_status_display()})


def apply_membership(*, association: Association, person, applied_on: datetime.date | None = None, note: str = "",
                     user=None) -> Membership:
    """An application to join (申请中), to be reviewed with `review_membership`."""
    applied_on = applied_on or _today()
    _not_future(applied_on, "applied_on", _("申请日期"))
    with transaction.atomic(), _acting(user):
        _check_can_join(association, person)
        try:
            with transaction.atomic():
                return Membership.objects.create(association=association, person=person, applied_on=applied_on,
                                                 status=MembershipStatus.APPLIED, note=note[:300])
        except IntegrityError:
            raise ValidationError(_("%(p)s已提交入会申请") % {"p": person.name}) from None


def review_membership(membership: Membership, *, approve: bool, reviewer, note: str = "",
                      joined_on: datetime.date | None = None) -> Membership:
    """Admit (已入会, from `joined_on`, default today) or reject (未通过, with a reason) an application."""
    note = validators.normalize_text(note or "")[:300]
    with transaction.atomic(), _acting(reviewer):
        membership = Membership.objects.select_for_update().select_related("association", "person").get(
            pk=membership.pk)
        if membership.status != MembershipStatus.APPLIED:
            raise ValidationError(_("该记录不是待审核的入会申请（当前：%(s)s）") % {
                "s": membership.get_status_display()})
        if approve:
            joined_on = joined_on or _today()
            _not_future(joined_on, "joined_on", _("入会日期"))
            _order(membership.applied_on, joined_on, "joined_on", _("入会日期不能早于申请日期"))
            if membership.association.status != AssociationStatus.ACTIVE:
                raise ValidationError(_("“%(a)s”已撤销，不能再吸收会员") % {"a": membership.association.name})
            if membership.person.status != Status.ACTIVE:
                raise ValidationError(_("%(p)s的状态已变为“%(s)s”，不能入会；请不予通过") % {
                    "p": membership.person.name, "s": membership.person.get_status_display()})
            membership.status, membership.joined_on = MembershipStatus.ADMITTED, joined_on
        else:
            if not note:
                raise ValidationError({"note": _("不通过时请填写理由")})
            membership.status = MembershipStatus.REJECTED
        membership.reviewed_by = reviewer if getattr(reviewer, "is_authenticated", False) else None
        membership.reviewed_at = timezone.now()
        membership.review_note = note
        membership.save()
    return membership


def end_membership(membership: Membership, *, left_on: datetime.date | None = None, reason: str = "",
                   user=None) -> Membership:
    """A member leaves (已退会) on `left_on`: from then on the person no longer counts as a member."""
    left_on = left_on or _today()
    with transaction.atomic(), _acting(user):
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.status != MembershipStatus.ADMITTED:
            raise ValidationError(_("只有已入会的会员才能办理退会（当前：%(s)s）") % {
                "s": membership.get_status_display()})
        _not_future(left_on, "left_on", _("退会日期"))
        _order(membership.joined_on, left_on, "left_on", _("退会日期不能早于入会日期"))
        membership.status, membership.left_on = MembershipStatus.LEFT, left_on
        membership.left_reason = validators.normalize_text(reason or "")[:200]
        membership.save()
    return membership


def add_members(*, association: Association, persons, joined_on: datetime.date | None = None, apply: bool = False,
                note: str = "", user=None) -> tuple[list[Membership], list]:
    """Admit many persons at once (or register their applications when `apply`). Persons who already have an
    open membership of the association are returned as skipped, not duplicated; persons who are not 在册 (moved
    out, withdrawn, deceased) refuse the whole call, naming them. Bulk insert, one audit row each."""
    day = joined_on or _today()
    _not_future(day, "joined_on", _("入会日期"))
    if association.status != AssociationStatus.ACTIVE:
        raise ValidationError(_("“%(a)s”已撤销，不能再吸收会员") % {"a": association.name})
    persons = [p for p in persons if not getattr(p, "is_erased", False)]
    gone = [f"{p.name}（{p.get_status_display()}）" for p in persons if p.status != Status.ACTIVE]
    if gone:
        raise ValidationError(_("以下人士不是“在册”状态，不能加入组织：%(names)s") % {"names": "、".join(gone)})
    with transaction.atomic(), _acting(user):
        taken = set(Membership.objects.select_for_update().filter(
            association=association, person__in=persons, status__in=OPEN_MEMBERSHIP).values_list("person_id",
                                                                                                 flat=True))
        skipped = [p for p in persons if p.pk in taken]
        seen: set[int] = set()
        rows = []
        for person in persons:
            if person.pk in taken or person.pk in seen:
                continue
            seen.add(person.pk)
            rows.append(Membership(association=association, person=person, note=note[:300],
                                   status=MembershipStatus.APPLIED if apply else MembershipStatus.ADMITTED,
                                   applied_on=day if apply else None, joined_on=None if apply else day))
        Membership.objects.bulk_create(rows, batch_size=1000)
        audit.log_bulk(AuditEntry.CREATE, [(m, {"person": [None, m.person.name], "status": [None, m.status],
                                               "joined_on": [None, m.joined_on.isoformat() if m.joined_on else None]})
                                           for m in rows], message=_("批量添加会员"))
    return rows, skipped


# The most persons one “加入组织” submission from the person list may carry (the list shows 50 a page).
BULK_JOIN_MAX = 500


@dataclass(frozen=True)
class JoinSkip:
    """A person `bulk_join` left out: `reason` is shared by everyone left out for the same cause (the message groups
    by it), `detail` is this person's own fact (their region, their joining date)."""

    person: object
    reason: str
    detail: str = ""
    order: int = 0  # which check left the person out: groups are listed in this order

    @property
    def label(self) -> str:
        person = self.person
        name = _("编号%(pk)s的人士") % {"pk": person.pk} if getattr(person, "is_erased", False) or not person.name \
            else person.name
        return f"{name}（{self.detail}）" if self.detail else name

    def __str__(self) -> str:
        return _("%(who)s：%(why)s") % {"who": self.label, "why": self.reason}


@dataclass
class JoinResult:
    created: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    def skipped_by_reason(self) -> list[str]:
        """One line per reason, in the order the checks run (erased, not 在册, outside the area, member, applicant,
        raced), persons in the order given: “reason（n 人）：name（detail）、…”."""
        groups: dict[str, list[JoinSkip]] = {}
        for skip in sorted(self.skipped, key=lambda s: s.order):
            groups.setdefault(skip.reason, []).append(skip)
        return [_("%(why)s（%(n)s 人）：%(who)s") % {"why": why, "n": len(items),
                                                     "who": "、".join(s.label for s in items)}
                for why, items in groups.items()]


def bulk_join(*, association: Association, persons, joined_on: datetime.date | None = None, note: str = "",
              user=None) -> JoinResult:
    """Admit the persons picked on the person list to `association` from `joined_on` (default today).

    Partial by design: every valid person is admitted and every other one is returned in `skipped` with the
    reason — a person whose information was erased, one who is not 在册 (moved out, withdrawn, deceased), one
    outside the association's region (its code must start with the association's), one who already has an open
    membership (admitted, or an application pending).
    What concerns the whole submission is refused with a ValidationError and nothing is written: no person, more
    than BULK_JOIN_MAX, a dissolved association, a joining date in the future or before the founding date.
    When `user` is given, the association and every person must be in that user's scope (PermissionDenied naming
    nothing otherwise: views restrict their querysets first and answer 404). All writes happen in one transaction
    through `add_members`, which leaves one audit entry per new membership."""
    unique, seen = [], set()
    for person in persons:
        if person.pk not in seen:
            seen.add(person.pk)
            unique.append(person)
    if not unique:
        raise ValidationError(_("请先勾选要加入组织的人士"))
    if len(unique) > BULK_JOIN_MAX:
        raise ValidationError(_("一次最多可将 %(max)s 人加入组织，本次选择了 %(n)s 人，请分批操作") % {
            "max": BULK_JOIN_MAX, "n": len(unique)})
    if user is not None and (not in_scope(user, association.region_id)
                             or any(not in_scope(user, p.region_id) for p in unique)):
        raise PermissionDenied
    if association.status != AssociationStatus.ACTIVE:
        raise ValidationError(_("“%(a)s”已撤销，不能再吸收会员") % {"a": association.name})
    day = joined_on or _today()
    _not_future(day, "joined_on", _("入会日期"))
    if association.founded_on and day < association.founded_on:
        raise ValidationError({"joined_on": _("入会日期不能早于“%(a)s”的成立日期（%(d)s）") % {
            "a": association.name, "d": association.founded_on.isoformat()}})
    area = association.region.name if association.region_id else ""
    result = JoinResult()
    with transaction.atomic(), _acting(user):
        open_rows = {m.person_id: m for m in Membership.objects.select_for_update().filter(
            association=association, person__in=unique, status__in=OPEN_MEMBERSHIP)}
        valid = []
        for person in unique:
            existing = open_rows.get(person.pk)
            detail = ""
            if getattr(person, "is_erased", False):
                order, reason = 1, _("个人信息已删除，不能加入组织")
            elif person.status != Status.ACTIVE:
                order, reason, detail = 2, _("不是“在册”状态，不能加入组织"), person.get_status_display()
            elif not (person.region_id or "").startswith(association.region_id):
                order, reason = 3, _("所在区划不在本组织的区划范围（%(a)s）内") % {"a": area}
                detail = person.region.name if person.region_id else _("区划未填写")
            elif existing is not None and existing.status == MembershipStatus.ADMITTED:
                order, reason = 4, _("已是本组织会员，未重复添加")
                detail = _("%(d)s入会") % {"d": existing.joined_on.isoformat()} if existing.joined_on else ""
            elif existing is not None:
                order, reason = 5, _("已提交入会申请、待审核，未重复添加")
                detail = _("%(d)s申请") % {"d": existing.applied_on.isoformat()} if existing.applied_on else ""
            else:
                valid.append(person)
                continue
            result.skipped.append(JoinSkip(person, reason, detail, order))
        if valid:
            try:
                with transaction.atomic():
                    created, raced = add_members(association=association, persons=valid, joined_on=day,
                                                 note=validators.normalize_text(note or "")[:300], user=user)
            except IntegrityError:
                raise ValidationError(_("其他用户正在同时添加会员，请刷新后重试")) from None
            result.created = created
            result.skipped += [JoinSkip(p, _("已是本组织会员或已申请，未重复添加"), order=6) for p in raced]
    return result


# --- Officers and council terms --------------------------------------------------------------------------------------


def save_officer_term(term: OfficerTerm, *, user=None) -> OfficerTerm:
    if term.role not in OfficerRole.values:
        raise ValidationError({"role": _("请选择职务")})
    if not term.started_on:
        raise ValidationError({"started_on": _("请填写任职日期")})
    _not_future(term.started_on, "started_on", _("任职日期"))
    _order(term.started_on, term.ended_on, "ended_on", _("离任日期不能早于任职日期"))
    if term.council_term_id and term.council_term.association_id != term.association_id:
        raise ValidationError({"council_term": _("所选届次不属于该组织")})
    if getattr(term.person, "is_erased", False):
        raise ValidationError({"person": _("该人士的个人信息已删除")})
    with transaction.atomic(), _acting(user):
        term.save()
    return term


def save_council_term(term: CouncilTerm, *, user=None) -> CouncilTerm:
    """Record a council term. Recording term N+1 ends term N (if still open) on the new term's start."""
    if not term.number or term.number < 1:
        raise ValidationError({"number": _("届次应为正整数")})
    if not term.started_on or not term.due_on:
        raise ValidationError({"due_on": _("请填写产生日期和应换届日期")})
    _not_future(term.started_on, "started_on", _("产生日期"))
    if term.due_on <= term.started_on:
        raise ValidationError({"due_on": _("应换届日期应晚于产生日期")})
    _order(term.started_on, term.ended_on, "ended_on", _("届满日期不能早于产生日期"))
    clash = CouncilTerm.objects.filter(association_id=term.association_id, number=term.number).exclude(pk=term.pk)
    if clash.exists():
        raise ValidationError({"number": _("该组织已有第%(n)s届理事会") % {"n": term.number}})
    with transaction.atomic(), _acting(user):
        adding = term._state.adding
        term.save()
        if adding:
            for previous in CouncilTerm.objects.filter(association_id=term.association_id, number__lt=term.number,
                                                       ended_on__isnull=True, started_on__lte=term.started_on):
                previous.ended_on = term.started_on
                previous.save()
    return term


# --- Rules -----------------------------------------------------------------------------------------------------------


def save_rule(rule: Rule, *, document=None, user=None) -> Rule:
    """An association's rule takes the association's region; a department's rule (no association) names the
    department. A new document replaces the old one, stored under a random name."""
    rule.title = validators.normalize_text(rule.title or "")
    if not rule.title:
        raise ValidationError({"title": _("制度名称不能为空")})
    if rule.association_id:
        rule.region_id = rule.association.region_id
    elif not rule.region_id:
        raise ValidationError({"region": _("部门制度须选择所属区划")})
    elif not rule.department:
        raise ValidationError({"department": _("部门制度须填写制定部门")})
    if not rule.effective_from:
        raise ValidationError({"effective_from": _("请填写施行日期")})
    _order(rule.effective_from, rule.effective_to, "effective_to", _("废止日期不能早于施行日期"))
    old_file = None
    if document is not None:
        extension = check_document(document)
        rule.document_name = os.path.basename(document.name)[:200]
        files.random_name(document, extension)
        old_file = rule.document.name if rule.pk and rule.document else None
        rule.document = document
    with transaction.atomic(), _acting(user):
        rule.save()
    if old_file and old_file != rule.document.name:
        rule.document.storage.delete(old_file)
    return rule


# --- Funds -----------------------------------------------------------------------------------------------------------


def _amount(value) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("金额应为数字")}) from None
    if not amount.is_finite():
        raise ValidationError({"amount": _("金额应为数字")})
    if amount <= 0:
        raise ValidationError({"amount": _("金额应大于 0")})
    if amount > MAX_AMOUNT:
        raise ValidationError({"amount": _("金额过大")})
    if amount != amount.quantize(CENT):
        raise ValidationError({"amount": _("金额最多两位小数")})
    return amount.quantize(CENT)


def add_fund_entry(*, association: Association, kind: str, amount, date: datetime.date,
                   source_department: str = "", purpose: str = "", activity_ref: str | None = None,
                   note: str = "", attachment=None, user=None) -> FundEntry:
    """Record an allocation received (拨付, from a department) or an expenditure (支出, for a purpose)."""
    if kind not in FundKind.values:
        raise ValidationError({"kind": _("请选择拨付或支出")})
    amount = _amount(amount)
    if not date:
        raise ValidationError({"date": _("请填写日期")})
    _not_future(date, "date", _("日期"))
    source_department = validators.normalize_text(source_department or "")[:200]
    purpose = validators.normalize_text(purpose or "")[:200]
    if kind == FundKind.ALLOCATION and not source_department:
        raise ValidationError({"source_department": _("拨付须填写拨付单位")})
    if kind == FundKind.EXPENDITURE and not purpose:
        raise ValidationError({"purpose": _("支出须填写用途")})
    entry = FundEntry(association=association, kind=kind, amount=amount, date=date,
                      source_department=source_department if kind == FundKind.ALLOCATION else "",
                      purpose=purpose if kind == FundKind.EXPENDITURE else "",
                      activity_ref=(activity_ref or None), note=validators.normalize_text(note or "")[:300],
                      entered_by=user if getattr(user, "is_authenticated", False) else None)
    if attachment is not None:
        extension = check_document(attachment, field="attachment")
        entry.attachment_name = os.path.basename(attachment.name)[:200]
        files.random_name(attachment, extension)
        entry.attachment = attachment
    with transaction.atomic(), _acting(user):
        entry.save()
    return entry


def reverse_fund_entry(entry: FundEntry, *, reason: str, user=None, date: datetime.date | None = None) -> FundEntry:
    """Cancel an entry with a reversing one (same kind, opposite amount), dated like the original unless told
    otherwise, so that the period the mistake fell in is corrected. An entry is reversed at most once."""
    reason = validators.normalize_text(reason or "")
    if not reason:
        raise ValidationError({"reason": _("请填写冲正原因")})
    with transaction.atomic(), _acting(user):
        entry = FundEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.reverses_id:
            raise ValidationError(_("冲正记录不能再次冲正"))
        if FundEntry.objects.filter(reverses=entry).exists():
            raise ValidationError(_("该记录已冲正"))
        day = date or entry.date
        _not_future(day, "date", _("冲正日期"))
        reversal = FundEntry(association_id=entry.association_id, kind=entry.kind, amount=-entry.amount, date=day,
                             source_department=entry.source_department, purpose=entry.purpose,
                             activity_ref=entry.activity_ref, reverses=entry,
                             note=(_("冲正：%(r)s") % {"r": reason})[:300],
                             entered_by=user if getattr(user, "is_authenticated", False) else None)
        reversal.save()
    return reversal


# --- Liaison posts ---------------------------------------------------------------------------------------------------

UNITS_OF_KIND = {
    PostKind.COMMITTEE_MEMBER: (PostUnit.TOWNSHIP, PostUnit.PARK, PostUnit.UNIVERSITY),
    PostKind.LIAISON_OFFICER: (PostUnit.COMMUNITY, PostUnit.VILLAGE),
}
LEVELS_OF_UNIT = {
    PostUnit.TOWNSHIP: (regions.LEVEL_TOWNSHIP,),
    PostUnit.PARK: (regions.LEVEL_COUNTY, regions.LEVEL_TOWNSHIP),
    PostUnit.UNIVERSITY: (regions.LEVEL_CITY, regions.LEVEL_COUNTY, regions.LEVEL_TOWNSHIP),
    PostUnit.COMMUNITY: (regions.LEVEL_VILLAGE,),
    PostUnit.VILLAGE: (regions.LEVEL_VILLAGE,),
}


def save_liaison_post(post: LiaisonPost, *, user=None) -> LiaisonPost:
    """A 统战委员 covers a township (or sits in a park or university); a 统战联络员 covers a community or village.
    The holder's name is taken from the chosen user or person when not typed."""
    if post.kind not in UNITS_OF_KIND:
        raise ValidationError({"kind": _("请选择岗位")})
    if post.unit_type not in UNITS_OF_KIND[post.kind]:
        raise ValidationError({"unit_type": _("%(kind)s应设在%(units)s") % {
            "kind": post.get_kind_display(),
            "units": "、".join(str(PostUnit(u).label) for u in UNITS_OF_KIND[post.kind])}})
    region = Region.objects.filter(code=post.region_id).first() if post.region_id else None
    if region is None:
        raise ValidationError({"region": _("请选择所覆盖的区划")})
    if region.level not in LEVELS_OF_UNIT[post.unit_type]:
        wanted = "、".join(str(dict(Region.LEVEL_CHOICES)[level]) for level in LEVELS_OF_UNIT[post.unit_type])
        raise ValidationError({"region": _("%(unit)s的区划应为%(levels)s一级，“%(r)s”不是") % {
            "unit": PostUnit(post.unit_type).label, "levels": wanted, "r": region.name}})
    if not post.holder_name:
        if post.holder_person_id:
            post.holder_name = post.holder_person.name
        elif post.holder_user_id:
            post.holder_name = post.holder_user.display_name or post.holder_user.username
    post.holder_name = validators.normalize_text(post.holder_name or "")[:50]
    if not post.holder_name:
        raise ValidationError({"holder_name": _("请填写任职人，或选择平台用户、人士库人员")})
    post.unit_name = validators.normalize_text(post.unit_name or "")
    if not post.unit_name and post.unit_type in (PostUnit.PARK, PostUnit.UNIVERSITY):
        raise ValidationError({"unit_name": _("请填写园区或高校名称")})
    if not post.since:
        raise ValidationError({"since": _("请填写任职日期")})
    _not_future(post.since, "since", _("任职日期"))
    _order(post.since, post.until, "until", _("离任日期不能早于任职日期"))
    with transaction.atomic(), _acting(user):
        post.save()
    return post


# --- Teams -----------------------------------------------------------------------------------------------------------


def save_team(team: Team, *, members=None, user=None) -> Team:
    """Save a team and (when given) its members; the leader is always a member. Member changes are audited."""
    team.name = validators.normalize_text(team.name or "")
    if not team.name:
        raise ValidationError({"name": _("队伍名称不能为空")})
    if not team.founded_on:
        raise ValidationError({"founded_on": _("请填写成立日期")})
    _not_future(team.founded_on, "founded_on", _("成立日期"))
    _order(team.founded_on, team.dissolved_on, "dissolved_on", _("撤销日期不能早于成立日期"))
    if team.association_id and team.region_id and not team.region_id.startswith(team.association.region_id):
        raise ValidationError({"association": _("依托组织的区划应包含队伍所在区划")})
    with transaction.atomic(), _acting(user):
        team.save()
        wanted = None if members is None else {p.pk for p in members}
        if team.leader_id:
            wanted = (wanted if wanted is not None else set(team.members.values_list("pk", flat=True)))
            wanted.add(team.leader_id)
        if wanted is not None:
            have = set(team.members.values_list("pk", flat=True))
            added, removed = wanted - have, have - wanted
            if added:
                team.members.add(*added)
            if removed:
                team.members.remove(*removed)
            if added or removed:
                audit.log(AuditEntry.UPDATE, team, changes={"members": [len(have), len(wanted)]},
                          message=_("队员：新增 %(a)s 人，移出 %(r)s 人") % {"a": len(added), "r": len(removed)})
    return team
