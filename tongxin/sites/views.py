"""Pages of the sites area. Thin: querysets from the generic scoped views, writes through `services`."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from tongxin.core import audit
from tongxin.core.exports import XLSX_CONTENT_TYPE, attachment_headers, safe_cell
from tongxin.core.generic import (
    ObjectActionView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectExportView,
    ObjectImportTemplateView,
    ObjectImportView,
    ObjectListView,
    ScopedViewMixin,
    ServiceEditView,
    apply_errors,
    error_text,
    export_links,
    query_without_cursor,
)
from tongxin.core.models import AuditEntry, Region
from tongxin.core.scope import scope_prefix
from tongxin.sites import filters, forms, imports, selectors, services, tables
from tongxin.sites.models import (
    Assessment,
    CriterionResult,
    EvaluationScheme,
    EvaluationUnit,
    Indicator,
    IndicatorSource,
    InspectionRound,
    KeyTask,
    Milestone,
    Site,
    Standard,
    SupervisionNote,
    TaskStatus,
    UnitScore,
)


def _xlsx(filename: str, build) -> HttpResponse:
    """An .xlsx written by `build(workbook)` (XlsxWriter), every text cell passed through `safe_cell`."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    count = build(workbook)
    workbook.close()
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    response.count = count
    return attachment_headers(response, filename)


def _cell(value):
    """A value as XlsxWriter takes it: numbers as they are, lazy translations and the rest as safe text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return safe_cell("" if value is None else str(value))


def _audit_export(request, what: str, count: int, obj=None) -> None:
    audit.log(AuditEntry.EXPORT, obj, region_code=scope_prefix(request.user) or "", user=request.user,
              changes={"rows": [None, count], "format": [None, "xlsx"]},
              message=_("导出%(what)s %(n)s 行") % {"what": what, "n": count})


class _Action(ObjectActionView):
    """A POST about one record: calls `perform`, shows its ValidationError as a message, redirects back."""


# --- Sites -----------------------------------------------------------------------------------------------------


class SiteListView(ObjectListView):
    model = Site
    template_name = "sites/list.html"
    columns = tables.SITE_COLUMNS
    filterset_class = filters.SiteFilterSet
    title = gettext_lazy("阵地")
    default_ordering = ("region", "name", "id")

    def base_queryset(self):
        return Site.objects.select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["export_urls"] = export_links(reverse("sites:site_export"), query_without_cursor(self.request))
        if self.request.user.has_perm("sites.add_site"):
            context["import_url"] = reverse("sites:site_import")
        context["extra_links"] = [{"label": _("阵地地图"), "url": reverse("sites:site_map"), "icon": "map-2"}]
        prefix = scope_prefix(self.request.user)
        if prefix is not None:
            from tongxin.sites import metrics

            today = timezone.localdate()
            value = metrics.sites_count(prefix, today, today)
            context["summary"] = {"total": value["total"],
                                  "by": [(label, n) for label, n in value["by"].items() if n]}
        return context


class SiteDetailView(ObjectDetailView):
    model = Site
    template_name = "sites/site_detail.html"
    fields = ["kind", "level", "recognition", "recognition_batch", "recognized_on", "brand_name", "work_model",
              "region", "address", "longitude", "latitude", "area_sqm", "opened_on", "closed_on",
              "contact_person", "contact_phone", "description", "note"]

    def base_queryset(self):
        return Site.objects.select_related("region")

    def details(self, obj):
        rows = super().details(obj)
        for row in rows:
            if row["label"] == Site._meta.get_field("kind").verbose_name:
                row["value"] = obj.kind_label
            elif row["label"] == Site._meta.get_field("work_model").verbose_name:
                row["value"] = obj.work_model_label or "—"
            elif row["value"] == "":
                row["value"] = "—"
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        site = self.object
        user = self.request.user
        Activity = selectors.activity_model()
        activities = []
        if Activity is not None and user.has_perm("activities.view_activity"):
            activities = list(Activity.objects.restrict(user).filter(site=site).order_by("-start_date", "-id")[:20])
        context.update({
            "associations": site.associations.restrict(user).order_by("name"),
            "teams": site.teams.restrict(user).order_by("name"),
            "activities": activities,
            "assessments": site.assessments.restrict(user).select_related("standard").order_by("-assessed_on")[:20],
            "assess_url": (reverse("sites:assessment_add") + f"?site={site.pk}")
            if user.has_perm("sites.add_assessment") else None,
        })
        return context


class SiteEditView(ServiceEditView):
    model = Site
    form_class = forms.SiteForm
    template_name = "sites/form.html"

    def get_initial(self):
        initial = super().get_initial()
        if self.object is not None:
            initial["associations"] = list(self.object.associations.values_list("pk", flat=True))
            initial["teams"] = list(self.object.teams.values_list("pk", flat=True))
        return initial

    def save(self, form):
        return services.save_site(site=form.save(commit=False), associations=form.cleaned_data["associations"],
                                  teams=form.cleaned_data["teams"], user=self.request.user)


class SiteDeleteView(ObjectDeleteView):
    model = Site


class SiteMapView(ScopedViewMixin, generic.TemplateView):
    """Sites of the user's scope on the offline outline of 遂宁 (the reports app's GeoJSON); a site without
    coordinates is drawn at the centre of its county's outline."""

    model = Site
    template_name = "sites/map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        from tongxin.reports.maps import map_url

        queryset = Site.objects.restrict(self.request.user).select_related("region")
        filterset = filters.SiteFilterSet(self.request.GET or None, queryset=queryset, request=self.request)
        rows = filterset.qs.order_by("region", "name")[:2000]
        points = [{"name": s.name, "kind": s.kind_label, "level": s.get_level_display(),
                   "county": s.region_id[:6], "url": s.get_absolute_url(),
                   "lon": float(s.longitude) if s.longitude is not None else None,
                   "lat": float(s.latitude) if s.latitude is not None else None} for s in rows]
        prefix = scope_prefix(self.request.user) or ""
        context.update({
            "title": _("阵地地图"),
            "filterset": filterset,
            "map_data": {"points": points, "map_url": map_url("5109"), "scope": prefix[:6]},
            "count": len(points),
            "located": sum(1 for p in points if p["lon"] is not None),
            "list_url": reverse("sites:site_list"),
        })
        return context


