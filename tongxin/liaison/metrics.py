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
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from tongxin.liaison.models import (
    Case,
    CaseCategory,
    Channel,
    Contact,
    LeaderLevel,
    Pairing,
    PairingMember,
)
from tongxin.liaison.selectors import last_contact_subquery
from tongxin.people import metrics as people_metrics
from tongxin.people.models import Person
from tongxin.people.search import prefix_q
from tongxin.reports import registry


def _in_region(queryset, field: str, prefix: str):
    return queryset.filter(prefix_q(field, prefix)) if prefix else queryset


def members_at_end(prefix: str, day: datetime.date):
    """Members on `day` of the pairings of region `prefix` (and below) in force on `day`."""
    return _in_region(PairingMember.objects.active_on(day), "pairing__region_id", prefix)


def _by_choice(rows, field: str, choices) -> dict:
    counts = dict(rows.order_by().values(field).annotate(n=Count("id")).values_list(field, "n"))
    return {"total": sum(counts.values()), "by": {str(label): counts.get(code, 0) for code, label in choices}}


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


def _coverage_members(prefix: str, day: datetime.date):
    """Members on `day` (of pairings anywhere) who are representatives active in region `prefix` on `day`."""
    representatives = people_metrics.active_on(prefix, day).filter(is_representative=True)
    return PairingMember.objects.active_on(day).filter(person_id__in=representatives.values("person_id"))


def _contacted_in_time(members, day: datetime.date):
    intervals = set(members.order_by().values_list("pairing__contact_interval_days", flat=True).distinct())
    if not intervals:
        return members.none()
    condition = Q()
    for days in intervals:
        condition |= Q(pairing__contact_interval_days=days, last_contact__gte=day - datetime.timedelta(days=days))
    return members.annotate(last_contact=last_contact_subquery("person", until=day)).filter(condition)


def coverage_records(prefix, date_from, date_to):
    covered = _contacted_in_time(_coverage_members(prefix, date_to), date_to)
    return Person.objects.filter(pk__in=covered.values("person_id"))


@registry.register("pairing.coverage", "联系覆盖率", unit="", records=coverage_records, order=302)
def coverage(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    total = people_metrics.active_on(prefix, date_to).filter(is_representative=True).count()
    members = _coverage_members(prefix, date_to)
    paired = members.order_by().values("person_id").distinct().count() if total else 0
    covered = _contacted_in_time(members, date_to).order_by().values("person_id").distinct().count() if paired else 0
    ratio = round(covered / total, 4) if total else 0.0
    return {"total": ratio, "by": {"代表人士": total, "已结对": paired, "按期联系": covered}}


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
