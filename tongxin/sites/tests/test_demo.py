from django.utils import timezone

from tongxin.activities.demo import seed_activities
from tongxin.core.demo import seed_users
from tongxin.orgs.demo import seed_orgs
from tongxin.people.demo import seed_people
from tongxin.reports import registry
from tongxin.sites.demo import seed_sites
from tongxin.sites.models import KIND_DEMO, EvaluationScheme, InspectionRound, KeyTask, Site, TaskStatus


def test_demo_sites(regions):
    seed_users()
    seed_people()
    seed_orgs()
    seed_activities()
    message = seed_sites()
    today = timezone.localdate()
    assert registry.get("sites.count").compute("510903", today, today)["total"] == 6  # 6个新阶人士活动阵地
    demo_point = Site.objects.get(kind=KIND_DEMO, region_id__startswith="510903")
    assert demo_point.activities.exists()  # activities logged there are linked to it
    inspection = InspectionRound.objects.get(region_id="510903")
    assert inspection.assessments.count() == 6
    assessment = inspection.assessments.get(site=demo_point)
    results = list(assessment.results.all())
    proven = [r for r in results if r.met is True and r.prefilled]
    missing = [r for r in results if r.met is None]
    assert len(proven) > len(results) / 2 and missing  # most pre-filled from records, the rest missing
    assert len({a.score for a in inspection.assessments.all()}) > 1  # the ranking tells the sites apart
    statuses = {t.status for t in KeyTask.objects.filter(region_id="510903")}
    assert statuses == set(TaskStatus.values)
    scheme = EvaluationScheme.objects.get(region_id="510903")
    units = list(scheme.units.order_by("rank"))
    assert units[0].rank == 1 and units[0].total > units[-1].total
    assert units[0].scores.exists()
    assert str(assessment.pk) in message
    assert seed_sites() == "阵地演示数据已存在，跳过"
    assert Site.objects.filter(region_id__startswith="510903").count() == 6
