"""Figures computed once and read many times: the dashboard's snapshots.

A dashboard shows every metric for two periods, a metric by month and by child region, and the most active
associations — at a city of a million persons that is seconds of aggregate queries, too slow for a page that
leaders open many times a day. So the page reads a snapshot of those figures:

- a snapshot younger than ``settings.TONGXIN_FIGURES_MAX_AGE`` seconds is shown as it is;
- an older one is still shown (with the time it was computed) while a background job recomputes it;
- a missing one, or one older than a day, is computed while the user waits, and kept;
- ``recompute`` (the page's 立即刷新 button) computes it now.

A max age of 0 turns snapshots off: every page is computed from the records. Snapshots hold figures of a region,
never records; the page that reads one has already checked the region against the user's scope, and every figure
still opens its records, which are always read live.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.models import Job, Region
from tongxin.reports import engine, selectors
from tongxin.reports.models import FigureSnapshot
from tongxin.reports.registry import to_json_number, total_of

JOB_KIND = "reports_snapshot"
HARD_MAX_AGE = datetime.timedelta(days=1)


@dataclass
class Snapshot:
    data: dict
    computed_at: datetime.datetime
    seconds: float
    stale: bool = False  # older than the max age: shown while a job recomputes it


# --- what a snapshot holds ---------------------------------------------------------------------------------------


def dashboard_figures(region: Region, date_from, date_to, _arg: str = "") -> dict:
    """Every metric for the period and the one before it, and the associations that hosted most activities."""
    prev_from, prev_to = engine.previous_period(date_from, date_to)
    return {"current": engine.figures(region, date_from, date_to),
            "previous": engine.figures(region, prev_from, prev_to),
            "top_associations": selectors.top_associations(region, date_from, date_to, user=None)}


def metric_chart(region: Region, date_from, date_to, key: str) -> dict:
    """One metric by month (this period and the one before) and by child region."""
    prev_from, prev_to = engine.previous_period(date_from, date_to)
    children = engine.children_of(region)
    per_child = engine.by_region(region, date_from, date_to, [key], children=children)[key] if children else {}
    return {"months": engine.by_month(region, date_from, date_to, [key])[key],
            "before": list(engine.by_month(region, prev_from, prev_to, [key])[key].values()),
            "regions": {code: total_of(value) for code, value in per_child.items()}}


KINDS: dict[str, Callable[[Region, datetime.date, datetime.date, str], dict]] = {
    "dashboard": dashboard_figures,
    "chart": metric_chart,
}


def _split(kind: str) -> tuple[Callable, str]:
    name, _sep, arg = kind.partition(":")
    if name not in KINDS:
        raise ValueError(f"unknown snapshot kind {kind!r}")
    return KINDS[name], arg


# --- reading and computing ---------------------------------------------------------------------------------------


def max_age() -> int:
    return max(0, int(getattr(settings, "TONGXIN_FIGURES_MAX_AGE", 600)))


def recompute(kind: str, region: Region, date_from, date_to) -> Snapshot:
    """Compute the snapshot from the records now and keep it."""
    compute, arg = _split(kind)
    started = time.perf_counter()
    data = to_json_number(compute(region, date_from, date_to, arg))
    seconds = round(time.perf_counter() - started, 3)
    now = timezone.now()
    if max_age():
        _store(kind, region.code, date_from, date_to, data=data, computed_at=now, seconds=seconds)
    return Snapshot(data=data, computed_at=now, seconds=seconds)


def _store(kind, code, date_from, date_to, **values) -> None:
    keys = {"kind": kind, "region_code": code, "date_from": date_from, "date_to": date_to}
    try:
        with transaction.atomic():
            FigureSnapshot.objects.update_or_create(**keys, defaults=values)
    except IntegrityError:  # computed at the same moment by another request: theirs is as good
        FigureSnapshot.objects.filter(**keys).update(**values)


def read(kind: str, region: Region, date_from, date_to) -> Snapshot:
    """The snapshot as the page shows it (see the module's docstring)."""
    if not max_age():
        return recompute(kind, region, date_from, date_to)
    row = (FigureSnapshot.objects.filter(kind=kind, region_code=region.code, date_from=date_from, date_to=date_to)
           .only("data", "computed_at", "seconds").first())
    now = timezone.now()
    if row is None or now - row.computed_at > HARD_MAX_AGE:
        return recompute(kind, region, date_from, date_to)
    stale = (now - row.computed_at).total_seconds() > max_age()
    if stale:
        schedule(kind, region, date_from, date_to)
    return Snapshot(data=row.data, computed_at=row.computed_at, seconds=row.seconds, stale=stale)


def _job_title(kind: str, code: str, date_from, date_to) -> str:
    return _("更新统计快照 %(kind)s %(region)s %(from)s—%(to)s") % {
        "kind": kind, "region": code or _("全国"), "from": date_from.isoformat(), "to": date_to.isoformat()}


def schedule(kind: str, region: Region, date_from, date_to) -> None:
    """Queue a background recomputation unless one is already queued or running."""
    from tongxin.core import jobs

    title = _job_title(kind, region.code, date_from, date_to)
    if Job.objects.filter(kind=JOB_KIND, title=title, status__in=[Job.QUEUED, Job.RUNNING]).exists():
        return
    jobs.enqueue(JOB_KIND, title=title, region_code=region.code,
                 params={"kind": kind, "region": region.code, "from": date_from.isoformat(),
                         "to": date_to.isoformat()})


def refresh_job(params: dict) -> dict:
    """The job's work: recompute one snapshot (the region by its internal code, "" for the whole country)."""
    from tongxin.core.jobs import JobError

    code = params.get("region", "")
    region = engine.whole_country() if not code else Region.objects.filter(code=code).first()
    if region is None:
        raise JobError(_("区划“%(code)s”不存在") % {"code": code})
    date_from = datetime.date.fromisoformat(params["from"])
    date_to = datetime.date.fromisoformat(params["to"])
    snapshot = recompute(params["kind"], region, date_from, date_to)
    prune()
    return {"seconds": snapshot.seconds}


def default_chart_metric(metrics):
    """The metric the dashboard charts when none is chosen: the first with both breakdown hooks, else people.total."""
    hooked = [m for m in metrics if m.by_region is not None and m.by_month is not None]
    preferred = [m for m in metrics if m.key == "people.total"]
    return (hooked or preferred or metrics or [None])[0]


def warm(regions, date_from, date_to) -> list[tuple[Region, float]]:
    """Compute the dashboards of these regions now (what `tongxin refresh_figures` runs at night, so that the
    morning's first page reads a snapshot too): the figures and the default chart. Returns (region, seconds)."""
    from tongxin.reports import registry

    chosen = default_chart_metric(registry.all_metrics())
    done = []
    for region in regions:
        seconds = recompute("dashboard", region, date_from, date_to).seconds
        if chosen is not None:
            seconds += recompute(f"chart:{chosen.key}", region, date_from, date_to).seconds
        done.append((region, round(seconds, 3)))
    return done


KEEP = datetime.timedelta(days=7)


def prune(now: datetime.datetime | None = None) -> int:
    """Drop snapshots nobody has refreshed for a week: the default period (1 January to today) names a new
    snapshot every day, and yesterday's is never read again. Returns the number dropped."""
    now = now or timezone.now()
    return FigureSnapshot.objects.filter(computed_at__lt=now - KEEP).delete()[0]


def forget(region_code: str | None = None) -> int:
    """Drop snapshots (of one region, or all): the next page computes them from the records."""
    rows = FigureSnapshot.objects.all()
    if region_code is not None:
        rows = rows.filter(region_code=region_code)
    return rows.delete()[0]
