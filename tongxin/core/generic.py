"""Generic object views (NetBox-style): list, detail, edit, delete, export and import — scoped, permission-checked,
audited.

An app's view is a subclass naming its model, table columns, filterset and form. Every queryset comes from
`model.objects.restrict(user)`, so an object outside the user's region is a 404 on every page.
"""

import io
import os
import uuid
from functools import cached_property

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import generic

from tongxin.core import audit, related
from tongxin.core.paging import keyset_page
from tongxin.core.tables import Table


class ScopedViewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """The one place a view gets its queryset: the model's manager restricted to the user's region scope."""

    model = None
    permission_action = "view"
    raise_exception = True

    def get_permission_required(self):
        if self.permission_required:
            return super().get_permission_required()
        opts = self.model._meta
        return [f"{opts.app_label}.{self.permission_action}_{opts.model_name}"]

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return redirect_to_login(self.request.get_full_path(), self.get_login_url(),
                                     self.get_redirect_field_name())
        raise Http404

    def base_queryset(self):
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a model")
        return self.model.objects.all()

    def get_queryset(self):
        return self.base_queryset().restrict(self.request.user, self.permission_action)


class ObjectListView(ScopedViewMixin, generic.TemplateView):
    template_name = "core/object_list.html"
    columns: list = []
    filterset_class = None
    default_ordering = ("-id",)
    page_size = 50
    title = None
    actions: list = []

    def ordering(self) -> list[str]:
        sort = self.request.GET.get("sort", "")
        allowed = {c.sort for c in self.columns if c.sort}
        if sort.lstrip("-") in allowed:
            tiebreak = "-id" if sort.startswith("-") else "id"
            return [sort, tiebreak]
        return list(self.default_ordering)

    def filtered_queryset(self):
        queryset = self.get_queryset()
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=queryset, request=self.request)
            queryset = self.filterset.qs
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = self.filtered_queryset()
        page = keyset_page(queryset, self.ordering(), self.request.GET.get("cursor"), self.page_size)
        params = self.request.GET.copy()
        params.pop("cursor", None)
        next_params = params.copy()
        if page.next_cursor:
            next_params["cursor"] = page.next_cursor
        sort_params = params.copy()
        sort_params.pop("sort", None)
        opts = self.model._meta
        context.update({
            "title": self.title or opts.verbose_name_plural,
            "table": Table(self.columns, page.rows, sort=self.request.GET.get("sort", ""),
                           query=sort_params.urlencode()),
            "page": page,
            "filterset": self.filterset,
            "first_url": "?" + params.urlencode(),
            "next_url": ("?" + next_params.urlencode()) if page.next_cursor else None,
            "sort_query": sort_params.urlencode(),
            "add_url": self.add_url(),
            "actions": [a for a in self.actions if self.request.user.has_perm(a.get("perm", ""))],
        })
        return context

    def add_url(self):
        opts = self.model._meta
        if not self.request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}"):
            return None
        try:
            return reverse(f"{opts.app_label}:{opts.model_name}_add")
        except Exception:  # noqa: BLE001 - a model without an add page shows no button
            return None


class ObjectDetailView(ScopedViewMixin, generic.DetailView):
    template_name = "core/object_detail.html"
    fields: list[str] | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        opts = obj._meta
        user = self.request.user
        context.update({
            "title": str(obj),
            "opts": opts,
            "details": self.details(obj),
            "history": audit.labelled_history(obj),
            "related": related.sections_for(obj, user),
            "edit_url": self.url_if_permitted("change", "edit", obj),
            "delete_url": self.url_if_permitted("delete", "delete", obj),
            "list_url": self.url_if_permitted("view", "list", None),
        })
        return context

    def url_if_permitted(self, action: str, suffix: str, obj):
        opts = self.model._meta
        if not self.request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            return None
        try:
            args = [obj.pk] if obj is not None else []
            return reverse(f"{opts.app_label}:{opts.model_name}_{suffix}", args=args)
        except Exception:  # noqa: BLE001
            return None

    def details(self, obj) -> list[dict]:
        names = self.fields or [
            f.name for f in obj._meta.concrete_fields
            if f.name not in ("id",) and not f.name.endswith("_bidx")
        ]
        rows = []
        for name in names:
            field = obj._meta.get_field(name)
            display = getattr(obj, f"get_{name}_display", None)
            value = display() if callable(display) else getattr(obj, name)
            if getattr(field, "sensitive", False):
                value = field.mask(value)
            rows.append({"label": field.verbose_name, "value": value})
        return rows


