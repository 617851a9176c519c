import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongxin.activities import services
from tongxin.activities.models import Activity, Attendance, PointEntry, SignupMode

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, at


@pytest.fixture
def records(make_activity, make_person, make_rule):
    make_rule(points=5)
    zhang = make_person("张嘉骊", TOWNSHIP_A, phone="13812345678")
    li = make_person("李四", TOWNSHIP_A)
    activity = make_activity("直播带货公益培训", type="05", starts=at(hours=-1), signup_mode=SignupMode.REGISTRY)
    attendance = services.staff_check_in(activity, zhang, by=None)
    return {"zhang": zhang, "li": li, "activity": activity, "attendance": attendance}


def _sheet(rows) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("签到表.xlsx", buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_pages_render(staff_client, records):
    activity = records["activity"]
    for url in (reverse("activities:activity_list"), reverse("activities:calendar"),
                reverse("activities:activity_detail", args=[activity.pk]),
                reverse("activities:activity_qr_poster", args=[activity.pk]),
                reverse("activities:activity_add"), reverse("activities:activity_edit", args=[activity.pk]),
                reverse("activities:person_points", args=[records["zhang"].pk]),
                reverse("activities:leaderboard"), reverse("activities:pointentry_list"),
                reverse("activities:trainingclass_list"), reverse("activities:serviceprogramme_list")):
        response = staff_client.get(url)
        assert response.status_code == 200, url
    detail = staff_client.get(reverse("activities:activity_detail", args=[activity.pk])).content.decode()
    assert "张嘉骊" in detail and "直播带货公益培训" in detail and "附件与照片" in detail
    assert "直播带货公益培训" in staff_client.get(reverse("activities:calendar")).content.decode()


def test_qr_code_is_svg_with_portal_url(staff_client, records):
    response = staff_client.get(reverse("activities:activity_qr", args=[records["activity"].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


def test_list_filters_by_type_and_region(staff_client, make_activity):
    make_activity("南津路学习会", type="02", region=TOWNSHIP_A)
    make_activity("区级文化活动", type="04", region=COUNTY_A)
    body = staff_client.get(reverse("activities:activity_list") + "?type=02").content.decode()
    assert "南津路学习会" in body and "区级文化活动" not in body
    body = staff_client.get(reverse("activities:activity_list") + f"?region={TOWNSHIP_A}").content.decode()
    assert "南津路学习会" in body and "区级文化活动" not in body


def test_create_activity_with_form(staff_client, regions):
    response = staff_client.post(reverse("activities:activity_add"), {
        "title": "科普进社区", "type": "05", "region": COUNTY_A, "starts_at": "2026-03-01T09:00",
        "ends_at": "2026-03-01T11:00", "signup_mode": "closed", "beneficiaries": "40", "enterprises_served": "0"})
    assert response.status_code == 302, response.content.decode()[:3000]
    activity = Activity.objects.get(title="科普进社区")
    assert activity.start_date.isoformat() == "2026-03-01" and activity.recorded_by is not None
    bad = staff_client.post(reverse("activities:activity_add"), {
        "title": "倒序", "type": "05", "region": COUNTY_A, "starts_at": "2026-03-01T09:00",
        "ends_at": "2026-03-01T08:00", "signup_mode": "closed", "beneficiaries": "0", "enterprises_served": "0"})
    assert bad.status_code == 200 and "结束时间不能早于开始时间" in bad.content.decode()


def test_check_in_from_list_and_bulk_add(staff_client, records, make_person):
    activity, li = records["activity"], records["li"]
    response = staff_client.post(reverse("activities:activity_checkin", args=[activity.pk]), {"person": li.pk})
    assert response.status_code == 302
    assert Attendance.objects.filter(activity=activity, person=li, source="staff").exists()
    others = [make_person() for _ in range(3)]
    staff_client.post(reverse("activities:activity_attendees", args=[activity.pk]),
                      {"persons": [p.pk for p in others] + [li.pk], "volunteer_hours": "2"})
    assert Attendance.objects.filter(activity=activity).count() == 5
    assert services.points_balance(others[0]) == 5


def test_attendance_sheet_import_all_or_nothing(staff_client, records, make_person):
    activity = records["activity"]
    make_person("王五", TOWNSHIP_A)
    url = reverse("activities:activity_sheet", args=[activity.pk])
    response = staff_client.post(url, {"file": _sheet([["姓名", "志愿服务时长"], ["王五", 2], ["查无此人", 1]])},
                                 follow=True)
    body = response.content.decode()
    assert "第 3 行" in body and "查无此人" in body
    assert Attendance.objects.filter(activity=activity).count() == 1
    staff_client.post(url, {"file": _sheet([["姓名", "志愿服务时长"], ["王五", 2], ["张嘉骊", ""]])})
    assert Attendance.objects.filter(activity=activity).count() == 2
    wang = Attendance.objects.get(activity=activity, person__name="王五")
    assert wang.source == "import" and str(wang.volunteer_hours) == "2.0"


def test_adjust_points_appends_entry(staff_client, records):
    zhang = records["zhang"]
    url = reverse("activities:person_points_adjust", args=[zhang.pk])
    staff_client.post(url, {"points": "-2", "reason": "重复签到更正"})
    assert services.points_balance(zhang) == 3
    assert PointEntry.objects.filter(person=zhang).count() == 2


RECORD_URLS = ["activities:activity_detail", "activities:activity_edit", "activities:activity_delete",
               "activities:activity_qr", "activities:activity_checkin", "activities:activity_attendees",
               "activities:activity_sheet", "activities:activity_media", "activities:activity_donation",
               "activities:activity_qr_renew"]


def test_other_countys_user_gets_404(client, other_staff_user, records):
    client.force_login(other_staff_user)
    activity = records["activity"]
    for name in RECORD_URLS:
        url = reverse(name, args=[activity.pk])
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"person": records["li"].pk})
            assert response.status_code in (404, 405), (name, method, response.status_code)
    assert client.get(reverse("activities:person_points", args=[records["zhang"].pk])).status_code == 404
    assert Attendance.objects.filter(activity=activity).count() == 1
    body = client.get(reverse("activities:activity_list")).content.decode()
    assert "直播带货公益培训" not in body
    assert client.get(reverse("api:activity-detail", args=[activity.pk])).status_code == 404
    assert client.get(reverse("api:activity-list")).json()["results"] == []
    assert client.get(reverse("api:pointentry-list")).json()["results"] == []


def test_role_without_permission_cannot_check_in(client, make_user, records):
    leader = make_user("leader", COUNTY_A)
    client.force_login(leader)
    assert client.get(reverse("activities:activity_list")).status_code == 200
    response = client.post(reverse("activities:activity_checkin", args=[records["activity"].pk]),
                           {"person": records["li"].pk})
    assert response.status_code in (403, 404)
    assert not Attendance.objects.filter(person=records["li"]).exists()


def test_api_list_and_staff_checkin(staff_client, records):
    data = staff_client.get(reverse("api:activity-list")).json()["results"]
    assert data[0]["title"] == "直播带货公益培训" and data[0]["type_label"] == "社会服务"
    response = staff_client.post(reverse("api:activity-checkin", args=[records["activity"].pk]),
                                 {"person": records["li"].pk}, content_type="application/json")
    assert response.status_code == 201, response.content
    again = staff_client.post(reverse("api:activity-checkin", args=[records["activity"].pk]),
                              {"person": records["li"].pk}, content_type="application/json")
    assert again.status_code == 400 and "已签到" in again.content.decode()
    ledger = staff_client.get(reverse("api:pointentry-list") + f"?person={records['li'].pk}").json()["results"]
    assert [e["points"] for e in ledger] == [5]


def test_export_activities(staff_client, records):
    response = staff_client.get(reverse("activities:activity_export"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert "活动名称" in rows[0] and any("直播带货公益培训" in (c or "") for c in rows[1] if isinstance(c, str))


def test_import_activities_cli_shape(regions, tmp_path):
    from tongxin.activities.imports import import_activities

    path = tmp_path / "活动.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["活动名称", "活动类型", "开始时间", "地点", "服务群众人次"])
    book.active.append(["法律进社区", "社会服务", "2025-05-01 09:30", "北河社区", 50])
    book.active.append(["没有类型", "不存在的类型", "2025-05-02", "", ""])
    book.save(path)
    with open(path, "rb") as handle:
        result = import_activities(handle, region=COUNTY_A)
    assert not result.committed and result.errors
    assert any("活动类型" in str(e) for e in result.errors)
    with open(path, "rb") as handle:
        result = import_activities(handle, region=COUNTY_A, skip_invalid=True)
    assert result.created == 1
    activity = Activity.objects.get(title="法律进社区")
    assert activity.type == "05" and activity.beneficiaries == 50 and activity.start_date.isoformat() == "2025-05-01"
    with open(path, "rb") as handle:
        again = import_activities(handle, region=COUNTY_A, skip_invalid=True)
    assert again.created == 0 and again.skipped == 1
    assert Activity.objects.filter(region_id=COUNTY_B).count() == 0


def test_related_sections_on_person_and_association_pages(staff_client, records, make_association):
    association = make_association()
    records["activity"].associations.add(association)
    person_page = staff_client.get(reverse("people:person_detail", args=[records["zhang"].pk])).content.decode()
    assert "参加活动" in person_page and "直播带货公益培训" in person_page and "积分台账" in person_page
    association_page = staff_client.get(reverse("orgs:association_detail", args=[association.pk])).content.decode()
    assert "组织的活动" in association_page and "直播带货公益培训" in association_page


def test_service_menu_suggests_matching_persons(staff_client, make_person, regions):
    from tongxin.activities.models import ServiceProgramme
    from tongxin.people.services import specialties_named

    lawyer = make_person("律师甲", TOWNSHIP_A)
    lawyer.specialties.set(specialties_named("法律咨询"))
    painter = make_person("画家乙", TOWNSHIP_A)
    painter.specialties.set(specialties_named("绘画"))
    programme = ServiceProgramme.objects.create(region_id=COUNTY_A, name="法律进社区")
    programme.specialties.set(specialties_named(["法律咨询", "法律援助"]))
    response = staff_client.get(reverse("activities:serviceprogramme_detail", args=[programme.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    start = body.find("推荐人选")
    assert "律师甲" in body, body[start:start + 1500]
    assert "律师甲" in body and "画家乙" not in body


def test_activity_with_attendances_cannot_be_deleted(staff_client, records, make_activity):
    activity = records["activity"]
    staff_client.post(reverse("activities:activity_delete", args=[activity.pk]))
    assert Activity.objects.filter(pk=activity.pk).exists()
    empty = make_activity("无人参加")
    staff_client.post(reverse("activities:activity_delete", args=[empty.pk]))
    assert not Activity.objects.filter(pk=empty.pk).exists()


def test_attendance_sheet_export_masks_phone(staff_client, records):
    response = staff_client.get(reverse("activities:activity_attendance_export", args=[records["activity"].pk]))
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("姓名", "身份证号") and rows[1][0] == "张嘉骊"
    assert "13812345678" not in str(rows) and "5678" in str(rows[1][2])


def test_activity_list_queries_do_not_grow_with_rows(staff_client, make_activity, make_person,
                                                     django_assert_max_num_queries, make_association):
    association = make_association()
    person = make_person()
    for n in range(12):
        activity = make_activity(f"活动{n}", associations=[association])
        services.staff_check_in(activity, person, by=None)
    with django_assert_max_num_queries(20):
        body = staff_client.get(reverse("activities:activity_list")).content.decode()
    assert body.count("船山区新联会") >= 12


def test_training_pages_enroll_and_session_attendance(staff_client, make_activity, make_person):
    from tongxin.activities.models import ClassSession, Trainee, TrainingClass

    activity = make_activity("能力提升培训班", type="03", hours=30)
    response = staff_client.post(reverse("activities:trainingclass_add"),
                                 {"activity": activity.pk, "term": "第1期", "min_sessions": "1"})
    assert response.status_code == 302
    training = TrainingClass.objects.get(activity=activity)
    response = staff_client.post(reverse("activities:classsession_add"), {
        "training_class": training.pk, "title": "统战理论", "starts_at": "2026-03-01T09:00",
        "ends_at": "2026-03-01T11:00"})
    assert response.status_code == 302
    session = ClassSession.objects.get(training_class=training)
    trainees = [make_person() for _ in range(3)]
    staff_client.post(reverse("activities:training_enroll", args=[training.pk]), {"persons": [p.pk for p in trainees]})
    assert Trainee.objects.filter(training_class=training).count() == 3
    staff_client.post(reverse("activities:session_attendance", args=[session.pk]),
                      {"persons": [trainees[0].pk, trainees[1].pk]})
    assert Trainee.objects.filter(training_class=training, completed=True).count() == 2
    page = staff_client.get(reverse("activities:trainingclass_detail", args=[training.pk])).content.decode()
    assert "统战理论" in page and "已结业" in page
    not_training = make_activity("普通活动", type="02")
    bad = staff_client.post(reverse("activities:trainingclass_add"), {"activity": not_training.pk, "min_sessions": "1"})
    assert bad.status_code == 200


def test_point_rule_clash_and_reward_redeem_pages(staff_client, records):
    from tongxin.activities.models import Reward

    response = staff_client.post(reverse("activities:pointrule_add"),
                                 {"region": COUNTY_A, "trigger": "attendance", "activity_type": "", "points": "9",
                                  "is_active": "on"})
    assert response.status_code == 200 and "已有相同事项" in response.content.decode()
    reward = Reward.objects.create(region_id=COUNTY_A, name="文创书签", points_cost=3, stock=2)
    staff_client.post(reverse("activities:reward_redeem", args=[reward.pk]), {"person": records["zhang"].pk})
    assert services.points_balance(records["zhang"]) == 2
    reward.refresh_from_db()
    assert reward.stock == 1
    response = staff_client.post(reverse("activities:reward_redeem", args=[reward.pk]),
                                 {"person": records["zhang"].pk}, follow=True)
    assert "积分不足" in response.content.decode()


def test_attendance_import_command_uses_activity_numbers(records, make_activity, tmp_path, capsys):
    from django.core.management import call_command

    activity = records["activity"]
    other = make_activity("安居区活动", region=COUNTY_B)
    path = tmp_path / "签到.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["活动编号", "姓名", "志愿服务时长"])
    book.active.append([activity.pk, "李四", 2])
    book.active.append([activity.pk, "张嘉骊", ""])  # already present: skipped
    book.active.append([other.pk, "李四", ""])  # outside the region: rejected
    book.save(path)
    with pytest.raises(SystemExit) as exc:
        call_command("import", "attendance", str(path), "--region", COUNTY_A, "--format", "json",
                     "--skip-invalid")
    assert exc.value.code == 1
    out = capsys.readouterr().out
    assert '"created": 1' in out and '"skipped": 1' in out and "活动编号" in out
    li = Attendance.objects.get(activity=activity, person=records["li"])
    assert li.source == "import" and services.points_balance(records["li"]) == 5 + 0


def test_web_import_of_activities_reports_rows(staff_client, regions):
    book = openpyxl.Workbook()
    book.active.append(["活动名称", "活动类型", "开始时间"])
    book.active.append(["读书会", "文化活动", "2025-05-01 19:00"])
    book.active.append(["坏行", "文化活动", "不是日期"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("活动.xlsx", buffer.getvalue())
    response = staff_client.post(reverse("activities:activity_import"), {"file": upload, "region": COUNTY_A})
    assert response.status_code == 200 and "第 3 行" in response.content.decode()
    assert not Activity.objects.filter(title="读书会").exists()
    upload = SimpleUploadedFile("活动.xlsx", buffer.getvalue())
    response = staff_client.post(reverse("activities:activity_import"),
                                 {"file": upload, "region": COUNTY_A, "mode": "valid"})
    assert response.status_code == 302 and Activity.objects.filter(title="读书会").exists()


def test_add_links_prefill_only_records_of_the_users_scope(staff_client, make_activity):
    own = make_activity("能力提升培训班", type="03")
    other = make_activity("安居区培训班", type="03", region=COUNTY_B)
    url = reverse("activities:trainingclass_add")
    assert staff_client.get(url, {"activity": own.pk}).context["form"].initial.get("activity") == own.pk
    assert "activity" not in staff_client.get(url, {"activity": other.pk}).context["form"].initial
    assert "activity" not in staff_client.get(url, {"activity": "x1"}).context["form"].initial
