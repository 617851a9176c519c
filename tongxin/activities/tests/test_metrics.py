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
from tongxin.reports import registry, testing

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


# --- by_region / by_month hooks: the same figures as computing per child region / per month ----------------------

HOOKED = ("activities.count", "activities.attendance", "activities.beneficiaries", "training.classes",
          "training.trainees", "services.programs", "services.enterprises", "donations.value", "donations.items",
          "points.issued", "points.redeemed")
PERIODS = (PERIOD, (D(2024, 12, 15), D(2025, 7, 10)), (D(2025, 6, 30), D(2025, 7, 1)))


@pytest.fixture
def full_world(world, make_activity, make_person):
    """`world` plus training, the service menu, enterprises, donations and redeemed points, on month ends."""
    from tongxin.people.models import Organization

    acts = world["acts"]
    persons = world["people"]
    for n, (day, region, trainees) in enumerate([(D(2025, 2, 28), COUNTY_A, 3), (D(2025, 5, 1), TOWNSHIP_A, 4),
                                                 (D(2024, 12, 31), TOWNSHIP_A2, 2), (D(2025, 3, 1), COUNTY_B, 1)]):
        activity = make_activity(f"培训班{n}", type="03", region=region, starts=moment(day), hours=24)
        services.enroll(services.save_training_class(training_class=TrainingClass(activity=activity)),
                        persons[:trainees])
    for region, name, start, end in ((COUNTY_A, "科普进社区", D(2024, 1, 1), None),
                                     (TOWNSHIP_A, "法律进社区", D(2025, 3, 31), None),
                                     (TOWNSHIP_A2, "已停止", D(2024, 1, 1), D(2025, 4, 30)),
                                     (COUNTY_B, "安居", D(2025, 2, 1), None)):
        ServiceProgramme.objects.create(region_id=region, name=name, started_on=start, ended_on=end)
    orgs = [Organization.objects.create(name=f"企业{i}", region_id=TOWNSHIP_A) for i in range(3)]
    acts["first_day"].enterprises.set(orgs[:2])
    acts["last_day"].enterprises.set(orgs[1:])
    acts["other"].enterprises.set(orgs[:1])
    Donation.objects.create(activity=acts["county"], kind="money", amount=Decimal("60000.50"),
                            donated_on=D(2025, 3, 15))
    # an items donation with an amount filled in as well: donations.value counts its stated value only
    Donation.objects.create(activity=acts["first_day"], kind="items", item_kind="书籍", item_count=30, item_unit="册",
                            amount=Decimal("1"), estimated_value=Decimal("300"), donated_on=D(2025, 1, 31))
    Donation.objects.create(activity=acts["last_day"], kind="items", item_kind="农机", item_count=8, item_unit="台",
                            donated_on=D(2025, 6, 30))
    Donation.objects.create(activity=acts["other"], kind="money", amount=Decimal("7"), donated_on=D(2025, 2, 1))
    for person, cost, day in ((persons[0], 7, D(2025, 4, 30)), (persons[1], 3, D(2025, 7, 1))):
        reward = Reward.objects.create(region_id=COUNTY_A, name=f"奖品{cost}", points_cost=cost)
        redemption = services.redeem(person, reward)
        PointEntry.objects.filter(pk=redemption.entry_id).update(at=moment(day, 0))
    return world


def check_hooks(key, prefixes=("", "5109", COUNTY_A, COUNTY_B), periods=PERIODS) -> int:
    return testing.check_hooks(key, prefixes, periods, whole=False)


@pytest.mark.parametrize("key", HOOKED)
def test_hooks_equal_compute_per_child_and_month(key, full_world):
    assert check_hooks(key) > 0


def test_points_hooks_split_by_region_and_month(full_world):
    issued, redeemed = registry.get("points.issued"), registry.get("points.redeemed")
    assert redeemed.by_month(COUNTY_A, D(2025, 4, 1), D(2025, 7, 31)) == {
        "2025-04": 7, "2025-05": 0, "2025-06": 0, "2025-07": 3}
    assert redeemed.by_region("5109", *PERIOD, 6) == {COUNTY_A: 7}
    assert issued.by_region("5109", *PERIOD, 6)[COUNTY_A] == metrics.points_issued(COUNTY_A, *PERIOD) > 0


def test_records_match_the_figures(full_world):
    """The drill-down of each figure lists what it counts or sums, per region and period (services.enterprises:
    the registered enterprises, plus the counts recorded on the activities)."""
    measure = {
        "activities.beneficiaries": lambda rows: sum(a.beneficiaries for a in rows),
        "donations.value": lambda rows: sum(d.value or 0 for d in rows),
        "donations.items": lambda rows: sum(d.item_count for d in rows),
        "points.issued": lambda rows: sum(e.points for e in rows),
        "points.redeemed": lambda rows: -sum(e.points for e in rows),
    }
    for prefix in ("", "5109", COUNTY_A, TOWNSHIP_A, COUNTY_B):
        for period in PERIODS:
            for key in HOOKED:
                figure = registry.total_of(registry.get(key).compute(prefix, *period))
                rows = registry.get(key).records(prefix, *period)
                if key == "services.enterprises":
                    found = rows.count() + sum(a.enterprises_served for a in metrics.activities_records(prefix,
                                                                                                        *period))
                else:
                    found = measure[key](rows) if key in measure else rows.count()
                assert found == figure, (key, prefix, period, found, figure)
