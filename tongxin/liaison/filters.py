"""List filters (django-filter) of pairings, contacts and cases, shared by the pages, the exports and the API."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.filters import RegionSubtreeFilter, ScopedFilterSet
from tongxin.core.models import User
from tongxin.core.validators import normalize_text
from tongxin.liaison.models import (
    UNRESOLVED,
    Case,
    CaseCategory,
    CaseStatus,
    Channel,
    Contact,
    ContactPerson,
    LeaderLevel,
    Pairing,
    PairingMember,
)
from tongxin.people.search import search_q

YES_NO = [("1", _("是")), ("0", _("否"))]


def _person_matches(text: str) -> Q | None:
    """The registry's search (name, pinyin, phone, ID number) applied to the `person` of a link row."""
    condition = search_q(text)
    if condition is None:
        return None
    from tongxin.people.models import Person

    return Q(person__in=Person.objects.filter(condition))


class UserFilter(django_filters.ModelChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", User.objects.filter(is_active=True).order_by("display_name", "username"))
        kwargs.setdefault("empty_label", _("全部"))
        super().__init__(*args, **kwargs)


class PairingFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("领导或结对人士姓名、职务")}))
    state = django_filters.ChoiceFilter(label=_("结对状态"), method="filter_state", empty_label=_("全部"),
                                        choices=[("active", _("结对中")), ("ended", _("已结束"))])
    leader_level = django_filters.ChoiceFilter(label=_("领导层级"), choices=LeaderLevel.choices,
                                               empty_label=_("全部"))
    region = RegionSubtreeFilter(label=_("所属区划（含下级）"), field_name="region_id")

    class Meta:
        model = Pairing
        fields: list[str] = []

    def search(self, qs, name, value):
        term = normalize_text(value)
        if not term:
            return qs
        condition = (Q(leader_title__icontains=term) | Q(leader_user__display_name__icontains=term)
                     | Q(leader_user__username__iexact=term) | Q(leader_person__name__contains=term))
        persons = _person_matches(term)
        if persons is not None:
            condition |= Exists(PairingMember.objects.filter(persons, pairing=OuterRef("pk"),
                                                             removed_on__isnull=True))
        return qs.filter(condition)

    def filter_state(self, qs, name, value):
        if value == "active":
            return qs.active_on(timezone.localdate())
        if value == "ended":
            return qs.filter(ended_on__lt=timezone.localdate())
        return qs


class ContactFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("联系对象、事由")}))
    channel = django_filters.ChoiceFilter(label=_("联系方式"), choices=Channel.choices, empty_label=_("全部"))
    date_from = django_filters.DateFilter(label=_("起始日期"), field_name="contacted_on", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("截止日期"), field_name="contacted_on", lookup_expr="lte")
    follow_up = django_filters.ChoiceFilter(label=_("跟进"), method="filter_follow_up", empty_label=_("全部"),
                                           choices=[("open", _("待跟进")), ("done", _("已跟进")),
                                                    ("none", _("无需跟进"))])
    by_user = UserFilter(label=_("联系人"), field_name="by_user")
    region = RegionSubtreeFilter(label=_("区划（含下级）"), field_name="region_id")

    class Meta:
        model = Contact
        fields: list[str] = []

    def search(self, qs, name, value):
        term = normalize_text(value)
        if not term:
            return qs
        condition = Q(topic__icontains=term) | Q(by_user__display_name__icontains=term) | Q(
            by_person__name__contains=term)
        persons = _person_matches(term)
        if persons is not None:
            condition |= Exists(ContactPerson.objects.filter(persons, contact=OuterRef("pk")))
        return qs.filter(condition)

    def filter_follow_up(self, qs, name, value):
        if value == "open":
            return qs.follow_ups_open()
        if value == "done":
            return qs.filter(follow_up_needed=True, follow_up_done_on__isnull=False)
        if value == "none":
            return qs.filter(follow_up_needed=False)
        return qs


class CaseFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("标题、反映人")}))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=CaseStatus.choices, empty_label=_("全部"))
    category = django_filters.ChoiceFilter(label=_("类别"), choices=CaseCategory.choices, empty_label=_("全部"))
    overdue = django_filters.ChoiceFilter(label=_("逾期未办结"), choices=YES_NO, empty_label=_("全部"),
                                          method="filter_overdue")
    taken_by = UserFilter(label=_("承办人"), field_name="taken_by")
    opened_from = django_filters.DateFilter(label=_("受理日期起"), field_name="opened_on", lookup_expr="gte")
    opened_to = django_filters.DateFilter(label=_("受理日期止"), field_name="opened_on", lookup_expr="lte")
    region = RegionSubtreeFilter(label=_("区划（含下级）"), field_name="region_id")

    class Meta:
        model = Case
        fields: list[str] = []

    def search(self, qs, name, value):
        term = normalize_text(value)
        if not term:
            return qs
        return qs.filter(Q(title__icontains=term) | Q(raised_by_person__name__contains=term)
                         | Q(description__icontains=term))

    def filter_overdue(self, qs, name, value):
        today = timezone.localdate()
        if value == "1":
            return qs.overdue(today)
        if value == "0":
            return qs.exclude(status__in=UNRESOLVED, deadline__lt=today)
        return qs
