"""Reads of the activities area that take more than a filter."""

from __future__ import annotations

from tongxin.activities.models import ACTIVITY_TYPE_DICT
from tongxin.core.models import DictItem


def activity_type_labels() -> dict[str, str]:
    return dict(DictItem.objects.filter(dict_type__code=ACTIVITY_TYPE_DICT).values_list("code", "label"))


def activity_type_choices(*, include_inactive: bool = False) -> list[tuple[str, str]]:
    items = DictItem.objects.filter(dict_type__code=ACTIVITY_TYPE_DICT)
    if not include_inactive:
        items = items.filter(is_active=True)
    return list(items.order_by("sort", "code").values_list("code", "label"))


def suggested_persons(programme, *, user=None, limit: int = 30):
    """Active persons of the programme's region whose specialties match the programme's, best match first."""
    from django.db.models import Count

    from tongxin.people.models import Person, Status

    wanted = list(programme.specialties.values_list("pk", flat=True))
    if not wanted:
        return Person.objects.none()
    persons = Person.objects.filter(status=Status.ACTIVE, is_erased=False, region_id__startswith=programme.region_id,
                                    specialties__in=wanted)
    if user is not None:
        persons = persons.restrict(user)
    return (persons.annotate(matches=Count("specialties", distinct=True))
            .select_related("employer", "region").prefetch_related("specialties")
            .order_by("-matches", "name_pinyin", "id")[:limit])


def leaderboard(*, prefix: str, date_from, date_to, association=None, persons=None, limit: int = 50):
    """Persons by points earned (earned and adjusted, spending not deducted) in [date_from, date_to] in the region
    `prefix`, optionally only members of `association`."""
    from django.db.models import Q, Sum

    from tongxin.activities.models import PointKind
    from tongxin.people.models import Person

    entries = Q(point_entries__at__date__gte=date_from, point_entries__at__date__lte=date_to,
                point_entries__kind__in=[PointKind.EARNED, PointKind.ADJUSTED],
                point_entries__region_id__startswith=prefix)
    persons = (persons if persons is not None else Person.objects.all()).filter(is_erased=False)
    if association is not None:
        persons = persons.filter(memberships__association=association, memberships__status="admitted")
    return (persons.annotate(period_points=Sum("point_entries__points", filter=entries))
            .filter(period_points__gt=0).select_related("employer").order_by("-period_points", "name_pinyin")[:limit])


def month_grid(year: int, month: int, activities) -> list[list[dict]]:
    """Weeks (Monday first) of a month, each day with its activities, for the calendar page."""
    import calendar

    from django.utils import timezone

    by_day: dict = {}
    for activity in activities:
        by_day.setdefault(timezone.localtime(activity.starts_at).date(), []).append(activity)
    today = timezone.localdate()
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([{"date": day, "in_month": day.month == month, "today": day == today,
                       "activities": by_day.get(day, [])} for day in week])
    return weeks


def with_type_name(queryset, path: str = ""):
    """Annotate `type_name`, the dictionary label of the activity type, so a list does not look it up per row."""
    from django.db.models import OuterRef, Subquery

    label = DictItem.objects.filter(dict_type__code=ACTIVITY_TYPE_DICT, code=OuterRef(f"{path}type")).values("label")
    return queryset.annotate(type_name=Subquery(label[:1]))
