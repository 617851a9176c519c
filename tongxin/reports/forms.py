"""Forms of the report pages: region and period (shared), the work report, comparisons, the template editor."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxin.core.forms import RegionField, style_fields
from tongxin.reports import engine, narrative, services
from tongxin.reports.models import ReportTemplate


class PeriodForm(forms.Form):
    """Region (inside the user's scope; empty = the whole scope) and period (a preset or custom dates).
    Field names match the API's query parameters: region, period, from, to."""

    region = RegionField(label=_("区划"), required=False, help_text=_("不选则为本人数据范围"))
    period = forms.ChoiceField(label=_("期间"), choices=list(engine.PRESETS.items()), initial="this_year",
                               required=False)

    KEYS = ("region", "period", "from", "to")

    def __init__(self, data=None, *, user, **kwargs):
        if data is not None and not any(data.get(key) for key in self.KEYS):
            data = None  # only other parameters (the chart's metric): the defaults apply
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["from"] = forms.DateField(label=_("开始日期"), required=False)
        self.fields["to"] = forms.DateField(label=_("结束日期"), required=False)
        style_fields(self.fields, user)
        if not self.is_bound:
            region = engine.default_region(user)
            start, end = engine.preset_period("this_year")
            self.initial.update({"region": region.code if region is not None and region.code else None,
                                 "period": "this_year", "from": start, "to": end})

    def clean(self):
        data = super().clean()
        preset = data.get("period") or "this_year"
        start, end = data.get("from"), data.get("to")
        if preset == "custom" or (not data.get("period") and (start or end)):
            if not start or not end:
                raise forms.ValidationError(_("自定义期间须填写开始日期和结束日期"))
            if start > end:
                raise forms.ValidationError(_("开始日期不能晚于结束日期"))
            data["period"] = "custom"
        else:
            data["from"], data["to"] = engine.preset_period(preset)
        region = data.get("region") or engine.default_region(self.user)
        if region is None:
            raise forms.ValidationError(_("您没有数据范围，无法查看统计"))
        data["region"] = region
        shown = self.data.copy()  # the page shows the dates and region a preset stands for
        shown["from"], shown["to"], shown["region"] = data["from"].isoformat(), data["to"].isoformat(), region.code
        self.data = shown
        return data

    def values(self):
        """(region, from, to): the cleaned values, or the defaults when the form is unbound or invalid."""
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            return data["region"], data["from"], data["to"]
        start, end = engine.preset_period("this_year")
        return engine.default_region(self.user), start, end

    def query(self, **extra) -> str:
        """The query string that reproduces these values (for links and exports)."""
        from urllib.parse import urlencode

        region, start, end = self.values()
        params = {"region": region.code if region is not None and region.code else "",
                  "period": "custom", "from": start.isoformat(), "to": end.isoformat(), **extra}
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})


class ReportForm(PeriodForm):
    KEYS = (*PeriodForm.KEYS, "template")
    template = forms.ModelChoiceField(label=_("报告模板"), queryset=ReportTemplate.objects.all(), required=False,
                                      empty_label=_("默认模板"))


class ExportForm(ReportForm):
    format = forms.ChoiceField(label=_("格式"), choices=[(f, f.upper()) for f in services.FORMATS])


class CompareForm(PeriodForm):
    MODES = [("regions", _("下级区划比较（比学赶超）")), ("periods", _("两个期间比较"))]
    KEYS = (*PeriodForm.KEYS, "mode", "compare_from", "compare_to")
    mode = forms.ChoiceField(label=_("比较方式"), choices=MODES, initial="regions", required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["compare_from"] = forms.DateField(label=_("对比期间开始"), required=False,
                                                      help_text=_("不填则为上一个同样长的期间"))
        self.fields["compare_to"] = forms.DateField(label=_("对比期间结束"), required=False)
        style_fields({k: self.fields[k] for k in ("compare_from", "compare_to")}, self.user)
        if not self.is_bound:
            before = engine.previous_period(self.initial["from"], self.initial["to"])
            self.initial.update({"mode": "regions", "compare_from": before[0], "compare_to": before[1]})

    def clean(self):
        data = super().clean()
        if data.get("mode") not in dict(self.MODES):
            data["mode"] = "regions"
        start, end = data.get("compare_from"), data.get("compare_to")
        if start or end:
            if not start or not end:
                raise forms.ValidationError(_("对比期间须同时填写开始日期和结束日期"))
            if start > end:
                raise forms.ValidationError(_("对比期间的开始日期不能晚于结束日期"))
        elif data.get("from") and data.get("to"):
            data["compare_from"], data["compare_to"] = engine.previous_period(data["from"], data["to"])
        return data


class ReportTemplateForm(forms.ModelForm):
    """Sections and charts are edited as lines of text (one sentence per line under "## 节标题"; one chart per
    line "指标代码 | 类型 | 标题") and checked against the registered metrics before saving."""

    sections_text = forms.CharField(
        label=_("各节"), widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        help_text=_("每节以一行“## 节标题”开始，其后每行一句。句中用 {指标代码} 填入精确数字，{指标代码|prose} 填入约数"
                    "（如 60余），{指标代码[分项]} 填入分项数字。句中任一数字为零或尚无该指标时，整句不写；"
                    "一节的句子都不写时，整节不写。"))
    charts_text = forms.CharField(
        label=_("图表"), required=False, widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=_("每行一个图表：指标代码 | 类型（区划、分项 或 月份） | 标题。全为零的图表不画。"))

    class Meta:
        model = ReportTemplate
        fields = ["name", "title", "opening", "closing", "is_default", "note"]
        widgets = {"opening": forms.Textarea(attrs={"rows": 4}), "closing": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["sections_text"] = narrative.sections_to_text(self.instance.sections)
            self.initial["charts_text"] = narrative.charts_to_text(self.instance.charts)
        order = ["name", "title", "opening", "sections_text", "closing", "charts_text", "is_default", "note"]
        self.order_fields(order)
        style_fields(self.fields, user)

    def clean_title(self):
        return self._checked("title")

    def clean_opening(self):
        return self._checked("opening")

    def clean_closing(self):
        return self._checked("closing")

    def _checked(self, name):
        value = self.cleaned_data.get(name) or ""
        errors = narrative.validate_text(value)
        if errors:
            raise forms.ValidationError(errors)
        return value

    def clean_sections_text(self):
        sections, errors = narrative.sections_from_text(self.cleaned_data["sections_text"])
        errors += narrative.validate_sections(sections) if not errors else []
        if errors:
            raise forms.ValidationError(errors)
        self.instance.sections = sections
        return self.cleaned_data["sections_text"]

    def clean_charts_text(self):
        charts, errors = narrative.charts_from_text(self.cleaned_data.get("charts_text") or "")
        errors += narrative.validate_charts(charts) if not errors else []
        if errors:
            raise forms.ValidationError(errors)
        self.instance.charts = charts
        return self.cleaned_data.get("charts_text") or ""

    def spec_json(self) -> str:
        return json.dumps(self.instance.spec, ensure_ascii=False, indent=2)
