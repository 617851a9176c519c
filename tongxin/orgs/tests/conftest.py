import datetime

import pytest

from tongxin.core import validators

COUNTY_A, COUNTY_B = "510903", "510904"
TOWNSHIP_A = "510903001"  # 南津路街道
TOWNSHIP_A2 = "510903002"  # 凯旋路街道
TOWNSHIP_B = "510904001"
D = datetime.date


@pytest.fixture(autouse=True)
def _seeded(db):
    from tongxin.core.services import ensure_roles, seed_dictionaries

    ensure_roles()
    seed_dictionaries()


@pytest.fixture
def make_person(regions):
    from tongxin.people import services
    from tongxin.people.models import Person

    counter = {"n": 0}

    def factory(name="张三", region=COUNTY_A, *, phone=None, id_number=True, **fields):
        counter["n"] += 1
        if id_number is True:
            fields["id_number"] = validators.make_id_number(region[:6], D(1985, 3, 1), counter["n"], "M")
        if phone is not None:
            fields["phone"] = phone
        return services.save_person(Person(name=name, region_id=region, category="1", **fields))

    return factory


@pytest.fixture
def make_association(regions):
    from tongxin.orgs import services
    from tongxin.orgs.models import Association

    def factory(name="船山区新联会", region=COUNTY_A, *, level="county", kind="01", founded=None, **fields):
        return services.save_association(Association(name=name, region_id=region, level=level, kind=kind,
                                                     founded_on=founded or D(2017, 6, 28), **fields))

    return factory


@pytest.fixture
def county_association(make_association):
    return make_association()


@pytest.fixture
def branch(make_association, county_association):
    return make_association("南津路街道分会", TOWNSHIP_A, level="township", founded=D(2018, 5, 20),
                            parent=county_association)
