"""Who may use the members' portal: a signed-in user linked to a person record (`Person.user`).

Portal pages show only that person's own data; the region scope of staff users plays no part here. A signed-in
user without a linked person (a staff account, say) gets a page that says so, never another person's data: 403 on
the portal's own pages, 404 on pages about a record, like any record the user may not see.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.translation import gettext as _

from tongxin.people.models import Person


def member_person(user) -> Person | None:
    """The person record linked to `user`, or None (anonymous, no link, or the record was erased)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (Person.objects.filter(user=user, is_erased=False)
            .select_related("region", "employer").first())


def member_required(view):
    """Sign in (back to this page afterwards), then be a member; the view gets `request.person`."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        person = member_person(request.user)
        if person is None:
            return render(request, "portal/not_member.html", {"title": _("成员移动端")},
                          status=404 if kwargs else 403)
        request.person = person
        return view(request, *args, **kwargs)

    return wrapper
