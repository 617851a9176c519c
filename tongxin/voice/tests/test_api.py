import pytest
from django.urls import reverse

from tongxin.voice.models import PoliticalArrangement, Proposal

from .conftest import COUNTY_A, TOWNSHIP_A, TOWNSHIP_B, days_ago


@pytest.fixture
def api(client, staff_user):
    client.force_login(staff_user)
    return client


def test_proposal_create_transition_and_similar(api, make_person):
    person = make_person("张嘉骊")
    response = api.post(reverse("api:proposal-list"), {
        "title": "关于优化营商环境的建议", "content": "简化审批", "topic": "business", "channel": "proposal",
        "persons": [person.pk], "region": TOWNSHIP_A, "submitted_on": days_ago(10).isoformat()},
        content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "submitted" and data["persons"] == [{"id": person.pk, "name": "张嘉骊"}]
    url = reverse("api:proposal-transition", args=[data["id"]])
    response = api.post(url, {"status": "adopted"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["status"] == ["当前状态为“已提交”，不能变更为“已采纳”"]
    response = api.post(url, {"status": "under_review", "on": days_ago(5).isoformat()},
                        content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "under_review"
    assert [s["status"] for s in response.json()["steps"]] == ["submitted", "under_review"]
    response = api.get(reverse("api:proposal-similar"), {"text": "优化营商环境"})
    assert response.status_code == 200 and response.json()[0]["title"] == "关于优化营商环境的建议"


def test_proposal_validation_in_chinese(api, regions):
    response = api.post(reverse("api:proposal-list"), {
        "title": "t", "content": "c", "topic": "other", "channel": "proposal", "region": TOWNSHIP_A},
        content_type="application/json")
    assert response.status_code == 400
    assert response.json()["persons"] == ["请选择提出人：至少一名人士或一个组织"]


def test_other_county_is_404_and_hidden(api, make_proposal, make_person, make_arrangement):
    other = make_proposal("外县建议", persons=[make_person("外县人", TOWNSHIP_B)], region=TOWNSHIP_B)
    seat = make_arrangement(region=TOWNSHIP_B)
    assert api.get(reverse("api:proposal-detail", args=[other.pk])).status_code == 404
    assert api.post(reverse("api:proposal-transition", args=[other.pk]), {"status": "under_review"},
                    content_type="application/json").status_code == 404
    assert api.get(reverse("api:politicalarrangement-detail", args=[seat.pk])).status_code == 404
    assert "外县建议" not in api.get(reverse("api:proposal-list")).content.decode()
    response = api.post(reverse("api:proposal-list"), {
        "title": "t", "content": "c", "topic": "other", "channel": "proposal", "region": TOWNSHIP_B,
        "persons": []}, content_type="application/json")
    assert response.status_code == 400
    assert not Proposal.objects.filter(title="t").exists()


def test_leader_cannot_write(client, make_user, make_proposal):
    proposal = make_proposal()
    client.force_login(make_user("leader", COUNTY_A))
    assert client.get(reverse("api:proposal-detail", args=[proposal.pk])).status_code == 200
    response = client.post(reverse("api:proposal-transition", args=[proposal.pk]), {"status": "under_review"},
                           content_type="application/json")
    assert response.status_code == 403
    response = client.patch(reverse("api:proposal-detail", args=[proposal.pk]), {"title": "x"},
                            content_type="application/json")
    assert response.status_code == 403


def test_arrangement_seats_and_advance(api, make_arrangement, make_person):
    make_arrangement(body="npc")
    make_arrangement(body="npc")
    make_arrangement(body="acfic", starts_on=days_ago(10), ends_on=None, recommended_on=days_ago(20))
    make_arrangement(body="npc", region=TOWNSHIP_B)
    response = api.get(reverse("api:politicalarrangement-seats"), {"as_of": "2024-06-01"})
    assert response.status_code == 200
    assert [(r["body"], r["count"]) for r in response.json()] == [("npc", 2)]
    response = api.get(reverse("api:politicalarrangement-list"), {"as_of": "2024-06-01"})
    assert response.status_code == 200
    pending = make_arrangement(make_person("待考察"), status="recommended")
    response = api.post(reverse("api:politicalarrangement-advance", args=[pending.pk]), {"status": "inspected"},
                        content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "inspected"
    response = api.post(reverse("api:politicalarrangement-list"), {
        "person": make_person("新推荐").pk, "body": "youth", "level": "city", "status": "recommended",
        "recommended_on": "2024-01-01"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert PoliticalArrangement.objects.get(pk=response.json()["id"]).region_id == TOWNSHIP_A


def test_meeting_problem_action(api, make_person, regions):
    response = api.post(reverse("api:consultationmeeting-list"), {
        "title": "协商会", "kind": "community", "held_on": days_ago(20).isoformat(), "region": COUNTY_A,
        "participants": [make_person("参会").pk]}, content_type="application/json")
    assert response.status_code == 201, response.content
    meeting_id = response.json()["id"]
    response = api.post(reverse("api:consultationmeeting-problems", args=[meeting_id]), {
        "title": "噪音扰民", "solved_on": days_ago(2).isoformat(), "longstanding": True},
        content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["problems"][0]["title"] == "噪音扰民"
    assert api.get(reverse("api:problemsolved-list"), {"longstanding": "1"}).json()


def test_schema_has_voice_paths(api):
    response = api.get(reverse("api:schema"))
    assert response.status_code == 200
    assert b"/api/voice/proposals/" in response.content or b"voice/proposals" in response.content
