"""Upload, download and delete attachments. The record an attachment belongs to is looked up through the user's
scope with the permission the action needs, so a record of another region is a 404 here as everywhere."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tongxin.core import attachments, files
from tongxin.core.exports import attachment_headers
from tongxin.core.generic import error_text
from tongxin.core.models import Attachment


def _parent_in_scope(user, model, pk, action: str):
    opts = model._meta
    if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
        raise Http404
    return get_object_or_404(model._default_manager.all().restrict(user, action), pk=pk)


def _attachment_in_scope(user, pk, action: str):
    attachment = get_object_or_404(Attachment.objects.select_related("content_type").restrict(user, "view"), pk=pk)
    model = attachment.content_type.model_class()
    if model is None or not attachments.enabled(model):
        raise Http404
    parent = _parent_in_scope(user, model, attachment.object_id, action)
    return attachment, parent


def _back(parent) -> str:
    return parent.get_absolute_url() + "#attachments"


@login_required
@require_POST
def upload(request, label: str, pk: int):
    parent = _parent_in_scope(request.user, attachments.parent_model(label), pk, "change")
    uploads = request.FILES.getlist("file")
    if not uploads:
        messages.error(request, _("请选择要上传的文件"))
        return redirect(_back(parent))
    saved = 0
    for upload in uploads:
        try:
            attachments.attach(parent, upload, user=request.user, title=request.POST.get("title", ""))
        except ValidationError as exc:
            messages.error(request, f"{upload.name}：{error_text(exc)}")
        else:
            saved += 1
    if saved:
        messages.success(request, _("已上传 %(n)s 个文件。") % {"n": saved})
    return redirect(_back(parent))


@login_required
@require_GET
def download(request, pk: int):
    attachment, _parent = _attachment_in_scope(request.user, pk, "view")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=files.content_type_of(attachment.original_name))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if attachment.is_photo and request.GET.get("inline") == "1":
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(attachment.original_name)}"
        return response
    attachments.log_download(attachment, user=request.user)
    return attachment_headers(response, attachment.original_name)


@login_required
@require_POST
def delete(request, pk: int):
    attachment, parent = _attachment_in_scope(request.user, pk, "change")
    attachments.remove(attachment, user=request.user)
    messages.success(request, _("已删除附件“%(name)s”。") % {"name": attachment.original_name})
    return redirect(_back(parent))
