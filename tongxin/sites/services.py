"""Business rules of sites, standards, assessments, inspections, key tasks and evaluation schemes.

Plain functions with explicit arguments; each runs in a transaction and raises ValidationError with Chinese
messages naming the field.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.models import Region
from tongxin.sites import selectors
from tongxin.sites.models import (
    Assessment,
    Criterion,
    CriterionResult,
    EvaluationScheme,
    EvaluationUnit,
    EvidenceLink,
    EvidenceRule,
    Grade,
    Indicator,
    IndicatorSource,
    InspectionRound,
    KeyTask,
    Milestone,
    ProgressReport,
    QuarterClose,
    Scoring,
    Site,
    Standard,
    SubjectKind,
    SupervisionNote,
    UnitKind,
    UnitScore,
    unit_fits,
    unit_kind_of,
)

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def _q(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _validate(obj) -> None:
    obj.full_clean()


# --- Sites -----------------------------------------------------------------------------------------------------


@transaction.atomic
def save_site(*, site: Site, associations=None, teams=None, user=None) -> Site:
    if site.pk is None and user is not None and getattr(user, "is_authenticated", False):
        site.created_by = user
    _validate(site)
    for label, rows in (("associations", associations), ("teams", teams)):
        for row in rows or []:
            if not row.region_id.startswith(site.region_id[:6]):
                raise ValidationError({label: _("入驻的组织和队伍须与阵地在同一县（市、区）内：%(v0)s") % {"v0": row}})
    site.save()
    if associations is not None:
        site.associations.set(associations)
    if teams is not None:
        site.teams.set(teams)
    return site


# --- Standards -------------------------------------------------------------------------------------------------


def standard_in_use(standard: Standard) -> bool:
    return standard.assessments.exists() or standard.rounds.exists()


@transaction.atomic
def save_standard(*, standard: Standard, criteria: list[dict] | None = None, user=None) -> Standard:
    """Create a standard, or change one. A version already used by an assessment or an inspection is kept as it
    was: the change becomes the next version (the current one from then on).

    `criteria` are dicts of Criterion fields (name, description, weight, evidence, evidence_rule,
    stated_in_source); None keeps the criteria as they are."""
    if criteria is not None:
        if not criteria:
            raise ValidationError({"criteria": _("评价标准至少要有一项指标")})
        for index, row in enumerate(criteria, start=1):
            if not (row.get("name") or "").strip():
                raise ValidationError({"criteria": _("第%(n)s项指标没有填写名称") % {"n": index}})
            if Decimal(row.get("weight") or 0) < 0:
                raise ValidationError({"criteria": _("第%(n)s项指标“%(name)s”的分值不能为负数")
                                      % {"n": index, "name": row["name"]}})
            if row.get("evidence_rule", EvidenceRule.MANUAL) not in EvidenceRule.values:
                raise ValidationError({"criteria": _("第%(n)s项指标的平台核验方式不正确") % {"n": index}})
    if standard.pk is None:
        if Standard.objects.filter(code=standard.code).exists():
            raise ValidationError({"code": _("标准代码“%(v0)s”已被使用") % {"v0": standard.code}})
        standard.version = 1
        standard.is_current = True
        if user is not None and getattr(user, "is_authenticated", False):
            standard.created_by = user
        _validate(standard)
        standard.save()
        _replace_criteria(standard, criteria or [])
        return standard
    original = Standard.objects.select_for_update().get(pk=standard.pk)
    if not standard_in_use(original):
        _validate(standard)
        standard.save()
        if criteria is not None:
            _replace_criteria(standard, criteria)
        return standard
    old_criteria = [_criterion_dict(c) for c in original.criteria.all()]
    latest = Standard.objects.filter(code=original.code).aggregate(v=Max("version"))["v"] or original.version
    Standard.objects.filter(code=original.code, is_current=True).update(is_current=False)
    new = Standard(code=original.code, version=latest + 1, is_current=True, name=standard.name,
                   source=standard.source, description=standard.description, pass_score=standard.pass_score,
                   all_required=standard.all_required,
                   created_by=user if user is not None and getattr(user, "is_authenticated", False) else None)
    _validate(new)
    new.save()
    _replace_criteria(new, criteria if criteria is not None else old_criteria)
    return new


def _criterion_dict(criterion: Criterion) -> dict:
    return {"name": criterion.name, "description": criterion.description, "weight": criterion.weight,
            "evidence": criterion.evidence, "evidence_rule": criterion.evidence_rule,
            "stated_in_source": criterion.stated_in_source}


def _replace_criteria(standard: Standard, criteria: list[dict]) -> None:
    standard.criteria.all().delete()
    for order, row in enumerate(criteria, start=1):
        criterion = Criterion(standard=standard, order=order, name=row["name"].strip(),
                              description=row.get("description", ""), weight=Decimal(row.get("weight") or 0),
                              evidence=row.get("evidence", ""),
                              evidence_rule=row.get("evidence_rule") or EvidenceRule.MANUAL,
                              stated_in_source=row.get("stated_in_source", True))
        criterion.full_clean(exclude=["standard"])
        criterion.save()


# --- Assessments -----------------------------------------------------------------------------------------------


def _subject_region(*, subject_kind, site, association, region) -> str:
    if subject_kind == SubjectKind.SITE:
        if site is None:
            raise ValidationError({"site": _("请选择要评估的阵地")})
        return site.region_id
    if subject_kind == SubjectKind.ASSOCIATION:
        if association is None:
            raise ValidationError({"association": _("请选择要评估的联谊组织")})
        return association.region_id
    if region is None:
        raise ValidationError({"region": _("请选择要评估工作的区划")})
    return region.code if isinstance(region, Region) else region


@transaction.atomic
def create_assessment(*, standard: Standard, subject_kind: str = SubjectKind.SITE, site: Site | None = None,
                      association=None, region=None, assessed_on: datetime.date | None = None,
                      inspection: InspectionRound | None = None, assessors: str = "", comments: str = "",
                      user=None, prefill: bool = True) -> Assessment:
    """An assessment with one result per criterion of the standard; what the records prove is pre-filled."""
    if not standard.criteria.exists():
        raise ValidationError({"standard": _("该评价标准没有指标")})
    if inspection is not None and inspection.standard_id != standard.pk:
        raise ValidationError({"standard": _("现场检查中的评估须使用该次检查的评价标准（%(v0)s）") % {"v0": inspection.standard}})
    region_code = _subject_region(subject_kind=subject_kind, site=site, association=association, region=region)
    assessment = Assessment(
        subject_kind=subject_kind, site=site if subject_kind == SubjectKind.SITE else None,
        association=association if subject_kind == SubjectKind.ASSOCIATION else None, region_id=region_code,
        standard=standard, inspection=inspection, assessed_on=assessed_on or timezone.localdate(),
        assessors=assessors, comments=comments,
        created_by=user if user is not None and getattr(user, "is_authenticated", False) else None)
    if inspection is not None and not region_code.startswith(inspection.region_id):
        raise ValidationError({"inspection": _("评估对象不在该次现场检查的区划范围内")})
    if subject_kind == SubjectKind.SITE and inspection is not None and \
            inspection.assessments.filter(site=site).exists():
        raise ValidationError({"site": _("该阵地在本次现场检查中已有评估")})
    _validate(assessment)
    assessment.save()
    CriterionResult.objects.bulk_create([CriterionResult(assessment=assessment, criterion=c)
                                         for c in standard.criteria.all()])
    if prefill:
        prefill_assessment(assessment)
    else:
        recompute(assessment)
    return assessment


@transaction.atomic
def prefill_assessment(assessment: Assessment) -> int:
    """Fill every criterion the platform can check from records and that nobody has decided by hand; returns how
    many criteria the records prove. The evidence links are replaced by the current records."""
    proven = 0
    results = assessment.results.select_related("criterion")
    for result in results:
        rule = result.criterion.evidence_rule
        if rule == EvidenceRule.MANUAL or (result.met is not None and not result.prefilled):
            continue
        evidence = selectors.evidence_for(rule, assessment)
        result.links.all().delete()
        if evidence.met is None:
            result.met, result.score, result.prefilled = None, None, False
            result.evidence_note = evidence.note
        else:
            result.met = evidence.met
            result.score = result.criterion.weight if evidence.met else Decimal("0")
            result.prefilled = True
            result.evidence_note = evidence.note
            proven += int(evidence.met)
        result.save()
        EvidenceLink.objects.bulk_create([
            EvidenceLink(result=result, content_type=ContentType.objects.get_for_model(item), object_id=item.pk,
                         label=str(item)[:300],
                         url=item.get_absolute_url() if hasattr(item, "get_absolute_url") else "")
            for item in evidence.items])
    recompute(assessment)
    return proven


@transaction.atomic
def record_result(*, result: CriterionResult, met: bool | None, score: Decimal | None = None,
                  evidence_note: str = "", user=None) -> CriterionResult:
    """A criterion decided by hand (an inspector's judgement): it is no longer overwritten by pre-filling."""
    weight = result.criterion.weight
    if score is None and met is not None:
        score = weight if met else Decimal("0")
    if score is not None and (score < 0 or score > weight):
        raise ValidationError({"score": _("“%(v0)s”的得分须在 0 到 %(v1)s 之间") % {"v0": result.criterion.name, "v1": weight}})
    result.met = met
    result.score = score
    result.prefilled = False
    result.evidence_note = evidence_note
    result.save()
    recompute(result.assessment)
    return result


# What each criterion of an assessment stands on, for the "what is proven / what is missing" summary.
PROVEN, JUDGED_MET, FILES, FAILED, MISSING = "proven", "met", "files", "failed", "missing"


def evidence_files(results) -> dict[int, list]:
    """The evidence files and photos of each criterion result, by result id (one query)."""
    from tongxin.core.models import Attachment

    ids = [r.pk for r in results]
    files: dict[int, list] = {pk: [] for pk in ids}
    if not ids:
        return files
    rows = Attachment.objects.filter(content_type=ContentType.objects.get_for_model(CriterionResult),
                                     object_id__in=ids).order_by("uploaded_at", "id")
    for row in rows:
        files[row.object_id].append(row)
    return files


def evidence_status(result: CriterionResult, file_count: int) -> str:
    """proven (the records prove it), met (judged met by an assessor), files (evidence files uploaded under a rule
    that accepts them, waiting for an assessor's judgement), failed, or missing (nothing yet).

    Files count where the criterion's rule takes materials (人工评定, 有阵地): an undecided criterion, or one the
    records did not show, with files is evidenced — not missing — though only an assessor's judgement scores it."""
    if result.met is True:
        return PROVEN if result.prefilled else JUDGED_MET
    has_files = file_count > 0 and result.criterion.accepts_files
    if has_files and (result.met is None or result.prefilled):
        return FILES
    return FAILED if result.met is False else MISSING


def evidence_summary(assessment: Assessment, results=None, files=None) -> dict:
    """Per criterion its status and files, and the counts the assessment page and the API show."""
    results = list(results if results is not None
                   else assessment.results.select_related("criterion"))
    files = files if files is not None else evidence_files(results)
    status = {r.pk: evidence_status(r, len(files.get(r.pk, []))) for r in results}
    return {
        "status": status,
        "files": files,
        "proven": sum(1 for v in status.values() if v == PROVEN),
        "met": sum(1 for r in results if r.met is True),
        "with_files": [r for r in results if status[r.pk] == FILES],
        "failed": [r for r in results if status[r.pk] == FAILED],
        "missing": [r for r in results if status[r.pk] == MISSING],
    }


def grade_for(percent: Decimal, *, passed: bool) -> str:
    if not passed:
        return Grade.FAIL
    if percent >= 90:
        return Grade.EXCELLENT
    if percent >= 80:
        return Grade.GOOD
    return Grade.PASS


def recompute(assessment: Assessment) -> Assessment:
    """Score as a percentage of the standard's total weight; pass by the standard's rule; grade by score."""
    standard = assessment.standard
    results = list(assessment.results.select_related("criterion"))
    total_weight = sum((r.criterion.weight for r in results), Decimal("0"))
    earned = sum((r.score or Decimal("0") for r in results), Decimal("0"))
    percent = _q(earned * HUNDRED / total_weight) if total_weight else Decimal("0")
    passed = percent >= standard.pass_score
    if standard.all_required and any(r.met is not True for r in results):
        passed = False
    assessment.score = percent
    assessment.passed = passed
    assessment.grade = grade_for(percent, passed=passed)
    Assessment.objects.filter(pk=assessment.pk).update(score=percent, passed=passed, grade=assessment.grade)
    return assessment


@transaction.atomic
def save_inspection_round(*, inspection: InspectionRound, user=None) -> InspectionRound:
    if inspection.pk is not None:
        original = InspectionRound.objects.get(pk=inspection.pk)
        if original.standard_id != inspection.standard_id and original.assessments.exists():
            raise ValidationError({"standard": _("已有评估的现场检查不能更换评价标准")})
    _validate(inspection)
    inspection.save()
    return inspection


@transaction.atomic
def assess_sites_in_round(*, inspection: InspectionRound, sites, assessed_on=None, user=None) -> list[Assessment]:
    """One pre-filled assessment per site not yet assessed in the round."""
    done = set(inspection.assessments.values_list("site_id", flat=True))
    created = []
    for site in sites:
        if site.pk in done:
            continue
        created.append(create_assessment(standard=inspection.standard, site=site, inspection=inspection,
                                         assessed_on=assessed_on or inspection.started_on,
                                         assessors=inspection.team, user=user))
    return created


# --- Key tasks -------------------------------------------------------------------------------------------------


@transaction.atomic
def save_key_task(*, task: KeyTask, user=None) -> KeyTask:
    if task.completed_on is not None:
        task.progress = 100
    elif task.progress >= 100:
        raise ValidationError({"completed_on": _("进度为100%时请填写完成日期")})
    if not task.number:
        task.number = (KeyTask.objects.filter(region_id=task.region_id, year=task.year)
                       .aggregate(n=Max("number"))["n"] or 0) + 1
    _validate(task)
    task.save()
    return task


def _first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


@transaction.atomic
def add_progress_report(*, task: KeyTask, month: datetime.date, progress: int, done: str, problems: str = "",
                        next_steps: str = "", user=None) -> ProgressReport:
    """月结: one report per task and month (a second one for the month replaces it). The task's progress follows the
    latest month reported; 100% completes the task on the month's report date."""
    month = _first_of_month(month)
    if month > _first_of_month(timezone.localdate()):
        raise ValidationError({"month": _("不能填报以后月份的月结")})
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": _("累计进度须在 0 到 100 之间")})
    if not done.strip():
        raise ValidationError({"done": _("请填写本月完成情况")})
    report, _created = ProgressReport.objects.update_or_create(
        task=task, month=month, defaults={"progress": progress, "done": done, "problems": problems,
                                          "next_steps": next_steps,
                                          "reported_by": user if getattr(user, "is_authenticated", False) else None})
    latest = task.reports.order_by("-month").first()
    task.progress = latest.progress
    if task.progress >= 100 and task.completed_on is None:
        task.completed_on = min(timezone.localdate(), _month_end(latest.month))
    task.save()
    return report


def _month_end(month: datetime.date) -> datetime.date:
    following = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


@transaction.atomic
def close_quarter(*, task: KeyTask, year: int, quarter: int, summary: str, cleared: bool = True,
                  carried_over: str = "", closed_on: datetime.date | None = None, user=None) -> QuarterClose:
    """季清: a quarter can be closed once it has ended, once per task."""
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("季度须为 1 到 4")})
    closed_on = closed_on or timezone.localdate()
    quarter_end = _month_end(datetime.date(year, quarter * 3, 1))
    if closed_on < quarter_end:
        raise ValidationError({"quarter": _("%(v0)s年第%(v1)s季度尚未结束，不能季清") % {"v0": year, "v1": quarter}})
    if not summary.strip():
        raise ValidationError({"summary": _("请填写季度小结")})
    if not cleared and not carried_over.strip():
        raise ValidationError({"carried_over": _("本季任务未清时请填写结转事项")})
    if QuarterClose.objects.filter(task=task, year=year, quarter=quarter).exists():
        raise ValidationError({"quarter": _("%(v0)s年第%(v1)s季度已季清") % {"v0": year, "v1": quarter}})
    return QuarterClose.objects.create(task=task, year=year, quarter=quarter, summary=summary, cleared=cleared,
                                       carried_over=carried_over, closed_on=closed_on,
                                       closed_by=user if getattr(user, "is_authenticated", False) else None)


