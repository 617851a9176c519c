import datetime

import pytest
from django.core.exceptions import ValidationError

from tongxin.voice import selectors, services
from tongxin.voice.models import (
    ConsultationMeeting,
    Honour,
    PoliticalArrangement,
    ProblemSolved,
    Proposal,
    ProposalGram,
    Research,
    ResearchReport,
)

from .conftest import COUNTY_A, TOWNSHIP_A, TOWNSHIP_B, days_ago

D = datetime.date


def test_submit_proposal_records_first_step_and_grams(make_proposal, staff_user):
    proposal = make_proposal()
    assert proposal.status == "submitted"
    assert proposal.source == "staff"
    step = proposal.steps.get()
    assert (step.status, step.stepped_on, step.by_user) == ("submitted", proposal.submitted_on, staff_user)
    grams = set(ProposalGram.objects.filter(proposal=proposal).values_list("gram", flat=True))
    assert {"营商", "商环", "审批"} <= grams
    assert "议，" not in grams and "，压" not in grams  # punctuation splits runs
    assert proposal.gram_count == len(grams)


def test_submit_proposal_from_portal_with_exact_contract_signature(make_person, regions):
    person = make_person("会员甲")
    proposal = services.submit_proposal(title="建议增设停车位", content="园区停车难。", topic="urban",
                                        channel="opinion", persons=[person], association=None,
                                        region=person.region, by=None, source="portal")
    assert proposal.source == "portal"
    assert list(proposal.persons.all()) == [person]
    assert proposal.submitted_on == services._today()


def test_submit_proposal_validation_names_fields(make_person, regions, staff_user):
    with pytest.raises(ValidationError) as exc:
        services.submit_proposal(title=" ", content="", topic="nope", channel="bad", persons=[],
                                 region=TOWNSHIP_A, by=staff_user)
    errors = exc.value.message_dict
    assert errors["title"] == ["标题不能为空"]
    assert errors["content"] == ["内容不能为空"]
    assert errors["channel"] == ["请选择渠道"]
    assert errors["persons"] == ["请选择提出人：至少一名人士或一个组织"]
    other = make_person("外县人", TOWNSHIP_B)
    with pytest.raises(ValidationError) as exc:
        services.submit_proposal(title="t", content="c", topic="other", channel="proposal", persons=[other],
                                 region=TOWNSHIP_A, by=staff_user)
    assert "不在本区县" in exc.value.message_dict["persons"][0]


def test_submit_by_association_only(make_association, staff_user):
    association = make_association()
    proposal = services.submit_proposal(title="关于新联会阵地建设的建议", content="内容", topic="other",
                                        channel="meeting", association=association, region=COUNTY_A,
                                        by=staff_user)
    assert proposal.proposer_names == "船山区新联会"


def test_lifecycle_no_skipping_and_dates(make_proposal, staff_user):
    proposal = make_proposal(submitted_on=days_ago(30))
    with pytest.raises(ValidationError) as exc:
        services.transition_proposal(proposal, "adopted", by=staff_user, body="区发改局", form="department")
    assert exc.value.message_dict["status"] == ["当前状态为“已提交”，不能变更为“已采纳”"]
    with pytest.raises(ValidationError) as exc:
        services.transition_proposal(proposal, "under_review", by=staff_user, on=days_ago(31))
    assert "日期不能早于提交日期" in exc.value.message_dict["stepped_on"][0]
    with pytest.raises(ValidationError) as exc:
        services.transition_proposal(proposal, "under_review", by=staff_user, on=days_ago(-1))
    assert exc.value.message_dict["stepped_on"] == ["日期不能晚于今天"]
    services.transition_proposal(proposal, "under_review", by=staff_user, on=days_ago(20))
    with pytest.raises(ValidationError) as exc:
        services.transition_proposal(proposal, "adopted", by=staff_user, on=days_ago(25), body="x",
                                     form="department")
    assert "上一步骤" in exc.value.message_dict["stepped_on"][0]
    with pytest.raises(ValidationError) as exc:
        services.transition_proposal(proposal, "adopted", by=staff_user, on=days_ago(10))
    assert exc.value.message_dict == {"body": ["请填写采纳单位/部门"], "form": ["请选择采纳形式"]}
    services.transition_proposal(proposal, "adopted", by=staff_user, on=days_ago(10), body="区发改局",
                                 form="instruction")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.adopted_on, proposal.adopted_by, proposal.adoption_form) == (
        "adopted", days_ago(10), "区发改局", "instruction")
    with pytest.raises(ValidationError) as exc:
        services.transition_proposal(proposal, "implemented", by=staff_user, on=days_ago(5))
    assert exc.value.message_dict["result"] == ["请填写落实结果"]
    services.transition_proposal(proposal, "implemented", by=staff_user, on=days_ago(5), result="已出台实施办法")
    proposal.refresh_from_db()
    assert proposal.status == "implemented" and proposal.implemented_on == days_ago(5)
    assert list(proposal.steps.values_list("status", flat=True)) == [
        "submitted", "under_review", "adopted", "implemented"]
    with pytest.raises(ValidationError):
        services.transition_proposal(proposal, "not_adopted", by=staff_user, reason="x")


