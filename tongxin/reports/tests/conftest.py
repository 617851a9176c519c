import datetime

import pytest

from tongxin.core import validators

COUNTY_A, COUNTY_B = "510903", "510904"
TOWNSHIP_A = "510903001"  # 南津路街道
TOWNSHIP_A2 = "510903002"
D = datetime.date
YEAR = (D(2025, 1, 1), D(2025, 12, 31))


@pytest.fixture(autouse=True)
def _seeded(db):
    from tongxin.core.services import ensure_roles, seed_dictionaries
    from tongxin.reports.services import ensure_default_template

    ensure_roles()
    seed_dictionaries()
    ensure_default_template()


@pytest.fixture
def make_person(regions):
    from tongxin.people import services
    from tongxin.people.models import Person

    counter = {"n": 0}

    def factory(name="张三", region=COUNTY_A, category="1", **fields):
        counter["n"] += 1
        fields.setdefault("id_number", validators.make_id_number(region[:6], D(1985, 3, 1), counter["n"], "M"))
        return services.save_person(Person(name=name, region_id=region, category=category, **fields))

    return factory


@pytest.fixture
def persons(make_person):
    """Persons of 船山区 (two townships and the county itself) and of 安居区, entered in 2024 and 2025."""
    made = [
        make_person("甲一", TOWNSHIP_A, "1", added_on=D(2024, 5, 1)),
        make_person("甲二", TOWNSHIP_A, "2", added_on=D(2025, 2, 10), is_representative=True,
                    representative_level="county", representative_since=D(2025, 2, 10)),
        make_person("甲三", TOWNSHIP_A, "3", added_on=D(2025, 3, 5)),
        make_person("乙一", TOWNSHIP_A2, "1", added_on=D(2025, 3, 20), is_network_figure=True,
                    network_since=D(2025, 3, 20)),
        make_person("乙二", TOWNSHIP_A2, "4", added_on=D(2025, 7, 1)),
        make_person("丙一", COUNTY_A, "1", added_on=D(2025, 11, 11)),
        make_person("安居一", COUNTY_B, "1", added_on=D(2025, 4, 1)),
        make_person("安居二", COUNTY_B, "2", added_on=D(2025, 4, 2)),
    ]
    return made


@pytest.fixture
def only_metrics(monkeypatch):
    """Replace the registry with chosen metrics for a test: only_metrics("people.total", ...) keeps those real ones;
    returns the registry module to register fakes on."""
    from tongxin.reports import registry

    def keep(*keys):
        monkeypatch.setattr(registry, "_metrics", {k: v for k, v in registry._metrics.items() if k in keys})
        return registry

    return keep
