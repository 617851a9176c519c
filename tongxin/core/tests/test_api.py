"""The core REST API: regions, dictionaries, me, audit log, jobs, tokens (with lockout), offline docs."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from tongxin.core import audit
from tongxin.core.demo import DEMO_PASSWORD
from tongxin.core.models import AuditEntry, Job

COUNTY_A, COUNTY_B = "510903", "510904"


@pytest.fixture(autouse=True)
def _seeded(db):
    """Roles and dictionaries as `migrate` leaves them (idempotent), and no throttle history from other tests."""
    from tongxin.core.services import ensure_roles, seed_dictionaries

    ensure_roles()
    seed_dictionaries()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def results(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def test_regions_are_scoped_searchable_and_have_children(api):
    codes = [r["code"] for r in results(api.get("/api/regions/", {"page_size": 500}))]
    assert COUNTY_A in codes and all(c.startswith(COUNTY_A) for c in codes)
    found = results(api.get("/api/regions/", {"q": "船山", "level": 3}))
    assert [r["code"] for r in found] == [COUNTY_A]
    assert found[0]["official_code"] == "510903" and found[0]["full_name"] == "四川省遂宁市船山区"
    assert found[0]["level_display"] == "县级" and found[0]["parent"] == "5109"
    by_code = results(api.get("/api/regions/", {"q": "510903001000"}))
    assert [r["code"] for r in by_code] == ["510903001"]
    children = results(api.get(f"/api/regions/{COUNTY_A}/children/"))
    assert children and all(r["parent"] == COUNTY_A and r["level"] == 4 for r in children)
    assert api.get("/api/regions/510903000000/").json()["code"] == COUNTY_A  # official form accepted
    assert api.get(f"/api/regions/{COUNTY_B}/").status_code == 404
    assert api.get(f"/api/regions/{COUNTY_B}/children/").status_code == 404
    assert api.get("/api/regions/5109/").status_code == 404  # the city is above the county's scope
    assert api.post("/api/regions/", {"code": "510903999", "name": "x"}).status_code in (403, 405)


def test_dictionaries_with_items(api):
    listing = api.get("/api/dictionaries/").json()
    assert any(d["code"] == "ethnicity" for d in listing)
    ethnicity = api.get("/api/dictionaries/ethnicity/").json()
    assert ethnicity["items"][0] == {"code": "01", "label": "汉族", "label_en": ethnicity["items"][0]["label_en"],
                                     "parent": None, "sort": 0, "is_active": True}
    category = api.get("/api/dictionaries/person_category/").json()
    assert any(item["parent"] for item in category["items"])


def test_me(api, staff_user):
    data = api.get("/api/me/").json()
    assert data["username"] == staff_user.username
    assert data["scope_region"]["code"] == COUNTY_A and data["scope_region"]["name"] == "船山区"
    assert data["roles"] == [{"key": "staff", "name": "统战部工作人员"}]
    assert "core.view_sensitive" in data["permissions"] and data["otp_enabled"] is False
    assert APIClient().get("/api/me/").status_code in (401, 403)


def test_audit_entries_are_scoped_read_only_and_system_events_need_manage_system(api, make_user):
    mine = audit.log(AuditEntry.UPDATE, region_code="510903001", message="本县")
    other = audit.log(AuditEntry.UPDATE, region_code=COUNTY_B, message="他县")
    system = audit.log(AuditEntry.LOGIN_FAILED, message="用户名：nobody")
    ids = {e["id"] for e in results(api.get("/api/audit/", {"page_size": 500}))}
    assert mine.pk in ids and other.pk not in ids and system.pk not in ids
    assert api.get(f"/api/audit/{other.pk}/").status_code == 404
    assert api.delete(f"/api/audit/{mine.pk}/").status_code in (403, 405)
    assert api.patch(f"/api/audit/{mine.pk}/", {"message": "x"}).status_code in (403, 405)
    assert AuditEntry.objects.filter(pk=mine.pk, message="本县").exists()
    assert [e["id"] for e in results(api.get("/api/audit/", {"region": "510903001000"}))] == [mine.pk]

    admin = APIClient()
    admin.force_authenticate(make_user("admin", COUNTY_A))
    ids = {e["id"] for e in results(admin.get("/api/audit/", {"page_size": 500}))}
    assert mine.pk in ids and system.pk in ids and other.pk not in ids
    assert {e["id"] for e in results(admin.get("/api/audit/", {"action": "login_failed"}))} == {system.pk}

    member = APIClient()
    member.force_authenticate(make_user("member", COUNTY_A))
    assert member.get("/api/audit/").status_code == 403


def test_jobs_are_the_callers_own(api, staff_user, other_staff_user):
    from django.core.files.base import ContentFile

    own = Job.objects.create(kind="export", title="我的导出", user=staff_user, region_code=COUNTY_A,
                             status=Job.SUCCEEDED, progress=100)
    own.result_file.save("结果.csv", ContentFile(b"a,b\n"), save=True)
    colleague = Job.objects.create(kind="export", title="同事的导出", user=other_staff_user, region_code=COUNTY_A)
    listing = results(api.get("/api/jobs/"))
    assert [j["id"] for j in listing] == [own.pk]
    assert listing[0]["download_url"] == f"/api/jobs/{own.pk}/download/"
    download = api.get(listing[0]["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"a,b\n"
    assert api.get(f"/api/jobs/{colleague.pk}/").status_code == 404


def test_token_login_and_token_authentication(staff_user):
    client = APIClient()
    response = client.post("/api/token/", {"username": staff_user.username, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert AuditEntry.objects.filter(action=AuditEntry.LOGIN, user=staff_user).exists()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/me/").json()["username"] == staff_user.username
    assert client.get(f"/api/regions/{COUNTY_A}/").status_code == 200
    assert client.get(f"/api/regions/{COUNTY_B}/").status_code == 404

    bad = APIClient().post("/api/token/", {"username": staff_user.username, "password": "wrong-password"})
    assert bad.status_code == 400 and bad.json()["non_field_errors"] == ["用户名或密码不正确。"]


def test_token_endpoint_respects_the_axes_lockout(staff_user, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/api/token/", {"username": staff_user.username, "password": "x"}).status_code == 400
    locked = client.post("/api/token/", {"username": staff_user.username, "password": "x"})
    assert locked.status_code == 429
    assert "账号已暂时锁定" in locked.json()["detail"] and "30分钟" in locked.json()["detail"]
    # Locked out: even the right password gets no token, and the web login is locked as well.
    again = client.post("/api/token/", {"username": staff_user.username, "password": DEMO_PASSWORD})
    assert again.status_code == 429 and "token" not in again.json()
    web = APIClient().post("/login/", {"username": staff_user.username, "password": DEMO_PASSWORD})
    assert web.status_code == 429 and "账号已暂时锁定" in web.content.decode()


def test_token_endpoint_needs_the_one_time_code_of_an_account_that_has_one(staff_user):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=staff_user, name="手机", confirmed=True)
    client = APIClient()
    response = client.post("/api/token/", {"username": staff_user.username, "password": DEMO_PASSWORD})
    assert response.status_code == 400 and response.json()["otp_token"] == ["动态口令不正确或已过期。"]
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    response = client.post("/api/token/", {"username": staff_user.username, "password": DEMO_PASSWORD,
                                           "otp_token": f"{code:06d}"})
    assert response.status_code == 200 and response.json()["token"]


def test_token_endpoint_is_throttled(staff_user, monkeypatch):
    from tongxin.core.api import TokenThrottle

    monkeypatch.setattr(TokenThrottle, "rate", "3/min")
    client = APIClient()
    codes = [client.post("/api/token/", {"username": "nobody", "password": "x"}).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.inline_scripts = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if tag == "script" and not attrs.get("src"):
            self.inline_scripts += 1


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_api_docs_are_served_offline_without_inline_scripts(client, path):
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    parser = _Assets()
    parser.feed(page)
    assert parser.inline_scripts == 0, "the CSP forbids inline scripts"
    assert parser.urls
    assert not re.search(r"https?://|//[a-z]", page.replace("http://www.w3.org", "")), "no CDN or remote URL"
    for url in parser.urls:
        assert url.startswith(("/static/", "/api/")), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not shipped"
        else:
            script = client.get(url)
            assert script.status_code == 200
            assert not re.search(r"https?://", script.content.decode())
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src", 1)[1].split(";")[0]


@override_settings(DEBUG=False)
def test_schema_is_valid_and_lists_the_core_endpoints(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/regions/", "/api/regions/{code}/children/", "/api/dictionaries/{code}/", "/api/me/",
                 "/api/audit/", "/api/jobs/{id}/download/", "/api/token/"):
        assert path in schema["paths"], path
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_spectacular_validate_reports_nothing(capsys):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    assert "Warning" not in capsys.readouterr().err