def test_not_adopted_needs_reason(make_proposal, staff_user):
    proposal = make_proposal()
    services.transition_proposal(proposal, "under_review", by=staff_user, on=days_ago(50))
    with pytest.raises(ValidationError) as exc:
        services.transition_proposal(proposal, "not_adopted", by=staff_user, on=days_ago(40))
    assert exc.value.message_dict["reason"] == ["请填写未采纳原因"]
    step = services.transition_proposal(proposal, "not_adopted", by=staff_user, on=days_ago(40),
                                        reason="不属于本级事权")
    assert step.reason == "不属于本级事权"
    proposal.refresh_from_db()
    assert proposal.adopted_on is None


def test_adoption_awards_points_for_each_proposer(make_proposal, make_person, staff_user, monkeypatch):
    calls = []

    def fake_award_for(trigger, person, *, source, by=None):
        calls.append((trigger, person.name, source.pk, by))
        return "entry"

    monkeypatch.setattr(services, "points_award_function", lambda: fake_award_for)
    proposal = make_proposal(persons=[make_person("甲"), make_person("乙")])
    services.transition_proposal(proposal, "under_review", by=staff_user, on=days_ago(50))
    assert calls == []
    services.transition_proposal(proposal, "adopted", by=staff_user, on=days_ago(40), body="区委", form="policy")
    assert sorted(calls) == [("proposal_adopted", "乙", proposal.pk, staff_user),
                             ("proposal_adopted", "甲", proposal.pk, staff_user)]


def test_points_award_function_tolerates_missing_points_area():
    function = services.points_award_function()
    assert function is None or callable(function)


def test_similar_proposals_ranked_by_jaccard_in_scope(make_proposal, make_person):
    near = make_proposal("关于优化营商环境的建议", "建议简化企业开办流程，压缩审批时限。")
    mid = make_proposal("关于优化政务服务的建议", "建议推行一网通办。")
    make_proposal("加强河道生态治理", "清理河道垃圾。")
    far_county = make_proposal("关于优化营商环境的建议", "建议简化企业开办流程，压缩审批时限。",
                               persons=[make_person("乙县人", TOWNSHIP_B)], region=TOWNSHIP_B)
    text = "关于进一步优化营商环境的建议：简化企业开办流程"
    found = list(selectors.similar_proposals(text, queryset=Proposal.objects.in_region(COUNTY_A)))
    assert found[0] == near
    assert far_county not in found
    assert found.index(near) < found.index(mid) if mid in found else True
    assert 0 < found[0].score <= 1
    grams_a, grams_b = services.bigrams(text), services.bigrams(services.proposal_text(near.title, near.content))
    assert found[0].score == pytest.approx(len(grams_a & grams_b) / len(grams_a | grams_b))
    assert list(selectors.similar_to(near, queryset=Proposal.objects.in_region(COUNTY_A)))[:1] != [near]


def test_update_proposal_reindexes(make_proposal, staff_user):
    proposal = make_proposal()
    proposal.title, proposal.content = "河道治理", "清理垃圾"
    services.update_proposal(proposal, by=staff_user)
    assert set(proposal.grams.values_list("gram", flat=True)) == {"河道", "道治", "治理", "清理", "理垃", "垃圾"}


def test_research_report_and_proposals(make_person, make_proposal, staff_user):
    research = services.save_research(
        Research(topic="民营企业用工情况调研", region_id=COUNTY_A, started_on=D(2025, 3, 1), ended_on=D(2025, 3, 5),
                 places="园区A\n企业B"), team=[make_person("调研员")], by=staff_user)
    with pytest.raises(ValidationError) as exc:
        services.save_report(ResearchReport(research=research, title="报告", completed_on=D(2025, 2, 1)))
    assert "完成日期不能早于调研开始日期" in exc.value.message_dict["completed_on"][0]
    proposal = make_proposal()
    report = services.save_report(ResearchReport(research=research, title="用工调研报告", completed_on=D(2025, 4, 1)),
                                  proposals=[proposal], by=staff_user)
    proposal.refresh_from_db()
    assert (proposal.report, proposal.research) == (report, research)
    with pytest.raises(ValidationError) as exc:
        services.save_research(Research(topic="x", region_id=COUNTY_A, started_on=D(2025, 3, 5),
                                        ended_on=D(2025, 3, 1)))
    assert exc.value.message_dict["ended_on"] == ["结束日期不能早于开始日期"]