@transaction.atomic
def add_supervision_note(*, task: KeyTask, text: str, noted_on: datetime.date | None = None,
                         user=None) -> SupervisionNote:
    if not text.strip():
        raise ValidationError({"text": _("请填写督办意见")})
    return SupervisionNote.objects.create(task=task, text=text, noted_on=noted_on or timezone.localdate(),
                                          author=user if getattr(user, "is_authenticated", False) else None)


@transaction.atomic
def answer_supervision(*, note: SupervisionNote, answer: str, answered_on: datetime.date | None = None,
                       user=None) -> SupervisionNote:
    if not answer.strip():
        raise ValidationError({"answer": _("请填写落实情况")})
    note.answer = answer
    note.answered_on = answered_on or timezone.localdate()
    if note.answered_on < note.noted_on:
        raise ValidationError({"answered_on": _("办结日期不能早于督办日期")})
    note.save()
    return note


@transaction.atomic
def add_milestone(*, task: KeyTask, title: str, due_on: datetime.date, done_on=None, user=None) -> Milestone:
    if not title.strip():
        raise ValidationError({"title": _("请填写节点名称")})
    if due_on > task.deadline:
        raise ValidationError({"due_on": _("节点的计划完成日期不能晚于任务完成时限")})
    return Milestone.objects.create(task=task, title=title, due_on=due_on, done_on=done_on)


