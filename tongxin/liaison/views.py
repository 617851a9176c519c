"""Pages of liaison work. Thin: querysets from the generic scoped views, writes through `services`."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

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
from tongxin.core.scope import scope_prefix
from tongxin.liaison import filters, forms, imports, selectors, services, tables
from tongxin.liaison.models import (
    Case,
    CaseNote,
    CaseStatus,
    Channel,
    Contact,
    Pairing,
    PairingMember,
)
from tongxin.people.models import Person

COVERAGE_ROWS = 200
RAISER_ICONS = {"person": "user", "association": "users-group", "community": "building-community"}
CHANNEL_ICONS = {Channel.FACE: "users", Channel.PHONE: "phone", Channel.ONLINE: "brand-wechat"}


# --- Pairings --------------------------------------------------------------------------------------------------


class PairingListView(ObjectListView):
    model = Pairing
    template_name = "liaison/list.html"
    columns = tables.PAIRING_COLUMNS
    filterset_class = filters.PairingFilterSet
    title = gettext_lazy("结对联系")

    def base_queryset(self):
        current = PairingMember.objects.filter(removed_on__isnull=True).select_related("person")
        return Pairing.objects.select_related("leader_user", "leader_person", "region").prefetch_related(
            Prefetch("members", queryset=current, to_attr="current_members"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = _pairing_summary(self.request.user)
        context["add_label"] = _("新增结对")
        return context


def _pairing_summary(user) -> dict:
    """"N名领导联系M名代表人士" for the user's scope, today (the same figures as pairing.leaders/representatives)."""
    from tongxin.liaison import metrics

    prefix = scope_prefix(user)
    if prefix is None:
        return {}
    today = timezone.localdate()
    return {"leaders": metrics.leaders(prefix, today, today)["total"],
            "persons": metrics.representatives(prefix, today, today)}


