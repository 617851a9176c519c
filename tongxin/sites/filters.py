"""List filters of the sites area, shared by the pages, the exports and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.filters import RegionSubtreeFilter, ScopedFilterSet
from tongxin.core.services import dict_choices
from tongxin.core.validators import normalize_text
from tongxin.sites import selectors
from tongxin.sites.models import (
    SITE_KIND_DICT,
    WORK_MODEL_DICT,
    Assessment,
    EvaluationScheme,
    Grade,
    InspectionRound,
    KeyTask,
    Site,
    SiteLevel,
    Standard,
    SubjectKind,
    TaskStatus,
)


def _search(qs, value, fields):
    term = normalize_text(value)
    if not term:
        return qs
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": term})
    return qs.filter(condition)


class SiteFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("名称、品牌、地址")}))
    kind = django_filters.ChoiceFilter(label=_("阵地类型"), choices=lambda: dict_choices(SITE_KIND_DICT),
                                       empty_label=_("全部"))
    level = django_filters.ChoiceFilter(label=_("级别"), choices=SiteLevel.choices, empty_label=_("全部"))
    work_model = django_filters.ChoiceFilter(label=_("工作模式"), choices=lambda: dict_choices(WORK_MODEL_DICT),
                                             empty_label=_("全部"))
    state = django_filters.ChoiceFilter(label=_("状态"), method="filter_state", empty_label=_("全部"),
                                        choices=[("open", _("在用")), ("closed", _("已撤销"))])
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")

    class Meta:
        model = Site
        fields: list[str] = []

    def search(self, qs, name, value):
        return _search(qs, value, ["name", "brand_name", "address", "recognition"])

    def filter_state(self, qs, name, value):
        today = timezone.localdate()
        if value == "open":
            return qs.filter(Q(closed_on__isnull=True) | Q(closed_on__gte=today))
        if value == "closed":
            return qs.filter(closed_on__lt=today)
        return qs


class StandardFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    current = django_filters.ChoiceFilter(label=_("版本"), method="filter_current", empty_label=_("全部版本"),
                                          choices=[("1", _("现行版本"))])

    class Meta:
        model = Standard
        fields: list[str] = []

    def search(self, qs, name, value):
        return _search(qs, value, ["name", "code", "source"])

    def filter_current(self, qs, name, value):
        return qs.filter(is_current=True) if value == "1" else qs


class AssessmentFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("阵地或组织名称")}))
    subject_kind = django_filters.ChoiceFilter(label=_("评估对象"), choices=SubjectKind.choices,
                                               empty_label=_("全部"))
    standard = django_filters.ModelChoiceFilter(label=_("评价标准"), queryset=Standard.objects.all(),
                                                empty_label=_("全部"))
    grade = django_filters.ChoiceFilter(label=_("等次"), choices=Grade.choices, empty_label=_("全部"))
    date_from = django_filters.DateFilter(label=_("评估日期自"), field_name="assessed_on", lookup_expr="gte",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label=_("至"), field_name="assessed_on", lookup_expr="lte",
                                        widget=forms.DateInput(attrs={"type": "date"}))
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")

    class Meta:
        model = Assessment
        fields: list[str] = []

    def search(self, qs, name, value):
        return _search(qs, value, ["site__name", "association__name", "assessors"])


class InspectionRoundFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    year = django_filters.NumberFilter(label=_("年度"))
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")

    class Meta:
        model = InspectionRound
        fields: list[str] = []

    def search(self, qs, name, value):
        return _search(qs, value, ["name", "team"])


class KeyTaskFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("任务、责任单位、责任人")}))
    year = django_filters.NumberFilter(label=_("年度"))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=TaskStatus.choices, method="filter_status",
                                         empty_label=_("全部"))
    mine = django_filters.ChoiceFilter(label=_("责任人"), choices=[("1", _("我负责的"))], method="filter_mine",
                                       empty_label=_("全部"))
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")

    class Meta:
        model = KeyTask
        fields: list[str] = []

    def search(self, qs, name, value):
        return _search(qs, value, ["title", "owner_unit", "responsible", "category"])

    def filter_mine(self, qs, name, value):
        user = getattr(self.request, "user", None)
        return qs.filter(responsible_user=user) if value == "1" and user is not None else qs

    def filter_status(self, qs, name, value):
        return selectors.with_status(qs).filter(computed_status=value) if value else qs


class EvaluationSchemeFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    year = django_filters.NumberFilter(label=_("年度"))
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")

    class Meta:
        model = EvaluationScheme
        fields: list[str] = []

    def search(self, qs, name, value):
        return _search(qs, value, ["name"])
