"""Sample records of voice and arrangements, for the all-URLs scope test (see tongxin.core.scope_registry)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from tongxin.core import scope_registry
from tongxin.people.models import Person
from tongxin.voice import services
from tongxin.voice.models import (
    ConsultationMeeting,
    Honour,
    PoliticalArrangement,
    ProblemSolved,
    Proposal,
    ProposalGram,
    ProposalStep,
    Research,
    ResearchReport,
)

D = datetime.date


def _person(region_code: str, name: str) -> Person:
    from tongxin.people import services as people

    return people.save_person(Person(region_id=region_code, name=name, category="1", is_representative=True,
                                     representative_level="county", job_title=name, note=name))


def research(region_code: str, marker: str) -> Research:
    return services.save_research(Research(topic=marker, region_id=region_code, started_on=D(2025, 3, 1),
                                           places=marker, summary=marker), team=[_person(region_code, marker)])


def report(region_code: str, marker: str) -> ResearchReport:
    return services.save_report(
        ResearchReport(research=research(region_code, marker), title=marker, summary=marker,
                       completed_on=D(2025, 4, 1)),
        document=SimpleUploadedFile(f"{marker}.pdf", f"%PDF-1.4 {marker}".encode()))


def meeting(region_code: str, marker: str) -> ConsultationMeeting:
    return services.save_meeting(ConsultationMeeting(title=marker, region_id=region_code, held_on=D(2025, 5, 1),
                                                     place=marker, host=marker, issues=marker, summary=marker),
                                 participants=[_person(region_code, marker)])


def problem(region_code: str, marker: str) -> ProblemSolved:
    return services.save_problem(ProblemSolved(meeting=meeting(region_code, marker), title=marker,
                                               description=marker, solved_on=D(2025, 6, 1), longstanding=True))


def proposal(region_code: str, marker: str) -> Proposal:
    return services.submit_proposal(title=marker, content=f"{marker} 关于优化营商环境的建议", topic="business",
                                    channel="proposal", persons=[_person(region_code, marker)],
                                    region=region_code, by=None, submitted_on=D(2025, 1, 10))


def proposal_step(region_code: str, marker: str) -> ProposalStep:
    sample = proposal(region_code, marker)
    return services.transition_proposal(sample, "under_review", by=None, on=D(2025, 1, 20), note=marker)


def proposal_gram(region_code: str, marker: str) -> ProposalGram:
    return proposal(region_code, marker).grams.first()


def arrangement(region_code: str, marker: str) -> PoliticalArrangement:
    return services.save_arrangement(PoliticalArrangement(
        person=_person(region_code, marker), body="npc", level="county", term=marker, status="arranged",
        recommended_on=D(2021, 10, 1), recommended_by=marker, starts_on=D(2022, 1, 1), ends_on=D(2026, 12, 31),
        note=marker))


def honour(region_code: str, marker: str) -> Honour:
    return services.save_honour(
        Honour(title=marker, kind="person", person=_person(region_code, marker), level="city", granted_by=marker,
               granted_on=D(2024, 5, 1), note=marker),
        certificate=SimpleUploadedFile(f"{marker}.pdf", f"%PDF-1.4 {marker}".encode()))


scope_registry.register_sample(Proposal, proposal)
scope_registry.register_sample(ProposalStep, proposal_step)
scope_registry.register_sample(ProposalGram, proposal_gram)
scope_registry.register_sample(Research, research)
scope_registry.register_sample(ResearchReport, report)
scope_registry.register_sample(ConsultationMeeting, meeting)
scope_registry.register_sample(ProblemSolved, problem)
scope_registry.register_sample(PoliticalArrangement, arrangement)
scope_registry.register_sample(Honour, honour)
