"""Forms of the activities area. Persons, associations and enterprises are picked through the registry's remote
searches; every queryset is limited to the user's scope by `ScopedModelForm`; the rules are in `services`."""

import os

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from tongxin.activities.models import (
    Activity,
    ClassSession,
    Donation,
    PointRule,
    Programme,
    Reward,
    ServiceProgramme,
    TrainingClass,
)
from tongxin.activities.selectors import activity_type_choices
from tongxin.core.forms import RegionField, RemoteSelect, ScopedModelForm, style_fields
from tongxin.orgs.models import Association, Team
from tongxin.people.models import Organization, Person

PERSON_SEARCH = reverse_lazy("people:person_search")
ASSOCIATION_SEARCH = reverse_lazy("orgs:association_search")
ORGANIZATION_SEARCH = reverse_lazy("people:organization_search")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class RemoteSelectMultiple(RemoteSelect, forms.SelectMultiple):
    """Several records picked through a remote search; only the chosen ones are rendered."""


class PersonChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Person.objects.filter(is_erased=False).select_related("employer"))
        kwargs.setdefault("widget", RemoteSelect(PERSON_SEARCH))
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.employer.name}）" if obj.employer_id else obj.name


class PersonsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Person.objects.filter(is_erased=False).select_related("employer"))
        kwargs.setdefault("widget", RemoteSelectMultiple(PERSON_SEARCH))
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.employer.name}）" if obj.employer_id else obj.name


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_FORMAT)


def _datetime_fields(form) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.DateTimeField):
            field.widget = DateTimeInput(attrs=field.widget.attrs)
            field.input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        elif isinstance(field, forms.DateField):
            field.widget.input_type = "date"
            field.widget.format = "%Y-%m-%d"


def _restyle(form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput | forms.RadioSelect):
            field.widget.attrs["class"] = "form-check-input"


