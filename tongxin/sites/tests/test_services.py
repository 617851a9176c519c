import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.sites import selectors, services
from tongxin.sites.models import Assessment, KeyTask, Standard, TaskStatus

from .conftest import COUNTY_A, TOWNSHIP_A

D = datetime.date


def test_shipped_standards_hold_the_seeds_wording():
    shiyou = Standard.objects.get(code="shiyou", is_current=True)
    assert [c.name for c in shiyou.criteria.all()] == [
        "有工作机构", "有代表人士", "有联谊组织", "有工作制度", "有活动场所", "有活动品牌", "有主题活动", "有教育培训",
        "有社会实践", "有工作成效"]
    assert [c.name for c in Standard.objects.get(code="qiyou").criteria.all()] == [
        "有组织", "有制度", "有队伍", "有阵地", "有经费", "有活动", "有品牌"]
    sc = Standard.objects.get(code="wuyou-sijian-sc")
    # Seed 003 states only Chengdu's four 有; the fifth 有 and the 四见 are not in it, so none is shipped.
    assert [(c.name, c.stated_in_source) for c in sc.criteria.all()] == [
        ("有组织形式", True), ("有载体平台", True), ("有常态活动", True), ("有统战展示", True)]
    assert "第五个“有”和“四见”的内容出处未列明" in sc.description
    assert [c.name for c in Standard.objects.get(code="wuyou-sijian-my").criteria.all()] == [
        "有组织", "有制度", "有阵地", "有载体", "有活动", "见人", "见物", "见事", "见效"]


def test_assessment_prefills_what_records_prove_and_lists_the_rest(make_site, association):
    from tongxin.orgs.models import Rule

    Rule.objects.create(region_id=COUNTY_A, association=association, title="联席会议制度",
                        effective_from=D(2020, 1, 1))
    Rule.objects.create(region_id=COUNTY_A, association=association, title="已废止制度",
                        effective_from=D(2018, 1, 1), effective_to=D(2019, 1, 1))
    site = make_site(brand_name="同心·百和家园", associations=[association])
    standard = Standard.objects.get(code="shiyou", is_current=True)
    assessment = services.create_assessment(standard=standard, site=site, assessed_on=D(2025, 6, 1))
    results = {r.criterion.name: r for r in assessment.results.select_related("criterion")}
    assert results["有联谊组织"].met is True and results["有联谊组织"].prefilled
    assert [link.label for link in results["有联谊组织"].links.all()] == ["船山区新联会"]
    assert results["有工作制度"].met is True
    assert [link.label for link in results["有工作制度"].links.all()] == ["联席会议制度"]
    assert results["有活动场所"].met is True
    assert results["有活动品牌"].met is True
    assert results["有代表人士"].met is False  # no members yet
    assert results["有主题活动"].met is False  # no activities logged at the site
    for name in ("有工作机构", "有社会实践", "有工作成效"):
        assert results[name].met is None  # nothing in the records can prove these
    assessment.refresh_from_db()
    assert assessment.score == Decimal("40.00")
    assert assessment.passed is False  # 十有 requires every criterion


def test_activities_logged_at_the_site_prove_youhuodong(make_site, association):
    Activity = selectors.activity_model()
    if Activity is None:
        pytest.skip("activities app has no site field yet")
    site = make_site()
    now = timezone.now()
    Activity.objects.create(region_id=TOWNSHIP_A, title="读书分享会", type="01", site=site, starts_at=now,
                            ends_at=now + datetime.timedelta(hours=2), start_date=now.date())
    old = now - datetime.timedelta(days=400)
    Activity.objects.create(region_id=TOWNSHIP_A, title="两年前的活动", type="01", site=site, starts_at=old,
                            ends_at=old + datetime.timedelta(hours=2), start_date=old.date())
    standard = Standard.objects.get(code="qiyou")
    assessment = services.create_assessment(standard=standard, site=site)
    result = assessment.results.get(criterion__name="有活动")
    assert result.met is True
    assert [link.label for link in result.links.all()] == ["读书分享会"]


def test_manual_result_is_kept_on_prefill_and_score_is_bounded(make_site):
    site = make_site()
    standard = Standard.objects.get(code="shiyou")
    assessment = services.create_assessment(standard=standard, site=site)
    result = assessment.results.get(criterion__name="有工作机构")
    with pytest.raises(ValidationError) as exc:
        services.record_result(result=result, met=True, score=Decimal("11"))
    assert "有工作机构" in str(exc.value)
    services.record_result(result=result, met=True, evidence_note="机构设置文件")
    services.prefill_assessment(assessment)
    result.refresh_from_db()
    assert result.met is True and not result.prefilled


