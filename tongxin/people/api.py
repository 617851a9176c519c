"""REST endpoints for persons and organizations: scoped, permission-checked, sensitive values masked unless the
caller may see them and asks (`?sensitive=1`), which is audited."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from tongxin.api.routers import router
from tongxin.api.viewsets import ScopedModelViewSet
from tongxin.core import audit, validators
from tongxin.core.models import AuditEntry, Region
from tongxin.core.scope import in_scope
from tongxin.people import filters, selectors, services
from tongxin.people.models import NetworkAccount, Organization, Person, Platform, Status


def _drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError({k: [str(m) for e in v for m in e.messages]
                                            for k, v in exc.error_dict.items()})
    return serializers.ValidationError([str(m) for m in exc.messages])


class RegionCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("queryset", Region.objects.filter(is_active=True))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        region = super().to_internal_value(data)
        user = self.context["request"].user
        if not in_scope(user, region.code):
            raise serializers.ValidationError(_("区划不在您的数据范围内"))
        return region


class NetworkAccountSerializer(serializers.ModelSerializer):
    platform = serializers.ChoiceField(choices=Platform.choices)

    class Meta:
        model = NetworkAccount
        fields = ["platform", "account_name", "follower_count"]


class PersonSerializer(serializers.ModelSerializer):
    region = RegionCodeField()
    employer = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False,
                                                  allow_null=True)
    employer_name = serializers.CharField(source="employer.name", read_only=True, default="")
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    tags = serializers.ListField(child=serializers.CharField(max_length=30), required=False, write_only=True)
    specialties = serializers.ListField(child=serializers.CharField(max_length=50), required=False,
                                        write_only=True)
    network_accounts = NetworkAccountSerializer(many=True, required=False)
    confirm_duplicate = serializers.BooleanField(write_only=True, required=False, default=False)

    class Meta:
        model = Person
        fields = [
            "id", "name", "name_pinyin", "name_initials", "gender", "birth_date", "ethnicity",
            "political_affiliation", "education", "region", "employer", "employer_name", "job_title", "category",
            "subcategory", "is_representative", "representative_level", "representative_since", "is_reserve",
            "reserve_since", "is_network_figure", "network_since", "id_number", "phone", "tags", "specialties",
            "network_accounts", "status", "status_date", "status_reason", "source", "lawful_basis", "consent_date",
            "consent_purpose", "added_on", "is_erased", "note", "created_at", "updated_at", "confirm_duplicate",
        ]
        read_only_fields = ["name_pinyin", "name_initials", "status", "status_date", "status_reason", "is_erased",
                            "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "employer" in self.fields:
            self.fields["employer"].queryset = Organization.objects.restrict(request.user)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("reveal"):
            for name in ("id_number", "phone"):
                data[name] = Person._meta.get_field(name).mask(getattr(instance, name))
        data["tags"] = [t.name for t in instance.tags.all()]
        data["specialties"] = [s.name for s in instance.specialties.all()]
        return data

    def validate_id_number(self, value):
        if not validators.normalize_digits(value):
            return ""
        try:
            return validators.check_id_number(value).number
        except validators.ValidationError as exc:
            raise serializers.ValidationError(exc.message) from None

    def validate_phone(self, value):
        if not validators.normalize_digits(value):
            return ""
        try:
            return validators.check_phone(value)
        except validators.ValidationError as exc:
            raise serializers.ValidationError(exc.message) from None

    def validate(self, attrs):
        subcategory = attrs.get("subcategory")
        category = attrs.get("category", getattr(self.instance, "category", None))
        if subcategory and selectors.subcategory_parents().get(subcategory) != category:
            raise serializers.ValidationError({"subcategory": _("细分类别不属于所选人士类别")})
        candidate = Person(pk=getattr(self.instance, "pk", None),
                           name=attrs.get("name", getattr(self.instance, "name", "")),
                           id_number=attrs.get("id_number", getattr(self.instance, "id_number", "")),
                           phone=attrs.get("phone", getattr(self.instance, "phone", "")),
                           birth_date=attrs.get("birth_date", getattr(self.instance, "birth_date", None)),
                           employer=attrs.get("employer", getattr(self.instance, "employer", None)))
        duplicates = services.find_duplicates(candidate)
        user = self.context["request"].user
        if any(d.certain for d in duplicates):
            same = next(d.person for d in duplicates if d.certain)
            detail = {"id": same.pk} if in_scope(user, same.region_id) else {}
            raise serializers.ValidationError({"id_number": [_("身份证号与已登记的人士相同"), detail]})
        visible = [d for d in duplicates if in_scope(user, d.person.region_id)]
        if visible and not attrs.get("confirm_duplicate"):
            raise serializers.ValidationError({"confirm_duplicate": [
                _("发现可能重复的人士，确认不是同一人时请传 confirm_duplicate=true"),
                [{"id": d.person.pk, "name": d.person.name, "reason": str(d.reason)} for d in visible],
            ]})
        return attrs

    def _save(self, instance, validated_data):
        validated_data.pop("confirm_duplicate", None)
        tags = validated_data.pop("tags", None)
        specialties = validated_data.pop("specialties", None)
        accounts = validated_data.pop("network_accounts", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            return services.save_person(instance, user=self.context["request"].user, tags=tags,
                                        specialties=specialties, accounts=accounts)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, validated_data):
        return self._save(Person(), validated_data)

    def update(self, instance, validated_data):
        if instance.is_erased:
            raise serializers.ValidationError(_("该人士的个人信息已删除，不能修改"))
        return self._save(instance, validated_data)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    date = serializers.DateField(required=False)
    reason = serializers.CharField(max_length=200)


class PersonViewSet(ScopedModelViewSet):
    """人士：`q`/`search` searches name, pinyin, initials, phone, ID number (exact) and employer; other query
    parameters are the list page's filters. `?sensitive=1` returns full ID numbers and phones to callers holding
    core.view_sensitive, and is written to the audit log."""

    queryset = Person.objects.select_related("employer", "region").prefetch_related(
        "tags", "specialties", "network_accounts")
    serializer_class = PersonSerializer
    filterset_class = filters.PersonFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        term = self.request.query_params.get("search")
        if term:
            from tongxin.people.search import search_persons

            queryset = search_persons(queryset, term)
        return queryset

    def reveal(self) -> bool:
        return (self.request.query_params.get("sensitive") in ("1", "true")
                and self.request.user.has_perm("core.view_sensitive"))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["reveal"] = self.request.method == "GET" and self.reveal()
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._served = page
        return page

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if self.get_serializer_context()["reveal"] and getattr(self, "_served", None):
            audit.log_bulk(AuditEntry.VIEW_SENSITIVE, [(p, {}) for p in self._served],
                           message=_("接口查看完整身份证号、手机号码"))
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if self.get_serializer_context()["reveal"]:
            audit.log(AuditEntry.VIEW_SENSITIVE, self.get_object(), message=_("接口查看完整身份证号、手机号码"))
        return response

    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        person = self.get_object()
        if not request.user.has_perm("people.change_person"):
            return Response(status=status.HTTP_403_FORBIDDEN)
        serializer = StatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            with transaction.atomic():
                person = services.change_status(person, data["status"], data.get("date"), data["reason"],
                                                user=request.user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(self.get_serializer(person).data)


class OrganizationSerializer(serializers.ModelSerializer):
    region = RegionCodeField()

    class Meta:
        model = Organization
        fields = ["id", "name", "type", "credit_code", "industry", "region", "has_party_org", "is_two_new",
                  "address", "note", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []

    def _save(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            return services.save_organization(instance, user=self.context["request"].user)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None

    def create(self, validated_data):
        return self._save(Organization(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class OrganizationViewSet(ScopedModelViewSet):
    queryset = Organization.objects.select_related("region")
    serializer_class = OrganizationSerializer
    filterset_class = filters.OrganizationFilterSet


router.register("people/persons", PersonViewSet, basename="person")
router.register("people/organizations", OrganizationViewSet, basename="organization")
