"""Reads of the sites area that are more than a filter: evidence from records, task status, rankings."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, CharField, F, Q, Sum, Value, When
from django.utils import timezone

from tongxin.sites.models import (
    Assessment,
    EvidenceRule,
    KeyTask,
    Site,
    SubjectKind,
    TaskStatus,
)

EVIDENCE_WINDOW_DAYS = 365
EVIDENCE_ITEMS = 20
AT_RISK_DAYS = 30
TRAINING_TYPES = ("02", "03")  # activity types 学习宣讲, 培训班 (core dictionary "activity_type")


@dataclass
class Evidence:
    """What the records prove for one criterion: met or not, the records, and a sentence saying so."""

    met: bool | None
    note: str
    items: list = field(default_factory=list)  # model instances, shown as links


# --- Evidence from records -------------------------------------------------------------------------------------


def _associations(assessment: Assessment):
    from tongxin.orgs.models import Association, AssociationStatus

    rows = Association.objects.filter(status=AssociationStatus.ACTIVE)
    if assessment.subject_kind == SubjectKind.SITE:
        return rows.filter(sites=assessment.site_id)
    if assessment.subject_kind == SubjectKind.ASSOCIATION:
        return rows.filter(pk=assessment.association_id)
    return rows.filter(region_id__startswith=assessment.region_id)


def _sites(assessment: Assessment, day: datetime.date):
    open_on = Q(opened_on__lte=day) & (Q(closed_on__isnull=True) | Q(closed_on__gte=day))
    if assessment.subject_kind == SubjectKind.SITE:
        return Site.objects.filter(open_on, pk=assessment.site_id)
    if assessment.subject_kind == SubjectKind.ASSOCIATION:
        return Site.objects.filter(open_on, associations=assessment.association_id)
    return Site.objects.filter(open_on, region_id__startswith=assessment.region_id)


def activity_model():
    """The activities app's Activity, when it has the `site` field (it is added by that app)."""
    try:
        from tongxin.activities.models import Activity
    except ImportError:  # pragma: no cover - the app is always installed in this project
        return None
    return Activity if any(f.name == "site" for f in Activity._meta.get_fields()) else None


def activities_for(assessment: Assessment, day: datetime.date):
    Activity = activity_model()
    if Activity is None:
        return None
    since = day - datetime.timedelta(days=EVIDENCE_WINDOW_DAYS)
    rows = Activity.objects.filter(start_date__gte=since, start_date__lte=day, is_cancelled=False)
    if assessment.subject_kind == SubjectKind.SITE:
        rows = rows.filter(site_id=assessment.site_id)
    elif assessment.subject_kind == SubjectKind.ASSOCIATION:
        rows = rows.filter(associations=assessment.association_id)
    else:
        rows = rows.filter(region_id__startswith=assessment.region_id)
    return rows.order_by("-start_date", "-id")


def _count_note(items_qs, found: str, missing: str) -> Evidence:
    total = items_qs.count()
    if not total:
        return Evidence(False, missing)
    return Evidence(True, found % {"n": total}, list(items_qs[:EVIDENCE_ITEMS]))


