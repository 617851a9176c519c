import time
from decimal import Decimal

from django.utils import timezone

from tongxin.core.demo import seed_users
from tongxin.orgs import selectors
from tongxin.orgs.demo import seed_orgs
from tongxin.orgs.models import Association, CouncilTerm, Membership
from tongxin.people.demo import seed_people
from tongxin.reports import registry


def test_demo_matches_seed_000(regions):
    seed_users()
    seed_people()
    started = time.monotonic()
    seed_orgs()
    assert time.monotonic() - started < 20
    today = timezone.localdate()
    period = (today.replace(year=2017, month=1, day=1), today)
    figures = registry.compute("510903", *period, keys=[
        "orgs.associations", "orgs.members", "orgs.funding", "orgs.rules", "network.teams", "orgs.officers_new"])
    county = Association.objects.get(name="船山区新联会")
    assert county.children.count() == 18
    assert figures["orgs.associations"]["total"] == 19
    assert figures["orgs.members"] == 668
    assert Decimal(str(figures["orgs.funding"])) == Decimal("362000")
    assert figures["orgs.rules"] == 8
    assert figures["network.teams"]["by"]["先锋队伍"] == 48
    this_year = registry.get("orgs.officers_new").compute("510903", today.replace(month=1, day=1), today)
    assert this_year["by"]["副会长"] >= 2
    overdue = selectors.overdue_council_terms(CouncilTerm.objects.all(), today)
    assert list(overdue.values_list("association__name", flat=True)) == ["船山区新联会镇江寺街道分会"]
    coverage = selectors.coverage("510903", today)
    assert 0 < len(coverage.township_gaps) <= 4 and coverage.total.communities > 0 and coverage.community_gaps
    assert Membership.objects.filter(status="applied").exists()
    assert Association.objects.filter(region_id__startswith="510904").exists()
    assert seed_orgs() == "组织演示数据已存在，跳过"
    assert Association.objects.filter(name="船山区新联会").count() == 1
