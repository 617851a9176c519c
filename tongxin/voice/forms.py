"""Forms of voice and arrangements. Person pickers search the registry (Tom Select remote); every queryset is
restricted to the user's scope by `ScopedModelForm`; the rules themselves are in `services`."""

import os

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.forms import RegionField, ScopedModelForm, style_fields
from tongxin.core.scope import scope_prefix
from tongxin.liaison.forms import AssociationChoiceField, PersonChoiceField, PersonsField
from tongxin.voice.models import (
    AdoptionForm,
    ArrangementStatus,
    ConsultationMeeting,
    Honour,
    HonourKind,
    PoliticalArrangement,
    Proposal,
    ProposalStatus,
    Research,
    ResearchReport,
)


def _iso_dates(form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.DateInput):
            field.widget.input_type = "date"
            field.widget.format = "%Y-%m-%d"


def _restyle(form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.RadioSelect | forms.CheckboxInput):
            field.widget.attrs["class"] = "form-check-input"
    _iso_dates(form)


class _Styled(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields, user)
        _restyle(self)


def _default_region(form) -> None:
    code = getattr(form.user, "scope_region_id", None)
    if not form.instance.pk and code and "region" in form.fields:
        form.initial.setdefault("region", code)


class _Scoped(ScopedModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _default_region(self)
        _restyle(self)


class ScopedChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs["data-tomselect"] = "local"


# --- Proposals -------------------------------------------------------------------------------------------------


class ProposalForm(_Scoped):
    persons = PersonsField(label=_("提出人"), required=False,
                           help_text=_("可选多人，输入姓名、拼音或手机号搜索；以组织名义提出的可不选"))
    association = AssociationChoiceField(label=_("提出组织"), required=False)
    region = RegionField(label=_("所属区划"))
    research = ScopedChoiceField(label=_("来源调研"), queryset=Research.objects.all(), required=False)
    meeting = ScopedChoiceField(label=_("来源协商会议"), queryset=ConsultationMeeting.objects.all(),
                                required=False)

    class Meta:
        model = Proposal
        fields = ["title", "content", "topic", "channel", "persons", "association", "region", "submitted_on",
                  "research", "meeting"]
        widgets = {"content": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["persons"] = list(self.instance.persons.values_list("pk", flat=True))
        else:
            self.initial.setdefault("submitted_on", timezone.localdate())
        self.fields["submitted_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        for name in ("title", "content"):
            self.fields[name].widget.attrs.update({"data-similar": "1"})


class TransitionForm(_Styled):
    status = forms.ChoiceField(label=_("新状态"), choices=ProposalStatus.choices, widget=forms.HiddenInput)
    on = forms.DateField(label=_("日期"), initial=timezone.localdate)
    body = forms.CharField(label=_("采纳单位/部门"), max_length=100, required=False,
                           help_text=_("如：区发展和改革局、区委办"))
    form = forms.ChoiceField(label=_("采纳形式"), choices=[("", "—")] + AdoptionForm.choices, required=False)
    reason = forms.CharField(label=_("未采纳原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    result = forms.CharField(label=_("落实结果"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("说明"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


# --- Research --------------------------------------------------------------------------------------------------


class ResearchForm(_Scoped):
    team = PersonsField(label=_("调研组成员"), required=False)
    association = AssociationChoiceField(label=_("组织单位"), required=False)
    region = RegionField(label=_("所属区划"))

    class Meta:
        model = Research
        fields = ["topic", "association", "team", "region", "started_on", "ended_on", "places", "summary"]
        widgets = {"places": forms.Textarea(attrs={"rows": 3}), "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["team"] = list(self.instance.team.values_list("pk", flat=True))


class ProposalsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Proposal.objects.all())
        super().__init__(**kwargs)
        self.widget.attrs["data-tomselect"] = "local"


class ReportForm(_Scoped):
    research = ScopedChoiceField(label=_("调研活动"), queryset=Research.objects.all())
    upload = forms.FileField(label=_("报告文件"), required=False, help_text=_("PDF、Word 或图片，替换原文件时上传"))
    proposals = ProposalsField(label=_("形成的建议"), required=False)

    class Meta:
        model = ResearchReport
        fields = ["research", "title", "completed_on", "summary", "suggestion_count"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["proposals"] = list(self.instance.proposals.values_list("pk", flat=True))


# --- Consultation meetings -------------------------------------------------------------------------------------


class MeetingForm(_Scoped):
    participants = PersonsField(label=_("参会人士"), required=False)
    region = RegionField(label=_("所属区划"))

    class Meta:
        model = ConsultationMeeting
        fields = ["title", "kind", "held_on", "region", "place", "host", "participants", "issues", "summary"]
        widgets = {"issues": forms.Textarea(attrs={"rows": 4}), "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["participants"] = list(self.instance.participants.values_list("pk", flat=True))


class ProblemForm(_Styled):
    title = forms.CharField(label=_("问题"), max_length=200)
    solved_on = forms.DateField(label=_("解决日期"), initial=timezone.localdate)
    longstanding = forms.BooleanField(label=_("老大难问题"), required=False)
    description = forms.CharField(label=_("解决情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    case = forms.ModelChoiceField(label=_("关联诉求"), required=False, queryset=None)

    def __init__(self, *args, user=None, **kwargs):
        from tongxin.liaison.models import Case

        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = Case.objects.all()
        style_fields(self.fields, user)
        self.fields["case"].widget.attrs["data-tomselect"] = "local"
        _restyle(self)


# --- Arrangements ----------------------------------------------------------------------------------------------


class ArrangementForm(_Scoped):
    person = PersonChoiceField(label=_("人士"))

    class Meta:
        model = PoliticalArrangement
        fields = ["person", "body", "level", "term", "status", "recommended_on", "recommended_by", "starts_on",
                  "ends_on", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"status": _("已安排的须填写任期开始日期")}


class AdvanceArrangementForm(_Styled):
    status = forms.ChoiceField(label=_("新状态"), choices=ArrangementStatus.choices, widget=forms.HiddenInput)
    starts_on = forms.DateField(label=_("任期开始"), required=False)
    ends_on = forms.DateField(label=_("任期结束"), required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=300)


class AsOfForm(_Styled):
    as_of = forms.DateField(label=_("在任日期"), required=False)
    months = forms.IntegerField(label=_("几个月内到期"), min_value=1, max_value=60, required=False)


# --- Honours ---------------------------------------------------------------------------------------------------


class HonourForm(_Scoped):
    kind = forms.ChoiceField(label=_("类别"), choices=HonourKind.choices, widget=forms.RadioSelect,
                             initial=HonourKind.PERSON)
    person = PersonChoiceField(label=_("获得者（个人）"), required=False)
    association = AssociationChoiceField(label=_("获得者（集体）"), required=False)
    upload = forms.FileField(label=_("证书文件"), required=False, help_text=_("PDF 或图片，替换原文件时上传"))

    class Meta:
        model = Honour
        fields = ["title", "kind", "person", "association", "level", "granted_by", "granted_on", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


# --- Import ----------------------------------------------------------------------------------------------------


class ImportForm(_Styled):
    file = forms.FileField(label=_("文件"), help_text=_("支持 .xlsx、.xls、.csv；列名见下表"))
    region = RegionField(label=_("导入范围"), help_text=_("人士须在此区划范围内"))
    dry_run = forms.BooleanField(label=_("只检查，不导入"), required=False, initial=True)
    skip_invalid = forms.BooleanField(label=_("跳过有错误的行，导入其余各行"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        prefix = scope_prefix(user)
        if prefix:
            self.initial.setdefault("region", prefix)

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        if os.path.splitext(upload.name)[1].lower() not in (".xlsx", ".xls", ".csv"):
            raise ValidationError(_("只支持 .xlsx、.xls 和 .csv 文件"))
        if upload.size > settings.TONGXIN_MAX_UPLOAD_BYTES:
            raise ValidationError(_("文件超过 %(mb)s MB 的上限，请拆分后分批导入") % {
                "mb": settings.TONGXIN_MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload


