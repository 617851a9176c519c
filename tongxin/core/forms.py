from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from tongxin.core.models import Region
from tongxin.core.scope import scope_prefix


class RemoteSelect(forms.Select):
    """A select that renders only the chosen option; Tom Select loads the rest from a search URL."""

    def __init__(self, url, attrs=None):
        super().__init__(attrs)
        self.url = url

    def get_context(self, name, value, attrs):
        attrs = dict(attrs or {})
        attrs["data-remote"] = str(self.url)
        attrs["data-tomselect"] = "remote"
        return super().get_context(name, value, attrs)

    def optgroups(self, name, value, attrs=None):
        selected = {str(v) for v in value if v not in (None, "")}
        groups = []
        if not selected:
            groups.append((None, [self.create_option(name, "", "---------", False, 0)], 0))
            return groups
        queryset = self.choices.queryset.filter(**{f"{self.choices.field.to_field_name or 'pk'}__in": selected})
        for index, obj in enumerate(queryset):
            key = getattr(obj, self.choices.field.to_field_name or "pk")
            groups.append((None, [self.create_option(name, key, self.choices.field.label_from_instance(obj),
                                                     True, index)], index))
        return groups


class RegionField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Region.objects.filter(is_active=True))
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", RemoteSelect(reverse_lazy("core:region_search")))
        kwargs.setdefault("label", _("所属区划"))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.name}（{obj.official_code}）"


def style_fields(fields, user=None, *, restrict: bool = True) -> None:
    """The one place form and filter fields get their Tabler classes, ISO date inputs and — for querysets of
    scoped models — the user's region scope."""
    prefix = scope_prefix(user)
    for field in fields.values():
        queryset = getattr(field, "queryset", None)
        if restrict and queryset is not None and hasattr(queryset, "restrict"):
            field.queryset = queryset.restrict(user) if prefix is not None else queryset.none()
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"


class ScopedModelForm(forms.ModelForm):
    """A model form that only offers regions (and scoped related records) inside the user's scope."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        style_fields(self.fields, user)


class LoginForm(AuthenticationForm):
    otp_token = forms.CharField(
        label=_("动态口令"), required=False, max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "form-control"}),
        help_text=_("已绑定动态口令的账号须填写"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"class": "form-control", "autofocus": True})
        self.fields["password"].widget.attrs.update({"class": "form-control"})

    def confirm_login_allowed(self, user):
        """A confirmed TOTP device makes the one-time code required; a wrong code counts as a failed login, so
        django-axes locks the account after repeated guesses as it does for passwords."""
        super().confirm_login_allowed(user)
        from django_otp import devices_for_user

        devices = list(devices_for_user(user, confirmed=True))
        if not devices:
            return
        token = (self.cleaned_data.get("otp_token") or "").strip()
        for device in devices:
            if token and device.verify_token(token):
                self.otp_device = device
                return
        user_login_failed.send(sender=__name__, credentials={"username": self.cleaned_data.get("username")},
                               request=self.request)
        raise forms.ValidationError(_("动态口令不正确或已过期。"), code="invalid_otp")
