"""Sample records of liaison work, for the all-URLs scope test (see tongxin.core.scope_registry)."""

import datetime

from tongxin.core import scope_registry
from tongxin.core.models import User
from tongxin.liaison import services
from tongxin.liaison.models import (
    Case,
    CaseCategory,
    CaseNote,
    Contact,
    ContactPerson,
    Pairing,
    PairingMember,
    RaiserKind,
)
from tongxin.people.models import Person

_counter = {"n": 0}


def _person(region_code: str, name: str) -> Person:
    from tongxin.people import services as people

    return people.save_person(Person(region_id=region_code, name=name, category="1", is_representative=True,
                                     representative_level="county", job_title=name, note=name))


def _leader(region_code: str, marker: str) -> User:
    _counter["n"] += 1
    return User.objects.create_user(username=f"{marker.lower()}-leader{_counter['n']}", password=None,
                                    display_name=f"{marker}领导", title=marker, scope_region_id=region_code)


def pairing(region_code: str, marker: str) -> Pairing:
    return services.save_pairing(
        pairing=Pairing(leader_user=_leader(region_code, marker), leader_title=marker, region_id=region_code,
                        started_on=datetime.date(2024, 1, 1), note=marker),
        persons=[_person(region_code, f"{marker}人士")])


def pairing_member(region_code: str, marker: str) -> PairingMember:
    return pairing(region_code, marker).members.get()


def contact(region_code: str, marker: str) -> Contact:
    return services.save_contact(
        contact=Contact(by_user=_leader(region_code, marker), contacted_on=datetime.date(2025, 3, 1), channel="face",
                        topic=marker, content=marker, follow_up_needed=True, follow_up_note=marker),
        persons=[_person(region_code, f"{marker}人士")])


def contact_person(region_code: str, marker: str) -> ContactPerson:
    return contact(region_code, marker).links.get()


def case(region_code: str, marker: str) -> Case:
    return services.save_case(case=Case(
        title=marker, category=CaseCategory.SITE, description=marker, raiser_kind=RaiserKind.PERSON,
        raised_by_person=_person(region_code, f"{marker}人士"), taken_by=_leader(region_code, marker),
        opened_on=datetime.date(2025, 1, 1), deadline=datetime.date(2025, 2, 1)))


def case_note(region_code: str, marker: str) -> CaseNote:
    return services.add_case_note(case=case(region_code, marker), text=marker,
                                  noted_on=datetime.date(2025, 1, 5))


scope_registry.register_sample(Pairing, pairing)
scope_registry.register_sample(PairingMember, pairing_member)
scope_registry.register_sample(Contact, contact)
scope_registry.register_sample(ContactPerson, contact_person)
scope_registry.register_sample(Case, case)
scope_registry.register_sample(CaseNote, case_note)
