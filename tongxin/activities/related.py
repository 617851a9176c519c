"""Sections this app adds to other records' pages through `tongxin.core.related`: a person's attendances and
points, an association's and a team's activities, an enterprise's services."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tongxin.activities import tables
from tongxin.activities.models import Activity, Attendance, PointEntry
from tongxin.activities.selectors import with_type_name
from tongxin.core import related
from tongxin.orgs.models import Association, Team
from tongxin.people.models import Organization, Person


def _attendances_of(person, user):
    return (Attendance.objects.restrict(user).filter(person=person).select_related("activity")
            .order_by("-checked_in_at", "-id"))


def _points_of(person, user):
    return PointEntry.objects.restrict(user).filter(person=person).order_by("-at", "-id")


def _points_actions(person, user):
    if person.is_erased:
        return []
    return [{"label": _("积分台账"), "url": reverse("activities:person_points", args=[person.pk]), "icon": "coin"}]


def _activities(user, **condition):
    return with_type_name(Activity.objects.restrict(user).filter(**condition).select_related("region")
                          .order_by("-starts_at", "-id"))


def _activities_of_association(association, user):
    return _activities(user, associations=association)


def _activities_of_team(team, user):
    return _activities(user, teams=team)


def _activities_serving(organization, user):
    return _activities(user, enterprises=organization)


def _add_activity(association, user):
    if not user.has_perm("activities.add_activity"):
        return []
    return [{"label": _("新增活动"), "url": reverse("activities:activity_add"), "icon": "plus"}]


related.register(Person, _("参加活动"), _attendances_of, tables.PERSON_ATTENDANCE_COLUMNS,
                 perm="activities.view_attendance", order=40)
related.register(Person, _("积分"), _points_of, tables.PERSON_POINT_COLUMNS, perm="activities.view_pointentry",
                 order=41, actions=_points_actions)
related.register(Association, _("组织的活动"), _activities_of_association, tables.ASSOCIATION_ACTIVITY_COLUMNS,
                 perm="activities.view_activity", order=40, actions=_add_activity)
related.register(Team, _("参与的活动"), _activities_of_team, tables.ASSOCIATION_ACTIVITY_COLUMNS,
                 perm="activities.view_activity", order=40)
related.register(Organization, _("服务该企业的活动"), _activities_serving, tables.ASSOCIATION_ACTIVITY_COLUMNS,
                 perm="activities.view_activity", order=40)
