"""The one data-scope mechanism: a record is visible to a user when its region code starts with the user's scope.

Every scoped model's manager has `restrict(user)`; every view and API endpoint gets its queryset through it
(`ScopedViewMixin`, `tongxin.api.viewsets.ScopedModelViewSet`). Out-of-scope objects are simply not in the
queryset, so they answer 404, never 403.
"""

from django.db import models
from django.db.models.lookups import StartsWith

NOTHING = None

# Scoped records point at Region by its code (to_field), so the region prefix is a LIKE 'code%' on the record's own
# indexed column — no join. Django does not offer startswith on a foreign key by default.
if "startswith" not in models.ForeignKey.get_class_lookups():
    models.ForeignKey.register_lookup(StartsWith)


def scope_prefix(user) -> str | None:
    """The region prefix a user may see; "" means everything; None means nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    code = getattr(user, "scope_region_id", None)
    if code:
        return code
    if user.is_superuser:
        return ""
    return NOTHING


def in_scope(user, region_code: str | None) -> bool:
    prefix = scope_prefix(user)
    if prefix is None or region_code is None:
        return False
    return region_code.startswith(prefix)


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """Rows of this queryset inside `user`'s region scope.

        `action` is kept for symmetry with permissions (NetBox's restrict(user, action)); scope is the same for
        every action, the permission check is the view's.
        """
        prefix = scope_prefix(user)
        if prefix is None:
            return self.none()
        if prefix == "":
            return self
        return self.filter(**{f"{self.model.scope_field}__startswith": prefix})

    def in_region(self, prefix: str):
        if not prefix:
            return self
        return self.filter(**{f"{self.model.scope_field}__startswith": prefix})


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass
