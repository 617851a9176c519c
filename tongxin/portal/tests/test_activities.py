"""活动: a member sees the activities open to them, signs up and cancels."""

from django.urls import reverse

from tongxin.activities.models import Registration, RegistrationStatus
from tongxin.portal.tests.conftest import COUNTY_B, at


def test_member_sees_only_activities_open_to_them(member_client, member, make_activity):
    open_one = make_activity("社区法律咨询进园区", place="船山区物流港", capacity=30, departments="区司法局")
    closed = make_activity("内部工作会议", signup_mode="closed")
    other_county = make_activity("安居区读书会", region=COUNTY_B)
    past = make_activity("上月的联谊会", starts=at(days=-30))
    cancelled = make_activity("已取消的论坛", is_cancelled=True)
    response = member_client.get(reverse("portal:home"))
    html = response.content.decode()
    assert open_one.title in html and "船山区物流港" in html and "区司法局" in html
    assert "剩余 30 个名额" in html
    for hidden in (closed, other_county, past, cancelled):
        assert hidden.title not in html


def test_detail_is_404_for_an_activity_not_open_to_the_member(member_client, make_activity):
    for activity in (make_activity("内部工作会议", signup_mode="closed"), make_activity("安居区", region=COUNTY_B)):
        assert member_client.get(reverse("portal:activity_detail", args=[activity.pk])).status_code == 404


def test_sign_up_and_cancel(member_client, member, make_activity):
    activity = make_activity(capacity=2)
    detail = reverse("portal:activity_detail", args=[activity.pk])
    assert "我要报名" in member_client.get(detail).content.decode()
    response = member_client.post(reverse("portal:sign_up", args=[activity.pk]), follow=True)
    html = response.content.decode()
    assert "报名成功" in html and "取消报名" in html and "剩余 1 个" in html
    registration = Registration.objects.get(activity=activity, person=member)
    assert registration.status == RegistrationStatus.REGISTERED and registration.by == member.user
    assert activity.title in member_client.get(reverse("portal:my_activities")).content.decode()

    response = member_client.post(reverse("portal:cancel_sign_up", args=[activity.pk]), follow=True)
    assert "已取消报名" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_service_errors_are_shown_in_chinese(member_client, member, make_person, make_activity):
    from tongxin.activities import services

    activity = make_activity(capacity=1)
    services.sign_up(activity, make_person(name="先报名的人"), by=None)
    response = member_client.post(reverse("portal:sign_up", args=[activity.pk]), follow=True)
    html = response.content.decode()
    assert "报名人数已满" in html
    assert "先报名的人" not in html  # other members' names are never shown
    assert not Registration.objects.filter(activity=activity, person=member).exists()


def test_a_registered_activity_stays_visible_after_sign_up_closes(member_client, member, make_activity):
    from tongxin.activities import services

    activity = make_activity()
    services.sign_up(activity, member, by=None)
    activity.signup_mode = "closed"
    activity.save()
    response = member_client.get(reverse("portal:activity_detail", args=[activity.pk]))
    assert response.status_code == 200 and "已报名" in response.content.decode()


def test_sign_up_needs_post(member_client, make_activity):
    activity = make_activity()
    assert member_client.get(reverse("portal:sign_up", args=[activity.pk])).status_code == 405


def test_the_activity_list_does_not_query_per_activity(member_client, make_activity, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_activity("第一场")
    with CaptureQueriesContext(connection) as few:
        member_client.get(reverse("portal:home"))
    for n in range(8):
        make_activity(f"活动{n}", departments="区司法局")
    with django_assert_max_num_queries(len(few)):
        html = member_client.get(reverse("portal:home")).content.decode()
    assert "活动7" in html and "学习宣讲" in html
