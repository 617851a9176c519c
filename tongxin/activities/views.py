"""Pages of the activities area. Thin: querysets from the generic scoped views, writes through `services`."""

from __future__ import annotations

import datetime
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from tongxin.activities import filters, forms, selectors, services, tables
from tongxin.activities.models import (
    TYPE_TRAINING,
    Activity,
    Attendance,
    ClassSession,
    Donation,
    MediaCoverage,
    PointEntry,
    PointRule,
    Programme,
    RegistrationStatus,
    Reward,
    ServiceProgramme,
    Trainee,
    TrainingClass,
)
from tongxin.core import generic as generic_views
from tongxin.core.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectExportView,
    ObjectImportTemplateView,
    ObjectImportView,
    ObjectListView,
    ScopedViewMixin,
    ServiceEditView,
    error_text,
    export_links,
    query_without_cursor,
)
from tongxin.core.scope import scope_prefix
from tongxin.people.models import Person


def _form_errors(form) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


class DetailView(ObjectDetailView):
    """The generic detail page with yes/no instead of True/False and region names instead of codes."""

    def details(self, obj) -> list[dict]:
        rows = super().details(obj)
        for row in rows:
            if row["value"] is True:
                row["value"] = _("是")
            elif row["value"] is False:
                row["value"] = _("否")
            elif hasattr(row["value"], "full_name"):
                row["value"] = row["value"].full_name or row["value"].name
        return rows


class ObjectActionView(generic_views.ObjectActionView):
    """core's action view, with the form given the user (pickers limited to the user's scope)."""

    def form_kwargs(self) -> dict:
        return {"user": self.request.user}


# --- Activities --------------------------------------------------------------------------------------------------


def _activity_list_queryset():
    # A correlated count, evaluated for the rows of the page only (a JOIN + GROUP BY would aggregate them all).
    attendance_count = (Attendance.objects.filter(activity=OuterRef("pk")).order_by().values("activity")
                        .annotate(n=Count("pk")).values("n"))
    return selectors.with_type_name(
        Activity.objects.select_related("region", "programme").prefetch_related("associations", "teams")
        .annotate(attendance_count=Coalesce(Subquery(attendance_count), 0)))


class ActivityListView(ObjectListView):
    model = Activity
    template_name = "activities/list.html"
    columns = tables.ACTIVITY_COLUMNS
    filterset_class = filters.ActivityFilterSet
    title = gettext_lazy("活动")
    default_ordering = ("-starts_at", "-id")

    def base_queryset(self):
        return _activity_list_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["export_urls"] = export_links(reverse("activities:activity_export"),
                                              query_without_cursor(self.request))
        context["calendar_url"] = reverse("activities:calendar")
        if self.request.user.has_perm("activities.add_activity"):
            context["import_url"] = reverse("activities:activity_import")
        context["add_label"] = _("新增活动")
        return context


class ActivityCalendarView(ScopedViewMixin, generic.TemplateView):
    """A month grid of activities (server-rendered), with the list's filters."""

    model = Activity
    template_name = "activities/calendar.html"

    def month(self) -> datetime.date:
        text = self.request.GET.get("month", "")
        try:
            return datetime.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            return timezone.localdate().replace(day=1)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        first = self.month()
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        previous = (first - datetime.timedelta(days=1)).replace(day=1)
        params = self.request.GET.copy()
        params.pop("month", None)
        filterset = filters.ActivityFilterSet(params or None, request=self.request,
                                              queryset=self.get_queryset().select_related("region"))
        activities = filterset.qs.filter(start_date__gte=first - datetime.timedelta(days=7),
                                         start_date__lt=following + datetime.timedelta(days=7)).order_by("starts_at")
        query = params.urlencode()
        context.update({
            "title": _("活动日历"),
            "month": first,
            "weeks": selectors.month_grid(first.year, first.month, activities[:1000]),
            "filterset": filterset,
            "prev_url": f"?month={previous:%Y-%m}" + (f"&{query}" if query else ""),
            "next_url": f"?month={following:%Y-%m}" + (f"&{query}" if query else ""),
            "today_url": "?" + query,
            "list_url": reverse("activities:activity_list") + ("?" + query if query else ""),
            "type_labels": selectors.activity_type_labels(),
        })
        return context


