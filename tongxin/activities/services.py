"""Business rules of activities: saving activities, sign-up, check-in and attendance, training classes, and the
points ledger (rules, awards, adjustments, redemption).

Views, forms, the API, the importers, the demo and the members' portal call these functions; bad input raises a
`ValidationError` with a Chinese message (an error dict naming the field where a field is to blame).

Check-in is safe under concurrent requests the way pretix's is: the unique (activity, person) constraint decides
which of two simultaneous scans wins, inside a savepoint, and the loser is told "已签到". Points for a source are
unique per (person, trigger, source) too, so a retried award cannot double a balance; a balance is always the sum
of the person's ledger entries.
"""

from __future__ import annotations

import contextlib
import datetime
import secrets
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.activities.models import (
    Activity,
    Attendance,
    AttendanceSource,
    ClassSession,
    PointEntry,
    PointKind,
    PointRule,
    PointTrigger,
    Redemption,
    Registration,
    RegistrationStatus,
    Reward,
    SessionAttendance,
    SignupMode,
    Trainee,
    TrainingClass,
    new_checkin_token,
)
from tongxin.activities.selectors import activity_type_labels
from tongxin.core import audit, regions
from tongxin.core.context import acting_as, current_actor
from tongxin.core.models import AuditEntry
from tongxin.people.models import Person, Status

CHECKIN_MARGIN = datetime.timedelta(hours=1)


@contextlib.contextmanager
def _acting(user):
    """Attribute the audit entries written inside to `user` when a caller names one explicitly."""
    actor = current_actor()
    if user is None or actor.user == user or not getattr(user, "is_authenticated", False):
        yield
        return
    with acting_as(user, ip=actor.ip, source=actor.source if actor.source != "system" else "web"):
        yield


def _now() -> datetime.datetime:
    return timezone.now()