class ObjectEditView(ScopedViewMixin, generic.UpdateView):
    template_name = "core/object_form.html"
    form_class = None
    # query parameter → foreign-key field a new record starts with ("add a session to this class" links:
    # ?training_class=5); the id is taken only when it is a record of the user's scope
    prefill: dict[str, str] = {}

    def get_permission_required(self):
        self.permission_action = "change" if "pk" in self.kwargs else "add"
        return super().get_permission_required()

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            return None
        return super().get_object(queryset)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        if self.object is None:
            for param, field in self.prefill.items():
                pk = self.request.GET.get(param, "")
                related = self.model._meta.get_field(field).related_model
                rows = related.objects.restrict(self.request.user) if hasattr(related.objects, "restrict") \
                    else related.objects.all()
                if pk.isdigit() and rows.filter(pk=pk).exists():
                    initial[field] = int(pk)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opts = self.model._meta
        context["title"] = (
            _("编辑%(name)s") % {"name": opts.verbose_name} if self.object
            else _("新增%(name)s") % {"name": opts.verbose_name}
        )
        context["cancel_url"] = self.object.get_absolute_url() if self.object else reverse(
            f"{opts.app_label}:{opts.model_name}_list"
        )
        return context

    def save(self, form):
        """Override to call the app's service; the default saves the model form."""
        return form.save()

    def form_valid(self, form):
        with transaction.atomic():
            self.object = self.save(form)
        messages.success(self.request, _("已保存。"))
        return redirect(self.object.get_absolute_url())


class ObjectDeleteView(ScopedViewMixin, generic.DeleteView):
    template_name = "core/object_confirm_delete.html"
    permission_action = "delete"

    def get_success_url(self):
        opts = self.model._meta
        return reverse(f"{opts.app_label}:{opts.model_name}_list")

    def form_valid(self, form):
        try:
            with transaction.atomic():
                response = super().form_valid(form)
        except ProtectedError:
            messages.error(self.request, _("该记录仍被其他记录引用，不能删除。"))
            return redirect(self.object.get_absolute_url())
        messages.success(self.request, _("已删除。"))
        return response


# --- Service-backed edits, object actions and exports --------------------------------------------------------------

EXPORT_FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "csv": "text/csv; charset=utf-8"}
EXPORT_MAX_ROWS = 50_000


def error_text(exc: ValidationError) -> str:
    """A service's ValidationError as one line for a flash message."""
    return "；".join(str(m) for m in exc.messages)


def safe_next(request, fallback: str) -> str:
    """The `next` the request names when it is a URL of this site, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def apply_errors(form, exc: ValidationError) -> None:
    """Put a service's errors next to the fields they name (or above the form)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if form is not None and name in form.fields else None
            form.add_error(target, [str(m) for e in errors for m in e.messages])
    else:
        form.add_error(None, exc.messages)


def query_without_cursor(request) -> str:
    query = request.GET.copy()
    query.pop("cursor", None)
    return query.urlencode()


def export_links(url: str, query: str) -> list[dict]:
    """The list page's export buttons: the same filters, as .xlsx and .csv."""
    base = url + "?" + (f"{query}&" if query else "")
    return [{"label": _("导出 Excel"), "url": f"{base}format=xlsx"}, {"label": _("导出 CSV"), "url": f"{base}format=csv"}]


class ServiceEditView(ObjectEditView):
    """An edit page whose save is a service call; a service's ValidationError goes back onto the form."""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = self.save(form)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存。"))
        return redirect(self.object.get_absolute_url())


class ObjectActionView(ScopedViewMixin, generic.View):
    """A POST about one record of the user's scope (a status change, a note): `form_class` checks the input,
    `perform(cleaned_data)` calls the service, and the answer is a redirect back to the record with a message."""

    permission_action = "change"
    http_method_names = ["post"]
    form_class = None
    success_message = ""

    @cached_property
    def object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def perform(self, data: dict) -> str | None:
        """Call the service; may return the message to show instead of `success_message`."""
        raise NotImplementedError

    def form_kwargs(self) -> dict:
        """Extra arguments for the form, e.g. `{"user": self.request.user}` for pickers limited to the scope."""
        return {}

    def success_url(self) -> str:
        return self.object.get_absolute_url()

    def post(self, request, *args, **kwargs):
        self.object  # noqa: B018 - a record outside the scope is a 404 before the form is read
        form = self.form_class(request.POST, request.FILES, **self.form_kwargs())
        if form.is_valid():
            try:
                with transaction.atomic():
                    message = self.perform(form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, message or self.success_message or _("已保存。"))
        else:
            messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(self.success_url())


