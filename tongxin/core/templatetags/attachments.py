from django import template
from django.urls import reverse

from tongxin.core import attachments as service

register = template.Library()


@register.inclusion_tag("core/_attachments.html", takes_context=True)
def attachments_card(context, obj):
    """The photos and files of `obj`, with upload and delete for users who may change it."""
    user = context["request"].user
    if obj is None or not service.enabled(type(obj)):
        return {"enabled": False}
    opts = obj._meta
    rows = list(service.attachments_for(obj))
    return {
        "enabled": True,
        "csrf_token": context.get("csrf_token"),
        "photos": [a for a in rows if a.is_photo],
        "documents": [a for a in rows if not a.is_photo],
        "can_change": user.has_perm(f"{opts.app_label}.change_{opts.model_name}"),
        "upload_url": reverse("core:attachment_add", args=[service.parent_label(obj), obj.pk]),
    }
