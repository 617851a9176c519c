"""List filters of the organising area (django-filter), shared by the pages, the exports and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.filters import RegionSubtreeFilter, ScopedFilterSet, YesNoFilter
from tongxin.core.forms import RemoteSelect
from tongxin.core.services import dict_choices
from tongxin.core.validators import normalize_text
from tongxin.orgs import selectors
from tongxin.orgs.models import (
    Association,
    AssociationStatus,
    CouncilTerm,
    FundEntry,
    FundKind,
    LiaisonPost,
    Membership,
    MembershipStatus,
    OfficerRole,
    OfficerTerm,
    PostKind,
    PostUnit,
    Rule,
    RuleCategory,
    Team,
    TeamKind,
)


def _text(qs, fields: list[str], value: str):
    term = normalize_text(value or "")
    if not term:
        return qs
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": term})
    return qs.filter(condition)


class AssociationChoiceFilter(django_filters.ModelChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Association.objects.all())
        kwargs.setdefault("widget", RemoteSelect(reverse_lazy("orgs:association_search")))
        kwargs.setdefault("label", _("组织"))
        super().__init__(*args, **kwargs)


class CurrentFilter(YesNoFilter):
    """是/否: in force today (a date interval [start, end) around today)."""

    def __init__(self, *args, start: str, end: str, **kwargs):
        self.start, self.end = start, end
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value not in ("1", "0"):
            return qs
        today = timezone.localdate()
        current = Q(**{f"{self.start}__lte": today}) & (Q(**{f"{self.end}__isnull": True})
                                                        | Q(**{f"{self.end}__gt": today}))
        return qs.filter(current) if value == "1" else qs.exclude(current)


class AssociationFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("名称"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("组织名称")}))
    kind = django_filters.ChoiceFilter(label=_("组织类型"), choices=lambda: dict_choices("association_kind"),
                                       empty_label=_("全部"))
    level = django_filters.ChoiceFilter(label=_("组织层级"), choices=lambda: dict_choices("association_level"),
                                        empty_label=_("全部"))
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=AssociationStatus.choices, empty_label=_("全部"))
    parent = AssociationChoiceFilter(label=_("上级组织"), field_name="parent")

    class Meta:
        model = Association
        fields: list[str] = []

    def search(self, qs, name, value):
        return _text(qs, ["name"], value)


class MembershipFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("姓名"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("会员姓名或组织名称")}))
    association = AssociationChoiceFilter(field_name="association")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=MembershipStatus.choices, empty_label=_("全部"))
    region = RegionSubtreeFilter(label=_("组织所属区划（含下级）"), field_name="association__region_id")
    as_of = django_filters.DateFilter(label=_("截至日期在会"), method="filter_as_of",
                                      help_text=_("只列出该日在会的会员"))

    class Meta:
        model = Membership
        fields: list[str] = []

    def search(self, qs, name, value):
        return _text(qs, ["person__name", "association__name"], value)

    def filter_as_of(self, qs, name, value):
        return selectors.members_on(value, queryset=qs) if value else qs


class OfficerTermFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("姓名"), method="search")
    association = AssociationChoiceFilter(field_name="association")
    role = django_filters.ChoiceFilter(label=_("职务"), choices=OfficerRole.choices, empty_label=_("全部"))
    current = CurrentFilter(label=_("现任"), start="started_on", end="ended_on")
    started_from = django_filters.DateFilter(label=_("任职日期起"), field_name="started_on", lookup_expr="gte")
    started_to = django_filters.DateFilter(label=_("任职日期止"), field_name="started_on", lookup_expr="lte")
    region = RegionSubtreeFilter(label=_("组织所属区划（含下级）"), field_name="association__region_id")

    class Meta:
        model = OfficerTerm
        fields: list[str] = []

    def search(self, qs, name, value):
        return _text(qs, ["person__name", "association__name"], value)


class CouncilTermFilterSet(ScopedFilterSet):
    association = AssociationChoiceFilter(field_name="association")
    overdue = YesNoFilter(label=_("换届逾期"), method="filter_overdue")
    region = RegionSubtreeFilter(label=_("组织所属区划（含下级）"), field_name="association__region_id")

    class Meta:
        model = CouncilTerm
        fields: list[str] = []

    def filter_overdue(self, qs, name, value):
        if value not in ("1", "0"):
            return qs
        overdue = selectors.overdue_council_terms(CouncilTerm.objects.all(), timezone.localdate()).values("pk")
        return qs.filter(pk__in=overdue) if value == "1" else qs.exclude(pk__in=overdue)


class RuleFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("名称"), method="search")
    association = AssociationChoiceFilter(label=_("所属组织"), field_name="association")
    category = django_filters.ChoiceFilter(label=_("类别"), choices=RuleCategory.choices, empty_label=_("全部"))
    in_force = YesNoFilter(label=_("现行有效"), method="filter_in_force")
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")

    class Meta:
        model = Rule
        fields: list[str] = []

    def search(self, qs, name, value):
        return _text(qs, ["title", "department", "association__name"], value)

    def filter_in_force(self, qs, name, value):
        if value not in ("1", "0"):
            return qs
        today = timezone.localdate()
        in_force = Q(effective_from__lte=today) & (Q(effective_to__isnull=True) | Q(effective_to__gte=today))
        return qs.filter(in_force) if value == "1" else qs.exclude(in_force)


class FundEntryFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("摘要"), method="search")
    association = AssociationChoiceFilter(field_name="association")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=FundKind.choices, empty_label=_("全部"))
    date_from = django_filters.DateFilter(label=_("起始日期"), field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("截止日期"), field_name="date", lookup_expr="lte")
    region = RegionSubtreeFilter(label=_("组织所属区划（含下级）"), field_name="association__region_id")

    class Meta:
        model = FundEntry
        fields: list[str] = []

    def search(self, qs, name, value):
        return _text(qs, ["source_department", "purpose", "note", "association__name", "activity_ref"], value)


class LiaisonPostFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("姓名或单位"), method="search")
    kind = django_filters.ChoiceFilter(label=_("岗位"), choices=PostKind.choices, empty_label=_("全部"))
    unit_type = django_filters.ChoiceFilter(label=_("所在单位类型"), choices=PostUnit.choices, empty_label=_("全部"))
    current = CurrentFilter(label=_("现任"), start="since", end="until")
    region = RegionSubtreeFilter(label=_("覆盖区划（含下级）"), field_name="region_id")

    class Meta:
        model = LiaisonPost
        fields: list[str] = []

    def search(self, qs, name, value):
        return _text(qs, ["holder_name", "unit_name", "holder_title"], value)


class TeamFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("名称"), method="search")
    kind = django_filters.ChoiceFilter(label=_("队伍类型"), choices=TeamKind.choices, empty_label=_("全部"))
    existing = CurrentFilter(label=_("现存"), start="founded_on", end="dissolved_on")
    association = AssociationChoiceFilter(label=_("依托组织"), field_name="association")
    region = RegionSubtreeFilter(label=_("所在区划（含下级）"), field_name="region_id")

    class Meta:
        model = Team
        fields: list[str] = []

    def search(self, qs, name, value):
        return _text(qs, ["name", "purpose", "leader__name"], value)