def _fmt(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def region_prefixes(code: str) -> list[str]:
    """The region itself and every region above it (code prefixes at each level), deepest first."""
    return [code[:n] for n in sorted(regions.LEVEL_BY_LENGTH, reverse=True) if n <= len(code or "")]


def _check_person(person: Person, *, field: str = "person") -> None:
    if person.is_erased:
        raise ValidationError({field: _("“%(name)s”的个人信息已删除") % {"name": person.name}})
    if person.status != Status.ACTIVE:
        raise ValidationError({field: _("“%(name)s”的状态为“%(status)s”，只能选择在册人士")
                               % {"name": person.name, "status": person.get_status_display()}})


# --- Activities ------------------------------------------------------------------------------------------------


def check_activity(activity: Activity) -> None:
    """Field-level rules of an activity, shared by the form, the importer and the API."""
    errors = {}
    activity.title = " ".join((activity.title or "").split())
    if not activity.title:
        errors["title"] = _("请填写活动名称")
    if activity.type not in activity_type_labels():
        errors["type"] = _("活动类型“%(value)s”不在数据字典“活动类型”中") % {"value": activity.type}
    if not activity.region_id:
        errors["region"] = _("请选择所属区划")
    if activity.starts_at is None:
        errors["starts_at"] = _("请填写开始时间")
    if activity.ends_at is None:
        errors["ends_at"] = _("请填写结束时间")
    if activity.starts_at and activity.ends_at and activity.ends_at < activity.starts_at:
        errors["ends_at"] = _("结束时间不能早于开始时间")
    if activity.signup_deadline and activity.starts_at and activity.signup_deadline > activity.ends_at:
        errors["signup_deadline"] = _("报名截止时间不能晚于活动结束时间")
    if activity.checkin_opens_at and activity.checkin_closes_at \
            and activity.checkin_closes_at <= activity.checkin_opens_at:
        errors["checkin_closes_at"] = _("签到截止时间应晚于签到开始时间")
    if activity.capacity == 0:
        errors["capacity"] = _("人数上限应大于0，不限人数请留空")
    if errors:
        raise ValidationError(errors)


def save_activity(*, activity: Activity, user=None, associations=None, teams=None, signup_associations=None,
                  enterprises=None) -> Activity:
    """Create or update an activity and, when given, its organisers and the associations open for sign-up."""
    check_activity(activity)
    with transaction.atomic(), _acting(user):
        if activity.pk is None and user is not None and getattr(user, "is_authenticated", False):
            activity.recorded_by = user
        activity.save()
        for name, values in (("associations", associations), ("teams", teams),
                             ("signup_associations", signup_associations), ("enterprises", enterprises)):
            if values is not None:
                getattr(activity, name).set(values)
    return activity


def renew_checkin_token(activity: Activity, *, by=None) -> Activity:
    """A new QR code: the old one (photographed and shared, say) stops working."""
    with transaction.atomic(), _acting(by):
        activity.checkin_token = new_checkin_token()
        activity.save(update_fields=["checkin_token", "updated_at"])
        audit.log(AuditEntry.UPDATE, activity, message=_("重新生成签到二维码"))
    return activity


def checkin_url(activity: Activity, request=None) -> str:
    """The URL a member's phone opens from the QR code: the portal's check-in page for the activity's token."""
    path = f"/m/checkin/{activity.checkin_token}/"
    with contextlib.suppress(Exception):
        path = reverse("portal:checkin", args=[activity.checkin_token])
    return request.build_absolute_uri(path) if request is not None else path


def activity_for_token(token: str) -> Activity | None:
    if not token:
        return None
    return Activity.objects.filter(checkin_token=token).select_related("region").first()


# --- Sign-up -----------------------------------------------------------------------------------------------------


def _eligible_q(person: Person) -> Q:
    """Activities whose sign-up range includes `person`."""
    from tongxin.orgs.models import Membership, MembershipStatus

    associations = list(Membership.objects.filter(person=person, status=MembershipStatus.ADMITTED)
                        .values_list("association_id", flat=True))
    registry = Q(signup_mode=SignupMode.REGISTRY, region_id__in=region_prefixes(person.region_id))
    if not associations:
        return registry
    named = Q(signup_mode=SignupMode.ASSOCIATIONS, signup_associations__in=associations)
    organisers = Q(signup_mode=SignupMode.ASSOCIATIONS, signup_associations__isnull=True,
                   associations__in=associations)
    return registry | named | organisers


def open_activities_for(person: Person, *, today=None):
    """Activities open for sign-up to `person` now: not cancelled, not started, before the deadline, in range."""
    now = _now()
    if today is not None and not isinstance(today, datetime.datetime):
        now = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    eligible = Activity.objects.filter(_eligible_q(person)).values("pk")
    return (Activity.objects.filter(pk__in=eligible, is_cancelled=False, starts_at__gt=now)
            .filter(Q(signup_deadline__isnull=True) | Q(signup_deadline__gte=now))
            .select_related("region", "programme").order_by("starts_at", "id"))


def is_eligible(activity: Activity, person: Person) -> bool:
    return Activity.objects.filter(_eligible_q(person), pk=activity.pk).exists()


def sign_up(activity: Activity, person: Person, *, by=None) -> Registration:
    """Register `person` for `activity`. The activity row is locked so the capacity holds under concurrency."""
    _check_person(person)
    now = _now()
    with transaction.atomic(), _acting(by):
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.is_cancelled:
            raise ValidationError(_("活动“%(title)s”已取消") % {"title": activity.title})
        if activity.signup_mode == SignupMode.CLOSED:
            raise ValidationError(_("活动“%(title)s”未开放报名") % {"title": activity.title})
        if activity.starts_at <= now:
            raise ValidationError(_("活动已开始，不能报名"))
        if activity.signup_deadline and activity.signup_deadline < now:
            raise ValidationError(_("报名已截止（截止时间 %(d)s）") % {"d": _fmt(activity.signup_deadline)})
        if not is_eligible(activity, person):
            raise ValidationError(_("“%(name)s”不在该活动的报名范围内") % {"name": person.name})
        registration = Registration.objects.filter(activity=activity, person=person).first()
        if registration is not None and registration.status == RegistrationStatus.REGISTERED:
            raise ValidationError(_("“%(name)s”已报名该活动") % {"name": person.name})
        if activity.capacity is not None:
            taken = activity.registrations.filter(status=RegistrationStatus.REGISTERED).count()
            if taken >= activity.capacity:
                raise ValidationError(_("报名人数已满（上限 %(n)s 人）") % {"n": activity.capacity})
        if registration is None:
            registration = Registration(activity=activity, person=person)
        registration.status = RegistrationStatus.REGISTERED
        registration.registered_at = now
        registration.cancelled_at = None
        registration.by = by if getattr(by, "is_authenticated", False) else None
        registration.save()
    return registration


def cancel_sign_up(activity: Activity, person: Person, *, by=None) -> Registration:
    with transaction.atomic(), _acting(by):
        registration = (Registration.objects.select_for_update()
                        .filter(activity=activity, person=person, status=RegistrationStatus.REGISTERED).first())
        if registration is None:
            raise ValidationError(_("“%(name)s”未报名该活动") % {"name": person.name})
        if activity.starts_at <= _now():
            raise ValidationError(_("活动已开始，不能取消报名"))
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = _now()
        registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    return registration


# --- Check-in and attendance -------------------------------------------------------------------------------------


def _record_attendance(activity: Activity, person: Person, *, source: str, by, at, hours=None) -> Attendance:
    """Create the attendance and its points, or raise "已签到" when the person already has one."""
    if Attendance.objects.filter(activity=activity, person=person).exists():
        raise ValidationError(_("“%(name)s”已签到") % {"name": person.name})
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                activity=activity, person=person, source=source, checked_in_at=at,
                volunteer_hours=Decimal(hours or 0),
                recorded_by=by if getattr(by, "is_authenticated", False) else None)
    except IntegrityError as exc:
        raise ValidationError(_("“%(name)s”已签到") % {"name": person.name}) from exc
    award_for(PointTrigger.ATTENDANCE, person, source=attendance, by=by)
    if attendance.volunteer_hours:
        award_for(PointTrigger.VOLUNTEER_HOURS, person, source=attendance, by=by)
    return attendance


