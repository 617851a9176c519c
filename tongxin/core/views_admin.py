"""System administration (users, roles, regions, dictionaries, audit log, jobs) and the own-account page.

Views are thin: querysets come from the scope mechanism or the services' selectors, writes go through
`tongxin.core.services`. Roles and dictionaries are the same for every region, so their pages are guarded by
permissions only (`GlobalQuerysetMixin`); everything else is scoped and answers 404 outside the user's region.
"""

import os

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.generic.detail import SingleObjectMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.core import audit, regions, services
from tongxin.core.audit import labelled_changes, labelled_history, labelled_value
from tongxin.core.exports import file_download, xlsx_response
from tongxin.core.filters import AuditFilterSet, JobFilterSet, RegionFilterSet, UserFilterSet
from tongxin.core.forms_admin import (
    AdminSetPasswordForm,
    DictItemForm,
    OwnPasswordForm,
    PasswordConfirmForm,
    RegionAddForm,
    RegionEditForm,
    RegionImportForm,
    RolePermissionsForm,
    TotpConfirmForm,
    UserCreateForm,
    UserEditForm,
    add_service_errors,
)
from tongxin.core.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectImportView,
    ObjectListView,
    ScopedViewMixin,
    error_text,
)
from tongxin.core.models import AuditEntry, DictItem, DictType, Job, Region, Role, User
from tongxin.core.scope import scope_prefix
from tongxin.core.tables import Column, display

DETAIL_URLS = {
    User: "core:user_detail",
    Role: "core:role_detail",
    Region: "core:region_detail",
    DictType: "core:dicttype_detail",
    AuditEntry: "core:auditentry_detail",
    Job: "core:job_detail",
}
AUDIT_EXPORT_MAX_ROWS = 50_000


def detail_url(obj) -> str:
    if isinstance(obj, DictItem):
        return reverse("core:dicttype_detail", args=[obj.dict_type_id])
    name = DETAIL_URLS.get(type(obj))
    if name is None:
        return obj.get_absolute_url()
    return reverse(name, args=[obj.pk])


# --- Cell formatters --------------------------------------------------------------------------------------------


def local_datetime(value, obj=None):
    if not value:
        return "—"
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def link_to(url_name: str, text=None):
    """A column formatter linking the cell to the row's page (core models have no get_absolute_url)."""

    def formatter(value, obj):
        label = text(value, obj) if text else display(value)
        return format_html('<a href="{}">{}</a>', reverse(url_name, args=[obj.pk]), label)

    return formatter


def region_label(value, obj=None):
    if value is None:
        return "—"
    return format_html('{} <span class="text-secondary small">{}</span>', value.name, value.official_code)


def official_code(value, obj=None):
    return regions.to_official(value) if value else _("（系统）")


def joined(value, obj=None):
    return "、".join(str(v) for v in value) if value else "—"


def status_badge(value, obj):
    colours = {Job.QUEUED: "secondary", Job.RUNNING: "blue", Job.SUCCEEDED: "green", Job.FAILED: "red"}
    return format_html('<span class="badge bg-{}-lt">{}</span>', colours.get(obj.status, "secondary"),
                       obj.get_status_display())


def active_badge(value, obj=None):
    if value:
        return format_html('<span class="badge bg-green-lt">{}</span>', _("启用"))
    return format_html('<span class="badge bg-secondary-lt">{}</span>', _("停用"))


def yes_badge(label):
    def formatter(value, obj=None):
        return format_html('<span class="badge bg-green-lt">{}</span>', label) if value else "—"

    return formatter


# --- Shared view pieces -----------------------------------------------------------------------------------------


class GlobalQuerysetMixin:
    """Roles and dictionaries are the same for every region: not scoped, guarded by permissions only."""

    def get_queryset(self):
        return self.base_queryset()


