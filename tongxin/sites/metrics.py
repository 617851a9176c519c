"""sites.count, sites.assessed and tasks.total (shared/METRICS.md), counted in the database.

- sites.count: sites existing at end — opened on or before the period's last day and not closed before it (the
  closing day is the last day the site exists). `by` is by kind (数据字典“阵地类型”); `by_level` by level.
- sites.assessed: distinct sites with an assessment dated in the period; `by` counts those assessments by
  "standard·grade" (e.g. "十有·达标"), so a site assessed twice in the period counts twice there.
- tasks.total: key tasks whose deadline falls in the period, by their status at the period's end:
  按期完成 (completed on or before the deadline and the end), 逾期 (deadline before the end and not completed by the
  deadline), 进行中 (the rest: deadline not yet passed at the end). For a period ending in the future the status is
  taken as of today — a task cannot be overdue on a day that has not come.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q

from tongxin.core.models import DictItem
from tongxin.reports import registry
from tongxin.sites.models import SITE_KIND_DICT, Assessment, Grade, KeyTask, Site, SiteLevel, SubjectKind


def _in_region(queryset, prefix: str, field: str = "region_id"):
    return queryset.filter(**{f"{field}__startswith": prefix}) if prefix else queryset


def _existing_on(day: datetime.date, path: str = "") -> Q:
    return Q(**{f"{path}opened_on__lte": day}) & (Q(**{f"{path}closed_on__isnull": True})
                                                  | Q(**{f"{path}closed_on__gte": day}))


# --- sites.count -----------------------------------------------------------------------------------------------


def sites_records(prefix, date_from, date_to):
    return _in_region(Site.objects.filter(_existing_on(date_to)), prefix).select_related("region")


def _kind_labels() -> list[tuple[str, str]]:
    return list(DictItem.objects.filter(dict_type__code=SITE_KIND_DICT).order_by("sort", "code")
                .values_list("code", "label"))


def _by(counts: dict, labels) -> dict:
    by = {str(label): counts.get(code, 0) for code, label in labels}
    known = {code for code, _label in labels}
    for code, n in counts.items():
        if code not in known:
            by[str(code)] = n
    return by


def _sites_region(prefix, date_from, date_to, child_length):
    return registry.group_by_region(sites_records(prefix, date_from, date_to), "region_id", child_length)


def _sites_month(prefix, date_from, date_to):
    return registry.monthly(_in_region(Site.objects.all(), prefix), lambda s, e: _existing_on(e), date_from, date_to)


@registry.register("sites.count", "阵地/基地", unit="个", records=sites_records, order=700,
                   by_region=_sites_region, by_month=_sites_month)
def sites_count(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    rows = sites_records(prefix, date_from, date_to).order_by()
    kinds = dict(rows.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    levels = dict(rows.values("level").annotate(n=Count("pk")).values_list("level", "n"))
    return {"total": sum(kinds.values()), "by": _by(kinds, _kind_labels()),
            "by_level": _by(levels, SiteLevel.choices)}


# --- sites.assessed --------------------------------------------------------------------------------------------


def _assessments(prefix, date_from, date_to):
    return _in_region(Assessment.objects.filter(subject_kind=SubjectKind.SITE, assessed_on__gte=date_from,
                                                assessed_on__lte=date_to), prefix)


def assessed_records(prefix, date_from, date_to):
    return Site.objects.filter(pk__in=_assessments(prefix, date_from, date_to).values("site_id")) \
        .select_related("region")


def _assessed_region(prefix, date_from, date_to, child_length):
    return registry.group_by_region(_assessments(prefix, date_from, date_to), "region_id", child_length,
                                    aggregate=Count("site_id", distinct=True))


def _assessed_month(prefix, date_from, date_to):
    rows = _in_region(Assessment.objects.filter(subject_kind=SubjectKind.SITE), prefix)
    return registry.monthly(rows, lambda s, e: Q(assessed_on__gte=s, assessed_on__lte=e), date_from, date_to,
                            aggregate=lambda q: Count("site_id", filter=q, distinct=True))


@registry.register("sites.assessed", "达标评估", unit="个", records=assessed_records, order=701,
                   by_region=_assessed_region, by_month=_assessed_month)
def sites_assessed(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    rows = _assessments(prefix, date_from, date_to).order_by()
    total = rows.values("site_id").distinct().count()
    grades = dict(Grade.choices)
    by = {}
    for name, grade, n in rows.values("standard__name", "grade").annotate(n=Count("pk")) \
            .values_list("standard__name", "grade", "n").order_by("standard__name", "grade"):
        by[f"{name}·{grades.get(grade, grade)}"] = by.get(f"{name}·{grades.get(grade, grade)}", 0) + n
    return {"total": total, "by": by}


# --- tasks.total -----------------------------------------------------------------------------------------------

ON_TIME, LATE, OPEN = "按期完成", "逾期", "进行中"


def _task_conditions(day: datetime.date) -> dict:
    done_in_time = Q(completed_on__isnull=False, completed_on__lte=day) & Q(completed_on__lte=F("deadline"))
    late = Q(deadline__lt=day) & ~done_in_time
    return {ON_TIME: done_in_time, LATE: late, OPEN: ~done_in_time & ~late}


def tasks_records(prefix, date_from, date_to):
    return _in_region(KeyTask.objects.filter(deadline__gte=date_from, deadline__lte=date_to), prefix) \
        .select_related("region")


def _tasks_region(prefix, date_from, date_to, child_length):
    return registry.group_by_region(tasks_records(prefix, date_from, date_to), "region_id", child_length)


def _tasks_month(prefix, date_from, date_to):
    rows = _in_region(KeyTask.objects.all(), prefix)
    return registry.monthly(rows, lambda s, e: Q(deadline__gte=s, deadline__lte=e), date_from, date_to)


@registry.register("tasks.total", "重点任务", unit="项", records=tasks_records, order=710,
                   by_region=_tasks_region, by_month=_tasks_month)
def tasks_total(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    from django.utils import timezone

    conditions = _task_conditions(min(date_to, timezone.localdate()))
    counts = tasks_records(prefix, date_from, date_to).order_by().aggregate(
        total=Count("pk"), **{f"s{i}": Count("pk", filter=q) for i, q in enumerate(conditions.values())})
    by = {label: counts[f"s{i}"] for i, label in enumerate(conditions)}
    return {"total": counts["total"], "by": by}
