"""Login security and safe failure: lockout, password rules, idle expiry, TOTP, security headers and CSP, CSRF,
error pages that show neither tracebacks nor personal data, log redaction, and a clean `check --deploy`.

This module is also a URLconf (`@pytest.mark.urls(__name__)`): the project's URLs plus two views that fail, to see
the 403 and 500 pages as a user would.
"""

import datetime
import io
import json
import logging
import os
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import path
from django.utils import translation

import tongxin
from tongxin import urls as project_urls
from tongxin.core.demo import DEMO_PASSWORD
from tongxin.core.logging import RedactSensitiveFilter, redact
from tongxin.core.models import AuditEntry
from tongxin.core.validators import make_id_number

ID_NUMBER = make_id_number("510903", datetime.date(1990, 3, 7), 12, "M")
PHONE = "13812345678"


def _boom(request):
    raise ValueError(f"无法保存人士 {ID_NUMBER}，手机 {PHONE}")


def _denied(request):
    raise PermissionDenied(f"不能查看 {ID_NUMBER}")


urlpatterns = [
    path("__test__/boom/", _boom),
    path("__test__/denied/", _denied),
    *project_urls.urlpatterns,
]
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


@pytest.fixture(autouse=True)
def _seeded(db):
    from tongxin.core.services import ensure_roles

    ensure_roles()
    cache.clear()
    yield
    cache.clear()


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def login(client, username, password, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


# --- Lockout (django-axes) -------------------------------------------------------------------------------------


def test_login_locks_out_after_the_failure_limit(client, staff_user, other_staff_user, settings):
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = login(client, staff_user.username, "wrong-password")
        if attempt < settings.AXES_FAILURE_LIMIT:
            assert response.status_code == 200
            assert "请输入一个正确的" in response.content.decode() or "用户名" in response.content.decode()
    assert response.status_code == 429
    locked = login(client, staff_user.username, DEMO_PASSWORD)
    page = locked.content.decode()
    assert locked.status_code == 429 and "账号已暂时锁定" in page and "30分钟" in page
    assert not is_logged_in(client)
    assert AuditEntry.objects.filter(action=AuditEntry.LOGIN_FAILED).count() >= settings.AXES_FAILURE_LIMIT
    # Only that account is locked, not everyone behind the same address.
    assert login(Client(), other_staff_user.username, DEMO_PASSWORD).status_code == 302


def test_wrong_one_time_codes_count_towards_the_lockout(client, staff_user, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=staff_user, name="手机", confirmed=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = login(client, staff_user.username, DEMO_PASSWORD, otp_token="000000")
    assert response.status_code == 429
    assert not is_logged_in(client)


# --- TOTP second factor ----------------------------------------------------------------------------------------


def test_totp_is_required_once_the_account_has_a_device(client, staff_user):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert login(Client(), staff_user.username, DEMO_PASSWORD).status_code == 302  # no device: password only
    device = TOTPDevice.objects.create(user=staff_user, name="手机", confirmed=True)
    response = login(client, staff_user.username, DEMO_PASSWORD)
    assert response.status_code == 200 and "动态口令不正确或已过期" in response.content.decode()
    assert not is_logged_in(client)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    response = login(client, staff_user.username, DEMO_PASSWORD, otp_token=f"{code:06d}")
    assert response.status_code == 302 and is_logged_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


# --- Password strength -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("password, code", [
    ("Ab1!xyz", "password_too_short"),
    ("abcdefghijkl", "password_too_simple"),
    ("73920184659203", "password_entirely_numeric"),
    ("Password123", "password_too_common"),
    ("Zhangwei2024!", "password_too_similar"),
])
def test_weak_passwords_are_refused_in_chinese(make_user, password, code):
    user = make_user("staff", username="zhangwei2024")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password(password, user)
    assert code in {e.code for e in caught.value.error_list}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in message) for message in caught.value.messages)


def test_a_strong_password_passes(make_user):
    validate_password("Tongxin#Bridge2024", make_user("staff"))


# --- Idle expiry -----------------------------------------------------------------------------------------------


