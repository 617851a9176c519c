import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tongxin.activities import services
from tongxin.activities.models import (
    AppendOnly,
    Attendance,
    PointEntry,
    PointKind,
    Registration,
    Reward,
    SignupMode,
)

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, TOWNSHIP_B, at


def messages(exc) -> str:
    return " ".join(exc.value.messages)


# --- Activities ------------------------------------------------------------------------------------------------

def test_save_activity_names_bad_fields(make_activity):
    with pytest.raises(ValidationError) as exc:
        make_activity(type="99")
    assert "活动类型" in exc.value.message_dict["type"][0]
    with pytest.raises(ValidationError) as exc:
        make_activity(starts=at(days=1), hours=-3)
    assert exc.value.message_dict["ends_at"] == ["结束时间不能早于开始时间"]


def test_start_date_follows_local_time(make_activity):
    activity = make_activity(starts=datetime.datetime(2025, 3, 1, 16, 30, tzinfo=datetime.UTC))
    assert activity.start_date == datetime.date(2025, 3, 2)  # 00:30 in Asia/Shanghai


# --- Sign-up -----------------------------------------------------------------------------------------------------

def test_open_activities_for_registry_and_association_members(make_activity, make_person, make_association, admit):
    person = make_person(region=TOWNSHIP_A)
    association = make_association()
    everyone = make_activity("全区开放", signup_mode=SignupMode.REGISTRY)
    members_only = make_activity("会员专场", signup_mode=SignupMode.ASSOCIATIONS, associations=[association])
    make_activity("不开放", signup_mode=SignupMode.CLOSED)
    make_activity("安居区活动", region=COUNTY_B, signup_mode=SignupMode.REGISTRY)
    make_activity("已过截止", signup_mode=SignupMode.REGISTRY, signup_deadline=at(hours=-1))
    make_activity("已开始", signup_mode=SignupMode.REGISTRY, starts=at(hours=-1))
    make_activity("已取消", signup_mode=SignupMode.REGISTRY, is_cancelled=True)
    assert list(services.open_activities_for(person)) == [everyone]
    admit(association, person)
    assert set(services.open_activities_for(person)) == {everyone, members_only}


def test_sign_up_rules(make_activity, make_person, make_association):
    person, other = make_person(), make_person()
    activity = make_activity(signup_mode=SignupMode.REGISTRY, capacity=1)
    registration = services.sign_up(activity, person, by=None)
    assert registration.status == "registered"
    with pytest.raises(ValidationError) as exc:
        services.sign_up(activity, person)
    assert "已报名" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.sign_up(activity, other)
    assert "报名人数已满" in messages(exc)
    services.cancel_sign_up(activity, person)
    services.sign_up(activity, other)
    with pytest.raises(ValidationError) as exc:
        services.cancel_sign_up(activity, person)
    assert "未报名" in messages(exc)
    assert Registration.objects.filter(activity=activity).count() == 2

    closed = make_activity(signup_mode=SignupMode.ASSOCIATIONS, associations=[make_association()])
    with pytest.raises(ValidationError) as exc:
        services.sign_up(closed, person)
    assert "不在该活动的报名范围内" in messages(exc)
    late = make_activity(signup_mode=SignupMode.REGISTRY, signup_deadline=at(hours=-2))
    with pytest.raises(ValidationError) as exc:
        services.sign_up(late, person)
    assert "报名已截止" in messages(exc)


def test_other_county_person_not_eligible_for_registry_activity(make_activity, make_person):
    activity = make_activity(signup_mode=SignupMode.REGISTRY)
    with pytest.raises(ValidationError):
        services.sign_up(activity, make_person(region=TOWNSHIP_B))


# --- Check-in ----------------------------------------------------------------------------------------------------

def test_check_in_token_window_and_once(make_activity, make_person, make_rule):
    make_rule(points=5)
    person = make_person()
    activity = make_activity(starts=at(hours=-0.5))
    with pytest.raises(ValidationError) as exc:
        services.check_in(activity, person, token="wrong")
    assert "签到码无效" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.check_in(activity, person, token=activity.checkin_token, at=at(days=-1))
    assert "不在签到时间内" in messages(exc)
    attendance = services.check_in(activity, person, token=activity.checkin_token)
    assert attendance.source == "qr"
    with pytest.raises(ValidationError) as exc:
        services.check_in(activity, person, token=activity.checkin_token)
    assert "已签到" in messages(exc)
    assert Attendance.objects.filter(activity=activity).count() == 1
    assert services.points_balance(person) == 5


