"""The metric registry: the one way an app tells the report engine what it can count.

A metric is a function of (region prefix, date from, date to) that counts or sums in the database and returns a
number or {"total": n, "by": {...}}. Keys and labels follow shared/METRICS.md. The engine composes metrics by
region and period and knows nothing about the apps' tables. `records` optionally returns the queryset behind the
figure, so every number can open its records.

Two optional hooks let the engine break a figure down without one query per child region or per month:

- `by_region(prefix, date_from, date_to, child_length) -> {child_prefix: value}` — the figure for every child
  region in ONE query, grouping on the first `child_length` characters of the region code
  (`group_by_region` below does the grouping). Child prefixes missing from the answer count as zero.
- `by_month(prefix, date_from, date_to) -> {"YYYY-MM": value}` — the figure for every calendar month of the period,
  where month m means the metric computed over the period clipped to that month: events inside it for an
  "in period" figure, the state at its last day for an "at end" figure (`monthly` below builds one query with a
  conditional aggregate per month, which serves both kinds).

Without a hook the engine calls `compute` once per child region or per month, which gives the same figures.
Hooks are given at registration (`register(..., by_region=f, by_month=g)`) or attached later with the decorators
`registry.by_region("key")` / `registry.by_month("key")`.
"""

import contextlib
import contextvars
import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import Substr

MetricValue = int | Decimal | dict


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    compute: Callable[[str, datetime.date, datetime.date], MetricValue]
    unit: str = ""
    area: str = ""
    records: Callable | None = None
    order: int = 0
    by_region: Callable | None = None
    by_month: Callable | None = None


_metrics: dict[str, Metric] = {}


def register(key: str, label: str, *, unit: str = "", area: str = "", records: Callable | None = None,
             order: int = 0, by_region: Callable | None = None, by_month: Callable | None = None):
    """Decorator: `@register("people.total", "人士库人数", unit="人")` over a compute function."""

    def decorator(func):
        _metrics[key] = Metric(key=key, label=label, compute=func, unit=unit, area=area or key.split(".")[0],
                               records=records, order=order, by_region=by_region, by_month=by_month)
        return func

    return decorator


def _attach(key: str, hook: str):
    def decorator(func):
        _metrics[key] = dataclasses.replace(_metrics[key], **{hook: func})
        return func

    return decorator


def by_region(key: str):
    """Decorator attaching the one-query child-region breakdown to the registered metric `key`."""
    return _attach(key, "by_region")


def by_month(key: str):
    """Decorator attaching the one-query monthly breakdown to the registered metric `key`."""
    return _attach(key, "by_month")


def all_metrics() -> list[Metric]:
    return sorted(_metrics.values(), key=lambda m: (m.order, m.key))


def get(key: str) -> Metric:
    return _metrics[key]


def exists(key: str) -> bool:
    return key in _metrics


def compute(prefix: str, date_from: datetime.date, date_to: datetime.date, keys: list[str] | None = None) -> dict:
    chosen = all_metrics() if keys is None else [get(k) for k in keys]
    with batch():
        return {m.key: to_json_number(m.compute(prefix, date_from, date_to)) for m in chosen}


# --- grouped counts for breakdown hooks ------------------------------------------------------------------------


def grouped_by_region(rows, region_field: str, child_length: int, field: str) -> dict:
    """{child prefix: {code of `field`: row count}} in one GROUP BY (child, field)."""
    found: dict[str, dict] = {}
    for child, code, n in (rows.order_by().annotate(_child=Substr(region_field, 1, child_length))
                           .values("_child", field).annotate(_n=Count("pk")).values_list("_child", field, "_n")):
        found.setdefault(child, {})[code] = n
    return found


def grouped_by_month(rows, condition, date_from, date_to, field: str) -> dict:
    """{"YYYY-MM": {code of `field`: count of the rows where condition(start, end) holds}} — one query grouped
    by `field` with a conditional count per month; codes without rows in a month are left out, as in compute."""
    windows = month_windows(date_from, date_to)
    found: dict[str, dict] = {label: {} for label, _s, _e in windows}
    grouped = rows.order_by().values(field).annotate(**{
        f"m{i}": Count("pk", filter=condition(start, end)) for i, (_label, start, end) in enumerate(windows)})
    for row in grouped:
        for i, (label, _s, _e) in enumerate(windows):
            if row[f"m{i}"]:
                found[label][row[field]] = row[f"m{i}"]
    return found


# --- sharing one aggregate between metrics ----------------------------------------------------------------------

