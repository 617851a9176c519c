"""List filters for persons and organizations (django-filter), shared by the pages, the export and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from tongxin.core.filters import ScopedFilterSet
from tongxin.core.forms import RemoteSelect
from tongxin.core.models import Region
from tongxin.people import search, selectors
from tongxin.people.models import (
    Category,
    Organization,
    Person,
    PersonState,
    RepresentativeLevel,
    Status,
    Tag,
)

YES_NO = [("", _("全部")), ("true", _("是")), ("false", _("否"))]


def _political_choices():
    return selectors.dict_choices("political_affiliation")


def _org_type_choices():
    return selectors.dict_choices("organization_type")


class RegionPrefixFilter(django_filters.ModelChoiceFilter):
    """A region and everything below it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Region.objects.filter(is_active=True))
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", RemoteSelect(reverse_lazy("core:region_search")))
        kwargs.setdefault("label", _("所属区划（含下级）"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(search.prefix_q(self.field_name, value.code))


class PersonFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q", widget=forms.TextInput(attrs={
        "placeholder": _("姓名、拼音、首字母、手机号、身份证号、单位")}))
    region = RegionPrefixFilter(field_name="region_id")
    category = django_filters.ChoiceFilter(label=_("人士类别"), choices=Category.choices, empty_label=_("全部"))
    subcategory = django_filters.ChoiceFilter(label=_("细分类别"), choices=selectors.subcategory_choices,
                                              empty_label=_("全部"))
    is_representative = django_filters.TypedChoiceFilter(
        label=_("代表人士"), choices=YES_NO, coerce=lambda v: v == "true", empty_value=None)
    representative_level = django_filters.ChoiceFilter(label=_("代表人士层级"),
                                                       choices=RepresentativeLevel.choices, empty_label=_("全部"))
    is_reserve = django_filters.TypedChoiceFilter(label=_("储备人士"), choices=YES_NO,
                                                  coerce=lambda v: v == "true", empty_value=None)
    is_network_figure = django_filters.TypedChoiceFilter(label=_("网络人士"), choices=YES_NO,
                                                         coerce=lambda v: v == "true", empty_value=None)
    political_affiliation = django_filters.ChoiceFilter(label=_("政治面貌"), choices=_political_choices,
                                                        empty_label=_("全部"))
    employer = django_filters.ModelChoiceFilter(
        label=_("工作单位"), queryset=Organization.objects.all(),
        widget=RemoteSelect(reverse_lazy("people:organization_search")))
    tags = django_filters.ModelMultipleChoiceFilter(label=_("标签"), queryset=Tag.objects.all(), conjoined=False,
                                                    distinct=True,
                                                    widget=forms.SelectMultiple(attrs={"data-tomselect": "multi"}))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Status.choices, empty_label=_("全部"))
    gender = django_filters.ChoiceFilter(label=_("性别"), choices=Person._meta.get_field("gender").choices,
                                         empty_label=_("全部"))
    added_from = django_filters.DateFilter(label=_("入库日期起"), field_name="added_on", lookup_expr="gte")
    added_to = django_filters.DateFilter(label=_("入库日期止"), field_name="added_on", lookup_expr="lte")
    as_of = django_filters.DateFilter(label=_("截至日期（历史状态）"), method="filter_as_of",
                                      help_text=_("按该日的区划、类别、状态和标记筛选"))
    erased = django_filters.BooleanFilter(label=_("包括已删除个人信息的记录"), method="filter_erased",
                                          widget=forms.CheckboxInput)

    AS_OF_FIELDS = ("region", "category", "subcategory", "status", "is_representative", "representative_level",
                    "is_reserve", "is_network_figure")

    class Meta:
        model = Person
        fields: list[str] = []

    @property
    def qs(self):
        queryset = super().qs
        return queryset if self.is_bound else queryset.filter(is_erased=False)

    def filter_q(self, queryset, name, value):
        return search.search_persons(queryset, value)

    def filter_erased(self, queryset, name, value):
        return queryset

    def filter_as_of(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        if not data.get("erased"):
            queryset = queryset.filter(is_erased=False)
        day = data.get("as_of")
        if not day:
            return super().filter_queryset(queryset)
        states = PersonState.objects.filter(valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        for name in self.AS_OF_FIELDS:
            value = data.get(name)
            if value in (None, ""):
                continue
            if name == "region":
                states = states.filter(search.prefix_q("region_code", value.code))
            else:
                states = states.filter(**{name: value})
        queryset = queryset.filter(pk__in=states.values("person_id"))
        for name, value in list(data.items()):
            if name in self.AS_OF_FIELDS:
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset


class OrganizationFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q", widget=forms.TextInput(attrs={
        "placeholder": _("单位名称或统一社会信用代码")}))
    region = RegionPrefixFilter(field_name="region_id")
    type = django_filters.ChoiceFilter(label=_("单位类型"), choices=_org_type_choices, empty_label=_("全部"))
    has_party_org = django_filters.TypedChoiceFilter(label=_("已建党组织"), choices=YES_NO,
                                                     coerce=lambda v: v == "true", empty_value=None)
    is_two_new = django_filters.TypedChoiceFilter(label=_("两新组织"), choices=YES_NO,
                                                  coerce=lambda v: v == "true", empty_value=None)

    class Meta:
        model = Organization
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return search.search_organizations(queryset, value)