class ObjectExportView(ScopedViewMixin, generic.View):
    """The filtered list as .xlsx or .csv — the list's filters, the user's scope, personal numbers masked, cells
    escaped against formula injection — written to the audit log. Subclasses name `model`, `filterset_class`,
    `list_url_name`, `export_name` and either `spec()` + `rows(queryset)` (core.tabular column specs) or `write()`.

    Hooks: `export_params` (query parameters of the export itself, not filters), `refusal()` (a reason to refuse
    before the list is read), `log_export()` (the audit entry). With `job_kind` a list of more than
    `inline_max_rows` rows is exported by that background job (`job_params()`) and the answer is the job's page.
    """

    filterset_class = None
    list_url_name = ""
    export_name = ""
    formats = ("xlsx", "csv")
    max_rows = EXPORT_MAX_ROWS
    export_params = ()
    job_kind = ""
    inline_max_rows = None
    job_message = ""

    def export_queryset(self):
        return self.get_queryset()

    def spec(self):
        raise NotImplementedError

    def rows(self, queryset):
        return queryset

    def write(self, queryset, fmt: str, output) -> int:
        from tongxin.core.tabular import write_csv, write_xlsx

        writer = write_xlsx if fmt == "xlsx" else write_csv
        return writer(self.rows(queryset), self.spec(), output, masked=True)

    def filename(self, fmt: str) -> str:
        return f"{self.export_name}_{timezone.localtime():%Y%m%d_%H%M}.{fmt}"

    def back_url(self, params) -> str:
        """The list page with the same filters: where a refused export goes back to."""
        return reverse(self.list_url_name) + (f"?{params.urlencode()}" if params else "")

    def refusal(self, fmt: str) -> str | None:
        """A reason to refuse this export (shown on the list page), or None."""
        return None

    def log_export(self, fmt: str, count: int) -> None:
        from tongxin.core.models import AuditEntry
        from tongxin.core.scope import scope_prefix

        audit.log(AuditEntry.EXPORT, region_code=scope_prefix(self.request.user) or "", user=self.request.user,
                  changes={"rows": [None, count], "format": [None, fmt]},
                  message=_("导出%(what)s %(n)s 行（身份证号、手机号码已脱敏）") % {"what": self.export_name, "n": count})

    def job_title(self) -> str:
        return _("导出%(what)s") % {"what": self.export_name}

    def job_params(self, params, fmt: str) -> dict:
        return {"query": params.urlencode(), "format": fmt}

    def export_as_job(self, params, fmt: str):
        from tongxin.core import jobs
        from tongxin.core.scope import scope_prefix

        job = jobs.enqueue(self.job_kind, title=self.job_title(), user=self.request.user,
                           region_code=scope_prefix(self.request.user) or "", params=self.job_params(params, fmt))
        messages.info(self.request, self.job_message or _("数据较多，已转为后台任务导出，完成后在任务页下载。"))
        return redirect("core:job_detail", pk=job.pk)

    def get(self, request, *args, **kwargs):
        from tongxin.core.exports import attachment_headers

        fmt = request.GET.get("format", self.formats[0])
        if fmt not in self.formats:
            raise Http404
        params = request.GET.copy()
        for name in ("format", "cursor", "sort", *self.export_params):
            params.pop(name, None)
        reason = self.refusal(fmt)
        if reason:
            messages.error(request, reason)
            return redirect(self.back_url(params))
        queryset = self.filterset_class(params or None, queryset=self.export_queryset(), request=request).qs
        inline = self.inline_max_rows
        if self.job_kind and inline is not None and queryset[inline:inline + 1].exists():
            return self.export_as_job(params, fmt)
        if queryset[self.max_rows:self.max_rows + 1].exists():
            messages.error(request, _("超过 %(n)s 条，请缩小筛选范围后分批导出。") % {"n": self.max_rows})
            return redirect(self.back_url(params))
        buffer = io.BytesIO()
        count = self.write(queryset, fmt, buffer)
        self.log_export(fmt, count)
        response = HttpResponse(buffer.getvalue(), content_type=EXPORT_FORMATS[fmt])
        response["Cache-Control"] = "no-store"
        return attachment_headers(response, self.filename(fmt))


