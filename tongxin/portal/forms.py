from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from tongxin.core.fields import EncryptedField
from tongxin.core.forms import style_fields
from tongxin.people.models import Person
from tongxin.voice.models import ProposalChannel, Topic

# Contact details a member keeps up to date themselves; those the registry does not hold (yet) are left out.
CONTACT_FIELDS = ("phone", "email", "address", "wechat")


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": _("一句话概括您的建议")}))
    topic = forms.ChoiceField(label=_("主题"), choices=Topic.choices, initial=Topic.OTHER)
    channel = forms.ChoiceField(label=_("渠道"), choices=ProposalChannel.choices,
                                initial=ProposalChannel.OPINION)
    content = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={
        "rows": 8, "placeholder": _("反映的情况、原因分析和具体建议")}))
    file = forms.FileField(label=_("照片或材料"), required=False,
                           help_text=_("可选：现场照片（jpg、png）或材料（pdf、Word）"),
                           widget=forms.ClearableFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields, restrict=False)


def contact_fields() -> list:
    fields = []
    for name in CONTACT_FIELDS:
        try:
            fields.append(Person._meta.get_field(name))
        except FieldDoesNotExist:
            continue
    return fields


class ContactForm(forms.Form):
    """The member's own contact details. Encrypted values are shown masked and only ever replaced: a blank box
    keeps the stored value."""

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        for field in contact_fields():
            current = getattr(person, field.name) or ""
            if isinstance(field, EncryptedField):
                masked = field.mask(current) if current else ""
                form_field = forms.CharField(
                    label=field.verbose_name, required=False, max_length=40,
                    help_text=(_("当前：%(masked)s；留空表示不修改") % {"masked": masked}) if current
                    else _("尚未登记"),
                    widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel" if field.name ==
                                                  "phone" else "text", "placeholder": masked}))
            else:
                form_field = field.formfield(required=False)
                self.initial[field.name] = current
            self.fields[field.name] = form_field
        style_fields(self.fields, restrict=False)

    def changes(self) -> dict:
        """Field name → new value, for what the member actually changed."""
        changed = {}
        for field in contact_fields():
            value = (self.cleaned_data.get(field.name) or "").strip()
            if isinstance(field, EncryptedField):
                if value and field.normalize(value) != field.normalize(getattr(self.person, field.name) or ""):
                    changed[field.name] = value
            elif value != (getattr(self.person, field.name) or ""):
                changed[field.name] = value
        return changed
