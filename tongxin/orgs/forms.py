"""Forms of the organising area. They validate input and offer only records inside the user's scope; the writes
are in `services`."""

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.forms import RegionField, RemoteSelect, ScopedModelForm
from tongxin.core.models import User
from tongxin.core.scope import scope_prefix
from tongxin.core.services import dict_choices
from tongxin.orgs.models import (
    Association,
    AssociationStatus,
    CouncilTerm,
    FundKind,
    LiaisonPost,
    OfficerTerm,
    Rule,
    Team,
)
from tongxin.people.models import Person

DOCUMENT_ACCEPT = ".pdf,.doc,.docx,.xlsx,.jpg,.jpeg,.png"


class RemoteSelectMultiple(RemoteSelect, forms.SelectMultiple):
    """Several records picked by remote search (Tom Select with remove buttons)."""


class Radios(forms.RadioSelect):
    """Radio buttons laid out the Tabler way (label.form-check around each input)."""

    template_name = "orgs/widgets/radio.html"


def _blank(choices):
    return [("", "---------"), *choices]


def _kind_choices():
    return _blank(dict_choices("association_kind"))


def _level_choices():
    return _blank(dict_choices("association_level"))


def _persons():
    return Person.objects.visible()


class PersonField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", _persons())
        kwargs.setdefault("widget", RemoteSelect(reverse_lazy("people:person_search")))
        super().__init__(**kwargs)


class PersonsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", _persons())
        kwargs.setdefault("widget", RemoteSelectMultiple(reverse_lazy("people:person_search")))
        super().__init__(**kwargs)


class AssociationField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Association.objects.all())
        kwargs.setdefault("widget", RemoteSelect(reverse_lazy("orgs:association_search")))
        kwargs.setdefault("label", _("组织"))
        super().__init__(**kwargs)


def _style(form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect):
            widget.attrs.setdefault("class", "form-check-input")
            continue
        if isinstance(widget, forms.CheckboxInput):
            continue
        if isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"


