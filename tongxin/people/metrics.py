"""people.* metrics (shared/METRICS.md), counted in the database from the state-history table as of the period's
end, so a report for last year still says what the registry held last year."""

import datetime

from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import Substr

from tongxin.people.models import Category, Person, PersonState, Status
from tongxin.people.search import prefix_q
from tongxin.reports import registry


def _in_region(queryset, prefix: str):
    return queryset.filter(prefix_q("region_code", prefix)) if prefix else queryset


def _in_region_scanned(queryset, prefix: str):
    """Like `_in_region`, for the "on the last day" figures, which read most rows of a region: on SQLite a range
    on the region index followed by one table lookup per row is several times slower than reading the table, so
    the prefix is compared on an expression the planner cannot answer from the index (PostgreSQL chooses well
    by itself)."""
    if not prefix:
        return queryset
    if connection.vendor == "sqlite":
        return queryset.alias(_region_prefix=Substr("region_code", 1, len(prefix))).filter(_region_prefix=prefix)
    return _in_region(queryset, prefix)


def states_on(prefix: str, day: datetime.date):
    """State rows in force on `day` for persons of region `prefix` (and everything below it)."""
    rows = PersonState.objects.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    return _in_region_scanned(rows, prefix)


def active_on(prefix: str, day: datetime.date):
    return states_on(prefix, day).filter(status=Status.ACTIVE)


def _persons(states):
    return Person.objects.filter(pk__in=states.values("person_id"))


def total_records(prefix, date_from, date_to):
    return _persons(active_on(prefix, date_to))


def _at_end(prefix: str, day: datetime.date) -> dict:
    """Every "in the registry on the last day" figure in ONE aggregate over the state rows in force on `day` —
    shared by people.total, people.by_category, people.representatives and people.network_figures when they are
    computed together (`registry.batch`)."""

    def run():
        return active_on(prefix, day).order_by().aggregate(
            total=Count("pk"), representatives=Count("pk", filter=Q(is_representative=True)),
            network=Count("pk", filter=Q(is_network_figure=True)),
            **{f"category_{code}": Count("pk", filter=Q(category=code)) for code, _label in Category.choices})

    return registry.shared(("people.at_end", prefix, day), run)