# --- Standards -------------------------------------------------------------------------------------------------


class StandardListView(ObjectListView):
    model = Standard
    template_name = "sites/list.html"
    columns = tables.STANDARD_COLUMNS
    filterset_class = filters.StandardFilterSet
    title = gettext_lazy("评价标准")
    default_ordering = ("code", "-version", "id")

    def base_queryset(self):
        return Standard.objects.annotate(criteria_count=Count("criteria"))


class StandardDetailView(ObjectDetailView):
    model = Standard
    template_name = "sites/standard_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        standard = self.object
        context.update({
            "criteria": list(standard.criteria.all()),
            "versions": Standard.objects.filter(code=standard.code).annotate(n=Count("assessments"))
            .order_by("-version"),
            "in_use": services.standard_in_use(standard),
            "assessment_count": standard.assessments.restrict(self.request.user).count(),
        })
        return context


class StandardEditView(ObjectEditView):
    """The standard and its criteria on one page; saving a version in use creates the next version."""

    model = Standard
    form_class = forms.StandardForm
    template_name = "sites/standard_form.html"

    def get_formset(self):
        if self.request.method == "POST":
            return forms.CriterionFormSet(self.request.POST, prefix="criteria")
        initial = []
        if self.object is not None:
            initial = [services._criterion_dict(c) for c in self.object.criteria.all()]
        return forms.CriterionFormSet(initial=initial, prefix="criteria")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", self.get_formset())
        context["in_use"] = self.object is not None and services.standard_in_use(self.object)
        return context

    def form_valid(self, form):
        formset = self.get_formset()
        if not formset.is_valid():
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        try:
            with transaction.atomic():
                saved = services.save_standard(standard=form.save(commit=False),
                                               criteria=forms.criteria_rows(formset), user=self.request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        if self.object is not None and saved.pk != self.object.pk:
            messages.success(self.request, _("该版本已被使用，修改已保存为第%(v)s版。") % {"v": saved.version})
        else:
            messages.success(self.request, _("已保存。"))
        return redirect(saved.get_absolute_url())


class StandardDeleteView(ObjectDeleteView):
    model = Standard


# --- Assessments -----------------------------------------------------------------------------------------------


class AssessmentListView(ObjectListView):
    model = Assessment
    template_name = "sites/list.html"
    columns = tables.ASSESSMENT_COLUMNS
    filterset_class = filters.AssessmentFilterSet
    title = gettext_lazy("达标评估")
    default_ordering = ("-assessed_on", "-id")

    def base_queryset(self):
        return Assessment.objects.select_related("site", "association", "region", "standard", "inspection")


class AssessmentCreateView(ScopedViewMixin, generic.FormView):
    model = Assessment
    permission_action = "add"
    form_class = forms.AssessmentForm
    template_name = "sites/form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        for name in ("site", "inspection", "standard"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = int(value)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"title": _("新增达标评估"), "cancel_url": reverse("sites:assessment_list"),
                        "intro": _("保存后，平台会根据已登记的组织、制度、活动、经费和阵地记录预填能够证明的指标，"
                                   "并列出缺少佐证的指标。")})
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            assessment = services.create_assessment(
                standard=data["standard"], subject_kind=data["subject_kind"], site=data["site"],
                association=data["association"], region=data["region"], assessed_on=data["assessed_on"],
                inspection=data["inspection"], assessors=data["assessors"], comments=data["comments"],
                user=self.request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已创建评估，平台已预填能够由记录证明的指标。"))
        return redirect(assessment.get_absolute_url())


class AssessmentDetailView(ObjectDetailView):
    model = Assessment
    template_name = "sites/assessment_detail.html"

    def base_queryset(self):
        return Assessment.objects.select_related("site", "association", "region", "standard", "inspection")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment = self.object
        user = self.request.user
        can_change = user.has_perm("sites.change_assessment")
        # Evidence files go through core's attachment views, which check the permission on the result itself.
        can_upload = can_change and user.has_perm("sites.change_criterionresult")
        results = list(assessment.results.select_related("criterion").prefetch_related("links"))
        summary = services.evidence_summary(assessment, results)
        rows = []
        for result in results:
            initial = {"met": "" if result.met is None else ("1" if result.met else "0"), "score": result.score,
                       "evidence_note": result.evidence_note}
            files = summary["files"][result.pk]
            rows.append({"result": result, "criterion": result.criterion, "links": list(result.links.all()),
                         "status": summary["status"][result.pk], "files": files,
                         "upload_url": reverse("core:attachment_add", args=["sites.criterionresult", result.pk])
                         if can_upload else "",
                         "form": forms.ResultForm(initial=initial, prefix=f"r{result.pk}") if can_change else None})
        context.update({
            "title": assessment.subject_name,
            "rows": rows,
            "proven": summary["proven"],
            "met": summary["met"],
            "missing": summary["missing"],
            "failed": summary["failed"],
            "with_files": summary["with_files"],
            "grade_badge": tables.grade_badge(assessment),
            "can_change": can_change,
            "can_upload": can_upload,
        })
        return context


class AssessmentResultView(_Action):
    """Record one criterion by hand (POST result=<id> and the ResultForm fields prefixed r<id>)."""

    model = Assessment
    form_class = forms.ResultForm
    success_message = gettext_lazy("已保存该项评定。")

    def post(self, request, *args, **kwargs):
        assessment = self.object
        result = get_object_or_404(CriterionResult, pk=request.POST.get("result") or 0, assessment=assessment)
        form = forms.ResultForm(request.POST, prefix=f"r{result.pk}")
        if not form.is_valid():
            messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
            return redirect(assessment.get_absolute_url())
        data = form.cleaned_data
        try:
            services.record_result(result=result, met=data["met"], score=data["score"],
                                   evidence_note=data["evidence_note"], user=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, self.success_message)
        return redirect(assessment.get_absolute_url() + f"#c{result.criterion_id}")


class AssessmentPrefillView(_Action):
    model = Assessment
    form_class = forms.StyledForm
    success_message = gettext_lazy("已根据最新记录重新预填。")

    def perform(self, data):
        services.prefill_assessment(self.object)


class AssessmentDeleteView(ObjectDeleteView):
    model = Assessment


# --- Inspection rounds -----------------------------------------------------------------------------------------


class InspectionRoundListView(ObjectListView):
    model = InspectionRound
    template_name = "sites/list.html"
    columns = tables.ROUND_COLUMNS
    filterset_class = filters.InspectionRoundFilterSet
    title = gettext_lazy("现场检查")
    default_ordering = ("-started_on", "-id")

    def base_queryset(self):
        return InspectionRound.objects.select_related("region", "standard").annotate(
            assessment_count=Count("assessments"))


class InspectionRoundDetailView(ObjectDetailView):
    model = InspectionRound
    template_name = "sites/inspection_detail.html"

    def base_queryset(self):
        return InspectionRound.objects.select_related("region", "standard")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inspection = self.object
        user = self.request.user
        ranking = selectors.round_ranking(inspection)
        context.update({
            "ranking": [{"a": a, "badge": tables.grade_badge(a)} for a in ranking],
            "passed": sum(1 for a in ranking if a.passed),
            "sites_form": forms.RoundSitesForm(user=user, inspection=inspection)
            if user.has_perm("sites.add_assessment") else None,
            "export_url": reverse("sites:inspectionround_export", args=[inspection.pk]),
        })
        return context


class InspectionRoundEditView(ServiceEditView):
    model = InspectionRound
    form_class = forms.InspectionRoundForm
    template_name = "sites/form.html"

    def save(self, form):
        return services.save_inspection_round(inspection=form.save(commit=False), user=self.request.user)


class InspectionRoundDeleteView(ObjectDeleteView):
    model = InspectionRound


class InspectionRoundSitesView(_Action):
    model = InspectionRound
    permission_required = "sites.add_assessment"
    form_class = forms.RoundSitesForm

    def post(self, request, *args, **kwargs):
        inspection = self.object
        form = forms.RoundSitesForm(request.POST, user=request.user, inspection=inspection)
        if not form.is_valid():
            messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
            return redirect(inspection.get_absolute_url())
        try:
            created = services.assess_sites_in_round(inspection=inspection, sites=form.cleaned_data["sites"],
                                                     assessed_on=form.cleaned_data["assessed_on"], user=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已为 %(n)s 个阵地创建评估并预填。") % {"n": len(created)})
        return redirect(inspection.get_absolute_url())


class InspectionRoundExportView(ScopedViewMixin, generic.View):
    """The round's summary as .xlsx: the ranking, then each site's criteria."""

    model = InspectionRound

    def get(self, request, pk):
        inspection = get_object_or_404(self.get_queryset().select_related("standard", "region"), pk=pk)
        ranking = selectors.round_ranking(inspection)
        criteria = list(inspection.standard.criteria.all())
        results = {(r.assessment_id, r.criterion_id): r for r in
                   CriterionResult.objects.filter(assessment__in=[a.pk for a in ranking])}

        def build(workbook):
            bold = workbook.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter",
                                        "text_wrap": True, "bg_color": "#EEF3F8"})
            title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
            cell = workbook.add_format({"border": 1, "valign": "vcenter", "text_wrap": True})
            sheet = workbook.add_worksheet(_("检查汇总"))
            headers = [_("名次"), _("阵地"), _("区划"), _("评估日期")] + [c.name for c in criteria] + [
                _("得分"), _("等次"), _("缺少佐证")]
            sheet.merge_range(0, 0, 0, len(headers) - 1, safe_cell(f"{inspection.name}（{inspection.standard}）"),
                              title)
            sheet.write_row(1, 0, [_cell(h) for h in headers], bold)
            for row_index, a in enumerate(ranking, start=2):
                values = [a.rank, a.subject_name, a.region.name, a.assessed_on.isoformat()]
                missing = []
                for c in criteria:
                    r = results.get((a.pk, c.pk))
                    if r is None or r.met is None:
                        values.append(_("待定"))
                        missing.append(c.name)
                    else:
                        values.append(float(r.score or 0))
                values += [float(a.score), a.get_grade_display(), "、".join(missing)]
                sheet.write_row(row_index, 0, [_cell(v) for v in values], cell)
            sheet.set_column(1, 1, 28)
            sheet.set_column(2, len(headers) - 1, 10)
            sheet.set_column(len(headers) - 1, len(headers) - 1, 30)
            return len(ranking)

        response = _xlsx(f"现场检查汇总_{inspection.pk}_{timezone.localtime():%Y%m%d}.xlsx", build)
        _audit_export(request, _("现场检查汇总"), response.count, inspection)
        return response