# --- Imports: upload → preview → commit ----------------------------------------------------------------------------


class ObjectImportView(ScopedViewMixin, generic.TemplateView):
    """Upload a spreadsheet → preview (every row checked by core.tabular, nothing written) → commit all rows or
    only the valid ones ("mode" = "valid").

    Between the two steps the upload waits in the default storage under a random name in `upload_dir`, kept in the
    session at `session_key`, so the commit imports exactly the previewed file. A subclass names `model`,
    `form_class` (a form with `file` and `region` fields, taking `user=`), `spec_class`, `list_url_name`,
    `template_url_name`, `upload_dir`, `session_key` and `title`. Hooks: `spec()`, `form_kwargs()`,
    `pending_data()` (what the session keeps), `run()` (the engine on the stored file; a file it refuses raises
    TabularError), `keep_upload()`, `preview_context()`, `commit_pending()` (the second step;
    `ObjectJobImportView` runs it as a background job). A page that imports in one step, without keeping the file,
    overrides `form_valid(form)` and uses `file_error()`.
    """

    permission_action = "add"
    template_name = "core/object_import.html"
    form_class = None
    spec_class = None
    title = None
    list_url_name = ""
    template_url_name = ""
    upload_dir = "imports"
    session_key = ""
    shown_errors = 200

    def spec(self):
        return self.spec_class()

    def get_title(self) -> str:
        return self.title or _("导入%(what)s") % {"what": self.spec().name}

    def form_kwargs(self) -> dict:
        return {"user": self.request.user}

    def get_form(self, data=None, files=None):
        return self.form_class(data, files, **self.form_kwargs())

    def headers(self) -> list[tuple]:
        """The column help beside the form: (header, aliases, required, help text) per column."""
        return [(c.header, "、".join(c.aliases), c.required, c.help_text) for c in self.spec().import_columns]

    def cancel_url(self) -> str:
        return reverse(self.list_url_name)

    def success_url(self) -> str:
        return reverse(self.list_url_name)

    def restart_url(self) -> str:
        """Where an expired or failed commit goes back to: this page."""
        return self.request.get_full_path()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        context.update({
            "title": self.get_title(),
            "template_url": reverse(self.template_url_name) if self.template_url_name else None,
            "cancel_url": self.cancel_url(),
            "headers": self.headers(),
        })
        return context

    # Step 1: upload and preview.

    def post(self, request, *args, **kwargs):
        if request.POST.get("step") == "commit":
            return self.commit()
        form = self.get_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        return self.form_valid(form)

    def form_valid(self, form):
        from tongxin.core.tabular import TabularError

        upload = form.cleaned_data["file"]
        self.discard()
        extension = os.path.splitext(upload.name)[1].lower()
        path = default_storage.save(f"{self.upload_dir}/{uuid.uuid4().hex}{extension}", upload)
        pending = self.pending_data(form, path)
        self.request.session[self.session_key] = pending
        try:
            result = self.run(pending, dry_run=True)
        except TabularError as exc:
            self.discard()
            return self.file_error(form, exc)
        if not self.keep_upload(result):
            self.discard()  # nothing can be committed from this file: do not keep it
        return self.render_to_response(self.get_context_data(form=form, pending=pending,
                                                             **self.preview_context(result, pending)))

    def file_error(self, form, exc):
        """A file the engine cannot read or refuses: the message goes under the file field."""
        form.add_error("file", exc.message)
        return self.render_to_response(self.get_context_data(form=form))

    def pending_data(self, form, path: str) -> dict:
        """What the session keeps between the steps (JSON only)."""
        return {"path": path, "filename": os.path.basename(form.cleaned_data["file"].name),
                "region": form.cleaned_data["region"].code}

    def import_context(self, pending: dict):
        from tongxin.core.tabular import ImportContext

        return ImportContext(user=self.request.user, region=pending["region"], scope=pending["region"],
                             source="web", filename=pending["filename"], today=timezone.localdate())

    def run(self, pending: dict, *, dry_run: bool, skip_invalid: bool = False):
        """The engine on the stored upload, scoped to the chosen region."""
        from tongxin.core.tabular import run_import

        with default_storage.open(pending["path"], "rb") as handle:
            return run_import(handle, self.spec(), self.import_context(pending), dry_run=dry_run,
                              skip_invalid=skip_invalid, name=pending["filename"], rejected_output=False)

    def keep_upload(self, result) -> bool:
        """Whether the previewed upload is kept for the commit step (False: nothing in it can be committed)."""
        return True

    def preview_context(self, result, pending: dict) -> dict:
        from tongxin.core.tabular import describe_errors

        return {"result": result, "errors": describe_errors(result, self.shown_errors),
                "more_errors": max(0, len(result.errors) - self.shown_errors)}

    # Step 2: commit the previewed file.

    def commit(self):
        pending = self.request.session.get(self.session_key)
        if not pending or not default_storage.exists(pending["path"]):
            messages.error(self.request, _("导入已过期，请重新上传文件。"))
            return redirect(self.restart_url())
        return self.commit_pending(pending, skip_invalid=self.request.POST.get("mode") == "valid")

    def commit_pending(self, pending: dict, *, skip_invalid: bool):
        """Import at once, in this request; the stored upload is removed whatever happens."""
        from tongxin.core.tabular import TabularError

        try:
            result = self.run(pending, dry_run=False, skip_invalid=skip_invalid)
        except TabularError as exc:
            messages.error(self.request, exc.message)
            return redirect(self.restart_url())
        finally:
            self.discard()
        if not result.committed:
            messages.error(self.request, _("有 %(n)s 行存在错误，没有写入任何数据。") % {"n": result.rejected})
            return redirect(self.restart_url())
        messages.success(self.request, _("导入完成：新增 %(c)s 行，重复跳过 %(s)s 行，有错误未导入 %(r)s 行。") % {
            "c": result.created, "s": result.skipped, "r": result.rejected})
        return redirect(self.success_url())

    def discard(self):
        pending = self.request.session.pop(self.session_key, None)
        if pending and default_storage.exists(pending["path"]):
            default_storage.delete(pending["path"])


