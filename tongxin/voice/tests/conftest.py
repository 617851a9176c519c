import datetime

import pytest
from django.utils import timezone

COUNTY_A, COUNTY_B = "510903", "510904"
TOWNSHIP_A = "510903001"
TOWNSHIP_A2 = "510903002"
TOWNSHIP_B = "510904001"


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _seeded(db):
    from tongxin.core.services import ensure_roles, seed_dictionaries

    ensure_roles()
    seed_dictionaries()


@pytest.fixture
def make_person(regions):
    from tongxin.people import services
    from tongxin.people.models import Person

    def factory(name="张三", region=TOWNSHIP_A, *, representative=False, **fields):
        fields.setdefault("added_on", datetime.date(2020, 1, 1))
        if representative:
            fields.setdefault("is_representative", True)
            fields.setdefault("representative_level", "county")
            fields.setdefault("representative_since", datetime.date(2020, 1, 1))
        return services.save_person(Person(name=name, region_id=region, category="1", **fields))

    return factory


@pytest.fixture
def make_association(regions):
    from tongxin.orgs import services
    from tongxin.orgs.models import Association

    def factory(name="船山区新联会", region=COUNTY_A, *, level="county", kind="01", **fields):
        return services.save_association(Association(name=name, region_id=region, level=level, kind=kind,
                                                     founded_on=datetime.date(2017, 6, 28), **fields))

    return factory


@pytest.fixture
def make_proposal(staff_user, make_person):
    from tongxin.voice import services

    def factory(title="关于优化营商环境的建议", content="建议简化企业开办流程，压缩审批时限。", *, persons=None,
                region=TOWNSHIP_A, submitted_on=None, topic="business", channel="proposal", **kwargs):
        if persons is None:
            persons = [make_person("李明", region)]
        return services.submit_proposal(title=title, content=content, topic=topic, channel=channel,
                                        persons=persons, region=region, by=staff_user,
                                        submitted_on=submitted_on or days_ago(60), **kwargs)

    return factory


@pytest.fixture
def make_arrangement(make_person):
    from tongxin.voice import services
    from tongxin.voice.models import PoliticalArrangement

    def factory(person=None, *, body="npc", level="county", status="arranged", starts_on=datetime.date(2022, 1, 1),
                ends_on=datetime.date(2026, 12, 31), region=None, **fields):
        person = person or make_person("王五", region or TOWNSHIP_A)
        arrangement = PoliticalArrangement(person=person, body=body, level=level, status=status,
                                           starts_on=starts_on if status == "arranged" else None,
                                           ends_on=ends_on if status == "arranged" else None,
                                           recommended_on=fields.pop("recommended_on", datetime.date(2021, 10, 1)),
                                           region_id=region, **fields)
        return services.save_arrangement(arrangement)

    return factory
