"""orgs.* and network.* metrics (shared/METRICS.md), counted in the database as of the period's end (or within
the period for "new" figures), for a region prefix and everything below it."""

import datetime
from decimal import Decimal

from django.db.models import Count, Sum

from tongxin.core.models import DictItem
from tongxin.orgs import selectors
from tongxin.orgs.models import Association, OfficerRole, OfficerTerm, PostKind, Rule, TeamKind
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
