"""Demo sites, assessments, key tasks and an evaluation scheme for 船山区 (510903), after seeds 000, 002 and 004.

- The six 阵地 of seed 000 ("同心·百和家园"实践创新基地, "文创空间"网络人士统战阵地, "凤栖书院"书香新阶…), with the
  associations and teams based there; the activities the activities demo logged at those places are linked to them.
- "同心·百和家园" is the county's 创新示范点; an inspection round (现场拉练检查) assesses the six sites against 十有,
  pre-filled from their records: most criteria are proven, the ones nobody can prove from records stay missing.
- A 重点任务推进表 of this year with owners, standards, deadlines, milestones, 月结, a 季清 and 督办 notes, so that
  every status (正常推进, 进度滞后, 逾期, 已完成) shows.
- This year's 乡镇（街道）统战工作评价办法 scoring the county's townships from their records (activities, pairing
  coverage, proposals, sites, members) plus one indicator scored by hand.
- 遂宁市's 县市区、园区统战工作评价办法 scoring its counties and a park together. The park is a fictional region
  (510971 遂宁同心产业园区, a code in the 71–79 range of functional zones) added through core's `save_region` when
  the city has none, with a 新阶人士服务站 of its own, so the ranking shows a park among the counties.
A site in 安居区 (510904) shows the data scope. Idempotent.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from tongxin.core import demo
from tongxin.core.demo import DEMO_CITY, DEMO_COUNTY, OTHER_COUNTY
from tongxin.core.models import Region, User
from tongxin.core.services import save_region
from tongxin.orgs.models import Association, Team
from tongxin.sites import selectors, services
from tongxin.sites.models import (
    KIND_DEMO,
    KIND_STATION,
    KIND_STUDIO,
    KIND_VENUE,
    EvaluationScheme,
    Indicator,
    IndicatorSource,
    InspectionRound,
    KeyTask,
    Scoring,
    Site,
    SiteLevel,
    Standard,
    UnitKind,
    is_park,
)

DEMO_NOTE = "演示数据（虚构）"
D = datetime.date

# name, kind, level, brand, work model, township (suffix), place keywords of activities, associations, teams, lon/lat
SITES = [
    ("“同心·百和家园”实践创新基地", KIND_DEMO, SiteLevel.COUNTY, "同心·百和家园", "04", "001",
     ["百和家园"], ["船山区新联会"], ["蓝马甲志愿服务队"], (105.5737, 30.5196)),
    ("“文创空间”网络人士统战阵地", KIND_VENUE, SiteLevel.COUNTY, "文创空间", "02", "002", ["文创空间"],
     ["网络"], [], (105.5861, 30.5312)),
    ("“凤栖书院”书香新阶文化阵地", KIND_VENUE, SiteLevel.COUNTY, "书香新阶", "04", "004", ["凤栖书院"],
     ["文艺"], [], (105.5652, 30.5084)),
    ("“同心沙龙”新阶风采展示阵地", KIND_VENUE, SiteLevel.COUNTY, "同心沙龙", "01", "005", ["同心沙龙"], [], [], None),
    ("船山区新联会活动室", KIND_STUDIO, SiteLevel.COUNTY, "", "01", "", ["新联会活动室"], ["船山区新联会"], [], None),
    ("北河社区同心驿站", KIND_STATION, SiteLevel.TOWNSHIP, "北河新联心", "04", "006", ["北河社区"], ["法律"],
     ["同心·律师服务团"], None),
]

TASKS = [  # category, title, owner, responsible, standard, start offset (days), deadline offset, progress, done
    ("组织建设", "推进乡镇（街道）新联会分会全覆盖", "区委统战部新阶科", "李晓燕",
     "年内新建分会3个，每个分会有章程、有班子、有活动", -300, 40, 70, False),
    ("阵地建设", "打造“同心·百和家园”市级创新示范点", "南津路街道党工委", "王建国",
     "对照“十有”标准逐项达标，通过市级验收", -280, 20, 40, False),
    ("队伍建设", "举办党外干部人才能力提升培训班", "区委统战部", "张志强",
     "全年办班3期，轮训新阶人士200人次以上", -320, -20, 100, True),
    ("联系服务", "落实县级领导联系党外代表人士制度", "区委统战部办公室", "李晓燕",
     "23名县级领导联系46名代表人士，每季度至少联系一次", -320, 36, 85, False),
    ("作用发挥", "开展“科普进社区”“法律进社区”系列服务活动", "区新联会", "陈思远",
     "全年开展社会服务活动80次以上，形成服务清单", -300, -10, 90, False),
    ("阵地建设", "建设北河社区同心驿站", "北河社区党委", "周建华",
     "有场所、有制度、有队伍、有活动，年内挂牌运行", -200, 5, 60, False),
    ("制度建设", "修订新联会联席会议等8项制度", "区新联会", "陈思远", "制度汇编印发并上墙", -250, -60, 100, True),
    ("品牌建设", "培育“一街道一品牌”新阶统战工作品牌", "各街道党工委", "王建国",
     "每个街道形成1个特色品牌并宣传推广", -150, 120, 25, False),
]


def _link_activities(site: Site, keywords: list[str]) -> int:
    Activity = selectors.activity_model()
    if Activity is None or not keywords:
        return 0
    condition = Q()
    for word in keywords:
        condition |= Q(place__contains=word)
    return Activity.objects.filter(condition, region_id__startswith=DEMO_COUNTY, site__isnull=True).update(site=site)


def _region(code: str) -> str:
    return code if Region.objects.filter(code=code).exists() else DEMO_COUNTY


def _sites(today: datetime.date) -> list[Site]:
    sites = []
    associations = Association.objects.filter(region_id__startswith=DEMO_COUNTY)
    teams = Team.objects.filter(region_id__startswith=DEMO_COUNTY)
    for index, (name, kind, level, brand, model, township, keywords, assoc_words, team_names, lonlat) in \
            enumerate(SITES):
        linked = []
        for word in assoc_words:
            linked += list(associations.filter(name=word)) or list(associations.filter(name__contains=word)[:1])
        site = Site(region_id=_region(DEMO_COUNTY + township) if township else DEMO_COUNTY, name=name, kind=kind,
                    level=level, brand_name=brand, work_model=model, opened_on=D(2018 + index % 4, 5, 1),
                    address=f"遂宁市船山区{name.strip('“”').split('”')[0]}", note=DEMO_NOTE,
                    contact_person="陈思远" if index % 2 else "王建国",
                    description="依托街道党群服务中心建设，开展学习交流、协商议事和社会服务活动。")
        if lonlat:
            site.longitude, site.latitude = Decimal(str(lonlat[0])), Decimal(str(lonlat[1]))
        if kind == KIND_DEMO:
            site.recognition = "船山区新的社会阶层人士统战工作创新示范点"
            site.recognition_batch = "第一批"
            site.recognized_on = D(2021, 6, 30)
        sites.append(services.save_site(site=site, associations=linked,
                                        teams=list(teams.filter(name__in=team_names))))
        _link_activities(sites[-1], keywords)
    return sites


def _inspection(sites: list[Site], today: datetime.date) -> InspectionRound:
    standard = Standard.objects.get(code="shiyou", is_current=True)
    start = today - datetime.timedelta(days=20)
    inspection = services.save_inspection_round(inspection=InspectionRound(
        region_id=DEMO_COUNTY, name=f"{today.year}年新阶统战阵地现场拉练检查", year=today.year, standard=standard,
        started_on=start, ended_on=start + datetime.timedelta(days=2), team="区委统战部、区新联会联合检查组",
        note=DEMO_NOTE))
    created = services.assess_sites_in_round(inspection=inspection, sites=sites, assessed_on=start)
    for assessment in created:
        if assessment.site.kind == KIND_DEMO:
            assessment.comments = "示范点建设基础扎实；工作机构、社会实践、工作成效材料待补充。"
            assessment.save(update_fields=["comments"])
            continue
        # The inspectors judged the manual criteria of the other sites on the spot.
        for result in assessment.results.select_related("criterion").filter(criterion__evidence_rule="manual"):
            met = result.criterion.order % 2 == 1 or assessment.site.level == SiteLevel.TOWNSHIP
            services.record_result(result=result, met=met, evidence_note="现场查看台账和照片" if met else "现场未见材料")
    return inspection


def _tasks(today: datetime.date) -> int:
    user = User.objects.filter(username="staff").first()
    for number, (category, title, owner, person, standard, start, deadline, progress, done) in \
            enumerate(TASKS, start=1):
        started = today + datetime.timedelta(days=start)
        due = today + datetime.timedelta(days=deadline)
        task = services.save_key_task(task=KeyTask(
            region_id=DEMO_COUNTY, year=today.year, number=number, category=category, title=title, owner_unit=owner,
            responsible=person, responsible_user=User.objects.filter(display_name=person).first(),
            quality_standard=standard, started_on=started, deadline=due, note=DEMO_NOTE,
            completed_on=min(due - datetime.timedelta(days=5), today) if done else None))
        month = started.replace(day=1)
        reports = []
        while month <= today.replace(day=1):
            reports.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        for index, month in enumerate(reports[-6:], start=1):
            share = progress if done else min(progress, round(progress * index / min(6, len(reports))))
            services.add_progress_report(task=task, month=month, progress=share if index == len(reports[-6:])
                                         else min(share, 95), done=f"{title}：按计划推进第{index}阶段工作",
                                         problems="" if index % 3 else "部分街道进度不平衡", user=user)
        task.refresh_from_db()
        if not done and task.progress != progress:
            task.progress = progress
            task.save(update_fields=["progress"])
        services.add_milestone(task=task, title="制定实施方案", due_on=min(due, started + datetime.timedelta(days=30)),
                               done_on=started + datetime.timedelta(days=25))
        services.add_milestone(task=task, title="中期推进", due_on=min(due, started + (due - started) / 2),
                               done_on=None if progress < 60 else started + (due - started) / 2)
        quarter_end = D(today.year, ((today.month - 1) // 3) * 3 or 3, 28)
        if quarter_end < today and started < quarter_end:
            q = (quarter_end.month - 1) // 3 + 1
            year = today.year if today.month > 3 else today.year - 1
            try:
                services.close_quarter(task=task, year=year, quarter=q if today.month > 3 else 4,
                                       summary="本季度任务按计划推进", cleared=progress >= 50,
                                       carried_over="" if progress >= 50 else "场地改造延至下季度", closed_on=today,
                                       user=user)
            except Exception:  # noqa: BLE001,S110 - a quarter that cannot be closed yet is simply left open
                pass
        if not done and deadline < 30:
            note = services.add_supervision_note(task=task, text="请加快进度，按期完成并报送佐证材料。",
                                                 noted_on=today - datetime.timedelta(days=7), user=user)
            if deadline > 10:
                services.answer_supervision(note=note, answer="已召开推进会，细化到周", answered_on=today, user=user)
    return len(TASKS)


def _scheme(today: datetime.date) -> EvaluationScheme:
    scheme = services.save_scheme(scheme=EvaluationScheme(
        region_id=DEMO_COUNTY, name="乡镇（街道）统战工作评价办法", year=today.year, unit_kind=UnitKind.TOWNSHIP,
        description="从“做了什么”“做了多少”向“做出了什么效果”转变：以平台记录自动计算为主，特色亮点由考评组评分。"))
    from tongxin.reports import registry

    indicators = [
        ("活动开展", 20, "activities.count", "", 1, Scoring.RELATIVE, None),
        ("每百名人士活动场次", 15, "activities.count", "people.total", 100, Scoring.RELATIVE, None),
        ("联系覆盖率", 15, "pairing.coverage", "", 1, Scoring.TARGET, Decimal("0.9")),
        ("建言采纳", 15, "proposals.adopted", "", 1, Scoring.RELATIVE, None),
        ("阵地建设", 10, "sites.count", "", 1, Scoring.TARGET, Decimal("1")),
        ("会员发展", 10, "orgs.members", "", 1, Scoring.RELATIVE, None),
    ]
    for order, (name, weight, key, per, per_unit, scoring, target) in enumerate(indicators, start=1):
        if not registry.exists(key) or (per and not registry.exists(per)):
            continue
        services.save_indicator(indicator=Indicator(
            scheme=scheme, order=order, name=name, weight=Decimal(weight), source=IndicatorSource.METRIC,
            metric_key=key, per_metric_key=per, per_unit=per_unit, scoring=scoring, target=target))
    manual = services.save_indicator(indicator=Indicator(
        scheme=scheme, order=len(indicators) + 1, name="特色品牌与创新亮点", weight=Decimal("15"),
        source=IndicatorSource.MANUAL, description="考评组根据品牌建设、媒体报道、上级肯定情况评分"))
    townships = list(Region.objects.filter(parent_id=DEMO_COUNTY, is_active=True).order_by("code"))
    services.set_units(scheme=scheme, regions=townships)
    services.compute_scheme(scheme=scheme)
    for index, unit in enumerate(scheme.units.order_by("unit_region_id")[:6]):
        services.score_by_hand(unit=unit, indicator=manual, score=Decimal(15 - index * 2),
                               evidence="“同心·百和家园”品牌获市级肯定，省市媒体报道2次" if index == 0
                               else "形成街道特色品牌，开展主题活动并有宣传报道")
    return scheme


DEMO_PARK = (DEMO_CITY + "71", "遂宁同心产业园区")  # fictional: the shipped codes of 遂宁市 have no park
CITY_SCHEME_NAME = "县市区、园区统战工作评价办法"


def _park() -> Region:
    """The demo city's park: an existing functional zone under it, else the fictional one."""
    for region in Region.objects.filter(parent_id=DEMO_CITY, is_active=True).order_by("code"):
        if is_park(region):
            return region
    code, name = DEMO_PARK
    return save_region(code=code, name=name, note=DEMO_NOTE)


