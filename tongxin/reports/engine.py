"""The report engine: any set of registered metrics for a region and period, broken down by child region and by
month, compared with another period, ranked across child regions, and traced to the records behind each figure.

It only calls the registry (compute, the optional by_region/by_month hooks, records); it never touches an app's
tables, so it grows with every area that registers metrics.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.models import Region
from tongxin.core.scope import scope_prefix
from tongxin.reports import registry
from tongxin.reports.registry import month_windows, to_json_number, total_of

WHOLE_COUNTRY_CODE = "000000"


def whole_country() -> Region:
    """An unsaved Region standing for everything (prefix ""), for users whose scope is the whole installation."""
    return Region(code="", name=str(_("全国")), full_name=str(_("全国")), level=0)


def default_region(user) -> Region | None:
    """The region a user's pages open with: their scope region, the whole country for an unrestricted user."""
    prefix = scope_prefix(user)
    if prefix is None:
        return None
    if prefix == "":
        return whole_country()
    return Region.objects.filter(code=prefix).first()


def children_of(region: Region) -> list[Region]:
    rows = Region.objects.filter(is_active=True)
    rows = rows.filter(parent__isnull=True) if region.code == "" else rows.filter(parent_id=region.code)
    return list(rows.order_by("code"))


# --- periods ------------------------------------------------------------------------------------------------------

PRESETS = {
    "this_year": _("本年"),
    "last_year": _("上年"),
    "this_quarter": _("本季度"),
    "last_quarter": _("上季度"),
    "this_month": _("本月"),
    "custom": _("自定义"),
}


