"""List filters of voice and arrangements, shared by the pages, the exports and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongxin.core.filters import RegionSubtreeFilter, ScopedFilterSet, YesNoFilter
from tongxin.core.validators import normalize_text
from tongxin.people.search import search_q
from tongxin.voice.models import (
    ArrangementStatus,
    Body,
    ConsultationMeeting,
    Honour,
    HonourKind,
    Level,
    MeetingKind,
    PoliticalArrangement,
    ProblemSolved,
    Proposal,
    ProposalChannel,
    ProposalStatus,
    Research,
    Topic,
)

DATE = forms.DateInput(attrs={"type": "date"})


def _text_search(qs, fields, value):
    term = normalize_text(value)
    if not term:
        return qs
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": term})
    return qs.filter(condition)


def _person_q(value: str, prefix: str) -> Q | None:
    from tongxin.people.models import Person

    condition = search_q(value)
    if condition is None:
        return None
    return Q(**{f"{prefix}__in": Person.objects.filter(condition)})


class ProposalFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("标题、内容或提出人")}))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ProposalStatus.choices, empty_label=_("全部"))
    topic = django_filters.ChoiceFilter(label=_("主题"), choices=Topic.choices, empty_label=_("全部"))
    channel = django_filters.ChoiceFilter(label=_("渠道"), choices=ProposalChannel.choices, empty_label=_("全部"))
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")
    submitted_from = django_filters.DateFilter(label=_("提交日期起"), field_name="submitted_on",
                                               lookup_expr="gte", widget=DATE)
    submitted_to = django_filters.DateFilter(label=_("提交日期止"), field_name="submitted_on", lookup_expr="lte",
                                             widget=DATE)
    adopted_from = django_filters.DateFilter(label=_("采纳日期起"), field_name="adopted_on", lookup_expr="gte",
                                             widget=DATE)
    adopted_to = django_filters.DateFilter(label=_("采纳日期止"), field_name="adopted_on", lookup_expr="lte",
                                           widget=DATE)

    class Meta:
        model = Proposal
        fields: list[str] = []

    def search(self, qs, name, value):
        term = normalize_text(value)
        if not term:
            return qs
        condition = Q(title__icontains=term) | Q(content__icontains=term) | Q(association__name__icontains=term)
        persons = _person_q(term, "persons")
        if persons is not None:
            condition |= persons
        return qs.filter(condition).distinct()


class ResearchFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("调研主题或地点")}))
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")
    started_from = django_filters.DateFilter(label=_("开始日期起"), field_name="started_on", lookup_expr="gte",
                                             widget=DATE)
    started_to = django_filters.DateFilter(label=_("开始日期止"), field_name="started_on", lookup_expr="lte",
                                           widget=DATE)

    class Meta:
        model = Research
        fields: list[str] = []

    def search(self, qs, name, value):
        return _text_search(qs, ["topic", "places", "summary"], value)


class MeetingFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("会议名称、议题或地点")}))
    kind = django_filters.ChoiceFilter(label=_("会议类型"), choices=MeetingKind.choices, empty_label=_("全部"))
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")
    held_from = django_filters.DateFilter(label=_("会议日期起"), field_name="held_on", lookup_expr="gte",
                                          widget=DATE)
    held_to = django_filters.DateFilter(label=_("会议日期止"), field_name="held_on", lookup_expr="lte", widget=DATE)

    class Meta:
        model = ConsultationMeeting
        fields: list[str] = []

    def search(self, qs, name, value):
        return _text_search(qs, ["title", "issues", "place", "host"], value)


class ProblemFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("问题或会议名称")}))
    longstanding = YesNoFilter(label=_("老大难问题"), field_name="longstanding")
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="meeting__region_id")
    solved_from = django_filters.DateFilter(label=_("解决日期起"), field_name="solved_on", lookup_expr="gte",
                                            widget=DATE)
    solved_to = django_filters.DateFilter(label=_("解决日期止"), field_name="solved_on", lookup_expr="lte",
                                          widget=DATE)

    class Meta:
        model = ProblemSolved
        fields: list[str] = []

    def search(self, qs, name, value):
        return _text_search(qs, ["title", "description", "meeting__title"], value)


class ArrangementFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("人士姓名、届次或推荐单位")}))
    as_of = django_filters.DateFilter(label=_("在任日期"), method="filter_as_of", widget=DATE,
                                      help_text=_("只列出这一天在任的安排"))
    body = django_filters.ChoiceFilter(label=_("安排职务"), choices=Body.choices, empty_label=_("全部"))
    level = django_filters.ChoiceFilter(label=_("层级"), choices=Level.choices, empty_label=_("全部"))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ArrangementStatus.choices, empty_label=_("全部"))
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")
    ends_before = django_filters.DateFilter(label=_("任期结束不晚于"), field_name="ends_on", lookup_expr="lte",
                                            widget=DATE)

    class Meta:
        model = PoliticalArrangement
        fields: list[str] = []

    def filter_as_of(self, qs, name, value):
        return qs.seated_on(value) if value else qs

    def search(self, qs, name, value):
        term = normalize_text(value)
        if not term:
            return qs
        condition = Q(term__icontains=term) | Q(recommended_by__icontains=term)
        persons = _person_q(term, "person")
        if persons is not None:
            condition |= persons
        return qs.filter(condition)


class HonourFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("荣誉名称、获得者或授予单位")}))
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=HonourKind.choices, empty_label=_("全部"))
    level = django_filters.ChoiceFilter(label=_("层级"), choices=Level.choices, empty_label=_("全部"))
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")
    granted_from = django_filters.DateFilter(label=_("授予日期起"), field_name="granted_on", lookup_expr="gte",
                                             widget=DATE)
    granted_to = django_filters.DateFilter(label=_("授予日期止"), field_name="granted_on", lookup_expr="lte",
                                           widget=DATE)

    class Meta:
        model = Honour
        fields: list[str] = []

    def search(self, qs, name, value):
        term = normalize_text(value)
        if not term:
            return qs
        condition = (Q(title__icontains=term) | Q(granted_by__icontains=term)
                     | Q(association__name__icontains=term))
        persons = _person_q(term, "person")
        if persons is not None:
            condition |= persons
        return qs.filter(condition)
