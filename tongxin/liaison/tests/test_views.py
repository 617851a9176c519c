import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongxin.core.models import AuditEntry
from tongxin.liaison.models import Case, CaseStatus, Contact, Pairing

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, TOWNSHIP_A2, days_ago

D = datetime.date


@pytest.fixture
def records(make_person, make_pairing, make_contact, make_case):
    """One pairing, contact and case of 船山区."""
    zhang = make_person("张嘉骊", TOWNSHIP_A, phone="13812345678", id_seq=11)
    li = make_person("李四", TOWNSHIP_A)
    pairing = make_pairing([zhang, li], started_on=days_ago(400))
    contact = make_contact([zhang], days_ago(20), topic="走访工作室", follow_up_needed=True,
                           follow_up_note="协调直播场地")
    case = make_case(zhang, title="直播基地缺少活动阵地", opened_on=days_ago(40), deadline=days_ago(10))
    return {"zhang": zhang, "li": li, "pairing": pairing, "contact": contact, "case": case}


RECORD_URLS = [
    ("liaison:pairing_detail", "pairing"), ("liaison:pairing_edit", "pairing"), ("liaison:pairing_end", "pairing"),
    ("liaison:pairing_delete", "pairing"), ("liaison:contact_detail", "contact"), ("liaison:contact_edit", "contact"),
    ("liaison:contact_follow_up", "contact"), ("liaison:contact_delete", "contact"), ("liaison:case_detail", "case"),
    ("liaison:case_edit", "case"), ("liaison:case_status", "case"), ("liaison:case_note", "case"),
    ("liaison:case_feedback", "case"), ("liaison:case_delete", "case"),
]


@pytest.mark.parametrize("name, key", RECORD_URLS)
def test_other_countys_user_gets_404_on_every_record_url(client, other_staff_user, records, name, key):
    client.force_login(other_staff_user)
    url = reverse(name, args=[records[key].pk])
    for method in ("get", "post"):
        response = getattr(client, method)(url, {"status": "closed", "text": "x", "feedback": "satisfied",
                                                 "ended_on": "2026-01-01", "done_on": "2026-01-01", "on": "2026-01-01"})
        assert response.status_code in (404, 405), (method, url, response.status_code)
    assert Pairing.objects.filter(pk=records["pairing"].pk, ended_on__isnull=True).exists()
    assert Case.objects.get(pk=records["case"].pk).status == CaseStatus.OPEN


def test_other_countys_lists_and_api_are_empty(client, other_staff_user, records):
    client.force_login(other_staff_user)
    for name in ("liaison:pairing_list", "liaison:contact_list", "liaison:case_list", "liaison:coverage",
                 "liaison:contact_export", "liaison:case_export"):
        for query in ("", "?tab=unpaired", "?tab=follow_ups", "?format=csv"):
            response = client.get(reverse(name) + query)
            assert response.status_code == 200
            body = response.content.decode("utf-8", "replace")
            assert "张嘉骊" not in body and "直播基地" not in body, (name, query)
    for name in ("api:pairing-list", "api:contact-list", "api:case-list"):
        assert client.get(reverse(name)).json()["results"] == []
    for name, key in (("api:pairing-detail", "pairing"), ("api:contact-detail", "contact"),
                      ("api:case-detail", "case")):
        assert client.get(reverse(name, args=[records[key].pk])).status_code == 404


def test_staff_sees_the_lists(staff_client, records):
    text = staff_client.get(reverse("liaison:pairing_list")).text
    assert "周建华" in text and "张嘉骊" in text and "1</strong> 名领导结对联系 <strong>2</strong>" in text
    text = staff_client.get(reverse("liaison:contact_list"), {"q": "zjl"}).text
    assert "走访工作室" in text
    assert "走访工作室" not in staff_client.get(reverse("liaison:contact_list"), {"channel": "phone"}).text
    text = staff_client.get(reverse("liaison:case_list"), {"overdue": "1"}).text
    assert "直播基地缺少活动阵地" in text and "逾期" in text
    assert "直播基地" not in staff_client.get(reverse("liaison:case_list"), {"status": "resolved"}).text
    text = staff_client.get(reverse("liaison:case_list"), {"region": TOWNSHIP_A}).text
    assert "直播基地缺少活动阵地" in text
    assert "直播基地" not in staff_client.get(reverse("liaison:case_list"), {"region": TOWNSHIP_A2}).text


def test_detail_pages(staff_client, records):
    text = staff_client.get(reverse("liaison:pairing_detail", args=[records["pairing"].pk])).text
    assert "张嘉骊" in text and "李四" in text and "记录联系" in text and "结束结对" in text
    text = staff_client.get(reverse("liaison:contact_detail", args=[records["contact"].pk])).text
    assert "协调直播场地" in text and "待跟进" in text and "记录跟进完成" in text
    text = staff_client.get(reverse("liaison:case_detail", args=[records["case"].pk])).text
    assert "受理诉求" in text and "开始办理" in text and "办结" in text and "逾期" in text