class ScopedForm(forms.Form):
    """A plain form whose record pickers offer only records in the user's scope."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "restrict"):
                field.queryset = queryset.restrict(user) if scope_prefix(user) is not None else queryset.none()
        _style(self)


def _default_region(form) -> None:
    region = getattr(form.user, "scope_region_id", None)
    if region and not form.initial.get("region") and "region" in form.fields:
        form.initial["region"] = region


class AssociationForm(ScopedModelForm):
    kind = forms.ChoiceField(label=_("组织类型"), choices=_kind_choices)
    level = forms.ChoiceField(label=_("组织层级"), choices=_level_choices)
    parent = AssociationField(label=_("上级组织"), required=False, help_text=_("分会、基层组织选择其上级组织"))
    region = RegionField()

    class Meta:
        model = Association
        fields = ["name", "kind", "level", "parent", "region", "founded_on", "supervising_department", "status",
                  "dissolved_on", "contact_person", "contact_phone", "email", "address", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            _default_region(self)
        if self.instance.pk:
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(pk=self.instance.pk)
        self.fields["dissolved_on"].help_text = _("状态为“已撤销”时填写；撤销后，在会会员、在任班子成员同时结束")


class AddMembersForm(ScopedForm):
    APPLY, ADMIT = "apply", "admit"
    persons = PersonsField(label=_("人士"), help_text=_("输入姓名、拼音首字母或手机号搜索，可选多人"))
    mode = forms.ChoiceField(label=_("方式"), widget=Radios, initial=ADMIT, choices=[
        (ADMIT, _("直接入会")), (APPLY, _("登记为入会申请（待审核）"))])
    joined_on = forms.DateField(label=_("入会（申请）日期"), required=False, help_text=_("不填为今天"))
    note = forms.CharField(label=_("备注"), required=False, max_length=300)


class ReviewForm(forms.Form):
    APPROVE, REJECT = "approve", "reject"
    decision = forms.ChoiceField(label=_("审核结果"), widget=Radios, choices=[
        (APPROVE, _("通过，准予入会")), (REJECT, _("不通过"))])
    joined_on = forms.DateField(label=_("入会日期"), required=False, help_text=_("通过时填写，不填为今天"))
    note = forms.CharField(label=_("审核意见"), required=False, max_length=300,
                           help_text=_("不通过时必须填写理由"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class EndMembershipForm(forms.Form):
    left_on = forms.DateField(label=_("退会日期"), initial=timezone.localdate)
    reason = forms.CharField(label=_("退会原因"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class OfficerTermForm(ScopedModelForm):
    association = AssociationField()
    person = PersonField(label=_("人士"))

    class Meta:
        model = OfficerTerm
        fields = ["association", "person", "role", "council_term", "started_on", "ended_on", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = self.data.get("association") or self.initial.get("association") or self.instance.association_id
        chosen = str(getattr(chosen, "pk", chosen) or "")
        terms = self.fields["council_term"].queryset
        self.fields["council_term"].queryset = terms.filter(association_id=int(chosen)) if chosen.isdigit() \
            else terms.none()
        self.fields["council_term"].help_text = _("可选，列出所选组织已登记的届次")


class CouncilTermForm(ScopedModelForm):
    association = AssociationField()

    class Meta:
        model = CouncilTerm
        fields = ["association", "number", "started_on", "due_on", "ended_on", "note"]
        help_texts = {"due_on": _("一般为产生日期后五年"), "ended_on": _("新一届产生时自动填写")}


class RuleForm(ScopedModelForm):
    association = AssociationField(label=_("所属组织"), required=False, help_text=_("部门制度不选组织"))
    region = RegionField(required=False, help_text=_("部门制度填写；组织的制度取组织的区划"))
    upload = forms.FileField(label=_("制度文件"), required=False,
                             widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
                             help_text=_("PDF、Word、Excel 或图片"))

    class Meta:
        model = Rule
        fields = ["association", "department", "region", "title", "category", "effective_from", "effective_to",
                  "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            _default_region(self)
        self.fields["upload"].widget.attrs.setdefault("class", "form-control")
        if self.instance.pk and self.instance.document:
            self.fields["upload"].help_text = _("当前文件：%(name)s；重新上传将替换") % {
                "name": self.instance.document_name}


class FundEntryForm(ScopedForm):
    association = AssociationField()
    kind = forms.ChoiceField(label=_("类型"), choices=FundKind.choices, widget=Radios,
                             initial=FundKind.ALLOCATION)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=12, decimal_places=2, min_value=0.01,
                                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
    date = forms.DateField(label=_("日期"), initial=timezone.localdate)
    source_department = forms.CharField(label=_("拨付单位"), required=False, max_length=200,
                                        help_text=_("拨付时填写，如：船山区委统战部"))
    purpose = forms.CharField(label=_("用途"), required=False, max_length=200, help_text=_("支出时填写"))
    activity_ref = forms.CharField(label=_("关联活动"), required=False, max_length=100,
                                   help_text=_("支出用于某项活动时填写活动名称"))
    note = forms.CharField(label=_("备注"), required=False, max_length=300)
    attachment = forms.FileField(label=_("附件"), required=False,
                                 widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
                                 help_text=_("拨付文件、票据等，可不传"))


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲正原因"), max_length=200, help_text=_("如：金额录入错误，应为 5000 元"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class LiaisonPostForm(ScopedModelForm):
    region = RegionField(label=_("覆盖区划"), help_text=_("统战委员选乡镇/街道，统战联络员选社区/村"))
    holder_person = PersonField(label=_("任职人（人士库）"), required=False)

    class Meta:
        model = LiaisonPost
        fields = ["kind", "unit_type", "region", "unit_name", "holder_name", "holder_user", "holder_person",
                  "holder_title", "since", "until", "note"]
        help_texts = {"holder_name": _("选择了平台用户或人士库人员时可不填")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder_name"].required = False
        self.fields["holder_user"].queryset = User.objects.restrict(self.user).filter(is_active=True).order_by(
            "username")
        self.fields["holder_user"].label_from_instance = lambda u: f"{u.display_name or u.username}（{u.username}）"


class TeamForm(ScopedModelForm):
    region = RegionField()
    association = AssociationField(label=_("依托组织"), required=False)
    leader = PersonField(label=_("负责人"), required=False)
    members = PersonsField(label=_("队员"), required=False)

    class Meta:
        model = Team
        fields = ["name", "kind", "region", "association", "leader", "members", "purpose", "founded_on",
                  "dissolved_on", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            _default_region(self)


class ImportForm(ScopedForm):
    MODE_ALL, MODE_VALID = "all", "valid"
    file = forms.FileField(label=_("文件"), help_text=_("Excel（.xlsx、.xls）或 CSV，第一行或前几行中有表头"))
    region = RegionField(label=_("导入到区划"), help_text=_("组织按名称在此区划（含下级）内查找"))
    mode = forms.ChoiceField(label=_("导入方式"), widget=Radios, initial=MODE_ALL, choices=[
        (MODE_ALL, _("全部正确才导入（有错误的行时不写入任何数据）")),
        (MODE_VALID, _("只导入正确的行，有错误的行另存下载"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _default_region(self)


class CommitForm(forms.Form):
    mode = forms.ChoiceField(choices=ImportForm.base_fields["mode"].choices, widget=Radios,
                             label=_("导入方式"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)



class _AssociationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.region.name}）"


class JoinAssociationForm(ScopedForm):
    """The person list's “加入组织”: an association the user may see (those still active), the joining date and a
    note. Rendered inside the list's bulk form, so nothing is `required` in HTML (the other bulk actions share it);
    the view checks the fields. Use it with prefix="join" (the bulk form has its own `date`, `reason`…)."""

    use_required_attribute = False

    association = _AssociationChoiceField(
        label=_("加入组织"), queryset=Association.objects.filter(status=AssociationStatus.ACTIVE).select_related("region")
        .order_by("region_id", "name", "id"), empty_label=_("选择组织…"),
        error_messages={"required": _("请选择要加入的组织"),
                        "invalid_choice": _("所选组织不存在、已撤销或不在您的管辖范围内，请重新选择")})
    joined_on = forms.DateField(label=_("入会日期"), initial=timezone.localdate,
                                error_messages={"required": _("请填写入会日期"),
                                                "invalid": _("入会日期格式不正确，应为“年-月-日”")})
    note = forms.CharField(label=_("备注"), required=False, max_length=300,
                           error_messages={"max_length": _("备注不能超过 %(limit_value)d 个字")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["association"].widget.attrs["data-tomselect"] = "local"

    def error_text(self) -> str:
        """The errors as one line naming each field, for a flash message on the list."""
        parts = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            parts += [f"{label}：{e}" if label else str(e) for e in errors]
        return "；".join(parts)
