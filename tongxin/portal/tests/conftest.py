import datetime

import pytest
from django.utils import timezone

COUNTY_A, COUNTY_B = "510903", "510904"
TOWNSHIP_A, TOWNSHIP_B = "510903001", "510904001"


def at(days: float = 0, hours: float = 0) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days, hours=hours)


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

    def factory(name=None, region=TOWNSHIP_A, **fields):
        counter["n"] += 1
        fields.setdefault("added_on", datetime.date(2020, 1, 1))
        return services.save_person(Person(name=name or f"人士{counter['n']}", region_id=region, category="1",
                                           **fields))

    return factory


@pytest.fixture
def make_member(make_person, make_user):
    """A member: a person record with a login of the member role."""

    def factory(name="刘嘉怡", region=TOWNSHIP_A, **fields):
        person = make_person(name=name, region=region, **fields)
        user = make_user("member", region[:6])
        person.user = user
        person.save(update_fields=["user"])
        return person

    return factory


@pytest.fixture
def member(make_member):
    return make_member(phone="13812345678")


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def make_activity(regions):
    from tongxin.activities import services
    from tongxin.activities.models import Activity

    def factory(title="学习宣讲进社区", *, type="02", region=COUNTY_A, starts=None, hours=2,
                signup_mode="registry", **fields):
        starts = starts if starts is not None else at(days=7)
        activity = Activity(title=title, type=type, region_id=region, starts_at=starts,
                            ends_at=starts + datetime.timedelta(hours=hours), signup_mode=signup_mode, **fields)
        return services.save_activity(activity=activity)

    return factory


@pytest.fixture
def make_rule(regions):
    from tongxin.activities.models import PointRule

    def factory(trigger="attendance", points=5, region=COUNTY_A, activity_type=""):
        return PointRule.objects.create(trigger=trigger, points=points, region_id=region,
                                        activity_type=activity_type)

    return factory