def check_in(activity: Activity, person: Person, *, token: str, by=None, at=None) -> Attendance:
    """A member's own check-in by the activity's QR code: the token must match and `at` lie in the window."""
    at = at or _now()
    if not token or not secrets.compare_digest(str(token), activity.checkin_token):
        raise ValidationError(_("签到码无效或已更新，请扫描现场最新的二维码"))
    if activity.is_cancelled:
        raise ValidationError(_("活动“%(title)s”已取消") % {"title": activity.title})
    opens, closes = activity.checkin_window
    if not opens <= at <= closes:
        raise ValidationError(_("不在签到时间内（%(a)s 至 %(b)s）") % {"a": _fmt(opens), "b": _fmt(closes)})
    _check_person(person)
    with transaction.atomic(), _acting(by):
        return _record_attendance(activity, person, source=AttendanceSource.QR, by=by, at=at)


def staff_check_in(activity: Activity, person: Person, *, by, at=None, hours=None,
                   source: str = AttendanceSource.STAFF) -> Attendance:
    """Staff record a person as present (from the list or afterwards); no token or time window applies."""
    _check_person(person)
    if activity.is_cancelled:
        raise ValidationError(_("活动“%(title)s”已取消") % {"title": activity.title})
    if hours is not None and Decimal(hours) < 0:
        raise ValidationError({"volunteer_hours": _("志愿服务时长不能为负数")})
    with transaction.atomic(), _acting(by):
        return _record_attendance(activity, person, source=source, by=by, at=at or _now(), hours=hours)