# --- Key tasks -------------------------------------------------------------------------------------------------


class KeyTaskListView(ObjectListView):
    """The 推进表: one row per task as on the paper form (序号, 任务, 责任单位, 责任人, 质量标准, 完成时限, 进度,
    月结, 状态)."""

    model = KeyTask
    template_name = "sites/keytask_list.html"
    columns = tables.TASK_COLUMNS
    filterset_class = filters.KeyTaskFilterSet
    title = gettext_lazy("重点任务推进表")
    default_ordering = ("year", "number", "id")
    page_size = 100

    def base_queryset(self):
        latest = Prefetch("reports", to_attr="all_reports")
        return selectors.with_status(KeyTask.objects.select_related("region", "responsible_user")
                                     .prefetch_related(latest, "milestones"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        for task in context["page"].rows:
            reports = sorted(task.all_reports, key=lambda r: r.month, reverse=True)
            rows.append({"task": task, "badge": tables.status_badge(task.computed_status),
                         "latest": reports[0] if reports else None,
                         "milestones": list(task.milestones.all())})
        params = self.request.GET.copy()
        params.pop("status", None)
        unfiltered = filters.KeyTaskFilterSet(params or None, queryset=self.get_queryset(), request=self.request).qs
        counts = dict(selectors.with_status(unfiltered).order_by()
                      .values_list("computed_status").annotate(n=Count("pk")))
        context.update({
            "rows": rows,
            "status_counts": [{"status": s, "label": s.label, "n": counts.get(s.value, 0),
                               "badge": tables.STATUS_BADGES[s]} for s in TaskStatus],
            "export_urls": [{"label": _("导出推进表（Excel）"),
                             "url": reverse("sites:keytask_export") + "?" + query_without_cursor(self.request)}],
            "import_url": reverse("sites:keytask_import") if self.request.user.has_perm("sites.add_keytask")
            else None,
            "reminders_url": reverse("sites:keytask_reminders"),
        })
        return context


class KeyTaskDetailView(ObjectDetailView):
    model = KeyTask
    template_name = "sites/keytask_detail.html"
    fields = ["year", "number", "category", "region", "owner_unit", "responsible", "responsible_user",
              "quality_standard", "started_on", "deadline", "progress", "completed_on", "note"]

    def base_queryset(self):
        return KeyTask.objects.select_related("region", "responsible_user")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        task = self.object
        user = self.request.user
        can_change = user.has_perm("sites.change_keytask")
        context.update({
            "badge": tables.status_badge(task.status),
            "milestones": list(task.milestones.all()),
            "reports": list(task.reports.select_related("reported_by")),
            "quarters": list(task.quarter_closes.select_related("closed_by")),
            "notes": list(task.supervision_notes.select_related("author")),
            "can_change": can_change,
            "report_form": forms.ProgressReportForm(initial={"progress": task.progress}) if can_change else None,
            "quarter_form": forms.QuarterCloseForm() if can_change else None,
            "supervision_form": forms.SupervisionForm() if can_change else None,
            "milestone_form": forms.MilestoneForm() if can_change else None,
            "answer_form": forms.AnswerForm() if can_change else None,
            "today": timezone.localdate(),
        })
        return context


class KeyTaskEditView(ServiceEditView):
    model = KeyTask
    form_class = forms.KeyTaskForm
    template_name = "sites/form.html"

    def save(self, form):
        return services.save_key_task(task=form.save(commit=False), user=self.request.user)


class KeyTaskDeleteView(ObjectDeleteView):
    model = KeyTask


class KeyTaskReportView(_Action):
    model = KeyTask
    form_class = forms.ProgressReportForm
    success_message = gettext_lazy("已填报月结。")

    def perform(self, data):
        services.add_progress_report(task=self.object, month=data["month"], progress=data["progress"],
                                     done=data["done"], problems=data["problems"], next_steps=data["next_steps"],
                                     user=self.request.user)


class KeyTaskQuarterView(_Action):
    model = KeyTask
    form_class = forms.QuarterCloseForm
    success_message = gettext_lazy("已季清。")

    def perform(self, data):
        services.close_quarter(task=self.object, year=data["year"], quarter=data["quarter"], summary=data["summary"],
                               cleared=data["cleared"], carried_over=data["carried_over"], user=self.request.user)


class KeyTaskSuperviseView(_Action):
    model = KeyTask
    form_class = forms.SupervisionForm
    success_message = gettext_lazy("已登记督办意见。")

    def perform(self, data):
        services.add_supervision_note(task=self.object, text=data["text"], noted_on=data["noted_on"],
                                      user=self.request.user)


class KeyTaskAnswerView(_Action):
    model = KeyTask
    form_class = forms.AnswerForm
    success_message = gettext_lazy("已登记落实情况。")

    def perform(self, data):
        note = get_object_or_404(SupervisionNote, pk=data["note"], task=self.object)
        services.answer_supervision(note=note, answer=data["answer"], answered_on=data["answered_on"],
                                    user=self.request.user)


class KeyTaskMilestoneView(_Action):
    model = KeyTask
    form_class = forms.MilestoneForm
    success_message = gettext_lazy("已添加推进节点。")

    def perform(self, data):
        services.add_milestone(task=self.object, title=data["title"], due_on=data["due_on"], done_on=data["done_on"],
                               user=self.request.user)


class KeyTaskMilestoneDoneView(_Action):
    model = KeyTask
    form_class = forms.CompleteMilestoneForm
    success_message = gettext_lazy("节点已完成。")

    def perform(self, data):
        milestone = get_object_or_404(Milestone, pk=data["milestone"], task=self.object)
        services.complete_milestone(milestone=milestone, done_on=data["done_on"], user=self.request.user)


class KeyTaskRemindersView(ScopedViewMixin, generic.TemplateView):
    """Tasks not done whose deadline is within N days (default 30) or already past — soonest first."""

    model = KeyTask
    template_name = "sites/keytask_reminders.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.ReminderForm(self.request.GET or None)
        days = form.cleaned_data.get("days") or 30 if form.is_valid() else 30
        today = timezone.localdate()
        rows = selectors.reminders(KeyTask.objects.restrict(self.request.user).select_related("region"),
                                   day=today, within_days=days)[:300]
        context.update({
            "title": _("任务提醒"), "form": form, "days": days, "today": today,
            "rows": [{"task": t, "left": (t.deadline - today).days, "badge": tables.status_badge(t.status_on(today))}
                     for t in rows],
        })
        return context


TASK_HEADERS = ["序号", "任务类别", "重点任务", "责任单位", "责任人", "质量标准", "开始日期", "完成时限", "完成进度",
                "最近月结", "推进节点", "状态", "完成日期", "区划代码", "备注"]


class KeyTaskExportView(ScopedViewMixin, generic.View):
    """The filtered 推进表 as .xlsx, laid out like the paper form."""

    model = KeyTask

    def get(self, request):
        params = request.GET.copy()
        for name in ("format", "cursor", "sort"):
            params.pop(name, None)
        queryset = filters.KeyTaskFilterSet(params or None, queryset=self.get_queryset(), request=request).qs
        tasks = list(queryset.select_related("region").prefetch_related("reports", "milestones")
                     .order_by("year", "number", "id")[:5000])
        today = timezone.localdate()
        years = sorted({t.year for t in tasks})

        def build(workbook):
            title = workbook.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
            head = workbook.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter",
                                        "text_wrap": True, "bg_color": "#EEF3F8"})
            cell = workbook.add_format({"border": 1, "valign": "top", "text_wrap": True})
            sheet = workbook.add_worksheet(_("重点任务推进表"))
            year_text = "、".join(str(y) for y in years)
            sheet.merge_range(0, 0, 0, len(TASK_HEADERS) - 1,
                              safe_cell(f"{year_text}年度重点任务推进表" if years else "重点任务推进表"), title)
            sheet.write_row(1, 0, TASK_HEADERS, head)
            for index, task in enumerate(tasks, start=2):
                reports = sorted(task.reports.all(), key=lambda r: r.month, reverse=True)
                latest = f"{reports[0].month:%Y年%m月}：{reports[0].done}" if reports else ""
                milestones = "；".join(f"{m.title}（{m.due_on:%m月%d日}{'，已完成' if m.done_on else ''}）"
                                      for m in task.milestones.all())
                values = [task.number, task.category, task.title, task.owner_unit, task.responsible,
                          task.quality_standard, task.started_on.isoformat(), task.deadline.isoformat(),
                          f"{task.progress}%", latest, milestones, TaskStatus(task.status_on(today)).label,
                          task.completed_on.isoformat() if task.completed_on else "",
                          Region(code=task.region_id).official_code, task.note]
                sheet.write_row(index, 0, [_cell(v) for v in values], cell)
            widths = [6, 10, 36, 18, 10, 30, 11, 11, 8, 36, 30, 9, 11, 14, 16]
            for col, width in enumerate(widths):
                sheet.set_column(col, col, width)
            sheet.freeze_panes(2, 3)
            return len(tasks)

        response = _xlsx(f"重点任务推进表_{timezone.localtime():%Y%m%d_%H%M}.xlsx", build)
        _audit_export(request, _("重点任务推进表"), response.count)
        return response


