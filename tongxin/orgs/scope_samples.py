"""Sample records of the organising area's models, for the all-URLs scope test (see tongxin.core.scope_registry)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from tongxin.core import scope_registry
from tongxin.core.models import Region
from tongxin.orgs import services
from tongxin.orgs.models import (
    Association,
    CouncilTerm,
    FundEntry,
    FundKind,
    LiaisonPost,
    Membership,
    OfficerRole,
    OfficerTerm,
    PostKind,
    PostUnit,
    Rule,
    Team,
    TeamKind,
)
from tongxin.people import scope_samples as people_samples

D = datetime.date


def _pdf(marker: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{marker}.pdf", f"%PDF-1.4\n% {marker}\n".encode())


def association(region_code: str, marker: str) -> Association:
    return services.save_association(Association(
        region_id=region_code, name=marker, kind="01", level="county", founded_on=D(2019, 5, 1),
        supervising_department=marker, contact_person=marker[:50], address=marker, note=marker))


def membership(region_code: str, marker: str) -> Membership:
    created, _skipped = services.add_members(association=association(region_code, marker),
                                             persons=[people_samples.person(region_code, marker)],
                                             joined_on=D(2020, 1, 1), note=marker)
    return created[0]


def officer_term(region_code: str, marker: str) -> OfficerTerm:
    return services.save_officer_term(OfficerTerm(
        association=association(region_code, marker), person=people_samples.person(region_code, marker),
        role=OfficerRole.VICE_PRESIDENT, started_on=D(2021, 3, 1), note=marker))


def council_term(region_code: str, marker: str) -> CouncilTerm:
    """Overdue on purpose, so the overdue lists of another county must not show it."""
    return services.save_council_term(CouncilTerm(
        association=association(region_code, marker), number=1, started_on=D(2019, 5, 1), due_on=D(2024, 5, 1),
        note=marker))


def rule(region_code: str, marker: str) -> Rule:
    return services.save_rule(Rule(association=association(region_code, marker), title=marker,
                                   effective_from=D(2020, 1, 1), note=marker), document=_pdf(marker))


def fund_entry(region_code: str, marker: str) -> FundEntry:
    return services.add_fund_entry(association=association(region_code, marker), kind=FundKind.ALLOCATION,
                                   amount="1234.56", date=D(2024, 1, 1), source_department=marker,
                                   activity_ref=marker, note=marker, attachment=_pdf(marker))


def liaison_post(region_code: str, marker: str) -> LiaisonPost:
    township = Region.objects.filter(parent_id=region_code, level=4).order_by("code").first()
    return services.save_liaison_post(LiaisonPost(
        kind=PostKind.COMMITTEE_MEMBER, unit_type=PostUnit.TOWNSHIP, region_id=township.code, unit_name=marker,
        holder_name=marker[:50], holder_title=marker, since=D(2022, 1, 1), note=marker))


def team(region_code: str, marker: str) -> Team:
    leader = people_samples.person(region_code, marker)
    return services.save_team(Team(name=marker, kind=TeamKind.PIONEER, region_id=region_code, leader=leader,
                                   purpose=marker, founded_on=D(2021, 1, 1), note=marker), members=[leader])


scope_registry.register_sample(Association, association)
scope_registry.register_sample(Membership, membership)
scope_registry.register_sample(OfficerTerm, officer_term)
scope_registry.register_sample(CouncilTerm, council_term)
scope_registry.register_sample(Rule, rule)
scope_registry.register_sample(FundEntry, fund_entry)
scope_registry.register_sample(LiaisonPost, liaison_post)
scope_registry.register_sample(Team, team)
