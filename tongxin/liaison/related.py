"""Sections this app adds to the person page through `tongxin.core.related`: pairings, contacts and cases, with
"记录联系" / "登记诉求" buttons for the person when the registry supports section actions."""

import inspect

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tongxin.core import related
from tongxin.liaison import tables
from tongxin.liaison.models import Case, Contact, PairingMember
from tongxin.people.models import Person


def _pairings_of(person, user):
    return (PairingMember.objects.restrict(user).filter(person=person)
            .select_related("pairing", "pairing__leader_user", "pairing__leader_person")
            .order_by("-added_on", "-id"))


def _contacts_of(person, user):
    return (Contact.objects.restrict(user).filter(links__person=person)
            .select_related("by_user", "by_person").order_by("-contacted_on", "-id"))


def _cases_of(person, user):
    return Case.objects.restrict(user).filter(raised_by_person=person).select_related("region") \
        .order_by("-opened_on", "-id")


def _action(perm: str, url_name: str, label, icon: str):
    def actions(person, user):
        if person.is_erased or not user.has_perm(perm):
            return []
        return [{"label": label, "url": f"{reverse(url_name)}?person={person.pk}", "icon": icon}]

    return actions


def _register(title, queryset, columns, *, perm, order, actions=None):
    extra = {"actions": actions} if actions and "actions" in inspect.signature(related.register).parameters else {}
    related.register(Person, title, queryset, columns, perm=perm, order=order, **extra)


_register(_("结对联系"), _pairings_of, tables.PERSON_PAIRING_COLUMNS, perm="liaison.view_pairing", order=30)
_register(_("联系记录"), _contacts_of, tables.PERSON_CONTACT_COLUMNS, perm="liaison.view_contact", order=31,
          actions=_action("liaison.add_contact", "liaison:contact_add", _("记录联系"), "message-circle"))
_register(_("反映诉求"), _cases_of, tables.PERSON_CASE_COLUMNS, perm="liaison.view_case", order=32,
          actions=_action("liaison.add_case", "liaison:case_add", _("登记诉求"), "plus"))