# --- Evaluation schemes ----------------------------------------------------------------------------------------


class EvaluationSchemeListView(ObjectListView):
    model = EvaluationScheme
    template_name = "sites/list.html"
    columns = tables.SCHEME_COLUMNS
    filterset_class = filters.EvaluationSchemeFilterSet
    title = gettext_lazy("评价办法")
    default_ordering = ("-year", "name", "id")

    def base_queryset(self):
        return EvaluationScheme.objects.select_related("region").annotate(unit_count=Count("units"))


class EvaluationSchemeDetailView(ObjectDetailView):
    model = EvaluationScheme
    template_name = "sites/scheme_detail.html"

    def base_queryset(self):
        return EvaluationScheme.objects.select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scheme = self.object
        user = self.request.user
        can_change = user.has_perm("sites.change_evaluationscheme")
        indicators = list(scheme.indicators.all())
        units = list(scheme.units.select_related("unit_region").order_by("rank", "unit_region_id"))
        scores = {(s.unit_id, s.indicator_id): s for s in UnitScore.objects.filter(unit__scheme=scheme)}
        matrix = [{"unit": u, "cells": [scores.get((u.pk, i.pk)) for i in indicators]} for u in units]
        from tongxin.reports import registry

        labels = {m.key: m.label for m in registry.all_metrics()}
        context.update({
            "indicators": [{"i": i, "metric_label": labels.get(i.metric_key, i.metric_key),
                            "per_label": labels.get(i.per_metric_key, i.per_metric_key)} for i in indicators],
            "matrix": matrix,
            "total_weight": sum(i.weight for i in indicators),
            "can_change": can_change,
            "indicator_form": forms.IndicatorForm(user=user) if can_change else None,
            "units_form": forms.UnitsForm(user=user, scheme=scheme) if can_change else None,
        })
        return context


