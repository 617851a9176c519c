"""REST endpoints of the organising area: scoped (through the record's own region or its association's), permission
checked, writing through `services`. Fund entries are append-only: a correction is `POST …/{id}/reverse/`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from tongxin.api.routers import router
from tongxin.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from tongxin.core.models import User
from tongxin.orgs import filters, services
from tongxin.orgs.models import (
    Association,
    CouncilTerm,
    FundEntry,
    LiaisonPost,
    Membership,
    OfficerTerm,
    Rule,
    Team,
)
from tongxin.people.api import RegionCodeField
from tongxin.people.models import Person


def _drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError({k: [str(m) for e in v for m in e.messages]
                                            for k, v in exc.error_dict.items()})
    return serializers.ValidationError([str(m) for m in exc.messages])


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related record by id, chosen only among those inside the caller's scope."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        return queryset.restrict(request.user) if request is not None else queryset.none()


def _person_field(**kwargs):
    return ScopedPrimaryKeyField(queryset=Person.objects.visible(), **kwargs)


def _association_field(**kwargs):
    return ScopedPrimaryKeyField(queryset=Association.objects.all(), **kwargs)


class _ServiceSerializer(serializers.ModelSerializer):
    """create/update assign the validated values and call `save_with(instance, user)` (a service)."""

    def save_with(self, instance, user):
        raise NotImplementedError

    def _save(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            with transaction.atomic():
                return self.save_with(instance, self.context["request"].user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, validated_data):
        return self._save(self.Meta.model(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class AssociationSerializer(_ServiceSerializer):
    region = RegionCodeField()
    parent = _association_field(required=False, allow_null=True)

    class Meta:
        model = Association
        fields = ["id", "name", "kind", "level", "parent", "region", "founded_on", "supervising_department",
                  "status", "dissolved_on", "contact_person", "contact_phone", "email", "address", "note",
                  "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def save_with(self, instance, user):
        return services.save_association(instance, user=user)


class AssociationViewSet(ScopedModelViewSet):
    """联谊组织：query parameters are the list page's filters (kind, level, region, status, parent, q)."""

    queryset = Association.objects.select_related("region")
    serializer_class = AssociationSerializer
    filterset_class = filters.AssociationFilterSet


class MembershipSerializer(serializers.ModelSerializer):
    association = _association_field()
    person = _person_field()
    person_name = serializers.CharField(source="person.name", read_only=True)
    admit = serializers.BooleanField(write_only=True, required=False, default=False,
                                     help_text="true：直接入会（joined_on 为入会日期）；默认登记为入会申请")

    class Meta:
        model = Membership
        fields = ["id", "association", "person", "person_name", "status", "applied_on", "joined_on", "left_on",
                  "left_reason", "reviewed_by", "reviewed_at", "review_note", "note", "admit", "created_at"]
        read_only_fields = ["status", "left_on", "left_reason", "reviewed_by", "reviewed_at", "review_note",
                            "created_at"]

    def create(self, validated_data):
        user = self.context["request"].user
        try:
            if validated_data.get("admit"):
                created, skipped = services.add_members(
                    association=validated_data["association"], persons=[validated_data["person"]],
                    joined_on=validated_data.get("joined_on"), note=validated_data.get("note", ""), user=user)
                if skipped:
                    raise serializers.ValidationError({"person": [_("已是该组织的会员或已提交入会申请")]})
                return created[0]
            return services.apply_membership(association=validated_data["association"],
                                             person=validated_data["person"],
                                             applied_on=validated_data.get("applied_on"),
                                             note=validated_data.get("note", ""), user=user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None


class ReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    joined_on = serializers.DateField(required=False, allow_null=True, default=None)


class EndSerializer(serializers.Serializer):
    left_on = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class MembershipViewSet(ScopedModelViewSet):
    """会员与入会申请：POST creates an application (or, with admit=true, a member); `review` admits or rejects
    it, `end` records leaving. Records are not edited in place."""

    queryset = Membership.objects.select_related("person", "association")
    serializer_class = MembershipSerializer
    filterset_class = filters.MembershipFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]

    def _act(self, request, serializer_class, perform):
        membership = self.get_object()
        if not request.user.has_perm("orgs.change_membership"):
            return Response(status=status.HTTP_403_FORBIDDEN)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            membership = perform(membership, serializer.validated_data)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(self.get_serializer(membership).data)

    @action(detail=True, methods=["post"], serializer_class=ReviewSerializer)
    def review(self, request, pk=None):
        return self._act(request, ReviewSerializer, lambda m, d: services.review_membership(
            m, approve=d["approve"], reviewer=request.user, note=d["note"], joined_on=d["joined_on"]))

    @action(detail=True, methods=["post"], serializer_class=EndSerializer)
    def end(self, request, pk=None):
        return self._act(request, EndSerializer, lambda m, d: services.end_membership(
            m, left_on=d["left_on"], reason=d["reason"], user=request.user))

    def get_serializer_class(self):
        if self.action in ("review", "end"):
            return MembershipSerializer
        return super().get_serializer_class()


