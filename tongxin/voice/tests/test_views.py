import datetime

import pytest
from django.urls import reverse

from tongxin.voice import services
from tongxin.voice.models import PoliticalArrangement, Proposal

from .conftest import COUNTY_A, TOWNSHIP_A, TOWNSHIP_B, days_ago

D = datetime.date


@pytest.fixture
def other_proposal(make_proposal, make_person):
    return make_proposal("安居区的建议", "安居区内容", persons=[make_person("乙县人", TOWNSHIP_B)], region=TOWNSHIP_B)


def test_proposal_pages_render(staff_client, make_proposal):
    proposal = make_proposal()
    for url in [reverse("voice:proposal_list"), reverse("voice:proposal_add"), proposal.get_absolute_url(),
                reverse("voice:proposal_edit", args=[proposal.pk])]:
        response = staff_client.get(url)
        assert response.status_code == 200, url
    page = staff_client.get(proposal.get_absolute_url()).content.decode()
    assert "开始审核" in page and "办理过程" in page


def test_create_proposal_from_form_then_transitions(staff_client, make_person):
    person = make_person("王建")
    response = staff_client.post(reverse("voice:proposal_add"), {
        "title": "关于增设公共停车位的建议", "content": "老旧小区停车难。", "topic": "urban", "channel": "opinion",
        "persons": [person.pk], "region": TOWNSHIP_A, "submitted_on": days_ago(10).isoformat()})
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert list(proposal.persons.all()) == [person]
    url = reverse("voice:proposal_transition", args=[proposal.pk])
    staff_client.post(url, {"status": "under_review", "on": days_ago(8).isoformat()})
    response = staff_client.post(url, {"status": "adopted", "on": days_ago(5).isoformat()}, follow=True)
    assert "请填写采纳单位/部门" in response.content.decode()
    staff_client.post(url, {"status": "adopted", "on": days_ago(5).isoformat(), "body": "区住建局",
                            "form": "department"})
    proposal.refresh_from_db()
    assert proposal.status == "adopted" and proposal.adopted_by == "区住建局"


def test_form_errors_from_service_show_on_fields(staff_client, regions):
    response = staff_client.post(reverse("voice:proposal_add"), {
        "title": "t", "content": "c", "topic": "urban", "channel": "opinion", "region": TOWNSHIP_A,
        "submitted_on": days_ago(1).isoformat()})
    assert response.status_code == 200
    assert "请选择提出人：至少一名人士或一个组织" in response.content.decode()
    assert not Proposal.objects.exists()


def test_similar_fragment_lists_in_scope_only(staff_client, make_proposal, other_proposal):
    mine = make_proposal("关于优化营商环境的建议")
    response = staff_client.get(reverse("voice:proposal_similar"), {"title": "优化营商环境", "content": ""})
    text = response.content.decode()
    assert mine.title in text
    response = staff_client.get(reverse("voice:proposal_similar"), {"title": "安居区的建议"})
    assert other_proposal.title not in response.content.decode()


def test_other_county_records_are_404(staff_client, other_proposal):
    assert staff_client.get(other_proposal.get_absolute_url()).status_code == 404
    response = staff_client.post(reverse("voice:proposal_transition", args=[other_proposal.pk]),
                                 {"status": "under_review"})
    assert response.status_code == 404
    assert staff_client.get(reverse("voice:proposal_list")).content.decode().count("安居区的建议") == 0


def test_leader_cannot_change(client, make_user, make_proposal):
    proposal = make_proposal()
    client.force_login(make_user("leader", COUNTY_A))
    assert client.get(proposal.get_absolute_url()).status_code == 200
    assert client.get(reverse("voice:proposal_add")).status_code in (403, 404)
    response = client.post(reverse("voice:proposal_transition", args=[proposal.pk]), {"status": "under_review"})
    assert response.status_code in (403, 404)
    proposal.refresh_from_db()
    assert proposal.status == "submitted"


def test_member_has_no_staff_pages(client, make_user, make_proposal):
    proposal = make_proposal()
    client.force_login(make_user("member", COUNTY_A))
    assert client.get(proposal.get_absolute_url()).status_code in (403, 404)


def test_arrangement_list_as_of_date_counts(staff_client, make_arrangement):
    for _ in range(2):
        make_arrangement(body="npc")
    make_arrangement(body="supervisor")
    make_arrangement(body="npc", starts_on=D(2017, 1, 1), ends_on=D(2021, 12, 31), recommended_on=D(2016, 1, 1))
    make_arrangement(body="npc", region=TOWNSHIP_B)
    response = staff_client.get(reverse("voice:politicalarrangement_list"), {"as_of": "2024-06-01"})
    counts = {(r["body"], r["level"]): r["count"] for r in response.context["seat_counts"]}
    assert counts == {("npc", "county"): 2, ("supervisor", "county"): 1}
    assert [(r["body"], r["count"]) for r in response.context["body_totals"]] == [("npc", 2), ("supervisor", 1)]
    assert len(response.context["page"].rows) == 3
    response = staff_client.get(reverse("voice:politicalarrangement_list"), {"as_of": "2020-06-01"})
    assert {(r["body"], r["count"]) for r in response.context["seat_counts"]} == {("npc", 1)}


