import datetime

import pytest

from tongxin.liaison import services
from tongxin.liaison.models import Case
from tongxin.reports import registry, testing

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, TOWNSHIP_A2

D = datetime.date
YEAR = (D(2025, 1, 1), D(2025, 12, 31))


def compute(key, prefix=COUNTY_A, period=YEAR):
    return registry.get(key).compute(prefix, *period)


def names(key, prefix=COUNTY_A, period=YEAR, attr="name"):
    return {str(getattr(obj, attr)) for obj in registry.get(key).records(prefix, *period)}


@pytest.fixture
def world(make_person, make_user, leader, make_pairing, make_contact):
    """Pairings and contacts that cross the 2025 period in every way the metrics must handle."""
    second = make_user("leader", COUNTY_A, username="leader_2", display_name="陈国强", title="区长")
    later = make_user("leader", COUNTY_A, username="leader_3", display_name="罗文彬", title="副区长")
    gone = make_user("leader", COUNTY_A, username="leader_4", display_name="吴卫东", title="原副区长")
    other = make_user("staff", COUNTY_B, username="anju", display_name="赵敏", title="干部")
    outsider = make_person("外聘领导", COUNTY_A, representative=False)
    p = {name: make_person(name, region) for name, region in [
        ("p1", TOWNSHIP_A), ("p2", TOWNSHIP_A), ("p3", TOWNSHIP_A2), ("p4", TOWNSHIP_A), ("p5", TOWNSHIP_A),
        ("p6", TOWNSHIP_A), ("p7", TOWNSHIP_A), ("p10", TOWNSHIP_A), ("p8", "510904001")]}
    p["p9"] = make_person("p9", TOWNSHIP_A2, representative=False)
    first = make_pairing([p["p1"], p["p2"], p["p7"]], started_on=D(2024, 1, 1))
    services.save_pairing(pairing=first, persons=[p["p1"], p["p2"]], on=D(2025, 10, 1))  # p7 removed
    make_pairing([p["p3"], p["p9"]], by=second, interval=180, started_on=D(2024, 6, 1))
    make_pairing([p["p4"]], by=outsider, leader_level="city", started_on=D(2025, 2, 1))
    make_pairing([p["p5"]], by=later, started_on=D(2026, 2, 1))
    ended = make_pairing([p["p6"]], by=gone, started_on=D(2023, 1, 1))
    services.end_pairing(pairing=ended, ended_on=D(2025, 6, 30))
    make_pairing([p["p8"]], by=other, region=COUNTY_B, leader_level="staff", started_on=D(2024, 1, 1))
    make_contact([p["p1"]], D(2025, 11, 15), channel="face")
    make_contact([p["p2"]], D(2025, 8, 1), channel="phone")
    make_contact([p["p3"]], D(2025, 8, 1), channel="online", by=second)
    make_contact([p["p4"]], D(2026, 1, 5), channel="face", by=outsider)
    make_contact([p["p8"]], D(2025, 5, 1), channel="face", by=other)
    return p


def test_leaders_at_end(world):
    value = compute("pairing.leaders")
    assert value["total"] == 3  # 周建华, 陈国强 (users) and the outside leader (a person record)
    assert value["by"]["县级领导"] == 2 and value["by"]["市级领导"] == 1 and value["by"]["统战干部"] == 0
    assert names("pairing.leaders", attr="leader_name") == {"周建华", "陈国强", "外聘领导"}
    # the pairing that ended on 2025-06-30 still counts at a period ending that day, not after it
    assert compute("pairing.leaders", period=(D(2025, 1, 1), D(2025, 6, 30)))["total"] == 4
    assert compute("pairing.leaders", period=(D(2025, 1, 1), D(2025, 7, 1)))["total"] == 3
    # the pairing that starts after the period's end counts only from then
    assert compute("pairing.leaders", period=(D(2026, 1, 1), D(2026, 3, 31)))["total"] == 4
    assert compute("pairing.leaders", prefix="5109")["total"] == 4
    assert compute("pairing.leaders", prefix="")["total"] == 4
    assert compute("pairing.leaders", prefix=TOWNSHIP_A)["total"] == 0  # the pairings belong to the county


