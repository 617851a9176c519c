"""Forms of the registry. They validate input and show likely duplicates; the writes are in services."""

import os

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tongxin.core import validators
from tongxin.core.forms import RegionField, RemoteSelect, ScopedModelForm
from tongxin.core.scope import in_scope
from tongxin.people import selectors, services
from tongxin.people.models import Organization, Person, Platform, RepresentativeLevel, Status


def _with_blank(choices_func):
    def choices():
        return [("", "---------"), *choices_func()]

    return choices


def _dict(code):
    return _with_blank(lambda: selectors.dict_choices(code))


def _not_future(value, label):
    if value and value > timezone.localdate():
        raise ValidationError(_("%(label)s不能晚于今天") % {"label": label})
    return value


def iso_dates(form) -> None:
    """<input type="date"> only understands 2026-01-31, whatever the page's locale."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.DateInput):
            field.widget.input_type = "date"
            field.widget.format = "%Y-%m-%d"


class PersonForm(ScopedModelForm):
    region = RegionField(help_text=_("人士工作或居住地所在的区划"))
    employer = forms.ModelChoiceField(
        label=_("工作单位"), queryset=Organization.objects.all(), required=False,
        widget=RemoteSelect(reverse_lazy("people:organization_search")),
        help_text=_("单位不在列表中时，请先在“单位”中新增"),
    )
    ethnicity = forms.ChoiceField(label=_("民族"), choices=_dict("ethnicity"), required=False)
    political_affiliation = forms.ChoiceField(label=_("政治面貌"), choices=_dict("political_affiliation"),
                                              required=False)
    education = forms.ChoiceField(label=_("学历"), choices=_dict("education"), required=False)
    subcategory = forms.ChoiceField(label=_("细分类别"), choices=_with_blank(selectors.subcategory_choices),
                                    required=False)
    id_number = forms.CharField(label=_("身份证号"), required=False, max_length=40,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}),
                                help_text=_("填写后自动带出出生日期和性别"))
    phone = forms.CharField(label=_("手机号码"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    tags_text = forms.CharField(label=_("标签"), required=False, max_length=300,
                                help_text=_("多个标签用顿号或逗号分隔"))
    specialties_text = forms.CharField(label=_("专长"), required=False, max_length=500,
                                       help_text=_("如：法律咨询、财务审计、科普，用于匹配服务项目"))
    confirm_duplicate = forms.BooleanField(label=_("已核对，确认不是同一人，继续保存"), required=False)

    class Meta:
        model = Person
        fields = [
            "name", "gender", "id_number", "birth_date", "phone", "ethnicity", "political_affiliation",
            "education", "region", "employer", "job_title", "category", "subcategory", "is_representative",
            "representative_level", "representative_since", "is_reserve", "reserve_since", "is_network_figure",
            "network_since", "added_on", "source", "lawful_basis", "consent_date", "consent_purpose",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates: list[services.Duplicate] = []
        self.hidden_duplicates = False
        person = self.instance
        if person.pk:
            for name in ("id_number", "phone"):
                field = Person._meta.get_field(name)
                self.initial[name] = ""
                current = getattr(person, name)
                if current:
                    self.fields[name].widget.attrs["placeholder"] = field.mask(current)
                    self.fields[name].help_text = _("当前：%(masked)s；留空表示不修改") % {
                        "masked": field.mask(current)}
            self.initial["tags_text"] = "、".join(person.tags.values_list("name", flat=True))
            self.initial["specialties_text"] = "、".join(person.specialties.values_list("name", flat=True))
        else:
            self.initial.setdefault("source", _("手工录入"))
            self.initial.setdefault("added_on", timezone.localdate())
            user_region = getattr(self.user, "scope_region_id", None)
            if user_region and not self.initial.get("region"):
                self.initial["region"] = user_region
        self.fields["confirm_duplicate"].widget.attrs["class"] = "form-check-input"
        self.fields["added_on"].required = False
        iso_dates(self)

    def clean_name(self):
        name = services.normalize_name(self.cleaned_data.get("name"))
        if not name:
            raise ValidationError(_("姓名不能为空"))
        return name

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number", "")
        if not validators.normalize_digits(value):
            return self.instance.id_number if self.instance.pk else ""
        try:
            return validators.check_id_number(value).number
        except validators.ValidationError as exc:
            raise ValidationError(exc.message) from None

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "")
        if not validators.normalize_digits(value):
            return self.instance.phone if self.instance.pk else ""
        try:
            return validators.check_phone(value)
        except validators.ValidationError as exc:
            raise ValidationError(exc.message) from None

    def clean_added_on(self):
        return _not_future(self.cleaned_data.get("added_on"), _("入库日期")) or timezone.localdate()

    def clean(self):
        data = super().clean()
        for name, label in (("representative_since", _("认定为代表人士日期")), ("reserve_since", _("纳入储备日期")),
                            ("network_since", _("认定为网络人士日期")), ("consent_date", _("同意/取得日期")),
                            ("birth_date", _("出生日期"))):
            try:
                _not_future(data.get(name), label)
            except ValidationError as exc:
                self.add_error(name, exc)
        id_number = data.get("id_number")
        if id_number:
            info = validators.check_id_number(id_number)
            if data.get("birth_date") and data["birth_date"] != info.birth_date and "id_number" in self.changed_data:
                self.add_error("birth_date", _("出生日期与身份证号不一致"))
            data["birth_date"] = info.birth_date
            if data.get("gender") and data["gender"] != info.gender:
                self.add_error("gender", _("性别与身份证号不一致"))
            data["gender"] = info.gender
        category, subcategory = data.get("category"), data.get("subcategory")
        if subcategory and category and selectors.subcategory_parents().get(subcategory) != category:
            self.add_error("subcategory", _("细分类别不属于所选人士类别"))
        if data.get("is_representative") and not data.get("representative_level"):
            self.add_error("representative_level", _("请选择代表人士层级"))
        if not self.errors:
            self._check_duplicates(data)
        return data

    def _check_duplicates(self, data):
        candidate = Person(pk=self.instance.pk, name=data.get("name", ""), id_number=data.get("id_number", ""),
                           phone=data.get("phone", ""), birth_date=data.get("birth_date"),
                           employer=data.get("employer"))
        found = services.find_duplicates(candidate)
        visible = [d for d in found if in_scope(self.user, d.person.region_id)]
        self.hidden_duplicates = len(visible) < len(found)
        certain_hidden = any(d.certain for d in found if d not in visible)
        if certain_hidden:
            raise ValidationError(_("该身份证号已登记在其他区划的人士库中（不在您的数据范围内），"
                                    "请联系上级统战部门核实，不要重复录入。"))
        self.duplicates = visible
        certain = [d for d in visible if d.certain]
        if certain:
            person = certain[0].person
            raise ValidationError(format_html(
                '{} <a href="{}">{}</a>',
                _("身份证号与已登记的人士相同，是同一人。"), reverse("people:person_detail", args=[person.pk]),
                _("打开“%(name)s”的记录") % {"name": person.name},
            ))
        if visible and not data.get("confirm_duplicate"):
            raise ValidationError(_("发现可能重复的人士，请核对下方列表：如是同一人，请打开已有记录；"
                                    "如不是，请勾选“已核对，确认不是同一人”后再保存。"))


class AccountForm(forms.Form):
    platform = forms.ChoiceField(label=_("平台"), choices=[("", "---------"), *Platform.choices], required=False)
    account_name = forms.CharField(label=_("账号名称"), max_length=100, required=False)
    follower_count = forms.IntegerField(label=_("粉丝数（本人申报）"), min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].widget.attrs["class"] = "form-select"
        for name in ("account_name", "follower_count"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self):
        data = super().clean()
        if data.get("account_name") and not data.get("platform"):
            self.add_error("platform", _("请选择平台"))
        if data.get("platform") and not data.get("account_name"):
            self.add_error("account_name", _("请填写账号名称"))
        return data


AccountFormSet = forms.formset_factory(AccountForm, extra=1, can_delete=True, max_num=20)


def account_initial(person: Person) -> list[dict]:
    if not person.pk:
        return []
    return [{"platform": a.platform, "account_name": a.account_name, "follower_count": a.follower_count}
            for a in person.network_accounts.all()]


def accounts_from(formset) -> list[dict]:
    return [form.cleaned_data for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("account_name")]


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
        iso_dates(self)


class StatusForm(_Styled):
    status = forms.ChoiceField(label=_("新状态"), choices=Status.choices)
    date = forms.DateField(label=_("变更日期"), initial=timezone.localdate)
    reason = forms.CharField(label=_("变更原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("必填，如“工作调动至成都市”“本人申请退出”"))

    def clean_date(self):
        return _not_future(self.cleaned_data.get("date"), _("变更日期"))


class EraseForm(_Styled):
    reason = forms.CharField(label=_("删除原因"), max_length=400, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("如“本人于2026年3月1日书面申请删除个人信息”"))
    confirm = forms.BooleanField(label=_("我已知晓：姓名、身份证号、手机号码等个人信息将被永久清除，不能恢复"))


class BulkActionForm(_Styled):
    action = forms.ChoiceField(label=_("批量操作"), choices=[("", _("选择操作…")), *services.BULK_ACTIONS.items()])
    flag = forms.ChoiceField(label=_("标记"), required=False, choices=[
        ("", "---------"), *((key, label) for key, (_attr, _since, label) in services.FLAGS.items())])
    level = forms.ChoiceField(label=_("代表人士层级"), required=False,
                              choices=[("", "---------"), *RepresentativeLevel.choices])
    tag = forms.CharField(label=_("标签"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("新状态"), required=False, choices=[("", "---------"), *Status.choices])
    date = forms.DateField(label=_("日期"), required=False, initial=timezone.localdate)
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)

    def clean_date(self):
        return _not_future(self.cleaned_data.get("date"), _("日期"))


class MergeForm(_Styled):
    keep = forms.ChoiceField(label=_("保留哪一条记录"), widget=forms.RadioSelect)
    confirm = forms.BooleanField(label=_("确认这两条记录是同一人"))

    def __init__(self, *args, first: Person, second: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [
            (str(first.pk), _("%(name)s（编号%(pk)s，%(region)s）") % {
                "name": first.name, "pk": first.pk, "region": first.region.name}),
            (str(second.pk), _("%(name)s（编号%(pk)s，%(region)s）") % {
                "name": second.name, "pk": second.pk, "region": second.region.name}),
        ]
        self.fields["keep"].initial = str(first.pk)
        self.fields["keep"].widget.attrs["class"] = "form-check-input"


class OrganizationForm(ScopedModelForm):
    region = RegionField()
    type = forms.ChoiceField(label=_("单位类型"), choices=_dict("organization_type"), required=False)

    class Meta:
        model = Organization
        fields = ["name", "type", "credit_code", "industry", "region", "has_party_org", "is_two_new", "address",
                  "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user_region = getattr(self.user, "scope_region_id", None)
        if not self.instance.pk and user_region and not self.initial.get("region"):
            self.initial["region"] = user_region

    def clean_name(self):
        name = validators.normalize_text(self.cleaned_data.get("name"))
        if not name:
            raise ValidationError(_("单位名称不能为空"))
        return name

    def clean_credit_code(self):
        value = self.cleaned_data.get("credit_code", "")
        if not validators.normalize_digits(value):
            return ""
        try:
            code = validators.check_credit_code(value)
        except validators.ValidationError as exc:
            raise ValidationError(exc.message) from None
        if Organization._base_manager.filter(credit_code=code).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("该统一社会信用代码已登记"))
        return code


class ImportForm(_Styled):
    MODE_ALL, MODE_VALID = "all", "valid"

    file = forms.FileField(label=_("台账文件"), help_text=_("支持 .xlsx、.xls、.csv（UTF-8 或 GBK）；可直接使用原有台账，"
                                                         "标题行、合计行、备注行会自动跳过"))
    region = RegionField(label=_("导入到区划"), help_text=_("各行未填区划代码时归入此区划；各行的区划须在此区划范围内"))
    mode = forms.ChoiceField(label=_("有错误的行"), widget=forms.RadioSelect, initial=MODE_ALL, choices=[
        (MODE_ALL, _("全部正确才导入（有任何错误则一行也不写入）")),
        (MODE_VALID, _("只导入正确的行，并下载未导入的行（附错误说明）")),
    ])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = self.fields["region"].queryset.restrict(user)
        self.fields["mode"].widget.attrs["class"] = "form-check-input"
        if getattr(user, "scope_region_id", None):
            self.initial.setdefault("region", user.scope_region_id)

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        if os.path.splitext(upload.name)[1].lower() not in (".xlsx", ".xls", ".csv"):
            raise ValidationError(_("只支持 .xlsx、.xls 和 .csv 文件"))
        if upload.size > settings.TONGXIN_MAX_UPLOAD_BYTES:
            raise ValidationError(_("文件超过 %(mb)s MB 的上限，请拆分后分批导入") % {
                "mb": settings.TONGXIN_MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload


class CommitForm(_Styled):
    mode = forms.ChoiceField(label=_("有错误的行"), widget=forms.RadioSelect, choices=ImportForm.base_fields[
        "mode"].choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].widget.attrs["class"] = "form-check-input"
