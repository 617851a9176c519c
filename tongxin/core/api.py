"""The core area's REST API: regions, data dictionaries, the current user, the audit log, jobs and API tokens.

Everything is read-only except the token endpoint. Region-scoped records come through `restrict(user)` like every
page, so an out-of-scope region or audit entry is a 404 here too.
"""

import datetime

import django_filters
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from tongxin.api.pagination import KeysetPagination
from tongxin.api.routers import router
from tongxin.api.viewsets import ScopedReadOnlyViewSet
from tongxin.core import regions
from tongxin.core.exports import file_download
from tongxin.core.models import AuditEntry, DictItem, DictType, Job, Region

# --- Regions ---------------------------------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    official_code = serializers.CharField(read_only=True, help_text=_("6 位（县级及以上）或 12 位官方代码"))
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "official_code", "name", "full_name", "level", "level_display", "parent", "is_active"]


def search_regions(queryset, term: str):
    """Name or code search, as the region picker does: digits are a code (official or prefix form)."""
    term = (term or "").strip()
    if not term:
        return queryset
    if term.isdigit():
        try:
            prefix = regions.to_prefix(term) if len(term) in (6, 12) else term
        except regions.RegionCodeError:
            prefix = term
        return queryset.filter(code__startswith=prefix)
    return queryset.filter(Q(name__contains=term) | Q(full_name__contains=term))


class RegionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("名称或代码"))
    level = django_filters.TypedChoiceFilter(choices=Region.LEVEL_CHOICES, coerce=int, label=_("层级"))
    parent = django_filters.CharFilter(method="filter_parent", label=_("上级区划代码"))
    is_active = django_filters.BooleanFilter(label=_("有效"))

    class Meta:
        model = Region
        fields = ["q", "level", "parent", "is_active"]

    def filter_q(self, queryset, name, value):
        return search_regions(queryset, value)

    def filter_parent(self, queryset, name, value):
        try:
            return queryset.filter(parent_id=regions.to_prefix(value))
        except regions.RegionCodeError:
            return queryset.none()


class RegionPagination(KeysetPagination):
    ordering = "code"


class RegionViewSet(ScopedReadOnlyViewSet):
    """行政区划 inside the caller's scope; looked up by code (official 6/12-digit or prefix form)."""

    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    pagination_class = RegionPagination
    lookup_field = "code"
    lookup_value_regex = r"[0-9]+"

    def get_object(self):
        try:
            self.kwargs[self.lookup_field] = regions.to_prefix(self.kwargs[self.lookup_field])
        except regions.RegionCodeError as exc:
            raise Http404 from exc
        return super().get_object()

    @extend_schema(summary=_("下级区划"), responses=RegionSerializer(many=True))
    @action(detail=True)
    def children(self, request, code=None):
        region = self.get_object()
        queryset = self.filter_queryset(self.get_queryset().filter(parent=region))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- Data dictionaries -----------------------------------------------------------------------------------------