def test_representatives_at_end(world):
    assert compute("pairing.representatives") == 5  # p1 p2 p3 p4 p9: not p5 (later), p6 (ended), p7 (removed)
    assert names("pairing.representatives") == {"p1", "p2", "p3", "p4", "p9"}
    assert compute("pairing.representatives", period=(D(2025, 1, 1), D(2025, 9, 30))) == 6  # p6 ended, p7 in
    assert compute("pairing.representatives", prefix="5109") == 6
    assert compute("pairing.representatives", prefix=COUNTY_B) == 1


def test_coverage(world):
    value = compute("pairing.coverage")
    # representatives active at end in 船山区: p1..p7, p10 = 8; paired at end: p1 p2 p3 p4;
    # contacted within the interval: p1 (46 days, interval 90), p3 (152 days, interval 180);
    # not p2 (152 days > 90), not p4 (contacted only after the end)
    assert value == {"total": 0.25, "by": {"代表人士": 8, "已结对": 4, "按期联系": 2}}
    assert names("pairing.coverage") == {"p1", "p3"}
    township = compute("pairing.coverage", prefix=TOWNSHIP_A)  # sub-region: p1 p2 p4 p5 p6 p7 p10
    assert township == {"total": round(1 / 7, 4), "by": {"代表人士": 7, "已结对": 3, "按期联系": 1}}
    assert compute("pairing.coverage", prefix=COUNTY_B)["total"] == 0.0  # p8 last contacted in May
    assert compute("pairing.coverage", prefix="5109")["by"]["代表人士"] == 9
    assert compute("pairing.coverage", prefix="52") == {"total": 0.0, "by": {"代表人士": 0, "已结对": 0,
                                                                             "按期联系": 0}}


def test_contacts_count(world):
    assert compute("contacts.count") == {"total": 3, "by": {"面对面": 1, "电话": 1, "微信/网络": 1}}
    assert compute("contacts.count", prefix=TOWNSHIP_A)["total"] == 2  # the contacts of p1 and p2
    assert compute("contacts.count", prefix="5109")["total"] == 4
    assert compute("contacts.count", period=(D(2026, 1, 1), D(2026, 1, 31)))["by"]["面对面"] == 1
    assert {c.topic for c in registry.get("contacts.count").records(COUNTY_A, *YEAR)} == {"走访企业"}
    assert registry.get("contacts.count").records(COUNTY_A, *YEAR).count() == 3


@pytest.fixture
def cases(make_person, staff_user):
    person = make_person("甲", TOWNSHIP_A)
    outsider = make_person("乙", "510904001")

    def case(title, opened, resolved=None, *, who=person, category="site", reopen=False):
        obj = services.save_case(case=Case(title=title, category=category, raiser_kind="person",
                                           raised_by_person=who, opened_on=opened), user=staff_user)
        if resolved:
            obj = services.change_case_status(case=obj, status="resolved", resolution="已解决", on=resolved)
        if reopen:
            services.change_case_status(case=obj, status="in_progress", note="反映人不满意", on=resolved)
        return obj

    case("年内受理年内解决", D(2025, 3, 1), D(2025, 4, 1))
    case("上年受理年内解决", D(2024, 11, 1), D(2025, 2, 1), category="permit")
    case("年内受理次年解决", D(2025, 10, 1), D(2026, 1, 10), category="legal")
    case("解决后重新办理", D(2025, 5, 1), D(2025, 6, 1), reopen=True)
    case("安居区诉求", D(2025, 5, 1), D(2025, 5, 20), who=outsider)


def test_cases_raised_and_resolved(cases):
    raised = compute("cases.raised")
    assert raised["total"] == 3 and raised["by"]["活动阵地"] == 2 and raised["by"]["法律"] == 1
    assert names("cases.raised", attr="title") == {"年内受理年内解决", "年内受理次年解决", "解决后重新办理"}
    resolved = compute("cases.resolved")
    assert resolved["total"] == 2 and resolved["by"]["办会办证"] == 1
    assert names("cases.resolved", attr="title") == {"年内受理年内解决", "上年受理年内解决"}
    assert compute("cases.resolved", prefix="5109")["total"] == 3
    assert compute("cases.resolved", prefix=TOWNSHIP_A)["total"] == 2
    assert compute("cases.resolved", period=(D(2026, 1, 1), D(2026, 12, 31)))["total"] == 1