def test_person_page_shows_liaison_sections(staff_client, records):
    text = staff_client.get(reverse("people:person_detail", args=[records["zhang"].pk])).text
    assert "结对联系" in text and "周建华" in text
    assert "联系记录" in text and "走访工作室" in text
    assert "反映诉求" in text and "直播基地缺少活动阵地" in text


def test_coverage_lists(staff_client, records, make_person, make_contact):
    make_person("王五", TOWNSHIP_A2)  # a representative nobody is paired with
    make_contact([records["li"]], days_ago(200))  # li: last contact 200 days ago, interval 90
    url = reverse("liaison:coverage")
    response = staff_client.get(url)
    assert response.context["counts"] == {"unpaired": 1, "overdue": 1, "follow_ups": 1}
    assert "李四" in response.text and "张嘉骊" not in response.text  # zhang was contacted 20 days ago
    assert "王五" in staff_client.get(url, {"tab": "unpaired"}).text
    assert "协调直播场地" in staff_client.get(url, {"tab": "follow_ups"}).text
    assert response.context["overdue_cases"] == 1


def test_quick_contact_form_prefills_and_saves(client, make_user, records):
    liaison = make_user("liaison", TOWNSHIP_A, username="wjg", display_name="王建国")
    client.force_login(liaison)
    url = reverse("liaison:contact_add")
    response = client.get(url, {"person": records["zhang"].pk})
    assert response.status_code == 200
    assert response.context["form"].initial["persons"] == [records["zhang"].pk]
    assert "张嘉骊" in response.text and 'value="face"' in response.text
    response = client.get(url, {"pairing": records["pairing"].pk})
    assert "persons" not in response.context["form"].initial  # a county pairing is outside a township's scope
    response = client.post(url, {"persons": [records["zhang"].pk, records["li"].pk], "channel": "online",
                                 "contacted_on": days_ago(0).isoformat(), "topic": "微信沟通参加活动"})
    contact = Contact.objects.get(topic="微信沟通参加活动")
    assert response.status_code == 302 and response["Location"] == contact.get_absolute_url()
    assert contact.by_user == liaison and contact.recorded_by == liaison and contact.region_id == TOWNSHIP_A
    assert contact.persons.count() == 2
    response = client.post(url, {"persons": [records["zhang"].pk], "channel": "face",
                                 "contacted_on": days_ago(-3).isoformat(), "topic": "走访",
                                 "follow_up_needed": "on"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["contacted_on"] == ["联系日期不能晚于今天"]
    assert errors["follow_up_note"] == ["需要跟进时请写明跟进事项"]
    assert response.context["more_open"]  # the folded part opens to show its error


def test_contact_form_prefilled_from_a_pairing(staff_client, records, leader):
    response = staff_client.get(reverse("liaison:contact_add"), {"pairing": records["pairing"].pk})
    form = response.context["form"]
    assert set(form.initial["persons"]) == {records["zhang"].pk, records["li"].pk}
    assert form.initial["by_user"] == leader.pk


def test_liaison_role_adds_contacts_and_cases_leader_cannot(client, make_user, records):
    liaison = make_user("liaison", TOWNSHIP_A, username="wjg")
    client.force_login(liaison)
    assert client.get(reverse("liaison:contact_add")).status_code == 200
    assert client.get(reverse("liaison:case_add")).status_code == 200
    response = client.post(reverse("liaison:case_add"), {
        "raiser_kind": "person", "raised_by_person": records["li"].pk, "title": "律所年检材料不齐",
        "category": "permit", "opened_on": days_ago(1).isoformat(), "deadline": days_ago(-30).isoformat()})
    case = Case.objects.get(title="律所年检材料不齐")
    assert response.status_code == 302 and case.region_id == TOWNSHIP_A and case.status == CaseStatus.OPEN
    leader = make_user("leader", COUNTY_A, username="boss")
    client.force_login(leader)
    assert client.get(reverse("liaison:contact_list")).status_code == 200
    assert client.get(reverse("liaison:coverage")).status_code == 200
    assert client.get(reverse("liaison:contact_add")).status_code == 404
    assert client.get(reverse("liaison:case_add")).status_code == 404
    assert client.post(reverse("liaison:case_status", args=[case.pk]), {"status": "in_progress",
                                                                         "on": days_ago(0)}).status_code == 404
    member = make_user("member", COUNTY_A, username="m1")
    client.force_login(member)
    assert client.get(reverse("liaison:contact_list")).status_code == 404


def test_case_actions_through_the_pages(staff_client, records):
    case = records["case"]
    url = reverse("liaison:case_status", args=[case.pk])
    response = staff_client.post(url, {"status": "resolved", "on": days_ago(0).isoformat()}, follow=True)
    assert "办结时请填写办理结果" in response.text
    staff_client.post(url, {"status": "in_progress", "on": days_ago(5).isoformat()})
    staff_client.post(reverse("liaison:case_note", args=[case.pk]), {"text": "与街道对接场地",
                                                                      "noted_on": days_ago(3).isoformat()})
    staff_client.post(url, {"status": "resolved", "on": days_ago(1).isoformat(), "resolution": "街道提供活动室"})
    staff_client.post(reverse("liaison:case_feedback", args=[case.pk]), {"feedback": "satisfied", "note": "好"})
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.resolved_on == days_ago(1) and case.feedback == "satisfied"
    assert list(case.notes.values_list("kind", flat=True)) == ["status", "status", "note", "status", "feedback"]


def test_pairing_add_edit_and_end(staff_client, leader, records, make_person):
    wang = make_person("王五", TOWNSHIP_A2)
    response = staff_client.post(reverse("liaison:pairing_add"), {
        "leader_user": leader.pk, "leader_title": "区委书记", "leader_level": "county", "region": COUNTY_A,
        "persons": [wang.pk], "started_on": days_ago(10).isoformat(), "contact_interval_days": 60})
    pairing = Pairing.objects.get(members__person=wang)
    assert response.status_code == 302 and pairing.contact_interval_days == 60
    response = staff_client.post(reverse("liaison:pairing_add"), {
        "leader_level": "county", "region": COUNTY_A, "persons": [wang.pk], "started_on": days_ago(1).isoformat(),
        "contact_interval_days": 90})
    assert response.status_code == 200 and "二者选一" in response.text
    staff_client.post(reverse("liaison:pairing_end", args=[pairing.pk]), {"ended_on": days_ago(0).isoformat(),
                                                                         "reason": "职务调整"})
    pairing.refresh_from_db()
    assert pairing.ended_on == days_ago(0)


def test_follow_up_done_through_the_page(staff_client, records):
    contact = records["contact"]
    staff_client.post(reverse("liaison:contact_follow_up", args=[contact.pk]),
                      {"done_on": days_ago(1).isoformat(), "note": "已协调"})
    contact.refresh_from_db()
    assert contact.follow_up_done_on == days_ago(1)


def test_exports_mask_and_audit(staff_client, records):
    import openpyxl

    response = staff_client.get(reverse("liaison:contact_export"), {"format": "xlsx"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("联系日期", "联系人", "被联系人姓名")
    assert rows[1][2] == "张嘉骊" and "13812345678" not in str(rows[1]) and "138****5678" in str(rows[1])
    response = staff_client.get(reverse("liaison:case_export"), {"format": "csv", "overdue": "1"})
    text = response.content.decode("utf-8-sig")
    assert "直播基地缺少活动阵地" in text and "活动阵地" in text and "是" in text
    assert AuditEntry.objects.filter(action=AuditEntry.EXPORT).count() == 2


def test_contact_import_page(staff_client, records):
    content = ("联系日期,联系人,被联系人姓名,手机号码,方式,内容\n"
               f"{days_ago(3).isoformat()},周建华,张嘉骊,13812345678,电话,电话了解复工情况\n"
               f"{days_ago(3).isoformat()},周建华,李四,,见面,走访企业\n"
               f"{days_ago(3).isoformat()},无此人,李四,,电话,走访\n")
    upload = SimpleUploadedFile("联系记录.csv", content.encode("utf-8"), content_type="text/csv")
    url = reverse("liaison:contact_import")
    response = staff_client.post(url, {"file": upload, "region": COUNTY_A})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.created == 2 and result.rejected == 1
    assert "不是本范围内的系统用户" in response.text
    response = staff_client.post(url, {"step": "commit", "mode": "valid"})
    assert response.status_code == 302
    assert Contact.objects.filter(topic="电话了解复工情况", channel="phone").exists()
    assert Contact.objects.filter(topic="走访企业", channel="face", links__person=records["li"]).exists()
    assert staff_client.get(reverse("liaison:contact_import_template")).status_code == 200


def test_other_county_cannot_pick_records_of_mine(client, other_staff_user, records):
    client.force_login(other_staff_user)
    response = client.get(reverse("liaison:contact_add"), {"person": records["zhang"].pk,
                                                           "pairing": records["pairing"].pk})
    assert response.status_code == 200 and "张嘉骊" not in response.text
    response = client.post(reverse("liaison:contact_add"), {
        "persons": [records["zhang"].pk], "channel": "face", "contacted_on": days_ago(1).isoformat(),
        "topic": "越权"})
    assert response.status_code == 200 and not Contact.objects.filter(topic="越权").exists()
    assert COUNTY_B  # the other user's county


def test_person_page_actions_link_the_quick_forms(make_user, records):
    from tongxin.liaison.related import _action

    record_contact = _action("liaison.add_contact", "liaison:contact_add", "记录联系", "message-circle")
    liaison = make_user("liaison", TOWNSHIP_A, username="wjg")
    assert record_contact(records["zhang"], liaison) == [{
        "label": "记录联系", "url": f"/liaison/contacts/add/?person={records['zhang'].pk}", "icon": "message-circle"}]
    assert record_contact(records["zhang"], make_user("leader", COUNTY_A, username="boss")) == []