def evidence_for(rule: str, assessment: Assessment, day: datetime.date | None = None) -> Evidence:
    """What the platform's own records prove for a criterion checked by `rule`, as of `day`."""
    day = day or assessment.assessed_on or timezone.localdate()
    if rule == EvidenceRule.ORGANIZATION:
        return _count_note(_associations(assessment).order_by("name"), "入驻联谊组织 %(n)s 个",
                           "没有登记入驻的联谊组织")
    if rule == EvidenceRule.RULES:
        from tongxin.orgs.models import Rule

        rules = Rule.objects.filter(association__in=_associations(assessment), effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)).order_by("-effective_from", "-id")
        return _count_note(rules, "入驻组织施行中的制度 %(n)s 项", "入驻组织没有施行中的制度")
    if rule in (EvidenceRule.ACTIVITIES, EvidenceRule.TRAINING):
        rows = activities_for(assessment, day)
        if rows is None:
            return Evidence(None, "活动模块尚未提供阵地字段，请人工评定")
        if rule == EvidenceRule.TRAINING:
            return _count_note(rows.filter(type__in=TRAINING_TYPES), "近12个月学习培训类活动 %(n)s 场",
                               "近12个月没有记录学习培训类活动")
        return _count_note(rows, "近12个月记录的活动 %(n)s 场", "近12个月没有在此记录活动")
    if rule == EvidenceRule.FUNDS:
        from tongxin.orgs.models import FundEntry, FundKind

        since = day - datetime.timedelta(days=EVIDENCE_WINDOW_DAYS)
        entries = FundEntry.objects.filter(association__in=_associations(assessment), kind=FundKind.ALLOCATION,
                                           date__gte=since, date__lte=day).order_by("-date", "-id")
        total = entries.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        if total <= 0:
            return Evidence(False, "近12个月入驻组织没有经费拨付记录")
        return Evidence(True, f"近12个月拨付经费 {total:,.2f} 元", list(entries[:EVIDENCE_ITEMS]))
    if rule == EvidenceRule.SITE:
        return _count_note(_sites(assessment, day).order_by("name"), "在用阵地 %(n)s 处", "没有在用的阵地")
    if rule == EvidenceRule.TEAMS:
        from tongxin.orgs.models import Team

        teams = Team.objects.filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=day), founded_on__lte=day)
        if assessment.subject_kind == SubjectKind.SITE:
            teams = teams.filter(sites=assessment.site_id)
        elif assessment.subject_kind == SubjectKind.ASSOCIATION:
            teams = teams.filter(association_id=assessment.association_id)
        else:
            teams = teams.filter(region_id__startswith=assessment.region_id)
        return _count_note(teams.order_by("name"), "工作队伍 %(n)s 支", "没有登记的工作队伍")
    if rule == EvidenceRule.BRAND:
        sites = _sites(assessment, day).exclude(brand_name="").order_by("name")
        if not sites.exists():
            return Evidence(False, "阵地没有登记品牌名称")
        names = "、".join(f"“{s.brand_name}”" for s in sites[:5])
        return Evidence(True, f"品牌：{names}", list(sites[:EVIDENCE_ITEMS]))
    if rule == EvidenceRule.REPRESENTATIVES:
        from tongxin.people.models import Person

        persons = Person.objects.filter(
            is_erased=False, is_representative=True,
            memberships__association__in=_associations(assessment), memberships__status="admitted",
        ).distinct().order_by("name_pinyin", "id")
        return _count_note(persons, "入驻组织中的代表人士 %(n)s 名", "入驻组织中没有登记代表人士")
    return Evidence(None, "")


# --- Key tasks -------------------------------------------------------------------------------------------------


def task_status(task: KeyTask, day: datetime.date) -> str:
    """已完成 when completed by `day`; 逾期 past the deadline; 进度滞后 when the deadline is within a week and the task
    is not finished, or within AT_RISK_DAYS and less than half done; 正常推进 otherwise. Same rule as `with_status`."""
    if task.completed_on is not None and task.completed_on <= day:
        return TaskStatus.DONE
    if task.deadline < day:
        return TaskStatus.OVERDUE
    days_left = (task.deadline - day).days
    if (days_left <= 7 and task.progress < 100) or (days_left <= AT_RISK_DAYS and task.progress < 50):
        return TaskStatus.AT_RISK
    return TaskStatus.ON_TIME


def with_status(queryset, day: datetime.date | None = None):
    """Annotate `computed_status` in the database with the rule of `task_status` (for filters and counts)."""
    day = day or timezone.localdate()
    return queryset.annotate(computed_status=status_case(day))


def status_case(day: datetime.date):
    near = day + datetime.timedelta(days=AT_RISK_DAYS)
    week = day + datetime.timedelta(days=7)
    return Case(
        When(completed_on__isnull=False, completed_on__lte=day, then=Value(TaskStatus.DONE.value)),
        When(deadline__lt=day, then=Value(TaskStatus.OVERDUE.value)),
        When(deadline__lte=week, progress__lt=100, then=Value(TaskStatus.AT_RISK.value)),
        When(deadline__lte=near, progress__lt=50, then=Value(TaskStatus.AT_RISK.value)),
        default=Value(TaskStatus.ON_TIME.value), output_field=CharField())


def reminders(queryset, *, day: datetime.date | None = None, within_days: int = 30):
    """Tasks not done whose deadline is within `within_days` (or already past), soonest first."""
    day = day or timezone.localdate()
    horizon = day + datetime.timedelta(days=within_days)
    return (queryset.filter(Q(completed_on__isnull=True) | Q(completed_on__gt=day), deadline__lte=horizon)
            .order_by("deadline", "number", "id"))


# --- Rankings --------------------------------------------------------------------------------------------------


def round_ranking(inspection) -> list[Assessment]:
    """The round's assessments, best score first, with `rank` set (equal scores share a rank)."""
    rows = list(inspection.assessments.select_related("site", "association", "region", "standard")
                .order_by(F("score").desc(), "site__name", "id"))
    previous, rank = None, 0
    for index, row in enumerate(rows, start=1):
        if row.score != previous:
            rank, previous = index, row.score
        row.rank = rank
    return rows
