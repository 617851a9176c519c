"""Sections this app adds to other pages through `tongxin.core.related`: a person's memberships, offices and
teams."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongxin.core import related
from tongxin.orgs import tables
from tongxin.orgs.models import Membership, OfficerTerm, Team
from tongxin.people.models import Person


def _memberships_of(person, user):
    return (Membership.objects.restrict(user).filter(person=person).select_related("association")
            .order_by("-joined_on", "-id"))


def _offices_of(person, user):
    return (OfficerTerm.objects.restrict(user).filter(person=person).select_related("association")
            .order_by("-started_on", "-id"))


def _teams_of(person, user):
    return (Team.objects.restrict(user).filter(Q(members=person) | Q(leader=person)).distinct()
            .select_related("leader").order_by("-founded_on", "-id"))


related.register(Person, _("所在组织"), _memberships_of, tables.PERSON_MEMBERSHIP_COLUMNS,
                 perm="orgs.view_membership", order=20)
related.register(Person, _("组织任职"), _offices_of, tables.PERSON_OFFICER_COLUMNS, perm="orgs.view_officerterm",
                 order=21)
related.register(Person, _("所在工作队伍"), _teams_of, tables.PERSON_TEAM_COLUMNS, perm="orgs.view_team", order=22)
