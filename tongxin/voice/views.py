"""Pages of voice and arrangements. Thin: querysets from the generic scoped views, writes through `services`."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from tongxin.core import audit
from tongxin.core.exports import attachment_headers, file_download
from tongxin.core.generic import (
    ObjectActionView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectExportView,
    ObjectImportTemplateView,
    ObjectImportView,
    ObjectListView,
    ScopedViewMixin,
    ServiceEditView,
    export_links,
    query_without_cursor,
)
from tongxin.core.models import AuditEntry
from tongxin.core.tabular import (
    ImportContext,
    TabularError,
    describe_errors,
    run_import,
)
from tongxin.people.models import Person
from tongxin.voice import filters, forms, selectors, services, tables
from tongxin.voice.models import (
    ArrangementStatus,
    ConsultationMeeting,
    Honour,
    PoliticalArrangement,
    ProblemSolved,
    Proposal,
    ProposalStatus,
    Research,
    ResearchReport,
)


class DocumentView(ScopedViewMixin, generic.View):
    """A stored document of a record in the user's scope, downloaded and written to the audit log."""

    file_field = ""
    name_field = ""
    http_method_names = ["get"]

    def get(self, request, pk):
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        field_file = getattr(obj, self.file_field)
        if not field_file:
            raise Http404
        response = file_download(field_file)
        name = getattr(obj, self.name_field) or ""
        if name:
            response = attachment_headers(response, name)
        audit.log(AuditEntry.EXPORT, obj=obj, user=request.user,
                  message=_("下载文件“%(name)s”") % {"name": name or field_file.name})
        return response


# --- Proposals -------------------------------------------------------------------------------------------------


def _proposal_queryset():
    return Proposal.objects.select_related("region", "association").prefetch_related("persons")


class ProposalListView(ObjectListView):
    model = Proposal
    template_name = "voice/list.html"
    columns = tables.PROPOSAL_COLUMNS
    filterset_class = filters.ProposalFilterSet
    title = gettext_lazy("提案建议")
    default_ordering = ("-submitted_on", "-id")

    def base_queryset(self):
        return _proposal_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = selectors.proposal_counts_by_status(self.filterset.qs if self.filterset else self.get_queryset())
        context["status_counts"] = [{"label": label, "count": counts.get(code, 0), "code": code}
                                    for code, label in ProposalStatus.choices]
        context["export_urls"] = export_links(reverse("voice:proposal_export"), query_without_cursor(self.request))
        if self.request.user.has_perm("voice.add_proposal"):
            context["import_url"] = reverse("voice:proposal_import")
        context["add_label"] = _("登记建议")
        return context


