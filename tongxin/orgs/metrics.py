"""orgs.* and network.* metrics (shared/METRICS.md), counted in the database as of the period's end (or within
the period for "new" figures), for a region prefix and everything below it. Every figure has by_region / by_month
hooks (bottom of the file) giving the same whole value per child region / per month in one grouped query."""

import datetime
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Max, Q, Sum, Value, When

from tongxin.core.models import DictItem
from tongxin.orgs import selectors
from tongxin.orgs.models import (
    Association,
    FundEntry,
    FundKind,
    LiaisonPost,
    Membership,
    OfficerRole,
    OfficerTerm,
    PostKind,
    Rule,
    Team,
    TeamKind,
)
from tongxin.orgs.selectors import in_region
from tongxin.people.models import Person
from tongxin.reports import registry


def _by(counts: dict, labels) -> dict:
    by = {str(label): counts.get(code, 0) for code, label in labels}
    for code, n in counts.items():  # codes no longer in the list still count
        if code not in dict(labels):
            by[str(code)] = n
    return by


def _level_labels():
    return list(DictItem.objects.filter(dict_type__code="association_level").order_by("sort", "code")
                .values_list("code", "label"))


# --- orgs.associations ---------------------------------------------------------------------------------------------


def associations_records(prefix, date_from, date_to):
    return in_region(Association.objects.filter(selectors.existing_on(date_to)), "region_id", prefix)


