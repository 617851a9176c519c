"""people.* metrics (shared/METRICS.md), counted in the database from the state-history table as of the period's
end, so a report for last year still says what the registry held last year."""

import datetime

from django.db.models import Count, F, Q

from tongxin.people.models import Category, Person, PersonState, Status
from tongxin.people.search import prefix_q
from tongxin.reports import registry


def _in_region(queryset, prefix: str):
    return queryset.filter(prefix_q("region_code", prefix)) if prefix else queryset


def states_on(prefix: str, day: datetime.date):
    """State rows in force on `day` for persons of region `prefix` (and everything below it)."""
    rows = PersonState.objects.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    return _in_region(rows, prefix)


def active_on(prefix: str, day: datetime.date):
    return states_on(prefix, day).filter(status=Status.ACTIVE)


def _persons(states):
    return Person.objects.filter(pk__in=states.values("person_id"))


def total_records(prefix, date_from, date_to):
    return _persons(active_on(prefix, date_to))


@registry.register("people.total", "人士库人数", unit="人", records=total_records, order=100)
def total(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return active_on(prefix, date_to).count()


@registry.register("people.by_category", "分类人数", unit="人", records=total_records, order=101)
def by_category(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    counts = dict(active_on(prefix, date_to).order_by().values("category").annotate(n=Count("id"))
                  .values_list("category", "n"))
    by = {str(label): counts.get(code, 0) for code, label in Category.choices}
    return {"total": sum(counts.values()), "by": by}


def representatives_records(prefix, date_from, date_to):
    return _persons(active_on(prefix, date_to).filter(is_representative=True))


@registry.register("people.representatives", "代表人士数", unit="人", records=representatives_records, order=102)
def representatives(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return active_on(prefix, date_to).filter(is_representative=True).count()


def _reserve_flagged(prefix, date_from, date_to):
    """Rows of reserve streaks that began in the period, in force on the flagging day (or, for a record whose
    flag predates its entry into the registry, from entry) up to the period's end."""
    rows = PersonState.objects.filter(is_reserve=True, reserve_since__gte=date_from, reserve_since__lte=date_to,
                                      valid_from__lte=date_to)
    rows = rows.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=F("reserve_since")))
    return _in_region(rows, prefix)


def reserve_records(prefix, date_from, date_to):
    return _persons(_reserve_flagged(prefix, date_from, date_to))


@registry.register("people.reserve", "储备人士数", unit="人", records=reserve_records, order=103)
def reserve(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return _reserve_flagged(prefix, date_from, date_to).order_by().values("person_id").distinct().count()


def network_records(prefix, date_from, date_to):
    return _persons(active_on(prefix, date_to).filter(is_network_figure=True))


@registry.register("people.network_figures", "网络人士数", unit="人", records=network_records, order=104)
def network_figures(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return active_on(prefix, date_to).filter(is_network_figure=True).count()


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
