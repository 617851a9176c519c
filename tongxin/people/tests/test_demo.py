import time

from django.db import connection

from tongxin.core.demo import seed_users
from tongxin.people import search
from tongxin.people.demo import seed_people
from tongxin.people.models import NetworkAccount, Organization, Person, PersonState


def test_demo_registry(regions):
    seed_users()
    started = time.monotonic()
    seed_people()
    elapsed = time.monotonic() - started
    assert elapsed < 20, elapsed
    county = Person.objects.filter(region_id__startswith="510903")
    assert 2900 <= county.count() <= 3100
    assert Person.objects.filter(region_id__startswith="510904").count() == 300
    assert 380 <= Organization.objects.filter(region_id__startswith="510903").count() <= 420
    assert set(county.values_list("category", flat=True)) == {"1", "2", "3", "4"}
    assert 95 <= county.filter(is_representative=True).count() <= 105
    assert 55 <= county.filter(is_reserve=True).count() <= 65
    assert county.filter(is_network_figure=True).count() >= 40
    assert NetworkAccount.objects.filter(person__in=county.filter(is_network_figure=True)).exists()
    assert PersonState.objects.count() >= Person.objects.count()
    assert Person.objects.get(user__username="member").region_id.startswith("510903")
    assert "张嘉骊" in [p.name for p in search.search_persons(Person.objects.all(), "zjl")]
    assert "张嘉骊" in [p.name for p in search.search_persons(Person.objects.all(), "zhangjiali")]
    assert [p.name for p in search.search_persons(Person.objects.all(), "13982501234")] == ["张嘉骊"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM people_person WHERE id_number <> '' AND phone <> ''")
        for id_number, phone in cursor.fetchall():
            assert id_number.startswith("sm4gcm1:") and phone.startswith("sm4gcm1:")
    assert seed_people() == "人士库演示数据已存在，跳过"
    assert Person.objects.filter(name="张嘉骊").count() == 1