class DictItemSerializer(serializers.ModelSerializer):
    parent = serializers.SerializerMethodField()

    class Meta:
        model = DictItem
        fields = ["code", "label", "label_en", "parent", "sort", "is_active"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent(self, item):
        return item.parent.code if item.parent_id else None


class DictTypeSerializer(serializers.ModelSerializer):
    items = DictItemSerializer(many=True, read_only=True)

    class Meta:
        model = DictType
        fields = ["code", "name", "standard", "description", "hierarchical", "items"]


class DictTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """数据字典 with their items. Dictionaries are nationwide: no region scope applies."""

    queryset = DictType.objects.prefetch_related("items__parent").order_by("code")
    serializer_class = DictTypeSerializer
    lookup_field = "code"
    pagination_class = None


# --- The current user ------------------------------------------------------------------------------------------


class RegionBriefSerializer(serializers.ModelSerializer):
    official_code = serializers.CharField(read_only=True)

    class Meta:
        model = Region
        fields = ["code", "official_code", "name", "full_name"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    title = serializers.CharField()
    scope_region = RegionBriefSerializer(allow_null=True)
    roles = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()
    otp_enabled = serializers.SerializerMethodField()
    must_change_password = serializers.BooleanField()

    @extend_schema_field(inline_serializer("MeRole", {"key": serializers.CharField(allow_null=True),
                                                      "name": serializers.CharField()}, many=True))
    def get_roles(self, user):
        roles = []
        for group in user.groups.select_related("role").order_by("name"):
            role = getattr(group, "role", None)
            roles.append({"key": role.key if role else None, "name": group.name})
        return roles

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_permissions(self, user):
        return sorted(user.get_all_permissions())

    @extend_schema_field(serializers.BooleanField())
    def get_otp_enabled(self, user):
        from django_otp import user_has_device

        return user_has_device(user)


class MeViewSet(viewsets.ViewSet):
    """The caller: name, scope region, roles and effective permissions (what a client may show)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary=_("当前用户"), responses=MeSerializer)
    def list(self, request):
        return Response(MeSerializer(request.user).data)


# --- Audit log -------------------------------------------------------------------------------------------------


class AuditEntrySerializer(serializers.ModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True)
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = ["id", "timestamp", "username", "ip", "source", "request_id", "action", "action_display",
                  "object_type", "object_id", "object_repr", "region_code", "changes", "message"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_object_type(self, entry):
        ct = entry.content_type
        return f"{ct.app_label}.{ct.model}" if ct else None


class AuditEntryFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=AuditEntry.ACTION_CHOICES, label=_("操作"))
    username = django_filters.CharFilter(label=_("用户名"))
    object_type = django_filters.CharFilter(method="filter_object_type", label=_("对象类型（应用.模型）"))
    object_id = django_filters.CharFilter(label=_("对象编号"))
    region = django_filters.CharFilter(method="filter_region", label=_("区划代码（含下级）"))
    since = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte", label=_("起始时间"))
    until = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="lte", label=_("截止时间"))

    class Meta:
        model = AuditEntry
        fields = ["action", "username", "object_type", "object_id", "region", "since", "until"]

    def filter_object_type(self, queryset, name, value):
        app_label, _sep, model = value.partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model.lower())

    def filter_region(self, queryset, name, value):
        try:
            return queryset.in_region(regions.to_prefix(value))
        except regions.RegionCodeError:
            return queryset.none()


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """审计日志, read-only (there is no way to change or delete it). Entries of the caller's scope; holders of
    `core.manage_system` also see system events that belong to no region (failed logins, key rotation)."""

    queryset = AuditEntry.objects.select_related("content_type")
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter

    def get_queryset(self):
        user = self.request.user
        queryset = super().get_queryset()
        scoped = queryset.restrict(user)
        if user.has_perm("core.manage_system"):
            scoped = scoped | queryset.filter(region_code="")
        return scoped


# --- Background jobs -------------------------------------------------------------------------------------------


class JobSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["id", "kind", "title", "status", "status_display", "progress", "progress_message", "result",
                  "error", "created_at", "started_at", "finished_at", "download_url"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, job):
        if not job.result_file:
            return None
        return reverse("api:job-download", args=[job.pk])


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own background jobs with progress and result.

    Filtered by owner rather than by region: a job is visible to the one who started it, which is narrower than
    any region scope (and a job without a region, such as a system-wide export, stays visible to its owner).
    """

    queryset = Job.objects.all()
    serializer_class = JobSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return super().get_queryset().filter(user=self.request.user)

    @extend_schema(summary=_("下载任务结果文件"), responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True)
    def download(self, request, pk=None):
        return file_download(self.get_object().result_file)


# --- API tokens ------------------------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("用户名"))
    password = serializers.CharField(label=_("密码"), style={"input_type": "password"}, trim_whitespace=False,
                                     write_only=True)
    otp_token = serializers.CharField(label=_("动态口令"), required=False, allow_blank=True, max_length=8,
                                      write_only=True, help_text=_("已绑定动态口令的账号须填写"))


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, minutes: int):
        super().__init__(_("登录失败次数过多，账号已暂时锁定。请%(minutes)d分钟后再试，或联系系统管理员解锁。")
                         % {"minutes": minutes})


class TokenThrottle(AnonRateThrottle):
    """Password guessing through the API is slowed per IP on top of the per-account lockout (django-axes)."""

    scope = "token"
    rate = "20/min"


def _cooloff_minutes(request) -> int:
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request) or datetime.timedelta(minutes=30)
    return max(1, round(cool_off.total_seconds() / 60))


class TokenViewSet(viewsets.ViewSet):
    """POST username and password (and the one-time code when the account has one) to get an API token.

    Authentication runs through `django.contrib.auth.authenticate` with the request, so django-axes counts every
    failure and refuses a locked-out account. Axes marks the DRF request it was given (`axes_locked_out`), which its
    middleware never sees, so the lockout is turned into a 429 here (axes' documented DRF integration raises from
    the `user_locked_out` signal instead, which also fires for the web login form and skips axes' failure log).
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [TokenThrottle]
    serializer_class = TokenRequestSerializer

    @extend_schema(summary=_("获取接口令牌"), request=TokenRequestSerializer, responses=TokenResponseSerializer,
                   auth=[])
    def create(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        user = authenticate(request=request, username=username, password=serializer.validated_data["password"])
        if getattr(request, "axes_locked_out", False):
            raise LockedOut(_cooloff_minutes(request))
        if user is None or not user.is_active:
            raise exceptions.ValidationError({"non_field_errors": [_("用户名或密码不正确。")]},
                                             code="authorization")
        if not _otp_ok(user, serializer.validated_data.get("otp_token", "")):
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(_cooloff_minutes(request))
            raise exceptions.ValidationError({"otp_token": [_("动态口令不正确或已过期。")]}, code="invalid_otp")
        token, _created = Token.objects.get_or_create(user=user)
        # A token is a login: the audit log records it, axes clears the failures, last_login is updated.
        user_logged_in.send(sender=type(user), request=request, user=user)
        return Response({"token": token.key})


def _otp_ok(user, token: str) -> bool:
    from django_otp import devices_for_user

    devices = list(devices_for_user(user, confirmed=True))
    if not devices:
        return True
    token = (token or "").strip()
    return bool(token) and any(device.verify_token(token) for device in devices)


# --- Offline docs without inline scripts -----------------------------------------------------------------------


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI from the vendored sidecar files; its start-up script is a second request, not inline (CSP)."""


class RedocView(SpectacularRedocView):
    """ReDoc from the vendored sidecar file, without the web fonts the stock template loads from a CDN."""

    template_name = "core/api_redoc.html"


router.register("regions", RegionViewSet, basename="region")
router.register("dictionaries", DictTypeViewSet, basename="dicttype")
router.register("me", MeViewSet, basename="me")
router.register("audit", AuditEntryViewSet, basename="auditentry")
router.register("jobs", JobViewSet, basename="job")
router.register("token", TokenViewSet, basename="token")