@transaction.atomic
def complete_milestone(*, milestone: Milestone, done_on: datetime.date | None = None, user=None) -> Milestone:
    milestone.done_on = done_on or timezone.localdate()
    milestone.save()
    return milestone


# --- Evaluation schemes ----------------------------------------------------------------------------------------


def unit_error(*, kind: str, region) -> str | None:
    """Why `region` cannot be a unit of a scheme evaluating `kind` (a Chinese sentence naming it), or None."""
    if unit_fits(kind, region):
        return None
    label = UnitKind(kind).label
    if unit_kind_of(region) == UnitKind.PARK:
        return _("“%(unit)s”是园区，不能作为“%(kind)s”的评价对象；要同时评价县（市、区）和园区，请将评价对象改为"
                 "“县（市、区）和园区”") % {"unit": region, "kind": label}
    if kind == UnitKind.PARK:
        return _("“%(unit)s”不是园区（开发区、高新区等功能区），不能作为“园区”的评价对象") % {"unit": region}
    return _("“%(unit)s”不是%(kind)s，不能作为“%(kind)s”的评价对象") % {"unit": region, "kind": label}


def unit_candidates(scheme: EvaluationScheme) -> list[Region]:
    """The regions a scheme may evaluate: the active regions directly under its region that fit its unit kind —
    ordinary townships or counties, parks (functional zones by code or name), or counties and parks together."""
    children = Region.objects.filter(parent_id=scheme.region_id, is_active=True).order_by("code")
    return [region for region in children if unit_fits(scheme.unit_kind, region)]


