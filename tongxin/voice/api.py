"""REST endpoints of voice and arrangements: scoped, permission-checked, written through the services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from tongxin.api.routers import router
from tongxin.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from tongxin.liaison.models import Case
from tongxin.orgs.models import Association
from tongxin.people.api import RegionCodeField
from tongxin.people.models import Person
from tongxin.voice import filters, selectors, services
from tongxin.voice.models import (
    AdoptionForm,
    ArrangementStatus,
    ConsultationMeeting,
    Honour,
    PoliticalArrangement,
    ProblemSolved,
    Proposal,
    ProposalStatus,
    ProposalStep,
    Research,
    ResearchReport,
)


class InlineChoiceField(serializers.ChoiceField):
    """A choice field documented with its enum inline (see InlineChoiceExtension), so that this app's choice lists
    (status, level, form…) do not collide in the schema with other apps' enums of the same field name."""


class InlineChoiceExtension(OpenApiSerializerFieldExtension):
    target_class = InlineChoiceField

    def map_serializer_field(self, auto_schema, direction):
        # Wrapped in allOf so the enum post-processing hook leaves it inline instead of naming it by field name.
        choices = "；".join(f"{code}={label}" for code, label in self.target.choices.items())
        return {"allOf": [{"type": "string", "enum": [str(code) for code in self.target.choices]}],
                "description": choices}


def _drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError({k: [str(m) for e in v for m in e.messages]
                                            for k, v in exc.error_dict.items()})
    return serializers.ValidationError([str(m) for m in exc.messages])


class _ScopedSerializer(serializers.ModelSerializer):
    """Related records offered for writing are those in the caller's scope."""

    serializer_choice_field = InlineChoiceField

    scoped = {"association": Association, "research": Research, "meeting": ConsultationMeeting,
              "report": ResearchReport, "person": Person, "case": Case}
    many = {"persons": Person, "team": Person, "participants": Person}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for name, field in self.fields.items():
            if field.read_only:
                continue
            if name in self.scoped:
                field.queryset = self.scoped[name].objects.restrict(user)
            if name in self.many:
                field.child_relation.queryset = self.many[name].objects.restrict(user).filter(is_erased=False)

    @property
    def user(self):
        return self.context["request"].user


def _people(ids_field: str, instance) -> list[dict]:
    return [{"id": p.pk, "name": p.name} for p in getattr(instance, ids_field).all()]


# --- Proposals -------------------------------------------------------------------------------------------------


class ProposalStepSerializer(serializers.ModelSerializer):
    serializer_choice_field = InlineChoiceField
    by_user = serializers.StringRelatedField()

    class Meta:
        model = ProposalStep
        fields = ["id", "status", "stepped_on", "by_user", "body", "form", "reason", "result", "note"]


