"""The people metrics' by_region / by_month hooks give, in one query, exactly what `compute` gives per child region
and per month — on the registry of the people tests, whose history crosses the period in every way that
matters (moves, deaths, late flags, entries after the end, another county)."""

import datetime

import pytest

from tongxin.people.tests.conftest import make_person  # noqa: F401 - fixtures
from tongxin.people.tests.test_metrics import registry_2025  # noqa: F401 - fixture
from tongxin.reports import registry, testing
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
    assert testing.check_hooks(key, ("5109", "510903", ""), PERIODS) > 0  # the fixture has records for every key


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
