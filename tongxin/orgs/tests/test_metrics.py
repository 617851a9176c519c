"""orgs.* and network.* metrics: each built from records and checked, with the edge cases of the period's end."""

from decimal import Decimal

import pytest

from tongxin.orgs import services
from tongxin.orgs.models import (
    Association,
    AssociationStatus,
    FundKind,
    LiaisonPost,
    OfficerRole,
    OfficerTerm,
    PostKind,
    PostUnit,
    Rule,
    Team,
    TeamKind,
)
from tongxin.reports import registry, testing

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, TOWNSHIP_A2, TOWNSHIP_B, D

YEAR = (D(2025, 1, 1), D(2025, 12, 31))
KEYS = ("orgs.associations", "orgs.associations_new", "orgs.members", "orgs.officers_new", "orgs.funding",
        "orgs.rules", "network.liaison_staff", "network.teams")


def compute(key, prefix=COUNTY_A, period=YEAR):
    return registry.get(key).compute(prefix, *period)


def records(key, prefix=COUNTY_A, period=YEAR):
    return registry.get(key).records(prefix, *period)


def test_all_metrics_are_registered():
    keys = {m.key for m in registry.all_metrics()}
    assert set(KEYS) <= keys
    for key in KEYS:
        assert registry.get(key).records is not None


@pytest.fixture
def associations(make_association):
    county = make_association("船山区新联会", founded=D(2017, 6, 28))
    return {
        "county": county,
        "township": make_association("南津路街道分会", TOWNSHIP_A, level="township", founded=D(2025, 5, 1),
                                     parent=county),
        "park": make_association("物流港园区分会", TOWNSHIP_A, level="park", founded=D(2020, 1, 1), parent=county),
        "founded_after": make_association("河沙镇分会", TOWNSHIP_A, level="township", founded=D(2026, 2, 1),
                                          parent=county),
        "other_county": make_association("安居区新联会", COUNTY_B, founded=D(2025, 3, 1)),
    }


def _dissolve(association, day):
    association.status, association.dissolved_on = AssociationStatus.DISSOLVED, day
    return services.save_association(association)


def test_associations_existing_at_end_by_level(associations, make_association):
    dissolved = make_association("已撤销分会", TOWNSHIP_A, level="township", founded=D(2019, 1, 1),
                                 parent=associations["county"])
    _dissolve(dissolved, D(2025, 6, 30))
    later = make_association("年后撤销分会", TOWNSHIP_A, level="industry", founded=D(2019, 1, 1),
                             parent=associations["county"])
    _dissolve(later, D(2026, 1, 10))
    value = compute("orgs.associations")
    # county, township (founded in 2025), park, later (dissolved after the end); not: dissolved before the end,
    # founded after the end, other county
    assert value["total"] == 4
    assert value["by"]["县级"] == 1 and value["by"]["乡镇/街道"] == 1 and value["by"]["园区"] == 1
    assert value["by"]["行业"] == 1 and value["by"]["市级"] == 0
    assert set(records("orgs.associations").values_list("name", flat=True)) == {
        "船山区新联会", "南津路街道分会", "物流港园区分会", "年后撤销分会"}
    assert compute("orgs.associations", prefix=TOWNSHIP_A)["total"] == 3  # sub-regions only
    assert compute("orgs.associations", prefix="5109")["total"] == 5
    assert compute("orgs.associations", prefix="")["total"] == 5
    assert compute("orgs.associations", period=(D(2026, 1, 1), D(2026, 12, 31)))["total"] == 4  # later went, 河沙 came


def test_associations_new_in_period(associations):
    assert compute("orgs.associations_new") == 1
    assert list(records("orgs.associations_new").values_list("name", flat=True)) == ["南津路街道分会"]
    assert compute("orgs.associations_new", prefix="51") == 2
    assert compute("orgs.associations_new", period=(D(2026, 1, 1), D(2026, 12, 31))) == 1
    assert compute("orgs.associations_new", prefix=TOWNSHIP_B) == 0