class EvaluationSchemeEditView(ServiceEditView):
    model = EvaluationScheme
    form_class = forms.SchemeForm
    template_name = "sites/form.html"

    def save(self, form):
        return services.save_scheme(scheme=form.save(commit=False), user=self.request.user)


class EvaluationSchemeDeleteView(ObjectDeleteView):
    model = EvaluationScheme


class SchemeIndicatorView(_Action):
    model = EvaluationScheme
    form_class = forms.StyledForm

    def post(self, request, *args, **kwargs):
        scheme = self.object
        form = forms.IndicatorForm(request.POST, user=request.user, instance=Indicator(scheme=scheme))
        if form.is_valid():
            try:
                services.save_indicator(indicator=form.save(commit=False), user=request.user)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("已添加评价指标，请重新计算得分。"))
        else:
            messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(scheme.get_absolute_url())


class SchemeUnitsView(_Action):
    model = EvaluationScheme
    form_class = forms.StyledForm

    def post(self, request, *args, **kwargs):
        scheme = self.object
        form = forms.UnitsForm(request.POST, user=request.user, scheme=scheme)
        if form.is_valid():
            try:
                services.set_units(scheme=scheme, regions=form.cleaned_data["regions"], user=request.user)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("评价对象已更新，请重新计算得分。"))
        else:
            messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(scheme.get_absolute_url())


