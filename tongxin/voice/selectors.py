"""Reads of voice and arrangements that are more than a filter: similar proposals, seat holders on a day, terms
ending soon, representatives without arrangement, problems solved."""

from __future__ import annotations

import datetime

from django.db.models import Count, ExpressionWrapper, F, FloatField, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone

from tongxin.people.models import Status
from tongxin.voice.models import (
    ArrangementStatus,
    Body,
    Level,
    ProblemSolved,
    Proposal,
)
from tongxin.voice.services import bigrams, proposal_text

MIN_SIMILARITY = 0.08
MIN_COVERAGE = 0.5


def similar_proposals(text: str, *, queryset=None, exclude_pk: int | None = None, limit: int = 5,
                      min_score: float = MIN_SIMILARITY, min_coverage: float = MIN_COVERAGE):
    """The proposals (of `queryset`, already scoped) whose text shares the most character bigrams with `text`,
    computed in the database as one aggregate over the gram index:

    - `shared`: bigrams in common; `score`: Jaccard similarity |A∩B| / |A∪B| (the ranking);
    - `coverage`: |A∩B| / |A|, how much of the text typed appears in the proposal (shown while typing a title,
      when the Jaccard of a short title against a long proposal is small even for the same subject).
    A proposal is listed when either is above its threshold."""
    grams = bigrams(text)
    if not grams:
        return Proposal.objects.none()
    queryset = Proposal.objects.all() if queryset is None else queryset
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    size = float(len(grams))
    shared = Cast(F("shared"), FloatField())
    return (queryset.filter(grams__gram__in=sorted(grams))
            .annotate(shared=Count("grams"))
            .annotate(score=ExpressionWrapper(shared / (Value(size) + F("gram_count") - F("shared")),
                                              output_field=FloatField()),
                      coverage=ExpressionWrapper(shared / Value(size), output_field=FloatField()))
            .filter(Q(score__gte=min_score) | Q(coverage__gte=min_coverage))
            .order_by("-score", "-submitted_on", "-pk")[:limit])


def similar_to(proposal: Proposal, *, queryset=None, limit: int = 5):
    return similar_proposals(proposal_text(proposal.title, proposal.content), queryset=queryset,
                             exclude_pk=proposal.pk, limit=limit)


# --- Arrangements ----------------------------------------------------------------------------------------------


def seat_holders(queryset, day: datetime.date):
    """Arrangements in force on `day` (the queryset is already scoped/filtered)."""
    return queryset.seated_on(day)


def seat_counts(queryset, day: datetime.date) -> list[dict]:
    """[{body, body_label, level, level_label, count}] of the seats held on `day`, one aggregate query."""
    bodies, levels = dict(Body.choices), dict(Level.choices)
    rows = (queryset.seated_on(day).order_by().values("body", "level")
            .annotate(count=Count("person", distinct=True)).order_by("body", "level"))
    order = {code: i for i, code in enumerate(Body.values)}
    rows = sorted(rows, key=lambda r: (order.get(r["body"], 99), r["level"]))
    return [{**r, "body_label": bodies.get(r["body"], r["body"]), "level_label": levels.get(r["level"], r["level"])}
            for r in rows]


def body_totals(seat_counts: list[dict]) -> list[dict]:
    """The rows of `seat_counts` summed over levels: [{body, body_label, count}] in the order of the bodies."""
    totals: dict[str, dict] = {}
    for row in seat_counts:
        entry = totals.setdefault(row["body"], {"body": row["body"], "body_label": row["body_label"], "count": 0})
        entry["count"] += row["count"]
    return list(totals.values())


def terms_ending(queryset, *, within_months: int = 6, today: datetime.date | None = None):
    """Seats in force today whose term ends within the next `within_months` months."""
    today = today or timezone.localdate()
    until = today + datetime.timedelta(days=round(within_months * 30.44))
    return queryset.seated_on(today).filter(ends_on__isnull=False, ends_on__lte=until).order_by("ends_on")


def representatives_without_arrangement(person_queryset):
    """Active representatives with no arrangement at all (recommended, inspected or arranged)."""
    return (person_queryset.filter(is_representative=True, status=Status.ACTIVE, is_erased=False)
            .exclude(arrangements__status__in=[ArrangementStatus.RECOMMENDED, ArrangementStatus.INSPECTED,
                                               ArrangementStatus.ARRANGED])
            .order_by("name_pinyin", "pk"))


# --- Consultation ----------------------------------------------------------------------------------------------


def problems_solved(queryset=None, *, start=None, end=None, longstanding: bool | None = None):
    """"协助解决…老大难题N个": problems solved by consultation meetings, optionally in a period."""
    queryset = ProblemSolved.objects.all() if queryset is None else queryset
    if start:
        queryset = queryset.filter(solved_on__gte=start)
    if end:
        queryset = queryset.filter(solved_on__lte=end)
    if longstanding is not None:
        queryset = queryset.filter(longstanding=longstanding)
    return queryset


def proposal_counts_by_status(queryset) -> dict[str, int]:
    return dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))


def points_for(proposal):
    """The points ledger entries awarded for an adopted proposal (empty while the points area does not exist)."""
    try:
        from tongxin.activities.models import PointEntry
    except ImportError:
        return []
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Proposal)
    return list(PointEntry.objects.filter(source_type=content_type, source_id=proposal.pk).select_related("person"))


def proposals_of(person):
    """A person's own proposals, newest first, with their timeline (for the members' portal)."""
    return (Proposal.objects.filter(persons=person).prefetch_related("steps")
            .order_by("-submitted_on", "-id"))