def _idle(client, seconds):
    session = client.session
    session["last_activity"] = int(time.time()) - seconds
    session.save()


def test_session_expires_after_idle_time(staff_client, settings):
    assert staff_client.get("/").status_code == 200
    _idle(staff_client, settings.SESSION_IDLE_TIMEOUT - 90)
    assert staff_client.get("/").status_code == 200  # still active: not expired
    _idle(staff_client, settings.SESSION_IDLE_TIMEOUT + 5)
    response = staff_client.get("/?tab=1")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2F%3Ftab%3D1&expired=1"
    assert not is_logged_in(staff_client)
    assert "长时间未操作" in staff_client.get(response["Location"]).content.decode()


def test_idle_api_session_is_refused(staff_client, settings):
    assert staff_client.get("/api/me/").status_code == 200
    _idle(staff_client, settings.SESSION_IDLE_TIMEOUT + 5)
    assert staff_client.get("/api/me/").status_code in (401, 403)


def test_htmx_request_after_expiry_redirects_the_whole_page(staff_client, settings):
    staff_client.get("/")
    _idle(staff_client, settings.SESSION_IDLE_TIMEOUT + 5)
    response = staff_client.get("/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith("/login/?next=")


# --- Security headers and CSP ----------------------------------------------------------------------------------


def _csp(response) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in response["Content-Security-Policy"].split(";")) if part}


def test_security_headers(client):
    response = client.get("/login/")
    csp = _csp(response)
    assert csp["script-src"] == "'self'" and csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # plain HTTP in development


