"""REST endpoints for pairings, contacts and cases: scoped, permission-checked, written through the services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from tongxin.api.routers import router
from tongxin.api.viewsets import ScopedModelViewSet
from tongxin.core.models import User
from tongxin.liaison import filters, services
from tongxin.liaison.forms import association_model
from tongxin.liaison.models import (
    Case,
    CaseCategory,
    CaseNote,
    CaseStatus,
    Channel,
    Contact,
    Feedback,
    Pairing,
)
from tongxin.people.api import RegionCodeField
from tongxin.people.models import Person


def _drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError({k: [str(m) for e in v for m in e.messages]
                                            for k, v in exc.error_dict.items()})
    return serializers.ValidationError([str(m) for m in exc.messages])


class _ScopedSerializer(serializers.ModelSerializer):
    """Related records offered for writing are those in the caller's scope."""

    scoped = {"leader_user": User, "leader_person": Person, "by_user": User, "by_person": Person,
              "taken_by": User, "raised_by_person": Person}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for name, field in self.fields.items():
            model = self.scoped.get(name)
            if model is not None and not field.read_only:
                field.queryset = model.objects.restrict(user)
            if name == "persons" and not field.read_only:
                field.child_relation.queryset = Person.objects.restrict(user).filter(is_erased=False)
            if name == "raised_by_association" and not field.read_only:
                field.queryset = field.queryset.model.objects.restrict(user)


class PairingSerializer(_ScopedSerializer):
    region = RegionCodeField()
    leader_name = serializers.CharField(read_only=True)
    persons = serializers.PrimaryKeyRelatedField(many=True, queryset=Person.objects.none(), write_only=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Pairing
        fields = ["id", "leader_user", "leader_person", "leader_name", "leader_title", "leader_level", "region",
                  "started_on", "ended_on", "contact_interval_days", "note", "persons", "members", "created_at",
                  "updated_at"]
        read_only_fields = ["ended_on", "created_at", "updated_at"]

    def get_members(self, obj) -> list[dict]:
        return [{"person": m.person_id, "name": m.person.name, "added_on": m.added_on, "removed_on": m.removed_on}
                for m in obj.members.select_related("person").order_by("id")]

    def _save(self, instance, data):
        persons = data.pop("persons", None)
        for name, value in data.items():
            setattr(instance, name, value)
        if persons is None:
            persons = [m.person for m in instance.members.filter(removed_on__isnull=True).select_related("person")]
        try:
            return services.save_pairing(pairing=instance, persons=persons, user=self.context["request"].user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, validated_data):
        return self._save(Pairing(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class EndSerializer(serializers.Serializer):
    ended_on = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PairingViewSet(ScopedModelViewSet):
    """结对：领导（系统用户或人士库中的领导）与一名或多名代表人士结对；`persons` 为当前结对人士编号列表。"""

    queryset = Pairing.objects.select_related("leader_user", "leader_person", "region")
    serializer_class = PairingSerializer
    filterset_class = filters.PairingFilterSet

    @action(detail=True, methods=["post"], url_path="end")
    def end(self, request, pk=None):
        pairing = self.get_object()
        if not request.user.has_perm("liaison.change_pairing"):
            return Response(status=status.HTTP_403_FORBIDDEN)
        serializer = EndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            pairing = services.end_pairing(pairing=pairing, user=request.user, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(self.get_serializer(pairing).data)


class ContactSerializer(_ScopedSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    persons = serializers.PrimaryKeyRelatedField(many=True, queryset=Person.objects.none())
    by_name = serializers.CharField(read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = Contact
        fields = ["id", "contacted_on", "by_user", "by_person", "by_name", "persons", "channel", "topic", "content",
                  "follow_up_needed", "follow_up_note", "follow_up_done_on", "region", "recorded_by", "created_at",
                  "updated_at"]
        read_only_fields = ["recorded_by", "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["persons"] = [{"id": p.pk, "name": p.name} for p in instance.persons.all()]
        return data

    def _save(self, instance, data):
        persons = data.pop("persons", None)
        for name, value in data.items():
            setattr(instance, name, value)
        if instance.pk is None and not instance.by_user_id and not instance.by_person_id:
            instance.by_user = self.context["request"].user
        if persons is None:
            persons = list(instance.persons.all())
        try:
            return services.save_contact(contact=instance, persons=persons, user=self.context["request"].user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, validated_data):
        return self._save(Contact(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class ContactViewSet(ScopedModelViewSet):
    """联系记录：`persons` 为被联系人编号列表；联系人默认为调用者本人。"""

    queryset = Contact.objects.select_related("by_user", "by_person").prefetch_related("persons")
    serializer_class = ContactSerializer
    filterset_class = filters.ContactFilterSet


class CaseNoteSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()

    class Meta:
        model = CaseNote
        fields = ["id", "kind", "noted_on", "author", "text", "created_at"]


class CaseSerializer(_ScopedSerializer):
    category = serializers.ChoiceField(choices=CaseCategory.choices)
    region = RegionCodeField(required=False)
    raiser_name = serializers.CharField(read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    notes = CaseNoteSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = ["id", "title", "category", "description", "raiser_kind", "raised_by_person",
                  "raised_by_association", "raiser_name", "region", "taken_by", "opened_on", "deadline", "status",
                  "overdue", "resolution", "resolved_on", "closed_on", "feedback", "feedback_note", "notes",
                  "created_at", "updated_at"]
        read_only_fields = ["status", "resolution", "resolved_on", "closed_on", "feedback", "feedback_note",
                            "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if association_model() is None:
            self.fields.pop("raised_by_association", None)

    def _save(self, instance, data):
        for name, value in data.items():
            setattr(instance, name, value)
        try:
            return services.save_case(case=instance, user=self.context["request"].user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, validated_data):
        return self._save(Case(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class CaseStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    resolution = serializers.CharField(required=False, allow_blank=True)


class NoteInputSerializer(serializers.Serializer):
    text = serializers.CharField()
    noted_on = serializers.DateField(required=False)


class FeedbackInputSerializer(serializers.Serializer):
    feedback = serializers.ChoiceField(choices=Feedback.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CaseViewSet(ScopedModelViewSet):
    """诉求：状态只能经 `status` 动作按 待办理 → 办理中 → 已解决 → 已关闭 变更；`notes` 添加办理进展；`feedback`
    登记反映方评价。`overdue=1` 筛选逾期未办结的诉求。"""

    queryset = Case.objects.select_related("region", "taken_by", "raised_by_person").prefetch_related(
        "notes", "notes__author")
    serializer_class = CaseSerializer
    filterset_class = filters.CaseFilterSet

    def _act(self, request, serializer_class, perform):
        case = self.get_object()
        if not request.user.has_perm("liaison.change_case"):
            return Response(status=status.HTTP_403_FORBIDDEN)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            perform(case, serializer.validated_data)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)

    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        return self._act(request, CaseStatusSerializer, lambda case, data: services.change_case_status(
            case=case, user=request.user, **data))

    @action(detail=True, methods=["post"], url_path="notes")
    def add_note(self, request, pk=None):
        return self._act(request, NoteInputSerializer, lambda case, data: services.add_case_note(
            case=case, user=request.user, **data))

    @action(detail=True, methods=["post"], url_path="feedback")
    def feedback(self, request, pk=None):
        return self._act(request, FeedbackInputSerializer, lambda case, data: services.record_feedback(
            case=case, user=request.user, **data))


router.register("liaison/pairings", PairingViewSet, basename="pairing")
router.register("liaison/contacts", ContactViewSet, basename="contact")
router.register("liaison/cases", CaseViewSet, basename="case")