def test_metrics_are_registered_with_records():
    for key in ("pairing.leaders", "pairing.representatives", "pairing.coverage", "contacts.count",
                "cases.raised", "cases.resolved"):
        metric = registry.get(key)
        assert metric.records is not None and metric.label


def test_report_command_includes_liaison_metrics(world, capsys):
    import json

    from django.core.management import call_command

    call_command("report", "--region", "510903", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "json")
    data = json.loads(capsys.readouterr().out)["metrics"]
    assert data["pairing.leaders"]["total"] == 3
    assert data["pairing.representatives"] == 5
    assert data["pairing.coverage"]["total"] == 0.25


# --- by_region / by_month hooks: the same figures as computing per child region / per month ----------------------

HOOKED = ("pairing.leaders", "pairing.representatives", "pairing.coverage", "contacts.count", "cases.raised",
          "cases.resolved")
PERIODS = (YEAR, (D(2025, 3, 15), D(2026, 2, 10)), (D(2025, 6, 30), D(2025, 7, 1)))


def check_hooks(key, prefixes=("", "5109", COUNTY_A, COUNTY_B), periods=PERIODS) -> int:
    return testing.check_hooks(key, prefixes, periods, whole=True)


@pytest.mark.parametrize("key", HOOKED)
def test_hooks_equal_compute_per_child_and_month(key, world, cases):
    assert check_hooks(key) > 0


def test_coverage_hooks_give_the_whole_value(world):
    per_child = registry.get("pairing.coverage").by_region("5109", *YEAR, 6)
    assert per_child[COUNTY_A] == {"total": 0.25, "by": {"代表人士": 8, "已结对": 4, "按期联系": 2}}
    assert per_child[COUNTY_B] == {"total": 0.0, "by": {"代表人士": 1, "已结对": 1, "按期联系": 0}}
    months = registry.get("pairing.coverage").by_month(COUNTY_A, D(2025, 8, 1), D(2025, 11, 30))
    # p2 (interval 90, contacted 08-01) counts up to 10-30; p3 (180, 08-01) throughout; p1 from its 11-15 contact
    assert [m["by"]["按期联系"] for m in months.values()] == [2, 2, 1, 2]
    assert [m["by"]["已结对"] for m in months.values()] == [5, 5, 4, 4]  # p7 removed 10-01 (p6 ended 06-30)


def test_coverage_breakdowns_are_one_query_each(world, django_assert_num_queries):
    from tongxin.core.models import Region
    from tongxin.reports import engine

    county = Region.objects.get(code=COUNTY_A)
    with django_assert_num_queries(2):  # the children, then the grouped figure
        engine.by_region(county, *YEAR, ["pairing.coverage", ])
    with django_assert_num_queries(1):
        engine.by_month(county, *YEAR, ["pairing.coverage"])


def test_records_match_the_figures(world, cases):
    """The drill-down of each figure lists what it counts, per region and period."""
    for prefix in ("", "5109", COUNTY_A, TOWNSHIP_A, COUNTY_B):
        for period in PERIODS:
            for key in ("pairing.representatives", "contacts.count", "cases.raised", "cases.resolved"):
                assert registry.get(key).records(prefix, *period).count() == \
                    registry.total_of(compute(key, prefix, period)), (key, prefix, period)
            leaders = {(p.leader_user_id, p.leader_person_id)
                       for p in registry.get("pairing.leaders").records(prefix, *period)}
            assert len(leaders) == compute("pairing.leaders", prefix, period)["total"], (prefix, period)
            assert registry.get("pairing.coverage").records(prefix, *period).count() == \
                compute("pairing.coverage", prefix, period)["by"]["按期联系"], (prefix, period)
