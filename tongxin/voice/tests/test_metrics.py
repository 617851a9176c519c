"""Each metric against counts made independently here: period boundaries, region subtree, other county excluded."""

import datetime

import pytest

from tongxin.reports import registry, testing
from tongxin.voice import services
from tongxin.voice.models import ConsultationMeeting, Honour, Research, ResearchReport

from .conftest import COUNTY_A, TOWNSHIP_A, TOWNSHIP_A2, TOWNSHIP_B

D = datetime.date
START, END = D(2025, 1, 1), D(2025, 12, 31)


def compute(key, prefix=COUNTY_A, start=START, end=END):
    return registry.get(key).compute(prefix, start, end)


@pytest.fixture
def proposals(make_proposal, make_person, staff_user):
    a, a2, b = make_person("甲", TOWNSHIP_A), make_person("乙", TOWNSHIP_A2), make_person("丙", TOWNSHIP_B)
    rows = {
        "before": make_proposal("前", persons=[a], submitted_on=D(2024, 12, 31), channel="proposal"),
        "first": make_proposal("首日", persons=[a], submitted_on=START, channel="opinion"),
        "last": make_proposal("末日", persons=[a2], region=TOWNSHIP_A2, submitted_on=END, channel="proposal"),
        "after": make_proposal("后", persons=[a], submitted_on=D(2026, 1, 1), channel="proposal"),
        "other": make_proposal("外县", persons=[b], region=TOWNSHIP_B, submitted_on=D(2025, 6, 1)),
    }
    for key, adopted_on in (("before", START), ("first", END), ("other", D(2025, 7, 1))):
        proposal = rows[key]
        services.transition_proposal(proposal, "under_review", by=staff_user, on=max(proposal.submitted_on,
                                                                                       D(2025, 1, 1)))
        services.transition_proposal(proposal, "adopted", by=staff_user, on=adopted_on, body="区委",
                                     form="instruction")
    services.transition_proposal(rows["first"], "implemented", by=staff_user, on=END, result="已落实")
    services.transition_proposal(rows["last"], "under_review", by=staff_user, on=END)
    return rows


def test_proposals_submitted_boundaries_and_scope(proposals):
    value = compute("proposals.submitted")
    assert value["total"] == 2  # first and last day in, the day before/after out, other county out
    assert value["by"]["社情民意信息"] == 1 and value["by"]["提案"] == 1
    assert compute("proposals.submitted", prefix=TOWNSHIP_A2)["total"] == 1
    assert compute("proposals.submitted", prefix="5109")["total"] == 3


def test_proposals_adopted_counts_adoption_date(proposals):
    value = compute("proposals.adopted")
    # "before" was submitted in 2024 but adopted on 1 Jan 2025; "first" adopted on 31 Dec then implemented.
    assert value["total"] == 2
    assert compute("proposals.adopted", start=D(2025, 1, 2), end=D(2025, 12, 30))["total"] == 0
    assert compute("proposals.adopted", prefix=TOWNSHIP_B)["total"] == 1


def test_proposal_hooks_match_compute(proposals):
    metric = registry.get("proposals.submitted")
    by_region = metric.by_region(COUNTY_A, START, END, 9)
    assert by_region == {TOWNSHIP_A: 1, TOWNSHIP_A2: 1}
    months = metric.by_month(COUNTY_A, START, END)
    assert months["2025-01"] == 1 and months["2025-12"] == 1 and sum(months.values()) == 2
    adopted = registry.get("proposals.adopted").by_month(COUNTY_A, START, END)
    assert adopted["2025-01"] == 1 and adopted["2025-12"] == 1


def test_research_and_reports(regions, staff_user):
    inside = services.save_research(Research(topic="a", region_id=TOWNSHIP_A, started_on=END))
    services.save_research(Research(topic="b", region_id=COUNTY_A, started_on=D(2024, 12, 31)))
    other = services.save_research(Research(topic="c", region_id=TOWNSHIP_B, started_on=D(2025, 3, 1)))
    services.save_report(ResearchReport(research=inside, title="r1", completed_on=END))
    services.save_report(ResearchReport(research=inside, title="r2", completed_on=D(2026, 1, 1)))
    services.save_report(ResearchReport(research=other, title="r3", completed_on=D(2025, 4, 1)))
    assert compute("research.activities") == 1
    assert compute("research.reports") == 1
    assert compute("research.reports", prefix="5109") == 2
    assert registry.get("research.reports").by_region(COUNTY_A, START, END, 9) == {TOWNSHIP_A: 1}
    assert registry.get("research.activities").by_month(COUNTY_A, START, END)["2025-12"] == 1


def test_consultation_meetings_by_kind(regions):
    for day, kind, region in [(START, "community", TOWNSHIP_A), (END, "park", COUNTY_A),
                              (D(2024, 12, 31), "community", COUNTY_A), (D(2025, 5, 1), "park", TOWNSHIP_B)]:
        services.save_meeting(ConsultationMeeting(title="m", kind=kind, held_on=day, region_id=region))
    value = compute("consultation.meetings")
    assert value == {"total": 2, "by": {"社区协商": 1, "园区协商": 1, "部门协商": 0}}
    assert sum(registry.get("consultation.meetings").by_month(COUNTY_A, START, END).values()) == 2


