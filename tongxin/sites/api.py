"""REST endpoints of the sites area: scoped, permission-checked, written through the services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tongxin.api.routers import router
from tongxin.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from tongxin.orgs.models import Association, Team
from tongxin.people.api import RegionCodeField
from tongxin.sites import filters, services
from tongxin.sites.models import (
    Assessment,
    CriterionResult,
    EvaluationScheme,
    EvaluationUnit,
    KeyTask,
    Site,
    Standard,
)


def _drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError({k: [str(m) for e in v for m in e.messages]
                                            for k, v in exc.error_dict.items()})
    return serializers.ValidationError([str(m) for m in exc.messages])


class SiteSerializer(serializers.ModelSerializer):
    region = RegionCodeField()
    kind_label = serializers.CharField(read_only=True)
    associations = serializers.PrimaryKeyRelatedField(many=True, queryset=Association.objects.none(),
                                                      required=False)
    teams = serializers.PrimaryKeyRelatedField(many=True, queryset=Team.objects.none(), required=False)

    class Meta:
        model = Site
        fields = ["id", "name", "kind", "kind_label", "level", "recognition", "recognition_batch", "recognized_on",
                  "brand_name", "work_model", "region", "address", "longitude", "latitude", "area_sqm", "opened_on",
                  "closed_on", "contact_person", "contact_phone", "associations", "teams", "description", "note",
                  "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.context.get("request"), "user", None)
        for name, model in (("associations", Association), ("teams", Team)):
            field = self.fields[name]
            field.child_relation.queryset = model.objects.restrict(user)

    def _save(self, instance, data):
        associations = data.pop("associations", None)
        teams = data.pop("teams", None)
        for name, value in data.items():
            setattr(instance, name, value)
        try:
            return services.save_site(site=instance, associations=associations, teams=teams,
                                      user=self.context["request"].user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, validated_data):
        return self._save(Site(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class SiteViewSet(ScopedModelViewSet):
    """阵地：实践创新基地、创新示范点、实践锻炼基地、活动阵地、统战工作室、同心驿站等；`kind` 为数据字典“阵地类型”的代码。"""

    queryset = Site.objects.select_related("region").prefetch_related("associations", "teams")
    serializer_class = SiteSerializer
    filterset_class = filters.SiteFilterSet


class StandardSerializer(serializers.ModelSerializer):
    criteria = serializers.SerializerMethodField()

    class Meta:
        model = Standard
        fields = ["id", "code", "version", "is_current", "name", "source", "description", "pass_score",
                  "all_required", "criteria"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_criteria(self, obj):
        return [{"id": c.pk, "order": c.order, "name": c.name, "description": c.description, "weight": str(c.weight),
                 "evidence": c.evidence, "evidence_rule": c.evidence_rule, "stated_in_source": c.stated_in_source}
                for c in obj.criteria.all()]


class StandardViewSet(ScopedReadOnlyViewSet):
    """评价标准（十有、七有、五有四见等）及其版本；只读，修改请在页面中进行（已使用的版本修改后生成新版本）。"""

    queryset = Standard.objects.prefetch_related("criteria")
    serializer_class = StandardSerializer
    filterset_class = filters.StandardFilterSet


class CriterionResultSerializer(serializers.ModelSerializer):
    criterion = serializers.CharField(source="criterion.name", read_only=True)
    evidence_rule = serializers.CharField(source="criterion.evidence_rule", read_only=True)
    links = serializers.SerializerMethodField()
    evidence_status = serializers.SerializerMethodField(
        help_text="proven 记录已证明；met 评定达到；files 已上传材料待评定；failed 未达到；missing 缺少佐证")
    files = serializers.SerializerMethodField()

    class Meta:
        model = CriterionResult
        fields = ["id", "criterion", "evidence_rule", "met", "score", "prefilled", "evidence_note", "links",
                  "evidence_status", "files"]

    def _summary(self, obj) -> dict:
        cache = self.context.setdefault("_evidence", {})
        if obj.assessment_id not in cache:
            cache[obj.assessment_id] = services.evidence_summary(obj.assessment, obj.assessment.results.all())
        return cache[obj.assessment_id]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_links(self, obj):
        return [{"label": link.label, "url": link.url} for link in obj.links.all()]

    @extend_schema_field(serializers.CharField())
    def get_evidence_status(self, obj):
        return self._summary(obj)["status"].get(obj.pk, services.MISSING)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_files(self, obj):
        return [{"id": f.pk, "name": str(f), "original_name": f.original_name, "kind": f.kind, "size": f.size,
                 "uploaded_at": f.uploaded_at, "url": reverse("core:attachment_download", args=[f.pk])}
                for f in self._summary(obj)["files"].get(obj.pk, [])]


class AssessmentSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    subject_name = serializers.CharField(read_only=True)
    results = CriterionResultSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "subject_kind", "site", "association", "region", "subject_name", "standard", "inspection",
                  "assessed_on", "assessors", "score", "grade", "passed", "comments", "results"]


class AssessmentViewSet(ScopedReadOnlyViewSet):
    """达标评估：每项指标的评定、得分、佐证记录（平台预填的记录链接）和上传的佐证材料（`files`，经附件下载地址按数据范围下载）。"""

    queryset = Assessment.objects.select_related("site", "association", "region", "standard").prefetch_related(
        "results__criterion", "results__links")
    serializer_class = AssessmentSerializer
    filterset_class = filters.AssessmentFilterSet


class KeyTaskSerializer(serializers.ModelSerializer):
    region = RegionCodeField()
    status = serializers.CharField(read_only=True)

    class Meta:
        model = KeyTask
        fields = ["id", "year", "number", "category", "title", "region", "owner_unit", "responsible",
                  "quality_standard", "started_on", "deadline", "progress", "completed_on", "status", "note",
                  "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def _save(self, instance, data):
        for name, value in data.items():
            setattr(instance, name, value)
        try:
            return services.save_key_task(task=instance, user=self.context["request"].user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, validated_data):
        return self._save(KeyTask(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class KeyTaskViewSet(ScopedModelViewSet):
    """重点任务推进表：`status` 按完成时限和进度计算（on_time 正常推进、at_risk 进度滞后、overdue 逾期、done 已完成）。"""

    queryset = KeyTask.objects.select_related("region")
    serializer_class = KeyTaskSerializer
    filterset_class = filters.KeyTaskFilterSet


class UnitSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    kind = serializers.CharField(read_only=True, help_text="township 乡镇（街道）；county 县（市、区）；park 园区")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    scores = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationUnit
        fields = ["id", "unit_region", "name", "kind", "kind_label", "total", "rank", "scores"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_scores(self, obj):
        return [{"indicator": s.indicator.name, "value": str(s.value) if s.value is not None else None,
                 "score": str(s.score)} for s in obj.scores.all()]


class EvaluationSchemeSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    units = UnitSerializer(many=True, read_only=True)

    unit_kind_label = serializers.CharField(source="get_unit_kind_display", read_only=True)

    class Meta:
        model = EvaluationScheme
        fields = ["id", "name", "year", "region", "unit_kind", "unit_kind_label", "description", "computed_at",
                  "units"]


class EvaluationSchemeViewSet(ScopedReadOnlyViewSet):
    """评价办法：各评价对象的总分、名次和各指标得分。"""

    queryset = EvaluationScheme.objects.prefetch_related("units__scores__indicator", "units__unit_region")
    serializer_class = EvaluationSchemeSerializer
    filterset_class = filters.EvaluationSchemeFilterSet


router.register("sites/sites", SiteViewSet, basename="site")
router.register("sites/standards", StandardViewSet, basename="standard")
router.register("sites/assessments", AssessmentViewSet, basename="assessment")
router.register("sites/tasks", KeyTaskViewSet, basename="keytask")
router.register("sites/evaluation", EvaluationSchemeViewSet, basename="evaluationscheme")
