"""Reads of liaison work that are more than a filter: coverage gaps and reminders, last contacts, timelines.

Every function takes querysets already restricted to the user's scope (or a region prefix), so the scope stays
the caller's one decision.
"""

from __future__ import annotations

import datetime

from django.db.models import DateField, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from tongxin.liaison.models import ContactPerson, PairingMember
from tongxin.people.models import Person, Status


def _today() -> datetime.date:
    return timezone.localdate()


def last_contact_subquery(outer: str = "person", *, until: datetime.date | None = None):
    """The date of the last contact of the person `outer` points at (up to `until`), from the link index."""
    links = ContactPerson.objects.filter(person=OuterRef(outer))
    if until is not None:
        links = links.filter(contacted_on__lte=until)
    return Subquery(links.order_by().values("person").annotate(last=Max("contacted_on")).values("last")[:1],
                    output_field=DateField())


def active_representatives(persons):
    """Representatives in the registry now: flagged, in register, not erased."""
    return persons.filter(is_representative=True, status=Status.ACTIVE, is_erased=False)


def unpaired_representatives(persons, *, today: datetime.date | None = None):
    """Active representatives that no pairing in force includes today (whatever region the pairing belongs to)."""
    today = today or _today()
    paired = PairingMember.objects.active_on(today).filter(person=OuterRef("pk"))
    return active_representatives(persons).filter(~Exists(paired))


def members_with_due_dates(members, *, today: datetime.date | None = None):
    """Active pairing members annotated with `last_contact` and `due_since` (the later of the last contact and
    the day they joined), so `due_since + interval < today` means "not contacted within the interval"."""
    today = today or _today()
    return (members.active_on(today)
            .annotate(last_contact=last_contact_subquery("person", until=today))
            .annotate(due_since=Greatest(Coalesce("last_contact", "added_on"), "added_on",
                                         output_field=DateField())))


def overdue_members(members, *, today: datetime.date | None = None):
    """Pairing members with no contact inside their pairing's interval, most overdue first.

    The interval is per pairing; the few distinct intervals in use become one OR of date thresholds, which every
    database compares without date arithmetic on columns.
    """
    today = today or _today()
    rows = members_with_due_dates(members, today=today)
    intervals = set(members.active_on(today).values_list("pairing__contact_interval_days", flat=True).distinct())
    if not intervals:
        return rows.none()
    condition = Q()
    for days in intervals:
        condition |= Q(pairing__contact_interval_days=days, due_since__lt=today - datetime.timedelta(days=days))
    return rows.filter(condition).select_related("person", "pairing", "pairing__leader_user",
                                                 "pairing__leader_person").order_by("due_since", "id")


def open_follow_ups(contacts):
    return contacts.follow_ups_open().order_by("contacted_on", "id")


def contacts_of_person(person: Person, contacts):
    return contacts.filter(links__person=person).distinct()


def person_last_contacts(person_ids: list[int], *, until: datetime.date | None = None) -> dict[int, datetime.date]:
    rows = ContactPerson.objects.filter(person_id__in=person_ids)
    if until is not None:
        rows = rows.filter(contacted_on__lte=until)
    return dict(rows.order_by().values("person_id").annotate(last=Max("contacted_on")).values_list("person_id",
                                                                                                  "last"))


def pairing_members_table(pairing, *, today: datetime.date | None = None) -> list[dict]:
    """The members of a pairing (current first, then former) with their last contact and whether it is late."""
    today = today or _today()
    members = list(pairing.members.select_related("person", "person__employer").order_by(
        F("removed_on").desc(nulls_first=True), "person__name_pinyin", "id"))
    last = person_last_contacts([m.person_id for m in members], until=today)
    rows = []
    for member in members:
        current = member.removed_on is None and pairing.is_active(today)
        contact = last.get(member.person_id)
        since = max(contact or member.added_on, member.added_on)
        due = since + datetime.timedelta(days=pairing.contact_interval_days)
        rows.append({"member": member, "person": member.person, "current": current, "last_contact": contact,
                     "due": due if current else None, "overdue": current and due < today})
    return rows


def contacts_list_queryset(contacts):
    return contacts.select_related("by_user", "by_person", "region").prefetch_related("persons")


def count_coverage(persons, members, contacts, *, today: datetime.date | None = None) -> dict:
    """Head counts for the coverage page's tabs."""
    today = today or _today()
    return {
        "unpaired": unpaired_representatives(persons, today=today).count(),
        "overdue": overdue_members(members, today=today).count(),
        "follow_ups": open_follow_ups(contacts).count(),
    }


def recent_contacts(contacts, limit: int = 5):
    return contacts_list_queryset(contacts).order_by("-contacted_on", "-id")[:limit]