class ProposalDetailView(ObjectDetailView):
    model = Proposal
    template_name = "voice/proposal_detail.html"

    def base_queryset(self):
        return _proposal_queryset().select_related("research", "report", "meeting", "submitted_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        proposal, user = self.object, self.request.user
        transitions = []
        if user.has_perm("voice.change_proposal"):
            labels = {ProposalStatus.UNDER_REVIEW: _("开始审核"), ProposalStatus.ADOPTED: _("登记采纳"),
                      ProposalStatus.NOT_ADOPTED: _("登记未采纳"), ProposalStatus.IMPLEMENTED: _("登记落实")}
            for status in services.allowed_transitions(proposal):
                transitions.append({"status": status, "label": labels[status],
                                    "form": forms.TransitionForm(initial={"status": status}, user=user)})
        context.update({
            "steps": proposal.steps.select_related("by_user"),
            "transitions": transitions,
            "similar": selectors.similar_to(proposal, queryset=Proposal.objects.restrict(user).select_related("region")),
            "points": selectors.points_for(proposal),
            "status_badge": tables.proposal_badge(proposal),
        })
        return context


class ProposalEditView(ServiceEditView):
    model = Proposal
    form_class = forms.ProposalForm
    template_name = "voice/proposal_form.html"

    def base_queryset(self):
        return _proposal_queryset()

    def get_initial(self):
        initial = super().get_initial()
        user = self.request.user
        for key, model in (("research", Research), ("meeting", ConsultationMeeting)):
            pk = self.request.GET.get(key, "")
            if pk.isdigit() and model.objects.restrict(user).filter(pk=pk).exists():
                initial[key] = int(pk)
        return initial

    def save(self, form):
        data = form.cleaned_data
        if self.object is None:
            return services.submit_proposal(
                title=data["title"], content=data["content"], topic=data["topic"], channel=data["channel"],
                persons=data["persons"], association=data.get("association"), region=data["region"],
                by=self.request.user, submitted_on=data["submitted_on"], research=data.get("research"),
                meeting=data.get("meeting"))
        return services.update_proposal(form.save(commit=False), persons=data["persons"], by=self.request.user)


class ProposalSimilarView(ScopedViewMixin, generic.View):
    """The htmx fragment of the create form: the most similar proposals in scope to the title and content typed."""

    model = Proposal
    http_method_names = ["get"]

    def get(self, request):
        text = services.proposal_text(request.GET.get("title", ""), request.GET.get("content", ""))
        exclude = request.GET.get("exclude", "")
        similar = selectors.similar_proposals(text, queryset=self.get_queryset().select_related("region"),
                                              exclude_pk=int(exclude) if exclude.isdigit() else None)
        return render(request, "voice/_similar.html", {"similar": similar, "typed": bool(text.strip())})


class ProposalTransitionView(ObjectActionView):
    model = Proposal
    form_class = forms.TransitionForm
    success_message = gettext_lazy("状态已更新。")

    def perform(self, data):
        services.transition_proposal(self.object, data["status"], by=self.request.user, on=data["on"],
                                     body=data["body"], form=data["form"], reason=data["reason"],
                                     result=data["result"], note=data["note"])


class ProposalDeleteView(ObjectDeleteView):
    model = Proposal


class ProposalExportView(ObjectExportView):
    model = Proposal
    filterset_class = filters.ProposalFilterSet
    list_url_name = "voice:proposal_list"
    export_name = gettext_lazy("提案建议")

    def spec(self):
        from tongxin.voice.imports import proposal_export_spec

        return proposal_export_spec()

    def rows(self, queryset):
        from tongxin.voice.imports import proposal_rows

        return proposal_rows(queryset.select_related("region", "association").prefetch_related("persons"))


# --- Research and reports --------------------------------------------------------------------------------------


class ResearchListView(ObjectListView):
    model = Research
    template_name = "voice/list.html"
    columns = tables.RESEARCH_COLUMNS
    filterset_class = filters.ResearchFilterSet
    title = gettext_lazy("调研活动")
    default_ordering = ("-started_on", "-id")

    def base_queryset(self):
        return Research.objects.select_related("region").annotate(
            report_count=Count("reports", distinct=True), proposal_count=Count("proposals", distinct=True))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["add_label"] = _("登记调研")
        return context


class ResearchDetailView(ObjectDetailView):
    model = Research
    template_name = "voice/research_detail.html"

    def base_queryset(self):
        return Research.objects.select_related("region", "association")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        research, user = self.object, self.request.user
        context.update({
            "team": research.team.order_by("name_pinyin", "pk"),
            "reports": research.reports.all(),
            "proposals": research.proposals.restrict(user).prefetch_related("persons"),
            "places": [line.strip() for line in research.places.splitlines() if line.strip()],
            "report_add_url": reverse("voice:researchreport_add") + f"?research={research.pk}"
            if user.has_perm("voice.add_researchreport") else None,
            "proposal_add_url": reverse("voice:proposal_add") + f"?research={research.pk}"
            if user.has_perm("voice.add_proposal") else None,
        })
        return context


class ResearchEditView(ServiceEditView):
    model = Research
    form_class = forms.ResearchForm

    def save(self, form):
        return services.save_research(form.save(commit=False), team=form.cleaned_data["team"], by=self.request.user)


class ResearchDeleteView(ObjectDeleteView):
    model = Research


class ReportListView(ObjectListView):
    model = ResearchReport
    columns = tables.REPORT_COLUMNS
    title = gettext_lazy("调研报告")
    default_ordering = ("-completed_on", "-id")

    def base_queryset(self):
        return ResearchReport.objects.select_related("research")


class ReportDetailView(ObjectDetailView):
    model = ResearchReport
    template_name = "voice/report_detail.html"

    def base_queryset(self):
        return ResearchReport.objects.select_related("research", "research__region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.object
        context.update({
            "proposals": report.proposals.restrict(self.request.user).prefetch_related("persons"),
            "document_url": reverse("voice:researchreport_document", args=[report.pk]) if report.document else None,
        })
        return context


class ReportEditView(ServiceEditView):
    model = ResearchReport
    form_class = forms.ReportForm
    prefill = {"research": "research"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object is None:
            context["cancel_url"] = reverse("voice:research_list")
        return context

    def save(self, form):
        return services.save_report(form.save(commit=False), document=form.cleaned_data.get("upload"),
                                    proposals=form.cleaned_data["proposals"], by=self.request.user)


class ReportDeleteView(ObjectDeleteView):
    model = ResearchReport

    def get_success_url(self):
        return reverse("voice:research_detail", args=[self.object.research_id])


class ReportDocumentView(DocumentView):
    model = ResearchReport
    file_field, name_field = "document", "document_name"


# --- Consultation meetings -------------------------------------------------------------------------------------


class MeetingListView(ObjectListView):
    model = ConsultationMeeting
    template_name = "voice/list.html"
    columns = tables.MEETING_COLUMNS
    filterset_class = filters.MeetingFilterSet
    title = gettext_lazy("协商议事")
    default_ordering = ("-held_on", "-id")

    def base_queryset(self):
        return ConsultationMeeting.objects.select_related("region").annotate(
            participant_count=Count("participants", distinct=True), problem_count=Count("problems", distinct=True))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        problems = ProblemSolved.objects.restrict(self.request.user)
        context["problem_summary"] = {"total": problems.count(),
                                      "longstanding": problems.filter(longstanding=True).count()}
        context["add_label"] = _("登记协商会议")
        return context


class MeetingDetailView(ObjectDetailView):
    model = ConsultationMeeting
    template_name = "voice/meeting_detail.html"

    def base_queryset(self):
        return ConsultationMeeting.objects.select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting, user = self.object, self.request.user
        context.update({
            "participants": meeting.participants.select_related("employer").order_by("name_pinyin", "pk"),
            "proposals": meeting.proposals.restrict(user).prefetch_related("persons"),
            "problems": meeting.problems.select_related("case"),
            "problem_form": forms.ProblemForm(user=user) if user.has_perm("voice.add_problemsolved") else None,
            "proposal_add_url": reverse("voice:proposal_add") + f"?meeting={meeting.pk}"
            if user.has_perm("voice.add_proposal") else None,
        })
        return context


class MeetingEditView(ServiceEditView):
    model = ConsultationMeeting
    form_class = forms.MeetingForm

    def save(self, form):
        return services.save_meeting(form.save(commit=False), participants=form.cleaned_data["participants"],
                                     by=self.request.user)


class MeetingDeleteView(ObjectDeleteView):
    model = ConsultationMeeting


class ProblemAddView(ObjectActionView):
    model = ConsultationMeeting
    success_message = gettext_lazy("已登记解决的问题。")

    def get_permission_required(self):
        return ["voice.add_problemsolved"]

    form_class = forms.ProblemForm

    def form_kwargs(self):
        """The case picker offers the cases of the user's scope."""
        return {"user": self.request.user}

    def perform(self, data):
        services.save_problem(ProblemSolved(meeting=self.object, **data), by=self.request.user)


class ProblemListView(ObjectListView):
    model = ProblemSolved
    template_name = "voice/list.html"
    columns = tables.PROBLEM_COLUMNS
    filterset_class = filters.ProblemFilterSet
    title = gettext_lazy("协助解决问题")
    default_ordering = ("-solved_on", "-id")

    def base_queryset(self):
        return ProblemSolved.objects.select_related("meeting", "case")

    def add_url(self):
        return None


class ProblemDeleteView(ObjectDeleteView):
    model = ProblemSolved

    def get_success_url(self):
        return reverse("voice:consultationmeeting_detail", args=[self.object.meeting_id])


# --- Political arrangements ------------------------------------------------------------------------------------


def _arrangement_queryset():
    return PoliticalArrangement.objects.select_related("person", "region")


class ArrangementListView(ObjectListView):
    """One filtered list: with "在任日期" set it lists the seats held that day, with the counts by body and level
    ("9 名人大代表、5 名政协委员…") above it."""

    model = PoliticalArrangement
    template_name = "voice/arrangement_list.html"
    columns = tables.ARRANGEMENT_COLUMNS
    filterset_class = filters.ArrangementFilterSet
    title = gettext_lazy("政治安排")
    default_ordering = ("body", "level", "id")

    def base_queryset(self):
        return _arrangement_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        as_of = self.filterset.form.cleaned_data.get("as_of") if self.filterset.is_bound and \
            self.filterset.is_valid() else None
        seat_counts = selectors.seat_counts(self.filterset.qs, as_of) if as_of else None
        context.update({
            "as_of": as_of,
            "seat_counts": seat_counts,
            "body_totals": selectors.body_totals(seat_counts) if seat_counts else [],
            "today_url": reverse("voice:politicalarrangement_list") + f"?as_of={timezone.localdate().isoformat()}",
            "export_urls": export_links(reverse("voice:politicalarrangement_export"),
                                        query_without_cursor(self.request)),
            "import_url": reverse("voice:politicalarrangement_import")
            if user.has_perm("voice.add_politicalarrangement") else None,
            "add_label": _("登记推荐/安排"),
        })
        return context


class ArrangementDetailView(ObjectDetailView):
    model = PoliticalArrangement
    template_name = "voice/arrangement_detail.html"

    def base_queryset(self):
        return _arrangement_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        arrangement, user = self.object, self.request.user
        labels = {ArrangementStatus.INSPECTED: _("进入考察"), ArrangementStatus.ARRANGED: _("登记安排"),
                  ArrangementStatus.NOT_ARRANGED: _("登记未安排")}
        advances = []
        if user.has_perm("voice.change_politicalarrangement"):
            for status in services.ARRANGEMENT_TRANSITIONS.get(arrangement.status, ()):
                advances.append({"status": status, "label": labels[status],
                                 "form": forms.AdvanceArrangementForm(initial={"status": status}, user=user)})
        context.update({"advances": advances, "status_badge": tables.arrangement_badge(arrangement),
                        "others": arrangement.person.arrangements.restrict(user).exclude(pk=arrangement.pk)})
        return context


class ArrangementEditView(ServiceEditView):
    model = PoliticalArrangement
    form_class = forms.ArrangementForm
    prefill = {"person": "person"}

    def save(self, form):
        arrangement = form.save(commit=False)
        if self.object is None or "person" in form.changed_data:
            arrangement.region_id = None
        return services.save_arrangement(arrangement, by=self.request.user)


class ArrangementAdvanceView(ObjectActionView):
    model = PoliticalArrangement
    form_class = forms.AdvanceArrangementForm
    success_message = gettext_lazy("状态已更新。")

    def perform(self, data):
        services.advance_arrangement(self.object, data["status"], by=self.request.user,
                                     starts_on=data["starts_on"], ends_on=data["ends_on"], note=data["note"])


class ArrangementDeleteView(ObjectDeleteView):
    model = PoliticalArrangement


class TermsEndingView(ScopedViewMixin, generic.TemplateView):
    """Seats whose term ends within N months, and representatives with no arrangement at all."""

    model = PoliticalArrangement
    template_name = "voice/arrangement_watch.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = forms.AsOfForm(self.request.GET or None, user=user)
        months = (form.cleaned_data.get("months") if form.is_valid() else None) or 6
        today = timezone.localdate()
        people = Person.objects.restrict(user)
        unarranged = selectors.representatives_without_arrangement(people).select_related("employer", "region")
        context.update({
            "title": _("到期提醒与未安排代表人士"),
            "form": form, "months": months,
            "ending": selectors.terms_ending(self.get_queryset().select_related("person", "region"),
                                             within_months=months, today=today),
            "unarranged": unarranged[:200],
            "unarranged_count": unarranged.count(),
        })
        return context


class ArrangementExportView(ObjectExportView):
    model = PoliticalArrangement
    filterset_class = filters.ArrangementFilterSet
    list_url_name = "voice:politicalarrangement_list"
    export_name = gettext_lazy("政治安排")

    def spec(self):
        from tongxin.voice.imports import arrangement_export_spec

        return arrangement_export_spec()

    def rows(self, queryset):
        from tongxin.voice.imports import arrangement_rows

        return arrangement_rows(queryset.select_related("person", "region"))


# --- Honours ---------------------------------------------------------------------------------------------------


class HonourListView(ObjectListView):
    model = Honour
    template_name = "voice/list.html"
    columns = tables.HONOUR_COLUMNS
    filterset_class = filters.HonourFilterSet
    title = gettext_lazy("表彰荣誉")
    default_ordering = ("-granted_on", "-id")

    def base_queryset(self):
        return Honour.objects.select_related("person", "association", "region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["add_label"] = _("登记表彰")
        return context


class HonourDetailView(ObjectDetailView):
    model = Honour
    template_name = "voice/honour_detail.html"

    def base_queryset(self):
        return Honour.objects.select_related("person", "association", "region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        honour = self.object
        context["certificate_url"] = reverse("voice:honour_certificate", args=[honour.pk]) \
            if honour.certificate else None
        return context


class HonourEditView(ServiceEditView):
    model = Honour
    form_class = forms.HonourForm

    def save(self, form):
        honour = form.save(commit=False)
        recipient = form.cleaned_data.get("person") or form.cleaned_data.get("association")
        if recipient is not None and (self.object is None or {"person", "association", "kind"} & set(
                form.changed_data)):
            honour.region_id = None
        return services.save_honour(honour, certificate=form.cleaned_data.get("upload"), by=self.request.user)


class HonourDeleteView(ObjectDeleteView):
    model = Honour


class HonourCertificateView(DocumentView):
    model = Honour
    file_field, name_field = "certificate", "certificate_name"


# --- Import ----------------------------------------------------------------------------------------------------


class ImportView(ObjectImportView):
    """Upload a spreadsheet of proposals or arrangements and import it in one step (or only check it, "dry_run");
    the result lists each rejected row and column. Nothing is kept between requests."""

    template_name = "voice/import.html"
    form_class = forms.ImportForm
    kind = ""

    def spec(self):
        from tongxin.voice.imports import SPECS

        return SPECS[self.kind]()

    def get_title(self) -> str:
        return _("导入%(what)s") % {"what": self.model._meta.verbose_name_plural}

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        region = form.cleaned_data["region"].code
        context = ImportContext(user=self.request.user, region=region, scope=region, source="web",
                                filename=upload.name, today=timezone.localdate())
        dry_run = form.cleaned_data["dry_run"]
        try:
            result = run_import(upload, self.spec(), context, dry_run=dry_run,
                                skip_invalid=form.cleaned_data["skip_invalid"], name=upload.name,
                                rejected_output=False)
        except TabularError as exc:
            return self.file_error(form, exc)
        if result.committed and not result.errors:
            messages.success(self.request, _("导入完成：新增 %(c)s 条，跳过重复 %(s)s 条。") % {
                "c": result.created, "s": result.skipped})
        return self.render_to_response(self.get_context_data(
            form=form, result=result, dry_run=dry_run, errors=describe_errors(result, self.shown_errors)))


class ImportTemplateView(ObjectImportTemplateView):
    kind = ""

    def spec(self):
        from tongxin.voice.imports import SPECS

        return SPECS[self.kind]()

    def filename(self, spec) -> str:
        return f"{self.model._meta.verbose_name_plural}_导入模板.xlsx"


class ProposalImportView(ImportView):
    model = Proposal
    kind = "proposals"
    list_url_name = "voice:proposal_list"
    template_url_name = "voice:proposal_import_template"


class ProposalImportTemplateView(ImportTemplateView):
    model = Proposal
    kind = "proposals"


class ArrangementImportView(ImportView):
    model = PoliticalArrangement
    kind = "arrangements"
    list_url_name = "voice:politicalarrangement_list"
    template_url_name = "voice:politicalarrangement_import_template"


class ArrangementImportTemplateView(ImportTemplateView):
    model = PoliticalArrangement
    kind = "arrangements"