def test_members_are_distinct_persons_open_at_end(associations, make_person, staff_user):
    county, township, park = associations["county"], associations["township"], associations["park"]
    both = make_person("两会会员")
    ended_before = make_person("年内退会")
    ended_after = make_person("次年退会")
    joined_after = make_person("次年入会")
    applicant = make_person("申请中")
    dissolved_member = make_person("撤销组织会员")
    other = make_person("安居会员", COUNTY_B)
    services.add_members(association=county, persons=[both, ended_before, ended_after], joined_on=D(2020, 1, 1))
    services.add_members(association=township, persons=[both], joined_on=D(2025, 6, 1))
    services.add_members(association=park, persons=[joined_after], joined_on=D(2026, 1, 5))
    services.add_members(association=park, persons=[dissolved_member], joined_on=D(2021, 1, 1))
    services.add_members(association=associations["other_county"], persons=[other], joined_on=D(2025, 4, 1))
    services.apply_membership(association=county, person=applicant, applied_on=D(2025, 7, 1))
    membership = ended_before.memberships.get()
    services.end_membership(membership, left_on=D(2025, 12, 31), user=staff_user)  # gone on the last day
    services.end_membership(ended_after.memberships.get(), left_on=D(2026, 1, 2), user=staff_user)
    assert compute("orgs.members") == 3  # 两会会员 (once), 次年退会, 撤销组织会员
    assert set(records("orgs.members").values_list("name", flat=True)) == {"两会会员", "次年退会", "撤销组织会员"}
    assert compute("orgs.members", prefix=TOWNSHIP_A) == 2  # 两会会员 via the branch, 撤销组织会员 via the park
    assert compute("orgs.members", prefix="5109") == 4
    assert compute("orgs.members", period=(D(2025, 1, 1), D(2025, 12, 30))) == 4  # 年内退会 still in
    # an association dissolved before the end no longer has members
    _dissolve(park, D(2025, 9, 1))
    assert compute("orgs.members") == 2
    assert compute("orgs.members", period=(D(2024, 1, 1), D(2024, 12, 31))) == 4


def test_officers_new_by_role(associations, make_person):
    county, township = associations["county"], associations["township"]
    for name, role, start, association in (
        ("甲", OfficerRole.VICE_PRESIDENT, D(2025, 3, 26), county),
        ("乙", OfficerRole.VICE_PRESIDENT, D(2025, 3, 26), county),
        ("丙", OfficerRole.PRESIDENT, D(2025, 5, 1), township),
        ("丁", OfficerRole.VICE_PRESIDENT, D(2024, 12, 31), county),  # before the period
        ("戊", OfficerRole.SECRETARY_GENERAL, D(2026, 1, 1), county),  # starts after the end
    ):
        services.save_officer_term(OfficerTerm(association=association, person=make_person(name), role=role,
                                               started_on=start))
    services.save_officer_term(OfficerTerm(association=associations["other_county"], person=make_person("庚"),
                                           role=OfficerRole.VICE_PRESIDENT, started_on=D(2025, 4, 1)))
    value = compute("orgs.officers_new")
    assert value["total"] == 3 and value["by"]["副会长"] == 2 and value["by"]["会长"] == 1
    assert value["by"]["秘书长"] == 0
    assert set(records("orgs.officers_new").values_list("person__name", flat=True)) == {"甲", "乙", "丙"}
    assert compute("orgs.officers_new", prefix=TOWNSHIP_A)["total"] == 1
    assert compute("orgs.officers_new", prefix="5109")["by"]["副会长"] == 3


