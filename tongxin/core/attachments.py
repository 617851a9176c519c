"""Photos and files attached to records of any area.

A model opts in with `has_attachments = True`; its detail page then shows the attachments card
(`{% load attachments %}{% attachments_card object %}`, included by core/object_detail.html). An attachment carries
its record's region, so the data scope applies to it; uploading and deleting need the permission to change the
record, downloading the permission to view it, and the record must lie in the user's scope. Files are checked by
extension, content and size (tongxin.core.files) and stored under a random name.
"""

from __future__ import annotations

import hashlib

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete
from django.http import Http404
from django.utils.translation import gettext as _

from tongxin.core import audit, files
from tongxin.core.models import Attachment, AuditEntry

MAX_TITLE = 200


def enabled(model) -> bool:
    return bool(getattr(model, "has_attachments", False))


def region_code_of(obj) -> str:
    """The region code of a scoped record, following its `scope_field` (e.g. "activity__region_id")."""
    value = obj
    for part in obj.scope_field.split("__"):
        value = getattr(value, part)
    if hasattr(value, "pk"):
        value = value.pk
    return value


def parent_label(obj) -> str:
    opts = obj._meta
    return f"{opts.app_label}.{opts.model_name}"


def parent_model(label: str):
    """The model named "app_label.model_name", if it accepts attachments; else 404."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404 from None
    if not enabled(model):
        raise Http404
    return model


def attachments_for(obj):
    return Attachment.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk) \
        .select_related("uploaded_by")


def parent_of(attachment: Attachment):
    model = attachment.content_type.model_class()
    return model._default_manager.filter(pk=attachment.object_id).first() if model else None


@transaction.atomic
def attach(obj, upload, *, user, title: str = "") -> Attachment:
    """Store `upload` against `obj`; a photo when it is an image, else a file. Raises ValidationError."""
    if not enabled(type(obj)):
        raise ValidationError(_("此类记录不能上传附件"))
    if len(title) > MAX_TITLE:
        raise ValidationError({"title": _("标题不能超过 %(n)s 个字") % {"n": MAX_TITLE}})
    extension = files.check_upload(upload, field="file")
    original = upload.name.rsplit("/", 1)[-1][:255]
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    files.random_name(upload, extension)
    return Attachment.objects.create(
        region_id=region_code_of(obj), content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk, kind=Attachment.PHOTO if files.is_image(original) else Attachment.FILE,
        title=title.strip(), original_name=original, file=upload, size=upload.size,
        sha256=digest.hexdigest(), uploaded_by=user if getattr(user, "is_authenticated", False) else None)


@transaction.atomic
def remove(attachment: Attachment, *, user) -> None:
    stored = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: stored.delete(save=False))


def log_download(attachment: Attachment, *, user) -> None:
    audit.log(AuditEntry.EXPORT, attachment, user=user, region_code=attachment.region_id,
              message=_("下载附件“%(name)s”") % {"name": attachment.original_name})


def _delete_with_parent(sender, instance, **kwargs):
    """A record's attachments go when the record goes (their files after the commit)."""
    if not enabled(sender) or instance.pk is None:
        return
    for attachment in attachments_for(instance):
        remove(attachment, user=None)


post_delete.connect(_delete_with_parent, dispatch_uid="core.attachments.delete_with_parent")
