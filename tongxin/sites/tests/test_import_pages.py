"""The import pages of sites through the web (core.generic.ObjectImportView): upload → preview → commit."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongxin.sites.models import KeyTask, Site

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, TOWNSHIP_B

SESSION_KEY = "sites_import_site_import"

SITES = ("阵地名称,阵地类型,启用日期,区划代码\n"
         "百和家园实践基地,01,2020-01-01,\n"
         "坏日期基地,01,不是日期,\n"
         f"镇上基地,01,2021-05-01,{TOWNSHIP_A}\n")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, text=SITES, *, region=COUNTY_A, name="阵地.csv", url="sites:site_import"):
    return client.post(reverse(url), {"region": region,
                                      "file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")})


def commit(client, mode=None, url="sites:site_import"):
    data = {"step": "commit"}
    if mode:
        data["mode"] = mode
    return client.post(reverse(url), data)


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_preview_shows_counts_and_row_errors_and_writes_nothing(staff_client, regions):
    response = upload(staff_client)
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.rows, result.created, result.rejected) == (3, 2, 1)
    page = response.content.decode()
    assert "共 3 行：可新增 2 行，已登记过（跳过）0 行，有错误 1 行。" in page
    assert "第 3 行" in page and "启用日期" in page
    assert Site.objects.count() == 0
    pending = staff_client.session[SESSION_KEY]
    assert pending["region"] == COUNTY_A and default_storage.exists(pending["path"])


def test_all_or_nothing_commit_with_a_bad_row_writes_nothing(staff_client, regions):
    upload(staff_client)
    path = staff_client.session[SESSION_KEY]["path"]
    response = commit(staff_client)
    assert response.status_code == 302 and response["Location"] == reverse("sites:site_import")
    assert flashed(response) == ["有 1 行存在错误，没有写入任何数据。"]
    assert Site.objects.count() == 0
    assert SESSION_KEY not in staff_client.session and not default_storage.exists(path)


def test_commit_only_valid_rows(staff_client, regions):
    upload(staff_client)
    response = commit(staff_client, mode="valid")
    assert response["Location"] == reverse("sites:site_list")
    assert flashed(response) == ["导入完成：新增 2 行，重复跳过 0 行，有错误未导入 1 行。"]
    assert dict(Site.objects.values_list("name", "region_id")) == {"百和家园实践基地": COUNTY_A,
                                                                   "镇上基地": TOWNSHIP_A}


def test_commit_after_the_session_expired(staff_client, regions):
    upload(staff_client)
    session = staff_client.session
    del session[SESSION_KEY]
    session.save()
    response = commit(staff_client, mode="valid")
    assert response["Location"] == reverse("sites:site_import")
    assert flashed(response) == ["导入已过期，请重新上传文件。"]
    assert Site.objects.count() == 0


def test_commit_after_the_stored_upload_is_gone(staff_client, regions):
    upload(staff_client)
    default_storage.delete(staff_client.session[SESSION_KEY]["path"])
    response = commit(staff_client, mode="valid")
    assert flashed(response) == ["导入已过期，请重新上传文件。"]
    assert Site.objects.count() == 0


def test_other_countys_region_is_refused(staff_client, regions):
    response = upload(staff_client, region=COUNTY_B)
    assert response.status_code == 200
    assert response.context["form"].errors["region"]  # not among the choices of the user's scope
    assert SESSION_KEY not in staff_client.session and "result" not in response.context
    assert commit(staff_client, mode="valid")["Location"] == reverse("sites:site_import")
    assert Site.objects.count() == 0


def test_other_countys_row_is_refused(staff_client, regions):
    text = SITES + f"安居基地,01,2021-05-01,{TOWNSHIP_B}\n"
    response = upload(staff_client, text)
    result = response.context["result"]
    assert (result.created, result.rejected) == (2, 2)
    assert "区划代码不在您的管辖范围内" in response.content.decode()
    commit(staff_client, mode="valid")
    assert not Site.objects.filter(name="安居基地").exists()
    assert not Site.objects.filter(region_id__startswith=COUNTY_B).exists()


def test_keytask_import_page_and_template(staff_client, regions):
    text = ("年度,重点任务,责任单位,责任人,完成时限\n"
            "2026,打造示范点,统战部,王建国,2026-10-31\n")
    upload(staff_client, text, name="任务.csv", url="sites:keytask_import")
    response = commit(staff_client, url="sites:keytask_import")
    assert response["Location"] == reverse("sites:keytask_list")
    assert KeyTask.objects.get(title="打造示范点").region_id == COUNTY_A
    response = staff_client.get(reverse("sites:keytask_import_template"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]


def test_import_needs_add_permission(client, make_user, regions):
    client.force_login(make_user("member", COUNTY_A))
    assert client.get(reverse("sites:site_import")).status_code == 404
    assert client.get(reverse("sites:site_import_template")).status_code == 404