def test_funding_sums_allocations_in_period_in_decimal(associations):
    county, township = associations["county"], associations["township"]

    def allocate(association, amount, day):
        return services.add_fund_entry(association=association, kind=FundKind.ALLOCATION, amount=amount, date=day,
                                       source_department="船山区委统战部")

    allocate(county, "30000.10", D(2025, 3, 1))
    allocate(township, "0.20", D(2025, 12, 31))
    allocate(county, "50000", D(2024, 12, 31))
    allocate(county, "7000", D(2026, 1, 1))
    allocate(associations["other_county"], "9000", D(2025, 5, 1))
    mistake = allocate(county, "1000", D(2025, 8, 1))
    services.reverse_fund_entry(mistake, reason="重复")
    services.add_fund_entry(association=county, kind=FundKind.EXPENDITURE, amount="999", date=D(2025, 4, 1),
                            purpose="活动")
    value = compute("orgs.funding")
    assert value == Decimal("30000.30") and isinstance(value, Decimal)
    assert records("orgs.funding").count() == 4  # two allocations, the mistake and its reversal
    assert compute("orgs.funding", prefix=TOWNSHIP_A) == Decimal("0.20")
    assert compute("orgs.funding", prefix="5109") == Decimal("39000.30")
    assert compute("orgs.funding", period=(D(2017, 1, 1), D(2026, 12, 31))) == Decimal("87000.30")
    assert compute("orgs.funding", prefix=TOWNSHIP_B) == Decimal("0.00")
    assert registry.compute(COUNTY_A, *YEAR, keys=["orgs.funding"]) == {"orgs.funding": 30000.3}


def test_rules_in_force_at_end(associations):
    county = associations["county"]
    for title, since, until in (("在施行", D(2018, 1, 1), None), ("年末最后一天仍有效", D(2018, 1, 1), D(2025, 12, 31)),
                                ("年内废止", D(2018, 1, 1), D(2025, 6, 30)), ("次年施行", D(2026, 1, 1), None)):
        services.save_rule(Rule(association=county, title=title, effective_from=since, effective_to=until))
    services.save_rule(Rule(region_id=TOWNSHIP_A, department="南津路街道党工委", title="街道制度",
                            effective_from=D(2020, 1, 1)))
    services.save_rule(Rule(association=associations["other_county"], title="安居制度",
                            effective_from=D(2025, 3, 1)))
    assert compute("orgs.rules") == 3
    assert set(records("orgs.rules").values_list("title", flat=True)) == {"在施行", "年末最后一天仍有效", "街道制度"}
    assert compute("orgs.rules", prefix=TOWNSHIP_A) == 1
    assert compute("orgs.rules", prefix="5109") == 4
    assert compute("orgs.rules", period=(D(2026, 1, 1), D(2026, 12, 31))) == 3  # 次年施行 in, 最后一天 out


def test_liaison_staff_filled_at_end_by_kind(regions):
    from tongxin.core.services import save_region

    save_region(code="510903001001", name="滨江社区")
    for kind, unit, region, since, until in (
        (PostKind.COMMITTEE_MEMBER, PostUnit.TOWNSHIP, TOWNSHIP_A, D(2020, 1, 1), None),
        (PostKind.COMMITTEE_MEMBER, PostUnit.TOWNSHIP, "510903002", D(2020, 1, 1), D(2025, 12, 31)),  # left on end
        (PostKind.COMMITTEE_MEMBER, PostUnit.TOWNSHIP, "510903004", D(2020, 1, 1), D(2026, 3, 1)),
        (PostKind.COMMITTEE_MEMBER, PostUnit.TOWNSHIP, "510903005", D(2026, 1, 1), None),  # after the end
        (PostKind.LIAISON_OFFICER, PostUnit.COMMUNITY, "510903001001", D(2024, 1, 1), None),
        (PostKind.COMMITTEE_MEMBER, PostUnit.TOWNSHIP, TOWNSHIP_B, D(2020, 1, 1), None),
    ):
        services.save_liaison_post(LiaisonPost(kind=kind, unit_type=unit, region_id=region, holder_name="某",
                                               since=since, until=until))
    value = compute("network.liaison_staff")
    assert value == {"total": 3, "by": {"统战委员": 2, "统战联络员": 1}}
    assert records("network.liaison_staff").count() == 3
    assert compute("network.liaison_staff", prefix=TOWNSHIP_A)["total"] == 2  # the township and its community
    assert compute("network.liaison_staff", prefix="5109")["total"] == 4