class _Form(forms.Form):
    """A plain form styled like the model forms; querysets limited to the user's scope."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields, user)
        _datetime_fields(self)
        _restyle(self)


class _ModelForm(ScopedModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _datetime_fields(self)
        _restyle(self)


def _local_multi(field) -> None:
    field.widget.attrs["data-tomselect"] = "local"


class ActivityForm(_ModelForm):
    type = forms.ChoiceField(label=_("活动类型"), choices=())
    region = RegionField(label=_("所属区划"), help_text=_("活动的组织区划，统计按此归属"))
    associations = forms.ModelMultipleChoiceField(
        label=_("主办组织"), required=False, queryset=Association.objects.all(),
        widget=RemoteSelectMultiple(ASSOCIATION_SEARCH))
    signup_associations = forms.ModelMultipleChoiceField(
        label=_("可报名组织"), required=False, queryset=Association.objects.all(),
        widget=RemoteSelectMultiple(ASSOCIATION_SEARCH),
        help_text=_("报名范围为“指定组织会员”时填写；留空则为主办组织的会员"))
    enterprises = forms.ModelMultipleChoiceField(
        label=_("服务企业"), required=False, queryset=Organization.objects.all(),
        widget=RemoteSelectMultiple(ORGANIZATION_SEARCH), help_text=_("已在人士库登记的企业，可多选"))

    class Meta:
        model = Activity
        fields = ["title", "type", "programme", "service_programme", "region", "associations", "teams",
                  "departments", "place", "site", "starts_at", "ends_at", "description", "capacity", "signup_mode",
                  "signup_associations", "signup_deadline", "checkin_opens_at", "checkin_closes_at",
                  "beneficiaries", "enterprises_served", "enterprises", "outcome", "is_cancelled"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "outcome": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "---------"), *activity_type_choices()]
        self.fields["type"].widget.attrs["class"] = "form-select"
        _local_multi(self.fields["teams"])
        self.fields["site"].widget.attrs["data-tomselect"] = "local"
        self.fields["site"].help_text = _("在阵地举办时选择")
        self.fields["teams"].queryset = Team.objects.restrict(self.user).order_by("name")


class MediaCoverageForm(_Form):
    outlet = forms.CharField(label=_("媒体"), max_length=100)
    published_on = forms.DateField(label=_("报道日期"))
    headline = forms.CharField(label=_("报道标题"), max_length=200, required=False)
    url = forms.URLField(label=_("链接"), max_length=500, required=False, assume_scheme="https")


class DonationForm(forms.ModelForm):
    class Meta:
        model = Donation
        fields = ["kind", "donor", "amount", "item_kind", "item_count", "item_unit", "estimated_value",
                  "donated_on", "note"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields, user)
        _datetime_fields(self)


class AttendeesForm(_Form):
    persons = PersonsField(label=_("参加人员"), help_text=_("输入姓名、拼音或手机号搜索，可多选"))
    volunteer_hours = forms.DecimalField(label=_("志愿服务时长（小时）"), required=False, min_value=0,
                                         max_value=24, decimal_places=1)


class CheckInPersonForm(_Form):
    person = PersonChoiceField(label=_("人士"))


class HoursForm(_Form):
    volunteer_hours = forms.DecimalField(label=_("志愿服务时长（小时）"), min_value=0, max_value=24,
                                         decimal_places=1)


class ReasonForm(_Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class SheetForm(_Form):
    file = forms.FileField(label=_("签到表"), help_text=_("支持 .xlsx、.xls、.csv；列：姓名、身份证号或手机号、志愿服务时长"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if os.path.splitext(upload.name)[1].lower() not in (".xlsx", ".xls", ".csv"):
            raise ValidationError(_("只支持 .xlsx、.xls 和 .csv 文件"))
        if upload.size > settings.TONGXIN_MAX_UPLOAD_BYTES:
            raise ValidationError(_("文件超过 %(mb)s MB 的上限，请拆分后分批导入") % {
                "mb": settings.TONGXIN_MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload


class ImportForm(SheetForm):
    file = forms.FileField(label=_("活动清单"), help_text=_("支持 .xlsx、.xls、.csv；列名见下表"))
    region = RegionField(label=_("导入范围"), help_text=_("活动所属区划须在此范围内"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        from tongxin.core.scope import scope_prefix

        prefix = scope_prefix(user)
        if prefix:
            self.initial.setdefault("region", prefix)


class ProgrammeForm(_ModelForm):
    region = RegionField(label=_("所属区划"))

    class Meta:
        model = Programme
        fields = ["name", "region", "started_on", "is_active", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class ServiceProgrammeForm(_ModelForm):
    region = RegionField(label=_("所属区划"))

    class Meta:
        model = ServiceProgramme
        fields = ["name", "region", "target", "specialties", "started_on", "ended_on", "is_active", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _local_multi(self.fields["specialties"])

    def clean(self):
        data = super().clean()
        # Taken off the menu without a date: from today, so "服务项目 at end" of earlier periods still counts it.
        if not data.get("is_active") and not data.get("ended_on"):
            from django.utils import timezone

            data["ended_on"] = max(timezone.localdate(), data.get("started_on") or timezone.localdate())
            self.instance.ended_on = data["ended_on"]
        return data


class TrainingClassForm(_ModelForm):
    class Meta:
        model = TrainingClass
        fields = ["activity", "term", "host", "min_sessions"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from tongxin.activities.models import TYPE_TRAINING

        activities = self.fields["activity"].queryset.filter(type=TYPE_TRAINING)
        if self.instance.pk is None:
            activities = activities.filter(training_class__isnull=True)
        self.fields["activity"].queryset = activities.order_by("-starts_at")
        self.fields["activity"].help_text = _("先新增类型为“培训班”的活动，再在此设置期次与课次")
        self.fields["activity"].widget.attrs["data-tomselect"] = "local"


class ClassSessionForm(_ModelForm):
    class Meta:
        model = ClassSession
        fields = ["training_class", "title", "teacher", "starts_at", "ends_at", "place"]


class EnrollForm(_Form):
    persons = PersonsField(label=_("学员"), help_text=_("输入姓名、拼音或手机号搜索，可多选"))


class SessionAttendanceForm(forms.Form):
    persons = forms.ModelMultipleChoiceField(label=_("出勤学员"), queryset=Person.objects.none(),
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        if session is not None:
            self.fields["persons"].queryset = Person.objects.filter(
                trainings__training_class_id=session.training_class_id).order_by("name_pinyin", "id")


class PointRuleForm(_ModelForm):
    region = RegionField(label=_("适用区划"), help_text=_("本区划及下级适用；下级另有规则时以下级为准"))
    activity_type = forms.ChoiceField(label=_("活动类型"), required=False, choices=(),
                                      help_text=_("仅“参加活动”适用；留空表示所有类型"))

    class Meta:
        model = PointRule
        fields = ["region", "trigger", "activity_type", "points", "is_active", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity_type"].choices = [("", _("所有类型")), *activity_type_choices()]
        self.fields["activity_type"].widget.attrs["class"] = "form-select"


class AdjustPointsForm(_Form):
    points = forms.IntegerField(label=_("调整积分"), help_text=_("正数增加，负数扣减"))
    reason = forms.CharField(label=_("调整原因"), max_length=300)


class RewardForm(_ModelForm):
    region = RegionField(label=_("所属区划"))

    class Meta:
        model = Reward
        fields = ["name", "region", "points_cost", "stock", "is_active", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class RedeemForm(_Form):
    person = PersonChoiceField(label=_("兑换人"))


class RedeemRewardForm(_Form):
    reward = forms.ModelChoiceField(label=_("奖品"), queryset=Reward.objects.filter(is_active=True))


class EmptyForm(_Form):
    """A POST with nothing but the CSRF token (a button)."""


class LeaderboardForm(_Form):
    date_from = forms.DateField(label=_("起始日期"), required=False)
    date_to = forms.DateField(label=_("截止日期"), required=False)
    region = RegionField(label=_("区划（含下级）"), required=False)
    association = forms.ModelChoiceField(label=_("组织"), required=False, queryset=Association.objects.all(),
                                         widget=RemoteSelect(ASSOCIATION_SEARCH), help_text=_("只看该组织会员"))
