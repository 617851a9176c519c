"""Forms of liaison work. Pickers of persons load from the registry's search (Tom Select remote); every queryset
is restricted to the user's scope by `ScopedModelForm`; the rules themselves are in `services`."""

import os

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.forms import RegionField, RemoteSelect, ScopedModelForm
from tongxin.core.models import User
from tongxin.core.scope import scope_prefix
from tongxin.liaison.models import (
    Case,
    CaseStatus,
    Channel,
    Contact,
    Feedback,
    Pairing,
    RaiserKind,
)
from tongxin.people.models import Person

PERSON_SEARCH = reverse_lazy("people:person_search")


class RemoteSelectMultiple(RemoteSelect, forms.SelectMultiple):
    """Several records picked through a remote search; only the chosen ones are rendered."""


class PersonChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Person.objects.filter(is_erased=False))
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
        return PersonChoiceField.label_from_instance(self, obj)


class UserChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.filter(is_active=True).order_by("display_name", "username"))
        super().__init__(**kwargs)
        self.widget.attrs["data-tomselect"] = "local"

    def label_from_instance(self, obj):
        return f"{obj}（{obj.title}）" if obj.title else str(obj)


def _iso_dates(form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.DateInput):
            field.widget.input_type = "date"
            field.widget.format = "%Y-%m-%d"


def _not_future(value, label):
    if value and value > timezone.localdate():
        raise ValidationError(_("%(label)s不能晚于今天") % {"label": label})
    return value


def _user_scope_region(user):
    return getattr(user, "scope_region_id", None) or None


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
        _iso_dates(self)


class _Restyled:
    """Radio buttons and checkboxes keep Bootstrap's check classes (ScopedModelForm gives them form-control)."""

    def restyle(self):
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"


# --- Pairings --------------------------------------------------------------------------------------------------


