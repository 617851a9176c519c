"""账号与安全: a user changes their own password and binds or removes a TOTP second factor."""

import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.core import services
from tongxin.core.demo import DEMO_PASSWORD
from tongxin.core.models import AuditEntry

NEW_PASSWORD = "Xin-Mima-2026!"


@pytest.fixture(autouse=True)
def _roles(db):
    """Roles and dictionaries as after `migrate` (idempotent; the post-migrate seeding may not have run)."""
    services.ensure_roles()
    services.seed_dictionaries()


def token_for(device, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def member(make_user):
    return make_user("member", "510903", username="liu", must_change_password=True)


def test_account_page_shows_banner_until_password_changed(client, member):
    client.force_login(member)
    page = client.get(reverse("core:account")).content.decode()
    assert "请尽快修改" in page
    response = client.post(reverse("core:account"), {"old_password": DEMO_PASSWORD, "new_password1": NEW_PASSWORD,
                                                     "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD) and not member.must_change_password
    page = client.get(reverse("core:account")).content.decode()  # still signed in
    assert "请尽快修改" not in page
    assert AuditEntry.objects.filter(object_id=str(member.pk), message="修改本人密码").exists()


def test_password_change_errors_are_chinese(client, member):
    client.force_login(member)
    response = client.post(reverse("core:account"), {"old_password": "wrong", "new_password1": "abc",
                                                     "new_password2": "abc"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "旧密码不正确" in text or "密码不正确" in text
    response = client.post(reverse("core:account"), {"old_password": DEMO_PASSWORD, "new_password1": "abcdefghij",
                                                     "new_password2": "abcdefghij"})
    assert "密码须包含大写字母、小写字母、数字、符号中的至少三类" in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(DEMO_PASSWORD)


def test_bind_totp_then_login_requires_the_token(client, member, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code would otherwise delay the next try by a second
    client.force_login(member)
    page = client.get(reverse("core:account_totp")).content.decode()
    assert "<svg" in page  # the QR code, drawn on the server
    device = TOTPDevice.objects.get(user=member, confirmed=False)
    assert client.get(reverse("core:account_totp")).status_code == 200
    assert TOTPDevice.objects.filter(user=member).count() == 1  # reloading keeps the same secret

    response = client.post(reverse("core:account_totp"), {"token": "000000" if token_for(device) != "000000"
                                                          else "111111"})
    assert "动态口令不正确" in response.content.decode()
    response = client.post(reverse("core:account_totp"), {"token": token_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    client.logout()
    login_url = reverse("core:login")
    response = client.post(login_url, {"username": member.username, "password": DEMO_PASSWORD})
    assert response.status_code == 200 and "动态口令不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session
    response = client.post(login_url, {"username": member.username, "password": DEMO_PASSWORD,
                                       "otp_token": token_for(device, offset_steps=1)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_remove_totp_needs_the_password(client, member):
    TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    client.force_login(member)
    assert client.get(reverse("core:account_totp")).status_code == 302  # no rebinding without removing first
    response = client.post(reverse("core:account_totp_remove"), {"password": "wrong"})
    assert response.status_code == 200 and "密码不正确" in response.content.decode()
    assert TOTPDevice.objects.filter(user=member).exists()
    response = client.post(reverse("core:account_totp_remove"), {"password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()


def test_account_pages_need_login(client, regions):
    for name in ("core:account", "core:account_totp"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("core:login") in response["Location"]