class AdminEditMixin:
    """Edit pages whose writes go through a service: a ValidationError from the service is shown on the form,
    nothing is written, and success leads to the object's page."""

    def get_context_data(self, **kwargs):
        context = super(ObjectEditView, self).get_context_data(**kwargs)
        opts = self.model._meta
        context["title"] = (_("编辑%(name)s") % {"name": opts.verbose_name} if self.object
                            else _("新增%(name)s") % {"name": opts.verbose_name})
        context["cancel_url"] = self.cancel_url()
        return context

    def cancel_url(self) -> str:
        if self.object is not None:
            return detail_url(self.object)
        return reverse(f"core:{self.model._meta.model_name}_list")

    def form_valid(self, form):
        try:
            with transaction.atomic():
                obj = self.save(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        self.object = obj
        messages.success(self.request, _("已保存。"))
        return redirect(detail_url(obj))


class ObjectActionView(ScopedViewMixin, SingleObjectMixin, generic.View):
    """A POST-only action on one object (deactivate, unlock, reset…): scoped, permission-checked, then back to
    the object's page with a message."""

    http_method_names = ["post"]
    permission_action = "change"

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            with transaction.atomic():
                text = self.perform(self.object)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if text:
                messages.success(request, text)
        return redirect(self.get_success_url())

    def perform(self, obj) -> str:
        raise NotImplementedError

    def get_success_url(self):
        return detail_url(self.object)


# --- Users ------------------------------------------------------------------------------------------------------


class UserObjectMixin:
    """The page's user is `object`/`target`, never `user`, which stays the signed-in user (header, permissions)."""

    model = User
    context_object_name = "target"


def _user_queryset(actor):
    queryset = User.objects.restrict(actor).select_related("scope_region").prefetch_related("groups")
    if not actor.is_superuser:
        queryset = queryset.filter(is_superuser=False)
    return queryset


class UserListView(ObjectListView):
    model = User
    filterset_class = UserFilterSet
    default_ordering = ("username", "id")
    columns = [
        Column("username", gettext_lazy("用户名"), sort="username", formatter=link_to("core:user_detail")),
        Column("display_name", gettext_lazy("姓名"), sort="display_name"),
        Column("title", gettext_lazy("职务")),
        Column("scope_region", gettext_lazy("数据范围"), formatter=region_label),
        Column("role_names", gettext_lazy("角色"), formatter=joined),
        Column("is_active", gettext_lazy("状态"), formatter=active_badge),
        Column("has_totp", gettext_lazy("动态口令"), formatter=yes_badge(gettext_lazy("已绑定"))),
        Column("last_login", gettext_lazy("最近登录"), formatter=local_datetime),
    ]

    def get_queryset(self):
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return _user_queryset(self.request.user).annotate(has_totp=Exists(confirmed))


class UserDetailView(UserObjectMixin, ObjectDetailView):
    template_name = "core/admin/user_detail.html"

    def get_queryset(self):
        return _user_queryset(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, actor = self.object, self.request.user
        manageable = (actor.has_perm("core.change_user")
                      and services.users_manageable_by(actor).filter(pk=user.pk).exists())
        context.update({
            "details": [
                {"label": _("用户名"), "value": user.username},
                {"label": _("姓名"), "value": user.display_name or "—"},
                {"label": _("职务"), "value": user.title or "—"},
                {"label": _("数据范围"), "value": region_label(user.scope_region)},
                {"label": _("角色"), "value": joined(user.role_names)},
                {"label": _("状态"), "value": active_badge(user.is_active)},
                {"label": _("下次登录须修改密码"), "value": display(user.must_change_password)},
                {"label": _("最近登录"), "value": local_datetime(user.last_login)},
                {"label": _("创建时间"), "value": local_datetime(user.date_joined)},
            ],
            "history": labelled_history(user),
            "manageable": manageable,
            "edit_url": reverse("core:user_edit", args=[user.pk]) if manageable else None,
            "has_totp": services.has_totp(user),
            "lockout": services.user_lockout(user),
            "is_self": user.pk == actor.pk,
        })
        return context


class UserCreateView(UserObjectMixin, AdminEditMixin, ObjectEditView):
    form_class = UserCreateForm

    def save(self, form):
        data = form.cleaned_data
        return services.add_user(actor=self.request.user, username=data["username"], password=data["password1"],
                                 **form.service_kwargs())


class UserEditView(UserObjectMixin, AdminEditMixin, ObjectEditView):
    form_class = UserEditForm

    def get_queryset(self):
        return services.users_manageable_by(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("编辑用户：%(name)s") % {"name": self.object}
        return context

    def save(self, form):
        return services.update_user(actor=self.request.user, user=self.object, **form.service_kwargs())


class UserPasswordView(UserObjectMixin, ScopedViewMixin, SingleObjectMixin, generic.FormView):
    permission_action = "change"
    form_class = AdminSetPasswordForm
    template_name = "core/object_form.html"

    def get_queryset(self):
        return services.users_manageable_by(self.request.user)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.object
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"title": _("重置密码：%(name)s") % {"name": self.object},
                        "cancel_url": detail_url(self.object)})
        return context

    def form_valid(self, form):
        try:
            services.reset_user_password(actor=self.request.user, user=self.object,
                                         password=form.cleaned_data["new_password1"],
                                         must_change_password=form.cleaned_data["must_change_password"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("密码已重置。"))
        return redirect(detail_url(self.object))


class UserActionView(UserObjectMixin, ObjectActionView):

    def get_queryset(self):
        return services.users_manageable_by(self.request.user)


class UserActiveView(UserActionView):
    def perform(self, obj):
        active = self.request.POST.get("active") == "1"
        services.set_user_active(actor=self.request.user, user=obj, active=active)
        return _("账号已启用。") if active else _("账号已停用，该用户不能再登录。")


class UserUnlockView(UserActionView):
    def perform(self, obj):
        services.unlock_user(actor=self.request.user, user=obj)
        return _("已解除登录锁定。")


class UserTotpRemoveView(UserActionView):
    def perform(self, obj):
        if services.remove_totp(actor=self.request.user, user=obj):
            return _("已解绑该用户的动态口令。")
        return _("该用户未绑定动态口令。")


# --- Roles ------------------------------------------------------------------------------------------------------

ACTIONS = ("view", "add", "change", "delete")
ACTION_LABELS = {"view": gettext_lazy("查看"), "add": gettext_lazy("新增"), "change": gettext_lazy("修改"),
                 "delete": gettext_lazy("删除")}
APP_LABELS = {"auth": gettext_lazy("角色与权限"), "authtoken": gettext_lazy("API 令牌"),
              "otp_totp": gettext_lazy("动态口令"), "axes": gettext_lazy("登录锁定")}
MODEL_LABELS = {("auth", "group"): gettext_lazy("角色（权限组）"), ("authtoken", "token"): gettext_lazy("API 令牌"),
                ("otp_totp", "totpdevice"): gettext_lazy("动态口令设备")}


def permission_groups(checked: set[int]) -> list[dict]:
    """Editable permissions grouped by app and model, the four standard actions in columns, custom ones after."""
    from django.apps import apps

    app_order = {config.label: index for index, config in enumerate(apps.get_app_configs())}
    groups: dict[str, dict] = {}
    for perm in services.editable_permissions().order_by("content_type__app_label", "content_type__model", "pk"):
        ct = perm.content_type
        model = ct.model_class()
        if ct.app_label not in groups:
            try:
                app_name = APP_LABELS.get(ct.app_label) or apps.get_app_config(ct.app_label).verbose_name
            except LookupError:
                app_name = ct.app_label
            tongxin_app = ct.app_label in {c.label for c in apps.get_app_configs() if c.name.startswith("tongxin.")}
            groups[ct.app_label] = {"label": app_name, "key": ct.app_label, "models": {},
                                    "order": (0 if tongxin_app else 1, app_order.get(ct.app_label, 99))}
        models = groups[ct.app_label]["models"]
        if ct.model not in models:
            label = MODEL_LABELS.get((ct.app_label, ct.model)) or (model._meta.verbose_name if model else ct.model)
            models[ct.model] = {"label": label, "cells": dict.fromkeys(ACTIONS), "extra": []}
        entry = models[ct.model]
        action = perm.codename.split("_", 1)[0]
        item = {"id": perm.pk, "checked": perm.pk in checked, "code": f"{ct.app_label}.{perm.codename}"}
        if model is not None and action in ACTIONS and perm.codename == f"{action}_{model._meta.model_name}":
            entry["cells"][action] = {**item, "label": ACTION_LABELS[action]}
        else:
            entry["extra"].append({**item, "label": perm.name})
    result = []
    for group in sorted(groups.values(), key=lambda g: g["order"]):
        rows = [{"label": m["label"], "cells": [m["cells"][a] for a in ACTIONS], "extra": m["extra"]}
                for m in group["models"].values()]
        result.append({"label": group["label"], "key": group["key"], "rows": rows})
    return result


class RoleViewMixin(GlobalQuerysetMixin):
    model = Role
    permission_required = "auth.view_group"

    def base_queryset(self):
        prefix = scope_prefix(self.request.user) or ""
        in_scope = Q(group__user__scope_region_id__startswith=prefix) if prefix else Q()
        return Role.objects.select_related("group").annotate(
            user_count=Count("group__user", filter=in_scope, distinct=True))


class RoleListView(RoleViewMixin, ObjectListView):
    default_ordering = ("sort", "id")
    columns = [
        Column("group.name", gettext_lazy("角色"), formatter=link_to("core:role_detail")),
        Column("description", gettext_lazy("说明")),
        Column("user_count", gettext_lazy("用户数（本范围）"), formatter=lambda v, obj: format_html(
            '<a href="{}?role={}">{}</a>', reverse("core:user_list"), obj.pk, v)),
    ]

    def add_url(self):
        return None


class RoleDetailView(RoleViewMixin, ObjectDetailView):
    template_name = "core/admin/role_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        role = self.object
        can_edit = self.request.user.has_perm("auth.change_group")
        context.update({
            "title": role.group.name,
            "details": [
                {"label": _("名称"), "value": role.group.name},
                {"label": _("代码"), "value": role.key},
                {"label": _("说明"), "value": role.description or "—"},
                {"label": _("用户数（本范围）"), "value": format_html(
                    '<a href="{}?role={}">{}</a>', reverse("core:user_list"), role.pk, role.user_count)},
            ],
            "groups": permission_groups(set(role.group.permissions.values_list("pk", flat=True))),
            "readonly": True,
            "history": labelled_history(role),
            "edit_url": reverse("core:role_edit", args=[role.pk]) if can_edit else None,
            "reset_url": reverse("core:role_reset", args=[role.pk]) if can_edit else None,
            "delete_url": None,
            "list_url": reverse("core:role_list"),
        })
        return context


class RoleEditView(RoleViewMixin, AdminEditMixin, ObjectEditView):
    permission_required = "auth.change_group"
    form_class = RolePermissionsForm
    template_name = "core/admin/role_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update({"title": _("编辑角色权限：%(name)s") % {"name": self.object.group.name},
                        "groups": permission_groups(form.checked_ids()), "readonly": False})
        return context

    def save(self, form):
        role = self.object
        role.description = form.cleaned_data["description"]
        role.save(update_fields=["description"])
        result = services.set_role_permissions(role=role, permissions=form.cleaned_data["permissions"])
        messages.info(self.request, _("新增权限 %(a)d 项，移除 %(r)d 项。") % {"a": result["added"],
                                                                      "r": result["removed"]})
        return role