def test_report_document_checked(staff_user, regions):
    from django.core.files.uploadedfile import SimpleUploadedFile

    research = services.save_research(Research(topic="调研", region_id=COUNTY_A, started_on=D(2025, 3, 1)))
    bad = SimpleUploadedFile("报告.pdf", b"not a pdf")
    with pytest.raises(ValidationError) as exc:
        services.save_report(ResearchReport(research=research, title="报告", completed_on=D(2025, 4, 1)),
                             document=bad)
    assert "内容与扩展名不符" in exc.value.message_dict["document"][0]
    good = SimpleUploadedFile("报告.pdf", b"%PDF-1.4 hello")
    report = services.save_report(ResearchReport(research=research, title="报告", completed_on=D(2025, 4, 1)),
                                  document=good)
    assert report.document_name == "报告.pdf" and report.document.name.endswith(".pdf")
    assert "报告" not in report.document.name


def test_meeting_problems_and_case_link(make_person, staff_user, regions):
    from tongxin.liaison import services as liaison
    from tongxin.liaison.models import Case

    meeting = services.save_meeting(ConsultationMeeting(title="园区协商会", kind="park", region_id=COUNTY_A,
                                                        held_on=D(2025, 5, 1), issues="用工\n停车"),
                                    participants=[make_person("参会人")], by=staff_user)
    assert meeting.issue_lines == ["用工", "停车"]
    with pytest.raises(ValidationError) as exc:
        services.save_problem(ProblemSolved(meeting=meeting, title="停车难", solved_on=D(2025, 4, 1)))
    assert "解决日期不能早于会议日期" in exc.value.message_dict["solved_on"][0]
    case_b = liaison.save_case(case=Case(title="外县诉求", category="site", region_id="510904",
                                         raiser_kind="community", opened_on=D(2025, 1, 1)))
    with pytest.raises(ValidationError) as exc:
        services.save_problem(ProblemSolved(meeting=meeting, title="x", solved_on=D(2025, 6, 1), case=case_b))
    assert exc.value.message_dict["case"] == ["关联诉求不在本区县"]
    services.save_problem(ProblemSolved(meeting=meeting, title="停车难", solved_on=D(2025, 6, 1), longstanding=True))
    services.save_problem(ProblemSolved(meeting=meeting, title="小事", solved_on=D(2025, 6, 2)))
    assert selectors.problems_solved(longstanding=True).count() == 1
    assert selectors.problems_solved(start=D(2025, 6, 2)).count() == 1


def test_arrangement_lifecycle(make_person, staff_user):
    arrangement = services.save_arrangement(PoliticalArrangement(
        person=make_person("推荐人"), body="cppcc", level="county", recommended_on=D(2021, 9, 1),
        recommended_by="区工商联"))
    assert arrangement.region_id == TOWNSHIP_A and arrangement.status == "recommended"
    with pytest.raises(ValidationError) as exc:
        services.advance_arrangement(arrangement, "arranged", starts_on=D(2022, 1, 1))
    assert exc.value.message_dict["status"] == ["当前状态为“推荐”，不能变更为“已安排”"]
    services.advance_arrangement(arrangement, "inspected")
    with pytest.raises(ValidationError) as exc:
        services.advance_arrangement(arrangement, "arranged")
    assert exc.value.message_dict["starts_on"] == ["已安排的须填写任期开始日期"]
    with pytest.raises(ValidationError) as exc:
        services.advance_arrangement(arrangement, "arranged", starts_on=D(2022, 1, 1), ends_on=D(2021, 1, 1))
    assert "任期结束不能早于任期开始" in exc.value.message_dict["ends_on"][0]
    arrangement = services.advance_arrangement(arrangement, "arranged", starts_on=D(2022, 1, 1),
                                               ends_on=D(2026, 12, 31))
    assert arrangement.status == "arranged"


