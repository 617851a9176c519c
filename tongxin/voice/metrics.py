"""proposals.*, research.*, consultation.meetings, arrangements.by_body and honors.count (shared/METRICS.md),
counted in the database.

- proposals.submitted: proposals submitted (提交日期) in the period; proposals.adopted: proposals whose adoption
  date is in the period (an implemented proposal was adopted first and keeps its adoption date). Both by channel.
- research.activities: research activities starting in the period; research.reports: reports completed in it
  (the region is the research's).
- consultation.meetings: consultation meetings held in the period, by kind.
- arrangements.by_body: seats held at the end of the period — arrangements with status 已安排 whose term has started
  on or before the last day and has not ended before it — by body ("9 名人大代表、5 名政协委员…"). A person with
  two seats counts in both bodies.
- honors.count: honours granted in the period, by level and kind (集体/个人), keys like "省级集体".
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from tongxin.people.search import prefix_q
from tongxin.reports import registry
from tongxin.voice.models import (
    ArrangementStatus,
    Body,
    ConsultationMeeting,
    Honour,
    HonourKind,
    Level,
    MeetingKind,
    PoliticalArrangement,
    Proposal,
    ProposalChannel,
    Research,
    ResearchReport,
)


def _in_region(queryset, field: str, prefix: str):
    return queryset.filter(prefix_q(field, prefix)) if prefix else queryset


def _between(field: str, date_from, date_to) -> Q:
    return Q(**{f"{field}__gte": date_from, f"{field}__lte": date_to})


def _by_choice(rows, field: str, choices) -> dict:
    counts = dict(rows.order_by().values(field).annotate(n=Count("id")).values_list(field, "n"))
    return {"total": sum(counts.values()), "by": {str(label): counts.get(code, 0) for code, label in choices}}


def _hooks(model_queryset, region_field: str, date_field: str):
    """by_region / by_month hooks of an "in period" count of `date_field`."""

    def by_region(prefix, date_from, date_to, child_length):
        rows = _in_region(model_queryset().filter(_between(date_field, date_from, date_to)), region_field, prefix)
        return registry.group_by_region(rows, region_field, child_length)

    def by_month(prefix, date_from, date_to):
        rows = _in_region(model_queryset(), region_field, prefix)
        return registry.monthly(rows, lambda s, e: _between(date_field, s, e), date_from, date_to)

    return by_region, by_month


# --- Proposals -------------------------------------------------------------------------------------------------


def submitted_records(prefix, date_from, date_to):
    return _in_region(Proposal.objects.filter(_between("submitted_on", date_from, date_to)), "region_id", prefix)


_submitted_region, _submitted_month = _hooks(lambda: Proposal.objects.all(), "region_id", "submitted_on")


@registry.register("proposals.submitted", "收集建议", unit="条", records=submitted_records, order=500,
                   by_region=_submitted_region, by_month=_submitted_month)
def proposals_submitted(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    return _by_choice(submitted_records(prefix, date_from, date_to), "channel", ProposalChannel.choices)


def adopted_records(prefix, date_from, date_to):
    return _in_region(Proposal.objects.filter(_between("adopted_on", date_from, date_to)), "region_id", prefix)


_adopted_region, _adopted_month = _hooks(lambda: Proposal.objects.all(), "region_id", "adopted_on")


@registry.register("proposals.adopted", "采纳建议", unit="条", records=adopted_records, order=501,
                   by_region=_adopted_region, by_month=_adopted_month)
def proposals_adopted(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    return _by_choice(adopted_records(prefix, date_from, date_to), "channel", ProposalChannel.choices)


# --- Research --------------------------------------------------------------------------------------------------


def research_records(prefix, date_from, date_to):
    return _in_region(Research.objects.filter(_between("started_on", date_from, date_to)), "region_id", prefix)


_research_region, _research_month = _hooks(lambda: Research.objects.all(), "region_id", "started_on")


@registry.register("research.activities", "调研活动", unit="次", records=research_records, order=510,
                   by_region=_research_region, by_month=_research_month)
def research_activities(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return research_records(prefix, date_from, date_to).count()


def report_records(prefix, date_from, date_to):
    return _in_region(ResearchReport.objects.filter(_between("completed_on", date_from, date_to)),
                      "research__region_id", prefix)


_report_region, _report_month = _hooks(lambda: ResearchReport.objects.all(), "research__region_id", "completed_on")


@registry.register("research.reports", "调研报告", unit="篇", records=report_records, order=511,
                   by_region=_report_region, by_month=_report_month)
def research_reports(prefix: str, date_from: datetime.date, date_to: datetime.date) -> int:
    return report_records(prefix, date_from, date_to).count()


# --- Consultation ----------------------------------------------------------------------------------------------


def meeting_records(prefix, date_from, date_to):
    return _in_region(ConsultationMeeting.objects.filter(_between("held_on", date_from, date_to)), "region_id",
                      prefix)


_meeting_region, _meeting_month = _hooks(lambda: ConsultationMeeting.objects.all(), "region_id", "held_on")


@registry.register("consultation.meetings", "协商议事", unit="场", records=meeting_records, order=520,
                   by_region=_meeting_region, by_month=_meeting_month)
def consultation_meetings(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    return _by_choice(meeting_records(prefix, date_from, date_to), "kind", MeetingKind.choices)


# --- Arrangements ----------------------------------------------------------------------------------------------


def _seated_q(day: datetime.date) -> Q:
    return (Q(status=ArrangementStatus.ARRANGED, starts_on__lte=day)
            & (Q(ends_on__isnull=True) | Q(ends_on__gte=day)))


def seats_records(prefix, date_from, date_to):
    return _in_region(PoliticalArrangement.objects.filter(_seated_q(date_to)), "region_id", prefix) \
        .select_related("person", "region")


def _seats_by_region(prefix, date_from, date_to, child_length):
    return registry.group_by_region(seats_records(prefix, date_from, date_to), "region_id", child_length)


def _seats_by_month(prefix, date_from, date_to):
    rows = _in_region(PoliticalArrangement.objects.filter(status=ArrangementStatus.ARRANGED), "region_id", prefix)
    return registry.monthly(rows, lambda s, e: _seated_q(e), date_from, date_to)


@registry.register("arrangements.by_body", "政治安排", unit="人", records=seats_records, order=530,
                   by_region=_seats_by_region, by_month=_seats_by_month)
def arrangements_by_body(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    return _by_choice(seats_records(prefix, date_from, date_to), "body", Body.choices)


# --- Honours ---------------------------------------------------------------------------------------------------


def honour_records(prefix, date_from, date_to):
    return _in_region(Honour.objects.filter(_between("granted_on", date_from, date_to)), "region_id", prefix)


_honour_region, _honour_month = _hooks(lambda: Honour.objects.all(), "region_id", "granted_on")


@registry.register("honors.count", "表彰", unit="项", records=honour_records, order=540,
                   by_region=_honour_region, by_month=_honour_month)
def honors_count(prefix: str, date_from: datetime.date, date_to: datetime.date) -> dict:
    rows = honour_records(prefix, date_from, date_to).order_by().values("level", "kind").annotate(n=Count("id"))
    counts = {(r["level"], r["kind"]): r["n"] for r in rows}
    by = {f"{level_label}{kind_label}": counts.get((level, kind), 0)
          for level, level_label in Level.choices for kind, kind_label in HonourKind.choices}
    return {"total": sum(counts.values()), "by": by}
