"""The people metrics' by_region / by_month hooks give, in one query, exactly what `compute` gives per child region
and per month — on the registry of the people tests, whose history crosses the period in every way that
matters (moves, deaths, late flags, entries after the end, another county)."""

import datetime

import pytest

from tongxin.people.tests.conftest import make_person  # noqa: F401 - fixtures
from tongxin.people.tests.test_metrics import registry_2025  # noqa: F401 - fixture
from tongxin.reports import engine, registry
from tongxin.reports.registry import to_json_number

D = datetime.date
KEYS = ["people.total", "people.by_category", "people.representatives", "people.reserve",
        "people.network_figures", "people.new_in_period"]
PERIODS = [(D(2025, 1, 1), D(2025, 12, 31)), (D(2025, 3, 15), D(2026, 2, 10))]


@pytest.fixture(autouse=True)
def _seeded(db):
    from tongxin.core.services import ensure_roles, seed_dictionaries

    ensure_roles()
    seed_dictionaries()


@pytest.mark.parametrize("key", KEYS)
def test_people_hooks_equal_compute(key, registry_2025):  # noqa: F811
    from tongxin.core.models import Region

    metric = registry.get(key)
    assert metric.by_region is not None and metric.by_month is not None
    checked = 0
    for prefix in ("5109", "510903", ""):
        region = engine.whole_country() if prefix == "" else Region.objects.get(code=prefix)
        children = engine.children_of(region)
        for date_from, date_to in PERIODS:
            found = {}
            for length in {len(c.code) for c in children}:
                found.update(metric.by_region(prefix, date_from, date_to, length))
            for child in children:
                expected = to_json_number(metric.compute(child.code, date_from, date_to))
                got = to_json_number(found.get(child.code, 0))
                if not registry.total_of(expected):
                    got = got or expected  # a child with no rows is absent from the grouped answer
                assert got == expected, (child.code, got, expected)
                checked += registry.total_of(expected)
            months = metric.by_month(prefix, date_from, date_to)
            for label, start, end in registry.month_windows(date_from, date_to):
                expected = to_json_number(metric.compute(prefix, start, end))
                got = to_json_number(months.get(label, 0))
                assert registry.total_of(got) == registry.total_of(expected), (label, got, expected)
                if isinstance(expected, dict):
                    assert got == expected
                checked += registry.total_of(expected)
    assert checked > 0  # the fixture has records for every key somewhere


def test_the_figures_on_the_last_day_share_one_query_in_a_report(registry_2025):  # noqa: F811
    """people.total, by_category, representatives and network_figures read one aggregate when computed together,
    and give the same figures as computed one by one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    keys = ["people.total", "people.by_category", "people.representatives", "people.network_figures"]
    alone = {key: to_json_number(registry.get(key).compute("510903", *PERIODS[0])) for key in keys}
    with CaptureQueriesContext(connection) as queries:
        together = registry.compute("510903", *PERIODS[0], keys)
    assert together == alone
    assert len(queries) == 1
    assert alone["people.total"] == 6 and alone["people.by_category"]["total"] == 6
