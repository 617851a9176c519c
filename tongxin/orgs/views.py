"""Pages of the organising area. Thin: querysets come from the generic scoped views, writes from `services`."""

from __future__ import annotations

import datetime
import os
from functools import cached_property
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from tongxin.core import files
from tongxin.core.exports import attachment_headers
from tongxin.core.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectExportView,
    ObjectImportTemplateView,
    ObjectJobImportView,
    ObjectListView,
    ScopedViewMixin,
    apply_errors,
    error_text,
    safe_next,
)
from tongxin.core.models import DictItem, Region
from tongxin.core.scope import in_scope, scope_prefix
from tongxin.core.tables import Table
from tongxin.orgs import exporting, filters, forms, selectors, services, tables
from tongxin.orgs.models import (
    Association,
    AssociationStatus,
    CouncilTerm,
    FundEntry,
    LiaisonPost,
    Membership,
    MembershipStatus,
    OfficerRole,
    OfficerTerm,
    PostKind,
    PostUnit,
    Rule,
    Team,
)
from tongxin.people.models import Person

MEMBERS_SHOWN = 200
LEDGER_SHOWN = 200


def _today() -> datetime.date:
    return timezone.localdate()


def _reverse_if(user, perm: str, name: str, *args, query: str = "") -> str | None:
    if not user.has_perm(perm):
        return None
    return reverse(name, args=args) + (f"?{query}" if query else "")


class ServiceEditView(ObjectEditView):
    """An edit page whose save goes through a service; the service's ValidationError lands on the form.

    `initial_params` names query parameters that prefill a new record's form (?association=12)."""

    initial_params: tuple[str, ...] = ()

    def get_initial(self):
        initial = super().get_initial()
        if "pk" not in self.kwargs:
            for name in self.initial_params:
                value = self.request.GET.get(name)
                if value:
                    initial[name] = value
        return initial

    def form_valid(self, form):
        try:
            self.object = self.save(form)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存。"))
        return redirect(self.success_url_for(self.object))

    def success_url_for(self, obj) -> str:
        return obj.get_absolute_url()