def add_attendees(activity: Activity, persons: Iterable[Person], *, by=None, at=None,
                  source: str = AttendanceSource.STAFF, hours=None) -> tuple[list[Attendance], list[Person]]:
    """Record many persons as present at once (bulk add, attendance sheets): one INSERT for the attendances, one
    for their points and one for the audit log. Returns (created attendances, persons already present)."""
    persons = list({p.pk: p for p in persons}.values())
    for person in persons:
        _check_person(person, field="persons")
    if activity.is_cancelled:
        raise ValidationError(_("活动“%(title)s”已取消") % {"title": activity.title})
    at = at or _now()
    recorded_by = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic(), _acting(by):
        Activity.objects.select_for_update().filter(pk=activity.pk).first()
        present = set(Attendance.objects.filter(activity=activity, person__in=persons)
                      .values_list("person_id", flat=True))
        new = [p for p in persons if p.pk not in present]
        rows = [Attendance(activity=activity, person=p, source=source, checked_in_at=at,
                           volunteer_hours=Decimal(hours or 0), recorded_by=recorded_by) for p in new]
        try:
            with transaction.atomic():
                Attendance.objects.bulk_create(rows, batch_size=1000)
        except IntegrityError:
            # A QR check-in slipped in between: fall back to one row at a time.
            rows = []
            for person in new:
                with contextlib.suppress(ValidationError):
                    rows.append(_record_attendance(activity, person, source=source, by=by, at=at, hours=hours))
            skipped = [p for p in persons if p.pk not in {a.person_id for a in rows}]
            return rows, skipped
        created = list(Attendance.objects.filter(activity=activity, person__in=new).select_related("person"))
        audit.log_bulk(AuditEntry.CREATE, [(a, {"person": [None, a.person.name]}) for a in created],
                       message=_("批量登记签到"))
        _bulk_award(activity, created, by=by)
    return created, [p for p in persons if p.pk in present]


def _bulk_award(activity: Activity, attendances: list[Attendance], *, by=None) -> None:
    if not attendances:
        return
    content_type = ContentType.objects.get_for_model(Attendance)
    entries = []
    rule = rule_for(PointTrigger.ATTENDANCE, activity.region_id, activity.type)
    hours_rule = rule_for(PointTrigger.VOLUNTEER_HOURS, activity.region_id)
    by = by if getattr(by, "is_authenticated", False) else None
    for attendance in attendances:
        common = {"person_id": attendance.person_id, "kind": PointKind.EARNED, "source_type": content_type,
                  "source_id": attendance.pk, "region_id": activity.region_id, "by": by,
                  "at": attendance.checked_in_at}
        if rule is not None and rule.points:
            entries.append(PointEntry(points=rule.points, trigger=PointTrigger.ATTENDANCE,
                                      reason=_attendance_reason(activity), **common))
        hours_points = _hours_points(hours_rule, attendance.volunteer_hours)
        if hours_points:
            entries.append(PointEntry(points=hours_points, trigger=PointTrigger.VOLUNTEER_HOURS,
                                      reason=_hours_reason(activity, attendance.volunteer_hours), **common))
    PointEntry.objects.bulk_create(entries, batch_size=1000)


def set_volunteer_hours(attendance: Attendance, hours, *, by=None) -> Attendance:
    """Change an attendance's volunteer hours; the points follow through a new ledger entry for the difference."""
    hours = Decimal(str(hours if hours not in (None, "") else 0))
    if hours < 0 or hours > 24:
        raise ValidationError({"volunteer_hours": _("志愿服务时长应在 0—24 小时之间")})
    with transaction.atomic(), _acting(by):
        attendance.volunteer_hours = hours
        attendance.save(update_fields=["volunteer_hours"])
        award_for(PointTrigger.VOLUNTEER_HOURS, attendance.person, source=attendance, by=by)
    return attendance


