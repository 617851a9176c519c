"""activities.*, training.*, services.*, donations.* and points.* metrics (shared/METRICS.md), counted in the
database.

- An activity counts in a period when its start day (Asia/Shanghai) is in the period and it was not cancelled;
  its region is the activity's region (prefix match: a county includes its townships).
- activities.attendance counts attendance rows (人次) of those activities; activities.beneficiaries sums the
  people served (服务群众人次) they report. All three are split by activity type (the dictionary's labels).
- training.classes: training classes whose activity is held in the period; training.trainees: trainees enrolled
  in those classes (人次: a person in two classes counts twice) — "举办培训班3期，轮训200余人次".
- services.programs: service programmes on the menu at the period's end (listed on or before it, not stopped
  before it). services.enterprises: enterprises served by activities held in the period — distinct registry
  enterprises linked to them plus the counts recorded for enterprises not registered one by one.
- donations.value: money donated plus the stated value of donated items, dated in the period, in 元;
  donations.items: donated items in the period by kind (农机, 书籍…), counted in their own units.
- points.issued: points earned in the period (ledger entries of kind "earned"); points.redeemed: points spent on
  rewards in the period. The region is the ledger entry's.

Each figure has by_region / by_month hooks so the dashboard stays at a few queries.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, When
from django.db.models.functions import Coalesce

from tongxin.activities.models import (
    Activity,
    Attendance,
    Donation,
    DonationKind,
    PointEntry,
    PointKind,
    ServiceProgramme,
    Trainee,
    TrainingClass,
)
from tongxin.activities.selectors import activity_type_choices
from tongxin.reports import registry

ZERO = Decimal("0")


def _in_region(queryset, field: str, prefix: str):
    return queryset.filter(**{f"{field}__startswith": prefix}) if prefix else queryset


def _held(prefix: str, date_from, date_to, *, path: str = ""):
    """Q of the activities (through `path`) held in the period in the region."""
    condition = Q(**{f"{path}is_cancelled": False, f"{path}start_date__gte": date_from,
                     f"{path}start_date__lte": date_to})
    if prefix:
        condition &= Q(**{f"{path}region_id__startswith": prefix})
    return condition


def _held_base(prefix: str, *, path: str = ""):
    """Q of the activities not cancelled in the region (for the monthly hooks, which add the dates)."""
    condition = Q(**{f"{path}is_cancelled": False})
    if prefix:
        condition &= Q(**{f"{path}region_id__startswith": prefix})
    return condition


def _by_type(rows: dict) -> dict:
    """{"total", "by": {label: n}} over every type of the dictionary (and any code no longer in it)."""
    labels = dict(activity_type_choices(include_inactive=True))
    by = {str(label): registry.to_json_number(rows.get(code, 0)) or 0 for code, label in labels.items()}
    for code, value in rows.items():
        if code not in labels:
            by[code] = registry.to_json_number(value)
    return {"total": registry.to_json_number(sum(rows.values(), 0)) or 0, "by": by}


def _in_month(path: str, field: str = "start_date"):
    return lambda start, end: Q(**{f"{path}{field}__gte": start, f"{path}{field}__lte": end})


# --- Activities ------------------------------------------------------------------------------------------------


def activities_records(prefix, date_from, date_to):
    return Activity.objects.filter(_held(prefix, date_from, date_to)).select_related("region")


def _activities_region(prefix, date_from, date_to, child_length):
    return registry.group_by_region(activities_records(prefix, date_from, date_to), "region_id", child_length)


def _activities_month(prefix, date_from, date_to):
    return registry.monthly(Activity.objects.filter(_held_base(prefix)), _in_month(""), date_from, date_to)


@registry.register("activities.count", "活动场次", unit="场", records=activities_records, order=400,
                   by_region=_activities_region, by_month=_activities_month)
def activities_count(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    rows = activities_records(prefix, date_from, date_to).order_by().values("type").annotate(n=Count("pk"))
    return _by_type({r["type"]: r["n"] for r in rows})


def attendance_records(prefix, date_from, date_to):
    return Attendance.objects.filter(_held(prefix, date_from, date_to, path="activity__")) \
        .select_related("activity", "person")


def _attendance_region(prefix, date_from, date_to, child_length):
    return registry.group_by_region(attendance_records(prefix, date_from, date_to), "activity__region_id",
                                    child_length)


def _attendance_month(prefix, date_from, date_to):
    return registry.monthly(Attendance.objects.filter(_held_base(prefix, path="activity__")),
                            _in_month("activity__"), date_from, date_to)


@registry.register("activities.attendance", "参与人次", unit="人次", records=attendance_records, order=401,
                   by_region=_attendance_region, by_month=_attendance_month)
def activities_attendance(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    rows = (attendance_records(prefix, date_from, date_to).order_by().values("activity__type")
            .annotate(n=Count("pk")))
    return _by_type({r["activity__type"]: r["n"] for r in rows})


def _beneficiaries_region(prefix, date_from, date_to, child_length):
    return registry.group_by_region(activities_records(prefix, date_from, date_to), "region_id", child_length,
                                    aggregate=Coalesce(Sum("beneficiaries"), 0))


def _beneficiaries_month(prefix, date_from, date_to):
    return registry.monthly(Activity.objects.filter(_held_base(prefix)), _in_month(""), date_from, date_to,
                            aggregate=lambda q: Sum("beneficiaries", filter=q))


@registry.register("activities.beneficiaries", "服务群众人次", unit="人次", records=activities_records, order=402,
                   by_region=_beneficiaries_region, by_month=_beneficiaries_month)
def activities_beneficiaries(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    rows = (activities_records(prefix, date_from, date_to).order_by().values("type")
            .annotate(n=Coalesce(Sum("beneficiaries"), 0)))
    return _by_type({r["type"]: r["n"] for r in rows})


# --- Training --------------------------------------------------------------------------------------------------


def classes_records(prefix, date_from, date_to):
    return TrainingClass.objects.filter(_held(prefix, date_from, date_to, path="activity__")) \
        .select_related("activity")


@registry.register("training.classes", "培训班期数", unit="期", records=classes_records, order=410,
                   by_region=lambda p, f, t, n: registry.group_by_region(
                       classes_records(p, f, t), "activity__region_id", n),
                   by_month=lambda p, f, t: registry.monthly(
                       TrainingClass.objects.filter(_held_base(p, path="activity__")), _in_month("activity__"), f, t))
def training_classes(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return classes_records(prefix, date_from, date_to).count()


def trainees_records(prefix, date_from, date_to):
    return Trainee.objects.filter(_held(prefix, date_from, date_to, path="training_class__activity__")) \
        .select_related("person", "training_class__activity")


@registry.register("training.trainees", "培训人次", unit="人次", records=trainees_records, order=411,
                   by_region=lambda p, f, t, n: registry.group_by_region(
                       trainees_records(p, f, t), "training_class__activity__region_id", n),
                   by_month=lambda p, f, t: registry.monthly(
                       Trainee.objects.filter(_held_base(p, path="training_class__activity__")),
                       _in_month("training_class__activity__"), f, t))
def training_trainees(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return trainees_records(prefix, date_from, date_to).count()


# --- Service menu ----------------------------------------------------------------------------------------------


def programs_records(prefix, date_from, date_to):
    return _in_region(ServiceProgramme.objects.on_menu(date_to), "region_id", prefix)


def _on_menu_at(end):
    return Q(started_on__lte=end) & (Q(ended_on__isnull=True) | Q(ended_on__gte=end))


@registry.register("services.programs", "服务项目", unit="项", records=programs_records, order=420,
                   by_region=lambda p, f, t, n: registry.group_by_region(programs_records(p, f, t), "region_id", n),
                   by_month=lambda p, f, t: registry.monthly(
                       _in_region(ServiceProgramme.objects.all(), "region_id", p), lambda s, e: _on_menu_at(e), f, t))
def services_programs(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return programs_records(prefix, date_from, date_to).count()


def enterprises_records(prefix, date_from, date_to):
    from tongxin.people.models import Organization

    return Organization.objects.filter(served_by_activities__in=activities_records(prefix, date_from, date_to)
                                       .values("pk")).distinct()


def _enterprises_total(activities) -> int:
    linked = (Activity.enterprises.through.objects.filter(activity__in=activities.values("pk"))
              .values("organization_id").distinct().count())
    counted = activities.order_by().aggregate(n=Coalesce(Sum("enterprises_served"), 0))["n"]
    return linked + counted


def _enterprises_region(prefix, date_from, date_to, child_length):
    links = Activity.enterprises.through.objects.filter(
        activity__in=activities_records(prefix, date_from, date_to).values("pk"))
    linked = registry.group_by_region(links, "activity__region_id", child_length,
                                      aggregate=Count("organization_id", distinct=True))
    counted = registry.group_by_region(activities_records(prefix, date_from, date_to), "region_id", child_length,
                                       aggregate=Coalesce(Sum("enterprises_served"), 0))
    return {k: linked.get(k, 0) + counted.get(k, 0) for k in {*linked, *counted}}


def _enterprises_month(prefix, date_from, date_to):
    links = Activity.enterprises.through.objects.filter(activity__in=Activity.objects.filter(_held_base(prefix)))
    linked = registry.monthly(links, _in_month("activity__"), date_from, date_to,
                              aggregate=lambda q: Count("organization_id", filter=q, distinct=True))
    counted = registry.monthly(Activity.objects.filter(_held_base(prefix)), _in_month(""), date_from, date_to,
                               aggregate=lambda q: Sum("enterprises_served", filter=q))
    return {k: linked.get(k, 0) + counted.get(k, 0) for k in linked}


@registry.register("services.enterprises", "服务企业数", unit="家", records=enterprises_records, order=421,
                   by_region=_enterprises_region, by_month=_enterprises_month)
def services_enterprises(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return _enterprises_total(activities_records(prefix, date_from, date_to))


# --- Donations -------------------------------------------------------------------------------------------------


def _donations(prefix, date_from, date_to):
    rows = Donation.objects.filter(donated_on__gte=date_from, donated_on__lte=date_to, activity__is_cancelled=False)
    return _in_region(rows, "activity__region_id", prefix)


def _donations_base(prefix):
    return _in_region(Donation.objects.filter(activity__is_cancelled=False), "activity__region_id", prefix)


def donations_records(prefix, date_from, date_to):
    return _donations(prefix, date_from, date_to).select_related("activity")


# The value `donations.value` counts: the amount of money, the stated value of items (whatever else is filled in).
_VALUE = Case(When(kind=DonationKind.MONEY, then=F("amount")), When(kind=DonationKind.ITEMS, then=F("estimated_value")),
              output_field=DecimalField(max_digits=14, decimal_places=2))


@registry.register("donations.value", "捐赠/帮扶金额", unit="元", records=donations_records, order=430,
                   by_region=lambda p, f, t, n: registry.group_by_region(
                       _donations(p, f, t), "activity__region_id", n, aggregate=Coalesce(Sum(_VALUE), ZERO)),
                   by_month=lambda p, f, t: registry.monthly(
                       _donations_base(p), _in_month("", "donated_on"), f, t,
                       aggregate=lambda q: Sum(_VALUE, filter=q)))
def donations_value(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    sums = _donations(prefix, date_from, date_to).aggregate(
        money=Coalesce(Sum("amount", filter=Q(kind=DonationKind.MONEY)), ZERO),
        items=Coalesce(Sum("estimated_value", filter=Q(kind=DonationKind.ITEMS)), ZERO))
    return {"total": sums["money"] + sums["items"], "by": {"资金": sums["money"], "物品折价": sums["items"]}}


def items_records(prefix, date_from, date_to):
    return donations_records(prefix, date_from, date_to).filter(kind=DonationKind.ITEMS)


@registry.register("donations.items", "捐赠物品", unit="件", records=items_records, order=431,
                   by_region=lambda p, f, t, n: registry.group_by_region(
                       items_records(p, f, t), "activity__region_id", n, aggregate=Coalesce(Sum("item_count"), 0)),
                   by_month=lambda p, f, t: registry.monthly(
                       _donations_base(p).filter(kind=DonationKind.ITEMS), _in_month("", "donated_on"), f, t,
                       aggregate=lambda q: Sum("item_count", filter=q)))
def donations_items(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    rows = (items_records(prefix, date_from, date_to).order_by().values("item_kind", "item_unit")
            .annotate(n=Coalesce(Sum("item_count"), 0)))
    by: dict[str, int] = {}
    for row in rows:
        label = row["item_kind"] + (f"（{row['item_unit']}）" if row["item_unit"] else "")
        by[label] = by.get(label, 0) + row["n"]
    return {"total": sum(by.values()), "by": dict(sorted(by.items(), key=lambda kv: -kv[1]))}


# --- Points ----------------------------------------------------------------------------------------------------


def _entries(prefix, date_from, date_to, kind):
    start = datetime.datetime.combine(date_from, datetime.time.min)
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min)
    from django.utils import timezone

    rows = PointEntry.objects.filter(kind=kind, at__gte=timezone.make_aware(start), at__lt=timezone.make_aware(end))
    return _in_region(rows, "region_id", prefix)


def _entries_month(prefix, date_from, date_to, kind, sign):
    from django.utils import timezone

    def condition(start, end):
        return Q(at__gte=timezone.make_aware(datetime.datetime.combine(start, datetime.time.min)),
                 at__lt=timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1),
                                                                      datetime.time.min)))

    rows = _in_region(PointEntry.objects.filter(kind=kind), "region_id", prefix)
    return registry.monthly(rows, condition, date_from, date_to,
                            aggregate=lambda q: Sum(F("points") * sign, filter=q))


def issued_records(prefix, date_from, date_to):
    return _entries(prefix, date_from, date_to, PointKind.EARNED).select_related("person")


@registry.register("points.issued", "积分发放", unit="分", records=issued_records, order=440,
                   by_region=lambda p, f, t, n: registry.group_by_region(
                       issued_records(p, f, t), "region_id", n, aggregate=Coalesce(Sum("points"), 0)),
                   by_month=lambda p, f, t: _entries_month(p, f, t, PointKind.EARNED, 1))
def points_issued(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return issued_records(prefix, date_from, date_to).aggregate(s=Coalesce(Sum("points"), 0))["s"]


def redeemed_records(prefix, date_from, date_to):
    return _entries(prefix, date_from, date_to, PointKind.SPENT).select_related("person")


@registry.register("points.redeemed", "积分兑换", unit="分", records=redeemed_records, order=441,
                   by_region=lambda p, f, t, n: registry.group_by_region(
                       redeemed_records(p, f, t), "region_id", n, aggregate=Coalesce(-Sum("points"), 0)),
                   by_month=lambda p, f, t: _entries_month(p, f, t, PointKind.SPENT, -1))
def points_redeemed(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return -(redeemed_records(prefix, date_from, date_to).aggregate(s=Coalesce(Sum("points"), 0))["s"])