class RoleResetView(RoleViewMixin, ObjectActionView):
    permission_required = "auth.change_group"

    def perform(self, obj):
        added = services.reset_role_defaults(role=obj)
        if added:
            return _("已恢复默认权限，新增 %(n)d 项。") % {"n": added}
        return _("默认权限均已具备，没有变化。")


# --- Regions ----------------------------------------------------------------------------------------------------


def region_breadcrumb(region, user) -> list[dict]:
    """Province down to `region`; regions above the user's scope are shown without a link."""
    if region is None:
        return []
    codes = []
    code = region.code
    while code:
        codes.append(code)
        code = regions.parent_of(code)
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    prefix = scope_prefix(user)
    crumbs = []
    for code in reversed(codes):
        reachable = prefix is not None and code.startswith(prefix)
        crumbs.append({"code": code, "name": names.get(code, code),
                       "url": f"{reverse('core:region_list')}?parent={code}" if reachable else None})
    return crumbs


class RegionListView(ObjectListView):
    model = Region
    filterset_class = RegionFilterSet
    template_name = "core/admin/region_list.html"
    default_ordering = ("code", "id")
    columns = [
        Column("name", gettext_lazy("名称"), sort="name", formatter=link_to("core:region_detail")),
        Column("official_code", gettext_lazy("区划代码"), sort="code"),
        Column("get_level_display", gettext_lazy("层级")),
        Column("full_name", gettext_lazy("全称")),
        Column("child_count", gettext_lazy("下级"), formatter=lambda v, obj: format_html(
            '<a href="{}?parent={}">{} <i class="ti ti-chevron-right"></i></a>', reverse("core:region_list"),
            obj.code, _("%(n)d 个") % {"n": v}) if v else "—"),
        Column("is_active", gettext_lazy("有效")),
    ]

    def get_queryset(self):
        children = (Region.objects.filter(parent=OuterRef("code")).order_by().values("parent")
                    .annotate(n=Count("pk")).values("n"))
        return super().get_queryset().annotate(
            child_count=Coalesce(Subquery(children, output_field=IntegerField()), Value(0)))

    def current_region(self):
        user = self.request.user
        code = self.request.GET.get("parent")
        if code:
            return get_object_or_404(Region.objects.restrict(user), code=code)
        return user.scope_region if user.scope_region_id else None

    def filtered_queryset(self):
        queryset = super().filtered_queryset()
        self.browsing = not self.filterset.searching
        self.current = self.current_region()
        if self.browsing:
            if self.current is not None:
                queryset = queryset.filter(parent=self.current)
            else:
                queryset = queryset.filter(parent__isnull=True)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        current = self.current
        actions = []
        if user.has_perm("core.add_region") and user.has_perm("core.change_region"):
            actions.append({"url": reverse("core:region_import"), "label": _("导入"), "icon": "upload"})
        context.update({
            "browsing": self.browsing,
            "current": current,
            "breadcrumb": region_breadcrumb(current, user),
            "actions": actions,
            "title": (_("%(name)s的下级区划") % {"name": current.name}) if self.browsing and current
            else _("行政区划"),
            "current_url": reverse("core:region_detail", args=[current.pk]) if current else None,
        })
        if context["add_url"] and self.browsing and current is not None:
            context["add_url"] += f"?parent={current.code}"
        return context


