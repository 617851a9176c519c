"""Report endpoints: the metric list, the report (the same JSON as `tongxin report --format json`) and the records
behind a figure. The region must be inside the caller's scope (404 otherwise); the caller needs
`reports.view_reports`, and for records also the view permission of the records' model."""

from urllib.parse import urlencode

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.response import Response

from tongxin.api.routers import router
from tongxin.core.paging import keyset_page
from tongxin.reports import engine, registry, services

PERIOD_PARAMETERS = [
    OpenApiParameter("region", str, description=_("区划代码（官方代码或前缀形式，含下级）；不填为本人数据范围")),
    OpenApiParameter("from", OpenApiTypes.DATE, description=_("开始日期 YYYY-MM-DD（不填为本年1月1日）")),
    OpenApiParameter("to", OpenApiTypes.DATE, description=_("结束日期 YYYY-MM-DD（不填为今天）")),
]


class CanViewReports(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("reports.view_reports"))


def _region_and_period(request):
    try:
        region = services.region_for_user(request.user, request.query_params.get("region"))
        start, end = request.query_params.get("from"), request.query_params.get("to")
        if start or end:
            date_from, date_to = services.parse_period(start or "", end or "")
        else:
            date_from, date_to = engine.preset_period("this_year")
    except services.OutOfScope as exc:
        raise Http404 from exc
    except services.ReportError as exc:
        from rest_framework.exceptions import ValidationError

        raise ValidationError({"detail": str(exc)}) from exc
    return region, date_from, date_to


class MetricViewSet(viewsets.ViewSet):
    """Every registered metric: key, label, unit, area and what the engine can do with it."""

    permission_classes = [CanViewReports]

    @extend_schema(summary=_("指标目录"), responses=OpenApiTypes.OBJECT)
    def list(self, request):
        return Response([{"key": m.key, "label": m.label, "unit": m.unit, "area": m.area, "order": m.order,
                          "has_records": m.records is not None, "by_region": m.by_region is not None,
                          "by_month": m.by_month is not None} for m in registry.all_metrics()])


class ReportViewSet(viewsets.ViewSet):
    """{"region": {"code", "name"}, "from", "to", "metrics": {...}} — with `by=region` and/or `by=month` also
    "by_region" ({key: {child official code: value}}) and "by_month" ({key: {"YYYY-MM": value}})."""

    permission_classes = [CanViewReports]

    @extend_schema(summary=_("统计报告"), responses=OpenApiTypes.OBJECT, parameters=[
        *PERIOD_PARAMETERS,
        OpenApiParameter("metrics", str, description=_("只计算这些指标（逗号分隔）")),
        OpenApiParameter("by", str, description=_("附加分解：region（下级区划）、month（月份），可逗号分隔同时要")),
    ])
    def list(self, request):
        region, date_from, date_to = _region_and_period(request)
        keys = [k for k in (request.query_params.get("metrics") or "").split(",") if k.strip()] or None
        if keys and not all(registry.exists(k) for k in keys):
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"metrics": _("含未登记的指标代码")})
        data = services.build_report(region, date_from, date_to, keys)
        wanted = set((request.query_params.get("by") or "").split(","))
        if "region" in wanted:
            children = engine.children_of(region)
            codes = {c.code: c.official_code for c in children}
            data["by_region"] = {key: {codes[code]: value for code, value in per_child.items()} for key, per_child in
                                 engine.by_region(region, date_from, date_to, keys, children=children).items()}
        if "month" in wanted:
            data["by_month"] = engine.by_month(region, date_from, date_to, keys)
        return Response(data)


class RecordViewSet(viewsets.ViewSet):
    """The records behind one figure, newest first, 50 a page; `next` holds the following page's URL."""

    permission_classes = [CanViewReports]
    lookup_field = "key"
    lookup_value_regex = r"[\w.]+"
    page_size = 50

    @extend_schema(summary=_("指标对应的记录"), responses=OpenApiTypes.OBJECT, parameters=[
        OpenApiParameter("key", str, OpenApiParameter.PATH, description=_("指标代码")),
        *PERIOD_PARAMETERS,
        OpenApiParameter("cursor", str, description=_("翻页游标（取自上一页的 next）")),
    ])
    def retrieve(self, request, key=None):
        if not registry.exists(key):
            raise Http404
        metric = registry.get(key)
        region, date_from, date_to = _region_and_period(request)
        queryset = engine.records(metric, region, date_from, date_to, request.user)
        if queryset is None or not engine.may_view_records(request.user, queryset):
            raise Http404
        page = keyset_page(queryset, ["-pk"], request.query_params.get("cursor"), self.page_size)
        next_url = None
        if page.next_cursor:
            params = request.query_params.copy()
            params["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(request.path) + "?" + urlencode(params)
        opts = queryset.model._meta
        return Response({
            "metric": {"key": metric.key, "label": metric.label, "unit": metric.unit},
            "region": {"code": region.official_code, "name": region.full_name or region.name},
            "from": date_from.isoformat(), "to": date_to.isoformat(),
            "model": f"{opts.app_label}.{opts.model_name}", "next": next_url,
            "results": [{"id": obj.pk, "label": str(obj),
                         "url": obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else None}
                        for obj in page.rows],
        })


router.register("reports/metrics", MetricViewSet, basename="reports-metric")
router.register("reports/report", ReportViewSet, basename="reports-report")
router.register("reports/records", RecordViewSet, basename="reports-records")