def _city_scheme(today: datetime.date) -> EvaluationScheme:
    """The city evaluates its counties and its park together, from their records and one indicator by hand."""
    park = _park()
    if not Site.objects.filter(region_id__startswith=park.code, note=DEMO_NOTE).exists():
        services.save_site(site=Site(
            region_id=park.code, name=f"{park.name}新阶人士服务站", kind=KIND_STATION, level=SiteLevel.CITY,
            brand_name="园区同心荟", work_model="05", opened_on=D(2023, 4, 1), note=DEMO_NOTE,
            description="依托园区党群服务中心，为园区企业管理技术人员提供学习交流和政策服务。"))
    scheme = services.save_scheme(scheme=EvaluationScheme(
        region_id=DEMO_CITY, name=CITY_SCHEME_NAME, year=today.year, unit_kind=UnitKind.MIXED,
        description="县（市、区）和园区同台评价：阵地、活动、会员等以平台记录自动计算，特色工作由市委统战部考评组评分。"))
    from tongxin.reports import registry

    indicators = [
        ("阵地建设", 30, "sites.count", Scoring.TARGET, Decimal("2")),
        ("活动开展", 25, "activities.count", Scoring.RELATIVE, None),
        ("会员发展", 20, "orgs.members", Scoring.RELATIVE, None),
    ]
    for order, (name, weight, key, scoring, target) in enumerate(indicators, start=1):
        if registry.exists(key):
            services.save_indicator(indicator=Indicator(
                scheme=scheme, order=order, name=name, weight=Decimal(weight), source=IndicatorSource.METRIC,
                metric_key=key, scoring=scoring, target=target))
    manual = services.save_indicator(indicator=Indicator(
        scheme=scheme, order=len(indicators) + 1, name="特色工作与创新亮点", weight=Decimal("25"),
        source=IndicatorSource.MANUAL, description="考评组根据工作品牌、经验交流、上级肯定情况评分"))
    services.set_units(scheme=scheme, regions=services.unit_candidates(scheme))
    services.compute_scheme(scheme=scheme)
    hand = {DEMO_COUNTY: (Decimal("22"), "“同心·百和家园”获市级创新示范点，经验在全市交流"),
            park.code: (Decimal("20"), "园区“同心荟”服务企业管理技术人员，建立园区新联会筹备组")}
    for unit in scheme.units.select_related("unit_region"):
        score, evidence = hand.get(unit.unit_region_id, (Decimal("12"), "按计划开展新阶层人士统战工作，有台账"))
        services.score_by_hand(unit=unit, indicator=manual, score=score, evidence=evidence)
    return scheme