@registry.register("orgs.associations", "联谊组织数", unit="个", records=associations_records, order=200)
def associations(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    counts = dict(associations_records(prefix, date_from, date_to).order_by().values("level")
                  .annotate(n=Count("id")).values_list("level", "n"))
    return {"total": sum(counts.values()), "by": _by(counts, _level_labels())}


def associations_new_records(prefix, date_from, date_to):
    rows = Association.objects.filter(founded_on__gte=date_from, founded_on__lte=date_to)
    return in_region(rows, "region_id", prefix)


@registry.register("orgs.associations_new", "新成立组织", unit="个", records=associations_new_records, order=201)
def associations_new(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return associations_new_records(prefix, date_from, date_to).count()


# --- orgs.members --------------------------------------------------------------------------------------------------


def _memberships_at_end(prefix, date_to):
    return selectors.members_on(date_to, region_prefix=prefix)


def members_records(prefix, date_from, date_to):
    return Person.objects.filter(pk__in=_memberships_at_end(prefix, date_to).values("person_id"))


@registry.register("orgs.members", "会员数", unit="人", records=members_records, order=202)
def members(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return _memberships_at_end(prefix, date_to).order_by().values("person_id").distinct().count()


# --- orgs.officers_new ---------------------------------------------------------------------------------------------


def officers_new_records(prefix, date_from, date_to):
    rows = OfficerTerm.objects.filter(started_on__gte=date_from, started_on__lte=date_to)
    return in_region(rows, "association__region_id", prefix)


@registry.register("orgs.officers_new", "新增班子成员", unit="人", records=officers_new_records, order=203)
def officers_new(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    counts = dict(officers_new_records(prefix, date_from, date_to).order_by().values("role")
                  .annotate(n=Count("id")).values_list("role", "n"))
    return {"total": sum(counts.values()), "by": _by(counts, OfficerRole.choices)}


# --- orgs.funding --------------------------------------------------------------------------------------------------


def funding_records(prefix, date_from, date_to):
    return selectors.allocations_in(date_from, date_to, prefix)


@registry.register("orgs.funding", "工作经费", unit="元", records=funding_records, order=204)
def funding(prefix: str, date_from: datetime.date, date_to: datetime.date) -> Decimal:
    """Allocations dated in the period, reversals included (they carry negative amounts)."""
    total = funding_records(prefix, date_from, date_to).order_by().aggregate(total=Sum("amount"))["total"]
    return Decimal(total or 0).quantize(selectors.ZERO)


# --- orgs.rules ----------------------------------------------------------------------------------------------------


def rules_records(prefix, date_from, date_to):
    rows = Rule.objects.filter(effective_from__lte=date_to).exclude(effective_to__lt=date_to)
    return in_region(rows, "region_id", prefix)


@registry.register("orgs.rules", "制度数", unit="项", records=rules_records, order=205)
def rules(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return rules_records(prefix, date_from, date_to).count()


# --- network.* -----------------------------------------------------------------------------------------------------


def liaison_staff_records(prefix, date_from, date_to):
    return in_region(selectors.posts_on(date_to), "region_id", prefix)


@registry.register("network.liaison_staff", "统战委员/联络员", unit="人", records=liaison_staff_records, order=210)
def liaison_staff(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    counts = dict(liaison_staff_records(prefix, date_from, date_to).order_by().values("kind")
                  .annotate(n=Count("id")).values_list("kind", "n"))
    return {"total": sum(counts.values()), "by": _by(counts, PostKind.choices)}


def teams_records(prefix, date_from, date_to):
    return in_region(selectors.teams_on(date_to), "region_id", prefix)


@registry.register("network.teams", "工作队伍", unit="支", records=teams_records, order=211)
def teams(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    counts = dict(teams_records(prefix, date_from, date_to).order_by().values("kind")
                  .annotate(n=Count("id")).values_list("kind", "n"))
    return {"total": sum(counts.values()), "by": _by(counts, TeamKind.choices)}


# --- one-query breakdowns by child region and by month (the dashboard and the 比学赶超 table) -------------------
# Each hook gives the whole value `compute` gives (the {"total", "by"} split too) from one grouped query (the
# association levels also read their dictionary labels).


def _split_value(counts: dict, labels) -> dict:
    return {"total": sum(counts.values()), "by": _by(counts, labels)}


def _hooks(key: str, rows, region_field: str, condition, *, aggregate=None, split=None) -> None:
    """Attach by_region / by_month to `key`.

    `rows(prefix, date_from, date_to)` are the candidate rows of the region for the period; `condition(start,
    end)` the Q that makes a row count for the period [start, end] ("at end" figures look at `end` only). The
    figure is `aggregate(filter)` (a row count by default), or, with `split=(field, labels)`, the rows counted
    per code of `field` and labelled by `labels()` as compute does.
    """
    build = aggregate if aggregate is not None else (lambda q: Count("pk", filter=q))

    @registry.by_region(key)
    def region(prefix, date_from, date_to, child_length):
        found = rows(prefix, date_from, date_to).filter(condition(date_from, date_to))
        if split is None:
            return registry.group_by_region(found, region_field, child_length, build(None))
        field, labels = split
        grouped, labels = registry.grouped_by_region(found, region_field, child_length, field), labels()
        return {child: _split_value(counts, labels) for child, counts in grouped.items()}

    @registry.by_month(key)
    def month(prefix, date_from, date_to):
        found = rows(prefix, date_from, date_to)
        if split is None:
            return registry.monthly(found, condition, date_from, date_to, build)
        field, labels = split
        grouped, labels = registry.grouped_by_month(found, condition, date_from, date_to, field), labels()
        return {label: _split_value(counts, labels) for label, counts in grouped.items()}


def _in_period(date_field: str):
    return lambda start, end: Q(**{f"{date_field}__gte": start, f"{date_field}__lte": end})


def _rows(queryset_of, region_field: str, *, starts: str = "", date_field: str = ""):
    """Candidate rows of the region: those begun by the period's end (`starts`), or dated in it (`date_field`)."""

    def rows(prefix, date_from, date_to):
        found = queryset_of()
        if starts:
            found = found.filter(**{f"{starts}__lte": date_to})
        if date_field:
            found = found.filter(_in_period(date_field)(date_from, date_to))
        return in_region(found, region_field, prefix)

    return rows


def _rule_in_force(day) -> Q:
    return Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gte=day))


def _post_on(day) -> Q:
    return Q(since__lte=day) & (Q(until__isnull=True) | Q(until__gt=day))


def _team_on(day) -> Q:
    return Q(founded_on__lte=day) & (Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day))


def _member_on(day) -> Q:
    return selectors.open_on(day) & selectors.existing_on(day, "association__")


_hooks("orgs.associations", _rows(Association.objects.all, "region_id", starts="founded_on"), "region_id",
       lambda s, e: selectors.existing_on(e), split=("level", _level_labels))
_hooks("orgs.associations_new", _rows(Association.objects.all, "region_id", date_field="founded_on"), "region_id",
       _in_period("founded_on"))
_hooks("orgs.members", _rows(Membership.objects.all, "association__region_id", starts="joined_on"),
       "association__region_id", lambda s, e: _member_on(e), aggregate=lambda q: Count("person_id", distinct=True,
                                                                                      filter=q))

# orgs.members: the generic monthly hook above, replaced by one that avoids a DISTINCT per month.


@registry.by_month("orgs.members")
def _members_month(prefix, date_from, date_to):
    """Per person a 0/1 flag per month (a membership open at the month's end), then the flags summed — one query,
    without a DISTINCT per month (several times faster on SQLite, the same on PostgreSQL)."""
    windows = registry.month_windows(date_from, date_to)
    flags = {f"m{i}": Max(Case(When(_member_on(end), then=Value(1)), default=Value(0), output_field=IntegerField()))
             for i, (_label, _start, end) in enumerate(windows)}
    rows = in_region(Membership.objects.filter(joined_on__lte=date_to), "association__region_id", prefix)
    sums = rows.order_by().values("person_id").annotate(**flags).aggregate(**{f"n{name}": Sum(name) for name in flags})
    return {label: sums[f"nm{i}"] or 0 for i, (label, _s, _e) in enumerate(windows)}
_hooks("orgs.officers_new", _rows(OfficerTerm.objects.all, "association__region_id", date_field="started_on"),
       "association__region_id", _in_period("started_on"), split=("role", lambda: OfficerRole.choices))
_hooks("orgs.funding", _rows(lambda: FundEntry.objects.filter(kind=FundKind.ALLOCATION), "association__region_id",
                             date_field="date"),
       "association__region_id", _in_period("date"), aggregate=lambda q: Sum("amount", filter=q))
_hooks("orgs.rules", _rows(Rule.objects.all, "region_id", starts="effective_from"), "region_id",
       lambda s, e: _rule_in_force(e))
_hooks("network.liaison_staff", _rows(LiaisonPost.objects.all, "region_id", starts="since"), "region_id",
       lambda s, e: _post_on(e), split=("kind", lambda: PostKind.choices))
_hooks("network.teams", _rows(Team.objects.all, "region_id", starts="founded_on"), "region_id",
       lambda s, e: _team_on(e), split=("kind", lambda: TeamKind.choices))
