"""Who gets into the portal: members only, each to their own data."""

import pytest
from django.urls import reverse

from tongxin.portal.tests.conftest import TOWNSHIP_B

PLAIN_PAGES = ["portal:home", "portal:my_activities", "portal:scan", "portal:proposal_list",
               "portal:proposal_create", "portal:points", "portal:profile", "portal:profile_edit"]


@pytest.mark.parametrize("name", PLAIN_PAGES)
def test_anonymous_is_sent_to_login_and_back(client, regions, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('core:login')}?next={url}"


def test_anonymous_qr_link_comes_back_to_the_checkin_page_after_login(client, member, make_activity):
    activity = make_activity()
    url = reverse("portal:checkin", args=[activity.checkin_token])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].endswith(f"?next={url}")
    response = client.post(reverse("core:login"), {"username": member.user.username, "password": "Tongxin@2026",
                                                   "next": url})
    assert response.status_code == 302 and response["Location"] == url


@pytest.mark.parametrize("name", PLAIN_PAGES)
def test_staff_without_person_gets_a_clear_message(client, staff_user, name):
    client.force_login(staff_user)
    response = client.get(reverse(name))
    assert response.status_code == 403
    assert "您的账号未关联人士档案" in response.content.decode()


def test_staff_without_person_gets_404_on_record_pages(client, staff_user, make_activity):
    activity = make_activity()
    client.force_login(staff_user)
    for url in (reverse("portal:activity_detail", args=[activity.pk]),
                reverse("portal:checkin", args=[activity.checkin_token])):
        response = client.get(url)
        assert response.status_code == 404
        assert "您的账号未关联人士档案" in response.content.decode()
        assert activity.title not in response.content.decode()
    response = client.post(reverse("portal:sign_up", args=[activity.pk]))
    assert response.status_code == 404
    assert not activity.registrations.exists()


def test_staff_with_a_linked_person_uses_the_portal_as_that_person(client, staff_user, make_person):
    person = make_person(name="王晓东")
    person.user = staff_user
    person.save(update_fields=["user"])
    client.force_login(staff_user)
    response = client.get(reverse("portal:profile"))
    assert response.status_code == 200
    assert "王晓东" in response.content.decode()


def test_erased_person_is_not_a_member(client, member):
    from tongxin.people.services import erase_person

    erase_person(member, "本人申请删除")
    client.force_login(member.user)
    assert client.get(reverse("portal:home")).status_code == 403


def test_pages_render_for_a_member_with_the_tab_bar(member_client):
    for name in PLAIN_PAGES:
        response = member_client.get(reverse(name))
        assert response.status_code == 200, name
        html = response.content.decode()
        for label in ("活动", "签到", "建议", "积分", "我的"):
            assert f"<span>{label}</span>" in html
        assert "<script>" not in html and "onclick" not in html


def test_member_of_another_county_cannot_open_records_of_this_one(client, make_member, make_activity):
    other = make_member(name="安居人士", region=TOWNSHIP_B)
    activity = make_activity(region="510903")
    client.force_login(other.user)
    assert client.get(reverse("portal:activity_detail", args=[activity.pk])).status_code == 404
    assert client.get(reverse("portal:checkin", args=[activity.checkin_token])).status_code == 404
    assert client.post(reverse("portal:sign_up", args=[activity.pk])).status_code == 404
    assert not activity.registrations.exists()


def test_a_member_lands_on_the_portal_after_login(client, member):
    response = client.post(reverse("core:login"), {"username": member.user.username, "password": "Tongxin@2026"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert client.get(reverse("core:home"))["Location"] == reverse("portal:home")


def test_staff_still_land_on_the_staff_home(client, staff_user):
    response = client.post(reverse("core:login"), {"username": staff_user.username, "password": "Tongxin@2026"})
    assert response.status_code == 302 and response["Location"] == reverse("core:home")


def test_initial_password_banner(member_client, member):
    member.user.must_change_password = True
    member.user.save(update_fields=["must_change_password"])
    assert "请点此修改密码" in member_client.get(reverse("portal:home")).content.decode()
