import datetime

import pytest
from django.db.models import Q

from tongxin.core.models import Region
from tongxin.reports import engine, registry

from .conftest import COUNTY_A, TOWNSHIP_A, TOWNSHIP_A2, YEAR

D = datetime.date


@pytest.mark.parametrize("preset, expected", [
    ("this_year", (D(2026, 1, 1), D(2026, 11, 24))),
    ("last_year", (D(2025, 1, 1), D(2025, 12, 31))),
    ("this_quarter", (D(2026, 10, 1), D(2026, 11, 24))),
    ("last_quarter", (D(2026, 7, 1), D(2026, 9, 30))),
    ("this_month", (D(2026, 11, 1), D(2026, 11, 24))),
])
def test_presets(preset, expected):
    assert engine.preset_period(preset, today=D(2026, 11, 24)) == expected


def test_previous_period_of_the_same_length():
    assert engine.previous_period(D(2025, 1, 1), D(2025, 12, 31)) == (D(2024, 1, 1), D(2024, 12, 31))
    assert engine.previous_period(D(2025, 1, 1), D(2025, 3, 31)) == (D(2024, 10, 1), D(2024, 12, 31))
    assert engine.previous_period(D(2025, 3, 1), D(2025, 3, 31)) == (D(2025, 2, 1), D(2025, 2, 28))
    assert engine.previous_period(D(2026, 3, 5), D(2026, 3, 14)) == (D(2026, 2, 23), D(2026, 3, 4))


def test_the_year_so_far_compares_with_the_same_days_of_the_year_before():
    assert engine.previous_period(D(2026, 1, 1), D(2026, 11, 24)) == (D(2025, 1, 1), D(2025, 11, 24))
    assert engine.previous_period(D(2026, 1, 1), D(2026, 1, 10)) == (D(2025, 1, 1), D(2025, 1, 10))


@pytest.mark.parametrize("period, label", [
    ((D(2025, 1, 1), D(2025, 12, 31)), "2025年"),
    ((D(2025, 4, 1), D(2025, 6, 30)), "2025年第二季度"),
    ((D(2025, 3, 1), D(2025, 3, 31)), "2025年3月"),
    ((D(2025, 1, 1), D(2025, 6, 30)), "2025年1月至6月"),
    ((D(2024, 7, 1), D(2025, 6, 30)), "2024年7月至2025年6月"),
    ((D(2026, 1, 1), D(2026, 11, 24)), "2026年1月1日至11月24日"),
])
def test_period_label(period, label):
    assert engine.period_label(*period) == label


def test_month_windows_are_clipped_to_the_period():
    assert registry.month_windows(D(2025, 1, 15), D(2025, 3, 10)) == [
        ("2025-01", D(2025, 1, 15), D(2025, 1, 31)), ("2025-02", D(2025, 2, 1), D(2025, 2, 28)),
        ("2025-03", D(2025, 3, 1), D(2025, 3, 10))]


def test_rank_is_competition_ranking():
    assert engine.rank({"a": 5, "b": 9, "c": 5, "d": 0}) == {"b": 1, "a": 2, "c": 2, "d": 4}


@pytest.fixture
def hooked(only_metrics):
    """A metric with both hooks and one without, counting calls."""
    reg = only_metrics()
    calls = {"compute": [], "by_region": [], "by_month": []}
    values = {TOWNSHIP_A: 4, TOWNSHIP_A2: 2}

    def by_region(prefix, date_from, date_to, child_length):
        calls["by_region"].append((prefix, child_length))
        return {code: n for code, n in values.items() if code.startswith(prefix) and len(code) == child_length}

    def by_month(prefix, date_from, date_to):
        calls["by_month"].append(prefix)
        return {"2025-02": 3}

    @reg.register("t.hooked", "有钩子", unit="个", by_region=by_region, by_month=by_month)
    def hooked_metric(prefix, date_from, date_to):
        calls["compute"].append(prefix)
        return sum(n for code, n in values.items() if code.startswith(prefix))

    @reg.register("t.plain", "无钩子", unit="个")
    def plain(prefix, date_from, date_to):
        calls["compute"].append(prefix)
        return {"total": 1, "by": {"x": 1}} if prefix == TOWNSHIP_A else 0

    return calls