def test_renewed_token_rejects_old_qr(make_activity, make_person):
    activity = make_activity(starts=at(hours=-0.5))
    old = activity.checkin_token
    services.renew_checkin_token(activity)
    with pytest.raises(ValidationError):
        services.check_in(activity, make_person(), token=old)


def test_checkin_url_points_at_portal(make_activity):
    activity = make_activity()
    assert services.checkin_url(activity).endswith(f"/m/checkin/{activity.checkin_token}/")


def test_add_attendees_bulk_skips_present_and_awards_points(make_activity, make_person, make_rule):
    make_rule(points=3)
    make_rule(points=2, activity_type="05")  # a typed rule beats the general one
    activity = make_activity(type="05")
    persons = [make_person() for _ in range(5)]
    services.staff_check_in(activity, persons[0], by=None)
    created, skipped = services.add_attendees(activity, persons, by=None)
    assert len(created) == 4 and skipped == [persons[0]]
    assert Attendance.objects.filter(activity=activity).count() == 5
    assert sum(services.points_balance(p) for p in persons) == 10


def test_rule_of_deepest_region_applies(make_activity, make_person, make_rule):
    make_rule(points=3, region="5109")
    make_rule(points=7, region=COUNTY_A)
    county_b = make_activity(region=COUNTY_B)
    county_a = make_activity(region=TOWNSHIP_A)
    person = make_person()
    services.staff_check_in(county_b, person, by=None)
    services.staff_check_in(county_a, person, by=None)
    assert services.points_balance(person) == 10


def test_volunteer_hours_points_follow_changes(make_activity, make_person, make_rule):
    make_rule("volunteer_hours", points=2)
    person = make_person()
    attendance = services.staff_check_in(make_activity(type="06"), person, by=None, hours=3)
    assert services.points_balance(person) == 6
    services.set_volunteer_hours(attendance, Decimal("4.5"))
    assert services.points_balance(person) == 9
    services.set_volunteer_hours(attendance, 1)
    assert services.points_balance(person) == 2
    assert PointEntry.objects.filter(person=person, kind="earned").count() == 1
    with pytest.raises(ValidationError) as exc:
        services.set_volunteer_hours(attendance, -1)
    assert "volunteer_hours" in exc.value.message_dict


def test_award_for_is_idempotent(make_activity, make_person, make_rule):
    make_rule(points=4)
    person = make_person()
    attendance = services.staff_check_in(make_activity(), person, by=None)
    assert services.award_for("attendance", person, source=attendance) is None
    assert services.points_balance(person) == 4


def test_award_for_proposal_adopted_uses_region_rule(make_person, make_rule):
    make_rule("proposal_adopted", points=10)
    person = make_person()
    proposal = make_person(name="代替建议的记录")  # any saved model with a region works as a source
    entry = services.award_for("proposal_adopted", person, source=proposal)
    assert entry.points == 10 and entry.kind == PointKind.EARNED
    assert services.award_for("proposal_adopted", person, source=proposal) is None


def test_ledger_is_append_only_and_balance_is_its_sum(make_person):
    person = make_person()
    entry = services.award_points(person, 20, reason="优秀志愿者")
    services.adjust_points(person, -5, reason="重复登记更正", by=None)
    with pytest.raises(ValidationError) as exc:
        services.adjust_points(person, 3, reason="  ", by=None)
    assert exc.value.message_dict["reason"] == ["请填写积分事由"]
    entry.points = 100
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    assert services.points_balance(person) == 15
    assert [e.points for e in services.points_ledger(person)] == [-5, 20]


def test_redeem_spends_points_and_stock(make_person, regions):
    person = make_person()
    reward = Reward.objects.create(name="文创书签", points_cost=10, stock=1, region_id=COUNTY_A)
    with pytest.raises(ValidationError) as exc:
        services.redeem(person, reward)
    assert "积分不足" in exc.value.message_dict["reward"][0]
    services.award_points(person, 25, reason="参加活动")
    redemption = services.redeem(person, reward)
    assert redemption.entry.points == -10 and redemption.entry.kind == "spent"
    assert services.points_balance(person) == 15
    with pytest.raises(ValidationError) as exc:
        services.redeem(person, reward)
    assert "已兑完" in exc.value.message_dict["reward"][0]


