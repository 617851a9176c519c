"""Sample records of the sites area, for the all-URLs scope test (see tongxin.core.scope_registry)."""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from tongxin.core import scope_registry
from tongxin.sites import services
from tongxin.sites.models import (
    Assessment,
    Criterion,
    CriterionResult,
    EvaluationScheme,
    EvaluationUnit,
    EvidenceLink,
    Indicator,
    IndicatorSource,
    InspectionRound,
    KeyTask,
    Milestone,
    ProgressReport,
    QuarterClose,
    Site,
    Standard,
    SupervisionNote,
    UnitScore,
)

D = datetime.date


def _standard() -> Standard:
    standard = Standard.objects.filter(code="scope-sample").first()
    if standard is None:
        standard = services.save_standard(standard=Standard(code="scope-sample", name="范围测试标准"),
                                          criteria=[{"name": "有组织", "weight": 10, "evidence_rule": "organization"},
                                                    {"name": "有成效", "weight": 10, "evidence_rule": "manual"}])
    return standard


def site(region_code: str, marker: str) -> Site:
    return services.save_site(site=Site(region_id=region_code, name=marker, kind="01", brand_name=marker,
                                        address=marker, recognition=marker, opened_on=D(2023, 1, 1), note=marker))


def inspection_round(region_code: str, marker: str) -> InspectionRound:
    return services.save_inspection_round(inspection=InspectionRound(
        region_id=region_code, name=marker, year=2025, standard=_standard(), started_on=D(2025, 6, 1),
        ended_on=D(2025, 6, 3), team=marker, note=marker))


def assessment(region_code: str, marker: str) -> Assessment:
    return services.create_assessment(standard=_standard(), site=site(region_code, marker),
                                      assessed_on=D(2025, 6, 1), assessors=marker, comments=marker)


def criterion_result(region_code: str, marker: str) -> CriterionResult:
    result = assessment(region_code, marker).results.order_by("id").last()
    return services.record_result(result=result, met=True, evidence_note=marker)


def evidence_link(region_code: str, marker: str) -> EvidenceLink:
    result = criterion_result(region_code, marker)
    sample = result.assessment.site
    return EvidenceLink.objects.create(result=result, content_type=ContentType.objects.get_for_model(Site),
                                       object_id=sample.pk, label=marker, url=sample.get_absolute_url())


def key_task(region_code: str, marker: str) -> KeyTask:
    return services.save_key_task(task=KeyTask(
        region_id=region_code, year=2025, title=marker, owner_unit=marker, responsible=marker[:100],
        quality_standard=marker, started_on=D(2025, 1, 1), deadline=D(2025, 12, 31), note=marker))


def milestone(region_code: str, marker: str) -> Milestone:
    return services.add_milestone(task=key_task(region_code, marker), title=marker, due_on=D(2025, 6, 30))


def progress_report(region_code: str, marker: str) -> ProgressReport:
    return services.add_progress_report(task=key_task(region_code, marker), month=D(2025, 3, 1), progress=30,
                                        done=marker, problems=marker)


def quarter_close(region_code: str, marker: str) -> QuarterClose:
    return services.close_quarter(task=key_task(region_code, marker), year=2025, quarter=1, summary=marker,
                                  closed_on=D(2025, 4, 2))


def supervision_note(region_code: str, marker: str) -> SupervisionNote:
    return services.add_supervision_note(task=key_task(region_code, marker), text=marker, noted_on=D(2025, 5, 1))


def scheme(region_code: str, marker: str) -> EvaluationScheme:
    return services.save_scheme(scheme=EvaluationScheme(region_id=region_code, name=marker, year=2025,
                                                        description=marker))


def indicator(region_code: str, marker: str) -> Indicator:
    return services.save_indicator(indicator=Indicator(scheme=scheme(region_code, marker), name=marker,
                                                       source=IndicatorSource.MANUAL, description=marker))


def evaluation_unit(region_code: str, marker: str) -> EvaluationUnit:
    unit = EvaluationUnit.objects.create(scheme=scheme(region_code, marker), unit_region_id=region_code,
                                         name=marker)
    return unit


def unit_score(region_code: str, marker: str) -> UnitScore:
    unit = evaluation_unit(region_code, marker)
    item = services.save_indicator(indicator=Indicator(scheme=unit.scheme, name=marker, weight=Decimal("10"),
                                                       source=IndicatorSource.MANUAL))
    return services.score_by_hand(unit=unit, indicator=item, score=Decimal("5"), evidence=marker)


scope_registry.register_sample(Site, site)
scope_registry.register_sample(InspectionRound, inspection_round)
scope_registry.register_sample(Assessment, assessment)
scope_registry.register_sample(CriterionResult, criterion_result)
scope_registry.register_sample(EvidenceLink, evidence_link)
scope_registry.register_sample(KeyTask, key_task)
scope_registry.register_sample(Milestone, milestone)
scope_registry.register_sample(ProgressReport, progress_report)
scope_registry.register_sample(QuarterClose, quarter_close)
scope_registry.register_sample(SupervisionNote, supervision_note)
scope_registry.register_sample(EvaluationScheme, scheme)
scope_registry.register_sample(Indicator, indicator)
scope_registry.register_sample(EvaluationUnit, evaluation_unit)
scope_registry.register_sample(UnitScore, unit_score)
scope_registry.register_global(Standard, "评价标准（十有、七有等）是各地共用的清单，不含任何记录")
scope_registry.register_global(Criterion, "评价标准的指标是各地共用的清单，不含任何记录")
