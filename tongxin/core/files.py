"""Checks for uploaded files: the extension must be an accepted type, the content must match it (magic bytes),
and the size must be within the limit. Stored names are random; the original name is kept in the record."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
# extension → (accepted leading bytes, content type, is an image shown inline)
FILE_TYPES: dict[str, tuple[tuple[bytes, ...], str, bool]] = {
    ".pdf": ((b"%PDF",), "application/pdf", False),
    ".doc": ((OLE,), "application/msword", False),
    ".docx": ((ZIP,), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    ".xls": ((OLE,), "application/vnd.ms-excel", False),
    ".xlsx": ((ZIP,), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    ".pptx": ((ZIP,), "application/vnd.openxmlformats-officedocument.presentationml.presentation", False),
    ".jpg": ((b"\xff\xd8\xff",), "image/jpeg", True),
    ".jpeg": ((b"\xff\xd8\xff",), "image/jpeg", True),
    ".png": ((b"\x89PNG\r\n\x1a\n",), "image/png", True),
    ".gif": ((b"GIF87a", b"GIF89a"), "image/gif", True),
    ".webp": ((b"RIFF",), "image/webp", True),
}


def extension_of(name: str) -> str:
    return os.path.splitext(os.path.basename(name or ""))[1].lower()


def content_type_of(name: str) -> str:
    return FILE_TYPES.get(extension_of(name), ((), "application/octet-stream", False))[1]


def is_image(name: str) -> bool:
    return FILE_TYPES.get(extension_of(name), ((), "", False))[2]


def check_upload(upload, *, allowed=None, field: str = "file", max_bytes: int | None = None) -> str:
    """Refuse an upload that is empty, too large, not of an accepted type, or whose content does not match its
    extension (a renamed executable, a zip posing as a picture). Returns the lower-case extension."""
    allowed = tuple(allowed or FILE_TYPES)
    max_bytes = max_bytes or settings.TONGXIN_MAX_UPLOAD_BYTES
    name = os.path.basename(getattr(upload, "name", "") or "")
    extension = extension_of(name)
    if extension not in allowed:
        raise ValidationError({field: _("只能上传以下格式的文件：%(types)s；“%(name)s”不是这些格式") % {
            "types": "、".join(allowed), "name": name}})
    if upload.size > max_bytes:
        raise ValidationError({field: _("文件不能超过 %(limit)s") % {"limit": filesizeformat(max_bytes)}})
    if upload.size == 0:
        raise ValidationError({field: _("文件是空的")})
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(16)
    upload.seek(position)
    magics = FILE_TYPES[extension][0]
    if not any(head.startswith(magic) for magic in magics) or (extension == ".webp" and head[8:12] != b"WEBP"):
        raise ValidationError({field: _("“%(name)s”的内容与扩展名不符，请上传原始文件") % {"name": name}})
    return extension


def random_name(upload, extension: str) -> str:
    """Give the upload a random stored name (never the user's, which may be guessable or carry a path)."""
    upload.name = f"{uuid.uuid4().hex}{extension}"
    return upload.name
