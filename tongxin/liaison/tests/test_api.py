import pytest
from django.urls import reverse

from tongxin.liaison.models import Case, Contact, Pairing

from .conftest import COUNTY_A, TOWNSHIP_A, days_ago


@pytest.fixture
def api(client, staff_user):
    client.force_login(staff_user)
    return client


def test_create_contact_and_pairing(api, staff_user, leader, make_person):
    zhang, li = make_person("张嘉骊"), make_person("李四")
    response = api.post(reverse("api:contact-list"), {
        "contacted_on": days_ago(1).isoformat(), "persons": [zhang.pk, li.pk], "channel": "phone",
        "topic": "电话了解近况"}, content_type="application/json")
    assert response.status_code == 201, response.content
    contact = Contact.objects.get(pk=response.json()["id"])
    assert contact.by_user == staff_user and contact.region_id == TOWNSHIP_A
    assert {p["name"] for p in response.json()["persons"]} == {"张嘉骊", "李四"}
    response = api.post(reverse("api:contact-list"), {
        "contacted_on": days_ago(-1).isoformat(), "persons": [zhang.pk], "channel": "phone", "topic": "x"},
        content_type="application/json")
    assert response.status_code == 400 and response.json()["contacted_on"] == ["联系日期不能晚于今天"]
    response = api.post(reverse("api:pairing-list"), {
        "leader_user": leader.pk, "leader_title": "区委书记", "region": "510903", "persons": [zhang.pk],
        "started_on": days_ago(30).isoformat()}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["members"][0]["name"] == "张嘉骊"
    pairing = Pairing.objects.get()
    response = api.post(reverse("api:pairing-end", args=[pairing.pk]), {"reason": "调整"},
                        content_type="application/json")
    assert response.status_code == 200 and response.json()["ended_on"]


def test_case_actions(api, make_person):
    person = make_person("张嘉骊")
    response = api.post(reverse("api:case-list"), {
        "title": "无活动阵地", "category": "site", "raiser_kind": "person", "raised_by_person": person.pk,
        "opened_on": days_ago(10).isoformat(), "deadline": days_ago(2).isoformat()}, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "open" and data["overdue"] is True and data["region"] == TOWNSHIP_A
    url = reverse("api:case-change-status", args=[data["id"]])
    response = api.post(url, {"status": "resolved"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["resolution"] == ["办结时请填写办理结果"]
    api.post(reverse("api:case-add-note", args=[data["id"]]), {"text": "对接街道"}, content_type="application/json")
    response = api.post(url, {"status": "resolved", "resolution": "提供活动室"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "resolved"
    response = api.post(reverse("api:case-feedback", args=[data["id"]]), {"feedback": "satisfied"},
                        content_type="application/json")
    assert response.json()["feedback"] == "satisfied"
    assert [n["kind"] for n in response.json()["notes"]] == ["status", "note", "status", "feedback"]
    response = api.patch(reverse("api:case-detail", args=[data["id"]]), {"status": "open"},
                         content_type="application/json")
    assert Case.objects.get(pk=data["id"]).status == "resolved"  # status is read-only outside the action
    assert api.get(reverse("api:case-list"), {"overdue": "1"}).json()["results"] == []


def test_leader_reads_but_cannot_write(client, make_user, make_person):
    client.force_login(make_user("leader", COUNTY_A, username="boss"))
    assert client.get(reverse("api:contact-list")).status_code == 200
    response = client.post(reverse("api:contact-list"), {"persons": [make_person("甲").pk]},
                           content_type="application/json")
    assert response.status_code == 403
