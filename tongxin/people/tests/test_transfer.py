"""The export of the person list and the import pages (upload → preview → commit as a job)."""

import datetime
import io

import python_calamine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongxin.core import validators
from tongxin.core.models import AuditEntry, Job
from tongxin.people import exporting
from tongxin.people.models import Person

from .conftest import COUNTY_A


def sheet(content: bytes):
    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def test_export_is_masked_filtered_audited_and_formula_safe(staff_client, make_person):
    make_person("张嘉骊", COUNTY_A, "4", id_seq=2, phone="13812345678", note="=1+2", job_title="@SUM(A1)")
    make_person("李四", COUNTY_A, "1")
    response = staff_client.get(reverse("people:person_export"), {"format": "xlsx", "category": "4"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = sheet(response.content)
    assert rows[0][0] == "姓名" and [r[0] for r in rows[1:]] == ["张嘉骊"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["手机号码"] == "138****5678" and "*" in row["身份证号"]
    assert row["备注"] == "'=1+2" and row["职务"] == "'@SUM(A1)"
    entry = AuditEntry.objects.get(action=AuditEntry.EXPORT)
    assert "脱敏" in entry.message and entry.changes["rows"] == [None, 1]

    response = staff_client.get(reverse("people:person_export"), {"format": "csv", "full": "1", "q": "zjl"})
    text = response.content.decode("utf-8-sig")
    assert "13812345678" in text and "李四" not in text
    assert "完整" in AuditEntry.objects.filter(action=AuditEntry.EXPORT).latest("id").message


def test_full_export_needs_export_sensitive(client, make_user, make_person):
    make_person("张嘉骊", phone="13812345678")
    client.force_login(make_user("leader", COUNTY_A))
    response = client.get(reverse("people:person_export"), {"format": "xlsx", "full": "1"})
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action=AuditEntry.EXPORT).exists()
    response = client.get(reverse("people:person_export"), {"format": "xlsx"})
    assert response.status_code == 200 and b"13812345678" not in response.content


def test_large_export_becomes_a_job(staff_client, make_person, monkeypatch):
    monkeypatch.setattr(exporting, "EXPORT_INLINE_MAX_ROWS", 1)
    make_person("甲")
    make_person("乙")
    response = staff_client.get(reverse("people:person_export"), {"format": "xlsx"})
    job = Job.objects.get(kind="people_export")
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == Job.SUCCEEDED and job.result["导出人数"] == 2
    assert len(sheet(job.result_file.read())) == 3


LEDGER = ("船山区新阶人士台账\n姓名,身份证号,手机号码,人士类别,工作单位\n"
          f"张三,{validators.make_id_number('510903', datetime.date(1980, 1, 1), 1, 'M')},13800001111,1,遂宁锦华食品有限公司\n"
          "李四,123,,1,\n"
          "王五,,,自由职业,\n")


def upload(client, mode="all", text=LEDGER, name="台账.csv"):
    return client.post(reverse("people:person_import"), {
        "file": SimpleUploadedFile(name, text.encode("gbk"), content_type="text/csv"),
        "region": COUNTY_A, "mode": mode})


def test_import_preview_then_all_or_nothing_commit(staff_client, regions):
    assert staff_client.get(reverse("people:person_import")).status_code == 200
    response = upload(staff_client)
    assert response.status_code == 200
    text = response.text
    assert "第 4 行 身份证号：身份证号应为18位" in text and "确认导入" in text
    result = response.context["result"]
    assert (result.rows, result.created, result.rejected) == (3, 2, 1)
    assert Person.objects.count() == 0
    response = staff_client.post(reverse("people:person_import"), {"step": "commit", "mode": "all"})
    job = Job.objects.get(kind="people_import")
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == Job.FAILED and "没有写入任何数据" in job.error
    assert Person.objects.count() == 0


def test_import_commit_valid_rows_with_rejected_file(staff_client, regions):
    upload(staff_client, mode="valid")
    staff_client.post(reverse("people:person_import"), {"step": "commit", "mode": "valid"})
    job = Job.objects.get(kind="people_import")
    assert job.status == Job.SUCCEEDED and job.result["新增"] == 2 and job.result["有错误未导入"] == 1
    rows = sheet(job.result_file.read())
    assert rows[1][0] == "李四" and "18位" in rows[1][-2]
    person = Person.objects.get(name="张三")
    assert person.source == "导入：台账.csv" and person.employer.name == "遂宁锦华食品有限公司"
    response = staff_client.get(reverse("core:job_detail", args=[job.pk]))
    assert response.status_code == 200
    assert staff_client.post(reverse("people:person_import"), {"step": "commit"}).status_code == 302


def test_import_refuses_what_is_not_a_spreadsheet(staff_client, regions):
    response = staff_client.post(reverse("people:person_import"), {
        "file": SimpleUploadedFile("台账.xlsx", b"this is not a zip", content_type="application/octet-stream"),
        "region": COUNTY_A, "mode": "all"})
    assert response.status_code == 200 and response.context["form"].errors["file"]
    response = staff_client.post(reverse("people:person_import"), {
        "file": SimpleUploadedFile("台账.exe", b"MZ", content_type="application/octet-stream"),
        "region": COUNTY_A, "mode": "all"})
    assert "只支持" in response.context["form"].errors["file"][0]


def test_import_region_must_be_in_scope(client, other_staff_user, regions):
    client.force_login(other_staff_user)
    response = upload(client)
    assert response.status_code == 200 and response.context["form"].errors["region"]


def test_template_download(staff_client):
    response = staff_client.get(reverse("people:person_import_template"))
    assert response.status_code == 200
    assert sheet(response.content)[0][0] == "姓名"
