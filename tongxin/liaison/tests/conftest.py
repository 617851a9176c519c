import datetime

import pytest
from django.utils import timezone

from tongxin.core import validators

COUNTY_A, COUNTY_B = "510903", "510904"
TOWNSHIP_A = "510903001"  # 南津路街道
TOWNSHIP_A2 = "510903002"  # 凯旋路街道
TOWNSHIP_B = "510904001"


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _seeded(db):
    """Roles and dictionaries, as `migrate` seeds them."""
    from tongxin.core.services import ensure_roles, seed_dictionaries

    ensure_roles()
    seed_dictionaries()


@pytest.fixture
def make_person(regions):
    from tongxin.people import services
    from tongxin.people.models import Person

    counter = {"n": 0}

    def factory(name="张三", region=TOWNSHIP_A, *, representative=True, id_seq=None, **fields):
        counter["n"] += 1
        if id_seq is not None:
            fields["id_number"] = validators.make_id_number(region[:6], datetime.date(1985, 3, 1), id_seq, "M")
        fields.setdefault("added_on", datetime.date(2020, 1, 1))
        if representative:
            fields.setdefault("is_representative", True)
            fields.setdefault("representative_level", "county")
            fields.setdefault("representative_since", datetime.date(2020, 1, 1))
        return services.save_person(Person(name=name, region_id=region, category="1", **fields))

    return factory


@pytest.fixture
def leader(make_user):
    return make_user("leader", COUNTY_A, username="leader_a", display_name="周建华", title="区委书记")


@pytest.fixture
def make_pairing(leader):
    from tongxin.liaison import services
    from tongxin.liaison.models import Pairing

    def factory(persons, *, by=None, region=COUNTY_A, started_on=datetime.date(2024, 1, 1), interval=90, **fields):
        by = by if by is not None else leader
        key = "leader_person" if by.__class__.__name__ == "Person" else "leader_user"
        pairing = Pairing(region_id=region, started_on=started_on, contact_interval_days=interval, **{key: by},
                          **fields)
        return services.save_pairing(pairing=pairing, persons=persons, on=started_on)

    return factory


@pytest.fixture
def make_contact(leader):
    from tongxin.liaison import services
    from tongxin.liaison.models import Contact

    def factory(persons, day, *, by=None, channel="face", topic="走访企业", **fields):
        by = by if by is not None else leader
        key = "by_person" if by.__class__.__name__ == "Person" else "by_user"
        contact = Contact(contacted_on=day, channel=channel, topic=topic, **{key: by}, **fields)
        return services.save_contact(contact=contact, persons=persons)

    return factory


@pytest.fixture
def make_case(staff_user):
    from tongxin.liaison import services
    from tongxin.liaison.models import Case

    def factory(person=None, *, title="新联会分会无活动阵地", category="site", opened_on=None, **fields):
        if person is not None:
            fields.setdefault("raiser_kind", "person")
            fields["raised_by_person"] = person
        case = Case(title=title, category=category, opened_on=opened_on or days_ago(30), **fields)
        return services.save_case(case=case, user=staff_user)

    return factory
