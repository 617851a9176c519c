import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongxin.core.models import AuditEntry
from tongxin.sites import services
from tongxin.sites.models import KeyTask, Site, Standard

from .conftest import COUNTY_A, TOWNSHIP_A

D = datetime.date


@pytest.fixture
def records(make_site, regions):
    site = make_site("同心驿站", TOWNSHIP_A, longitude="105.5", latitude="30.5")
    assessment = services.create_assessment(standard=Standard.objects.get(code="shiyou"), site=site)
    task = services.save_key_task(task=KeyTask(region_id=COUNTY_A, year=2025, title="推进任务", owner_unit="统战部",
                                               responsible="李晓燕", started_on=D(2025, 1, 1), deadline=D(2025, 12, 31)))
    return {"site": site, "assessment": assessment, "task": task}


@pytest.mark.parametrize("name, key", [
    ("sites:site_detail", "site"), ("sites:site_edit", "site"), ("sites:assessment_detail", "assessment"),
    ("sites:keytask_detail", "task"), ("sites:keytask_edit", "task")])
def test_other_countys_user_gets_404(client, other_staff_user, records, name, key):
    client.force_login(other_staff_user)
    assert client.get(reverse(name, args=[records[key].pk])).status_code == 404


def test_pages_render_for_staff(staff_client, records):
    for url in [reverse("sites:site_list"), reverse("sites:site_map"), reverse("sites:standard_list"),
                reverse("sites:assessment_list"), reverse("sites:keytask_list"), reverse("sites:keytask_reminders"),
                reverse("sites:evaluationscheme_list"), records["site"].get_absolute_url(),
                records["assessment"].get_absolute_url(), records["task"].get_absolute_url(),
                reverse("sites:standard_detail", args=[Standard.objects.get(code="qiyou").pk]),
                reverse("sites:site_import"), reverse("sites:keytask_import"), reverse("sites:site_import_template"),
                reverse("sites:keytask_import_template"), reverse("sites:assessment_add"),
                reverse("sites:keytask_add"), reverse("sites:site_add"),
                reverse("sites:inspectionround_add"), reverse("sites:evaluationscheme_add")]:
        assert staff_client.get(url).status_code == 200, url
    page = staff_client.get(records["assessment"].get_absolute_url()).content.decode()
    assert "缺少佐证" in page and "有工作机构" in page


def test_member_without_permission_gets_404_or_403(client, make_user, records):
    client.force_login(make_user("member", COUNTY_A))
    response = client.get(reverse("sites:site_add"))
    assert response.status_code in (403, 404)
    assert client.post(reverse("sites:keytask_report", args=[records["task"].pk]), {}).status_code in (403, 404)


def test_create_site_through_the_page(staff_client, regions):
    response = staff_client.post(reverse("sites:site_add"), {
        "name": "凤栖书院", "kind": "04", "level": "county", "region": TOWNSHIP_A, "opened_on": "2024-01-01",
        "longitude": "105.5", "latitude": ""})
    assert response.status_code == 200
    assert "经度和纬度须同时填写或同时留空" in response.content.decode()
    response = staff_client.post(reverse("sites:site_add"), {
        "name": "凤栖书院", "kind": "04", "level": "county", "region": TOWNSHIP_A, "opened_on": "2024-01-01"})
    assert response.status_code == 302
    assert Site.objects.get(name="凤栖书院").region_id == TOWNSHIP_A


