"""Each metric against counts made independently here: period boundaries, region subtree, other county and
cancelled activities excluded, and the by_region / by_month hooks agree with the totals."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tongxin.activities import metrics, services
from tongxin.activities.models import (
    ClassSession,
    Donation,
    PointEntry,
    Reward,
    ServiceProgramme,
    TrainingClass,
)
from tongxin.reports import registry

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, TOWNSHIP_A2, TOWNSHIP_B

D = datetime.date
PERIOD = (D(2025, 1, 1), D(2025, 6, 30))


def moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def world(make_activity, make_person, make_rule):
    make_rule(points=5)
    people = [make_person(region=TOWNSHIP_A) for _ in range(4)]
    b_person = make_person(region=TOWNSHIP_B)
    acts = {
        "first_day": make_activity("期初", type="02", region=TOWNSHIP_A, starts=moment(D(2025, 1, 1), 0),
                                   beneficiaries=10),
        "last_day": make_activity("期末", type="04", region=TOWNSHIP_A2, starts=moment(D(2025, 6, 30), 23),
                                  beneficiaries=20),
        "county": make_activity("区级", type="02", region=COUNTY_A, starts=moment(D(2025, 3, 15)), beneficiaries=5,
                                enterprises_served=4),
        "before": make_activity("期前", type="02", region=TOWNSHIP_A, starts=moment(D(2024, 12, 31), 23)),
        "after": make_activity("期后", type="02", region=TOWNSHIP_A, starts=moment(D(2025, 7, 1), 0)),
        "cancelled": make_activity("取消", type="02", region=TOWNSHIP_A, starts=moment(D(2025, 2, 1)),
                                   is_cancelled=True, beneficiaries=99),
        "other": make_activity("安居", type="02", region=TOWNSHIP_B, starts=moment(D(2025, 2, 1)), beneficiaries=7),
    }
    for key, persons in (("first_day", people[:3]), ("last_day", people[:2]), ("county", people),
                         ("before", people[:1]), ("after", people[:1]), ("other", [b_person])):
        services.add_attendees(acts[key], persons, at=acts[key].starts_at)
    return {"acts": acts, "people": people, "b_person": b_person}


def test_activities_count_attendance_beneficiaries(world):
    count = metrics.activities_count(COUNTY_A, *PERIOD)
    assert count["total"] == 3 and count["by"]["学习宣讲"] == 2 and count["by"]["文化活动"] == 1
    assert count["by"]["培训班"] == 0
    attendance = metrics.activities_attendance(COUNTY_A, *PERIOD)
    assert attendance["total"] == 3 + 2 + 4 and attendance["by"]["文化活动"] == 2
    assert metrics.activities_beneficiaries(COUNTY_A, *PERIOD)["total"] == 35
    assert metrics.activities_count(TOWNSHIP_A, *PERIOD)["total"] == 1
    assert metrics.activities_count(COUNTY_B, *PERIOD)["total"] == 1
    assert metrics.activities_count("5109", *PERIOD)["total"] == 4


def test_hooks_agree_with_totals(world):
    for key in ("activities.count", "activities.attendance", "activities.beneficiaries", "points.issued"):
        metric = registry.get(key)
        total = registry.total_of(metric.compute("5109", *PERIOD))
        by_region = metric.by_region("5109", *PERIOD, 6)
        assert by_region.get(COUNTY_A, 0) == registry.total_of(metric.compute(COUNTY_A, *PERIOD)), key
        assert sum(by_region.values()) == total, key
        by_month = metric.by_month("5109", *PERIOD)
        assert len(by_month) == 6 and sum(by_month.values()) == total, key
        assert by_month["2025-01"] == registry.total_of(metric.compute("5109", D(2025, 1, 1), D(2025, 1, 31))), key


def test_training_metrics(make_activity, make_person):
    persons = [make_person() for _ in range(5)]
    for n, (day, region, trainees) in enumerate([(D(2025, 2, 1), COUNTY_A, 3), (D(2025, 5, 1), TOWNSHIP_A, 5),
                                                 (D(2024, 5, 1), COUNTY_A, 4), (D(2025, 2, 1), COUNTY_B, 2)]):
        activity = make_activity(f"培训班{n}", type="03", region=region, starts=moment(day), hours=24)
        training = services.save_training_class(training_class=TrainingClass(activity=activity))
        services.enroll(training, persons[:trainees])
    assert metrics.training_classes(COUNTY_A, *PERIOD) == 2
    assert metrics.training_trainees(COUNTY_A, *PERIOD) == 8
    assert metrics.training_trainees("5109", *PERIOD) == 10
    assert ClassSession.objects.count() == 0


def test_service_programs_at_end(regions):
    ServiceProgramme.objects.create(region_id=COUNTY_A, name="科普进社区", started_on=D(2024, 1, 1))
    ServiceProgramme.objects.create(region_id=TOWNSHIP_A, name="法律进社区", started_on=D(2025, 6, 30))
    ServiceProgramme.objects.create(region_id=COUNTY_A, name="已停止", started_on=D(2024, 1, 1),
                                    ended_on=D(2025, 3, 1))
    ServiceProgramme.objects.create(region_id=COUNTY_A, name="下半年", started_on=D(2025, 7, 1))
    ServiceProgramme.objects.create(region_id=COUNTY_B, name="安居", started_on=D(2024, 1, 1))
    assert metrics.services_programs(COUNTY_A, *PERIOD) == 2
    assert metrics.services_programs(COUNTY_A, D(2025, 1, 1), D(2025, 2, 1)) == 2  # 已停止 still on the menu


def test_services_enterprises_distinct(world, regions):
    from tongxin.people.models import Organization

    orgs = [Organization.objects.create(name=f"企业{i}", region_id=TOWNSHIP_A) for i in range(3)]
    world["acts"]["first_day"].enterprises.set(orgs[:2])
    world["acts"]["last_day"].enterprises.set(orgs[1:])
    world["acts"]["before"].enterprises.set(orgs)
    assert metrics.services_enterprises(COUNTY_A, *PERIOD) == 3 + 4  # distinct linked + counted on 区级
    region = registry.get("services.enterprises").by_region(COUNTY_A, *PERIOD, 9)
    # Distinct per child region: an enterprise served in two townships counts in each.
    assert region[TOWNSHIP_A] == metrics.services_enterprises(TOWNSHIP_A, *PERIOD) == 2
    assert region[COUNTY_A] == 4


def test_donations(world):
    acts = world["acts"]
    Donation.objects.create(activity=acts["county"], kind="money", amount=Decimal("60000.50"),
                            donated_on=D(2025, 3, 15))
    Donation.objects.create(activity=acts["county"], kind="items", item_kind="农机", item_count=8, item_unit="台",
                            estimated_value=Decimal("100000"), donated_on=D(2025, 6, 30))
    Donation.objects.create(activity=acts["county"], kind="items", item_kind="书籍", item_count=300,
                            item_unit="册", donated_on=D(2025, 7, 1))
    Donation.objects.create(activity=acts["cancelled"], kind="money", amount=Decimal("5"), donated_on=D(2025, 2, 1))
    Donation.objects.create(activity=acts["other"], kind="money", amount=Decimal("7"), donated_on=D(2025, 2, 1))
    value = metrics.donations_value(COUNTY_A, *PERIOD)
    assert value["total"] == Decimal("160000.50") and value["by"]["资金"] == Decimal("60000.50")
    items = metrics.donations_items(COUNTY_A, *PERIOD)
    assert items == {"total": 8, "by": {"农机（台）": 8}}
    assert registry.get("donations.value").by_month(COUNTY_A, *PERIOD)["2025-03"] == 60000.5


def test_points_issued_and_redeemed(world):
    person = world["people"][0]
    # world: person[0] attended first_day, last_day, county (in period) and before, after: 5 points each
    assert metrics.points_issued(COUNTY_A, *PERIOD) == 5 * 9
    assert metrics.points_issued(COUNTY_B, *PERIOD) == 0  # 安居区 has no rule
    reward = Reward.objects.create(region_id=COUNTY_A, name="书签", points_cost=7)
    redemption = services.redeem(person, reward)
    PointEntry.objects.filter(pk=redemption.entry_id).update(at=moment(D(2025, 4, 1)))
    services.adjust_points(person, -1, reason="更正", by=None)
    assert metrics.points_redeemed(COUNTY_A, *PERIOD) == 7
    assert metrics.points_issued(COUNTY_A, *PERIOD) == 45  # adjustments are not issuance
    assert services.points_balance(person) == 25 - 7 - 1