@registry.register("people.total", "人士库人数", unit="人", records=total_records, order=100)
def total(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return _at_end(prefix, date_to)["total"]


@registry.register("people.by_category", "分类人数", unit="人", records=total_records, order=101)
def by_category(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    figures = _at_end(prefix, date_to)
    by = {str(label): figures[f"category_{code}"] for code, label in Category.choices}
    return {"total": sum(by.values()), "by": by}


def representatives_records(prefix, date_from, date_to):
    return _persons(active_on(prefix, date_to).filter(is_representative=True))


@registry.register("people.representatives", "代表人士数", unit="人", records=representatives_records, order=102)
def representatives(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return _at_end(prefix, date_to)["representatives"]


def _reserve_flagged(prefix, date_from, date_to):
    """Rows of reserve streaks that began in the period, in force on the flagging day (or, for a record whose
    flag predates its entry into the registry, from entry) up to the period's end."""
    rows = PersonState.objects.filter(is_reserve=True, reserve_since__gte=date_from, reserve_since__lte=date_to,
                                      valid_from__lte=date_to)
    rows = rows.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=F("reserve_since")))
    return _in_region_scanned(rows, prefix)


def reserve_records(prefix, date_from, date_to):
    return _persons(_reserve_flagged(prefix, date_from, date_to))


@registry.register("people.reserve", "储备人士数", unit="人", records=reserve_records, order=103)
def reserve(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return _reserve_flagged(prefix, date_from, date_to).order_by().values("person_id").distinct().count()


def network_records(prefix, date_from, date_to):
    return _persons(active_on(prefix, date_to).filter(is_network_figure=True))


@registry.register("people.network_figures", "网络人士数", unit="人", records=network_records, order=104)
def network_figures(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return _at_end(prefix, date_to)["network"]


def _entries(prefix, date_from, date_to):
    """The first state row of each person who entered the registry in the period (its region is where they
    entered)."""
    rows = PersonState.objects.filter(valid_from__gte=date_from, valid_from__lte=date_to,
                                      valid_from=F("person__added_on"))
    return _in_region(rows, prefix)


def new_records(prefix, date_from, date_to):
    return _persons(_entries(prefix, date_from, date_to))


@registry.register("people.new_in_period", "新增人士", unit="人", records=new_records, order=105)
def new_in_period(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return _entries(prefix, date_from, date_to).order_by().values("person_id").distinct().count()


# --- one-query breakdowns by child region and by month (the dashboard and the 比学赶超 table) -------------------


def _in_force(end: datetime.date) -> Q:
    return Q(valid_from__lte=end) & (Q(valid_to__isnull=True) | Q(valid_to__gt=end))


def _active_rows(prefix: str):
    return _in_region_scanned(PersonState.objects.filter(status=Status.ACTIVE), prefix)


def _at_end_region(extra: Q | None = None):
    def hook(prefix, date_from, date_to, child_length):
        rows = active_on(prefix, date_to)
        return registry.group_by_region(rows.filter(extra) if extra is not None else rows, "region_code",
                                        child_length)
    return hook


def _at_end_month(extra: Q | None = None):
    def hook(prefix, date_from, date_to):
        rows = _active_rows(prefix)
        return registry.monthly(rows.filter(extra) if extra is not None else rows, lambda s, e: _in_force(e),
                                date_from, date_to)
    return hook


registry.by_region("people.total")(_at_end_region())
registry.by_month("people.total")(_at_end_month())
registry.by_region("people.representatives")(_at_end_region(Q(is_representative=True)))
registry.by_month("people.representatives")(_at_end_month(Q(is_representative=True)))
registry.by_region("people.network_figures")(_at_end_region(Q(is_network_figure=True)))
registry.by_month("people.network_figures")(_at_end_month(Q(is_network_figure=True)))


def _category_value(counts: dict) -> dict:
    return {"total": sum(counts.values()), "by": {str(label): counts.get(code, 0) for code, label in Category.choices}}


@registry.by_region("people.by_category")
def _by_category_region(prefix, date_from, date_to, child_length):
    from django.db.models.functions import Substr

    rows = (active_on(prefix, date_to).order_by().annotate(_child=Substr("region_code", 1, child_length))
            .values("_child", "category").annotate(n=Count("pk")).values_list("_child", "category", "n"))
    found: dict[str, dict] = {}
    for child, category, n in rows:
        found.setdefault(child, {})[category] = n
    return {child: _category_value(counts) for child, counts in found.items()}


@registry.by_month("people.by_category")
def _by_category_month(prefix, date_from, date_to):
    windows = registry.month_windows(date_from, date_to)
    codes = [code for code, _label in Category.choices]
    values = _active_rows(prefix).order_by().aggregate(**{
        f"m{i}_{code}": Count("pk", filter=_in_force(end) & Q(category=code))
        for i, (_label, _start, end) in enumerate(windows) for code in codes})
    return {label: _category_value({code: values[f"m{i}_{code}"] or 0 for code in codes})
            for i, (label, _start, _end) in enumerate(windows)}


@registry.by_region("people.reserve")
def _reserve_region(prefix, date_from, date_to, child_length):
    return registry.group_by_region(_reserve_flagged(prefix, date_from, date_to), "region_code", child_length,
                                    Count("person_id", distinct=True))


@registry.by_month("people.reserve")
def _reserve_month(prefix, date_from, date_to):
    rows = _in_region(PersonState.objects.filter(is_reserve=True, reserve_since__gte=date_from,
                                                 reserve_since__lte=date_to), prefix)
    rows = rows.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=F("reserve_since")))
    return registry.monthly(rows, lambda s, e: Q(reserve_since__gte=s, reserve_since__lte=e, valid_from__lte=e),
                            date_from, date_to, lambda q: Count("person_id", filter=q, distinct=True))


@registry.by_region("people.new_in_period")
def _new_region(prefix, date_from, date_to, child_length):
    return registry.group_by_region(_entries(prefix, date_from, date_to), "region_code", child_length,
                                    Count("person_id", distinct=True))


@registry.by_month("people.new_in_period")
def _new_month(prefix, date_from, date_to):
    rows = _entries(prefix, date_from, date_to)
    return registry.monthly(rows, lambda s, e: Q(valid_from__gte=s, valid_from__lte=e), date_from, date_to,
                            lambda q: Count("person_id", filter=q, distinct=True))
