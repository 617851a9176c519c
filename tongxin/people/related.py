"""Sections this app adds to other pages through `tongxin.core.related`: an organization's persons."""

from django.utils.translation import gettext_lazy as _

from tongxin.core import related
from tongxin.people import tables
from tongxin.people.models import Organization, Person


def _persons_of(organization, user):
    return (Person.objects.restrict(user).visible().filter(employer=organization)
            .select_related("region").order_by("name_pinyin", "id"))


related.register(Organization, _("本单位人士"), _persons_of, tables.EMPLOYEE_COLUMNS, perm="people.view_person",
                 order=10)