class RegionDetailView(ObjectDetailView):
    model = Region
    template_name = "core/admin/region_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = self.object
        child_count = Region.objects.filter(parent=region).count()
        context.update({
            "details": [
                {"label": _("名称"), "value": region.name},
                {"label": _("区划代码"), "value": region.official_code},
                {"label": _("层级"), "value": region.get_level_display()},
                {"label": _("全称"), "value": region.full_name or "—"},
                {"label": _("上级区划"), "value": region.parent.name if region.parent else "—"},
                {"label": _("状态"), "value": display(region.is_active) if region.is_active
                 else format_html('<span class="badge bg-secondary-lt">{}</span>', _("已停用"))},
                {"label": _("备注"), "value": region.note or "—"},
            ],
            "breadcrumb": region_breadcrumb(region, self.request.user),
            "child_count": child_count,
            "children_url": f"{reverse('core:region_list')}?parent={region.code}",
            "add_child_url": (f"{reverse('core:region_add')}?parent={region.code}"
                              if self.request.user.has_perm("core.add_region") and region.level < 5 else None),
            "history": labelled_history(region),
        })
        return context


class RegionAddView(ScopedViewMixin, generic.FormView):
    model = Region
    permission_action = "add"
    form_class = RegionAddForm
    template_name = "core/admin/region_form.html"

    def parent(self):
        code = self.request.GET.get("parent")
        return Region.objects.restrict(self.request.user).filter(code=code).first() if code else None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        parent = self.parent()
        return {"code": parent.code} if parent else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        parent = self.parent()
        context.update({
            "title": _("新增行政区划"), "parent": parent,
            "cancel_url": f"{reverse('core:region_list')}?parent={parent.code}" if parent
            else reverse("core:region_list"),
        })
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                region = services.add_region(user=self.request.user, code=data["code"], name=data["name"],
                                             note=data["note"])
        except (ValidationError, regions.RegionCodeError) as exc:
            form.add_error("code" if isinstance(exc, regions.RegionCodeError) else None,
                           str(exc) if isinstance(exc, regions.RegionCodeError) else exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已添加行政区划“%(name)s”（%(code)s）。") % {
            "name": region.name, "code": region.official_code})
        return redirect(detail_url(region))