def remove_attendance(attendance: Attendance, *, by=None, reason: str = "") -> None:
    """Delete a wrongly recorded attendance and reverse its points with an adjustment entry."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("请填写删除原因")})
    with transaction.atomic(), _acting(by):
        earned = _source_points(attendance)
        if earned:
            award_points(attendance.person, -earned, reason=_("撤销签到：%(r)s") % {"r": reason},
                         source=attendance, region=attendance.activity.region_id, by=by, kind=PointKind.ADJUSTED)
        attendance.delete()


# --- Training classes --------------------------------------------------------------------------------------------


def save_training_class(*, training_class: TrainingClass, user=None) -> TrainingClass:
    from tongxin.activities.models import TYPE_TRAINING

    if training_class.activity.type != TYPE_TRAINING:
        raise ValidationError({"activity": _("只有类型为“培训班”的活动才能设为培训班")})
    with transaction.atomic(), _acting(user):
        training_class.save()
    return training_class


def save_session(*, session: ClassSession, user=None) -> ClassSession:
    errors = {}
    if not (session.title or "").strip():
        errors["title"] = _("请填写课程名称")
    if session.starts_at and session.ends_at and session.ends_at < session.starts_at:
        errors["ends_at"] = _("结束时间不能早于开始时间")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), _acting(user):
        session.save()
    return session


def enroll(training_class: TrainingClass, persons: Iterable[Person], *, by=None) -> list[Trainee]:
    persons = list({p.pk: p for p in persons}.values())
    for person in persons:
        _check_person(person, field="persons")
    with transaction.atomic(), _acting(by):
        existing = set(training_class.trainees.values_list("person_id", flat=True))
        created = []
        for person in persons:
            if person.pk not in existing:
                created.append(Trainee.objects.create(training_class=training_class, person=person))
    return created


def record_session_attendance(session: ClassSession, persons: Iterable[Person], *, by=None) -> int:
    """Mark trainees present at a session; a trainee's first session also records the class's attendance
    (人次 of the activity) and their completion follows."""
    persons = list({p.pk: p for p in persons}.values())
    training_class = session.training_class
    enrolled = set(training_class.trainees.values_list("person_id", flat=True))
    strangers = [p.name for p in persons if p.pk not in enrolled]
    if strangers:
        raise ValidationError({"persons": _("%(names)s 不是本班学员，请先报到") % {"names": "、".join(strangers)}})
    recorded_by = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic(), _acting(by):
        present = set(session.attendances.values_list("person_id", flat=True))
        new = [p for p in persons if p.pk not in present]
        SessionAttendance.objects.bulk_create(
            [SessionAttendance(session=session, person=p, recorded_by=recorded_by) for p in new])
        add_attendees(training_class.activity, new, by=by, at=session.starts_at)
        update_completion(training_class, by=by)
    return len(new)


def update_completion(training_class: TrainingClass, *, by=None) -> int:
    """Trainees who attended at least `min_sessions` sessions are completed (结业); returns how many now are."""
    from django.db.models import Count

    counts = dict(SessionAttendance.objects.filter(session__training_class=training_class)
                  .values("person_id").annotate(n=Count("id")).values_list("person_id", "n"))
    today = timezone.localdate()
    changed = 0
    with transaction.atomic(), _acting(by):
        for trainee in training_class.trainees.filter(completed=False):
            if counts.get(trainee.person_id, 0) >= training_class.min_sessions:
                trainee.completed, trainee.completed_on = True, today
                trainee.save(update_fields=["completed", "completed_on", "updated_at"])
                changed += 1
    return training_class.trainees.filter(completed=True).count()


def set_completion(trainee: Trainee, completed: bool, *, by=None, certificate_no: str = "") -> Trainee:
    with transaction.atomic(), _acting(by):
        trainee.completed = completed
        trainee.completed_on = timezone.localdate() if completed else None
        if certificate_no:
            trainee.certificate_no = certificate_no.strip()
        trainee.save()
    return trainee


# --- Points ------------------------------------------------------------------------------------------------------


def rule_for(trigger: str, region_code: str, activity_type: str = "") -> PointRule | None:
    """The active rule of the deepest region at or above `region_code`; a rule for the activity type beats a
    rule for all types of the same region."""
    prefixes = region_prefixes(region_code)
    rules = list(PointRule.objects.filter(trigger=trigger, is_active=True, region_id__in=prefixes,
                                          activity_type__in={activity_type or "", ""}))
    if not rules:
        return None
    return max(rules, key=lambda r: (len(r.region_id), bool(r.activity_type)))


def _hours_points(rule: PointRule | None, hours) -> int:
    if rule is None or not hours:
        return 0
    return int((Decimal(rule.points) * Decimal(hours)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _attendance_reason(activity: Activity) -> str:
    return _("参加活动：%(title)s") % {"title": activity.title}


def _hours_reason(activity: Activity, hours) -> str:
    return _("志愿服务 %(h)s 小时：%(title)s") % {"h": hours, "title": activity.title}


def _source_points(source, trigger: str | None = None) -> int:
    content_type = ContentType.objects.get_for_model(source, for_concrete_model=True)
    entries = PointEntry.objects.filter(source_type=content_type, source_id=source.pk)
    if trigger:
        entries = entries.filter(trigger=trigger)
    return entries.aggregate(s=Sum("points"))["s"] or 0


def award_points(person: Person, points: int, *, reason: str, source=None, region=None, by=None,
                 kind: str | None = None, trigger: str = "", at=None) -> PointEntry:
    """Append one ledger entry. Positive points are "earned" unless `kind` says otherwise; negative ones are an
    adjustment. The region is `region` (a code or a Region) or the person's."""
    points = int(points)
    reason = " ".join((reason or "").split())
    if points == 0:
        raise ValidationError({"points": _("积分不能为0")})
    if not reason:
        raise ValidationError({"reason": _("请填写积分事由")})
    kind = kind or (PointKind.EARNED if points > 0 else PointKind.ADJUSTED)
    region_code = getattr(region, "code", region) or person.region_id
    entry = PointEntry(person=person, points=points, kind=kind, trigger=trigger, reason=reason[:300],
                       region_id=region_code, by=by if getattr(by, "is_authenticated", False) else None,
                       at=at or _now())
    if source is not None:
        entry.source_type = ContentType.objects.get_for_model(source, for_concrete_model=True)
        entry.source_id = source.pk
    with transaction.atomic(), _acting(by):
        entry.save()
    return entry