def _month_end(year: int, month: int) -> datetime.date:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def preset_period(name: str, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The dates of a preset. Periods that include today end today (figures of the future are not known)."""
    today = today or timezone.localdate()
    quarter_start = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    if name == "last_year":
        return datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)
    if name == "this_quarter":
        return quarter_start, today
    if name == "last_quarter":
        start = _add_months(quarter_start, -3)
        return start, quarter_start - datetime.timedelta(days=1)
    if name == "this_month":
        return today.replace(day=1), today
    return datetime.date(today.year, 1, 1), today


def whole_months(date_from: datetime.date, date_to: datetime.date) -> int:
    """How many whole calendar months the period is (0 when it does not start on a 1st and end on a month end)."""
    if date_from.day != 1 or date_to != _month_end(date_to.year, date_to.month):
        return 0
    return (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1


def _year_before(day: datetime.date) -> datetime.date:
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else \
        day.replace(year=day.year - 1)


def previous_period(date_from: datetime.date, date_to: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period to compare with: the previous year, quarter or months for whole months; the same days of the
    year before for the year so far (1 January to a day of the same year); else the same number of days before."""
    months = whole_months(date_from, date_to)
    if months:
        start = _add_months(date_from, -months)
        return start, date_from - datetime.timedelta(days=1)
    if date_from.month == 1 and date_from.day == 1 and date_to.year == date_from.year:
        # the year so far (本年): the same days of the year before (去年同期)
        return _year_before(date_from), _year_before(date_to)
    days = (date_to - date_from).days + 1
    return date_from - datetime.timedelta(days=days), date_from - datetime.timedelta(days=1)


def period_label(date_from: datetime.date, date_to: datetime.date) -> str:
    """The period as the seeds write it: 2024年, 2024年第一季度, 2024年1月至6月, 2024年3月1日至11月24日."""
    months = whole_months(date_from, date_to)
    same_year = date_from.year == date_to.year
    if months == 12 and date_from.month == 1:
        return f"{date_from.year}年"
    if months and same_year:
        if months == 1:
            return f"{date_from.year}年{date_from.month}月"
        if months == 3 and date_from.month in (1, 4, 7, 10):
            return f"{date_from.year}年第{'一二三四'[(date_from.month - 1) // 3]}季度"
        return f"{date_from.year}年{date_from.month}月至{date_to.month}月"
    if months:
        return f"{date_from.year}年{date_from.month}月至{date_to.year}年{date_to.month}月"
    end = f"{date_to.month}月{date_to.day}日" if same_year else f"{date_to.year}年{date_to.month}月{date_to.day}日"
    return f"{date_from.year}年{date_from.month}月{date_from.day}日至{end}"


# --- figures ------------------------------------------------------------------------------------------------------


def _chosen(keys) -> list[registry.Metric]:
    return registry.all_metrics() if keys is None else [registry.get(k) for k in keys]


def figures(region: Region, date_from, date_to, keys=None) -> dict:
    """{key: value} — one call per metric (each metric is one or a few aggregate queries)."""
    return registry.compute(region.code, date_from, date_to, keys)


def by_region(region: Region, date_from, date_to, keys=None, *, children: list[Region] | None = None) -> dict:
    """{key: {child code: value}} for every child region. A metric's `by_region` hook answers in one query per
    child code length; without it, the metric is computed once per child."""
    children = children_of(region) if children is None else children
    lengths = sorted({len(c.code) for c in children})
    result = {}
    for metric in _chosen(keys):
        if metric.by_region is not None:
            found = {}
            for length in lengths:
                found.update(metric.by_region(region.code, date_from, date_to, length) or {})
            result[metric.key] = {c.code: to_json_number(found.get(c.code, 0)) for c in children}
        else:
            result[metric.key] = {c.code: to_json_number(metric.compute(c.code, date_from, date_to))
                                  for c in children}
    return result


def by_month(region: Region, date_from, date_to, keys=None) -> dict:
    """{key: {"YYYY-MM": value}} — the `by_month` hook's one query, else one computation per month."""
    windows = month_windows(date_from, date_to)
    result = {}
    for metric in _chosen(keys):
        if metric.by_month is not None:
            found = metric.by_month(region.code, date_from, date_to) or {}
            result[metric.key] = {label: to_json_number(found.get(label, 0)) for label, _s, _e in windows}
        else:
            result[metric.key] = {label: to_json_number(metric.compute(region.code, start, end))
                                  for label, start, end in windows}
    return result


def change(current, previous) -> dict:
    """Change of a figure against the previous period: delta and percent (None when the previous was zero)."""
    now, before = total_of(current), total_of(previous)
    delta = to_json_number(now - before)
    percent = round((now - before) * 100 / before, 1) if before else None
    return {"delta": delta, "percent": percent}


def compare_periods(region: Region, period_a, period_b, keys=None) -> list[dict]:
    """Rows of every metric in two periods with the change from B to A (A is the period under review)."""
    first = figures(region, *period_a, keys)
    second = figures(region, *period_b, keys)
    rows = []
    for metric in _chosen(keys):
        rows.append({"metric": metric, "a": total_of(first[metric.key]), "b": total_of(second[metric.key]),
                     **change(first[metric.key], second[metric.key])})
    return rows


def rank(values: dict) -> dict:
    """Competition ranking, largest first: {code: 1, 2, 2, 4…}."""
    ordered = sorted(values.values(), reverse=True)
    return {code: ordered.index(value) + 1 for code, value in values.items()}


@dataclass
class RegionComparison:
    region: Region
    children: list[Region]
    metrics: list[registry.Metric]
    totals: dict  # key -> total of the region itself
    values: dict  # key -> {child code: total}
    ranks: dict  # key -> {child code: rank}


def compare_regions(region: Region, date_from, date_to, keys=None) -> RegionComparison:
    """The 比学赶超 table: every child region side by side for each metric, ranked per metric."""
    metrics = _chosen(keys)
    children = children_of(region)
    broken = by_region(region, date_from, date_to, [m.key for m in metrics], children=children)
    values = {key: {code: total_of(v) for code, v in per_child.items()} for key, per_child in broken.items()}
    totals = {key: total_of(v) for key, v in figures(region, date_from, date_to, [m.key for m in metrics]).items()}
    return RegionComparison(region=region, children=children, metrics=metrics, totals=totals, values=values,
                            ranks={key: rank(per_child) for key, per_child in values.items()})


# --- records ------------------------------------------------------------------------------------------------------


def records(metric: registry.Metric, region: Region, date_from, date_to, user):
    """The records behind a figure, restricted to what `user` may see; None when the metric names none.

    A queryset whose model is not region-scoped (no `restrict`) shows nothing rather than everything.
    """
    if metric.records is None:
        return None
    queryset = metric.records(region.code, date_from, date_to)
    if not hasattr(queryset, "restrict"):
        return queryset.none()
    return queryset.restrict(user)


def may_view_records(user, queryset) -> bool:
    opts = queryset.model._meta
    return user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
