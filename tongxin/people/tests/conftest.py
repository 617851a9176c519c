import datetime

import pytest

from tongxin.core import validators

COUNTY_A, COUNTY_B = "510903", "510904"
TOWNSHIP_A = "510903001"  # 南津路街道


@pytest.fixture
def make_org(regions):
    from tongxin.people import services
    from tongxin.people.models import Organization

    counter = {"n": 0}

    def factory(name="遂宁锦华食品有限公司", region=COUNTY_A, **fields):
        counter["n"] += 1
        fields.setdefault("credit_code", validators.make_credit_code(counter["n"], region[:6]))
        return services.save_organization(Organization(name=name, region_id=region, **fields))

    return factory


@pytest.fixture
def make_person(regions):
    """Create a person through the service (state history written); `id_seq` builds a valid ID number."""
    from tongxin.people import services
    from tongxin.people.models import Person

    counter = {"n": 0}

    def factory(name="张三", region=COUNTY_A, category="1", *, id_seq=None, birth=datetime.date(1985, 3, 1),
                gender="M", tags=None, specialties=None, accounts=None, user=None, **fields):
        counter["n"] += 1
        if id_seq is not None:
            fields["id_number"] = validators.make_id_number(region[:6], birth, id_seq, gender)
        person = Person(name=name, region_id=region, category=category, **fields)
        return services.save_person(person, tags=tags, specialties=specialties, accounts=accounts, user=user)

    return factory


@pytest.fixture(autouse=True)
def _seeded(db):
    """Roles and dictionaries, as `migrate` seeds them (post_migrate is not sent to an app without models)."""
    from tongxin.core.services import ensure_roles, seed_dictionaries

    ensure_roles()
    seed_dictionaries()