def adjust_points(person: Person, points: int, *, reason: str, by) -> PointEntry:
    """A staff correction: never an edit of an entry, always a new "adjusted" entry with its reason."""
    return award_points(person, points, reason=reason, by=by, kind=PointKind.ADJUSTED)


def award_for(trigger: str, person: Person, *, source, by=None) -> PointEntry | None:
    """Award the points the rules give for `trigger` on `source` (an Attendance for "attendance" and
    "volunteer_hours", a proposal for "proposal_adopted"). Idempotent: a second call for the same source adds
    nothing (volunteer hours that changed add the difference). Points for an attendance are dated at the check-in,
    so a period's figures count the points of its activities. Returns the new entry, or None."""
    at = None
    if trigger == PointTrigger.ATTENDANCE:
        activity = source.activity
        rule = rule_for(trigger, activity.region_id, activity.type)
        points, reason, region = (rule.points if rule else 0), _attendance_reason(activity), activity.region_id
        at = source.checked_in_at
    elif trigger == PointTrigger.VOLUNTEER_HOURS:
        activity = source.activity
        rule = rule_for(trigger, activity.region_id)
        points = _hours_points(rule, source.volunteer_hours)
        reason, region = _hours_reason(activity, source.volunteer_hours), activity.region_id
        at = source.checked_in_at
    elif trigger == PointTrigger.PROPOSAL_ADOPTED:
        region = getattr(source, "region_id", None) or person.region_id
        rule = rule_for(trigger, region)
        points = rule.points if rule else 0
        reason = _("建议被采纳：%(title)s") % {"title": getattr(source, "title", str(source))}
    else:
        raise ValueError(f"unknown trigger {trigger!r}")
    content_type = ContentType.objects.get_for_model(source, for_concrete_model=True)
    mine = PointEntry.objects.filter(person=person, trigger=trigger, source_type=content_type, source_id=source.pk)
    already = mine.aggregate(s=Sum("points"))["s"]
    if already is None:
        if not points:
            return None
        try:
            with transaction.atomic():
                return award_points(person, points, reason=reason, source=source, region=region, by=by,
                                    kind=PointKind.EARNED, trigger=trigger, at=at)
        except IntegrityError:
            return None
    delta = points - already
    if not delta:
        return None
    return award_points(person, delta, reason=_("调整：%(r)s") % {"r": reason}, source=source, region=region,
                        by=by, kind=PointKind.ADJUSTED, trigger=trigger)


