import datetime

import pytest
from django.utils import timezone

COUNTY_A, COUNTY_B = "510903", "510904"
TOWNSHIP_A = "510903001"
TOWNSHIP_A2 = "510903002"
TOWNSHIP_B = "510904001"


def at(days: float = 0, hours: float = 0) -> datetime.datetime:
    """A moment relative to now (aware)."""
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
def make_activity(regions):
    from tongxin.activities import services
    from tongxin.activities.models import Activity

    def factory(title="学习宣讲进社区", *, type="02", region=COUNTY_A, starts=None, hours=2, associations=None,
                **fields):
        starts = starts if starts is not None else at(days=7)
        activity = Activity(title=title, type=type, region_id=region, starts_at=starts,
                            ends_at=starts + datetime.timedelta(hours=hours), **fields)
        return services.save_activity(activity=activity, associations=associations)

    return factory


@pytest.fixture
def make_association(regions):
    from tongxin.orgs.models import Association

    def factory(name="船山区新联会", region=COUNTY_A):
        return Association.objects.create(name=name, region_id=region, kind="01", level="county",
                                          founded_on=datetime.date(2018, 1, 1))

    return factory


@pytest.fixture
def admit():
    from tongxin.orgs.models import Membership

    def factory(association, person):
        return Membership.objects.create(association=association, person=person, status="admitted",
                                         joined_on=datetime.date(2020, 1, 1))

    return factory


@pytest.fixture
def make_rule(regions):
    from tongxin.activities.models import PointRule

    def factory(trigger="attendance", points=5, region=COUNTY_A, activity_type=""):
        return PointRule.objects.create(trigger=trigger, points=points, region_id=region,
                                        activity_type=activity_type)

    return factory
