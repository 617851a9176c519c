import datetime
from decimal import Decimal

from tongxin.reports import registry
from tongxin.sites import services
from tongxin.sites.models import KeyTask, Standard

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, TOWNSHIP_B

D = datetime.date
YEAR = (D(2025, 1, 1), D(2025, 12, 31))


def test_sites_count_at_end_by_kind_and_level(make_site):
    make_site("基地", TOWNSHIP_A, kind="01", level="city", opened_on=D(2020, 1, 1))
    make_site("示范点", COUNTY_A, kind="02", opened_on=D(2025, 12, 31))  # opened on the last day: counts
    make_site("新建", TOWNSHIP_A, kind="02", opened_on=D(2026, 1, 1))  # after the end
    make_site("撤销", TOWNSHIP_A, kind="04", opened_on=D(2020, 1, 1), closed_on=D(2025, 6, 30))
    make_site("末日撤销", TOWNSHIP_A, kind="04", opened_on=D(2020, 1, 1), closed_on=D(2025, 12, 31))
    make_site("安居", TOWNSHIP_B, kind="01", opened_on=D(2020, 1, 1))
    value = registry.get("sites.count").compute(COUNTY_A, *YEAR)
    assert value["total"] == 3
    assert value["by"]["实践创新基地"] == 1 and value["by"]["创新示范点"] == 1 and value["by"]["活动阵地"] == 1
    assert value["by_level"]["市级"] == 1 and value["by_level"]["县级"] == 2
    assert registry.get("sites.count").compute("5109", *YEAR)["total"] == 4
    assert registry.get("sites.count").by_region("5109", *YEAR, 6) == {COUNTY_A: 3, COUNTY_B: 1}
    months = registry.get("sites.count").by_month(COUNTY_A, *YEAR)
    assert months["2025-06"] == 3 and months["2025-07"] == 2 and months["2025-12"] == 3
    assert registry.get("sites.count").records(COUNTY_A, *YEAR).count() == 3


def test_sites_assessed_counts_sites_and_grades_per_standard(make_site):
    a = make_site("甲", TOWNSHIP_A)
    b = make_site("乙", TOWNSHIP_A)
    other = make_site("安居", TOWNSHIP_B)
    shiyou = Standard.objects.get(code="shiyou")
    qiyou = Standard.objects.get(code="qiyou")
    services.create_assessment(standard=shiyou, site=a, assessed_on=D(2025, 1, 1))
    services.create_assessment(standard=qiyou, site=a, assessed_on=D(2025, 12, 31))
    services.create_assessment(standard=shiyou, site=b, assessed_on=D(2024, 12, 31))  # before the period
    services.create_assessment(standard=shiyou, site=other, assessed_on=D(2025, 5, 1))  # other county
    value = registry.get("sites.assessed").compute(COUNTY_A, *YEAR)
    assert value["total"] == 1
    assert value["by"] == {"七有·不达标": 1, "十有·不达标": 1}
    assert registry.get("sites.assessed").by_region("5109", *YEAR, 6) == {COUNTY_A: 1, COUNTY_B: 1}
    assert registry.get("sites.assessed").by_month(COUNTY_A, *YEAR)["2025-01"] == 1


def test_tasks_total_due_in_period_by_status_at_end(regions):
    def task(title, deadline, completed=None, region=COUNTY_A):
        return KeyTask.objects.create(region_id=region, year=2025, title=title, owner_unit="部", responsible="李",
                                      started_on=D(2025, 1, 1), deadline=deadline, completed_on=completed,
                                      progress=100 if completed else 10)

    task("按期", D(2025, 6, 30), D(2025, 6, 1))
    task("逾期完成", D(2025, 6, 30), D(2025, 7, 15))
    task("逾期未完成", D(2025, 3, 31))
    task("末日到期", D(2025, 12, 31))  # due on the last day, not done: still 进行中
    task("完成在期末后", D(2025, 12, 31), D(2026, 1, 2))
    task("明年", D(2026, 3, 1))
    task("安居", D(2025, 6, 30), region=COUNTY_B)
    value = registry.get("tasks.total").compute(COUNTY_A, *YEAR)
    assert value == {"total": 5, "by": {"按期完成": 1, "逾期": 2, "进行中": 2}}
    assert registry.get("tasks.total").by_region("5109", *YEAR, 6) == {COUNTY_A: 5, COUNTY_B: 1}
    assert sum(registry.get("tasks.total").by_month(COUNTY_A, *YEAR).values()) == 5
    assert Decimal(registry.total_of(value)) == 5


def test_tasks_total_for_a_period_ending_in_the_future_uses_today(regions):
    from django.utils import timezone

    today = timezone.localdate()
    KeyTask.objects.create(region_id=COUNTY_A, year=today.year, title="下月到期", owner_unit="部", responsible="李",
                           started_on=today - datetime.timedelta(days=30),
                           deadline=today + datetime.timedelta(days=20))
    end = today + datetime.timedelta(days=60)
    value = registry.get("tasks.total").compute(COUNTY_A, today, end)
    assert value["by"] == {"按期完成": 0, "逾期": 0, "进行中": 1}
