"""Reads of the dashboard beyond the metric registry."""

from __future__ import annotations

from django.db.models import Count, Q


def top_associations(region, date_from, date_to, user, limit: int = 10) -> list[dict]:
    """The associations of the region that hosted the most activities held in the period (one aggregate query),
    with the attendances of those activities; only associations the user may see (`user=None`: every association
    of the region — for the dashboard's snapshot, read only by pages that checked the region against their user's
    scope)."""
    from django.apps import apps

    if not apps.is_installed("tongxin.activities"):
        return []
    from tongxin.orgs.models import Association

    held = Q(activities__is_cancelled=False, activities__start_date__gte=date_from,
             activities__start_date__lte=date_to)
    rows = Association.objects.all() if user is None else Association.objects.restrict(user)
    if region.code:
        rows = rows.filter(region_id__startswith=region.code)
    rows = (rows.annotate(n=Count("activities", filter=held, distinct=True))
            .filter(n__gt=0).order_by("-n", "pk").select_related("region")[:limit])
    return [{"name": a.name, "region": a.region.name, "n": a.n, "url": a.get_absolute_url()} for a in rows]
