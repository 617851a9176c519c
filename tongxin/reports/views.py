"""Report pages: the dashboard (驾驶舱), the work report (工作报告), comparisons (区域比较), the records behind a
figure, and the template editor. Every page works on a region inside the user's scope; figures come from the
engine, never from rows loaded into Python."""

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic

from tongxin.core import jobs
from tongxin.core.exports import attachment_headers, xlsx_response
from tongxin.core.paging import keyset_page
from tongxin.core.scope import scope_prefix
from tongxin.reports import engine, forms, maps, narrative, registry, services, snapshots
from tongxin.reports.models import ReportTemplate
from tongxin.reports.registry import total_of

VIEW_PERM = "reports.view_reports"


class ReportsPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = VIEW_PERM
    raise_exception = True

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return redirect_to_login(self.request.get_full_path(), self.get_login_url(),
                                     self.get_redirect_field_name())
        raise Http404


def drill_url(key: str, region, date_from, date_to, part: str | None = None) -> str:
    """The records page behind one figure (or behind one part of a split figure)."""
    code = region.official_code if region.code else engine.WHOLE_COUNTRY_CODE
    url = reverse("reports:records", kwargs={"key": key, "region": code})
    query = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    if part is not None:
        query["part"] = part
    return f"{url}?{urlencode(query)}"


def _display(value) -> str:
    return narrative.exact_number(value)


