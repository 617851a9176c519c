"""The person import page's commit (core.generic.ObjectJobImportView): a small file is imported at once in the
request, a larger one waits as a queued background job with its upload kept for the worker."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongxin.core import jobs, validators
from tongxin.core.models import Job
from tongxin.people import exporting
from tongxin.people.models import Person

from .conftest import COUNTY_A

LEDGER = ("姓名,身份证号,手机号码,人士类别\n"
          f"张三,{validators.make_id_number('510903', datetime.date(1980, 1, 1), 1, 'M')},13800001111,1\n"
          "王五,,,1\n")


@pytest.fixture(autouse=True)
def _media_and_worker(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TONGXIN_JOBS_INLINE = False  # as in production: jobs.enqueue only queues; the view decides


def preview_and_commit(client):
    response = client.post(reverse("people:person_import"), {
        "file": SimpleUploadedFile("台账.csv", LEDGER.encode("utf-8"), content_type="text/csv"),
        "region": COUNTY_A, "mode": "all"})
    assert response.status_code == 200 and response.context["result"].created == 2
    path = client.session["people_import"]["path"]
    response = client.post(reverse("people:person_import"), {"step": "commit", "mode": "all"})
    job = Job.objects.get(kind="people_import")
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert "people_import" not in client.session
    return job, path


def test_small_file_is_imported_at_once(staff_client, regions):
    job, path = preview_and_commit(staff_client)
    assert job.status == Job.SUCCEEDED and job.result["新增"] == 2
    assert set(Person.objects.values_list("name", flat=True)) == {"张三", "王五"}
    assert not default_storage.exists(path)  # the job removed the upload


def test_file_over_the_inline_limit_waits_as_a_queued_job(staff_client, regions, monkeypatch):
    monkeypatch.setattr(exporting, "IMPORT_INLINE_MAX_BYTES", len(LEDGER.encode("utf-8")) - 1)
    job, path = preview_and_commit(staff_client)
    assert job.status == Job.QUEUED
    assert job.params["path"] == path and job.params["region"] == COUNTY_A and job.params["skip_invalid"] is False
    assert default_storage.exists(path)  # kept for the worker
    assert Person.objects.count() == 0

    jobs.run_job(job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED and job.result["新增"] == 2
    assert Person.objects.count() == 2 and not default_storage.exists(path)