def test_task_export_is_xlsx_and_audited(staff_client, records):
    import openpyxl

    response = staff_client.get(reverse("sites:keytask_export"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "2025年度重点任务推进表"
    assert sheet.cell(3, 3).value == "推进任务"
    assert AuditEntry.objects.filter(action=AuditEntry.EXPORT).exists()


def test_inspection_export(staff_client, records):
    from tongxin.sites.models import InspectionRound

    inspection = services.save_inspection_round(inspection=InspectionRound(
        region_id=COUNTY_A, name="拉练", year=2025, standard=Standard.objects.get(code="shiyou"),
        started_on=D(2025, 6, 1), ended_on=D(2025, 6, 1)))
    staff_client.post(reverse("sites:inspectionround_sites", args=[inspection.pk]), {"sites": [records["site"].pk]})
    assert inspection.assessments.count() == 1
    response = staff_client.get(reverse("sites:inspectionround_export", args=[inspection.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


def test_task_import_reports_row_errors(regions):
    import openpyxl

    from tongxin.core.tabular import ImportContext, run_import
    from tongxin.sites.imports import KeyTaskSpec

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["年度", "重点任务", "责任单位", "责任人", "完成时限"])
    sheet.append([2025, "打造示范点", "街道", "王建国", "2025-10-31"])
    sheet.append([2025, "坏行", "街道", "王建国", "不是日期"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    result = run_import(buffer, KeyTaskSpec(), ImportContext(region=COUNTY_A), dry_run=False, skip_invalid=True,
                        name="tasks.xlsx", rejected_output=False)
    assert result.created == 1 and result.rejected == 1
    assert [(row, column) for row, column, _message in result.errors] == [(3, "完成时限")]
    assert KeyTask.objects.get(title="打造示范点").region_id == COUNTY_A


def test_site_upload_of_unreadable_file_is_an_error(staff_client, regions):
    upload = SimpleUploadedFile("sites.xlsx", b"not a spreadsheet")
    response = staff_client.post(reverse("sites:site_import"), {"region": COUNTY_A, "file": upload})
    assert response.status_code == 200
    assert Site.objects.count() == 0


def test_api_is_scoped(client, other_staff_user, staff_user, records):
    client.force_login(other_staff_user)
    assert client.get(f"/api/sites/sites/{records['site'].pk}/").status_code == 404
    client.force_login(staff_user)
    data = client.get("/api/sites/tasks/").json()
    assert any(row["title"] == "推进任务" for row in data.get("results", data))


def test_only_administrators_publish_standards(staff_client, records):
    """Standards are shared by every county: county staff may read them but not add or change them."""
    standard = Standard.objects.get(code="shiyou", is_current=True)
    assert staff_client.get(reverse("sites:standard_detail", args=[standard.pk])).status_code == 200
    assert staff_client.get(reverse("sites:standard_add")).status_code in (403, 404)
    assert staff_client.get(reverse("sites:standard_edit", args=[standard.pk])).status_code in (403, 404)


def test_editing_a_used_standard_on_the_page_saves_a_new_version(client, admin_user, records):
    staff_client = client
    staff_client.force_login(admin_user)
    standard = Standard.objects.get(code="shiyou", is_current=True)
    criteria = list(standard.criteria.all())
    data = {"code": standard.code, "name": "十有（2026修订）", "source": standard.source, "pass_score": "60",
            "criteria-TOTAL_FORMS": str(len(criteria)), "criteria-INITIAL_FORMS": str(len(criteria)),
            "criteria-MIN_NUM_FORMS": "0", "criteria-MAX_NUM_FORMS": "1000"}
    for i, c in enumerate(criteria):
        data.update({f"criteria-{i}-name": c.name, f"criteria-{i}-weight": "10",
                     f"criteria-{i}-evidence_rule": c.evidence_rule, f"criteria-{i}-stated_in_source": "on"})
    data["criteria-9-DELETE"] = "on"
    response = staff_client.post(reverse("sites:standard_edit", args=[standard.pk]), data)
    assert response.status_code == 302
    new = Standard.objects.get(code="shiyou", is_current=True)
    assert new.version == 2 and new.name == "十有（2026修订）" and new.criteria.count() == 9
    assert Standard.objects.get(pk=standard.pk).criteria.count() == 10
    assert records["assessment"].standard_id == standard.pk


def test_role_with_view_only_cannot_change(client, make_user, records):
    client.force_login(make_user("liaison", COUNTY_A))
    assert client.get(reverse("sites:site_list")).status_code == 200
    assert client.get(reverse("sites:site_edit", args=[records["site"].pk])).status_code in (403, 404)
    response = client.post(reverse("sites:assessment_prefill", args=[records["assessment"].pk]))
    assert response.status_code in (403, 404)


def test_manual_result_and_scheme_breakdown_pages(staff_client, records, regions):
    from tongxin.sites.models import EvaluationScheme

    assessment = records["assessment"]
    result = assessment.results.get(criterion__name="有工作成效")
    response = staff_client.post(reverse("sites:assessment_result", args=[assessment.pk]), {
        "result": result.pk, f"r{result.pk}-met": "1", f"r{result.pk}-evidence_note": "媒体报道"})
    assert response.status_code == 302
    result.refresh_from_db()
    assert result.met is True and result.evidence_note == "媒体报道"
    scheme = services.save_scheme(scheme=EvaluationScheme(region_id=COUNTY_A, name="评价办法", year=2025))
    response = staff_client.post(reverse("sites:evaluationscheme_indicator", args=[scheme.pk]), {
        "name": "阵地建设", "weight": "10", "source": "metric", "metric_key": "sites.count", "per_unit": "1",
        "scoring": "relative"})
    assert scheme.indicators.count() == 1
    from tongxin.core.models import Region

    township = Region.objects.get(code=TOWNSHIP_A)
    staff_client.post(reverse("sites:evaluationscheme_units", args=[scheme.pk]), {"regions": [township.pk]})
    staff_client.post(reverse("sites:evaluationscheme_compute", args=[scheme.pk]))
    unit = scheme.units.get()
    assert unit.scores.get().score == 10
    page = staff_client.get(unit.get_absolute_url()).content.decode()
    assert reverse("reports:records", args=["sites.count", TOWNSHIP_A]) in page
    assert staff_client.get(scheme.get_absolute_url()).status_code == 200


def test_site_export_round_trips_through_import(staff_client, records, regions):
    import openpyxl

    from tongxin.core.tabular import ImportContext, run_import
    from tongxin.sites.imports import SiteSpec

    response = staff_client.get(reverse("sites:site_export") + "?format=xlsx")
    assert response.status_code == 200
    content = response.content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    headers = [c.value for c in sheet[1]]
    assert "阵地名称" in headers and "阵地类型" in headers
    row = [c.value for c in sheet[2]]
    assert "同心驿站" in row and "实践创新基地" in row
    result = run_import(io.BytesIO(content), SiteSpec(), ImportContext(region=COUNTY_A), dry_run=False,
                        name="sites.xlsx", rejected_output=False)
    assert result.errors == [] and result.skipped == 1 and result.created == 0  # already there: unchanged


def test_map_lists_only_sites_in_scope_with_their_county(staff_client, records, make_site):
    make_site("没有坐标的驿站", TOWNSHIP_A)
    make_site("安居区阵地", "510904001")
    response = staff_client.get(reverse("sites:site_map"))
    points = response.context["map_data"]["points"]
    assert {p["name"] for p in points} == {"同心驿站", "没有坐标的驿站"}
    assert {p["county"] for p in points} == {COUNTY_A}
    assert response.context["map_data"]["map_url"].endswith("reports/maps/5109.json")
    assert next(p for p in points if p["name"] == "同心驿站")["lon"] == 105.5


def test_scheme_export(staff_client, regions):
    import openpyxl

    from tongxin.sites.models import EvaluationScheme

    scheme = services.save_scheme(scheme=EvaluationScheme(region_id=COUNTY_A, name="评价办法", year=2025))
    response = staff_client.get(reverse("sites:evaluationscheme_export", args=[scheme.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "2025年 评价办法" and sheet.cell(2, 3).value == "类型"
    assert sheet.cell(2, 5).value == "总分"


def test_api_creates_sites_through_the_service(client, staff_user, regions):
    client.force_login(staff_user)
    payload = {"name": "新阶人士之家", "kind": "04", "level": "county", "region": TOWNSHIP_A,
               "opened_on": "2025-01-01", "longitude": "105.5"}
    response = client.post("/api/sites/sites/", payload, content_type="application/json")
    assert response.status_code == 400 and "经度和纬度" in response.content.decode()
    payload["latitude"] = "30.5"
    response = client.post("/api/sites/sites/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    payload["region"] = "510904001"
    assert client.post("/api/sites/sites/", payload, content_type="application/json").status_code == 400


def test_task_list_filters_by_computed_status(staff_client, records):
    from django.utils import timezone

    today = timezone.localdate()
    services.save_key_task(task=KeyTask(region_id=COUNTY_A, year=today.year, title="已逾期的任务", owner_unit="部",
                                        responsible="李", started_on=today - datetime.timedelta(days=60),
                                        deadline=today - datetime.timedelta(days=1)))
    response = staff_client.get(reverse("sites:keytask_list") + "?status=overdue")
    titles = [row["task"].title for row in response.context["rows"]]
    assert "已逾期的任务" in titles and "推进任务" in titles  # 推进任务 is due 2025-12-31: overdue too
    counts = {c["status"]: c["n"] for c in response.context["status_counts"]}
    assert counts["overdue"] == 2
    response = staff_client.get(reverse("sites:keytask_list") + "?status=done")
    assert response.context["rows"] == []