class SchemeComputeView(_Action):
    model = EvaluationScheme
    form_class = forms.StyledForm
    success_message = gettext_lazy("已根据平台数据重新计算得分和名次。")

    def perform(self, data):
        services.compute_scheme(scheme=self.object, user=self.request.user)


class EvaluationUnitDetailView(ScopedViewMixin, generic.DetailView):
    """Where a unit's points came from: per indicator the figure, how it was scored, the records behind it."""

    model = EvaluationUnit
    template_name = "sites/unit_detail.html"

    def base_queryset(self):
        return EvaluationUnit.objects.select_related("scheme", "scheme__region", "unit_region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.object
        scheme = unit.scheme
        from tongxin.reports import registry

        labels = {m.key: m.label for m in registry.all_metrics()}
        scores = {s.indicator_id: s for s in unit.scores.all()}
        can_change = self.request.user.has_perm("sites.change_evaluationscheme")
        period = f"?from={scheme.date_from.isoformat()}&to={scheme.date_to.isoformat()}"
        rows = []
        for indicator in scheme.indicators.all():
            score = scores.get(indicator.pk)
            row = {"i": indicator, "s": score, "metric_label": labels.get(indicator.metric_key, ""),
                   "per_label": labels.get(indicator.per_metric_key, "")}
            if indicator.source == IndicatorSource.METRIC and indicator.metric_key:
                row["records_url"] = reverse("reports:records", args=[indicator.metric_key, unit.unit_region_id]) \
                    + period
                if indicator.per_metric_key:
                    row["per_records_url"] = reverse("reports:records", args=[indicator.per_metric_key,
                                                                              unit.unit_region_id]) + period
            elif can_change:
                row["form"] = forms.ManualScoreForm(initial={
                    "unit": unit.pk, "indicator": indicator.pk, "score": score.score if score else None,
                    "evidence": score.evidence if score else ""}, prefix=f"i{indicator.pk}")
            rows.append(row)
        context.update({
            "title": _("%(unit)s · 得分明细") % {"unit": unit},
            "scheme": scheme, "rows": rows, "units_count": scheme.units.count(),
        })
        return context


class EvaluationUnitScoreView(_Action):
    model = EvaluationUnit
    permission_required = "sites.change_evaluationscheme"
    form_class = forms.StyledForm

    def post(self, request, *args, **kwargs):
        unit = self.object
        indicator = get_object_or_404(Indicator, pk=request.POST.get("indicator") or 0, scheme_id=unit.scheme_id)
        form = forms.ManualScoreForm(request.POST, prefix=f"i{indicator.pk}")
        if form.is_valid():
            try:
                services.score_by_hand(unit=unit, indicator=indicator, score=form.cleaned_data["score"],
                                       evidence=form.cleaned_data["evidence"], user=request.user)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("已保存人工评分。"))
        else:
            messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(unit.get_absolute_url())


