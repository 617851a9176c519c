"""pairing.*, contacts.count and cases.* metrics (shared/METRICS.md), counted in the database.

- A pairing counts "at end" when it is in force on the period's last day (started on or before it, not ended
  before it) and the person is a member on that day; ended_on / removed_on are the last day of the pairing.
- pairing.leaders and pairing.representatives count the pairings *of* the region (the pairing's region, e.g. the
  county for "23名县级领导联系46名党外代表人士"); pairing.coverage counts the representatives *in* the region,
  whoever they are paired with.
- pairing.coverage is {"total": ratio, "by": {...}}: `total` is a float 0..1 rounded to 4 places — the share of
  the representatives active at end (people state history) who are members of a pairing in force at end AND
  whose last contact up to the end lies within that pairing's contact interval (end − interval ≤ last contact);
  `by` gives the three head counts behind it (代表人士, 已结对, 按期联系). With no representatives it is 0.0.
- contacts.count: contact logs dated in the period, by channel; the region is where the persons contacted are.
- cases.raised: cases opened (受理) in the period; cases.resolved: cases whose resolution date is in the period
  (a reopened case loses it). Both by category.

Every figure has by_region / by_month hooks (bottom of the file; pairing.coverage's beside it) that give, in one
grouped query, the same whole value `compute` gives for each child region / each month.
"""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Case as SqlCase  # liaison's Case is the 诉求 model
from django.db.models import (
    Count,
    DateField,
    Exists,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Substr

from tongxin.liaison.models import (
    Case,
    CaseCategory,
    Channel,
    Contact,
    ContactPerson,
    LeaderLevel,
    Pairing,
    PairingMember,
    active_on_q,
)
from tongxin.people import metrics as people_metrics
from tongxin.people.models import Person, PersonState, Status
from tongxin.people.search import prefix_q
from tongxin.reports import registry


def _in_region(queryset, field: str, prefix: str):
    return queryset.filter(prefix_q(field, prefix)) if prefix else queryset


def members_at_end(prefix: str, day: datetime.date):
    """Members on `day` of the pairings of region `prefix` (and below) in force on `day`."""
    return _in_region(PairingMember.objects.active_on(day), "pairing__region_id", prefix)


def _choice_value(counts: dict, choices) -> dict:
    return {"total": sum(counts.values()), "by": {str(label): counts.get(code, 0) for code, label in choices}}


def _by_choice(rows, field: str, choices) -> dict:
    return _choice_value(dict(rows.order_by().values(field).annotate(n=Count("id")).values_list(field, "n")),
                         choices)


# --- Pairings --------------------------------------------------------------------------------------------------


def leaders_records(prefix, date_from, date_to):
    return Pairing.objects.filter(pk__in=members_at_end(prefix, date_to).values("pairing_id")) \
        .select_related("leader_user", "leader_person", "region")


@registry.register("pairing.leaders", "结对领导", unit="人", records=leaders_records, order=300)
def leaders(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    """Distinct leaders (a user or a person record: exactly one per pairing) with members on the end day."""
    rows = members_at_end(prefix, date_to).order_by()
    distinct = {"users": Count("pairing__leader_user", distinct=True),
                "persons": Count("pairing__leader_person", distinct=True)}
    total = rows.aggregate(**distinct)
    by_level = {level: users + persons for level, users, persons in
                rows.values("pairing__leader_level").annotate(**distinct)
                .values_list("pairing__leader_level", "users", "persons")}
    return {"total": total["users"] + total["persons"],
            "by": {str(label): by_level.get(code, 0) for code, label in LeaderLevel.choices}}


def representatives_records(prefix, date_from, date_to):
    return Person.objects.filter(pk__in=members_at_end(prefix, date_to).values("person_id"))


@registry.register("pairing.representatives", "结对代表人士", unit="人", records=representatives_records,
                   order=301)
def representatives(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return members_at_end(prefix, date_to).order_by().values("person_id").distinct().count()


def _days_before(day: datetime.date, days) -> Func:
    """The date `days` (a column or expression of whole days) before `day`, computed by the database."""
    return _DaysBefore(Value(day, output_field=DateField()), days)


class _DaysBefore(Func):
    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):  # PostgreSQL: date - integer is a date
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner="::date - ",
                              **extra_context)

    as_postgresql = as_sql

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="date(%(expressions)s || ' days')",
                              arg_joiner=", '-' || ", **extra_context)


def _paired_on(day: datetime.date) -> Q:
    """The row's person is a member of a pairing (any pairing, any region) in force on `day`.

    An uncorrelated IN (members on `day`): the database reads the few pairing members once and hashes them,
    instead of probing them for every representative."""
    return Q(person_id__in=PairingMember.objects.active_on(day).values("person_id"))


