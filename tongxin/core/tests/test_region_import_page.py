"""The admin region import page (core.generic.ObjectImportView with the regions service): what is kept between
preview and commit, an expired commit, and the scope of the administrator."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import COUNTY_A, COUNTY_B
from tongxin.core import services
from tongxin.core.models import Region

URL = "core:region_import"


@pytest.fixture(autouse=True)
def _roles_and_media(db, settings, tmp_path):
    services.ensure_roles()
    services.seed_dictionaries()
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def county_admin_client(client, make_user):
    client.force_login(make_user("admin", COUNTY_B, username="admin_anju"))
    return client


def preview(client, text: str):
    return client.post(reverse(URL), {"step": "preview",
                                      "file": SimpleUploadedFile("区划.csv", text.encode("utf-8"))})


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_preview_keeps_the_upload_then_commit_writes_it(county_admin_client):
    response = preview(county_admin_client, "区划代码,名称\n510904996000,新街道\n")
    assert response.status_code == 200 and response.context["report"]["created"] == 1
    assert "确认导入" in response.content.decode()
    path = county_admin_client.session["region_import"]["path"]
    assert default_storage.exists(path) and not Region.objects.filter(code="510904996").exists()
    response = county_admin_client.post(reverse(URL), {"step": "commit"})
    assert response["Location"] == reverse("core:region_list")
    assert flashed(response) == ["导入完成：新增 1 个，更名 0 个，未变 0 个。"]
    assert Region.objects.get(code="510904996").name == "新街道"
    assert not default_storage.exists(path) and "region_import" not in county_admin_client.session


def test_commit_after_the_session_expired(county_admin_client):
    preview(county_admin_client, "区划代码,名称\n510904996000,新街道\n")
    session = county_admin_client.session
    del session["region_import"]
    session.save()
    response = county_admin_client.post(reverse(URL), {"step": "commit"})
    assert response["Location"] == reverse(URL)
    assert flashed(response) == ["导入已过期，请重新上传文件。"]
    assert not Region.objects.filter(code="510904996").exists()


def test_a_file_with_errors_is_not_kept(county_admin_client):
    response = preview(county_admin_client, f"区划代码,名称\n510904996000,新街道\n{COUNTY_A}997000,别县的街道\n")
    report = response.context["report"]
    assert [e["row"] for e in report["errors"]] == [3]
    assert "未写入任何数据" in response.content.decode() and "确认导入" not in response.content.decode()
    assert "region_import" not in county_admin_client.session
    response = county_admin_client.post(reverse(URL), {"step": "commit"})
    assert flashed(response) == ["导入已过期，请重新上传文件。"]
    assert not Region.objects.filter(code__in=["510904996", "510903997"]).exists()


def test_an_unchanged_file_is_not_kept(county_admin_client):
    name = Region.objects.get(code=COUNTY_B).name
    response = preview(county_admin_client, f"区划代码,名称\n{COUNTY_B},{name}\n")
    assert response.context["report"]["unchanged"] == 1
    assert "无需导入" in response.content.decode()
    assert "region_import" not in county_admin_client.session


def test_staff_without_region_permissions_gets_404(client, make_user):
    client.force_login(make_user("staff", COUNTY_B))
    assert client.get(reverse(URL)).status_code == 404
    assert client.post(reverse(URL), {"step": "commit"}).status_code == 404