def test_teams_existing_at_end(regions):
    for name, kind, region, founded, dissolved in (
        ("先锋队一", TeamKind.PIONEER, TOWNSHIP_A, D(2020, 1, 1), None),
        ("先锋队二", TeamKind.PIONEER, COUNTY_A, D(2025, 12, 31), None),
        ("服务团", TeamKind.SERVICE, COUNTY_A, D(2021, 1, 1), D(2026, 2, 1)),
        ("已撤销", TeamKind.VOLUNTEER, COUNTY_A, D(2021, 1, 1), D(2025, 6, 1)),
        ("次年成立", TeamKind.GOVERNANCE, COUNTY_A, D(2026, 1, 2), None),
        ("安居队", TeamKind.PIONEER, COUNTY_B, D(2020, 1, 1), None),
    ):
        services.save_team(Team(name=name, kind=kind, region_id=region, founded_on=founded, dissolved_on=dissolved))
    value = compute("network.teams")
    assert value["total"] == 3 and value["by"]["先锋队伍"] == 2 and value["by"]["服务团"] == 1
    assert value["by"]["志愿服务队"] == 0
    assert set(records("network.teams").values_list("name", flat=True)) == {"先锋队一", "先锋队二", "服务团"}
    assert compute("network.teams", prefix=TOWNSHIP_A)["total"] == 1
    assert compute("network.teams", prefix="5109")["total"] == 4


def test_report_json_carries_the_metrics(associations):
    result = registry.compute(COUNTY_A, *YEAR, keys=list(KEYS))
    assert set(result) == set(KEYS)
    assert Association.objects.count() == 5


# --- by_region / by_month hooks: the same figures as computing per child region / per month ----------------------

PERIODS = (YEAR, (D(2025, 3, 15), D(2026, 2, 10)), (D(2025, 6, 30), D(2025, 7, 1)))