# --- Import and export -----------------------------------------------------------------------------------------

class SiteExportView(ObjectExportView):
    model = Site
    filterset_class = filters.SiteFilterSet
    list_url_name = "sites:site_list"
    export_name = "阵地"

    def spec(self):
        return imports.SiteSpec()

    def rows(self, queryset):
        return queryset.order_by("region", "name", "id").iterator(chunk_size=2000)


class SiteImportTemplateView(ObjectImportTemplateView):
    model = Site
    spec_class = imports.SiteSpec


class KeyTaskImportTemplateView(ObjectImportTemplateView):
    model = KeyTask
    spec_class = imports.KeyTaskSpec


class _ImportView(ObjectImportView):
    """Upload → preview (every row checked, nothing written) → import all rows or only the valid ones."""

    form_class = forms.ImportForm
    upload_dir = "imports/sites"
    url_name = ""

    @property
    def session_key(self) -> str:
        return f"sites_import_{self.url_name}"

    @property
    def template_url_name(self) -> str:
        return f"sites:{self.url_name}_template"


class SiteImportView(_ImportView):
    model = Site
    spec_class = imports.SiteSpec
    url_name = "site_import"
    list_url_name = "sites:site_list"
    title = gettext_lazy("导入阵地")


class KeyTaskImportView(_ImportView):
    model = KeyTask
    spec_class = imports.KeyTaskSpec
    url_name = "keytask_import"
    list_url_name = "sites:keytask_list"
    title = gettext_lazy("导入重点任务")