def test_arrangement_advance_and_watch(staff_client, make_person, make_arrangement):
    arrangement = make_arrangement(status="recommended")
    url = reverse("voice:politicalarrangement_advance", args=[arrangement.pk])
    staff_client.post(url, {"status": "inspected"})
    response = staff_client.post(url, {"status": "arranged"}, follow=True)
    assert "已安排的须填写任期开始日期" in response.content.decode()
    staff_client.post(url, {"status": "arranged", "starts_on": "2022-01-01", "ends_on": "2026-12-31"})
    arrangement.refresh_from_db()
    assert arrangement.status == "arranged"
    bare = make_person("待推荐代表", representative=True)
    response = staff_client.get(reverse("voice:politicalarrangement_watch"), {"months": 60})
    assert bare in response.context["unarranged"]
    assert arrangement in response.context["ending"]


def test_arrangement_create_takes_person_region(staff_client, make_person):
    person = make_person("推荐对象", TOWNSHIP_A)
    response = staff_client.post(reverse("voice:politicalarrangement_add"), {
        "person": person.pk, "body": "acfic", "level": "county", "term": "第十届", "status": "recommended",
        "recommended_on": "2024-01-01", "recommended_by": "区工商联"})
    assert response.status_code == 302
    assert PoliticalArrangement.objects.get().region_id == TOWNSHIP_A


def test_meeting_problem_and_report_document(staff_client, make_person, regions):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tongxin.voice.models import ConsultationMeeting, Research, ResearchReport

    meeting = services.save_meeting(ConsultationMeeting(title="协商会", region_id=COUNTY_A, held_on=days_ago(30)),
                                    participants=[make_person("参会")])
    response = staff_client.post(reverse("voice:consultationmeeting_problem", args=[meeting.pk]),
                                 {"title": "噪音扰民", "solved_on": days_ago(5).isoformat(), "longstanding": "on"})
    assert response.status_code == 302
    assert meeting.problems.get().longstanding
    page = staff_client.get(reverse("voice:problemsolved_list"), {"longstanding": "1"})
    assert "噪音扰民" in page.content.decode()
    research = services.save_research(Research(topic="调研", region_id=COUNTY_A, started_on=days_ago(60)))
    report = services.save_report(ResearchReport(research=research, title="报告", completed_on=days_ago(40)),
                                  document=SimpleUploadedFile("调研报告.pdf", b"%PDF-1.4 data"))
    response = staff_client.get(reverse("voice:researchreport_document", args=[report.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 data"
    assert staff_client.get(research.get_absolute_url()).status_code == 200
    assert staff_client.get(meeting.get_absolute_url()).status_code == 200


def test_person_page_shows_voice_sections(staff_client, make_proposal, make_arrangement, make_person):
    person = make_person("张嘉骊", representative=True)
    make_proposal("张的建议", persons=[person])
    make_arrangement(person)
    page = staff_client.get(person.get_absolute_url()).content.decode()
    assert "提案建议" in page and "张的建议" in page and "政治安排" in page


def test_honour_pages(staff_client, make_person):
    person = make_person("获奖人")
    response = staff_client.post(reverse("voice:honour_add"), {
        "title": "优秀会员", "kind": "person", "person": person.pk, "level": "city", "granted_by": "市新联会",
        "granted_on": "2024-05-01"})
    assert response.status_code == 302
    assert staff_client.get(response["Location"]).status_code == 200
    assert "优秀会员" in staff_client.get(reverse("voice:honour_list")).content.decode()


def test_export_proposals_is_scoped(staff_client, make_proposal, other_proposal):
    make_proposal("我的建议")
    response = staff_client.get(reverse("voice:proposal_export"), {"format": "csv"})
    text = response.content.decode("utf-8-sig")
    assert "我的建议" in text and "安居区的建议" not in text


def test_honour_certificate_upload_checked_and_downloaded(staff_client, make_person):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tongxin.voice.models import Honour

    person = make_person("证书人")
    data = {"title": "优秀个人", "kind": "person", "person": person.pk, "level": "county", "granted_on": "2024-05-01"}
    response = staff_client.post(reverse("voice:honour_add"),
                                 {**data, "upload": SimpleUploadedFile("证书.exe", b"MZ\x90\x00")})
    assert response.status_code == 200 and "只能上传" in response.content.decode()
    response = staff_client.post(reverse("voice:honour_add"),
                                 {**data, "upload": SimpleUploadedFile("证书.png", b"\x89PNG\r\n\x1a\nabc")})
    honour = Honour.objects.get()
    assert honour.certificate_name == "证书.png"
    response = staff_client.get(reverse("voice:honour_certificate", args=[honour.pk]))
    assert response.status_code == 200 and "%E8%AF%81%E4%B9%A6.png" in response["Content-Disposition"]
