import datetime
import time

from django.db.models import Sum
from django.utils import timezone

from tongxin.activities import metrics, services
from tongxin.activities.demo import seed_activities
from tongxin.activities.models import Activity, PointEntry
from tongxin.core.demo import seed_users
from tongxin.orgs.demo import seed_orgs
from tongxin.people.demo import seed_people
from tongxin.people.models import Person


def test_demo_activities_match_seed_000(regions):
    seed_users()
    seed_people()
    seed_orgs()
    started = time.monotonic()
    message = seed_activities()
    assert time.monotonic() - started < 60, message
    today = timezone.localdate()
    period = (today - datetime.timedelta(days=800), today)
    count = metrics.activities_count("510903", *period)
    assert 60 <= count["by"]["学习宣讲"] <= 69  # 学习活动60余次
    assert 40 <= count["by"]["文化活动"] <= 49  # 文化活动40余场
    assert 80 <= count["by"]["社会服务"] <= 89  # 社会服务活动80余次
    assert metrics.training_classes("510903", *period) == 3  # 培训班3期
    assert 200 <= metrics.training_trainees("510903", *period) <= 229  # 轮训200余人次
    assert metrics.services_programs("510903", *period) == 16  # 服务项目16项
    items = metrics.donations_items("510903", *period)["by"]
    assert items["农机（台）"] == 8 and 300 <= items["书籍（册）"] < 400 and items["书法绘画作品（副）"] >= 1000
    value = metrics.donations_value("510903", *period)["by"]
    assert 60000 <= value["资金"] < 70000  # 以购代扶6万余元
    assert metrics.activities_count("510904", *period)["total"] > 0
    # The ledger is consistent: every balance is its sum, and issued points match the rules (≥ 5 per attendance).
    issued = metrics.points_issued("510903", *period)
    assert issued >= 5 * metrics.activities_attendance("510903", *period)["total"]
    assert PointEntry.objects.aggregate(s=Sum("points"))["s"] == sum(
        services.points_balance(p) for p in Person.objects.filter(point_entries__isnull=False).distinct())
    member = Person.objects.get(user__username="member")
    assert member.attendances.count() >= 3 and services.points_balance(member) > 0
    assert services.open_activities_for(member).count() >= 2
    today_activity = Activity.objects.get(title="新阶人士之家开放日")
    opens, closes = today_activity.checkin_window
    assert opens <= timezone.now() <= closes
    assert seed_activities() == "活动演示数据已存在，跳过"