@transaction.atomic
def save_scheme(*, scheme: EvaluationScheme, user=None) -> EvaluationScheme:
    _validate(scheme)
    if scheme.pk is not None:
        for unit in EvaluationUnit.objects.filter(scheme_id=scheme.pk).select_related("unit_region"):
            problem = unit_error(kind=scheme.unit_kind, region=unit.unit_region)
            if problem:
                raise ValidationError({"unit_kind": _("已选的评价对象与新的评价对象类型不符：%(v0)s。请先调整评价对象")
                                       % {"v0": problem}})
    scheme.save()
    return scheme


@transaction.atomic
def save_indicator(*, indicator: Indicator, user=None) -> Indicator:
    from tongxin.reports import registry

    if indicator.source == IndicatorSource.METRIC:
        if not registry.exists(indicator.metric_key):
            raise ValidationError({"metric_key": _("统计指标“%(v0)s”不存在") % {"v0": indicator.metric_key}})
        if indicator.per_metric_key and not registry.exists(indicator.per_metric_key):
            raise ValidationError({"per_metric_key": _("统计指标“%(v0)s”不存在") % {"v0": indicator.per_metric_key}})
        if indicator.scoring == Scoring.TARGET and not indicator.target:
            raise ValidationError({"target": _("按目标值计分时请填写目标值")})
    else:
        indicator.metric_key = indicator.per_metric_key = ""
    if not indicator.order:
        indicator.order = (indicator.scheme.indicators.aggregate(n=Max("order"))["n"] or 0) + 1
    _validate(indicator)
    indicator.save()
    return indicator