def _covered_on(day: datetime.date) -> Q:
    """The row's person is a member of a pairing in force on `day` and was contacted within that pairing's
    interval up to `day` (end − interval ≤ last contact ≤ end): one index probe on the contact links
    (person, date) per pairing member."""
    in_time = ContactPerson.objects.filter(
        person_id=OuterRef("person_id"), contacted_on__lte=day,
        contacted_on__gte=_days_before(day, OuterRef("pairing__contact_interval_days")))
    return Q(person_id__in=PairingMember.objects.active_on(day).filter(Exists(in_time)).values("person_id"))


def _representatives_on(prefix: str, day: datetime.date):
    """State rows of the representatives active in region `prefix` on `day` (one per person)."""
    return people_metrics.active_on(prefix, day).filter(is_representative=True)


def _coverage_value(total: int, paired: int, covered: int) -> dict:
    ratio = round(covered / total, 4) if total else 0.0
    return {"total": ratio, "by": {"代表人士": total, "已结对": paired, "按期联系": covered}}


def _coverage_counts(end: datetime.date, condition: Q | None = None) -> dict:
    """The three head counts at `end` as conditional aggregates over representative state rows."""
    condition = condition if condition is not None else Q()
    return {"total": Count("pk", filter=condition),
            "paired": Count("pk", filter=condition & _paired_on(end)),
            "covered": Count("pk", filter=condition & _covered_on(end))}


def coverage_records(prefix, date_from, date_to):
    covered = _representatives_on(prefix, date_to).filter(_covered_on(date_to))
    return Person.objects.filter(pk__in=covered.values("person_id"))


def _coverage_region(prefix, date_from, date_to, child_length):
    rows = (_representatives_on(prefix, date_to).order_by()
            .annotate(_child=Substr("region_code", 1, child_length)).values("_child")
            .annotate(**_coverage_counts(date_to)).values_list("_child", "total", "paired", "covered"))
    return {child: _coverage_value(total, paired, covered) for child, total, paired, covered in rows}


def _in_force(day: datetime.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def _coverage_month(prefix, date_from, date_to):
    """Every month's figure at its last day (clipped to the period) in ONE query over the representatives' state
    rows that are in force at some month end."""
    windows = registry.month_windows(date_from, date_to)
    if not windows:
        return {}
    rows = PersonState.objects.filter(status=Status.ACTIVE, is_representative=True, valid_from__lte=date_to) \
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=windows[0][2]))
    if prefix and connection.vendor == "sqlite":
        # as people.metrics does for the figures that read most of a region's state rows: on SQLite, comparing
        # the prefix on an expression reads the table once instead of one lookup per row from the region index
        rows = rows.alias(_region_prefix=Substr("region_code", 1, len(prefix))).filter(_region_prefix=prefix)
    else:
        rows = _in_region(rows, "region_code", prefix)
    aggregates = {}
    for i, (_label, _start, end) in enumerate(windows):
        aggregates.update({f"{name}{i}": value for name, value in _coverage_counts(end, _in_force(end)).items()})
    values = rows.order_by().aggregate(**aggregates)
    return {label: _coverage_value(values[f"total{i}"], values[f"paired{i}"], values[f"covered{i}"])
            for i, (label, _start, _end) in enumerate(windows)}


@registry.register("pairing.coverage", "联系覆盖率", unit="", records=coverage_records, order=302,
                   by_region=_coverage_region, by_month=_coverage_month)