def test_arrangements_by_body_at_end(make_arrangement):
    for _ in range(9):
        make_arrangement(body="npc")
    for _ in range(5):
        make_arrangement(body="cppcc")
    for _ in range(7):
        make_arrangement(body="acfic")
    for _ in range(4):
        make_arrangement(body="supervisor")
    make_arrangement(body="npc", starts_on=D(2017, 1, 1), ends_on=D(2025, 12, 30), recommended_on=D(2016, 1, 1))
    make_arrangement(body="npc", starts_on=D(2026, 1, 1), ends_on=D(2030, 12, 31), recommended_on=D(2025, 1, 1))
    make_arrangement(body="npc", status="recommended")
    make_arrangement(body="npc", region=TOWNSHIP_B)
    value = compute("arrangements.by_body")
    assert value["total"] == 25
    assert {k: v for k, v in value["by"].items() if v} == {"人大代表": 9, "政协委员": 5, "工商联执委": 7,
                                                         "特约监督员/行风政风监督员": 4}
    # the term ending on 30 Dec counts at the end of November, not of December
    assert compute("arrangements.by_body", end=D(2025, 11, 30))["by"]["人大代表"] == 10
    months = registry.get("arrangements.by_body").by_month(COUNTY_A, D(2025, 11, 1), END)
    assert months == {"2025-11": 26, "2025-12": 25}
    assert registry.get("arrangements.by_body").by_region(COUNTY_A, START, END, 9) == {TOWNSHIP_A: 25}


def test_honors_by_level_and_kind(make_person, make_association):
    person, association = make_person("获奖"), make_association()
    services.save_honour(Honour(title="a", kind="person", person=person, level="city", granted_on=START))
    services.save_honour(Honour(title="b", kind="association", association=association, level="provincial",
                                granted_on=END))
    services.save_honour(Honour(title="c", kind="association", association=association, level="provincial",
                                granted_on=D(2024, 12, 31)))
    other = make_person("外县获奖", TOWNSHIP_B)
    services.save_honour(Honour(title="d", kind="person", person=other, level="city", granted_on=D(2025, 3, 1)))
    value = compute("honors.count")
    assert value["total"] == 2
    assert value["by"]["市级个人"] == 1 and value["by"]["省级集体"] == 1
    assert sum(value["by"].values()) == 2


# --- by_region / by_month hooks: the same figures as computing per child region / per month ----------------------

HOOKED = ("proposals.submitted", "proposals.adopted", "research.activities", "research.reports",
          "consultation.meetings", "arrangements.by_body", "honors.count")
PERIODS = ((START, END), (D(2024, 12, 15), D(2026, 1, 10)), (D(2025, 6, 30), D(2025, 7, 1)))


@pytest.fixture
def voice_world(proposals, make_arrangement, make_person, make_association):
    """`proposals` plus research, meetings, seats and honours in townships, counties and across month ends."""
    inside = services.save_research(Research(topic="a", region_id=TOWNSHIP_A, started_on=END))
    services.save_research(Research(topic="b", region_id=COUNTY_A, started_on=D(2025, 6, 30)))
    other = services.save_research(Research(topic="c", region_id=TOWNSHIP_B, started_on=D(2025, 3, 1)))
    services.save_report(ResearchReport(research=inside, title="r1", completed_on=END))
    services.save_report(ResearchReport(research=inside, title="r2", completed_on=D(2026, 1, 1)))
    services.save_report(ResearchReport(research=other, title="r3", completed_on=D(2025, 7, 1)))
    for day, kind, region in [(START, "community", TOWNSHIP_A), (END, "park", COUNTY_A),
                              (D(2025, 6, 30), "community", TOWNSHIP_A2), (D(2025, 5, 1), "park", TOWNSHIP_B)]:
        services.save_meeting(ConsultationMeeting(title="m", kind=kind, held_on=day, region_id=region))
    make_arrangement(body="npc")
    make_arrangement(body="cppcc", region=TOWNSHIP_A2, starts_on=D(2025, 7, 1))
    make_arrangement(body="npc", starts_on=D(2017, 1, 1), ends_on=D(2025, 6, 30), recommended_on=D(2016, 1, 1))
    make_arrangement(body="npc", status="recommended")
    make_arrangement(body="acfic", region=TOWNSHIP_B)
    person, association = make_person("获奖"), make_association()
    services.save_honour(Honour(title="a", kind="person", person=person, level="city", granted_on=START))
    services.save_honour(Honour(title="b", kind="association", association=association, level="provincial",
                                granted_on=D(2025, 6, 30)))
    services.save_honour(Honour(title="d", kind="person", person=make_person("外县获奖", TOWNSHIP_B), level="city",
                                granted_on=D(2025, 7, 1)))


def check_hooks(key, prefixes=("", "5109", COUNTY_A, "510904"), periods=PERIODS) -> int:
    return testing.check_hooks(key, prefixes, periods, whole=False)


@pytest.mark.parametrize("key", HOOKED)
def test_hooks_equal_compute_per_child_and_month(key, voice_world):
    assert check_hooks(key) > 0


def test_records_match_the_figures(voice_world):
    """The drill-down of each figure lists what it counts, per region and period."""
    for prefix in ("", "5109", COUNTY_A, TOWNSHIP_A, "510904"):
        for period in PERIODS:
            for key in HOOKED:
                assert registry.get(key).records(prefix, *period).count() == \
                    registry.total_of(registry.get(key).compute(prefix, *period)), (key, prefix, period)