class EvaluationSchemeExportView(ScopedViewMixin, generic.View):
    """Scores and ranking of a scheme as .xlsx: one row per unit, one column per indicator."""

    model = EvaluationScheme

    def get(self, request, pk):
        scheme = get_object_or_404(self.get_queryset(), pk=pk)
        indicators = list(scheme.indicators.all())
        units = list(scheme.units.select_related("unit_region").order_by("rank", "unit_region_id"))
        scores = {(s.unit_id, s.indicator_id): s.score for s in UnitScore.objects.filter(unit__scheme=scheme)}

        def build(workbook):
            title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
            head = workbook.add_format({"bold": True, "border": 1, "align": "center", "text_wrap": True,
                                        "bg_color": "#EEF3F8"})
            cell = workbook.add_format({"border": 1})
            sheet = workbook.add_worksheet(_("得分与排名"))
            headers = [_("名次"), _("单位"), _("类型"), _("区划代码"), _("总分")] + \
                [f"{i.name}（{i.weight}分）" for i in indicators]
            sheet.merge_range(0, 0, 0, len(headers) - 1, _cell(str(scheme)), title)
            sheet.write_row(1, 0, [_cell(h) for h in headers], head)
            for index, unit in enumerate(units, start=2):
                values = [unit.rank or "", str(unit), unit.get_kind_display(), unit.unit_region.official_code,
                          float(unit.total)]
                values += [float(scores[(unit.pk, i.pk)]) if (unit.pk, i.pk) in scores else "" for i in indicators]
                sheet.write_row(index, 0, [_cell(v) for v in values], cell)
            sheet.set_column(1, 1, 16)
            sheet.set_column(5, len(headers) - 1, 12)
            return len(units)

        response = _xlsx(f"评价得分_{scheme.year}_{scheme.pk}.xlsx", build)
        _audit_export(request, _("评价得分"), response.count, scheme)
        return response