def test_editing_a_used_standard_creates_a_new_version(make_site):
    standard = Standard.objects.get(code="qiyou")
    services.create_assessment(standard=standard, site=make_site())
    criteria = [services._criterion_dict(c) for c in standard.criteria.all()][:6]
    standard.name = "七有（修订）"
    new = services.save_standard(standard=standard, criteria=criteria)
    assert new.pk != standard.pk and new.version == 2 and new.is_current
    old = Standard.objects.get(pk=standard.pk)
    assert old.name == "七有" and not old.is_current and old.criteria.count() == 7
    assert new.criteria.count() == 6
    unused = services.save_standard(standard=new, criteria=criteria[:5])
    assert unused.pk == new.pk  # not used yet: changed in place


def test_standard_needs_named_criteria():
    with pytest.raises(ValidationError) as exc:
        services.save_standard(standard=Standard(code="x", name="X"), criteria=[{"name": "", "weight": 1}])
    assert "第1项指标没有填写名称" in str(exc.value)


def test_inspection_round_ranks_its_sites(make_site, association):
    from tongxin.sites.models import InspectionRound

    strong = make_site("强", brand_name="品牌", associations=[association])
    weak = make_site("弱")
    standard = Standard.objects.get(code="shiyou")
    inspection = services.save_inspection_round(inspection=InspectionRound(
        region_id=COUNTY_A, name="拉练检查", year=2025, standard=standard, started_on=D(2025, 6, 1),
        ended_on=D(2025, 6, 2)))
    services.assess_sites_in_round(inspection=inspection, sites=[weak, strong])
    assert [a.site.name for a in selectors.round_ranking(inspection)] == ["强", "弱"]
    assert services.assess_sites_in_round(inspection=inspection, sites=[weak]) == []  # once per site
    with pytest.raises(ValidationError):
        services.create_assessment(standard=Standard.objects.get(code="qiyou"), site=weak, inspection=inspection)


@pytest.mark.parametrize("deadline, progress, completed, expected", [
    (10, 100, -1, TaskStatus.DONE),
    (-1, 80, None, TaskStatus.OVERDUE),
    (5, 90, None, TaskStatus.AT_RISK),
    (20, 40, None, TaskStatus.AT_RISK),
    (20, 60, None, TaskStatus.ON_TIME),
    (100, 10, None, TaskStatus.ON_TIME),
    (0, 50, None, TaskStatus.AT_RISK),  # due today: not overdue yet
])
def test_task_status_rule_in_python_and_database_agree(regions, deadline, progress, completed, expected):
    today = timezone.localdate()
    task = KeyTask.objects.create(
        region_id=COUNTY_A, year=today.year, title="任务", owner_unit="统战部", responsible="李",
        started_on=today - datetime.timedelta(days=200), deadline=today + datetime.timedelta(days=deadline),
        progress=progress, completed_on=today + datetime.timedelta(days=completed) if completed is not None else None)
    assert task.status_on(today) == expected
    assert selectors.with_status(KeyTask.objects.filter(pk=task.pk), today).get().computed_status == expected


def test_monthly_report_moves_progress_and_completes(regions):
    today = timezone.localdate()
    task = services.save_key_task(task=KeyTask(region_id=COUNTY_A, year=today.year, title="任务", owner_unit="部",
                                               responsible="李", started_on=today - datetime.timedelta(days=90),
                                               deadline=today + datetime.timedelta(days=90)))
    assert task.number == 1
    services.add_progress_report(task=task, month=today, progress=40, done="完成一半")
    assert KeyTask.objects.get(pk=task.pk).progress == 40
    services.add_progress_report(task=task, month=today, progress=100, done="全部完成")
    task.refresh_from_db()
    assert task.progress == 100 and task.completed_on is not None
    assert task.reports.count() == 1  # one 月结 per month
    with pytest.raises(ValidationError) as exc:
        services.add_progress_report(task=task, month=today + datetime.timedelta(days=40), progress=1, done="x")
    assert "以后月份" in str(exc.value)


def test_quarter_close_once_and_only_after_the_quarter(regions):
    task = services.save_key_task(task=KeyTask(region_id=COUNTY_A, year=2025, title="任务", owner_unit="部",
                                               responsible="李", started_on=D(2025, 1, 1), deadline=D(2025, 12, 31)))
    with pytest.raises(ValidationError) as exc:
        services.close_quarter(task=task, year=2025, quarter=2, summary="小结", closed_on=D(2025, 6, 1))
    assert "尚未结束" in str(exc.value)
    services.close_quarter(task=task, year=2025, quarter=1, summary="小结", closed_on=D(2025, 4, 1))
    with pytest.raises(ValidationError):
        services.close_quarter(task=task, year=2025, quarter=1, summary="小结", closed_on=D(2025, 4, 2))
    with pytest.raises(ValidationError) as exc:
        services.close_quarter(task=task, year=2025, quarter=2, summary="小结", cleared=False,
                               closed_on=D(2025, 7, 2))
    assert "结转事项" in str(exc.value)