class RegionEditView(AdminEditMixin, ObjectEditView):
    model = Region
    form_class = RegionEditForm
    template_name = "core/admin/region_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("编辑行政区划：%(name)s（%(code)s）") % {"name": self.object.name,
                                                              "code": self.object.official_code}
        return context

    def save(self, form):
        data = form.cleaned_data
        region = Region.objects.get(pk=self.object.pk)
        return services.update_region(user=self.request.user, region=region, name=data["name"],
                                      note=data["note"], is_active=data["is_active"])


class RegionImportView(ObjectImportView):
    """Upload → preview (every row checked, nothing written) → commit (checked again, all rows or none).

    The uploaded file waits in the default storage between the two steps under a random name kept in the
    session, so the commit writes exactly the file that was previewed, on any app server. The check and the write
    are `services.import_regions_file` (a report dict, not the tabular engine)."""

    model = Region
    permission_required = ["core.add_region", "core.change_region"]
    template_name = "core/admin/region_import.html"
    form_class = RegionImportForm
    title = gettext_lazy("导入行政区划")
    list_url_name = "core:region_list"
    upload_dir = "imports/regions"
    session_key = "region_import"
    preview_rows = 500

    def form_kwargs(self):
        return {}

    def headers(self):
        return []  # the page explains the two columns itself

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["max_bytes"] = settings.TONGXIN_MAX_UPLOAD_BYTES
        return context

    def pending_data(self, form, path):
        return {"path": path, "filename": os.path.basename(form.cleaned_data["file"].name)}

    def run(self, pending, *, dry_run, skip_invalid=False):
        from tongxin.core.tabular import TabularError

        try:
            with default_storage.open(pending["path"], "rb") as handle:
                return services.import_regions_file(file=handle, filename=pending["filename"],
                                                    user=self.request.user, commit=not dry_run)
        except ValidationError as exc:
            raise TabularError(error_text(exc)) from None

    def keep_upload(self, report):
        return not report["errors"] and bool(report["created"] or report["renamed"])

    def preview_context(self, report, pending):
        return {"report": report, "filename": pending["filename"],
                "shown": report["rows"][: self.preview_rows] if report else []}

    def commit_pending(self, pending, *, skip_invalid):
        from tongxin.core.tabular import TabularError

        form = self.get_form()
        try:
            report = self.run(pending, dry_run=False)
        except TabularError as exc:
            report = None
            form.add_error("file", exc.message)
        finally:
            self.discard()
        if report is None or not report["committed"]:
            return self.render_to_response(self.get_context_data(form=form, pending=pending,
                                                                 **self.preview_context(report, pending)))
        messages.success(self.request, _("导入完成：新增 %(c)d 个，更名 %(r)d 个，未变 %(u)d 个。") % {
            "c": report["created"], "r": report["renamed"], "u": report["unchanged"]})
        return redirect(self.success_url())


# --- Dictionaries -----------------------------------------------------------------------------------------------