class ObjectJobImportView(ObjectImportView):
    """An import whose commit is a background job of kind `job_kind` (its handler reads the stored upload and
    deletes it), run at once in the request when the file is at most `inline_max_bytes`. The answer is the job's
    page. `commit_form_class` (a form with a `mode` field) shows the chosen mode again under the preview."""

    job_kind = ""
    inline_max_bytes = 2 * 1024 * 1024
    commit_form_class = None

    def pending_data(self, form, path: str) -> dict:
        return {**super().pending_data(form, path), "size": form.cleaned_data["file"].size,
                "mode": form.cleaned_data["mode"]}

    def preview_context(self, result, pending: dict) -> dict:
        return {**super().preview_context(result, pending),
                "commit_form": self.commit_form_class(initial={"mode": pending["mode"]})}

    def job_title(self, pending: dict) -> str:
        return _("导入%(what)s：%(f)s") % {"what": self.spec().name, "f": pending["filename"]}

    def job_params(self, pending: dict, *, skip_invalid: bool) -> dict:
        return {**pending, "skip_invalid": skip_invalid}

    def commit_pending(self, pending: dict, *, skip_invalid: bool):
        from tongxin.core import jobs

        job = jobs.enqueue(self.job_kind, title=self.job_title(pending), user=self.request.user,
                           region_code=pending["region"], params=self.job_params(pending, skip_invalid=skip_invalid))
        self.request.session.pop(self.session_key, None)
        if job.status == job.QUEUED and pending["size"] <= self.inline_max_bytes:
            jobs.run_job(job.pk)
        return redirect("core:job_detail", pk=job.pk)


class ObjectImportTemplateView(ScopedViewMixin, generic.View):
    """The empty .xlsx template of an import: the spec's headers, an example row and the help. Subclasses name
    `model` and `spec_class` (or override `spec()`), and may rename the file with `filename()`."""

    permission_action = "add"
    spec_class = None

    def spec(self):
        return self.spec_class()

    def filename(self, spec) -> str:
        return spec.template_filename

    def get(self, request, *args, **kwargs):
        from tongxin.core.exports import attachment_headers

        spec = self.spec()
        response = HttpResponse(spec.template_xlsx(), content_type=EXPORT_FORMATS["xlsx"])
        return attachment_headers(response, self.filename(spec))