class PairingForm(_Restyled, ScopedModelForm):
    leader_user = UserChoiceField(label=_("结对领导（系统用户）"), required=False,
                                  help_text=_("领导有系统账号时选择"))
    leader_person = PersonChoiceField(label=_("结对领导（人士库）"), required=False,
                                      help_text=_("领导没有系统账号时，从人士库中选择；二者选一"))
    region = RegionField(label=_("所属区划"), help_text=_("领导所在单位的区划，县级领导选区县"))
    persons = PersonsField(label=_("结对人士"), help_text=_("“1+N”：可选多名代表人士，输入姓名、拼音或手机号搜索"))

    class Meta:
        model = Pairing
        fields = ["leader_user", "leader_person", "leader_title", "leader_level", "region", "started_on",
                  "contact_interval_days", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pairing = self.instance
        if pairing.pk:
            self.initial["persons"] = list(pairing.members.filter(removed_on__isnull=True)
                                           .values_list("person_id", flat=True))
        elif _user_scope_region(self.user) and not self.initial.get("region"):
            self.initial["region"] = _user_scope_region(self.user)
        self.fields["leader_title"].widget.attrs["placeholder"] = _("如：区委常委、统战部部长")
        _iso_dates(self)
        self.restyle()


class EndPairingForm(_Styled):
    ended_on = forms.DateField(label=_("结束日期"), initial=timezone.localdate)
    reason = forms.CharField(label=_("结束原因"), max_length=200, required=False,
                             help_text=_("如“领导职务调整”“重新安排结对”"))


# --- Contacts --------------------------------------------------------------------------------------------------


class ContactForm(_Restyled, ScopedModelForm):
    """The quick form: whom, when, how, what; the rest folds away."""

    persons = PersonsField(label=_("联系对象"), help_text=_("输入姓名、拼音首字母或手机号搜索，可选多人"))
    channel = forms.ChoiceField(label=_("联系方式"), choices=Channel.choices, widget=forms.RadioSelect,
                                initial=Channel.FACE)
    by_user = UserChoiceField(label=_("联系人"), required=False, help_text=_("默认为本人；代领导记录时选择领导"))
    by_person = PersonChoiceField(label=_("联系人（系统外领导）"), required=False,
                                  help_text=_("联系人没有系统账号时，从人士库中选择"))

    class Meta:
        model = Contact
        fields = ["contacted_on", "channel", "topic", "content", "follow_up_needed", "follow_up_note",
                  "by_user", "by_person"]
        widgets = {"content": forms.Textarea(attrs={"rows": 3}),
                   "topic": forms.TextInput(attrs={"placeholder": _("如：走访企业，了解用工情况")})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        contact = self.instance
        if contact.pk:
            self.initial["persons"] = list(contact.links.values_list("person_id", flat=True))
        else:
            self.initial.setdefault("contacted_on", timezone.localdate())
            if self.user is not None and self.user.is_authenticated:
                self.initial.setdefault("by_user", self.user.pk)
        _iso_dates(self)
        self.fields["contacted_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.restyle()

    def clean(self):
        data = super().clean()
        if data.get("by_person"):
            data["by_user"] = None
        elif not data.get("by_user") and self.user is not None and self.user.is_authenticated:
            data["by_user"] = self.user
        return data


class FollowUpForm(_Styled):
    done_on = forms.DateField(label=_("完成日期"), initial=timezone.localdate)
    note = forms.CharField(label=_("跟进情况"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean_done_on(self):
        return _not_future(self.cleaned_data.get("done_on"), _("完成日期"))


# --- Cases -----------------------------------------------------------------------------------------------------


def association_model():
    try:
        return apps.get_model("orgs", "Association")
    except LookupError:
        return None


class AssociationChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        model = association_model()
        kwargs.setdefault("queryset", model.objects.all() if model is not None else Case.objects.none())
        super().__init__(**kwargs)
        self.widget.attrs["data-tomselect"] = "local"


class CaseForm(_Restyled, ScopedModelForm):
    raiser_kind = forms.ChoiceField(label=_("反映方"), choices=RaiserKind.choices, widget=forms.RadioSelect,
                                    initial=RaiserKind.PERSON)
    raised_by_person = PersonChoiceField(label=_("反映人"), required=False)
    raised_by_association = AssociationChoiceField(label=_("反映组织"), required=False)
    region = RegionField(label=_("社区（村）"), required=False,
                         help_text=_("反映方为社区时必选；人士或组织反映的诉求归入其所在区划"))
    taken_by = UserChoiceField(label=_("承办人"), required=False)

    class Meta:
        model = Case
        fields = ["raiser_kind", "raised_by_person", "raised_by_association", "region", "title", "category",
                  "description", "taken_by", "opened_on", "deadline"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("opened_on", timezone.localdate())
            if self.user is not None and self.user.is_authenticated:
                self.initial.setdefault("taken_by", self.user.pk)
        else:
            self.fields["raiser_kind"].initial = self.instance.raiser_kind
        if association_model() is None:
            del self.fields["raised_by_association"]
            self.fields["raiser_kind"].choices = [c for c in RaiserKind.choices if c[0] != RaiserKind.ASSOCIATION]
        _iso_dates(self)
        self.restyle()

    def clean(self):
        """The raiser decides the region (services); only a community's case needs one chosen here."""
        data = super().clean()
        kind = data.get("raiser_kind")
        source = {RaiserKind.PERSON: data.get("raised_by_person"),
                  RaiserKind.ASSOCIATION: data.get("raised_by_association")}.get(kind)
        if source is not None:
            data["region"] = source.region
        elif kind == RaiserKind.PERSON:
            self.add_error("raised_by_person", _("反映方为人士时，请选择反映人"))
        elif kind == RaiserKind.ASSOCIATION:
            self.add_error("raised_by_association", _("反映方为组织时，请选择反映组织"))
        elif kind == RaiserKind.COMMUNITY and not data.get("region"):
            self.add_error("region", _("反映方为社区时，请选择社区（村）"))
        return data


class CaseStatusForm(_Styled):
    status = forms.ChoiceField(label=_("新状态"), choices=CaseStatus.choices, widget=forms.HiddenInput)
    on = forms.DateField(label=_("日期"), initial=timezone.localdate)
    resolution = forms.CharField(label=_("办理结果"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("办结时必填：做了什么，问题怎样解决的"))
    note = forms.CharField(label=_("说明"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CaseNoteForm(_Styled):
    noted_on = forms.DateField(label=_("日期"), initial=timezone.localdate)
    text = forms.CharField(label=_("办理进展"), widget=forms.Textarea(attrs={"rows": 3}))


class FeedbackForm(_Styled):
    feedback = forms.ChoiceField(label=_("反映方评价"), choices=Feedback.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("评价说明"), required=False, max_length=300)


# --- Import ----------------------------------------------------------------------------------------------------


class ImportForm(_Styled):
    file = forms.FileField(label=_("联系记录文件"), help_text=_("支持 .xlsx、.xls、.csv；列名见下表"))
    region = RegionField(label=_("导入范围"), help_text=_("被联系人须在此区划范围内"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = self.fields["region"].queryset.restrict(user)
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