_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("tongxin_metrics_memo", default=None)


@contextlib.contextmanager
def batch():
    """While open, `shared` answers the same key once: metrics computed together (a report, a dashboard) can
    read several figures from one aggregate query. Outside a batch nothing is remembered."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def shared(key: tuple, func: Callable):
    """func() — computed once per key inside a `batch()`, every time outside one."""
    memo = _memo.get()
    if memo is None:
        return func()
    if key not in memo:
        memo[key] = func()
    return memo[key]


def to_json_number(value):
    if isinstance(value, dict):
        return {k: to_json_number(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None:
        return 0
    return value


def total_of(value) -> int | float:
    """The headline number of a metric value (a number, or the "total" of {"total", "by"})."""
    if isinstance(value, dict):
        value = value.get("total", 0)
    return to_json_number(value) or 0


# --- helpers for writing hooks ------------------------------------------------------------------------------------


def group_by_region(queryset, field: str, child_length: int, aggregate=None) -> dict:
    """{child prefix: aggregate} of `queryset` grouped on the first `child_length` characters of the region code
    column `field` (e.g. "region_code", "region_id", "person__region_id") — one GROUP BY query.

    `aggregate` defaults to Count("pk"); pass Count("person_id", distinct=True), Sum("amount") and so on.
    Rows registered at the region itself (a code shorter than `child_length`) come back under that shorter code;
    the engine only reads the children's codes.
    """
    from django.db.models import Count
    from django.db.models.functions import Substr

    aggregate = aggregate if aggregate is not None else Count("pk")
    rows = (queryset.order_by().annotate(_child=Substr(field, 1, child_length)).values("_child")
            .annotate(_value=aggregate).values_list("_child", "_value"))
    return {child: to_json_number(value) for child, value in rows}


def month_windows(date_from: datetime.date, date_to: datetime.date) -> list[tuple[str, datetime.date, datetime.date]]:
    """("YYYY-MM", first day, last day) of every calendar month the period touches, clipped to the period."""
    windows = []
    year, month = date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month):
        first = datetime.date(year, month, 1)
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        start, end = max(first, date_from), min(following - datetime.timedelta(days=1), date_to)
        windows.append((f"{year:04d}-{month:02d}", start, end))
        year, month = following.year, following.month
    return windows


def monthly(queryset, condition: Callable, date_from: datetime.date, date_to: datetime.date, aggregate=None) -> dict:
    """{"YYYY-MM": aggregate over the rows where condition(start, end) holds} for every month of the period, in ONE
    query (one conditional aggregate per month).

    For an "in period" figure: `condition=lambda s, e: Q(held_on__gte=s, held_on__lte=e)`; for an "at end" figure:
    `condition=lambda s, e: Q(valid_from__lte=e) & (Q(valid_to__isnull=True) | Q(valid_to__gt=e))`.
    `aggregate(filter_q)` builds the aggregate; it defaults to `lambda q: Count("pk", filter=q)`.
    """
    from django.db.models import Count

    build = aggregate if aggregate is not None else (lambda q: Count("pk", filter=q))
    windows = month_windows(date_from, date_to)
    names = {f"m{i}": label for i, (label, _s, _e) in enumerate(windows)}
    values = queryset.order_by().aggregate(**{
        name: build(condition(start, end)) for name, (_label, start, end) in zip(names, windows, strict=True)
    })
    return {names[name]: to_json_number(value) or 0 for name, value in values.items()}


# --- the records of one part of a split figure (a pie slice) ---------------------------------------------------

_part_filters: dict[str, Callable] = {}


def part_filter(key: str):
    """Decorator: `fn(queryset, label) -> queryset` narrows the records of metric `key` to the part `label` of
    its {"total", "by": {label: n}} value (a pie slice). Kept apart from the metric so it may be declared before
    or after the metric registers."""

    def decorator(func):
        _part_filters[key] = func
        return func

    return decorator


def has_part_filter(key: str) -> bool:
    return key in _part_filters


def filter_part(key: str, queryset, label: str):
    """The records of one part, or None when the metric cannot narrow its records to a part."""
    func = _part_filters.get(key)
    return None if func is None else func(queryset, label)


def choice_part(key: str, path: str, choices: Callable[[], list[tuple[str, str]]]) -> None:
    """Declare that the parts of `key` are the labels of `choices()` (code, label) of the records' field `path`."""

    @part_filter(key)
    def narrow(queryset, label):
        codes = [code for code, text in choices() if str(text) == label]
        return queryset.filter(**{f"{path}__in": codes})