class OfficerTermSerializer(_ServiceSerializer):
    association = _association_field()
    person = _person_field()
    person_name = serializers.CharField(source="person.name", read_only=True)
    council_term = ScopedPrimaryKeyField(queryset=CouncilTerm.objects.all(), required=False, allow_null=True)

    class Meta:
        model = OfficerTerm
        fields = ["id", "association", "person", "person_name", "role", "council_term", "started_on", "ended_on",
                  "note", "created_at"]
        read_only_fields = ["created_at"]

    def save_with(self, instance, user):
        return services.save_officer_term(instance, user=user)


class OfficerTermViewSet(ScopedModelViewSet):
    queryset = OfficerTerm.objects.select_related("person", "association")
    serializer_class = OfficerTermSerializer
    filterset_class = filters.OfficerTermFilterSet


class CouncilTermSerializer(_ServiceSerializer):
    association = _association_field()

    class Meta:
        model = CouncilTerm
        fields = ["id", "association", "number", "started_on", "due_on", "ended_on", "note", "created_at"]
        read_only_fields = ["created_at"]
        validators: list = []

    def save_with(self, instance, user):
        return services.save_council_term(instance, user=user)


class CouncilTermViewSet(ScopedModelViewSet):
    queryset = CouncilTerm.objects.select_related("association")
    serializer_class = CouncilTermSerializer
    filterset_class = filters.CouncilTermFilterSet


class RuleSerializer(serializers.ModelSerializer):
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = Rule
        fields = ["id", "association", "department", "region", "title", "category", "effective_from",
                  "effective_to", "document_name", "document_url", "note", "created_at"]

    def get_document_url(self, obj) -> str | None:
        return reverse("orgs:rule_document", args=[obj.pk]) if obj.document else None


class RuleViewSet(ScopedReadOnlyViewSet):
    """制度 (read only here: documents are uploaded on the web page)."""

    queryset = Rule.objects.select_related("association")
    serializer_class = RuleSerializer
    filterset_class = filters.RuleFilterSet


class FundEntrySerializer(serializers.ModelSerializer):
    association = _association_field()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)

    class Meta:
        model = FundEntry
        fields = ["id", "association", "kind", "amount", "date", "source_department", "purpose", "activity_ref",
                  "note", "reverses", "entered_by", "attachment_name", "created_at"]
        read_only_fields = ["reverses", "entered_by", "attachment_name", "created_at"]

    def create(self, validated_data):
        try:
            return services.add_fund_entry(user=self.context["request"].user, **validated_data)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class FundEntryViewSet(ScopedModelViewSet):
    """经费：entries are never changed or deleted; `reverse` records the reversing entry."""

    queryset = FundEntry.objects.select_related("association")
    serializer_class = FundEntrySerializer
    filterset_class = filters.FundEntryFilterSet
    http_method_names = ["get", "post", "head", "options"]

    @action(detail=True, methods=["post"], serializer_class=ReverseSerializer)
    def reverse(self, request, pk=None):
        entry = self.get_object()
        serializer = ReverseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            reversal = services.reverse_fund_entry(entry, reason=serializer.validated_data["reason"],
                                                   user=request.user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(FundEntrySerializer(reversal, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class LiaisonPostSerializer(_ServiceSerializer):
    region = RegionCodeField()
    holder_person = _person_field(required=False, allow_null=True)
    holder_user = ScopedPrimaryKeyField(queryset=User.objects.filter(is_active=True), required=False,
                                        allow_null=True)
    holder_name = serializers.CharField(max_length=50, required=False, allow_blank=True)

    class Meta:
        model = LiaisonPost
        fields = ["id", "kind", "unit_type", "unit_name", "region", "holder_user", "holder_person", "holder_name",
                  "holder_title", "since", "until", "note", "created_at"]
        read_only_fields = ["created_at"]

    def save_with(self, instance, user):
        return services.save_liaison_post(instance, user=user)


class LiaisonPostViewSet(ScopedModelViewSet):
    queryset = LiaisonPost.objects.select_related("region")
    serializer_class = LiaisonPostSerializer
    filterset_class = filters.LiaisonPostFilterSet


class TeamSerializer(serializers.ModelSerializer):
    region = RegionCodeField()
    association = _association_field(required=False, allow_null=True)
    leader = _person_field(required=False, allow_null=True)
    members = _person_field(many=True, required=False)

    class Meta:
        model = Team
        fields = ["id", "name", "kind", "region", "association", "leader", "members", "purpose", "founded_on",
                  "dissolved_on", "note", "created_at"]
        read_only_fields = ["created_at"]

    def _save(self, instance, validated_data):
        members = validated_data.pop("members", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            with transaction.atomic():
                return services.save_team(instance, members=members, user=self.context["request"].user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, validated_data):
        return self._save(Team(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class TeamViewSet(ScopedModelViewSet):
    queryset = Team.objects.select_related("region").prefetch_related("members")
    serializer_class = TeamSerializer
    filterset_class = filters.TeamFilterSet


router.register("orgs/associations", AssociationViewSet, basename="association")
router.register("orgs/memberships", MembershipViewSet, basename="membership")
router.register("orgs/officer-terms", OfficerTermViewSet, basename="officerterm")
router.register("orgs/council-terms", CouncilTermViewSet, basename="councilterm")
router.register("orgs/rules", RuleViewSet, basename="rule")
router.register("orgs/funds", FundEntryViewSet, basename="fundentry")
router.register("orgs/liaison-posts", LiaisonPostViewSet, basename="liaisonpost")
router.register("orgs/teams", TeamViewSet, basename="team")