def test_seat_counts_as_of_date(make_arrangement, make_person):
    for _ in range(3):
        make_arrangement(body="npc")
    make_arrangement(body="npc", starts_on=D(2027, 1, 1), ends_on=D(2031, 12, 31), recommended_on=D(2026, 1, 1))
    make_arrangement(body="npc", starts_on=D(2017, 1, 1), ends_on=D(2021, 12, 31), recommended_on=D(2016, 1, 1))
    make_arrangement(body="cppcc", level="city")
    make_arrangement(body="cppcc", status="recommended")
    make_arrangement(body="npc", region=TOWNSHIP_B)
    qs = PoliticalArrangement.objects.in_region(COUNTY_A)
    counts = {(r["body"], r["level"]): r["count"] for r in selectors.seat_counts(qs, D(2024, 6, 1))}
    assert counts == {("npc", "county"): 3, ("cppcc", "city"): 1}
    counts = {(r["body"], r["level"]): r["count"] for r in selectors.seat_counts(qs, D(2021, 12, 31))}
    assert counts == {("npc", "county"): 1}
    ending = selectors.terms_ending(qs, within_months=6, today=D(2026, 8, 1))
    assert ending.count() == 4
    assert selectors.terms_ending(qs, within_months=3, today=D(2026, 8, 1)).count() == 0


def test_representatives_without_arrangement(make_person, make_arrangement):
    from tongxin.people.models import Person

    seated = make_person("有安排", representative=True)
    make_arrangement(seated)
    recommended = make_person("已推荐", representative=True)
    make_arrangement(recommended, status="recommended")
    refused = make_person("未安排", representative=True)
    make_arrangement(refused, status="not_arranged")
    bare = make_person("无安排", representative=True)
    make_person("非代表")
    names = {p.name for p in selectors.representatives_without_arrangement(Person.objects.in_region(COUNTY_A))}
    assert names == {refused.name, bare.name}


def test_honour_recipient_rules(make_person, make_association, regions):
    with pytest.raises(ValidationError) as exc:
        services.save_honour(Honour(title="优秀会员", kind="person", granted_on=D(2024, 1, 1)))
    assert exc.value.message_dict["person"] == ["个人荣誉请选择获得者人士"]
    honour = services.save_honour(Honour(title="优秀会员", kind="person", person=make_person("获奖人"),
                                         association=make_association(), level="city", granted_on=D(2024, 1, 1)))
    assert honour.association is None and honour.region_id == TOWNSHIP_A
    collective = services.save_honour(Honour(title="先进新联会", kind="association",
                                             association=make_association("新联会2"), level="provincial",
                                             granted_on=D(2024, 1, 1)))
    assert collective.recipient_name == "新联会2" and collective.region_id == COUNTY_A


def test_adoption_awards_real_points_once(make_proposal, make_person, staff_user):
    from tongxin.activities.models import PointRule
    from tongxin.activities.services import points_balance, save_point_rule

    save_point_rule(rule=PointRule(region_id=COUNTY_A, trigger="proposal_adopted", points=10))
    person = make_person("积分人")
    proposal = make_proposal(persons=[person])
    services.transition_proposal(proposal, "under_review", by=staff_user, on=days_ago(50))
    services.transition_proposal(proposal, "adopted", by=staff_user, on=days_ago(40), body="区委", form="policy")
    assert points_balance(person) == 10
    services.transition_proposal(proposal, "implemented", by=staff_user, on=days_ago(30), result="已落实")
    assert services.award_adoption_points(proposal, by=staff_user) == [None]  # idempotent: no second entry
    assert points_balance(person) == 10
    from tongxin.voice import selectors

    assert [(e.person.name, e.points) for e in selectors.points_for(proposal)] == [("积分人", 10)]


def test_no_points_when_not_adopted(make_proposal, make_person, staff_user):
    from tongxin.activities.models import PointRule
    from tongxin.activities.services import points_balance, save_point_rule

    save_point_rule(rule=PointRule(region_id=COUNTY_A, trigger="proposal_adopted", points=10))
    person = make_person("未采纳人")
    proposal = make_proposal(persons=[person])
    services.transition_proposal(proposal, "under_review", by=staff_user, on=days_ago(50))
    services.transition_proposal(proposal, "not_adopted", by=staff_user, on=days_ago(40), reason="不采纳")
    assert points_balance(person) == 0


def test_short_title_finds_long_proposal_by_coverage(make_proposal, make_person):
    long = make_proposal("关于加强社区养老服务的建议", "建议一：完善社区食堂。建议二：培育专业护理队伍。建议三：发展智慧"
                         "养老平台。建议四：推进适老化改造工程。建议五：引导社会资本参与运营管理。")
    make_proposal("河道治理", "清理河道垃圾。")
    found = list(selectors.similar_proposals("关于加强社区养老服务的建议"))
    assert found == [long]
    assert found[0].coverage == pytest.approx(1.0) and found[0].score < selectors.MIN_SIMILARITY * 3
    assert list(selectors.similar_proposals("完全无关的文字内容")) == []


def test_proposals_of_person(make_proposal, make_person):
    person = make_person("会员")
    mine = make_proposal("我的建议", persons=[person])
    make_proposal("别人的建议")
    assert list(selectors.proposals_of(person)) == [mine]