def coverage(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    counts = _representatives_on(prefix, date_to).order_by().aggregate(**_coverage_counts(date_to))
    return _coverage_value(counts["total"], counts["paired"], counts["covered"])


# --- Contacts --------------------------------------------------------------------------------------------------


def _contacts(prefix, date_from, date_to):
    return _in_region(Contact.objects.filter(contacted_on__gte=date_from, contacted_on__lte=date_to),
                      "region_id", prefix)


def contacts_records(prefix, date_from, date_to):
    return _contacts(prefix, date_from, date_to)


@registry.register("contacts.count", "联系次数", unit="次", records=contacts_records, order=310)
def contacts_count(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    return _by_choice(_contacts(prefix, date_from, date_to), "channel", Channel.choices)


# --- Cases -----------------------------------------------------------------------------------------------------


def raised_records(prefix, date_from, date_to):
    return _in_region(Case.objects.filter(opened_on__gte=date_from, opened_on__lte=date_to), "region_id", prefix)


@registry.register("cases.raised", "反映诉求", unit="件", records=raised_records, order=320)
def cases_raised(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    return _by_choice(raised_records(prefix, date_from, date_to), "category", CaseCategory.choices)


def resolved_records(prefix, date_from, date_to):
    return _in_region(Case.objects.filter(resolved_on__gte=date_from, resolved_on__lte=date_to), "region_id",
                      prefix)


@registry.register("cases.resolved", "解决问题", unit="件", records=resolved_records, order=321)
def cases_resolved(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    return _by_choice(resolved_records(prefix, date_from, date_to), "category", CaseCategory.choices)


# --- one-query breakdowns by child region and by month (the dashboard and the 比学赶超 table) -------------------
# Each hook gives the whole value `compute` gives (the {"total", "by"} split too), from one grouped query.


def _members_base(prefix: str, date_from: datetime.date, date_to: datetime.date):
    """Memberships of the pairings of the region that may be in force on some day of the period."""
    rows = PairingMember.objects.filter(added_on__lte=date_to, pairing__started_on__lte=date_to)
    rows = rows.exclude(removed_on__lt=date_from).exclude(pairing__ended_on__lt=date_from)
    return _in_region(rows, "pairing__region_id", prefix)


def _member_in_force(end: datetime.date) -> Q:
    return (active_on_q(end, start="added_on", end="removed_on")
            & active_on_q(end, start="started_on", end="ended_on", prefix="pairing__"))


def _leader_counts(condition: Q | None = None) -> dict:
    """Distinct leaders (users and person records) in total and per level, as aggregates."""
    condition = condition if condition is not None else Q()
    aggregates = {"users": Count("pairing__leader_user", distinct=True, filter=condition),
                  "persons": Count("pairing__leader_person", distinct=True, filter=condition)}
    for code, _label in LeaderLevel.choices:
        level = condition & Q(pairing__leader_level=code)
        aggregates[f"users_{code}"] = Count("pairing__leader_user", distinct=True, filter=level)
        aggregates[f"persons_{code}"] = Count("pairing__leader_person", distinct=True, filter=level)
    return aggregates


def _leader_value(row: dict, suffix: str = "") -> dict:
    return {"total": row[f"users{suffix}"] + row[f"persons{suffix}"],
            "by": {str(label): row[f"users_{code}{suffix}"] + row[f"persons_{code}{suffix}"]
                   for code, label in LeaderLevel.choices}}


@registry.by_region("pairing.leaders")
def _leaders_region(prefix, date_from, date_to, child_length):
    rows = (members_at_end(prefix, date_to).order_by().annotate(_child=Substr("pairing__region_id", 1, child_length))
            .values("_child").annotate(**_leader_counts()))
    return {row["_child"]: _leader_value(row) for row in rows}


@registry.by_month("pairing.leaders")
def _leaders_month(prefix, date_from, date_to):
    """One query in two steps: per leader (a user or a person record), a 0/1 flag per month (and per month and
    level) for having members at the month's end; then the flags summed. No DISTINCT per month and level."""
    windows = registry.month_windows(date_from, date_to)
    levels = [code for code, _label in LeaderLevel.choices]

    def flag(condition: Q):
        return Max(SqlCase(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))

    flags = {}
    for i, (_label, _start, end) in enumerate(windows):
        flags[f"all_{i}"] = flag(_member_in_force(end))
        flags.update({f"{code}_{i}": flag(_member_in_force(end) & Q(pairing__leader_level=code)) for code in levels})
    per_leader = (_members_base(prefix, date_from, date_to).order_by()
                  .values("pairing__leader_user", "pairing__leader_person").annotate(**flags))
    sums = per_leader.aggregate(**{f"n_{name}": Sum(name) for name in flags})
    return {label: {"total": sums[f"n_all_{i}"] or 0,
                    "by": {str(text): sums[f"n_{code}_{i}"] or 0 for code, text in LeaderLevel.choices}}
            for i, (label, _s, _e) in enumerate(windows)}


@registry.by_region("pairing.representatives")
def _representatives_region(prefix, date_from, date_to, child_length):
    return registry.group_by_region(members_at_end(prefix, date_to), "pairing__region_id", child_length,
                                    Count("person_id", distinct=True))


@registry.by_month("pairing.representatives")
def _representatives_month(prefix, date_from, date_to):
    return registry.monthly(_members_base(prefix, date_from, date_to), lambda s, e: _member_in_force(e), date_from,
                            date_to, lambda q: Count("person_id", distinct=True, filter=q))


def _in_period_hooks(key: str, model, date_field: str, field: str, choices) -> None:
    """by_region / by_month of a count of `model` rows whose `date_field` lies in the period, split by `field`."""

    def rows(prefix, date_from, date_to):
        return _in_region(model.objects.filter(**{f"{date_field}__gte": date_from, f"{date_field}__lte": date_to}),
                          "region_id", prefix)

    @registry.by_region(key)
    def region(prefix, date_from, date_to, child_length):
        found = registry.grouped_by_region(rows(prefix, date_from, date_to), "region_id", child_length, field)
        return {child: _choice_value(counts, choices) for child, counts in found.items()}

    @registry.by_month(key)
    def month(prefix, date_from, date_to):
        found = registry.grouped_by_month(rows(prefix, date_from, date_to),
                               lambda s, e: Q(**{f"{date_field}__gte": s, f"{date_field}__lte": e}),
                               date_from, date_to, field)
        return {label: _choice_value(counts, choices) for label, counts in found.items()}


_in_period_hooks("contacts.count", Contact, "contacted_on", "channel", Channel.choices)
_in_period_hooks("cases.raised", Case, "opened_on", "category", CaseCategory.choices)
_in_period_hooks("cases.resolved", Case, "resolved_on", "category", CaseCategory.choices)