class ProposalSerializer(_ScopedSerializer):
    region = RegionCodeField()
    persons = serializers.PrimaryKeyRelatedField(many=True, queryset=Person.objects.none(), required=False)
    steps = ProposalStepSerializer(many=True, read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "title", "content", "topic", "channel", "persons", "association", "region", "submitted_on",
                  "research", "report", "meeting", "status", "adopted_on", "adopted_by", "adoption_form",
                  "implemented_on", "source", "steps", "created_at", "updated_at"]
        read_only_fields = ["status", "adopted_on", "adopted_by", "adoption_form", "implemented_on", "source",
                            "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["persons"] = _people("persons", instance)
        return data

    def create(self, data):
        try:
            return services.submit_proposal(
                title=data.get("title", ""), content=data.get("content", ""), topic=data.get("topic", ""),
                channel=data.get("channel", ""), persons=data.get("persons", []),
                association=data.get("association"), region=data["region"], by=self.user,
                submitted_on=data.get("submitted_on"), research=data.get("research"), report=data.get("report"),
                meeting=data.get("meeting"))
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def update(self, instance, data):
        persons = data.pop("persons", None)
        for name, value in data.items():
            setattr(instance, name, value)
        try:
            return services.update_proposal(instance, persons=persons, by=self.user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None


class TransitionSerializer(serializers.Serializer):
    status = InlineChoiceField(choices=ProposalStatus.choices)
    on = serializers.DateField(required=False)
    body = serializers.CharField(required=False, allow_blank=True, max_length=100)
    form = InlineChoiceField(choices=AdoptionForm.choices, required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    result = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class SimilarSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    submitted_on = serializers.DateField()
    status = serializers.CharField()
    score = serializers.FloatField()
    coverage = serializers.FloatField()


class ProposalViewSet(ScopedModelViewSet):
    """提案建议：状态只能经 `transition` 动作按 已提交 → 审核中 → 已采纳/未采纳 → 已落实 变更；采纳时为提出人记积分。
    `similar` 返回与 `text` 最相似的已有建议（字符二元组相似度，在数据库中计算）。"""

    queryset = Proposal.objects.select_related("region", "association").prefetch_related(
        "persons", "steps", "steps__by_user")
    serializer_class = ProposalSerializer
    filterset_class = filters.ProposalFilterSet

    @extend_schema(request=TransitionSerializer, responses=ProposalSerializer)
    @action(detail=True, methods=["post"], url_path="transition")
    def transition(self, request, pk=None):
        proposal = self.get_object()
        if not request.user.has_perm("voice.change_proposal"):
            return Response(status=status.HTTP_403_FORBIDDEN)
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.transition_proposal(proposal, data.pop("status"), by=request.user, **data)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data)

    @extend_schema(parameters=[OpenApiParameter("text", str, description="标题和内容")],
                   responses=SimilarSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="similar", filterset_class=None, pagination_class=None)
    def similar(self, request):
        found = selectors.similar_proposals(request.query_params.get("text", ""),
                                            queryset=Proposal.objects.restrict(request.user))
        return Response(SimilarSerializer(found, many=True).data)


# --- Research --------------------------------------------------------------------------------------------------


class ResearchSerializer(_ScopedSerializer):
    region = RegionCodeField()
    team = serializers.PrimaryKeyRelatedField(many=True, queryset=Person.objects.none(), required=False)

    class Meta:
        model = Research
        fields = ["id", "topic", "association", "team", "region", "started_on", "ended_on", "places", "summary",
                  "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["team"] = _people("team", instance)
        return data

    def _save(self, instance, data):
        team = data.pop("team", None)
        for name, value in data.items():
            setattr(instance, name, value)
        team = list(instance.team.all()) if team is None and instance.pk else (team or [])
        try:
            return services.save_research(instance, team=team, by=self.user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, data):
        return self._save(Research(), data)

    def update(self, instance, data):
        return self._save(instance, data)


class ResearchViewSet(ScopedModelViewSet):
    """调研活动：主题、调研组成员（人士编号）、日期和走访地点。"""

    queryset = Research.objects.select_related("region").prefetch_related("team")
    serializer_class = ResearchSerializer
    filterset_class = filters.ResearchFilterSet


class ReportSerializer(_ScopedSerializer):
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = ResearchReport
        fields = ["id", "research", "title", "completed_on", "summary", "suggestion_count", "has_document",
                  "document_name", "created_at", "updated_at"]
        read_only_fields = ["document_name", "created_at", "updated_at"]

    def get_has_document(self, obj) -> bool:
        return bool(obj.document)

    def _save(self, instance, data):
        for name, value in data.items():
            setattr(instance, name, value)
        try:
            return services.save_report(instance, by=self.user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, data):
        return self._save(ResearchReport(), data)

    def update(self, instance, data):
        return self._save(instance, data)


class ReportViewSet(ScopedModelViewSet):
    """调研报告（报告文件在网页上上传和下载）。"""

    queryset = ResearchReport.objects.select_related("research")
    serializer_class = ReportSerializer


# --- Consultation meetings -------------------------------------------------------------------------------------


class ProblemSerializer(_ScopedSerializer):
    class Meta:
        model = ProblemSolved
        fields = ["id", "meeting", "title", "description", "solved_on", "longstanding", "case"]
        read_only_fields = ["meeting"]


class MeetingSerializer(_ScopedSerializer):
    region = RegionCodeField()
    participants = serializers.PrimaryKeyRelatedField(many=True, queryset=Person.objects.none(), required=False)
    problems = ProblemSerializer(many=True, read_only=True)

    class Meta:
        model = ConsultationMeeting
        fields = ["id", "title", "kind", "held_on", "region", "place", "host", "participants", "issues", "summary",
                  "problems", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["participants"] = _people("participants", instance)
        return data

    def _save(self, instance, data):
        participants = data.pop("participants", None)
        for name, value in data.items():
            setattr(instance, name, value)
        if participants is None:
            participants = list(instance.participants.all()) if instance.pk else []
        try:
            return services.save_meeting(instance, participants=participants, by=self.user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, data):
        return self._save(ConsultationMeeting(), data)

    def update(self, instance, data):
        return self._save(instance, data)


class MeetingViewSet(ScopedModelViewSet):
    """协商会议：参会人士、协商议题；`problems` 动作登记会议协助解决的问题（可关联诉求）。"""

    queryset = ConsultationMeeting.objects.select_related("region").prefetch_related("participants", "problems")
    serializer_class = MeetingSerializer
    filterset_class = filters.MeetingFilterSet

    @extend_schema(request=ProblemSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="problems", url_name="problems")
    def add_problem(self, request, pk=None):
        meeting = self.get_object()
        if not request.user.has_perm("voice.add_problemsolved"):
            return Response(status=status.HTTP_403_FORBIDDEN)
        serializer = ProblemSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            services.save_problem(ProblemSolved(meeting=meeting, **serializer.validated_data), by=request.user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=meeting.pk)).data)


class ProblemViewSet(ScopedReadOnlyViewSet):
    """协商议事协助解决的问题；`longstanding=1` 为老大难问题。"""

    queryset = ProblemSolved.objects.select_related("meeting", "case")
    serializer_class = ProblemSerializer
    filterset_class = filters.ProblemFilterSet


# --- Arrangements ----------------------------------------------------------------------------------------------


class ArrangementSerializer(_ScopedSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = PoliticalArrangement
        fields = ["id", "person", "person_name", "body", "level", "term", "status", "recommended_on",
                  "recommended_by", "starts_on", "ends_on", "note", "region", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def _save(self, instance, data):
        for name, value in data.items():
            setattr(instance, name, value)
        if "person" in data:
            instance.region_id = None
        try:
            return services.save_arrangement(instance, by=self.user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, data):
        return self._save(PoliticalArrangement(), data)

    def update(self, instance, data):
        return self._save(instance, data)


class AdvanceSerializer(serializers.Serializer):
    status = InlineChoiceField(choices=ArrangementStatus.choices)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class SeatCountSerializer(serializers.Serializer):
    body = serializers.CharField()
    body_label = serializers.CharField()
    level = serializers.CharField()
    level_label = serializers.CharField()
    count = serializers.IntegerField()


class ArrangementViewSet(ScopedModelViewSet):
    """政治安排：推荐 → 考察 → 安排/未安排（`advance` 动作）；`as_of=YYYY-MM-DD` 只列当天在任的安排，`seats` 按职务
    和层级统计当天在任人数。"""

    queryset = PoliticalArrangement.objects.select_related("person", "region")
    serializer_class = ArrangementSerializer
    filterset_class = filters.ArrangementFilterSet

    @extend_schema(request=AdvanceSerializer, responses=ArrangementSerializer)
    @action(detail=True, methods=["post"], url_path="advance")
    def advance(self, request, pk=None):
        arrangement = self.get_object()
        if not request.user.has_perm("voice.change_politicalarrangement"):
            return Response(status=status.HTTP_403_FORBIDDEN)
        serializer = AdvanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            arrangement = services.advance_arrangement(arrangement, data.pop("status"), by=request.user, **data)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(self.get_serializer(arrangement).data)

    @extend_schema(parameters=[OpenApiParameter("as_of", str, description="在任日期 YYYY-MM-DD，默认今天")],
                   responses=SeatCountSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="seats", filterset_class=None, pagination_class=None)
    def seats(self, request):
        field = serializers.DateField()
        raw = request.query_params.get("as_of")
        day = field.to_internal_value(raw) if raw else timezone.localdate()
        rows = selectors.seat_counts(PoliticalArrangement.objects.restrict(request.user), day)
        return Response(SeatCountSerializer(rows, many=True).data)


# --- Honours ---------------------------------------------------------------------------------------------------


class HonourSerializer(_ScopedSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    recipient_name = serializers.CharField(read_only=True)
    has_certificate = serializers.SerializerMethodField()

    class Meta:
        model = Honour
        fields = ["id", "title", "kind", "person", "association", "recipient_name", "level", "granted_by",
                  "granted_on", "has_certificate", "certificate_name", "note", "region", "created_at", "updated_at"]
        read_only_fields = ["certificate_name", "created_at", "updated_at"]

    def get_has_certificate(self, obj) -> bool:
        return bool(obj.certificate)

    def _save(self, instance, data):
        for name, value in data.items():
            setattr(instance, name, value)
        if {"person", "association", "kind"} & set(data):
            instance.region_id = None
        try:
            return services.save_honour(instance, by=self.user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, data):
        return self._save(Honour(), data)

    def update(self, instance, data):
        return self._save(instance, data)


class HonourViewSet(ScopedModelViewSet):
    """表彰：个人荣誉选 `person`，集体荣誉选 `association`（证书文件在网页上上传和下载）。"""

    queryset = Honour.objects.select_related("person", "association", "region")
    serializer_class = HonourSerializer
    filterset_class = filters.HonourFilterSet


router.register("voice/proposals", ProposalViewSet, basename="proposal")
router.register("voice/research", ResearchViewSet, basename="research")
router.register("voice/reports", ReportViewSet, basename="researchreport")
router.register("voice/meetings", MeetingViewSet, basename="consultationmeeting")
router.register("voice/problems", ProblemViewSet, basename="problemsolved")
router.register("voice/arrangements", ArrangementViewSet, basename="politicalarrangement")
router.register("voice/honours", HonourViewSet, basename="honour")