def test_by_region_uses_the_hook_once_and_falls_back_per_child(regions, hooked):
    county = Region.objects.get(code=COUNTY_A)
    children = engine.children_of(county)
    result = engine.by_region(county, *YEAR)
    assert hooked["by_region"] == [(COUNTY_A, 9)]
    assert result["t.hooked"][TOWNSHIP_A] == 4 and result["t.hooked"][TOWNSHIP_A2] == 2
    assert sum(result["t.hooked"].values()) == 6 and set(result["t.hooked"]) == {c.code for c in children}
    assert result["t.plain"][TOWNSHIP_A] == {"total": 1, "by": {"x": 1}}
    assert hooked["compute"] == [c.code for c in children]  # only the metric without a hook, once per child


def test_by_month_uses_the_hook_and_falls_back_per_month(regions, hooked):
    county = Region.objects.get(code=COUNTY_A)
    result = engine.by_month(county, D(2025, 1, 1), D(2025, 3, 31))
    assert result["t.hooked"] == {"2025-01": 0, "2025-02": 3, "2025-03": 0}
    assert hooked["by_month"] == [COUNTY_A]
    assert hooked["compute"] == [COUNTY_A] * 3


def test_attaching_hooks_later(only_metrics):
    reg = only_metrics()
    reg.register("t.late", "后加钩子")(lambda prefix, f, t: 1)

    @reg.by_region("t.late")
    def late_by_region(prefix, date_from, date_to, child_length):
        return {}

    assert registry.get("t.late").by_region is late_by_region and registry.get("t.late").by_month is None


def test_hook_helpers_give_the_figures_of_per_child_and_per_month_computation(persons):
    """group_by_region and monthly on the people registry's state table answer in one query each what
    people.total computed per child / per month answers."""
    from tongxin.people.metrics import states_on
    from tongxin.people.models import PersonState, Status

    county = Region.objects.get(code=COUNTY_A)
    end = YEAR[1]
    grouped = registry.group_by_region(states_on(COUNTY_A, end).filter(status=Status.ACTIVE), "region_code", 9)
    per_child = engine.by_region(county, *YEAR, ["people.total"])["people.total"]
    # persons registered at the county itself group under the county's own code; the engine keeps children only
    assert grouped == {TOWNSHIP_A: 3, TOWNSHIP_A2: 2, COUNTY_A: 1}
    assert {k: v for k, v in per_child.items() if v} == {TOWNSHIP_A: 3, TOWNSHIP_A2: 2}

    def active_at(start, stop):
        return Q(valid_from__lte=stop, status=Status.ACTIVE) & (Q(valid_to__isnull=True) | Q(valid_to__gt=stop))

    rows = PersonState.objects.filter(region_code__startswith=COUNTY_A)
    monthly = registry.monthly(rows, active_at, *YEAR)
    assert monthly == engine.by_month(county, *YEAR, ["people.total"])["people.total"]
    assert monthly["2025-01"] == 1 and monthly["2025-03"] == 4 and monthly["2025-12"] == 6


def test_compare_regions_and_periods(persons):
    county = Region.objects.get(code=COUNTY_A)
    comparison = engine.compare_regions(county, *YEAR, ["people.total", "people.new_in_period"])
    assert comparison.values["people.total"][TOWNSHIP_A] == 3
    assert comparison.ranks["people.total"][TOWNSHIP_A] == 1 and comparison.ranks["people.total"][TOWNSHIP_A2] == 2
    assert comparison.totals["people.total"] == 6
    rows = engine.compare_periods(county, YEAR, (D(2024, 1, 1), D(2024, 12, 31)), ["people.total"])
    assert (rows[0]["a"], rows[0]["b"], rows[0]["delta"], rows[0]["percent"]) == (6, 1, 5, 500.0)


def test_records_are_restricted_to_the_user(persons, staff_user, other_staff_user):
    metric = registry.get("people.total")
    city = Region.objects.get(code="5109")
    names = set(engine.records(metric, city, *YEAR, staff_user).values_list("name", flat=True))
    assert names == {"甲一", "甲二", "甲三", "乙一", "乙二", "丙一"}
    assert set(engine.records(metric, city, *YEAR, other_staff_user).values_list("name", flat=True)) == {"安居一", "安居二"}
