"""Forms of the sites area. Querysets are restricted to the user's scope by `ScopedModelForm`/`style_fields`;
the rules themselves are in `services`."""

from __future__ import annotations

import os

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.forms import RegionField, ScopedModelForm, style_fields
from tongxin.core.models import Region
from tongxin.core.services import dict_choices
from tongxin.orgs.models import Association, Team
from tongxin.sites.models import (
    SITE_KIND_DICT,
    WORK_MODEL_DICT,
    Criterion,
    EvaluationScheme,
    EvidenceRule,
    Indicator,
    InspectionRound,
    KeyTask,
    Site,
    Standard,
    SubjectKind,
    UnitKind,
    unit_fits,
    unit_kind_of,
)


class StyledForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        style_fields(self.fields, user)


def _scope_initial(form) -> None:
    code = getattr(form.user, "scope_region_id", None)
    if code and not form.instance.pk and not form.initial.get("region"):
        form.initial["region"] = code


# --- Sites -----------------------------------------------------------------------------------------------------


class SiteForm(ScopedModelForm):
    region = RegionField(help_text=_("阵地所在的区划，可选到乡镇（街道）、村（社区）"))
    kind = forms.ChoiceField(label=_("阵地类型"))
    work_model = forms.ChoiceField(label=_("工作模式"), required=False)
    associations = forms.ModelMultipleChoiceField(
        label=_("入驻组织"), required=False, queryset=Association.objects.filter(status="active").order_by("name"),
        help_text=_("以本阵地为活动场所的联谊组织"))
    teams = forms.ModelMultipleChoiceField(label=_("入驻队伍"), required=False,
                                           queryset=Team.objects.order_by("name"))

    class Meta:
        model = Site
        fields = ["name", "kind", "level", "region", "recognition", "recognition_batch", "recognized_on",
                  "brand_name", "work_model", "address", "longitude", "latitude", "area_sqm", "opened_on",
                  "closed_on", "contact_person", "contact_phone", "associations", "teams", "description", "note"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = dict_choices(SITE_KIND_DICT)
        self.fields["work_model"].choices = [("", "---------")] + dict_choices(WORK_MODEL_DICT)
        for name in ("associations", "teams"):
            self.fields[name].widget.attrs["data-tomselect"] = "local"
        _scope_initial(self)


# --- Standards -------------------------------------------------------------------------------------------------


class StandardForm(ScopedModelForm):
    class Meta:
        model = Standard
        fields = ["code", "name", "source", "description", "pass_score", "all_required"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("已使用的版本修改后将保存为新版本，原版本及其评估保持不变")


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ["name", "description", "weight", "evidence", "evidence_rule", "stated_in_source"]
        widgets = {"description": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields, None, restrict=False)
        self.fields["name"].required = False


CriterionFormSet = forms.formset_factory(CriterionForm, extra=2, can_delete=True)


def criteria_rows(formset) -> list[dict]:
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE") or not (data.get("name") or "").strip():
            continue
        rows.append({key: data.get(key) for key in ("name", "description", "weight", "evidence", "evidence_rule",
                                                    "stated_in_source")})
    return rows


# --- Assessments -----------------------------------------------------------------------------------------------


class AssessmentForm(StyledForm):
    subject_kind = forms.ChoiceField(label=_("评估对象类型"), choices=SubjectKind.choices, initial=SubjectKind.SITE)
    site = forms.ModelChoiceField(label=_("阵地"), required=False, queryset=Site.objects.order_by("name"))
    association = forms.ModelChoiceField(label=_("联谊组织"), required=False,
                                         queryset=Association.objects.order_by("name"))
    region = RegionField(label=_("区划（评估区域工作时）"), required=False)
    standard = forms.ModelChoiceField(label=_("评价标准"),
                                      queryset=Standard.objects.filter(is_current=True).order_by("code"))
    inspection = forms.ModelChoiceField(label=_("所属现场检查"), required=False,
                                        queryset=InspectionRound.objects.order_by("-started_on"))
    assessed_on = forms.DateField(label=_("评估日期"), initial=timezone.localdate)
    assessors = forms.CharField(label=_("评估人"), required=False, max_length=200)
    comments = forms.CharField(label=_("评估意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("site", "association"):
            self.fields[name].widget.attrs["data-tomselect"] = "local"

    def clean_region(self):
        region = self.cleaned_data.get("region")
        if region is not None and not Region.objects.restrict(self.user).filter(pk=region.pk).exists():
            raise ValidationError(_("所选区划不在您的数据范围内"))
        return region


class ResultForm(StyledForm):
    MET_CHOICES = [("1", _("达到")), ("0", _("未达到")), ("", _("待定（缺少佐证）"))]
    met = forms.ChoiceField(label=_("评定"), choices=MET_CHOICES, required=False)
    score = forms.DecimalField(label=_("得分"), required=False, min_value=0, max_digits=6, decimal_places=2,
                               help_text=_("不填则达到得满分、未达到得0分"))
    evidence_note = forms.CharField(label=_("佐证说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_met(self):
        value = self.cleaned_data.get("met")
        return None if value in ("", None) else value == "1"


class InspectionRoundForm(ScopedModelForm):
    region = RegionField(help_text=_("检查范围：该区划及下级的阵地"))

    class Meta:
        model = InspectionRound
        fields = ["name", "year", "standard", "region", "started_on", "ended_on", "team", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = Standard.objects.filter(is_current=True).order_by("code")
        if not self.instance.pk:
            self.initial.setdefault("year", timezone.localdate().year)
        _scope_initial(self)


class RoundSitesForm(StyledForm):
    sites = forms.ModelMultipleChoiceField(label=_("检查的阵地"), queryset=Site.objects.order_by("region", "name"))
    assessed_on = forms.DateField(label=_("评估日期"), required=False)

    def __init__(self, *args, inspection=None, **kwargs):
        super().__init__(*args, **kwargs)
        if inspection is not None:
            self.fields["sites"].queryset = self.fields["sites"].queryset.filter(
                region_id__startswith=inspection.region_id, closed_on__isnull=True)
        self.fields["sites"].widget.attrs["data-tomselect"] = "local"


# --- Key tasks -------------------------------------------------------------------------------------------------


class KeyTaskForm(ScopedModelForm):
    region = RegionField(help_text=_("推进表所属的区划（牵头的党委统战部门所在区划）"))

    class Meta:
        model = KeyTask
        fields = ["year", "number", "category", "title", "region", "owner_unit", "responsible",
                  "responsible_user", "quality_standard", "started_on", "deadline", "progress", "completed_on",
                  "note"]
        widgets = {"quality_standard": forms.Textarea(attrs={"rows": 2}), "note": forms.Textarea(attrs={"rows": 2}),
                   "title": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
        self.fields["number"].help_text = _("不填则自动排在最后")
        self.fields["responsible_user"].widget.attrs["data-tomselect"] = "local"
        if not self.instance.pk:
            self.initial.setdefault("year", timezone.localdate().year)
        _scope_initial(self)

    def clean_number(self):
        return self.cleaned_data.get("number") or 0


class ProgressReportForm(StyledForm):
    month = forms.DateField(label=_("月份"), initial=lambda: timezone.localdate().replace(day=1),
                            help_text=_("任选该月中的一天"))
    progress = forms.IntegerField(label=_("累计进度（%）"), min_value=0, max_value=100)
    done = forms.CharField(label=_("本月完成情况"), widget=forms.Textarea(attrs={"rows": 2}))
    problems = forms.CharField(label=_("存在问题"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_steps = forms.CharField(label=_("下步打算"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuarterCloseForm(StyledForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100,
                              initial=lambda: timezone.localdate().year)
    quarter = forms.TypedChoiceField(label=_("季度"), coerce=int,
                                     choices=[(1, _("第一季度")), (2, _("第二季度")), (3, _("第三季度")),
                                              (4, _("第四季度"))])
    cleared = forms.BooleanField(label=_("本季任务已清"), required=False, initial=True)
    summary = forms.CharField(label=_("季度小结"), widget=forms.Textarea(attrs={"rows": 2}))
    carried_over = forms.CharField(label=_("结转事项"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SupervisionForm(StyledForm):
    text = forms.CharField(label=_("督办意见"), widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("督办意见")}))
    noted_on = forms.DateField(label=_("督办日期"), initial=timezone.localdate)


class AnswerForm(StyledForm):
    note = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.CharField(label=_("落实情况"), widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("落实情况")}))
    answered_on = forms.DateField(label=_("办结日期"), initial=timezone.localdate)


class MilestoneForm(StyledForm):
    title = forms.CharField(label=_("节点"), max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": _("节点名称，如：完成场地改造")}))
    due_on = forms.DateField(label=_("计划完成"))
    done_on = forms.DateField(label=_("实际完成"), required=False)


class CompleteMilestoneForm(StyledForm):
    milestone = forms.IntegerField(widget=forms.HiddenInput)
    done_on = forms.DateField(label=_("实际完成"), initial=timezone.localdate)


class ReminderForm(StyledForm):
    days = forms.IntegerField(label=_("提前天数"), min_value=1, max_value=365, initial=30, required=False)


# --- Evaluation schemes ----------------------------------------------------------------------------------------


class SchemeForm(ScopedModelForm):
    region = RegionField(help_text=_("制定评价办法的区划，评价对象须在其下"))

    class Meta:
        model = EvaluationScheme
        fields = ["name", "year", "region", "unit_kind", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("year", timezone.localdate().year)
        _scope_initial(self)


def metric_choices() -> list[tuple[str, str]]:
    from tongxin.reports import registry

    return [("", "---------")] + [(m.key, f"{m.label}（{m.key}）") for m in registry.all_metrics()]


class IndicatorForm(ScopedModelForm):
    metric_key = forms.ChoiceField(label=_("统计指标"), required=False)
    per_metric_key = forms.ChoiceField(label=_("除以指标（折算）"), required=False,
                                       help_text=_("如“每万名人士活动场次”选人士库人数，折算基数填 10000"))

    class Meta:
        model = Indicator
        fields = ["name", "weight", "source", "metric_key", "per_metric_key", "per_unit", "scoring", "target",
                  "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric_key"].choices = metric_choices()
        self.fields["per_metric_key"].choices = metric_choices()


class UnitsForm(StyledForm):
    """The units a scheme evaluates, offered by its unit kind and grouped so that parks stand apart."""

    regions = forms.ModelMultipleChoiceField(label=_("评价对象"), queryset=Region.objects.none(), required=False,
                                             widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))

    def __init__(self, *args, scheme=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        if scheme is not None:
            from tongxin.sites import services

            current = set(scheme.units.values_list("unit_region_id", flat=True))
            if self.is_bound:
                # Any region under the scheme's: the service says in Chinese why one does not fit its kind.
                queryset = Region.objects.filter(code__startswith=scheme.region_id).exclude(code=scheme.region_id)
            else:
                codes = [r.code for r in services.unit_candidates(scheme)] + sorted(current)
                queryset = Region.objects.filter(code__in=codes)
            self.fields["regions"].queryset = queryset.order_by("code")
            self.initial["regions"] = list(Region.objects.filter(code__in=current).values_list("pk", flat=True))

    def groups(self) -> list[dict]:
        """[{label, choices}] for the template: ordinary units, parks, and chosen units that no longer fit."""
        if self.scheme is None:
            return []
        buckets = {UnitKind.TOWNSHIP: [], UnitKind.COUNTY: [], UnitKind.PARK: [], "": []}
        for choice in self["regions"]:
            region = choice.data["value"].instance
            kind = unit_kind_of(region) if unit_fits(self.scheme.unit_kind, region) else ""
            buckets[kind].append(choice)
        labels = {UnitKind.TOWNSHIP: _("乡镇（街道）"), UnitKind.COUNTY: _("县（市、区）"),
                  UnitKind.PARK: _("园区（开发区、高新区等功能区）"),
                  "": _("已选但与评价对象类型不符（请取消勾选或修改评价对象类型）")}
        return [{"kind": kind, "label": labels[kind], "choices": rows} for kind, rows in buckets.items() if rows]


class ManualScoreForm(StyledForm):
    unit = forms.IntegerField(widget=forms.HiddenInput)
    indicator = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.DecimalField(label=_("得分"), min_value=0, max_digits=8, decimal_places=2)
    evidence = forms.CharField(label=_("评分依据"), widget=forms.Textarea(attrs={"rows": 2}))


# --- Imports ---------------------------------------------------------------------------------------------------


class ImportForm(StyledForm):
    region = RegionField(label=_("默认区划"), help_text=_("表中没有区划代码的行计入此区划"))
    file = forms.FileField(label=_("文件"), help_text=_("Excel（.xlsx）或 CSV 文件"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = getattr(self.user, "scope_region_id", None)
        if code:
            self.initial.setdefault("region", code)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if os.path.splitext(upload.name)[1].lower() not in (".xlsx", ".csv"):
            raise ValidationError(_("请上传 .xlsx 或 .csv 文件"))
        return upload

    def clean_region(self):
        region = self.cleaned_data.get("region")
        if region is not None and not Region.objects.restrict(self.user).filter(pk=region.pk).exists():
            raise ValidationError(_("所选区划不在您的数据范围内"))
        return region


EVIDENCE_RULE_CHOICES = EvidenceRule.choices
