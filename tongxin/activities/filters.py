"""List filters of the activities area, shared by the pages, the exports and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongxin.activities.models import (
    Activity,
    Attendance,
    AttendanceSource,
    ClassSession,
    PointEntry,
    PointKind,
    PointRule,
    PointTrigger,
    Programme,
    Reward,
    ServiceProgramme,
    TrainingClass,
)
from tongxin.activities.selectors import activity_type_choices
from tongxin.core.filters import RegionSubtreeFilter, ScopedFilterSet, YesNoFilter
from tongxin.core.validators import normalize_text
from tongxin.orgs.models import Association, Team


class TypeFilter(django_filters.ChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("全部"))
        super().__init__(*args, **kwargs)

    @property
    def field(self):
        self.extra["choices"] = activity_type_choices(include_inactive=True)
        return super().field


class ActivityFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("活动名称、地点")}))
    type = TypeFilter(label=_("活动类型"), field_name="type")
    programme = django_filters.ModelChoiceFilter(label=_("品牌活动"), queryset=Programme.objects.all(),
                                                 empty_label=_("全部"))
    service_programme = django_filters.ModelChoiceFilter(label=_("服务项目"),
                                                         queryset=ServiceProgramme.objects.all(),
                                                         empty_label=_("全部"))
    association = django_filters.ModelChoiceFilter(label=_("主办组织"), field_name="associations",
                                                   queryset=Association.objects.all(), empty_label=_("全部"))
    team = django_filters.ModelChoiceFilter(label=_("参与队伍"), field_name="teams", queryset=Team.objects.all(),
                                            empty_label=_("全部"))
    department = django_filters.CharFilter(label=_("主办/协办单位"), field_name="departments",
                                           lookup_expr="icontains")
    date_from = django_filters.DateFilter(label=_("起始日期"), field_name="start_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("截止日期"), field_name="start_date", lookup_expr="lte")
    cancelled = YesNoFilter(label=_("已取消"), field_name="is_cancelled")
    region = RegionSubtreeFilter(label=_("区划（含下级）"), field_name="region_id")

    class Meta:
        model = Activity
        fields: list[str] = []

    def search(self, qs, name, value):
        term = normalize_text(value)
        if not term:
            return qs
        return qs.filter(Q(title__icontains=term) | Q(place__icontains=term) | Q(departments__icontains=term))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if data.get("association") or data.get("team"):
            queryset = queryset.distinct()
        return queryset


class AttendanceFilterSet(ScopedFilterSet):
    activity = django_filters.NumberFilter(label=_("活动"), field_name="activity_id")
    person = django_filters.NumberFilter(label=_("人士"), field_name="person_id")
    source = django_filters.ChoiceFilter(label=_("签到方式"), choices=AttendanceSource.choices,
                                         empty_label=_("全部"))
    date_from = django_filters.DateFilter(label=_("起始日期"), field_name="activity__start_date",
                                          lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("截止日期"), field_name="activity__start_date", lookup_expr="lte")
    region = RegionSubtreeFilter(label=_("区划（含下级）"), field_name="activity__region_id")

    class Meta:
        model = Attendance
        fields: list[str] = []


class ProgrammeFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("名称"), field_name="name", lookup_expr="icontains")
    active = YesNoFilter(label=_("进行中"), field_name="is_active")
    region = RegionSubtreeFilter(label=_("区划（含下级）"), field_name="region_id")

    class Meta:
        model = Programme
        fields: list[str] = []


class ServiceProgrammeFilterSet(ProgrammeFilterSet):
    active = YesNoFilter(label=_("在清单中"), field_name="is_active")

    class Meta:
        model = ServiceProgramme
        fields: list[str] = []


class TrainingClassFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("名称"), field_name="activity__title", lookup_expr="icontains")
    date_from = django_filters.DateFilter(label=_("起始日期"), field_name="activity__start_date",
                                          lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("截止日期"), field_name="activity__start_date", lookup_expr="lte")
    region = RegionSubtreeFilter(label=_("区划（含下级）"), field_name="activity__region_id")

    class Meta:
        model = TrainingClass
        fields: list[str] = []


class PointRuleFilterSet(ScopedFilterSet):
    trigger = django_filters.ChoiceFilter(label=_("积分事项"), choices=PointTrigger.choices, empty_label=_("全部"))
    active = YesNoFilter(label=_("启用"), field_name="is_active")
    region = RegionSubtreeFilter(label=_("区划（含下级）"), field_name="region_id")

    class Meta:
        model = PointRule
        fields: list[str] = []


class PointEntryFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("人士或事由"), method="search")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=PointKind.choices, empty_label=_("全部"))
    trigger = django_filters.ChoiceFilter(label=_("积分事项"), choices=PointTrigger.choices, empty_label=_("全部"))
    date_from = django_filters.DateFilter(label=_("起始日期"), field_name="at__date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("截止日期"), field_name="at__date", lookup_expr="lte")
    region = RegionSubtreeFilter(label=_("区划（含下级）"), field_name="region_id")

    class Meta:
        model = PointEntry
        fields: list[str] = []

    def search(self, qs, name, value):
        term = normalize_text(value)
        if not term:
            return qs
        return qs.filter(Q(person__name__contains=term) | Q(reason__icontains=term))


class PointEntryApiFilterSet(PointEntryFilterSet):
    person = django_filters.NumberFilter(label=_("人士编号"), field_name="person_id")

    class Meta:
        model = PointEntry
        fields: list[str] = []


class RewardFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("名称"), field_name="name", lookup_expr="icontains")
    active = YesNoFilter(label=_("可兑换"), field_name="is_active")
    region = RegionSubtreeFilter(label=_("区划（含下级）"), field_name="region_id")

    class Meta:
        model = Reward
        fields: list[str] = []


class ClassSessionFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("课程"), field_name="title", lookup_expr="icontains")
    date_from = django_filters.DateFilter(label=_("起始日期"), field_name="starts_at__date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("截止日期"), field_name="starts_at__date", lookup_expr="lte")
    region = RegionSubtreeFilter(label=_("区划（含下级）"), field_name="training_class__activity__region_id")

    class Meta:
        model = ClassSession
        fields: list[str] = []
