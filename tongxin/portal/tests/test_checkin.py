"""签到: the QR link opens /m/checkin/<token>/, a big button checks the member in once."""

from django.urls import reverse

from tongxin.activities.models import Activity, Attendance
from tongxin.portal.tests.conftest import COUNTY_B, at


def test_check_in_once_by_the_qr_link(member_client, member, make_activity, make_rule):
    make_rule(points=5)
    activity = make_activity("新阶人士学习分享会", starts=at(hours=-0.5))
    url = reverse("portal:checkin", args=[activity.checkin_token])
    html = member_client.get(url).content.decode()
    assert activity.title in html and "portal-checkin-button" in html and "csrfmiddlewaretoken" in html

    html = member_client.post(url, follow=True).content.decode()
    assert "签到成功" in html and "+5 积分" in html
    attendance = Attendance.objects.get(activity=activity, person=member)
    assert attendance.source == "qr"

    html = member_client.post(url, follow=True).content.decode()
    assert "已签到" in html
    assert Attendance.objects.filter(activity=activity, person=member).count() == 1
    assert member_client.get(reverse("portal:points")).context["balance"] == 5


def test_check_in_outside_the_window(member_client, member, make_activity):
    activity = make_activity(starts=at(days=2))
    url = reverse("portal:checkin", args=[activity.checkin_token])
    html = member_client.get(url).content.decode()
    assert "签到尚未开始" in html
    html = member_client.post(url, follow=True).content.decode()
    assert "不在签到时间内" in html
    ended = make_activity(starts=at(days=-2))
    html = member_client.get(reverse("portal:checkin", args=[ended.checkin_token])).content.decode()
    assert "签到已结束" in html
    assert not Attendance.objects.filter(person=member).exists()


def test_wrong_token_is_a_clear_404(member_client, member, make_activity):
    make_activity(starts=at(hours=-0.5))
    response = member_client.get(reverse("portal:checkin", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "签到码无效" in response.content.decode()
    assert member_client.post(reverse("portal:checkin", args=["not-a-real-token"])).status_code == 404
    assert not Attendance.objects.filter(person=member).exists()


def test_token_of_another_countys_activity_is_404(member_client, member, make_activity):
    activity = make_activity("安居区活动", region=COUNTY_B, starts=at(hours=-0.5))
    url = reverse("portal:checkin", args=[activity.checkin_token])
    response = member_client.get(url)
    assert response.status_code == 404 and activity.title not in response.content.decode()
    assert member_client.post(url).status_code == 404
    assert not Attendance.objects.filter(person=member).exists()


def test_own_county_activity_without_sign_up_accepts_the_code_shown_at_the_venue(member_client, member,
                                                                                    make_activity):
    activity = make_activity("区委统战部座谈会", signup_mode="closed", starts=at(hours=-0.5))
    member_client.post(reverse("portal:checkin", args=[activity.checkin_token]))
    assert Attendance.objects.filter(activity=activity, person=member).exists()


def test_checkin_url_of_the_activities_area_points_here(make_activity):
    from tongxin.activities.services import checkin_url

    activity = make_activity()
    assert checkin_url(activity) == reverse("portal:checkin", args=[activity.checkin_token])


def test_scan_page_lists_todays_sign_ups(member_client, member, make_activity):
    from tongxin.activities import services

    today = make_activity("今天的读书会", starts=at(days=1))
    later = make_activity("下周的讲座", starts=at(days=7))
    for activity in (today, later):
        services.sign_up(activity, member, by=None)
    # Under way right now, whatever the time of day the test runs.
    Activity.objects.filter(pk=today.pk).update(starts_at=at(), ends_at=at(hours=1))
    html = member_client.get(reverse("portal:scan")).content.decode()
    assert "扫码签到" in html and today.title in html and later.title not in html