def test_hsts_behind_tls(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


class _Scripts(HTMLParser):
    """Inline scripts, inline event handlers and javascript: URLs — everything a strict CSP would block."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_inline = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src") and attrs.get("type") not in ("application/json",
                                                                               "application/ld+json"):
            self._in_inline = True
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")

    def handle_data(self, data):
        if self._in_inline and data.strip():
            self.problems.append(f"inline <script>{data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline = False


def assert_no_inline_script(response):
    parser = _Scripts()
    parser.feed(response.content.decode())
    assert not parser.problems, parser.problems


@pytest.mark.urls(__name__)
def test_pages_have_no_inline_scripts(staff_client, settings):
    anonymous = Client()
    assert_no_inline_script(anonymous.get("/login/"))
    assert_no_inline_script(staff_client.get("/"))
    assert_no_inline_script(staff_client.get("/no-such-page/"))
    assert_no_inline_script(staff_client.get("/__test__/denied/"))
    staff_client.raise_request_exception = False
    assert_no_inline_script(staff_client.get("/__test__/boom/"))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        lockout = login(anonymous, "someone", "wrong-password")
    assert lockout.status_code == 429
    assert_no_inline_script(lockout)


# --- CSRF ------------------------------------------------------------------------------------------------------


def test_csrf_is_enforced(staff_user):
    browser = Client(enforce_csrf_checks=True)
    refused = login(browser, staff_user.username, DEMO_PASSWORD)
    assert refused.status_code == 403 and not is_logged_in(browser)
    page = refused.content.decode()
    assert "Traceback" not in page
    assert any("\u4e00" <= ch <= "\u9fff" for ch in page), "the CSRF failure page should be the Chinese 403 page"

    browser.get("/login/")
    token = browser.cookies["csrftoken"].value
    accepted = login(browser, staff_user.username, DEMO_PASSWORD, csrfmiddlewaretoken=token)
    assert accepted.status_code == 302 and is_logged_in(browser)
    assert browser.post("/logout/").status_code == 403 and is_logged_in(browser)
    assert browser.post("/api/regions/", {"code": "510903999"}).status_code == 403  # DRF session auth
    assert browser.post("/logout/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value}).status_code == 302


# --- Error pages -----------------------------------------------------------------------------------------------


def _shows_no_personal_data(page: str) -> None:
    assert ID_NUMBER not in page and PHONE not in page
    assert "Traceback" not in page and "ValueError" not in page and "File \"" not in page


@pytest.mark.urls(__name__)
def test_error_pages_are_friendly_chinese_and_show_no_raw_values(staff_client):
    not_found = staff_client.get(f"/people/{ID_NUMBER}/{PHONE}/")
    assert not_found.status_code == 404 and "页面不存在" in not_found.content.decode()
    _shows_no_personal_data(not_found.content.decode())

    denied = staff_client.get("/__test__/denied/")
    assert denied.status_code == 403 and "没有权限" in denied.content.decode()
    _shows_no_personal_data(denied.content.decode())

    staff_client.raise_request_exception = False
    error = staff_client.get("/__test__/boom/")
    assert error.status_code == 500 and "系统出现错误" in error.content.decode()
    _shows_no_personal_data(error.content.decode())


@pytest.mark.urls(__name__)
def test_the_server_error_log_is_redacted(staff_client):
    """What the configured log handler writes for a crash — message and traceback — has the values masked."""
    handlers = [h for h in logging.getLogger().handlers
                if any(isinstance(f, RedactSensitiveFilter) for f in h.filters)]
    assert handlers, "settings.LOGGING must put the redaction filter on the console handler"
    stream = io.StringIO()
    old = handlers[0].setStream(stream)
    try:
        staff_client.raise_request_exception = False
        staff_client.get(f"/__test__/boom/?id={ID_NUMBER}")
    finally:
        handlers[0].setStream(old)
    written = stream.getvalue()
    assert "Internal Server Error" in written and "Traceback" in written
    assert ID_NUMBER not in written and PHONE not in written
    assert f"{ID_NUMBER[:6]}********{ID_NUMBER[-4:]}" in written and "138****5678" in written


# --- Log redaction ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, masked", [
    ("身份证 11010519491231002X 已登记", "身份证 110105********002X 已登记"),
    ("id=11010519491231002x&x=1", "id=110105********002x&x=1"),
    ("手机13812345678", "手机138****5678"),
    ("tel +8613812345678", "tel +86138****5678"),
    ("138-1234-5678 / 138 1234 5678", "138****5678 / 138****5678"),
    ("旧证 110105491231002", "旧证 110105******002"),
    ("订单 2024010112 金额 1234567 编号 12345678901234567890", "订单 2024010112 金额 1234567 编号 12345678901234567890"),
])
def test_redact(raw, masked):
    assert redact(raw) == masked


def test_redaction_filter_masks_arguments_tracebacks_and_stacks():
    formatter = logging.Formatter("%(message)s")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "保存 %s 失败，手机 %s", (ID_NUMBER, PHONE), None)
    try:
        raise ValueError(f"重复的身份证号 {ID_NUMBER}")
    except ValueError:
        record.exc_info = sys.exc_info()
    record.stack_info = f"Stack: {PHONE}"
    assert RedactSensitiveFilter().filter(record) is True
    text = formatter.format(record)
    assert ID_NUMBER not in text and PHONE not in text
    assert text.count(f"{ID_NUMBER[:6]}********") == 2 and "Traceback" in text


# --- Production settings ---------------------------------------------------------------------------------------


def _production_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEBUG", "TONGXIN_TESTING", "DJANGO_SETTINGS_MODULE", "PYTEST_CURRENT_TEST")}
    env.update({
        "SECRET_KEY": "k" * 8 + os.urandom(40).hex(),
        "TONGXIN_HTTPS": "1",
        "ALLOWED_HOSTS": "example.org",
        "TONGXIN_DATA_DIR": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(Path(tongxin.__file__).resolve().parents[1]),
                                       os.environ.get("PYTHONPATH", "")]),
    })
    return env


def _run(args, env):
    return subprocess.run([sys.executable, "-c", "from tongxin.cli import main; main()", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_https_setting_turns_on_hsts_and_secure_cookies(tmp_path):
    code = ("import json; from django.conf import settings as s; print(json.dumps([s.SECURE_HSTS_SECONDS, "
            "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG]))")
    result = _run(["shell", "-c", code], _production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    hsts, redirect, session_secure, csrf_secure, debug = json.loads(result.stdout.strip().splitlines()[-1])
    assert hsts >= 31536000 and redirect and session_secure and csrf_secure and debug is False