def _city_scheme_exists(today: datetime.date) -> bool:
    return EvaluationScheme.objects.filter(region_id=DEMO_CITY, name=CITY_SCHEME_NAME, year=today.year).exists()


@demo.register("sites", order=65)
def seed_sites() -> str:
    if Site.objects.filter(note=DEMO_NOTE, region_id__startswith=DEMO_COUNTY).exists():
        today = timezone.localdate()
        if _city_scheme_exists(today) or not Region.objects.filter(code=DEMO_CITY).exists():
            return "阵地演示数据已存在，跳过"
        city = _city_scheme(today)
        return f"已补充市级评价办法（县市区和园区）/sites/evaluation/{city.pk}/"
    if not Standard.objects.filter(code="shiyou").exists():
        return "评价标准未装载，跳过阵地演示数据"
    today = timezone.localdate()
    sites = _sites(today)
    inspection = _inspection(sites, today)
    tasks = _tasks(today)
    scheme = _scheme(today)
    services.save_site(site=Site(region_id=OTHER_COUNTY, name="安居区新阶人士之家", kind=KIND_VENUE,
                                 level=SiteLevel.COUNTY, opened_on=D(2022, 3, 1), note=DEMO_NOTE))
    city = _city_scheme(today) if Region.objects.filter(code=DEMO_CITY).exists() else None
    demo_point = next(s for s in sites if s.kind == KIND_DEMO)
    assessment = inspection.assessments.get(site=demo_point)
    return (f"船山区 {len(sites)} 处阵地、现场检查 {inspection.assessments.count()} 个阵地（示范点评估 "
            f"/sites/assessments/{assessment.pk}/）、{tasks} 项重点任务、评价办法 /sites/evaluation/{scheme.pk}/"
            + (f"、市级评价办法（县市区和园区）/sites/evaluation/{city.pk}/" if city else ""))
