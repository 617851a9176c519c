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
    city = EvaluationScheme.objects.get(region_id="5109")  # 县市区、园区统战工作评价办法
    assert city.unit_kind == "mixed" and city.computed_at is not None
    kinds = {u.unit_region_id: u.kind for u in city.units.select_related("unit_region")}
    assert kinds == {"510903": "county", "510904": "county", "510921": "county", "510923": "county",
                     "510981": "county", "510971": "park"}  # 射洪市 (510981) is a county-level city
    park_unit = city.units.get(unit_region_id="510971")
    assert park_unit.unit_region.note == "演示数据（虚构）"
    assert park_unit.scores.get(indicator__name="阵地建设").score > 0  # scored from the park's own site
    assert park_unit.rank is not None and park_unit.total > 0
    assert str(assessment.pk) in message
    assert seed_sites() == "阵地演示数据已存在，跳过"
    city.delete()  # a database seeded before the city scheme existed gets it on the next run
    assert "市级评价办法" in seed_sites()
    assert EvaluationScheme.objects.get(region_id="5109").units.filter(unit_region_id="510971").exists()
    assert Site.objects.filter(region_id__startswith="510903").count() == 6
