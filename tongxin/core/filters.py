"""Filter sets of the core list pages. Each takes `request=`; region choices are limited to the user's scope."""

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongxin.core import regions
from tongxin.core.forms import RegionField, style_fields
from tongxin.core.models import AuditEntry, Job, Region, Role, User
from tongxin.core.validators import normalize_text

YES_NO = [("", _("全部")), ("1", _("是")), ("0", _("否"))]


class RegionSubtreeFilter(django_filters.Filter):
    """Records of a region and every region below it (a code-prefix filter, like the data scope)."""

    field_class = RegionField

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        return qs.filter(**{f"{self.field_name}__startswith": value.code})


class YesNoFilter(django_filters.ChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", YES_NO[1:])
        kwargs.setdefault("empty_label", YES_NO[0][1])
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in ("1", "0"):
            return qs.filter(**{self.field_name: value == "1"})
        return qs


class ScopedFilterSet(django_filters.FilterSet):
    """Styled for Tabler; querysets of scoped models inside its fields are restricted to the user's scope."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        style_fields(self.form.fields, getattr(request, "user", None))


def _search(qs, fields: list[str], value: str):
    term = normalize_text(value)
    if not term:
        return qs
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": term})
    return qs.filter(condition)


class UserFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("姓名或用户名")}))
    role = django_filters.ModelChoiceFilter(label=_("角色"), field_name="groups__role",
                                            queryset=Role.objects.select_related("group"), empty_label=_("全部"))
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="scope_region_id")
    is_active = YesNoFilter(label=_("启用"), field_name="is_active")

    class Meta:
        model = User
        fields: list[str] = []

    def search(self, qs, name, value):
        return _search(qs, ["username", "display_name", "title"], value)


class RegionFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("名称或代码"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("如：船山、510903、510903001")}))
    level = django_filters.ChoiceFilter(label=_("层级"), choices=Region.LEVEL_CHOICES, empty_label=_("全部"))
    is_active = YesNoFilter(label=_("有效"), field_name="is_active")

    class Meta:
        model = Region
        fields: list[str] = []

    def search(self, qs, name, value):
        term = normalize_text(value).replace(" ", "")
        if not term:
            return qs
        if term.isdigit():
            prefix = term
            if len(term) in (6, 12):
                try:
                    prefix = regions.to_prefix(term)
                except regions.RegionCodeError:
                    prefix = term
            return qs.filter(code__startswith=prefix)
        return qs.filter(name__contains=term)

    @property
    def searching(self) -> bool:
        """A search or a level lists matching regions anywhere in scope instead of one region's children."""
        data = self.data or {}
        return bool(data.get("q") or data.get("level") or data.get("is_active"))


def _audited_content_types():
    from django.apps import apps

    models = [m for m in apps.get_models() if m._meta.app_label in ("core", "auth") or
              m.__module__.startswith("tongxin.")]
    return ContentType.objects.filter(pk__in=[ContentType.objects.get_for_model(m).pk for m in models])


class ContentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        model = obj.model_class()
        return str(model._meta.verbose_name) if model else obj.model


class AuditFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("对象"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("对象名称、编号或说明")}))
    user = django_filters.CharFilter(label=_("用户名"), field_name="username", lookup_expr="iexact")
    action = django_filters.ChoiceFilter(label=_("操作"), choices=AuditEntry.ACTION_CHOICES, empty_label=_("全部"))
    content_type = django_filters.ModelChoiceFilter(label=_("对象类型"), queryset=ContentType.objects.none(),
                                                    empty_label=_("全部"))
    date_from = django_filters.DateFilter(label=_("起始日期"), field_name="timestamp", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(label=_("截止日期"), field_name="timestamp", lookup_expr="date__lte")
    region = RegionSubtreeFilter(label=_("区划（含下级）"), field_name="region_code")

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.form.fields["content_type"]
        choices = sorted(_audited_content_types(), key=lambda ct: (ct.app_label != "core", ct.app_label, ct.model))
        field.queryset = ContentType.objects.filter(pk__in=[ct.pk for ct in choices])
        field.label_from_instance = ContentTypeChoiceField.label_from_instance.__get__(field)

    def search(self, qs, name, value):
        term = normalize_text(value)
        if not term:
            return qs
        return qs.filter(Q(object_repr__icontains=term) | Q(object_id=term) | Q(message__icontains=term))


class JobFilterSet(ScopedFilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Job.STATUS_CHOICES, empty_label=_("全部"))
    q = django_filters.CharFilter(label=_("名称"), field_name="title", lookup_expr="icontains")

    class Meta:
        model = Job
        fields: list[str] = []