class ActivityDetailView(ObjectDetailView):
    model = Activity
    template_name = "activities/activity_detail.html"

    def base_queryset(self):
        return Activity.objects.select_related("region", "programme", "service_programme", "recorded_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activity = self.object
        user = self.request.user
        can_change = user.has_perm("activities.change_activity")
        can_checkin = user.has_perm("activities.add_attendance")
        attendances = list(activity.attendances.select_related("person", "person__employer")
                           .order_by("checked_in_at", "id")[:500])
        present = {a.person_id for a in attendances}
        registrations = list(activity.registrations.filter(status=RegistrationStatus.REGISTERED)
                             .select_related("person", "person__employer").order_by("registered_at")[:500])
        opens, closes = activity.checkin_window
        context.update({
            "type_label": activity.type_label,
            "associations": list(activity.associations.all()),
            "teams": list(activity.teams.all()),
            "enterprises": list(activity.enterprises.all()[:50]),
            "enterprise_count": activity.enterprises_served + activity.enterprises.count(),
            "attendances": attendances,
            "attendance_count": activity.attendances.count(),
            "registrations": [{"registration": r, "present": r.person_id in present} for r in registrations],
            "registration_count": activity.registrations.filter(status=RegistrationStatus.REGISTERED).count(),
            "media": list(activity.media_coverage.all()),
            "donations": list(activity.donations.all()),
            "checkin_opens": opens, "checkin_closes": closes,
            "checkin_url": services.checkin_url(activity, self.request),
            "qr_url": reverse("activities:activity_qr", args=[activity.pk]),
            "can_change": can_change,
            "can_checkin": can_checkin,
            "attendees_form": forms.AttendeesForm(user=user) if can_checkin else None,
            "sheet_form": forms.SheetForm(user=user) if can_checkin else None,
            "media_form": forms.MediaCoverageForm(user=user, initial={"published_on": timezone.localdate()})
            if can_change else None,
            "donation_form": forms.DonationForm(user=user, initial={"donated_on": activity.start_date})
            if can_change else None,
            "training_class": getattr(activity, "training_class", None)
            if hasattr(activity, "training_class") else None,
            "training_add_url": reverse("activities:trainingclass_add") + f"?activity={activity.pk}"
            if activity.type == TYPE_TRAINING and not hasattr(activity, "training_class")
            and user.has_perm("activities.add_trainingclass") else None,
            "site": getattr(activity, "site", None),
        })
        return context


class ActivityEditView(ServiceEditView):
    model = Activity
    form_class = forms.ActivityForm
    template_name = "activities/activity_form.html"
    prefill = {"programme": "programme", "service": "service_programme"}

    def get_initial(self):
        initial = super().get_initial()
        prefix = scope_prefix(self.request.user)
        if self.object is None and prefix:
            initial["region"] = prefix
        return initial

    SECTIONS = [
        (gettext_lazy("基本信息"), ["title", "type", "programme", "service_programme", "region", "description"]),
        (gettext_lazy("主办与地点"), ["associations", "teams", "departments", "place", "site"]),
        (gettext_lazy("时间、报名与签到"), ["starts_at", "ends_at", "signup_mode", "signup_associations",
                                       "signup_deadline", "capacity", "checkin_opens_at", "checkin_closes_at"]),
        (gettext_lazy("成效"), ["beneficiaries", "enterprises_served", "enterprises", "outcome", "is_cancelled"]),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object is None:
            context["title"] = _("新增活动")
        form = context["form"]
        context["sections"] = [{"title": title, "fields": [form[name] for name in names if name in form.fields]}
                               for title, names in self.SECTIONS]
        placed = {name for _title, names in self.SECTIONS for name in names}
        rest = [form[name] for name in form.fields if name not in placed and not form[name].is_hidden]
        if rest:
            context["sections"].append({"title": _("其他"), "fields": rest})
        return context

    def save(self, form):
        data = form.cleaned_data
        return services.save_activity(activity=form.save(commit=False), user=self.request.user,
                                      associations=data["associations"], teams=data["teams"],
                                      signup_associations=data["signup_associations"],
                                      enterprises=data["enterprises"])


class ActivityDeleteView(ObjectDeleteView):
    """An activity with attendances is part of the figures and the points ledger: it is cancelled, not deleted."""

    model = Activity

    def form_valid(self, form):
        if self.object.attendances.exists():
            messages.error(self.request, _("该活动已有签到记录（计入统计和积分），不能删除；如活动未举办，请编辑为“已取消”。"))
            return redirect(self.object.get_absolute_url())
        return super().form_valid(form)


class ActivityQRView(ScopedViewMixin, generic.View):
    """The activity's check-in QR code as an SVG image (its content is the portal's check-in URL)."""

    model = Activity

    def get(self, request, pk):
        import segno

        activity = get_object_or_404(self.get_queryset(), pk=pk)
        buffer = io.BytesIO()
        segno.make(services.checkin_url(activity, request), error="m").save(buffer, kind="svg", scale=8, border=2)
        response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
        response["Cache-Control"] = "private, no-store"
        return response


class ActivityQRPosterView(ObjectDetailView):
    """A printable page with the QR code, to put up at the venue."""

    model = Activity
    template_name = "activities/activity_qr.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activity = self.object
        opens, closes = activity.checkin_window
        context.update({"qr_url": reverse("activities:activity_qr", args=[activity.pk]),
                        "checkin_url": services.checkin_url(activity, self.request),
                        "checkin_opens": opens, "checkin_closes": closes})
        return context


class ActivityRenewTokenView(ObjectActionView):
    model = Activity
    form_class = forms.EmptyForm
    success_message = gettext_lazy("已生成新的签到二维码，旧二维码失效。")

    def perform(self, data):
        services.renew_checkin_token(self.object, by=self.request.user)


class _ActivityAttendanceAction(ObjectActionView):
    """Writes attendances of an activity: needs the right to add attendances, scoped through the activity."""

    model = Activity

    def get_permission_required(self):
        return ["activities.add_attendance"]


class ActivityCheckInView(_ActivityAttendanceAction):
    """Check one person in from the registrations list."""

    form_class = forms.CheckInPersonForm

    def perform(self, data):
        person = data["person"]
        services.staff_check_in(self.object, person, by=self.request.user)
        return _("已为%(name)s签到。") % {"name": person.name}


class ActivityAddAttendeesView(_ActivityAttendanceAction):
    form_class = forms.AttendeesForm

    def perform(self, data):
        created, skipped = services.add_attendees(self.object, data["persons"], by=self.request.user,
                                                  hours=data.get("volunteer_hours"))
        return _("已登记 %(c)s 人，%(s)s 人此前已签到。") % {"c": len(created), "s": len(skipped)}


class ActivitySheetView(_ActivityAttendanceAction):
    """An attendance sheet (Excel) for this activity: every row checked, written only when all rows are good."""

    form_class = forms.SheetForm

    def perform(self, data):
        from tongxin.activities import imports
        from tongxin.core.tabular import TabularError, describe_errors

        try:
            result = imports.import_attendance_sheet(self.object, data["file"], user=self.request.user)
        except TabularError as exc:
            raise ValidationError(exc.message) from exc
        if not result.committed:
            raise ValidationError(_("签到表有错误，没有写入任何数据：%(e)s")
                                  % {"e": "；".join(describe_errors(result, 10))})
        return _("签到表导入完成：新增 %(c)s 人，此前已签到 %(s)s 人。") % {"c": result.created, "s": result.skipped}


class AttendanceActionView(ObjectActionView):
    model = Attendance

    def success_url(self):
        return self.object.activity.get_absolute_url()


class AttendanceHoursView(AttendanceActionView):
    form_class = forms.HoursForm
    success_message = gettext_lazy("志愿服务时长已更新，积分随之调整。")

    def perform(self, data):
        services.set_volunteer_hours(self.object, data["volunteer_hours"], by=self.request.user)


class AttendanceRemoveView(AttendanceActionView):
    permission_action = "delete"
    form_class = forms.ReasonForm
    success_message = gettext_lazy("已删除签到记录，相应积分已冲减。")

    def perform(self, data):
        services.remove_attendance(self.object, by=self.request.user, reason=data["reason"])


class ActivityMediaView(ObjectActionView):
    model = Activity
    form_class = forms.MediaCoverageForm
    success_message = gettext_lazy("已添加媒体报道。")

    def perform(self, data):
        MediaCoverage.objects.create(activity=self.object, **data)


class ActivityDonationView(ObjectActionView):
    model = Activity
    form_class = forms.DonationForm
    success_message = gettext_lazy("已登记捐赠。")

    def post(self, request, *args, **kwargs):
        form = forms.DonationForm(request.POST, user=request.user,
                                  instance=Donation(activity=self.object))
        if form.is_valid():
            form.save()
            messages.success(request, self.success_message)
        else:
            messages.error(request, _form_errors(form))
        return redirect(self.object.get_absolute_url())


class MediaCoverageDeleteView(ObjectActionView):
    model = MediaCoverage
    permission_action = "change"
    form_class = forms.EmptyForm

    def get_permission_required(self):
        return ["activities.change_activity"]

    def success_url(self):
        return self.object.activity.get_absolute_url()

    def perform(self, data):
        self.object.delete()
        return _("已删除媒体报道。")


class DonationDeleteView(MediaCoverageDeleteView):
    model = Donation

    def perform(self, data):
        self.object.delete()
        return _("已删除捐赠记录。")


class ActivityAttendanceExportView(ScopedViewMixin, generic.View):
    """The activity's attendance sheet as .xlsx, in the columns the sheet import reads."""

    model = Activity

    def get_permission_required(self):
        return ["activities.view_attendance"]

    def get(self, request, pk):
        from tongxin.activities import imports

        activity = get_object_or_404(self.get_queryset(), pk=pk)
        return imports.export_attendance_response(activity, user=request.user)


class ActivityExportView(ObjectExportView):
    model = Activity
    filterset_class = filters.ActivityFilterSet
    list_url_name = "activities:activity_list"
    export_name = "活动"

    def spec(self):
        from tongxin.activities import imports

        return imports.ActivitySpec()

    def rows(self, queryset):
        from tongxin.activities import imports

        return imports.export_activities(queryset).iterator(chunk_size=2000)


class ActivityImportView(ObjectImportView):
    """Upload an activity list and import it in one step: checked row by row; written all-or-nothing or only the
    valid rows ("mode" = "valid"). Nothing is kept between requests."""

    model = Activity
    template_name = "activities/activity_import.html"
    form_class = forms.ImportForm
    title = gettext_lazy("导入活动")
    template_url_name = "activities:activity_import_template"
    list_url_name = "activities:activity_list"

    def spec(self):
        from tongxin.activities import imports

        return imports.ActivitySpec()

    def form_valid(self, form):
        from tongxin.activities import imports
        from tongxin.core.tabular import TabularError, describe_errors

        skip = self.request.POST.get("mode") == "valid"
        try:
            result = imports.import_activities(form.cleaned_data["file"], region=form.cleaned_data["region"].code,
                                               user=self.request.user, skip_invalid=skip)
        except TabularError as exc:
            return self.file_error(form, exc)
        if not result.committed:
            return self.render_to_response(self.get_context_data(
                form=form, result=result, errors=describe_errors(result, self.shown_errors)))
        messages.success(self.request, _("导入完成：新增 %(c)s 项，跳过 %(s)s 项，有错误未导入 %(r)s 行。") % {
            "c": result.created, "s": result.skipped, "r": result.rejected})
        return redirect(self.success_url())


class ActivityImportTemplateView(ObjectImportTemplateView):
    model = Activity

    def spec(self):
        from tongxin.activities import imports

        return imports.ActivitySpec()


# --- Programmes and the service menu -------------------------------------------------------------------------------


class ProgrammeListView(ObjectListView):
    model = Programme
    columns = tables.PROGRAMME_COLUMNS
    filterset_class = filters.ProgrammeFilterSet
    default_ordering = ("name", "id")

    def base_queryset(self):
        return Programme.objects.select_related("region").annotate(activity_count=Count("activities"))


class _ActivitiesOfMixin:
    """A detail page that lists activities logged against the object."""

    activity_filter = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activities = selectors.with_type_name(Activity.objects.restrict(self.request.user)
                                              .filter(**{self.activity_filter: self.object})
                                              .select_related("region").order_by("-starts_at"))
        context["activities"] = activities[:100]
        context["activity_total"] = activities.count()
        context["activity_columns"] = tables.ASSOCIATION_ACTIVITY_COLUMNS
        from tongxin.core.tables import Table

        context["activity_table"] = Table(tables.ASSOCIATION_ACTIVITY_COLUMNS, context["activities"])
        return context


class ProgrammeDetailView(_ActivitiesOfMixin, DetailView):
    model = Programme
    template_name = "activities/programme_detail.html"
    activity_filter = "programme"
    fields = ["name", "region", "started_on", "is_active", "description"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm("activities.add_activity"):
            context["add_activity_url"] = reverse("activities:activity_add") + f"?programme={self.object.pk}"
        return context


class ProgrammeEditView(ObjectEditView):
    model = Programme
    form_class = forms.ProgrammeForm


class ProgrammeDeleteView(ObjectDeleteView):
    model = Programme


class ServiceProgrammeListView(ObjectListView):
    model = ServiceProgramme
    columns = tables.SERVICE_COLUMNS
    filterset_class = filters.ServiceProgrammeFilterSet
    default_ordering = ("name", "id")
    title = gettext_lazy("服务清单")

    def base_queryset(self):
        return (ServiceProgramme.objects.select_related("region").prefetch_related("specialties")
                .annotate(activity_count=Count("activities")))


class ServiceProgrammeDetailView(_ActivitiesOfMixin, DetailView):
    model = ServiceProgramme
    template_name = "activities/service_detail.html"
    activity_filter = "service_programme"
    fields = ["name", "region", "target", "started_on", "ended_on", "is_active", "description"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        programme = self.object
        context["specialties"] = list(programme.specialties.all())
        context["suggested"] = list(selectors.suggested_persons(programme, user=self.request.user))
        wanted = {s.pk for s in context["specialties"]}
        for person in context["suggested"]:
            person.matched = [s.name for s in person.specialties.all() if s.pk in wanted]
        if self.request.user.has_perm("activities.add_activity"):
            context["add_activity_url"] = reverse("activities:activity_add") + f"?service={programme.pk}"
        return context


class ServiceProgrammeEditView(ObjectEditView):
    model = ServiceProgramme
    form_class = forms.ServiceProgrammeForm


class ServiceProgrammeDeleteView(ObjectDeleteView):
    model = ServiceProgramme


# --- Training classes ----------------------------------------------------------------------------------------------


class TrainingClassListView(ObjectListView):
    model = TrainingClass
    columns = tables.TRAINING_COLUMNS
    filterset_class = filters.TrainingClassFilterSet
    title = gettext_lazy("培训班")

    def base_queryset(self):
        return TrainingClass.objects.select_related("activity", "activity__region").annotate(
            trainee_count=Count("trainees", distinct=True),
            completed_count=Count("trainees", filter=Q(trainees__completed=True), distinct=True))


class TrainingClassDetailView(ObjectDetailView):
    model = TrainingClass
    template_name = "activities/training_detail.html"

    def base_queryset(self):
        return TrainingClass.objects.select_related("activity", "activity__region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        training = self.object
        user = self.request.user
        sessions = list(training.sessions.annotate(present=Count("attendances")))
        present = {}
        for person_id, n in (training.sessions.values_list("attendances__person_id")
                             .annotate(n=Count("attendances")).values_list("attendances__person_id", "n")):
            if person_id:
                present[person_id] = n
        trainees = list(training.trainees.select_related("person", "person__employer")
                        .order_by("person__name_pinyin", "id"))
        for trainee in trainees:
            trainee.sessions_present = present.get(trainee.person_id, 0)
        can_change = user.has_perm("activities.change_trainingclass")
        context.update({
            "sessions": sessions,
            "trainees": trainees,
            "completed": sum(1 for t in trainees if t.completed),
            "enroll_form": forms.EnrollForm(user=user) if can_change else None,
            "session_add_url": reverse("activities:classsession_add") + f"?training_class={training.pk}"
            if user.has_perm("activities.add_classsession") else None,
            "can_change": can_change,
        })
        return context


class TrainingClassEditView(ServiceEditView):
    model = TrainingClass
    form_class = forms.TrainingClassForm
    prefill = {"activity": "activity"}

    def save(self, form):
        return services.save_training_class(training_class=form.save(commit=False), user=self.request.user)


class TrainingClassDeleteView(ObjectDeleteView):
    model = TrainingClass


class TrainingEnrollView(ObjectActionView):
    model = TrainingClass
    form_class = forms.EnrollForm

    def perform(self, data):
        created = services.enroll(self.object, data["persons"], by=self.request.user)
        return _("已报到 %(n)s 名学员。") % {"n": len(created)}


class TrainingCompletionView(ObjectActionView):
    model = TrainingClass
    form_class = forms.EmptyForm

    def perform(self, data):
        n = services.update_completion(self.object, by=self.request.user)
        return _("已按出勤更新结业情况：%(n)s 人结业。") % {"n": n}


class TraineeCompletionView(ObjectActionView):
    model = Trainee
    form_class = forms.EmptyForm

    def get_permission_required(self):
        return ["activities.change_trainingclass"]

    def success_url(self):
        return self.object.training_class.get_absolute_url()

    def perform(self, data):
        trainee = self.object
        services.set_completion(trainee, not trainee.completed, by=self.request.user)
        return _("已更新%(name)s的结业状态。") % {"name": trainee.person.name}


class ClassSessionListView(ObjectListView):
    model = ClassSession
    columns = tables.SESSION_COLUMNS
    filterset_class = filters.ClassSessionFilterSet
    default_ordering = ("-starts_at", "-id")

    def base_queryset(self):
        return ClassSession.objects.select_related("training_class__activity").annotate(
            present=Count("attendances"))

    def add_url(self):
        return None


class ClassSessionDetailView(DetailView):
    model = ClassSession
    template_name = "activities/session_detail.html"

    def base_queryset(self):
        return ClassSession.objects.select_related("training_class", "training_class__activity")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.object
        present = set(session.attendances.values_list("person_id", flat=True))
        form = forms.SessionAttendanceForm(session=session, initial={"persons": list(present)})
        context.update({"form": form, "present": len(present),
                        "can_change": self.request.user.has_perm("activities.change_trainingclass"),
                        "trainee_count": session.training_class.trainees.count()})
        return context


class ClassSessionEditView(ServiceEditView):
    model = ClassSession
    form_class = forms.ClassSessionForm
    prefill = {"training_class": "training_class"}

    def save(self, form):
        return services.save_session(session=form.save(commit=False), user=self.request.user)


class ClassSessionDeleteView(ObjectDeleteView):
    model = ClassSession

    def get_success_url(self):
        return self.object.training_class.get_absolute_url()


class SessionAttendanceView(ObjectActionView):
    model = ClassSession

    def get_permission_required(self):
        return ["activities.change_trainingclass"]

    def post(self, request, *args, **kwargs):
        session = self.object
        form = forms.SessionAttendanceForm(request.POST, session=session)
        if form.is_valid():
            try:
                n = services.record_session_attendance(session, form.cleaned_data["persons"], by=request.user)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("已登记出勤，新增 %(n)s 人。") % {"n": n})
        else:
            messages.error(request, _form_errors(form))
        return redirect(session.get_absolute_url())


# --- Points ----------------------------------------------------------------------------------------------------------


class PointRuleListView(ObjectListView):
    model = PointRule
    columns = tables.POINT_RULE_COLUMNS
    filterset_class = filters.PointRuleFilterSet
    default_ordering = ("region", "trigger", "id")

    def base_queryset(self):
        return PointRule.objects.select_related("region")


class PointRuleDetailView(DetailView):
    model = PointRule
    fields = ["region", "trigger", "activity_type", "points", "is_active", "note"]

    def details(self, obj):
        rows = super().details(obj)
        for row in rows:
            if row["label"] == obj._meta.get_field("activity_type").verbose_name:
                row["value"] = selectors.activity_type_labels().get(obj.activity_type, _("所有类型"))
        return rows


class PointRuleEditView(ServiceEditView):
    model = PointRule
    form_class = forms.PointRuleForm

    def save(self, form):
        return services.save_point_rule(rule=form.save(commit=False), user=self.request.user)


class PointRuleDeleteView(ObjectDeleteView):
    model = PointRule


class PointEntryListView(ObjectListView):
    model = PointEntry
    columns = tables.POINT_ENTRY_COLUMNS
    filterset_class = filters.PointEntryFilterSet
    default_ordering = ("-at", "-id")
    title = gettext_lazy("积分台账")

    def base_queryset(self):
        return PointEntry.objects.select_related("person", "region", "by")

    def add_url(self):
        return None


class PersonPointsView(ScopedViewMixin, generic.TemplateView):
    """A person's points: balance (the ledger's sum), the ledger, adjust with a reason, redeem a reward."""

    model = Person
    template_name = "activities/person_points.html"

    def get_permission_required(self):
        return ["activities.view_pointentry"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"], is_erased=False)
        user = self.request.user
        ledger = list(services.points_ledger(person)[:200])
        context.update({
            "title": _("%(name)s的积分") % {"name": person.name},
            "person": person,
            "balance": services.points_balance(person),
            "ledger": ledger,
            "attendances": list(person.attendances.restrict(user).select_related("activity")
                                .order_by("-checked_in_at")[:50]),
            "adjust_form": forms.AdjustPointsForm(user=user)
            if user.has_perm("activities.add_pointentry") else None,
            "redeem_form": forms.RedeemRewardForm(user=user)
            if user.has_perm("activities.add_redemption") else None,
        })
        return context


class _PersonAction(ObjectActionView):
    model = Person

    def success_url(self):
        return reverse("activities:person_points", args=[self.object.pk])


class PersonAdjustPointsView(_PersonAction):
    form_class = forms.AdjustPointsForm
    success_message = gettext_lazy("已记录积分调整。")

    def get_permission_required(self):
        return ["activities.add_pointentry"]

    def perform(self, data):
        services.adjust_points(self.object, data["points"], reason=data["reason"], by=self.request.user)


class PersonRedeemView(_PersonAction):
    form_class = forms.RedeemRewardForm

    def get_permission_required(self):
        return ["activities.add_redemption"]

    def perform(self, data):
        redemption = services.redeem(self.object, data["reward"], by=self.request.user)
        return _("已兑换“%(name)s”，扣减 %(n)s 分。") % {"name": redemption.reward.name, "n": redemption.points}


class RewardListView(ObjectListView):
    model = Reward
    columns = tables.REWARD_COLUMNS
    filterset_class = filters.RewardFilterSet
    default_ordering = ("points_cost", "id")

    def base_queryset(self):
        return Reward.objects.select_related("region")


class RewardDetailView(DetailView):
    model = Reward
    template_name = "activities/reward_detail.html"
    fields = ["name", "region", "points_cost", "stock", "is_active", "description"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["redemptions"] = list(self.object.redemptions.restrict(self.request.user)
                                      .select_related("person", "by")[:100])
        if self.request.user.has_perm("activities.add_redemption") and self.object.is_active:
            context["redeem_form"] = forms.RedeemForm(user=self.request.user)
        return context


class RewardEditView(ObjectEditView):
    model = Reward
    form_class = forms.RewardForm


class RewardDeleteView(ObjectDeleteView):
    model = Reward


class RewardRedeemView(ObjectActionView):
    model = Reward
    form_class = forms.RedeemForm

    def get_permission_required(self):
        return ["activities.add_redemption"]

    def perform(self, data):
        person = data["person"]
        services.redeem(person, self.object, by=self.request.user)
        return _("%(name)s已兑换。") % {"name": person.name}


class LeaderboardView(ScopedViewMixin, generic.TemplateView):
    """Points earned per person in a period, for the whole scope or the members of one association."""

    model = PointEntry
    template_name = "activities/leaderboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        form = forms.LeaderboardForm(self.request.GET or None, user=user,
                                     initial={"date_from": today.replace(month=1, day=1), "date_to": today})
        data = form.cleaned_data if form.is_valid() else {}
        date_from = data.get("date_from") or today.replace(month=1, day=1)
        date_to = data.get("date_to") or today
        prefix = scope_prefix(user) or ""
        region = data.get("region")
        if region is not None:
            prefix = region.code
        rows = selectors.leaderboard(prefix=prefix, date_from=date_from, date_to=date_to,
                                     association=data.get("association"), persons=Person.objects.restrict(user))
        context.update({"title": _("积分排行"), "form": form, "rows": list(rows),
                        "date_from": date_from, "date_to": date_to, "association": data.get("association")})
        return context

