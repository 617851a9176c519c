"""Attachments: upload checks, the data scope and permissions on every attachment URL, download audit, deletion."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from tongxin.core import attachments
from tongxin.core.models import Attachment, AuditEntry
from tongxin.core.scope_samples import PNG

COUNTY_A, COUNTY_B = "510903", "510904"


@pytest.fixture(autouse=True)
def _seeded(db):
    from tongxin.core.services import ensure_roles, seed_dictionaries

    ensure_roles()
    seed_dictionaries()


@pytest.fixture
def association(regions):
    from tongxin.orgs.scope_samples import association

    return association(COUNTY_A, "船山区新联会")


def _upload(client, obj, name="活动合影.png", content=PNG, **extra):
    url = reverse("core:attachment_add", args=["orgs.association", obj.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content), **extra})


def test_staff_uploads_a_photo_and_sees_it_on_the_page(staff_client, association):
    response = _upload(staff_client, association, title="年会合影")
    assert response.status_code == 302 and response["Location"].endswith("#attachments")
    photo = Attachment.objects.get()
    assert (photo.kind, photo.title, photo.original_name, photo.region_id) == ("photo", "年会合影", "活动合影.png",
                                                                               COUNTY_A)
    assert photo.file.name.endswith(".png") and "活动合影" not in photo.file.name  # a random stored name
    page = staff_client.get(association.get_absolute_url())
    assert "年会合影" in page.content.decode()
    inline = staff_client.get(reverse("core:attachment_download", args=[photo.pk]) + "?inline=1")
    assert inline.status_code == 200 and inline["Content-Type"] == "image/png"
    assert inline["Content-Disposition"].startswith("inline")


def test_a_pdf_is_a_file_and_its_download_is_audited(staff_client, association):
    _upload(staff_client, association, name="换届请示.pdf", content=b"%PDF-1.4\n%%EOF\n")
    document = Attachment.objects.get()
    assert document.kind == "file"
    response = staff_client.get(reverse("core:attachment_download", args=[document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action=AuditEntry.EXPORT, message__contains="换届请示.pdf").exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("脚本.exe", b"MZ\x90\x00", "不是这些格式"),
    ("伪装.png", b"PK\x03\x04zipbomb", "内容与扩展名不符"),
    ("空.pdf", b"", "文件是空的"),
])
def test_bad_files_are_refused_with_a_chinese_message(staff_client, association, name, content, message):
    response = _upload(staff_client, association, name=name, content=content)
    assert not Attachment.objects.exists()
    text = response.wsgi_request._messages._queued_messages[0].message
    assert name in text and message in text


def test_files_over_the_limit_are_refused(staff_client, association):
    with override_settings(TONGXIN_MAX_UPLOAD_BYTES=10):
        _upload(staff_client, association)
    assert not Attachment.objects.exists()


def test_another_county_gets_404_on_every_attachment_url(client, other_staff_user, staff_user, association):
    photo = attachments.attach(association, SimpleUploadedFile("a.png", PNG), user=staff_user)
    client.force_login(other_staff_user)
    assert _upload(client, association).status_code == 404
    assert client.get(reverse("core:attachment_download", args=[photo.pk])).status_code == 404
    assert client.post(reverse("core:attachment_delete", args=[photo.pk])).status_code == 404
    assert Attachment.objects.count() == 1


def test_a_viewer_can_download_but_not_upload_or_delete(client, make_user, staff_user, association):
    photo = attachments.attach(association, SimpleUploadedFile("a.png", PNG), user=staff_user)
    client.force_login(make_user("leader", COUNTY_A))
    assert client.get(reverse("core:attachment_download", args=[photo.pk])).status_code == 200
    assert _upload(client, association).status_code == 404
    assert client.post(reverse("core:attachment_delete", args=[photo.pk])).status_code == 404
    assert Attachment.objects.count() == 1


def test_models_without_attachments_are_refused(staff_client, staff_user):
    url = reverse("core:attachment_add", args=["core.user", staff_user.pk])
    assert staff_client.post(url, {"file": SimpleUploadedFile("a.png", PNG)}).status_code == 404


def test_delete_removes_the_record_and_the_file_and_goes_with_its_record(staff_client, staff_user, association,
                                                                         django_capture_on_commit_callbacks):
    photo = attachments.attach(association, SimpleUploadedFile("a.png", PNG), user=staff_user)
    storage, name = photo.file.storage, photo.file.name
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("core:attachment_delete", args=[photo.pk]))
    assert not Attachment.objects.exists() and not storage.exists(name)
    attachments.attach(association, SimpleUploadedFile("b.png", PNG), user=staff_user)
    association.delete()
    assert not Attachment.objects.exists()