@transaction.atomic
def set_units(*, scheme: EvaluationScheme, regions, user=None) -> list[EvaluationUnit]:
    """The units evaluated: regions inside the scheme's region that fit its unit kind (a park only where parks
    are evaluated), none inside another. Units removed lose their scores."""
    regions = list(regions)
    codes = []
    for region in regions:
        if not region.code.startswith(scheme.region_id) or region.code == scheme.region_id:
            raise ValidationError({"units": _("“%(v0)s”不在评价办法的区划（%(v1)s）内") % {"v0": region, "v1": scheme.region}})
        problem = unit_error(kind=scheme.unit_kind, region=region)
        if problem:
            raise ValidationError({"units": problem})
        codes.append(region.code)
    for region in regions:
        outer = next((other for other in regions if other.code != region.code
                      and region.code.startswith(other.code)), None)
        if outer is not None:
            raise ValidationError({"units": _("“%(v0)s”在“%(v1)s”之内，二者不能同时作为评价对象（数据会重复计算）")
                                   % {"v0": region, "v1": outer}})
    scheme.units.exclude(unit_region_id__in=codes).delete()
    existing = set(scheme.units.values_list("unit_region_id", flat=True))
    EvaluationUnit.objects.bulk_create([EvaluationUnit(scheme=scheme, unit_region_id=code)
                                        for code in codes if code not in existing])
    return list(scheme.units.all())


