import datetime

import pytest

from tongxin.people import metrics, services
from tongxin.reports import registry

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A

D = datetime.date
YEAR = (D(2025, 1, 1), D(2025, 12, 31))


@pytest.fixture
def registry_2025(make_person, staff_user):
    """A small registry whose history crosses the 2025 period in every way that matters."""
    people = {
        "active_township": make_person("甲", TOWNSHIP_A, "1", added_on=D(2023, 1, 1)),
        "active_county": make_person("乙", COUNTY_A, "2", added_on=D(2025, 3, 1), is_representative=True,
                                     representative_level="county", representative_since=D(2025, 3, 1)),
        "left_before_end": make_person("丙", COUNTY_A, "1", added_on=D(2020, 1, 1), is_network_figure=True,
                                       network_since=D(2020, 1, 1)),
        "left_after_end": make_person("丁", COUNTY_A, "3", added_on=D(2020, 1, 1)),
        "flagged_after_end": make_person("戊", COUNTY_A, "4", added_on=D(2020, 1, 1)),
        "added_after_end": make_person("己", COUNTY_A, "1", added_on=D(2026, 2, 1)),
        "other_county": make_person("庚", COUNTY_B, "1", added_on=D(2025, 5, 1), is_reserve=True,
                                    reserve_since=D(2025, 5, 1)),
        "reserve_in_period": make_person("辛", TOWNSHIP_A, "4", added_on=D(2019, 1, 1)),
        "reserve_before": make_person("壬", COUNTY_A, "3", added_on=D(2019, 1, 1), is_reserve=True,
                                      reserve_since=D(2024, 6, 1)),
    }
    services.change_status(people["left_before_end"], "moved", D(2025, 6, 30), "迁往成都", user=staff_user)
    services.change_status(people["left_after_end"], "deceased", D(2026, 1, 10), "因病去世", user=staff_user)
    person = people["flagged_after_end"]
    person.is_representative, person.representative_level = True, "city"
    person.representative_since = D(2026, 1, 5)
    services.save_person(person)
    person = people["reserve_in_period"]
    person.is_reserve, person.reserve_since = True, D(2025, 9, 1)
    services.save_person(person)
    return people


def compute(key, prefix=COUNTY_A, period=YEAR):
    return registry.get(key).compute(prefix, *period)


def records(key, prefix=COUNTY_A, period=YEAR):
    return set(registry.get(key).records(prefix, *period).values_list("name", flat=True))


def test_total_as_of_period_end(registry_2025):
    # 甲 乙 丁(died 2026) 戊 辛 壬 — not 丙 (moved in 2025), 己 (added 2026), 庚 (other county)
    assert compute("people.total") == 6
    assert records("people.total") == {"甲", "乙", "丁", "戊", "辛", "壬"}
    assert compute("people.total", prefix=TOWNSHIP_A) == 2
    assert compute("people.total", prefix="5109") == 7
    assert compute("people.total", prefix="") == 7
    assert compute("people.total", period=(D(2026, 1, 1), D(2026, 12, 31))) == 6  # 丁 died, 己 added


def test_by_category(registry_2025):
    value = compute("people.by_category")
    assert value["total"] == 6
    assert value["by"] == {"民营企业和外资企业管理技术人员": 1, "中介组织和社会组织从业人员": 1,
                           "自由职业人员": 2, "新媒体从业人员": 2}


def test_representatives_and_network_figures_at_end(registry_2025):
    assert compute("people.representatives") == 1  # 乙; 戊 flagged only in 2026
    assert records("people.representatives") == {"乙"}
    assert compute("people.representatives", period=(D(2026, 1, 1), D(2026, 12, 31))) == 2
    assert compute("people.network_figures") == 0  # 丙 left before the end
    assert compute("people.network_figures", period=(D(2024, 1, 1), D(2024, 12, 31))) == 1


def test_reserve_newly_flagged_in_period(registry_2025):
    assert compute("people.reserve") == 1  # 辛; 壬 was flagged in 2024; 庚 is in the other county
    assert records("people.reserve") == {"辛"}
    assert compute("people.reserve", prefix="5109") == 2
    assert compute("people.reserve", period=(D(2024, 1, 1), D(2024, 12, 31))) == 1


def test_new_in_period(registry_2025):
    assert compute("people.new_in_period") == 1  # 乙
    assert records("people.new_in_period") == {"乙"}
    assert compute("people.new_in_period", prefix="51") == 2
    assert compute("people.new_in_period", period=(D(2026, 1, 1), D(2026, 12, 31))) == 1


def test_region_move_counts_where_the_person_was_at_the_end(make_person):
    person = make_person("癸", COUNTY_A, added_on=D(2020, 1, 1))
    person.region_id = COUNTY_B
    services.save_person(person, effective_date=D(2026, 1, 1))
    assert compute("people.total", prefix=COUNTY_A) == 1
    assert compute("people.total", prefix=COUNTY_B) == 0
    assert compute("people.total", prefix=COUNTY_B, period=(D(2026, 1, 1), D(2026, 6, 30))) == 1


def test_erased_person_still_counts(make_person, staff_user):
    person = make_person("王五", added_on=D(2020, 1, 1), is_representative=True, representative_level="county")
    services.erase_person(person, "本人申请", user=staff_user)
    assert compute("people.total") == 1
    assert compute("people.representatives") == 1


def test_every_metric_is_registered():
    keys = {m.key for m in registry.all_metrics()}
    assert {"people.total", "people.by_category", "people.representatives", "people.reserve",
            "people.network_figures", "people.new_in_period"} <= keys
    assert all(registry.get(k).records for k in keys if k.startswith("people."))
    assert metrics.states_on  # the as-of query is public for the reports engine