def test_reminders_list_tasks_due_soon_and_overdue(regions):
    today = timezone.localdate()
    make = lambda title, days, done=None: KeyTask.objects.create(  # noqa: E731
        region_id=COUNTY_A, year=today.year, title=title, owner_unit="部", responsible="李",
        started_on=today - datetime.timedelta(days=300), deadline=today + datetime.timedelta(days=days),
        completed_on=done)
    make("逾期", -3), make("十天", 10), make("六十天", 60), make("已完成", 5, today)
    assert [t.title for t in selectors.reminders(KeyTask.objects.all(), day=today, within_days=30)] == ["逾期", "十天"]


def test_scheme_scores_units_from_metrics_and_by_hand(make_site, regions):
    from tongxin.sites.models import EvaluationScheme, Indicator, IndicatorSource, Scoring

    year = timezone.localdate().year
    make_site("甲1", TOWNSHIP_A, opened_on=D(year - 1, 1, 1))
    make_site("甲2", TOWNSHIP_A, opened_on=D(year - 1, 1, 1))
    make_site("乙", "510903002", opened_on=D(year - 1, 1, 1))
    scheme = services.save_scheme(scheme=EvaluationScheme(region_id=COUNTY_A, name="评价办法", year=year))
    services.save_indicator(indicator=Indicator(scheme=scheme, name="阵地", weight=Decimal("20"),
                                                metric_key="sites.count", scoring=Scoring.RELATIVE))
    services.save_indicator(indicator=Indicator(scheme=scheme, name="阵地达标", weight=Decimal("10"),
                                                metric_key="sites.count", scoring=Scoring.TARGET, target=Decimal("4")))
    manual = services.save_indicator(indicator=Indicator(scheme=scheme, name="亮点", weight=Decimal("10"),
                                                         source=IndicatorSource.MANUAL))
    with pytest.raises(ValidationError):
        services.save_indicator(indicator=Indicator(scheme=scheme, name="坏", metric_key="no.such"))
    from tongxin.core.models import Region

    services.set_units(scheme=scheme, regions=Region.objects.filter(code__in=[TOWNSHIP_A, "510903002"]))
    with pytest.raises(ValidationError):
        services.set_units(scheme=scheme, regions=Region.objects.filter(code="510904001"))
    services.compute_scheme(scheme=scheme)
    a = scheme.units.get(unit_region_id=TOWNSHIP_A)
    b = scheme.units.get(unit_region_id="510903002")
    assert [s.score for s in a.scores.order_by("indicator__order")] == [Decimal("20.00"), Decimal("5.00")]
    assert [s.score for s in b.scores.order_by("indicator__order")] == [Decimal("10.00"), Decimal("2.50")]
    services.score_by_hand(unit=b, indicator=manual, score=Decimal("10"), evidence="媒体报道")
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.total, a.rank, b.total, b.rank) == (Decimal("25.00"), 1, Decimal("22.50"), 2)
    with pytest.raises(ValidationError) as exc:
        services.score_by_hand(unit=a, indicator=manual, score=Decimal("11"), evidence="x")
    assert "亮点" in str(exc.value)
    assert Assessment.objects.count() == 0


def test_association_assessment_uses_its_fund_ledger_and_teams(association):
    from tongxin.orgs.models import FundEntry, FundKind, Team

    standard = Standard.objects.get(code="qiyou")
    today = timezone.localdate()
    FundEntry.objects.create(association=association, kind=FundKind.ALLOCATION, amount=Decimal("30000"),
                             date=today - datetime.timedelta(days=30), source_department="区委统战部")
    FundEntry.objects.create(association=association, kind=FundKind.ALLOCATION, amount=Decimal("5000"),
                             date=today - datetime.timedelta(days=500))  # older than 12 months
    Team.objects.create(region_id=COUNTY_A, name="先锋队", kind="pioneer", association=association,
                        founded_on=D(2020, 1, 1))
    assessment = services.create_assessment(standard=standard, subject_kind="association", association=association)
    assert assessment.region_id == COUNTY_A
    funds = assessment.results.get(criterion__name="有经费")
    assert funds.met is True and "30,000.00" in funds.evidence_note and funds.links.count() == 1
    assert assessment.results.get(criterion__name="有队伍").met is True
    assert assessment.results.get(criterion__name="有阵地").met is False  # not based at any site


def test_region_assessment_needs_a_region(regions):
    with pytest.raises(ValidationError) as exc:
        services.create_assessment(standard=Standard.objects.get(code="qiyou"), subject_kind="region")
    assert "区划" in str(exc.value)
    assessment = services.create_assessment(standard=Standard.objects.get(code="wuyou-sijian-my"),
                                            subject_kind="region", region=COUNTY_A)
    assert assessment.subject_name == "船山区"