def points_balance(person: Person) -> int:
    return PointEntry.objects.filter(person=person).aggregate(s=Sum("points"))["s"] or 0


def points_ledger(person: Person):
    return PointEntry.objects.filter(person=person).select_related("by").order_by("-at", "-id")


def redeem(person: Person, reward: Reward, *, by=None) -> Redemption:
    """Spend points on a reward. The person row is locked so two redemptions cannot both spend the same points."""
    _check_person(person)
    with transaction.atomic(), _acting(by):
        Person.objects.select_for_update().filter(pk=person.pk).first()
        reward = Reward.objects.select_for_update().get(pk=reward.pk)
        if not reward.is_active:
            raise ValidationError({"reward": _("“%(name)s”已停止兑换") % {"name": reward.name}})
        if reward.stock is not None and reward.stock < 1:
            raise ValidationError({"reward": _("“%(name)s”已兑完") % {"name": reward.name}})
        balance = points_balance(person)
        if balance < reward.points_cost:
            raise ValidationError({"reward": _("积分不足：当前 %(b)s 分，兑换“%(name)s”需要 %(c)s 分")
                                   % {"b": balance, "name": reward.name, "c": reward.points_cost}})
        entry = award_points(person, -reward.points_cost, reason=_("兑换：%(name)s") % {"name": reward.name},
                             source=reward, region=reward.region_id, by=by, kind=PointKind.SPENT)
        if reward.stock is not None:
            reward.stock -= 1
            reward.save(update_fields=["stock", "updated_at"])
        redemption = Redemption.objects.create(reward=reward, person=person, points=reward.points_cost,
                                               entry=entry, by=by if getattr(by, "is_authenticated", False)
                                               else None)
    return redemption


def save_point_rule(*, rule: PointRule, user=None) -> PointRule:
    errors = {}
    if rule.trigger != PointTrigger.ATTENDANCE and rule.activity_type:
        errors["activity_type"] = _("只有“参加活动”规则可以指定活动类型")
    if rule.activity_type and rule.activity_type not in activity_type_labels():
        errors["activity_type"] = _("活动类型“%(value)s”不在数据字典中") % {"value": rule.activity_type}
    if rule.points is None or rule.points < 0:
        errors["points"] = _("积分应为不小于0的整数")
    if rule.is_active and not errors:
        clash = PointRule.objects.filter(region_id=rule.region_id, trigger=rule.trigger,
                                         activity_type=rule.activity_type, is_active=True).exclude(pk=rule.pk)
        if clash.exists():
            errors["trigger"] = _("本区划已有相同事项和活动类型的启用规则，请修改该规则")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), _acting(user):
        rule.save()
    return rule