def test_remove_attendance_reverses_points(make_activity, make_person, make_rule):
    make_rule(points=5)
    person = make_person()
    attendance = services.staff_check_in(make_activity(), person, by=None)
    with pytest.raises(ValidationError):
        services.remove_attendance(attendance, reason="")
    services.remove_attendance(attendance, reason="误登记")
    assert services.points_balance(person) == 0
    assert PointEntry.objects.filter(person=person).count() == 2


# --- Training ----------------------------------------------------------------------------------------------------

def test_training_class_sessions_and_completion(make_activity, make_person, make_rule):
    from tongxin.activities.models import ClassSession, TrainingClass

    make_rule(points=5)
    activity = make_activity("新阶人士培训班", type="03", hours=48)
    training = services.save_training_class(training_class=TrainingClass(activity=activity, term="第1期",
                                                                         min_sessions=2))
    sessions = [services.save_session(session=ClassSession(training_class=training, title=f"第{i}课",
                                                           starts_at=activity.starts_at,
                                                           ends_at=activity.starts_at)) for i in range(2)]
    trainees = [make_person() for _ in range(3)]
    services.enroll(training, trainees)
    with pytest.raises(ValidationError) as exc:
        services.record_session_attendance(sessions[0], [make_person(name="旁听者")])
    assert "不是本班学员" in exc.value.message_dict["persons"][0]
    services.record_session_attendance(sessions[0], trainees)
    services.record_session_attendance(sessions[1], trainees[:2])
    assert training.trainees.filter(completed=True).count() == 2
    assert Attendance.objects.filter(activity=activity).count() == 3  # one 人次 per trainee, not per session
    assert services.points_balance(trainees[0]) == 5

    other = make_activity(type="02")
    with pytest.raises(ValidationError):
        services.save_training_class(training_class=TrainingClass(activity=other))


def test_member_flow_sign_up_check_in_points_and_figures(make_activity, make_person, make_rule):
    """The issue's "done when": a member signs up, checks in by the QR link, sees points; the figures change."""
    from tongxin.activities import metrics

    make_rule(points=5)
    member = make_person("刘嘉怡")
    activity = make_activity("新阶人士之家开放日", signup_mode=SignupMode.REGISTRY, starts=at(hours=2))
    assert activity in services.open_activities_for(member)
    services.sign_up(activity, member)
    assert Registration.objects.get(activity=activity, person=member).status == "registered"
    token = services.checkin_url(activity).rstrip("/").rsplit("/", 1)[-1]
    assert services.activity_for_token(token) == activity
    day = activity.start_date
    before = metrics.activities_attendance(COUNTY_A, day, day)["total"]
    services.check_in(activity, member, token=token, at=activity.starts_at)
    assert services.points_balance(member) == 5
    assert metrics.activities_attendance(COUNTY_A, day, day)["total"] == before + 1
    assert metrics.points_issued(COUNTY_A, day, day) == 5


def test_leaderboard_by_period_and_association(make_person, make_association, admit):
    import datetime as dt

    from django.utils import timezone

    from tongxin.activities.selectors import leaderboard

    a, b, c = make_person("甲"), make_person("乙"), make_person("丙")
    association = make_association()
    admit(association, a)
    admit(association, c)
    services.award_points(a, 30, reason="参加活动")
    services.award_points(b, 50, reason="参加活动")
    services.award_points(c, 10, reason="参加活动")
    old = services.award_points(c, 100, reason="去年的积分")
    PointEntry.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=400))
    today = timezone.localdate()
    rows = list(leaderboard(prefix=COUNTY_A, date_from=today.replace(month=1, day=1), date_to=today))
    assert [(p.name, p.period_points) for p in rows] == [("乙", 50), ("甲", 30), ("丙", 10)]
    rows = list(leaderboard(prefix=COUNTY_A, date_from=today.replace(month=1, day=1), date_to=today,
                            association=association))
    assert [p.name for p in rows] == ["甲", "丙"]
    assert list(leaderboard(prefix=COUNTY_B, date_from=today.replace(month=1, day=1), date_to=today)) == []
