import time

from django.utils import timezone

from tongxin.core.demo import seed_users
from tongxin.liaison import metrics
from tongxin.liaison.demo import seed_liaison
from tongxin.liaison.models import Case, Contact, PairingMember
from tongxin.liaison.selectors import open_follow_ups, overdue_members, unpaired_representatives
from tongxin.people.demo import seed_people
from tongxin.people.models import Person


def test_demo_liaison(regions):
    seed_users()
    seed_people()
    started = time.monotonic()
    seed_liaison()
    assert time.monotonic() - started < 20
    today = timezone.localdate()
    leaders = metrics.leaders("510903", today, today)
    assert leaders["total"] == 23 and leaders["by"]["县级领导"] == 23  # 23名县级领导
    assert metrics.representatives("510903", today, today) == 46  # 联系46名党外代表人士
    year = (today.replace(year=today.year - 1), today)
    resolved = metrics.cases_resolved("510903", *year)["total"]
    assert 18 <= resolved <= 24  # 解决……问题20余件
    assert Case.objects.filter(region_id__startswith="510903").count() == 30
    assert Case.objects.filter(region_id__startswith="510903").overdue(today).count() >= 2
    contacts = metrics.contacts_count("510903", *year)
    assert contacts["by"]["面对面"] > 0 and contacts["by"]["微信/网络"] > 0 and contacts["by"]["电话"] > 0
    county = Person.objects.filter(region_id__startswith="510903")
    assert unpaired_representatives(county, today=today).exists()
    assert overdue_members(PairingMember.objects.filter(pairing__region_id="510903"), today=today).exists()
    assert open_follow_ups(Contact.objects.filter(region_id__startswith="510903")).exists()
    assert Contact.objects.filter(region_id__startswith="510904").exists()
    assert 0 < metrics.coverage("510903", today, today)["total"] < 1
    count = Contact.objects.count()
    assert seed_liaison() == "联系服务演示数据已存在，跳过"
    assert Contact.objects.count() == count