class DictTypeListView(GlobalQuerysetMixin, ObjectListView):
    model = DictType
    default_ordering = ("code", "id")
    columns = [
        Column("name", gettext_lazy("名称"), sort="name", formatter=link_to("core:dicttype_detail")),
        Column("code", gettext_lazy("代码"), sort="code"),
        Column("standard", gettext_lazy("依据标准")),
        Column("hierarchical", gettext_lazy("分层")),
        Column("item_count", gettext_lazy("字典项")),
        Column("active_count", gettext_lazy("启用")),
    ]

    def base_queryset(self):
        return DictType.objects.annotate(item_count=Count("items"),
                                         active_count=Count("items", filter=Q(items__is_active=True)))


def ordered_items(dict_type) -> list:
    """Items in display order: for a hierarchical dictionary each top-level item followed by its sub-items."""
    items = list(dict_type.items.select_related("parent").order_by("sort", "code"))
    if not dict_type.hierarchical:
        return items
    children: dict[int, list] = {}
    for item in items:
        if item.parent_id:
            children.setdefault(item.parent_id, []).append(item)
    ordered = []
    for item in items:
        if item.parent_id is None:
            ordered.append(item)
            for child in children.get(item.pk, []):
                child.depth = 1
                ordered.append(child)
    return ordered + [i for i in items if i.parent_id and i.parent_id not in {o.pk for o in ordered}]


class DictTypeDetailView(GlobalQuerysetMixin, ObjectDetailView):
    model = DictType
    template_name = "core/admin/dict_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        dict_type, user = self.object, self.request.user
        context.update({
            "details": [
                {"label": _("代码"), "value": dict_type.code},
                {"label": _("依据标准"), "value": dict_type.standard or "—"},
                {"label": _("分层"), "value": display(dict_type.hierarchical)},
                {"label": _("说明"), "value": dict_type.description or "—"},
            ],
            "items": ordered_items(dict_type),
            "can_change": user.has_perm("core.change_dictitem"),
            "add_item_url": reverse("core:dictitem_add", args=[dict_type.pk])
            if user.has_perm("core.add_dictitem") else None,
            "edit_url": None, "delete_url": None,
            "list_url": reverse("core:dict_list"),
            "history": [],
        })
        return context


