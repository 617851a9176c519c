"""REST endpoints of the activities area: activities (with sign-up and check-in actions), attendances, and the
points ledger (read only; points are written by the services). Scoped and permission-checked."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tongxin.activities import filters, services
from tongxin.activities.models import Activity, Attendance, AttendanceSource, PointEntry
from tongxin.activities.selectors import activity_type_labels
from tongxin.api.routers import router
from tongxin.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from tongxin.orgs.models import Association, Team
from tongxin.people.api import RegionCodeField
from tongxin.people.models import Person


def _drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError({k: [str(m) for e in v for m in e.messages]
                                            for k, v in exc.error_dict.items()})
    return serializers.ValidationError([str(m) for m in exc.messages])


class ActivitySerializer(serializers.ModelSerializer):
    region = RegionCodeField()
    type_label = serializers.SerializerMethodField()
    associations = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=Association.objects.none())
    teams = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=Team.objects.none())
    attendance_count = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = ["id", "title", "type", "type_label", "programme", "service_programme", "region", "associations",
                  "teams", "departments", "place", "starts_at", "ends_at", "start_date", "description",
                  "is_cancelled", "capacity", "signup_mode", "signup_deadline", "checkin_opens_at",
                  "checkin_closes_at", "beneficiaries", "enterprises_served", "outcome", "attendance_count",
                  "created_at", "updated_at"]
        read_only_fields = ["start_date", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.context.get("request"), "user", None)
        for name, model in (("associations", Association), ("teams", Team)):
            field = self.fields[name]
            field.child_relation.queryset = model.objects.restrict(user)
        for name in ("programme", "service_programme"):
            field = self.fields[name]
            field.queryset = field.queryset.model.objects.restrict(user)

    def get_type_label(self, obj) -> str:
        return activity_type_labels().get(obj.type, obj.type)

    def get_attendance_count(self, obj) -> int:
        return obj.attendances.count()

    def _save(self, instance, data):
        associations = data.pop("associations", None)
        teams = data.pop("teams", None)
        for name, value in data.items():
            setattr(instance, name, value)
        try:
            return services.save_activity(activity=instance, user=self.context["request"].user,
                                          associations=associations, teams=teams)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, validated_data):
        return self._save(Activity(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class AttendanceSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    activity_title = serializers.CharField(source="activity.title", read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "activity", "activity_title", "person", "person_name", "checked_in_at", "source",
                  "volunteer_hours"]
        read_only_fields = fields


class CheckInSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none())
    volunteer_hours = serializers.DecimalField(max_digits=4, decimal_places=1, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.context.get("request"), "user", None)
        self.fields["person"].queryset = Person.objects.restrict(user).filter(is_erased=False)


class ActivityViewSet(ScopedModelViewSet):
    """活动：`type` 为数据字典“活动类型”的代码；`attendances` 动作列出签到，`checkin` 动作由工作人员登记签到。"""

    queryset = Activity.objects.select_related("region").prefetch_related("associations", "teams")
    serializer_class = ActivitySerializer
    filterset_class = filters.ActivityFilterSet

    def perform_destroy(self, instance):
        if instance.attendances.exists():
            raise serializers.ValidationError(["该活动已有签到记录（计入统计和积分），不能删除；请改为已取消"])
        instance.delete()

    @extend_schema(request=CheckInSerializer, responses=AttendanceSerializer)
    @action(detail=True, methods=["post"], url_path="checkin")
    def checkin(self, request, pk=None):
        activity = self.get_object()
        if not request.user.has_perm("activities.add_attendance"):
            return Response(status=status.HTTP_403_FORBIDDEN)
        serializer = CheckInSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            attendance = services.staff_check_in(activity, serializer.validated_data["person"], by=request.user,
                                                 hours=serializer.validated_data.get("volunteer_hours"),
                                                 source=AttendanceSource.STAFF)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(AttendanceSerializer(attendance).data, status=status.HTTP_201_CREATED)


class AttendanceViewSet(ScopedReadOnlyViewSet):
    """签到记录（参与人次），只读；按 `activity`、`person`、日期和区划筛选。"""

    queryset = Attendance.objects.select_related("activity", "person")
    serializer_class = AttendanceSerializer
    filterset_class = filters.AttendanceFilterSet


class PointEntrySerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = PointEntry
        fields = ["id", "person", "person_name", "points", "kind", "trigger", "reason", "region", "at"]
        read_only_fields = fields


class PointEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """积分台账（只追加），只读：余额为同一人士全部记录之和。"""

    queryset = PointEntry.objects.select_related("person")
    serializer_class = PointEntrySerializer
    filterset_class = filters.PointEntryApiFilterSet

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user)


router.register("activities/activities", ActivityViewSet, basename="activity")
router.register("activities/attendances", AttendanceViewSet, basename="attendance")
router.register("activities/points", PointEntryViewSet, basename="pointentry")