class PairingDetailView(ObjectDetailView):
    model = Pairing
    template_name = "liaison/pairing_detail.html"

    def base_queryset(self):
        return Pairing.objects.select_related("leader_user", "leader_person", "region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pairing = self.object
        user = self.request.user
        today = timezone.localdate()
        members = selectors.pairing_members_table(pairing, today=today)
        current_ids = [row["person"].pk for row in members if row["current"]]
        contacts = Contact.objects.restrict(user).filter(links__person_id__in=[r["person"].pk for r in members])
        if pairing.leader_user_id:
            contacts = contacts.filter(by_user_id=pairing.leader_user_id)
        else:
            contacts = contacts.filter(by_person_id=pairing.leader_person_id)
        context.update({
            "members": members,
            "active": pairing.is_active(today),
            "contacts": selectors.contacts_list_queryset(contacts.distinct()).order_by("-contacted_on", "-id")[:20],
            "contact_url": (reverse("liaison:contact_add") + f"?pairing={pairing.pk}")
            if user.has_perm("liaison.add_contact") and current_ids and pairing.is_active(today) else None,
            "end_url": reverse("liaison:pairing_end", args=[pairing.pk])
            if user.has_perm("liaison.change_pairing") and pairing.ended_on is None else None,
            "end_form": forms.EndPairingForm(),
        })
        return context


class PairingEditView(ServiceEditView):
    model = Pairing
    form_class = forms.PairingForm
    template_name = "liaison/pairing_form.html"

    def save(self, form):
        return services.save_pairing(pairing=form.save(commit=False), persons=form.cleaned_data["persons"],
                                     user=self.request.user)


class PairingEndView(ObjectActionView):
    model = Pairing
    form_class = forms.EndPairingForm
    success_message = gettext_lazy("结对已结束。")

    def perform(self, data):
        services.end_pairing(pairing=self.object, ended_on=data["ended_on"], reason=data["reason"],
                             user=self.request.user)


class PairingDeleteView(ObjectDeleteView):
    model = Pairing


# --- Contacts --------------------------------------------------------------------------------------------------


class ContactListView(ObjectListView):
    model = Contact
    template_name = "liaison/list.html"
    columns = tables.CONTACT_COLUMNS
    filterset_class = filters.ContactFilterSet
    title = gettext_lazy("联系记录")
    default_ordering = ("-contacted_on", "-id")

    def base_queryset(self):
        return selectors.contacts_list_queryset(Contact.objects.all())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["export_urls"] = export_links(reverse("liaison:contact_export"), query_without_cursor(self.request))
        if user.has_perm("liaison.add_contact"):
            context["import_url"] = reverse("liaison:contact_import")
        context["add_label"] = _("记录联系")
        return context


class ContactDetailView(ObjectDetailView):
    model = Contact
    template_name = "liaison/contact_detail.html"

    def base_queryset(self):
        return Contact.objects.select_related("by_user", "by_person", "region", "recorded_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = self.object
        user = self.request.user
        context.update({
            "persons": list(contact.persons.select_related("employer", "region").order_by("name_pinyin", "id")),
            "follow_up_form": forms.FollowUpForm() if contact.follow_up_open and user.has_perm(
                "liaison.change_contact") else None,
            "again_url": reverse("liaison:contact_add") + "?" + "&".join(
                f"person={pk}" for pk in contact.links.values_list("person_id", flat=True))
            if user.has_perm("liaison.add_contact") else None,
        })
        return context


class ContactEditView(ServiceEditView):
    """The quick, phone-first form; `?person=<pk>` (repeatable) or `?pairing=<pk>` fills in whom."""

    model = Contact
    form_class = forms.ContactForm
    template_name = "liaison/contact_form.html"

    def get_initial(self):
        initial = super().get_initial()
        if self.object is not None:
            return initial
        user = self.request.user
        ids = [pk for pk in self.request.GET.getlist("person") if pk.isdigit()]
        pairing_id = self.request.GET.get("pairing", "")
        if pairing_id.isdigit():
            pairing = Pairing.objects.restrict(user).filter(pk=pairing_id).first()
            if pairing is not None:
                ids += [str(pk) for pk in pairing.members.filter(removed_on__isnull=True)
                        .values_list("person_id", flat=True)]
                if pairing.leader_user_id:
                    initial["by_user"] = pairing.leader_user_id
                else:
                    initial["by_person"] = pairing.leader_person_id
                    initial["by_user"] = None
        if ids:
            initial["persons"] = list(Person.objects.restrict(user).filter(pk__in=ids, is_erased=False)
                                      .values_list("pk", flat=True))
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object is None:
            context["title"] = _("记录联系")
        form = context["form"]
        context["channel_options"] = [{"radio": radio, "icon": CHANNEL_ICONS.get(radio.data["value"])}
                                      for radio in form["channel"]]
        folded = ("content", "follow_up_needed", "follow_up_note", "by_user", "by_person")
        context["more_open"] = (any(form[name].errors for name in folded) or bool(form["content"].value())
                                or bool(form["follow_up_needed"].value()) or bool(form["by_person"].value()))
        return context

    def save(self, form):
        return services.save_contact(contact=form.save(commit=False), persons=form.cleaned_data["persons"],
                                     user=self.request.user)


class ContactDeleteView(ObjectDeleteView):
    model = Contact


class ContactFollowUpView(ObjectActionView):
    model = Contact
    form_class = forms.FollowUpForm
    success_message = gettext_lazy("已记录跟进完成。")

    def perform(self, data):
        services.complete_follow_up(contact=self.object, done_on=data["done_on"], note=data["note"],
                                    user=self.request.user)


class ContactExportView(ObjectExportView):
    model = Contact
    filterset_class = filters.ContactFilterSet
    list_url_name = "liaison:contact_list"
    export_name = "联系记录"

    def spec(self):
        return imports.ContactSpec()

    def rows(self, queryset):
        return imports.export_contact_links(queryset).iterator(chunk_size=2000)


class ContactImportTemplateView(ObjectImportTemplateView):
    model = Contact
    spec_class = imports.ContactSpec


class ContactImportView(ObjectImportView):
    """Upload → preview (every row checked, nothing written) → import all rows or only the valid ones."""

    model = Contact
    form_class = forms.ImportForm
    spec_class = imports.ContactSpec
    title = gettext_lazy("导入联系记录")
    template_name = "liaison/contact_import.html"
    template_url_name = "liaison:contact_import_template"
    list_url_name = "liaison:contact_list"
    upload_dir = "imports/contacts"
    session_key = "liaison_contact_import"


# --- Coverage --------------------------------------------------------------------------------------------------


class CoverageView(ScopedViewMixin, generic.TemplateView):
    """覆盖与提醒: representatives nobody is paired with, pairings whose persons are overdue for a contact, and
    follow-ups not done — each row opens the record."""

    model = Pairing
    template_name = "liaison/coverage.html"
    TABS = ("overdue", "unpaired", "follow_ups")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        persons = Person.objects.restrict(user)
        members = PairingMember.objects.restrict(user)
        contacts = Contact.objects.restrict(user)
        tab = self.request.GET.get("tab", "overdue")
        if tab not in self.TABS:
            tab = "overdue"
        counts = selectors.count_coverage(persons, members, contacts, today=today)
        if tab == "unpaired":
            rows = selectors.unpaired_representatives(persons, today=today).select_related(
                "employer", "region").order_by("name_pinyin", "id")
        elif tab == "follow_ups":
            rows = selectors.contacts_list_queryset(selectors.open_follow_ups(contacts))
        else:
            rows = selectors.overdue_members(members, today=today)
            rows = [self._overdue_row(m, today) for m in rows[:COVERAGE_ROWS]]
        rows = list(rows[:COVERAGE_ROWS])
        context.update({
            "title": _("覆盖与提醒"),
            "tab": tab,
            "counts": counts,
            "rows": rows,
            "truncated": counts[tab] > COVERAGE_ROWS,
            "limit": COVERAGE_ROWS,
            "today": today,
            "can_add_contact": user.has_perm("liaison.add_contact"),
            "can_add_pairing": user.has_perm("liaison.add_pairing"),
            "overdue_cases": Case.objects.restrict(user).overdue(today).count()
            if user.has_perm("liaison.view_case") else None,
        })
        return context

    @staticmethod
    def _overdue_row(member, today):
        import datetime

        due = member.due_since + datetime.timedelta(days=member.pairing.contact_interval_days)
        return {"member": member, "person": member.person, "pairing": member.pairing,
                "last_contact": member.last_contact, "due": due, "days": (today - due).days}


# --- Cases -----------------------------------------------------------------------------------------------------


class CaseListView(ObjectListView):
    model = Case
    template_name = "liaison/list.html"
    columns = tables.CASE_COLUMNS
    filterset_class = filters.CaseFilterSet
    title = gettext_lazy("诉求办理")
    default_ordering = ("-opened_on", "-id")

    def base_queryset(self):
        return Case.objects.select_related("region", "taken_by", "raised_by_person", "raised_by_association")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["export_urls"] = export_links(reverse("liaison:case_export"), query_without_cursor(self.request))
        context["add_label"] = _("登记诉求")
        return context


class CaseDetailView(ObjectDetailView):
    model = Case
    template_name = "liaison/case_detail.html"

    def base_queryset(self):
        return Case.objects.select_related("region", "taken_by", "raised_by_person", "raised_by_association")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        can_change = self.request.user.has_perm("liaison.change_case")
        transitions = []
        if can_change:
            for status in services.allowed_transitions(case):
                transitions.append({"status": status, "label": _TRANSITION_LABELS[status][case.status == CaseStatus.RESOLVED],
                                    "form": forms.CaseStatusForm(initial={"status": status}),
                                    "needs_resolution": status == CaseStatus.RESOLVED,
                                    "needs_note": status == CaseStatus.CLOSED and case.status != CaseStatus.RESOLVED
                                    or status == CaseStatus.IN_PROGRESS and case.status == CaseStatus.RESOLVED})
        context.update({
            "notes": list(case.notes.select_related("author")),
            "status_badge": tables.case_status_badge(case),
            "transitions": transitions,
            "note_form": forms.CaseNoteForm() if can_change and case.status != CaseStatus.CLOSED else None,
            "feedback_form": forms.FeedbackForm(initial={"feedback": case.feedback})
            if can_change and case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) else None,
            "note_kinds": {CaseNote.NOTE: "bg-blue", CaseNote.STATUS: "bg-green", CaseNote.FEEDBACK: "bg-yellow"},
        })
        return context


_TRANSITION_LABELS = {
    CaseStatus.IN_PROGRESS: (gettext_lazy("开始办理"), gettext_lazy("重新办理")),
    CaseStatus.RESOLVED: (gettext_lazy("办结"), gettext_lazy("办结")),
    CaseStatus.CLOSED: (gettext_lazy("关闭"), gettext_lazy("关闭（归档）")),
    CaseStatus.OPEN: (gettext_lazy("待办理"), gettext_lazy("待办理")),
}


class CaseEditView(ServiceEditView):
    model = Case
    form_class = forms.CaseForm
    template_name = "liaison/case_form.html"

    def get_initial(self):
        initial = super().get_initial()
        person = self.request.GET.get("person", "")
        if self.object is None and person.isdigit():
            if Person.objects.restrict(self.request.user).filter(pk=person, is_erased=False).exists():
                initial["raised_by_person"] = int(person)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object is None:
            context["title"] = _("登记诉求")
        context["raiser_options"] = [{"radio": radio, "icon": RAISER_ICONS.get(radio.data["value"])}
                                     for radio in context["form"]["raiser_kind"]]
        return context

    def save(self, form):
        return services.save_case(case=form.save(commit=False), user=self.request.user)


class CaseDeleteView(ObjectDeleteView):
    model = Case


class CaseStatusView(ObjectActionView):
    model = Case
    form_class = forms.CaseStatusForm
    success_message = gettext_lazy("状态已更新。")

    def perform(self, data):
        services.change_case_status(case=self.object, status=data["status"], on=data["on"], note=data["note"],
                                    resolution=data["resolution"], user=self.request.user)


class CaseNoteView(ObjectActionView):
    model = Case
    form_class = forms.CaseNoteForm
    success_message = gettext_lazy("已添加办理进展。")

    def perform(self, data):
        services.add_case_note(case=self.object, text=data["text"], noted_on=data["noted_on"],
                               user=self.request.user)


class CaseFeedbackView(ObjectActionView):
    model = Case
    form_class = forms.FeedbackForm
    success_message = gettext_lazy("已登记反映方评价。")

    def perform(self, data):
        services.record_feedback(case=self.object, feedback=data["feedback"], note=data["note"],
                                 user=self.request.user)


class CaseExportView(ObjectExportView):
    model = Case
    filterset_class = filters.CaseFilterSet
    list_url_name = "liaison:case_list"
    export_name = "诉求"

    def spec(self):
        return imports.CaseSpec()

    def rows(self, queryset):
        return imports.export_cases(queryset).iterator(chunk_size=2000)