def _metric_total(key: str, prefix: str, date_from, date_to) -> Decimal:
    from tongxin.reports import registry

    value = registry.total_of(registry.get(key).compute(prefix, date_from, date_to))
    return Decimal(str(value or 0))


@transaction.atomic
def compute_scheme(*, scheme: EvaluationScheme, user=None) -> EvaluationScheme:
    """Compute every metric indicator for every unit over the scheme's year, score them, total and rank the units.
    Hand-entered scores are kept."""
    units = list(scheme.units.select_related("unit_region"))
    date_from, date_to = scheme.date_from, scheme.date_to
    for indicator in scheme.indicators.filter(source=IndicatorSource.METRIC):
        values = {}
        details = {}
        for unit in units:
            prefix = unit.unit_region_id
            raw = _metric_total(indicator.metric_key, prefix, date_from, date_to)
            detail = {"metric": indicator.metric_key, "raw": str(raw)}
            value = raw
            if indicator.per_metric_key:
                denominator = _metric_total(indicator.per_metric_key, prefix, date_from, date_to)
                detail.update({"per_metric": indicator.per_metric_key, "denominator": str(denominator),
                               "per_unit": indicator.per_unit})
                value = (raw * indicator.per_unit / denominator) if denominator else Decimal("0")
            values[unit.pk] = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            details[unit.pk] = detail
        best = max(values.values(), default=Decimal("0"))
        for unit in units:
            value = values[unit.pk]
            if indicator.scoring == Scoring.TARGET:
                ratio = min(Decimal("1"), value / indicator.target) if indicator.target else Decimal("0")
                details[unit.pk]["target"] = str(indicator.target)
            else:
                ratio = value / best if best > 0 else Decimal("0")
                details[unit.pk]["best"] = str(best)
            details[unit.pk]["ratio"] = str(ratio.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
            UnitScore.objects.update_or_create(
                unit=unit, indicator=indicator,
                defaults={"value": value, "score": _q(indicator.weight * ratio), "detail": details[unit.pk]})
    rank_units(scheme)
    scheme.computed_at = timezone.now()
    scheme.save(update_fields=["computed_at"])
    return scheme


@transaction.atomic
def score_by_hand(*, unit: EvaluationUnit, indicator: Indicator, score: Decimal, evidence: str,
                  user=None) -> UnitScore:
    if indicator.source != IndicatorSource.MANUAL:
        raise ValidationError({"indicator": _("“%(v0)s”由平台数据自动计算，不能人工评分") % {"v0": indicator.name}})
    if indicator.scheme_id != unit.scheme_id:
        raise ValidationError({"indicator": _("指标不属于该评价办法")})
    if score < 0 or score > indicator.weight:
        raise ValidationError({"score": _("“%(v0)s”的得分须在 0 到 %(v1)s 之间") % {"v0": indicator.name, "v1": indicator.weight}})
    if not evidence.strip():
        raise ValidationError({"evidence": _("人工评分须填写评分依据")})
    row, _created = UnitScore.objects.update_or_create(
        unit=unit, indicator=indicator,
        defaults={"score": _q(score), "value": None, "evidence": evidence,
                  "detail": {"manual": True, "by": str(user) if user is not None else ""}})
    rank_units(unit.scheme)
    return row


def rank_units(scheme: EvaluationScheme) -> None:
    """Totals and ranks (equal totals share a rank)."""
    units = list(scheme.units.all())
    for unit in units:
        unit.total = _q(sum((s.score for s in unit.scores.all()), Decimal("0")))
    units.sort(key=lambda u: (-u.total, u.unit_region_id))
    previous, rank = None, 0
    for index, unit in enumerate(units, start=1):
        if unit.total != previous:
            rank, previous = index, unit.total
        unit.rank = rank
    EvaluationUnit.objects.bulk_update(units, ["total", "rank"])