class _RecordActionView(ScopedViewMixin, generic.FormView):
    """A form acting on one record of `model` (review, end, reverse), found through the scoped queryset."""

    template_name = "orgs/action_form.html"
    permission_action = "change"
    title = ""
    intro = ""

    @cached_property
    def record(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"record": self.record, "title": self.title % {"name": self.record},
                        "intro": self.intro, "cancel_url": self.record.get_absolute_url()})
        return context

    def form_valid(self, form):
        try:
            target = self.perform(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect(target.get_absolute_url())


class _DownloadView(ScopedViewMixin, generic.View):
    """An uploaded file served only to users who may see its record (never through a public media URL)."""

    file_field = ""
    name_field = ""

    def get(self, request, pk):
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        stored = getattr(obj, self.file_field)
        if not stored:
            raise Http404
        name = getattr(obj, self.name_field) or os.path.basename(stored.name)
        extension = os.path.splitext(stored.name)[1].lower()
        try:
            handle = stored.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        inline = extension in (".pdf", ".jpg", ".jpeg", ".png")
        response = FileResponse(handle, content_type=files.content_type_of(stored.name))
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        if inline:
            response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
            return response
        return attachment_headers(response, name)


# --- Associations ----------------------------------------------------------------------------------------------------


def _labelled(queryset):
    def label(code, field):
        return Subquery(DictItem.objects.filter(dict_type__code=code, code=OuterRef(field)).values("label")[:1])

    return queryset.annotate(kind_label=label("association_kind", "kind"),
                             level_label=label("association_level", "level"))


def _with_member_count(queryset, day):
    return queryset.annotate(member_count=Count("memberships__person", filter=selectors.open_on(day, "memberships__"),
                                                distinct=True))


class AssociationListView(ObjectListView):
    model = Association
    template_name = "orgs/association_list.html"
    columns = tables.ASSOCIATION_COLUMNS
    filterset_class = filters.AssociationFilterSet
    title = gettext_lazy("联谊组织")
    default_ordering = ("region", "name", "id")

    def base_queryset(self):
        return _with_member_count(_labelled(Association.objects.select_related("region", "parent")), _today())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = self.request.GET.copy()
        query.pop("cursor", None)
        context.update({
            "overdue": list(selectors.overdue_council_terms(CouncilTerm.objects.restrict(user), _today())[:50]),
            "export_url": reverse("orgs:association_export") + (f"?{query.urlencode()}" if query else ""),
            "import_url": _reverse_if(user, "orgs.add_association", "orgs:association_import"),
        })
        return context


class AssociationTreeView(ScopedViewMixin, generic.TemplateView):
    model = Association
    template_name = "orgs/association_tree.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        show_all = self.request.GET.get("all") == "1"
        queryset = self.get_queryset()
        if not show_all:
            queryset = queryset.filter(status=AssociationStatus.ACTIVE)
        today = _today()
        nodes = selectors.association_tree(_labelled(queryset), day=today)
        context.update({
            "title": _("组织树"),
            "nodes": nodes,
            "show_all": show_all,
            "overdue": list(selectors.overdue_council_terms(CouncilTerm.objects.restrict(self.request.user),
                                                            today)[:50]),
            "total_members": sum(n.members for n in nodes),
            "add_url": _reverse_if(self.request.user, "orgs.add_association", "orgs:association_add"),
        })
        return context


TABS = [("overview", gettext_lazy("概况")), ("members", gettext_lazy("会员")), ("officers", gettext_lazy("班子成员")),
        ("council", gettext_lazy("理事会")), ("rules", gettext_lazy("制度")), ("funds", gettext_lazy("经费"))]


class AssociationDetailView(ObjectDetailView):
    """The association's page; each tab (?tab=members…) loads only its own records."""

    model = Association
    template_name = "orgs/association_detail.html"

    def base_queryset(self):
        return _labelled(Association.objects.select_related("region", "parent"))

    def details(self, obj):
        return [
            {"label": _("组织类型"), "value": obj.kind_label or obj.kind},
            {"label": _("组织层级"), "value": obj.level_label or obj.level},
            {"label": _("所属区划"), "value": obj.region.full_name or obj.region.name},
            {"label": _("上级组织"), "value": obj.parent or "—"},
            {"label": _("成立日期"), "value": obj.founded_on},
            {"label": _("业务指导部门"), "value": obj.supervising_department or "—"},
            {"label": _("状态"), "value": obj.get_status_display() + (
                f"（{obj.dissolved_on:%Y-%m-%d}）" if obj.dissolved_on else "")},
            {"label": _("联系人"), "value": obj.contact_person or "—"},
            {"label": _("办公电话"), "value": obj.contact_phone or "—"},
            {"label": _("电子邮箱"), "value": obj.email or "—"},
            {"label": _("办公地址"), "value": obj.address or "—"},
            {"label": _("备注"), "value": obj.note or "—"},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        association, user = self.object, self.request.user
        tab = self.request.GET.get("tab", "overview")
        if tab not in dict(TABS):
            tab = "overview"
        today = _today()
        base = f"{reverse('orgs:association_detail', args=[association.pk])}?tab="
        context.update({
            "tab": tab,
            "tabs": [{"key": k, "label": label, "url": base + k} for k, label in TABS],
            "today": today,
            "summary": self.summary(association, today),
            "overdue": selectors.overdue_council_terms(CouncilTerm.objects.filter(association=association),
                                                       today).first(),
        })
        context.update(getattr(self, f"tab_{tab}")(association, user, today))
        return context

    def summary(self, association, today) -> dict:
        current_term = association.council_terms.order_by("-number").first()
        return {
            "members": selectors.member_count(association, today),
            "officers": selectors.officers_on(today, association.officer_terms.all()).count(),
            "council": current_term,
            "funds": selectors.fund_totals(association.fund_entries.all()),
            "branches": Association.objects.restrict(self.request.user).filter(
                parent=association, status=AssociationStatus.ACTIVE).count(),
        }

    def tab_overview(self, association, user, today) -> dict:
        children = _labelled(Association.objects.restrict(user).filter(parent=association))
        children = _with_member_count(children.select_related("region"), today).order_by("status", "name")
        return {"children": list(children)}

    def tab_members(self, association, user, today) -> dict:
        as_of = parse_date(self.request.GET.get("as_of") or "") or today
        rows = (selectors.members_on(as_of, queryset=Membership.objects.restrict(user), association=association)
                .select_related("person", "person__employer").order_by("person__name_pinyin", "id"))
        shown = list(rows[:MEMBERS_SHOWN + 1])
        pending = list(Membership.objects.restrict(user).filter(association=association,
                                                                status=MembershipStatus.APPLIED)
                       .select_related("person").order_by("applied_on", "id"))
        can_add = user.has_perm("orgs.add_membership") and association.status == AssociationStatus.ACTIVE
        query = f"association={association.pk}"
        return {
            "as_of": as_of,
            "member_total": selectors.member_count(association, as_of),
            "members_table": Table(tables.ASSOCIATION_MEMBER_COLUMNS, shown[:MEMBERS_SHOWN]),
            "members_more": len(shown) > MEMBERS_SHOWN,
            "members_url": reverse("orgs:membership_list") + f"?{query}&as_of={as_of:%Y-%m-%d}",
            "pending": pending,
            "can_review": user.has_perm("orgs.change_membership"),
            "add_form": forms.AddMembersForm(user=user) if can_add else None,
            "import_url": _reverse_if(user, "orgs.add_membership", "orgs:membership_import", query=query),
            "export_url": reverse("orgs:membership_export") + f"?{query}&as_of={as_of:%Y-%m-%d}",
        }

    def tab_officers(self, association, user, today) -> dict:
        terms = OfficerTerm.objects.restrict(user).filter(association=association).select_related(
            "person", "council_term")
        current = sorted(selectors.officers_on(today, terms), key=lambda t: (_role_rank(t.role), t.started_on))
        past = list(terms.exclude(pk__in=[t.pk for t in current]).order_by("-started_on", "id")[:100])
        return {
            "current_officers": Table(tables.ASSOCIATION_OFFICER_COLUMNS, current),
            "past_officers": Table(tables.ASSOCIATION_OFFICER_COLUMNS, past),
            "has_past": bool(past),
            "officer_add_url": _reverse_if(user, "orgs.add_officerterm", "orgs:officerterm_add",
                                           query=f"association={association.pk}"),
        }

    def tab_council(self, association, user, today) -> dict:
        terms = list(CouncilTerm.objects.restrict(user).filter(association=association).order_by("-number"))
        overdue = set(selectors.overdue_council_terms(CouncilTerm.objects.filter(association=association), today)
                      .values_list("pk", flat=True))
        for term in terms:
            term.is_overdue = term.pk in overdue
        next_number = (terms[0].number + 1) if terms else 1
        return {
            "council_terms": terms,
            "council_add_url": _reverse_if(user, "orgs.add_councilterm", "orgs:councilterm_add",
                                           query=f"association={association.pk}&number={next_number}"),
        }

    def tab_rules(self, association, user, today) -> dict:
        rules = Rule.objects.restrict(user).filter(association=association).order_by("-effective_from", "id")
        return {
            "rules_table": Table(tables.RULE_COLUMNS, list(rules)),
            "rule_add_url": _reverse_if(user, "orgs.add_rule", "orgs:rule_add",
                                        query=f"association={association.pk}"),
        }

    def tab_funds(self, association, user, today) -> dict:
        rows = list(selectors.ledger(association)[:LEDGER_SHOWN + 1])
        return {
            "ledger_table": Table(tables.LEDGER_COLUMNS, rows[:LEDGER_SHOWN]),
            "ledger_more": len(rows) > LEDGER_SHOWN,
            "ledger_url": reverse("orgs:fundentry_list") + f"?association={association.pk}",
            "fund_add_url": _reverse_if(user, "orgs.add_fundentry", "orgs:fundentry_add",
                                        query=f"association={association.pk}")
            if association.status == AssociationStatus.ACTIVE else None,
        }


def _role_rank(role: str) -> int:
    order = [OfficerRole.HONORARY_PRESIDENT, OfficerRole.PRESIDENT, OfficerRole.EXECUTIVE_VICE_PRESIDENT,
             OfficerRole.VICE_PRESIDENT, OfficerRole.SECRETARY_GENERAL, OfficerRole.DEPUTY_SECRETARY_GENERAL,
             OfficerRole.EXECUTIVE_COUNCIL_MEMBER, OfficerRole.COUNCIL_MEMBER, OfficerRole.CHIEF_SUPERVISOR,
             OfficerRole.SUPERVISOR, OfficerRole.DELEGATE]
    return order.index(role) if role in order else len(order)


class AssociationEditView(ServiceEditView):
    model = Association
    form_class = forms.AssociationForm
    initial_params = ("parent", "region", "kind", "level")

    def save(self, form):
        return services.save_association(form.save(commit=False), user=self.request.user)


class AssociationDeleteView(ObjectDeleteView):
    model = Association


class AssociationSearchView(ScopedViewMixin, generic.View):
    """JSON for pickers: {"results": [{"value", "label"}]}."""

    model = Association

    def get(self, request):
        term = (request.GET.get("q") or "").strip()
        rows = []
        if term:
            found = self.get_queryset().filter(name__icontains=term).select_related("region")
            rows = list(found.order_by("status", "name", "id")[:30])
        return JsonResponse({"results": [
            {"value": a.pk, "label": f"{a.name}（{a.region.name}{'，' + _('已撤销') if a.status != 'active' else ''}）"}
            for a in rows]})


class AssociationAddMembersView(ScopedViewMixin, generic.View):
    """POST from the association page: admit (or register applications of) the persons picked."""

    model = Association
    permission_required = ["orgs.add_membership"]
    http_method_names = ["post"]

    def post(self, request, pk):
        association = get_object_or_404(self.get_queryset(), pk=pk)
        back = reverse("orgs:association_detail", args=[association.pk]) + "?tab=members"
        form = forms.AddMembersForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
            return redirect(back)
        data = form.cleaned_data
        try:
            created, skipped = services.add_members(
                association=association, persons=list(data["persons"]), joined_on=data["joined_on"],
                apply=data["mode"] == forms.AddMembersForm.APPLY, note=data["note"], user=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect(back)
        text = _("已添加 %(n)s 人。") % {"n": len(created)}
        if skipped:
            text += _("%(names)s已是会员或已申请，未重复添加。") % {"names": "、".join(p.name for p in skipped)}
        messages.success(request, text)
        return redirect(back)


class _ExportView(ObjectExportView):
    """A filtered list with the import's headers, through the spec of `kind` (orgs.exporting.SPECS)."""

    kind = ""

    @property
    def export_name(self):
        return exporting.LABELS[self.kind]

    def spec(self):
        return exporting.SPECS[self.kind]()

    def rows(self, queryset):
        return self.spec().export_queryset(queryset).iterator(chunk_size=2000)


class AssociationExportView(_ExportView):
    model = Association
    kind = "associations"
    list_url_name = "orgs:association_list"
    filterset_class = filters.AssociationFilterSet

    def export_queryset(self):
        return _with_member_count(self.get_queryset(), _today())


# --- Imports ---------------------------------------------------------------------------------------------------------


class _ImportTemplateView(ObjectImportTemplateView):
    kind = ""

    def spec(self):
        return exporting.SPECS[self.kind]()


class _ImportView(ObjectJobImportView):
    """Upload → preview (every row checked, nothing written) → commit as a job (at once for a small file)."""

    template_name = "orgs/import.html"
    form_class = forms.ImportForm
    commit_form_class = forms.CommitForm
    upload_dir = "imports/orgs"
    job_kind = "orgs_import"
    kind = ""

    @property
    def inline_max_bytes(self) -> int:
        return exporting.IMPORT_INLINE_MAX_BYTES

    @property
    def session_key(self) -> str:
        return f"orgs_import_{self.kind}"

    def spec(self):
        return exporting.SPECS[self.kind]()

    def association(self):
        return None

    def options(self) -> dict:
        association = self.association()
        return {"association_id": association.pk} if association else {}

    def form_kwargs(self) -> dict:
        association = self.association()
        return {**super().form_kwargs(), "initial": {"region": association.region_id} if association else None}

    def get_title(self) -> str:
        association = self.association()
        return super().get_title() + (f"：{association.name}" if association else "")

    def cancel_url(self) -> str:
        association = self.association()
        return association.get_absolute_url() + "?tab=members" if association else super().cancel_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"kind": self.kind, "association": self.association()})
        return context

    def pending_data(self, form, path: str) -> dict:
        return {**super().pending_data(form, path), "options": self.options()}

    def run(self, pending: dict, *, dry_run: bool, skip_invalid: bool = False):
        return exporting.run_stored_import(kind=self.kind, path=pending["path"], filename=pending["filename"],
                                           region=pending["region"], user=self.request.user,
                                           skip_invalid=skip_invalid, dry_run=dry_run, options=pending["options"])

    def preview_context(self, result, pending: dict) -> dict:
        return {**super().preview_context(result, pending), "preview": _preview(self.kind, result)}

    def job_params(self, pending: dict, *, skip_invalid: bool) -> dict:
        return {**super().job_params(pending, skip_invalid=skip_invalid), "kind": self.kind}


ACTION_LABELS = [("create", gettext_lazy("将新增")), ("update", gettext_lazy("将更新")),
                 ("skip", gettext_lazy("无变化（跳过）"))]


def _preview(kind: str, result) -> list[dict]:
    counts = {"create": result.created, "update": result.updated, "skip": result.skipped}
    groups = []
    for action, label in ACTION_LABELS:
        rows = []
        for row in result.samples.get(action, []):
            data = row.data
            if kind == "memberships":
                association = (row.extra or {}).get("association")
                rows.append({"number": row.number, "name": data.get("name", ""),
                             "detail": association.name if association else "", "target": row.target})
            else:
                rows.append({"number": row.number, "name": data.get("name", ""),
                             "detail": "、".join(k for k in (row.extra or {})), "target": row.target})
        groups.append({"label": label, "count": counts[action], "rows": rows})
    return groups


class AssociationImportView(_ImportView):
    model = Association
    kind = "associations"
    template_url_name = "orgs:association_import_template"
    list_url_name = "orgs:association_list"


class AssociationImportTemplateView(_ImportTemplateView):
    model = Association
    kind = "associations"


class MembershipImportView(_ImportView):
    model = Membership
    kind = "memberships"
    template_url_name = "orgs:membership_import_template"
    list_url_name = "orgs:membership_list"

    def association(self):
        return self._association

    @cached_property
    def _association(self):
        """?association=: an association of the user's scope (else 404) whose members are imported."""
        pk = self.request.GET.get("association") or ""
        if not pk.isdigit():
            return None
        return get_object_or_404(Association.objects.restrict(self.request.user), pk=pk)


class MembershipImportTemplateView(_ImportTemplateView):
    model = Membership
    kind = "memberships"


# --- Memberships -----------------------------------------------------------------------------------------------------


class MembershipListView(ObjectListView):
    model = Membership
    template_name = "orgs/membership_list.html"
    columns = tables.MEMBERSHIP_COLUMNS
    filterset_class = filters.MembershipFilterSet
    title = gettext_lazy("会员与入会申请")

    def base_queryset(self):
        return Membership.objects.select_related("person", "association")

    def add_url(self):
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("cursor", None)
        context.update({
            "export_url": reverse("orgs:membership_export") + (f"?{query.urlencode()}" if query else ""),
            "import_url": _reverse_if(self.request.user, "orgs.add_membership", "orgs:membership_import"),
            "pending_url": reverse("orgs:membership_list") + f"?status={MembershipStatus.APPLIED}",
            "pending_count": Membership.objects.restrict(self.request.user).filter(
                status=MembershipStatus.APPLIED).count(),
        })
        return context


class MembershipDetailView(ObjectDetailView):
    model = Membership
    template_name = "orgs/membership_detail.html"

    def base_queryset(self):
        return Membership.objects.select_related("person", "association", "reviewed_by")

    def details(self, obj):
        rows = [
            {"label": _("人士"), "value": obj.person},
            {"label": _("组织"), "value": obj.association},
            {"label": _("状态"), "value": obj.get_status_display()},
            {"label": _("申请日期"), "value": obj.applied_on},
            {"label": _("入会日期"), "value": obj.joined_on},
            {"label": _("退会日期"), "value": obj.left_on},
            {"label": _("退会原因"), "value": obj.left_reason or None},
            {"label": _("审核人"), "value": obj.reviewed_by},
            {"label": _("审核时间"), "value": obj.reviewed_at},
            {"label": _("审核意见"), "value": obj.review_note or None},
            {"label": _("备注"), "value": obj.note or None},
        ]
        return [r for r in rows if r["value"] not in (None, "")] or rows[:3]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj, user = self.object, self.request.user
        can_change = user.has_perm("orgs.change_membership")
        context.update({
            "review_url": reverse("orgs:membership_review", args=[obj.pk])
            if can_change and obj.status == MembershipStatus.APPLIED else None,
            "end_url": reverse("orgs:membership_end", args=[obj.pk])
            if can_change and obj.status == MembershipStatus.ADMITTED else None,
            "edit_url": None,
            "badge": tables.MEMBERSHIP_BADGES.get(obj.status, ""),
        })
        return context


class MembershipDeleteView(ObjectDeleteView):
    model = Membership


class MembershipReviewView(_RecordActionView):
    model = Membership
    form_class = forms.ReviewForm
    title = gettext_lazy("审核入会申请：%(name)s")
    success_message = gettext_lazy("审核结果已保存。")

    def get_queryset(self):
        return super().get_queryset().select_related("person", "association")

    def get_initial(self):
        return {"decision": forms.ReviewForm.APPROVE, "joined_on": _today()}

    def perform(self, data):
        return services.review_membership(self.record, approve=data["decision"] == forms.ReviewForm.APPROVE,
                                          reviewer=self.request.user, note=data["note"],
                                          joined_on=data["joined_on"])


class MembershipEndView(_RecordActionView):
    model = Membership
    form_class = forms.EndMembershipForm
    title = gettext_lazy("办理退会：%(name)s")
    success_message = gettext_lazy("已办理退会。")

    def perform(self, data):
        return services.end_membership(self.record, left_on=data["left_on"], reason=data["reason"],
                                       user=self.request.user)


class MembershipExportView(_ExportView):
    model = Membership
    kind = "memberships"
    filterset_class = filters.MembershipFilterSet
    list_url_name = "orgs:membership_list"


# --- Officers and council ----------------------------------------------------------------------------------------------


class OfficerTermListView(ObjectListView):
    model = OfficerTerm
    columns = tables.OFFICER_COLUMNS
    filterset_class = filters.OfficerTermFilterSet
    title = gettext_lazy("班子成员")

    def base_queryset(self):
        return OfficerTerm.objects.select_related("person", "association")


class OfficerTermDetailView(ObjectDetailView):
    model = OfficerTerm

    def base_queryset(self):
        return OfficerTerm.objects.select_related("person", "association", "council_term")


class OfficerTermEditView(ServiceEditView):
    model = OfficerTerm
    form_class = forms.OfficerTermForm
    initial_params = ("association", "person", "role")

    def save(self, form):
        return services.save_officer_term(form.save(commit=False), user=self.request.user)

    def success_url_for(self, obj):
        return obj.association.get_absolute_url() + "?tab=officers"


class OfficerTermDeleteView(ObjectDeleteView):
    model = OfficerTerm


class CouncilTermListView(ObjectListView):
    model = CouncilTerm
    template_name = "orgs/councilterm_list.html"
    columns = tables.COUNCIL_COLUMNS
    filterset_class = filters.CouncilTermFilterSet
    title = gettext_lazy("理事会届次")
    default_ordering = ("due_on", "id")

    def base_queryset(self):
        return CouncilTerm.objects.select_related("association")


class CouncilTermDetailView(ObjectDetailView):
    model = CouncilTerm
    template_name = "orgs/councilterm_detail.html"

    def base_queryset(self):
        return CouncilTerm.objects.select_related("association")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_overdue"] = selectors.is_overdue(self.object, _today())
        context["officers"] = Table(tables.ASSOCIATION_OFFICER_COLUMNS, list(
            OfficerTerm.objects.restrict(self.request.user).filter(council_term=self.object)
            .select_related("person", "council_term").order_by("role", "started_on")))
        return context


class CouncilTermEditView(ServiceEditView):
    model = CouncilTerm
    form_class = forms.CouncilTermForm
    initial_params = ("association", "number")

    def save(self, form):
        return services.save_council_term(form.save(commit=False), user=self.request.user)

    def success_url_for(self, obj):
        return obj.association.get_absolute_url() + "?tab=council"


class CouncilTermDeleteView(ObjectDeleteView):
    model = CouncilTerm


# --- Rules -----------------------------------------------------------------------------------------------------------


class RuleListView(ObjectListView):
    model = Rule
    columns = tables.RULE_COLUMNS
    filterset_class = filters.RuleFilterSet
    title = gettext_lazy("制度")
    default_ordering = ("-effective_from", "-id")

    def base_queryset(self):
        return Rule.objects.select_related("association", "region")


class RuleDetailView(ObjectDetailView):
    model = Rule
    template_name = "orgs/rule_detail.html"
    fields = ["title", "category", "association", "department", "region", "effective_from", "effective_to",
              "note", "created_at"]

    def base_queryset(self):
        return Rule.objects.select_related("association", "region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object.document:
            context["document_url"] = reverse("orgs:rule_document", args=[self.object.pk])
        return context


class RuleEditView(ServiceEditView):
    model = Rule
    form_class = forms.RuleForm
    initial_params = ("association", "region")

    def save(self, form):
        return services.save_rule(form.save(commit=False), document=form.cleaned_data.get("upload"),
                                  user=self.request.user)


class RuleDeleteView(ObjectDeleteView):
    model = Rule


class RuleDocumentView(_DownloadView):
    model = Rule
    file_field = "document"
    name_field = "document_name"


# --- Funds -----------------------------------------------------------------------------------------------------------


class FundEntryListView(ObjectListView):
    model = FundEntry
    template_name = "orgs/fundentry_list.html"
    columns = tables.FUND_COLUMNS
    filterset_class = filters.FundEntryFilterSet
    title = gettext_lazy("经费")
    default_ordering = ("-date", "-id")

    def base_queryset(self):
        return FundEntry.objects.select_related("association")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = selectors.fund_totals(self.filterset.qs if self.filterset else self.get_queryset())
        return context


class FundEntryDetailView(ObjectDetailView):
    model = FundEntry
    template_name = "orgs/fundentry_detail.html"

    def base_queryset(self):
        return FundEntry.objects.select_related("association", "reverses", "entered_by")

    def details(self, obj):
        rows = [
            {"label": _("组织"), "value": obj.association},
            {"label": _("类型"), "value": obj.get_kind_display()},
            {"label": _("金额（元）"), "value": tables.money(obj.amount)},
            {"label": _("日期"), "value": obj.date},
            {"label": _("拨付单位"), "value": obj.source_department or None},
            {"label": _("用途"), "value": obj.purpose or None},
            {"label": _("关联活动"), "value": obj.activity_ref or None},
            {"label": _("备注"), "value": obj.note or None},
            {"label": _("录入人"), "value": obj.entered_by},
            {"label": _("录入时间"), "value": obj.created_at},
        ]
        return [r for r in rows if r["value"] is not None]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj, user = self.object, self.request.user
        reversal = FundEntry.objects.filter(reverses=obj).first()
        context.update({
            "reversal": reversal,
            "reverse_url": reverse("orgs:fundentry_reverse", args=[obj.pk])
            if user.has_perm("orgs.add_fundentry") and not obj.reverses_id and reversal is None else None,
            "attachment_url": reverse("orgs:fundentry_attachment", args=[obj.pk]) if obj.attachment else None,
        })
        return context


class FundEntryAddView(ScopedViewMixin, generic.FormView):
    model = FundEntry
    permission_action = "add"
    template_name = "core/object_form.html"
    form_class = forms.FundEntryForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        for name in ("association", "kind"):
            if self.request.GET.get(name):
                initial[name] = self.request.GET[name]
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"title": _("录入经费"), "cancel_url": reverse("orgs:fundentry_list")})
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            entry = services.add_fund_entry(
                association=data["association"], kind=data["kind"], amount=data["amount"], date=data["date"],
                source_department=data["source_department"], purpose=data["purpose"],
                activity_ref=data["activity_ref"] or None, note=data["note"], attachment=data.get("attachment"),
                user=self.request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已录入。"))
        return redirect(entry.association.get_absolute_url() + "?tab=funds")


class FundEntryReverseView(_RecordActionView):
    model = FundEntry
    permission_action = "add"
    form_class = forms.ReverseForm
    title = gettext_lazy("冲正：%(name)s")
    intro = gettext_lazy("经费记录不能修改或删除。冲正将录入一条金额相反的记录，抵消原记录；如金额有误，冲正后再录入正确的记录。")
    success_message = gettext_lazy("已冲正。")

    def perform(self, data):
        return services.reverse_fund_entry(self.record, reason=data["reason"], user=self.request.user)


class FundEntryAttachmentView(_DownloadView):
    model = FundEntry
    file_field = "attachment"
    name_field = "attachment_name"


# --- Liaison posts ---------------------------------------------------------------------------------------------------


class LiaisonPostListView(ObjectListView):
    model = LiaisonPost
    template_name = "orgs/liaisonpost_list.html"
    columns = tables.POST_COLUMNS
    filterset_class = filters.LiaisonPostFilterSet
    title = gettext_lazy("统战委员与联络员")
    default_ordering = ("region", "kind", "-since", "id")


class LiaisonPostDetailView(ObjectDetailView):
    model = LiaisonPost
    fields = ["kind", "unit_type", "unit_name", "region", "holder_name", "holder_user", "holder_person",
              "holder_title", "since", "until", "note"]

    def base_queryset(self):
        return LiaisonPost.objects.select_related("region", "holder_user", "holder_person")


class LiaisonPostEditView(ServiceEditView):
    model = LiaisonPost
    form_class = forms.LiaisonPostForm
    initial_params = ("region", "kind", "unit_type")

    def get_initial(self):
        initial = super().get_initial()
        if "pk" not in self.kwargs:
            initial.setdefault("since", _today())
            kind = initial.get("kind")
            if kind == PostKind.COMMITTEE_MEMBER:
                initial.setdefault("unit_type", PostUnit.TOWNSHIP)
            elif kind == PostKind.LIAISON_OFFICER:
                initial.setdefault("unit_type", PostUnit.COMMUNITY)
        return initial

    def save(self, form):
        return services.save_liaison_post(form.save(commit=False), user=self.request.user)


class LiaisonPostDeleteView(ObjectDeleteView):
    model = LiaisonPost


class CoverageView(ScopedViewMixin, generic.TemplateView):
    """Townships and communities in scope with no current 统战委员/联络员, with counts per county and township."""

    model = LiaisonPost
    template_name = "orgs/coverage.html"

    def focus(self) -> str:
        user = self.request.user
        prefix = scope_prefix(user) or ""
        code = (self.request.GET.get("region") or "").strip()
        if code and in_scope(user, code) and Region.objects.filter(code=code).exists():
            return code
        return prefix

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        prefix = self.focus()
        result = selectors.coverage(prefix, _today(), posts=self.get_queryset())
        region = Region.objects.filter(code=prefix).first() if prefix else None
        can_add = self.request.user.has_perm("orgs.add_liaisonpost")
        context.update({
            "title": _("统战委员/联络员覆盖情况"),
            "coverage": result,
            "region": region,
            "single_county": len(result.counties) <= 1,
            "home_url": reverse("orgs:liaison_coverage"),
            "add_url": reverse("orgs:liaisonpost_add") if can_add else None,
        })
        return context


# --- Teams -----------------------------------------------------------------------------------------------------------


class TeamListView(ObjectListView):
    model = Team
    columns = tables.TEAM_COLUMNS
    filterset_class = filters.TeamFilterSet
    title = gettext_lazy("工作队伍")

    def base_queryset(self):
        return Team.objects.select_related("region", "leader").annotate(member_count=Count("members"))


class TeamDetailView(ObjectDetailView):
    model = Team
    template_name = "orgs/team_detail.html"
    fields = ["name", "kind", "region", "association", "leader", "purpose", "founded_on", "dissolved_on", "note"]

    def base_queryset(self):
        return Team.objects.select_related("region", "association", "leader")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        members = self.object.members.select_related("employer").order_by("name_pinyin", "id")
        context["members_table"] = Table(tables.TEAM_MEMBER_COLUMNS, list(members[:500]))
        context["member_count"] = self.object.members.count()
        return context


class TeamEditView(ServiceEditView):
    model = Team
    form_class = forms.TeamForm
    initial_params = ("region", "association", "kind")

    def save(self, form):
        team = form.save(commit=False)
        return services.save_team(team, members=form.cleaned_data.get("members"), user=self.request.user)


class TeamDeleteView(ObjectDeleteView):
    model = Team


class PersonsJoinView(ScopedViewMixin, generic.View):
    """POST from the registry's person list's “加入组织” (offered there by `person_list_extra`): admit the ticked persons to an association (orgs bulk_join).

    Needs the permission of the association page's own “添加会员” (orgs.add_membership) and to see persons. The
    persons and the association come from querysets restricted to the user's scope: any ticked id that is not a
    person the user may see answers 404 before anything is written, naming nothing. Valid persons are added, the
    others are listed by name with the reason; the user returns to the same list page, filters and cursor."""

    model = Person
    permission_required = ["orgs.add_membership", "people.view_person"]
    http_method_names = ["post"]

    def post(self, request):
        back = safe_next(request, reverse("people:person_list"))
        raw = request.POST.getlist("pk")
        if any(not (pk.isascii() and pk.isdigit() and len(pk) <= 18) for pk in raw):
            raise Http404
        pks = {int(pk) for pk in raw}
        if not pks:
            messages.error(request, _("请先勾选要加入组织的人士。"))
            return HttpResponseRedirect(back)
        if len(pks) > services.BULK_JOIN_MAX:
            messages.error(request, _("一次最多可将 %(max)s 人加入组织，本次选择了 %(n)s 人，请分批操作。") % {
                "max": services.BULK_JOIN_MAX, "n": len(pks)})
            return HttpResponseRedirect(back)
        form = forms.JoinAssociationForm(request.POST, user=request.user, prefix="join")
        if not form.is_valid():
            messages.error(request, form.error_text())
            return HttpResponseRedirect(back)
        persons = list(self.get_queryset().filter(pk__in=pks).select_related("region").order_by("name_pinyin", "id"))
        if len(persons) != len(pks):
            raise Http404
        association = form.cleaned_data["association"]
        try:
            result = services.bulk_join(association=association, persons=persons,
                                            joined_on=form.cleaned_data["joined_on"],
                                            note=form.cleaned_data["note"], user=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return HttpResponseRedirect(back)
        if result.created:
            messages.success(request, _("已将 %(n)s 人加入“%(a)s”。") % {"n": len(result.created),
                                                                      "a": association.name})
        if result.skipped:
            messages.warning(request, _("以下 %(n)s 人未加入“%(a)s”。%(list)s。") % {
                "n": len(result.skipped), "a": association.name, "list": "；".join(result.skipped_by_reason())})
        return HttpResponseRedirect(back)


def person_list_extra(user) -> dict:
    """The “加入组织” panel of the registry's person list (people.views.PERSON_LIST_EXTRAS), for users who may add
    members."""
    if not user.has_perm("orgs.add_membership"):
        return {}
    return {"join_form": forms.JoinAssociationForm(user=user, prefix="join"),
            "join_url": reverse("orgs:persons_join"), "join_max": services.BULK_JOIN_MAX}