class DashboardView(ReportsPermissionMixin, generic.TemplateView):
    """Key figures with change against the previous period, the chosen figure by month and by child region (map
    where offline outlines exist), and the split figures as pies — each clickable through to its records."""

    template_name = "reports/dashboard.html"

    def period(self, data):
        form = forms.PeriodForm(data or None, user=self.request.user)
        region, date_from, date_to = form.values()
        if region is None:
            raise Http404
        return form, region, date_from, date_to

    def post(self, request, *args, **kwargs):
        """立即刷新: recompute the figures and the chosen chart from the records now (a region outside the user's
        scope, or a broken period, is 404: the button only ever posts what the page showed)."""
        form, region, date_from, date_to = self.period(request.POST)
        if not form.is_valid():
            raise Http404
        chosen = self.chosen_metric(registry.all_metrics(), request.POST.get("metric", ""))
        snapshots.recompute("dashboard", region, date_from, date_to)
        if chosen is not None:
            snapshots.recompute(f"chart:{chosen.key}", region, date_from, date_to)
        messages.success(request, _("统计数据已按最新记录重新计算"))
        query = form.query() + (f"&{urlencode({'metric': chosen.key})}" if chosen is not None else "")
        return redirect(reverse("reports:dashboard") + "?" + query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, region, date_from, date_to = self.period(self.request.GET)
        metrics = registry.all_metrics()
        prev_from, prev_to = engine.previous_period(date_from, date_to)
        figures = snapshots.read("dashboard", region, date_from, date_to)
        current, previous = figures.data["current"], figures.data["previous"]
        chosen = self.chosen_metric(metrics, self.request.GET.get("metric", ""))
        cards = []
        for metric in metrics:
            if metric.key not in current:  # a metric registered after the snapshot was taken
                continue
            delta = engine.change(current[metric.key], previous.get(metric.key, 0))
            cards.append({"key": metric.key, "label": metric.label, "unit": metric.unit,
                          "value": _display(total_of(current[metric.key])),
                          "previous": _display(total_of(previous.get(metric.key, 0))),
                          "delta": delta["delta"], "delta_text": _display(abs(delta["delta"])),
                          "percent": delta["percent"], "url": drill_url(metric.key, region, date_from, date_to),
                          "selected": chosen is not None and metric.key == chosen.key})
        chart = snapshots.read(f"chart:{chosen.key}", region, date_from, date_to) if chosen else None
        context.update({
            "title": _("驾驶舱"), "form": form, "region": region, "date_from": date_from, "date_to": date_to,
            "prev_from": prev_from, "prev_to": prev_to, "period_label": engine.period_label(date_from, date_to),
            "cards": cards, "metrics": metrics, "chosen": chosen,
            "chart_data": self.chart_data(chosen, region, date_from, date_to, current, chart.data) if chosen else None,
            "top_associations": figures.data.get("top_associations", []),
            "computed_at": min(figures.computed_at, chart.computed_at) if chart else figures.computed_at,
            "stale": figures.stale or (chart is not None and chart.stale),
            "refresh_fields": parse_qsl(form.query(**({"metric": chosen.key} if chosen else {}))),
            "report_url": reverse("reports:report") + "?" + form.query(),
            "compare_url": reverse("reports:compare") + "?" + form.query(),
        })
        return context

    def chosen_metric(self, metrics, wanted: str = ""):
        for metric in metrics:
            if metric.key == wanted:
                return metric
        return snapshots.default_chart_metric(metrics)

    def chart_data(self, metric, region, date_from, date_to, current, chart) -> dict:
        key = metric.key
        months, before = chart["months"], chart["before"]
        windows = registry.month_windows(date_from, date_to)
        one_year = date_from.year == date_to.year
        children = engine.children_of(region)
        parts = []
        for other in registry.all_metrics():
            value = current.get(other.key)
            if isinstance(value, dict) and any(value.get("by", {}).values()):
                narrows = registry.has_part_filter(other.key)
                parts.append({"key": other.key, "label": other.label, "unit": other.unit,
                              "url": drill_url(other.key, region, date_from, date_to),
                              "items": [{"name": str(k), "value": v,
                                         "url": drill_url(other.key, region, date_from, date_to, str(k))
                                         if narrows else None}
                                        for k, v in value["by"].items() if v]})
        return {
            "metric": {"key": key, "label": metric.label, "unit": metric.unit},
            "trend": {
                "labels": [f"{int(label[5:])}月" if one_year else label for label in months],
                "current": [total_of(v) for v in months.values()],
                "previous": [before[i] if i < len(before) else None for i in range(len(months))],
                "previous_values": [total_of(v) for v in before],
                "urls": [drill_url(key, region, start, end) for _label, start, end in windows],
                "current_name": _("本期"), "previous_name": _("上期"),
            },
            "regions": {
                "names": [c.name for c in children], "codes": [c.official_code for c in children],
                "values": [chart["regions"].get(c.code, 0) for c in children],
                "urls": [drill_url(key, c, date_from, date_to) for c in children],
                "map": maps.map_url(region.code),
            },
            "parts": parts,
        }


class ReportView(ReportsPermissionMixin, generic.TemplateView):
    """The work report for a region and period: the narrative and exact figures as they will be exported."""

    template_name = "reports/report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.ReportForm(self.request.GET or None, user=self.request.user)
        region, date_from, date_to = form.values()
        if region is None:
            raise Http404
        template = form.cleaned_data.get("template") if form.is_bound and form.is_valid() else None
        document = services.build_document(region, date_from, date_to, template)
        context.update({
            "title": _("工作报告"), "form": form, "document": document, "region": region,
            "rows": [{**row, "display": _display(row["total"]), "by_text": services.by_text(row["by"]),
                      "url": drill_url(row["key"], region, date_from, date_to)}
                     for row in services.report_rows(document.report)],
            "charts": document.charts,
            "formats": [("docx", _("Word 文档")), ("pdf", "PDF"), ("xlsx", _("Excel 表格")), ("md", "Markdown"),
                        ("json", "JSON")],
            "can_edit_templates": self.request.user.has_perm("reports.change_reporttemplate"),
        })
        return context


class ReportExportView(ReportsPermissionMixin, generic.View):
    """Download the report; .docx and .pdf are drawn by a background job whose page offers the file."""

    http_method_names = ["post"]

    def post(self, request):
        form = forms.ExportForm(request.POST, user=request.user)
        back = reverse("reports:report")
        if not form.is_valid():
            messages.error(request, _("请先选择区划、期间和格式。") + " ".join(
                str(e) for errors in form.errors.values() for e in errors))
            return redirect(back)
        data = form.cleaned_data
        region, start, end, fmt = data["region"], data["from"], data["to"], data["format"]
        template = data.get("template")
        if fmt in ("docx", "pdf"):
            job = jobs.enqueue("reports_export", title=_("生成工作报告：%(r)s %(p)s（%(f)s）") % {
                "r": region.name, "p": engine.period_label(start, end), "f": fmt.upper()},
                user=request.user, region_code=region.code or (scope_prefix(request.user) or ""),
                params={"region": region.official_code if region.code else engine.WHOLE_COUNTRY_CODE,
                        "from": start.isoformat(), "to": end.isoformat(), "format": fmt,
                        "template": template.pk if template else None})
            return redirect("core:job_detail", pk=job.pk)
        payload = services.render(fmt, region, start, end, template=template)
        response = HttpResponse(payload, content_type=services.CONTENT_TYPES[fmt])
        response["Cache-Control"] = "no-store"
        return attachment_headers(response, services.filename(region, start, end, fmt))


class CompareView(ReportsPermissionMixin, generic.TemplateView):
    """比学赶超: the child regions side by side with their rank per figure; or the region in two periods."""

    template_name = "reports/compare.html"

    def get(self, request, *args, **kwargs):
        form = forms.CompareForm(request.GET or None, user=request.user)
        region, date_from, date_to = form.values()
        if region is None:
            raise Http404
        valid = form.is_bound and form.is_valid()
        mode = form.cleaned_data["mode"] if valid else "regions"
        compare = ((form.cleaned_data["compare_from"], form.cleaned_data["compare_to"]) if valid
                   else engine.previous_period(date_from, date_to))
        if mode == "periods":
            rows = engine.compare_periods(region, (date_from, date_to), compare)
            if request.GET.get("export") == "xlsx":
                headers, table = services.period_comparison_table(rows, (date_from, date_to), compare)
                return xlsx_response(f"{region.name}期间比较_{date_from}_{date_to}.xlsx", headers, table,
                                     sheet_name=_("期间比较"))
            context = {"rows": [{**r, "url": drill_url(r["metric"].key, region, date_from, date_to),
                                 "a_text": _display(r["a"]), "b_text": _display(r["b"]),
                                 "delta_text": _display(r["delta"])} for r in rows]}
        else:
            comparison = engine.compare_regions(region, date_from, date_to)
            if request.GET.get("export") == "xlsx":
                headers, table = services.region_comparison_table(comparison)
                return xlsx_response(f"{region.name}区域比较_{date_from}_{date_to}.xlsx", headers, table,
                                     sheet_name=_("区域比较"))
            context = {"comparison": comparison, "table_rows": [
                {"region": child, "cells": [
                    {"value": _display(comparison.values[m.key][child.code]),
                     "rank": comparison.ranks[m.key][child.code] if comparison.values[m.key][child.code] else "",
                     "top": comparison.ranks[m.key][child.code] == 1 and comparison.values[m.key][child.code] > 0,
                     "url": drill_url(m.key, child, date_from, date_to)} for m in comparison.metrics]}
                for child in comparison.children],
                "totals": [{"value": _display(comparison.totals[m.key]),
                            "url": drill_url(m.key, region, date_from, date_to)} for m in comparison.metrics]}
        context.update({"title": _("区域比较"), "form": form, "mode": mode, "region": region,
                        "date_from": date_from, "date_to": date_to, "compare_from": compare[0],
                        "compare_to": compare[1], "export_url": "?" + form.query(
                            mode=mode, compare_from=compare[0].isoformat(), compare_to=compare[1].isoformat(),
                            export="xlsx")})
        return self.render_to_response(self.get_context_data(**context))


class RecordsView(ReportsPermissionMixin, generic.TemplateView):
    """The records behind one figure (metric, region, period), scoped to the user and paginated by keyset."""

    template_name = "reports/records.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if not registry.exists(kwargs["key"]):
            raise Http404
        metric = registry.get(kwargs["key"])
        try:
            region = services.region_for_user(user, kwargs["region"])
            date_from, date_to = self.period()
        except services.ReportError as exc:
            raise Http404 from exc
        value = engine.figures(region, date_from, date_to, [metric.key])[metric.key]
        queryset = engine.records(metric, region, date_from, date_to, user)
        part = self.request.GET.get("part") or None
        by = value.get("by", {}) if isinstance(value, dict) else {}
        if part is not None:
            narrowed = registry.filter_part(metric.key, queryset, part) if queryset is not None else None
            if part not in by or narrowed is None:
                raise Http404
            queryset, value = narrowed, by[part]
        allowed = queryset is not None and engine.may_view_records(user, queryset)
        page, rows, has_region = None, [], False
        if allowed:
            has_region = any(f.name == "region" for f in queryset.model._meta.fields)
            if has_region:
                queryset = queryset.select_related("region")
            page = keyset_page(queryset, ["-pk"], self.request.GET.get("cursor"), self.page_size)
            rows = [{"label": str(obj), "url": obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else None,
                     "region": obj.region.full_name or obj.region.name if has_region else ""} for obj in page.rows]
        params = {"from": date_from.isoformat(), "to": date_to.isoformat()}
        if part is not None:
            params["part"] = part
        context.update({
            "title": _("%(m)s（%(p)s）：记录明细") % {"m": metric.label, "p": part} if part is not None
            else _("%(m)s：记录明细") % {"m": metric.label}, "metric": metric, "region": region, "part": part,
            "date_from": date_from, "date_to": date_to, "value": _display(total_of(value)),
            "by": [(k, _display(v), drill_url(metric.key, region, date_from, date_to, str(k))
                    if v and registry.has_part_filter(metric.key) else None)
                   for k, v in value.get("by", {}).items()] if isinstance(value, dict) else [],
            "allowed": allowed, "has_records": queryset is not None, "rows": rows, "has_region": has_region,
            "model_name": queryset.model._meta.verbose_name if queryset is not None else "",
            "page": page, "first_url": "?" + urlencode(params),
            "next_url": "?" + urlencode({**params, "cursor": page.next_cursor}) if page and page.next_cursor else None,
            "dashboard_url": reverse("reports:dashboard") + "?" + urlencode(
                {"region": region.code, "period": "custom", "from": params["from"], "to": params["to"],
                 "metric": metric.key}),
        })
        return context

    def period(self):
        start, end = self.request.GET.get("from"), self.request.GET.get("to")
        if not start and not end:
            return engine.preset_period("this_year")
        return services.parse_period(start or "", end or "")


# --- templates ----------------------------------------------------------------------------------------------------


class TemplatePermissionMixin(ReportsPermissionMixin):
    permission_required = "reports.change_reporttemplate"


class TemplateListView(TemplatePermissionMixin, generic.ListView):
    model = ReportTemplate
    template_name = "reports/template_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("报告模板"), **kwargs)


class TemplateEditView(TemplatePermissionMixin, generic.UpdateView):
    model = ReportTemplate
    form_class = forms.ReportTemplateForm
    template_name = "reports/template_form.html"

    def get_permission_required(self):
        return ["reports.change_reporttemplate"] + ([] if "pk" in self.kwargs else ["reports.add_reporttemplate"])

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            return ReportTemplate()
        return super().get_object(queryset)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        registered = {m.key for m in registry.all_metrics()}
        from tongxin.reports import catalogue

        context.update({
            "title": _("编辑报告模板") if self.object.pk else _("新增报告模板"),
            "cancel_url": reverse("reports:reporttemplate_list"),
            "metrics": [{"key": m.key, "label": m.label, "unit": m.unit} for m in registry.all_metrics()],
            "planned": [{"key": k, "label": v} for k, v in catalogue.PLANNED.items() if k not in registered],
            "context_names": narrative.CONTEXT_NAMES,
        })
        return context

    def form_valid(self, form):
        with transaction.atomic():
            template = form.save(commit=False)
            services.save_template(template)
        messages.success(self.request, _("报告模板已保存。"))
        return redirect("reports:reporttemplate_list")


class TemplateDeleteView(TemplatePermissionMixin, generic.View):
    model = ReportTemplate
    http_method_names = ["post"]
    permission_required = "reports.delete_reporttemplate"

    def post(self, request, pk):
        template = get_object_or_404(ReportTemplate, pk=pk)
        if template.is_default:
            messages.error(request, _("默认模板不能删除，请先把其他模板设为默认。"))
        else:
            template.delete()
            messages.success(request, _("报告模板已删除。"))
        return redirect("reports:reporttemplate_list")


class TemplateResetView(TemplatePermissionMixin, generic.View):
    """Put the shipped wording back into a template (the administrator's way out of a broken edit)."""

    model = ReportTemplate
    http_method_names = ["post"]

    def post(self, request, pk):
        template = get_object_or_404(ReportTemplate, pk=pk)
        services.reset_template(template)
        messages.success(request, _("已恢复为系统默认的写法。"))
        return redirect("reports:reporttemplate_edit", pk=template.pk)