class DictItemEditView(GlobalQuerysetMixin, AdminEditMixin, ObjectEditView):
    model = DictItem
    form_class = DictItemForm
    template_name = "core/admin/dictitem_form.html"

    def base_queryset(self):
        return DictItem.objects.select_related("dict_type")

    def cancel_url(self) -> str:
        return reverse("core:dicttype_detail", args=[self.dict_type().pk])

    def dict_type(self):
        if self.object is not None:
            return self.object.dict_type
        return get_object_or_404(DictType, pk=self.kwargs["type_pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["dict_type"] = self.dict_type()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        dict_type = self.dict_type()
        context.update({
            "dict_type": dict_type,
            "title": (_("编辑字典项：%(label)s") % {"label": self.object.label} if self.object
                      else _("新增字典项：%(name)s") % {"name": dict_type.name}),
            "cancel_url": reverse("core:dicttype_detail", args=[dict_type.pk]),
            "delete_url": reverse("core:dictitem_delete", args=[self.object.pk])
            if self.object and self.request.user.has_perm("core.delete_dictitem") else None,
            "history": labelled_history(self.object) if self.object else [],
        })
        return context

    def save(self, form):
        return services.save_dict_item(**form.service_kwargs())


class DictItemDeleteView(GlobalQuerysetMixin, ObjectActionView):
    model = DictItem
    permission_action = "delete"

    def base_queryset(self):
        return DictItem.objects.select_related("dict_type")

    def perform(self, obj):
        label = obj.label
        if services.delete_dict_item(item=obj) == "deleted":
            return _("已删除字典项“%(label)s”。") % {"label": label}
        return _("字典项“%(label)s”已被引用，不能删除，已改为停用。") % {"label": label}


# --- Audit log --------------------------------------------------------------------------------------------------


def _object_type(value, obj):
    ct = obj.content_type
    model = ct.model_class() if ct else None
    return model._meta.verbose_name if model else "—"


class AuditViewMixin:
    """Read-only: only GET. Entries come from `services.audit_entries_visible_to` (scope plus the rule for
    entries of no region), never from an unrestricted queryset."""

    model = AuditEntry
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return services.audit_entries_visible_to(self.request.user).select_related("content_type")


class AuditListView(AuditViewMixin, ObjectListView):
    filterset_class = AuditFilterSet
    default_ordering = ("-timestamp", "-id")
    columns = [
        Column("timestamp", gettext_lazy("时间"), sort="timestamp",
               formatter=link_to("core:auditentry_detail", text=local_datetime)),
        Column("username", gettext_lazy("用户")),
        Column("get_action_display", gettext_lazy("操作")),
        Column("content_type", gettext_lazy("对象类型"), formatter=_object_type),
        Column("object_repr", gettext_lazy("对象")),
        Column("region_code", gettext_lazy("区划代码"), formatter=official_code),
        Column("ip", gettext_lazy("IP 地址")),
        Column("message", gettext_lazy("说明")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("cursor", None)
        context["actions"] = [{"url": f"{reverse('core:audit_export')}?{query.urlencode()}",
                               "label": _("导出 Excel"), "icon": "download"}]
        return context


class AuditDetailView(AuditViewMixin, ObjectDetailView):
    template_name = "core/admin/audit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.object
        model = entry.content_type.model_class() if entry.content_type else None
        object_url = None
        if model in DETAIL_URLS and entry.object_id.isdigit():
            try:
                object_url = reverse(DETAIL_URLS[model], args=[int(entry.object_id)])
            except NoReverseMatch:
                object_url = None
        context.update({
            "title": _("审计日志 #%(id)d") % {"id": entry.pk},
            "details": [
                {"label": _("时间"), "value": local_datetime(entry.timestamp)},
                {"label": _("用户"), "value": entry.username or "—"},
                {"label": _("操作"), "value": entry.get_action_display()},
                {"label": _("对象类型"), "value": model._meta.verbose_name if model else "—"},
                {"label": _("对象"), "value": format_html('<a href="{}">{}</a>', object_url, entry.object_repr)
                 if object_url else (entry.object_repr or "—")},
                {"label": _("对象编号"), "value": entry.object_id or "—"},
                {"label": _("区划代码"), "value": official_code(entry.region_code)},
                {"label": _("IP 地址"), "value": entry.ip or "—"},
                {"label": _("来源"), "value": entry.source or "—"},
                {"label": _("请求编号"), "value": entry.request_id or "—"},
                {"label": _("说明"), "value": entry.message or "—"},
            ],
            "changes": labelled_changes(model, entry.changes, {}),
            "list_url": reverse("core:audit_list"),
            "edit_url": None, "delete_url": None, "history": [],
        })
        return context


class AuditExportView(AuditViewMixin, ScopedViewMixin, generic.View):
    """The filtered list as .xlsx (text cells escaped against formula injection); the export is itself audited."""

    def get(self, request, *args, **kwargs):
        filterset = AuditFilterSet(request.GET or None, queryset=self.get_queryset(), request=request)
        entries = list(filterset.qs.order_by("-timestamp", "-id")[: AUDIT_EXPORT_MAX_ROWS + 1])
        if len(entries) > AUDIT_EXPORT_MAX_ROWS:
            messages.error(request, _("符合条件的记录超过 %(n)d 条，请缩小筛选范围后再导出。") % {
                "n": AUDIT_EXPORT_MAX_ROWS})
            return redirect(f"{reverse('core:audit_list')}?{request.GET.urlencode()}")
        headers = [_("时间"), _("用户"), _("IP 地址"), _("操作"), _("对象类型"), _("对象编号"), _("对象"),
                   _("区划代码"), _("变更内容"), _("说明")]
        rows = []
        for entry in entries:
            model = entry.content_type.model_class() if entry.content_type else None
            changes = "；".join(f"{c['label']}：{c['before'] if c['before'] is not None else '—'} → "
                               f"{c['after'] if c['after'] is not None else '—'}"
                               for c in labelled_changes(model, entry.changes))
            rows.append([entry.timestamp, entry.username, entry.ip, entry.get_action_display(),
                         model._meta.verbose_name if model else "", entry.object_id, entry.object_repr,
                         entry.region_code, changes, entry.message])
        audit.log(AuditEntry.EXPORT, region_code=scope_prefix(request.user) or "",
                  message=_("导出审计日志 %(n)d 条") % {"n": len(rows)})
        filename = f"审计日志_{timezone.localtime():%Y%m%d_%H%M}.xlsx"
        return xlsx_response(filename, headers, rows, sheet_name="审计日志")


# --- Background jobs --------------------------------------------------------------------------------------------


class JobViewMixin:
    """Every signed-in user has jobs; which ones they see is `services.jobs_visible_to`."""

    model = Job

    def get_permission_required(self):
        return []

    def get_queryset(self):
        return services.jobs_visible_to(self.request.user).select_related("user")


class JobListView(JobViewMixin, ObjectListView):
    filterset_class = JobFilterSet
    default_ordering = ("-created_at", "-id")
    columns = [
        Column("title", gettext_lazy("名称"), formatter=link_to("core:job_detail")),
        Column("status", gettext_lazy("状态"), formatter=status_badge),
        Column("progress", gettext_lazy("进度"), formatter=lambda v, obj: f"{v}%"),
        Column("user", gettext_lazy("提交人")),
        Column("created_at", gettext_lazy("提交时间"), sort="created_at", formatter=local_datetime),
        Column("finished_at", gettext_lazy("结束时间"), formatter=local_datetime),
    ]

    def add_url(self):
        return None


def job_context(job, user) -> dict:
    summary = [{"label": key, "value": labelled_value(value)} for key, value in (job.result or {}).items()
               if not isinstance(value, dict)]
    return {
        "job": job,
        "summary": summary,
        "can_download": bool(job.result_file) and job.user_id == user.pk,
        "poll": not job.is_finished,
    }


class JobDetailView(JobViewMixin, ObjectDetailView):
    template_name = "core/admin/job_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        context.update(job_context(job, self.request.user))
        context.update({
            "details": [
                {"label": _("名称"), "value": job.title},
                {"label": _("类型"), "value": job.kind},
                {"label": _("提交人"), "value": str(job.user) if job.user else "—"},
                {"label": _("提交时间"), "value": local_datetime(job.created_at)},
                {"label": _("开始时间"), "value": local_datetime(job.started_at)},
                {"label": _("结束时间"), "value": local_datetime(job.finished_at)},
            ],
            "list_url": reverse("core:job_list"), "edit_url": None, "delete_url": None, "history": [],
        })
        return context


class JobProgressView(JobViewMixin, ScopedViewMixin, SingleObjectMixin, generic.View):
    """The status card alone, polled by htmx every second while the job runs; a finished job's card has no
    polling trigger, so the polling stops by itself."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        job = self.get_object()
        return render(request, "core/admin/_job_status.html", job_context(job, request.user))


class JobDownloadView(JobViewMixin, ScopedViewMixin, SingleObjectMixin, generic.View):
    """The result file, to the user who ran the job only: result files can hold exported personal data, so not
    even an administrator downloads another user's file, and files are never served from a public URL."""

    http_method_names = ["get"]

    def get_queryset(self):
        return Job.objects.filter(user=self.request.user)

    def get(self, request, *args, **kwargs):
        return file_download(self.get_object().result_file)


# --- Own account ------------------------------------------------------------------------------------------------


def _qr_svg(data: str) -> str:
    import segno

    return segno.make(data, error="m").svg_inline(scale=5, border=2, dark="#182433", light="#ffffff")


class AccountView(LoginRequiredMixin, generic.TemplateView):
    """账号与安全: change the own password; see, bind or remove the TOTP second factor."""

    template_name = "core/account.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.setdefault("password_form", OwnPasswordForm(user))
        context.setdefault("remove_form", PasswordConfirmForm(user=user))
        context.update({
            "title": _("账号与安全"),
            "account": user,
            "has_totp": services.has_totp(user),
            "details": [
                {"label": _("用户名"), "value": user.username},
                {"label": _("姓名"), "value": user.display_name or "—"},
                {"label": _("职务"), "value": user.title or "—"},
                {"label": _("数据范围"), "value": region_label(user.scope_region) if user.scope_region_id
                 else _("全部")},
                {"label": _("角色"), "value": joined(user.role_names)},
                {"label": _("最近登录"), "value": local_datetime(user.last_login)},
            ],
        })
        return context

    def post(self, request, *args, **kwargs):
        form = OwnPasswordForm(request.user, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(password_form=form))
        services.change_own_password(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("密码已修改。"))
        return redirect("core:account")


class AccountTotpView(LoginRequiredMixin, generic.FormView):
    """Bind a TOTP device. A bound device is replaced only after removing it, which asks for the password, so a
    borrowed session cannot move the second factor to another phone."""

    template_name = "core/account_totp.html"
    form_class = TotpConfirmForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and services.has_totp(request.user):
            messages.info(request, _("已绑定动态口令。更换手机请先解绑（需输入密码），再重新绑定。"))
            return redirect("core:account")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        import base64

        context = super().get_context_data(**kwargs)
        device = services.pending_totp_device(user=self.request.user)
        secret = base64.b32encode(device.bin_key).decode()
        context.update({
            "title": _("绑定动态口令"),
            "qr_svg": mark_safe(_qr_svg(services.totp_uri(device))),  # noqa: S308 - SVG generated by segno
            "secret_groups": format_html_join(" ", "<code>{}</code>",
                                              ((secret[i:i + 4],) for i in range(0, len(secret), 4))),
        })
        return context

    def form_valid(self, form):
        from django_otp import login as otp_login

        user = self.request.user
        device = services.pending_totp_device(user=user)
        if not services.confirm_totp(user=user, device=device, token=form.cleaned_data["token"]):
            form.add_error("token", _("动态口令不正确或已过期，请输入应用中当前显示的 6 位数字。"))
            return self.form_invalid(form)
        otp_login(self.request, device)
        messages.success(self.request, _("动态口令已绑定。以后登录时须同时输入动态口令。"))
        return redirect("core:account")


class AccountTotpRemoveView(LoginRequiredMixin, generic.View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PasswordConfirmForm(request.POST, user=request.user)
        if not form.is_valid():
            view = AccountView(request=request, args=args, kwargs=kwargs)
            return render(request, view.template_name, view.get_context_data(remove_form=form))
        services.remove_totp(actor=request.user, user=request.user)
        messages.success(request, _("动态口令已解绑。"))
        return redirect("core:account")

