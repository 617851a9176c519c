"""Forms of the system-administration pages and the account page. They validate input; services write it."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tongxin.core import forms as core_forms
from tongxin.core import services
from tongxin.core.forms import RegionField, ScopedModelForm
from tongxin.core.models import DictItem, Region, Role, User


def style_fields(form) -> None:
    """Tabler classes for fields the scoped model form does not style (plain forms, Django's auth forms)."""
    core_forms.style_fields(form.fields, restrict=False)


class ChoiceCheckboxes(forms.CheckboxSelectMultiple):
    template_name = "core/admin/widgets/checkboxes.html"
    option_template_name = "core/admin/widgets/checkbox_option.html"


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.group.name} — {obj.description}" if obj.description else obj.group.name


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the named field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Users ------------------------------------------------------------------------------------------------------


class UserForm(ScopedModelForm):
    """Common to create and edit: the scope region is limited to the administrator's own scope, and the roles
    to those the administrator may grant (see services.grantable_roles)."""

    scope_region = RegionField(label=_("数据范围"), help_text=_("用户只能看到和管理本区划及下级区划的数据"))
    roles = RoleChoiceField(label=_("角色"), queryset=Role.objects.none(), widget=ChoiceCheckboxes, required=False)

    class Meta:
        model = User
        fields = ["display_name", "title", "scope_region", "must_change_password"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["roles"].queryset = services.grantable_roles(user)
        if self.instance.pk:
            self.fields["roles"].initial = list(self.fields["roles"].queryset.filter(
                group__in=self.instance.groups.all()))
        self.fields["display_name"].required = True

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"display_name": data["display_name"], "title": data.get("title", ""),
                "scope_code": data["scope_region"].code, "roles": list(data["roles"]),
                "must_change_password": data.get("must_change_password", False)}


class UserCreateForm(UserForm):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               help_text=_("登录用，字母、数字和 @ . + - _，创建后不能修改"),
                               validators=[User.username_validator])
    password1 = forms.CharField(label=_("初始密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label=_("确认密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    field_order = ["username", "display_name", "title", "scope_region", "roles", "password1", "password2",
                   "must_change_password"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["must_change_password"].initial = True
        for name in ("username", "password1", "password2"):
            self.fields[name].widget.attrs.setdefault("class", "form-control")

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("用户名“%(name)s”已被使用。"), params={"name": username})
        return username

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif p1:
            candidate = User(username=data.get("username", ""), display_name=data.get("display_name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class UserEditForm(UserForm):
    field_order = ["display_name", "title", "scope_region", "roles", "must_change_password"]


class AdminSetPasswordForm(SetPasswordForm):
    must_change_password = forms.BooleanField(label=_("下次登录须修改密码"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("确认新密码")
        style_fields(self)


# --- Roles ------------------------------------------------------------------------------------------------------


class RolePermissionsForm(ScopedModelForm):
    permissions = forms.ModelMultipleChoiceField(label=_("权限"), queryset=None, required=False,
                                                 widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Role
        fields = ["description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permissions"].queryset = services.editable_permissions()
        if self.instance.pk and not self.is_bound:
            self.fields["permissions"].initial = list(self.instance.group.permissions.values_list("pk", flat=True))

    def checked_ids(self) -> set[int]:
        if self.is_bound:
            return {int(v) for v in self.data.getlist("permissions") if str(v).isdigit()}
        return set(self.fields["permissions"].initial or [])


# --- Regions ----------------------------------------------------------------------------------------------------


class RegionAddForm(forms.Form):
    code = forms.CharField(label=_("区划代码"), max_length=20,
                           help_text=_("6 位（县级及以上）或 12 位（乡镇、村/社区）统计用区划代码；上级区划由代码确定"))
    name = forms.CharField(label=_("名称"), max_length=100)
    note = forms.CharField(label=_("备注"), max_length=200, required=False,
                           help_text=_("如：由某某镇、某某乡合并设立"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        style_fields(self)
        self.fields["code"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean_code(self):
        return services.check_new_region_code(code=self.cleaned_data["code"], user=self.user)


class RegionEditForm(ScopedModelForm):
    class Meta:
        model = Region
        fields = ["name", "note", "is_active"]
        help_texts = {"is_active": _("停用后不再出现在区划选择中，已有记录不受影响")}


class RegionImportForm(forms.Form):
    file = forms.FileField(label=_("文件"), help_text=_("CSV 或 Excel（.xlsx），两列：区划代码、名称"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs.update({"class": "form-control", "accept": ".csv,.xlsx,.xls,.xlsm,.ods"})

    def clean_file(self):
        from django.conf import settings
        from django.template.defaultfilters import filesizeformat

        upload = self.cleaned_data["file"]
        if upload.size > settings.TONGXIN_MAX_UPLOAD_BYTES:
            raise ValidationError(_("文件大小超过上限（%(limit)s）。"),
                                  params={"limit": filesizeformat(settings.TONGXIN_MAX_UPLOAD_BYTES)})
        return upload


# --- Dictionaries -----------------------------------------------------------------------------------------------


class DictItemForm(ScopedModelForm):
    class Meta:
        model = DictItem
        fields = ["code", "label", "label_en", "parent", "sort", "is_active"]
        help_texts = {"code": _("代码创建后不能修改，业务记录保存的是代码")}

    def __init__(self, *args, dict_type=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dict_type = dict_type or self.instance.dict_type
        if self.instance.pk:
            del self.fields["code"]
        if self.dict_type.hierarchical:
            parents = DictItem.objects.filter(dict_type=self.dict_type, parent__isnull=True)
            if self.instance.pk:
                parents = parents.exclude(pk=self.instance.pk)
            self.fields["parent"].queryset = parents
            self.fields["parent"].label_from_instance = lambda item: f"{item.code} {item.label}"
        else:
            del self.fields["parent"]

    def _post_clean(self):
        """Uniqueness and the stable code are the service's rules, checked when saving."""

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"dict_type": self.dict_type, "item": self.instance if self.instance.pk else None,
                "code": data.get("code", ""), "label": data["label"], "label_en": data.get("label_en", ""),
                "parent": data.get("parent"), "sort": data.get("sort") or 0, "is_active": data.get("is_active", False)}


# --- Own account ------------------------------------------------------------------------------------------------


class OwnPasswordForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("当前密码")
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("确认新密码")
        style_fields(self)


class TotpConfirmForm(forms.Form):
    token = forms.CharField(label=_("动态口令"), max_length=8, help_text=_("输入验证器应用中显示的 6 位数字"),
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "class": "form-control", "autofocus": True}))


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(label=_("当前密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password",
                                                                 "class": "form-control"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("密码不正确。"))
        return password
