"""Sections this app adds to other records' pages through `tongxin.core.related`: the sites an association or a
team is based at."""

from django.utils.translation import gettext_lazy as _

from tongxin.core import related
from tongxin.orgs.models import Association, Team
from tongxin.sites import tables
from tongxin.sites.models import Site


def _sites_of_association(association, user):
    return Site.objects.restrict(user).filter(associations=association).order_by("name")


def _sites_of_team(team, user):
    return Site.objects.restrict(user).filter(teams=team).order_by("name")


related.register(Association, _("所在阵地"), _sites_of_association, tables.ASSOCIATION_SITE_COLUMNS,
                 perm="sites.view_site", order=60)
related.register(Team, _("所在阵地"), _sites_of_team, tables.ASSOCIATION_SITE_COLUMNS, perm="sites.view_site",
                 order=60)
