"""Pages of the registry. Thin: querysets come from the generic scoped views, writes from `services`."""

from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from tongxin.core.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectExportView,
    ObjectImportTemplateView,
    ObjectJobImportView,
    ObjectListView,
    ScopedViewMixin,
    error_text,
    safe_next,
)
from tongxin.core.models import DictItem
from tongxin.core.scope import in_scope
from tongxin.people import exporting, extensions, filters, forms, search, selectors, services, tables
from tongxin.people.imports import PersonSpec
from tongxin.people.models import Organization, Person, PersonMerge

# --- Persons ---------------------------------------------------------------------------------------------------



class PersonListView(ObjectListView):
    model = Person
    template_name = "people/person_list.html"
    columns = tables.PERSON_COLUMNS
    filterset_class = filters.PersonFilterSet
    title = gettext_lazy("人士库")

    def base_queryset(self):
        # The employers of a page come in a second query by id: joined into the page's query, a search matching a
        # few hundred persons may be planned as a hash join over the whole organization table (tens of ms at a
        # million persons), where 50 lookups by id take a fraction of one. Only the columns the list shows (and
        # sorts by) are read: building 50 persons with all their columns, their regions and employers took half
        # of a search page's time; the ID number is neither read nor decrypted.
        employers = Prefetch("employer", queryset=Organization.objects.only("name"))
        return (Person.objects.select_related("region").prefetch_related(employers)
                .only(*tables.PERSON_LIST_FIELDS, "region__code", "region__name"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = self.request.GET.copy()
        query.pop("cursor", None)
        context.update({
            "bulk_form": forms.BulkActionForm() if user.has_perm("people.change_person") else None,
            "current_url": self.request.get_full_path(),
            "export_urls": self.export_urls(query.urlencode()) if user.has_perm("people.view_person") else [],
            "import_url": _reverse_or_none("people:person_import") if user.has_perm("people.add_person") else None,
            "query": self.request.GET.get("q", ""),
        })
        for extra in extensions.PERSON_LIST_EXTRAS:  # actions of the areas above (orgs: 加入组织)
            context.update(extra(user))
        return context

    def export_urls(self, query: str) -> list[dict]:
        url = reverse("people:person_export") + "?" + (f"{query}&" if query else "")
        links = [{"label": _("导出 Excel"), "url": f"{url}format=xlsx"},
                 {"label": _("导出 CSV"), "url": f"{url}format=csv"}]
        if self.request.user.has_perm("core.export_sensitive"):
            links.append({"label": _("导出 Excel（含完整身份证号、手机号码）"), "url": f"{url}format=xlsx&full=1",
                          "sensitive": True})
        return links


def _reverse_or_none(name: str):
    try:
        return reverse(name)
    except Exception:  # noqa: BLE001 - a page not built yet has no link
        return None


class PersonDetailView(ObjectDetailView):
    model = Person
    template_name = "people/person_detail.html"
    revealed = None

    def base_queryset(self):
        return Person.objects.select_related("employer", "region", "user")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object
        user = self.request.user
        can_change = user.has_perm("people.change_person")
        can_merge = can_change and user.has_perm("people.delete_person")
        duplicates = []
        if not person.is_erased:
            duplicates = [d for d in services.find_duplicates(person) if in_scope(user, d.person.region_id)]
        context.update({
            "sections": selectors.person_detail_sections(person, revealed=self.revealed),
            "revealed": self.revealed is not None,
            "can_reveal": user.has_perm("core.view_sensitive") and bool(person.id_number or person.phone),
            "timeline": selectors.person_timeline(person),
            "accounts": list(person.network_accounts.all()),
            "tags": list(person.tags.all()),
            "specialties": list(person.specialties.all()),
            "duplicates": duplicates,
            "merges": list(PersonMerge.objects.filter(keep=person, undone_at__isnull=True))
            if can_merge else [],
            "status_url": reverse("people:person_status", args=[person.pk])
            if can_change and not person.is_erased else None,
            "merge_url": reverse("people:person_merge", args=[person.pk])
            if can_merge and not person.is_erased else None,
            "erase_url": reverse("people:person_erase", args=[person.pk])
            if user.has_perm("people.delete_person") and not person.is_erased else None,
            "can_merge": can_merge,
            "status_badge": tables.STATUS_BADGES.get(person.status, ""),
        })
        if person.is_erased:
            context["edit_url"] = None
        return context


class PersonRevealView(PersonDetailView):
    """POST: show the full ID number and phone once, written to the audit log."""

    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        return redirect("people:person_detail", pk=kwargs["pk"])

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            self.revealed = services.reveal_sensitive(self.object, request.user)
        except PermissionDenied:
            raise Http404 from None
        context = self.get_context_data(object=self.object)
        response = self.render_to_response(context)
        response["Cache-Control"] = "no-store"
        return response


class PersonEditView(ObjectEditView):
    model = Person
    form_class = forms.PersonForm
    template_name = "people/person_form.html"

    def base_queryset(self):
        return Person.objects.visible()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "formset" not in context:
            context["formset"] = forms.AccountFormSet(prefix="accounts",
                                                      initial=forms.account_initial(self.object or Person()))
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        formset = forms.AccountFormSet(request.POST, prefix="accounts")
        if form.is_valid() and formset.is_valid():
            person = form.save(commit=False)
            try:
                person = services.save_person(
                    person, user=request.user, tags=form.cleaned_data.get("tags_text", ""),
                    specialties=form.cleaned_data.get("specialties_text", ""),
                    accounts=forms.accounts_from(formset),
                )
            except ValidationError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(request, _("已保存。"))
                return redirect(person.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, formset=formset))


class PersonDeleteView(ObjectDeleteView):
    model = Person


class _PersonActionView(ScopedViewMixin, generic.FormView):
    """A form about one person (status, erasure), on that person's own page of actions."""

    model = Person
    permission_action = "change"

    @cached_property
    def person(self) -> Person:
        return get_object_or_404(self.get_queryset().visible().select_related("region", "employer"),
                                 pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"person": self.person, "title": self.title % {"name": self.person.name},
                        "cancel_url": self.person.get_absolute_url()})
        return context

    def form_valid(self, form):
        try:
            self.perform(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect(self.person.get_absolute_url())


class PersonStatusView(_PersonActionView):
    form_class = forms.StatusForm
    template_name = "people/person_action.html"
    title = gettext_lazy("变更“%(name)s”的状态")
    success_message = gettext_lazy("状态已变更。")

    def get_initial(self):
        return {"status": ""}

    def perform(self, data):
        services.change_status(self.person, data["status"], data["date"], data["reason"], user=self.request.user)


class PersonEraseView(_PersonActionView):
    form_class = forms.EraseForm
    permission_action = "delete"
    template_name = "people/person_action.html"
    title = gettext_lazy("删除“%(name)s”的个人信息")
    success_message = gettext_lazy("个人信息已删除，统计数据保留。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["danger"] = True
        context["intro"] = _("依个人信息保护法处理删除请求：清除姓名、身份证号、手机号码、出生日期、工作单位、"
                             "网络账号、标签等个人信息；保留类别、区划、状态和标记的历史，以免已发布的统计数字改变。")
        return context

    def perform(self, data):
        services.erase_person(self.person, data["reason"], user=self.request.user)


class PersonMergeView(_PersonActionView):
    """Pick the other record (`?other=`), compare side by side, choose which to keep, merge."""

    template_name = "people/person_merge.html"
    title = gettext_lazy("合并“%(name)s”的重复记录")

    def get_permission_required(self):
        return ["people.change_person", "people.delete_person"]

    def other(self):
        pk = self.request.POST.get("other") or self.request.GET.get("other")
        if not pk or not str(pk).isdigit() or int(pk) == self.person.pk:
            return None
        return get_object_or_404(self.get_queryset().visible().select_related("region", "employer"), pk=pk)

    def get_form(self, form_class=None):
        other = self.other()
        if other is None:
            return None
        return forms.MergeForm(**self.get_form_kwargs(), first=self.person, second=other)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        other = self.other()
        context["other"] = other
        if other is not None:
            context["comparison"] = selectors.compare_persons(self.person, other)
        else:
            query = self.request.GET.get("q", "")
            found = search.search_persons(self.get_queryset().visible().exclude(pk=self.person.pk), query)
            context["query"] = query
            context["candidates"] = list(found.select_related("region", "employer")[:20]) if query else [
                d.person for d in services.find_duplicates(self.person) if in_scope(self.request.user,
                                                                                   d.person.region_id)]
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form is None:
            return redirect("people:person_merge", pk=self.person.pk)
        if not form.is_valid():
            return self.form_invalid(form)
        other = self.other()
        keep, remove = (self.person, other) if form.cleaned_data["keep"] == str(self.person.pk) else (other,
                                                                                                    self.person)
        try:
            services.merge_persons(keep, remove, user=request.user)
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
            return self.form_invalid(form)
        messages.success(request, _("已合并到“%(name)s”。如有误，可在该人士页面撤销合并。") % {"name": keep.name})
        return redirect(keep.get_absolute_url())


class MergeUndoView(ScopedViewMixin, generic.View):
    model = PersonMerge
    http_method_names = ["post"]

    def get_permission_required(self):
        return ["people.change_person", "people.delete_person"]

    def post(self, request, pk):
        merge = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            removed = services.undo_merge(merge, user=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect(merge.keep.get_absolute_url() if merge.keep else reverse("people:person_list"))
        messages.success(request, _("已撤销合并，“%(name)s”的记录已恢复。") % {"name": removed.name})
        return redirect(removed.get_absolute_url())


class PersonBulkView(ScopedViewMixin, generic.View):
    model = Person
    permission_action = "change"
    http_method_names = ["post"]

    def post(self, request):
        back = safe_next(request, reverse("people:person_list"))
        form = forms.BulkActionForm(request.POST)
        pks = [pk for pk in request.POST.getlist("pk") if pk.isdigit()]
        if not pks:
            messages.error(request, _("请先勾选要操作的人士。"))
            return HttpResponseRedirect(back)
        if not form.is_valid():
            messages.error(request, error_text(ValidationError(list(form.errors.values()))))
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        persons = self.get_queryset().filter(pk__in=pks)
        try:
            count = services.bulk_update_persons(
                persons, action=data["action"], user=request.user, flag=data["flag"], level=data["level"],
                tag=data["tag"], status=data["status"], date=data["date"], reason=data["reason"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return HttpResponseRedirect(back)
        messages.success(request, _("批量操作完成：%(n)s 人已更新。") % {"n": count})
        return HttpResponseRedirect(back)


class PersonExportView(ObjectExportView):
    """The filtered list as .xlsx or .csv with the import's headers (full values with `full=1` for users who may
    export them); large lists go to a background job. `exporting.export_persons` writes the audit entry."""

    model = Person
    filterset_class = filters.PersonFilterSet
    list_url_name = "people:person_list"
    export_params = ("full",)
    job_kind = "people_export"
    job_message = gettext_lazy("人数较多，已转为后台任务导出，完成后在本页下载。")

    @property
    def inline_max_rows(self) -> int:
        return exporting.EXPORT_INLINE_MAX_ROWS

    @property
    def full(self) -> bool:
        return self.request.GET.get("full") == "1"

    def refusal(self, fmt):
        if self.full and not self.request.user.has_perm("core.export_sensitive"):
            return _("没有导出完整敏感信息的权限。")
        return None

    def write(self, queryset, fmt, output):
        return exporting.export_persons(queryset, fmt=fmt, full=self.full, user=self.request.user, output=output)

    def log_export(self, fmt, count):
        pass  # export_persons has logged it, saying whether full values left the system

    def filename(self, fmt):
        return exporting.export_filename(fmt)

    def job_title(self):
        return _("导出人士名册")

    def job_params(self, params, fmt):
        return {"query": params.urlencode(), "format": fmt, "full": self.full}


class PersonImportTemplateView(ObjectImportTemplateView):
    model = Person
    spec_class = PersonSpec


class PersonImportView(ObjectJobImportView):
    """Upload → preview (every row checked and matched, nothing written) → commit as a job (run at once for a
    small file), all or nothing or only the valid rows. The upload waits in the default storage between the
    steps under a random name kept in the session, so the commit imports exactly the previewed file."""

    model = Person
    permission_required = ["people.add_person", "people.change_person"]
    template_name = "people/person_import.html"
    form_class = forms.ImportForm
    commit_form_class = forms.CommitForm
    spec_class = PersonSpec
    title = gettext_lazy("导入人士")
    template_url_name = "people:person_import_template"
    list_url_name = "people:person_list"
    upload_dir = "imports/persons"
    session_key = "people_import"
    job_kind = "people_import"

    @property
    def inline_max_bytes(self) -> int:
        return exporting.IMPORT_INLINE_MAX_BYTES

    def run(self, pending: dict, *, dry_run: bool, skip_invalid: bool = False):
        return exporting.import_persons(path=pending["path"], filename=pending["filename"], region=pending["region"],
                                        user=self.request.user, skip_invalid=skip_invalid, dry_run=dry_run)

    def preview_context(self, result, pending: dict) -> dict:
        return {**super().preview_context(result, pending), "preview": selectors.import_preview(result)}

    def job_title(self, pending: dict) -> str:
        return _("导入人士：%(f)s") % {"f": pending["filename"]}


class PersonSearchView(ScopedViewMixin, generic.View):
    """JSON for pickers: {"results": [{"value", "label"}]}."""

    model = Person

    def get(self, request):
        query = request.GET.get("q", "")
        found = search.search_persons(self.get_queryset().visible(), query).select_related("employer")
        rows = list(found.order_by("name_pinyin", "id")[:20]) if query.strip() else []
        return JsonResponse({"results": [
            {"value": p.pk, "label": f"{p.name}（{p.employer.name if p.employer else _('无单位')}）"} for p in rows]})


# --- Organizations ---------------------------------------------------------------------------------------------


def _with_type_label(queryset):
    label = DictItem.objects.filter(dict_type__code="organization_type", code=OuterRef("type")).values("label")[:1]
    return queryset.annotate(type_label=Subquery(label))


class OrganizationListView(ObjectListView):
    model = Organization
    columns = tables.ORGANIZATION_COLUMNS
    filterset_class = filters.OrganizationFilterSet
    title = gettext_lazy("单位")

    def base_queryset(self):
        return _with_type_label(Organization.objects.select_related("region"))


class OrganizationDetailView(ObjectDetailView):
    model = Organization
    fields = ["name", "type", "credit_code", "industry", "region", "has_party_org", "is_two_new", "address", "note",
              "created_at", "updated_at"]

    def base_queryset(self):
        return _with_type_label(Organization.objects.select_related("region"))

    def details(self, obj):
        rows = super().details(obj)
        for row, name in zip(rows, self.fields, strict=True):
            if name == "type":
                row["value"] = obj.type_label or obj.type or None
            elif name == "region":
                row["value"] = obj.region.full_name or obj.region.name
            elif isinstance(row["value"], bool):
                row["value"] = _("是") if row["value"] else _("否")
            elif row["value"] in ("", None):
                row["value"] = None
        return rows


class OrganizationEditView(ObjectEditView):
    model = Organization
    form_class = forms.OrganizationForm

    def save(self, form):
        return services.save_organization(form.save(commit=False), user=self.request.user)


class OrganizationDeleteView(ObjectDeleteView):
    model = Organization


class OrganizationSearchView(ScopedViewMixin, generic.View):
    model = Organization

    def get(self, request):
        query = request.GET.get("q", "")
        found = search.search_organizations(self.get_queryset(), query).select_related("region")
        rows = list(found.order_by("name", "id")[:30])
        return JsonResponse({"results": [
            {"value": o.pk, "label": f"{o.name}（{o.region.name}）"} for o in rows]})