@pytest.fixture
def orgs_world(associations, make_association, make_person, staff_user):
    """Records of every orgs / network metric on both sides of month ends, in townships, counties and the city."""
    from tongxin.core.services import save_region

    county, township, park = associations["county"], associations["township"], associations["park"]
    _dissolve(make_association("已撤销分会", TOWNSHIP_A2, level="township", founded=D(2019, 1, 1), parent=county),
              D(2025, 6, 30))
    _dissolve(make_association("年后撤销分会", TOWNSHIP_A, level="industry", founded=D(2019, 1, 1), parent=county),
              D(2026, 1, 10))
    both, left, joined_later, other = (make_person(n) for n in ("两会会员", "年内退会", "次年入会", "安居会员"))
    services.add_members(association=county, persons=[both, left], joined_on=D(2020, 1, 1))
    services.add_members(association=township, persons=[both], joined_on=D(2025, 6, 1))
    services.add_members(association=park, persons=[joined_later], joined_on=D(2026, 1, 5))
    services.add_members(association=associations["other_county"], persons=[other], joined_on=D(2025, 4, 1))
    services.end_membership(left.memberships.get(), left_on=D(2025, 9, 30), user=staff_user)
    for name, role, start, association in (
            ("甲", OfficerRole.VICE_PRESIDENT, D(2025, 3, 26), county),
            ("丙", OfficerRole.PRESIDENT, D(2025, 5, 1), township),
            ("戊", OfficerRole.SECRETARY_GENERAL, D(2026, 1, 1), county),
            ("庚", OfficerRole.VICE_PRESIDENT, D(2025, 4, 1), associations["other_county"])):
        services.save_officer_term(OfficerTerm(association=association, person=make_person(name), role=role,
                                               started_on=start))
    for association, amount, day in ((county, "30000.10", D(2025, 3, 1)), (township, "0.20", D(2025, 12, 31)),
                                     (county, "7000", D(2026, 1, 1)), (associations["other_county"], "9000",
                                                                       D(2025, 5, 1))):
        services.add_fund_entry(association=association, kind=FundKind.ALLOCATION, amount=amount, date=day,
                                source_department="船山区委统战部")
    for title, since, until in (("在施行", D(2018, 1, 1), None), ("年内废止", D(2018, 1, 1), D(2025, 6, 30)),
                                ("次年施行", D(2026, 1, 1), None)):
        services.save_rule(Rule(association=county, title=title, effective_from=since, effective_to=until))
    services.save_rule(Rule(region_id=TOWNSHIP_A, department="南津路街道党工委", title="街道制度",
                            effective_from=D(2025, 8, 1)))
    save_region(code="510903001001", name="滨江社区")
    for kind, unit, region, since, until in (
            (PostKind.COMMITTEE_MEMBER, PostUnit.TOWNSHIP, TOWNSHIP_A, D(2020, 1, 1), None),
            (PostKind.COMMITTEE_MEMBER, PostUnit.TOWNSHIP, TOWNSHIP_A2, D(2020, 1, 1), D(2025, 7, 31)),
            (PostKind.LIAISON_OFFICER, PostUnit.COMMUNITY, "510903001001", D(2025, 4, 1), None),
            (PostKind.COMMITTEE_MEMBER, PostUnit.TOWNSHIP, TOWNSHIP_B, D(2020, 1, 1), None)):
        services.save_liaison_post(LiaisonPost(kind=kind, unit_type=unit, region_id=region, holder_name="某",
                                               since=since, until=until))
    for name, kind, region, founded, dissolved in (
            ("先锋队一", TeamKind.PIONEER, TOWNSHIP_A, D(2020, 1, 1), None),
            ("服务团", TeamKind.SERVICE, COUNTY_A, D(2021, 1, 1), D(2025, 10, 31)),
            ("凯旋队", TeamKind.VOLUNTEER, TOWNSHIP_A2, D(2025, 2, 1), None),
            ("安居队", TeamKind.PIONEER, COUNTY_B, D(2020, 1, 1), None)):
        services.save_team(Team(name=name, kind=kind, region_id=region, founded_on=founded, dissolved_on=dissolved))


def check_hooks(key, prefixes=("", "5109", COUNTY_A, COUNTY_B), periods=PERIODS) -> int:
    return testing.check_hooks(key, prefixes, periods, whole=True)


@pytest.mark.parametrize("key", KEYS)
def test_hooks_equal_compute_per_child_and_month(key, orgs_world):
    assert check_hooks(key) > 0


def test_hooks_answer_in_one_query(orgs_world, django_assert_num_queries):
    for key in KEYS:
        metric = registry.get(key)
        queries = 2 if key == "orgs.associations" else 1  # the levels' labels come from the dictionary
        with django_assert_num_queries(queries):
            metric.by_region("5109", *YEAR, 6)
        with django_assert_num_queries(queries):
            metric.by_month(COUNTY_A, *YEAR)
    assert registry.get("orgs.funding").by_region("5109", *YEAR, 6) == {COUNTY_A: 30000.3, COUNTY_B: 9000}
    members = registry.get("orgs.members").by_month(COUNTY_A, *YEAR)
    assert members["2025-08"] == 2  # 两会会员 (in two associations) once, 年内退会
    assert members["2025-09"] == 1  # leaving on 09-30 is gone at the month's end


def test_records_match_the_figures(orgs_world):
    """The drill-down of each figure lists what it counts (funding: what it sums), per region and period."""
    for prefix in ("", "5109", COUNTY_A, TOWNSHIP_A, COUNTY_B):
        for period in PERIODS:
            for key in KEYS:
                figure = compute(key, prefix, period)
                figure = figure["total"] if isinstance(figure, dict) else figure
                rows = records(key, prefix, period)
                found = sum(r.amount for r in rows) if key == "orgs.funding" else rows.count()
                assert found == figure, (key, prefix, period, found, figure)
