"""Sample records of the activities area, for the all-URLs scope test (see tongxin.core.scope_registry)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from tongxin.activities import services
from tongxin.activities.models import (
    TYPE_TRAINING,
    Activity,
    Attendance,
    ClassSession,
    Donation,
    MediaCoverage,
    PointEntry,
    PointRule,
    Programme,
    Redemption,
    Registration,
    Reward,
    ServiceProgramme,
    SessionAttendance,
    SignupMode,
    Trainee,
    TrainingClass,
)
from tongxin.core import scope_registry
from tongxin.people.models import Person


def _person(region_code: str, marker: str) -> Person:
    from tongxin.people import services as people

    return people.save_person(Person(region_id=region_code, name=f"{marker}人士", category="1", job_title=marker,
                                     note=marker))


def _when(days: int = 30) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def programme(region_code: str, marker: str) -> Programme:
    return Programme.objects.create(region_id=region_code, name=marker, description=marker)


def service_programme(region_code: str, marker: str) -> ServiceProgramme:
    return ServiceProgramme.objects.create(region_id=region_code, name=marker, description=marker, target=marker)


def activity(region_code: str, marker: str, *, type: str = "02") -> Activity:
    starts = _when()
    return services.save_activity(activity=Activity(
        region_id=region_code, title=marker, type=type, place=marker, departments=marker, description=marker,
        starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), signup_mode=SignupMode.REGISTRY))


def media(region_code: str, marker: str) -> MediaCoverage:
    return MediaCoverage.objects.create(activity=activity(region_code, marker), outlet=marker, headline=marker)


def donation(region_code: str, marker: str) -> Donation:
    return Donation.objects.create(activity=activity(region_code, marker), donor=marker, kind="money",
                                   amount=Decimal("100"), note=marker)


def registration(region_code: str, marker: str) -> Registration:
    return services.sign_up(activity(region_code, marker), _person(region_code, marker))


def attendance(region_code: str, marker: str) -> Attendance:
    return services.staff_check_in(activity(region_code, marker), _person(region_code, marker), by=None)


def training_class(region_code: str, marker: str) -> TrainingClass:
    return services.save_training_class(training_class=TrainingClass(
        activity=activity(region_code, marker, type=TYPE_TRAINING), term=marker, host=marker))


def class_session(region_code: str, marker: str) -> ClassSession:
    training = training_class(region_code, marker)
    return services.save_session(session=ClassSession(training_class=training, title=marker, teacher=marker,
                                                      place=marker, starts_at=_when(), ends_at=_when()))


def trainee(region_code: str, marker: str) -> Trainee:
    return services.enroll(training_class(region_code, marker), [_person(region_code, marker)])[0]


def session_attendance(region_code: str, marker: str) -> SessionAttendance:
    session = class_session(region_code, marker)
    person = _person(region_code, marker)
    services.enroll(session.training_class, [person])
    services.record_session_attendance(session, [person])
    return session.attendances.get()


def point_rule(region_code: str, marker: str) -> PointRule:
    return PointRule.objects.create(region_id=region_code, trigger="attendance", points=3, note=marker)


def point_entry(region_code: str, marker: str) -> PointEntry:
    return services.award_points(_person(region_code, marker), 10, reason=marker, region=region_code)


def reward(region_code: str, marker: str) -> Reward:
    return Reward.objects.create(region_id=region_code, name=marker, description=marker, points_cost=5)


def redemption(region_code: str, marker: str) -> Redemption:
    person = _person(region_code, marker)
    services.award_points(person, 10, reason=marker, region=region_code)
    return services.redeem(person, reward(region_code, marker))


scope_registry.register_sample(Programme, programme)
scope_registry.register_sample(ServiceProgramme, service_programme)
scope_registry.register_sample(Activity, activity)
scope_registry.register_sample(MediaCoverage, media)
scope_registry.register_sample(Donation, donation)
scope_registry.register_sample(Registration, registration)
scope_registry.register_sample(Attendance, attendance)
scope_registry.register_sample(TrainingClass, training_class)
scope_registry.register_sample(ClassSession, class_session)
scope_registry.register_sample(Trainee, trainee)
scope_registry.register_sample(SessionAttendance, session_attendance)
scope_registry.register_sample(PointRule, point_rule)
scope_registry.register_sample(PointEntry, point_entry)
scope_registry.register_sample(Reward, reward)
scope_registry.register_sample(Redemption, redemption)
