"""Background jobs: outcome, messages, progress, recovery after a dead worker, and one claimant per job."""

import logging
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from tongxin.core import jobs
from tongxin.core.context import current_actor
from tongxin.core.models import Job, User

calls: list[int] = []
calls_lock = threading.Lock()


@jobs.job_handler("test_success")
def _succeed(job, progress):
    progress(50, "进行到一半")
    actor = current_actor()
    job.result_file.save("结果.txt", ContentFile("内容".encode()), save=False)
    return {"n": job.params.get("n", 0) * 2, "source": actor.source,
            "user": getattr(actor.user, "username", None)}


@jobs.job_handler("test_failure")
def _fail(job, progress):
    raise ValueError("第 3 行的数量不对")


@jobs.job_handler("test_user_error")
def _user_error(job, progress):
    raise jobs.JobError("文件不是 Excel 格式")


@jobs.job_handler("test_progress")
def _progress(job, progress):
    progress(30, "第一步")
    first = Job.objects.values_list("progress", "progress_message").get(pk=job.pk)
    progress(60, "第二步")  # within a second of the first: held back
    second = Job.objects.values_list("progress", "progress_message").get(pk=job.pk)
    return {"first": list(first), "second": list(second)}


@jobs.job_handler("test_slow")
def _slow(job, progress):
    with calls_lock:
        calls.append(job.pk)
    time.sleep(0.3)
    return {}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def inline(settings):
    settings.TONGXIN_JOBS_INLINE = True


@pytest.fixture
def queued(settings):
    settings.TONGXIN_JOBS_INLINE = False


@pytest.mark.django_db
def test_inline_job_succeeds_with_result_file_and_actor(inline, media):
    staff_user = User.objects.create_user(username="jobs_staff", password="x")
    job = jobs.enqueue("test_success", title="测试导出", params={"n": 21}, user=staff_user, region_code="510903")
    assert job.status == Job.SUCCEEDED
    assert job.result["n"] == 42
    assert job.result["source"] == "job" and job.result["user"] == staff_user.username
    assert job.progress == 100 and job.attempts == 1 and not job.error
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert job.result_file.name.endswith(".txt")
    with job.result_file.open("rb") as handle:
        assert handle.read().decode() == "内容"


@pytest.mark.django_db
def test_failure_records_a_message_not_a_traceback(inline, caplog):
    with caplog.at_level(logging.ERROR, logger="tongxin.core.jobs"):
        job = jobs.enqueue("test_failure", title="会失败的任务")
    assert job.status == Job.FAILED
    assert "第 3 行的数量不对" in job.error
    assert "Traceback" not in job.error and "File \"" not in job.error
    assert job.finished_at is not None
    assert any(r.exc_info for r in caplog.records), "the traceback goes to the log"


@pytest.mark.django_db
def test_job_error_message_is_shown_as_is(inline):
    job = jobs.enqueue("test_user_error", title="导入")
    assert job.error == "文件不是 Excel 格式"


def test_failure_message_masks_personal_data():
    message = jobs.describe_failure(ValueError("身份证号 510903198001010011 重复"))
    assert "510903198001010011" not in message
    assert message.startswith("处理时出错")


@pytest.mark.django_db
def test_progress_is_written_and_throttled(inline):
    job = jobs.enqueue("test_progress", title="进度")
    assert job.result["first"] == [30, "第一步"]
    assert job.result["second"] == [30, "第一步"]
    assert job.status == Job.SUCCEEDED and job.progress == 100


@pytest.mark.django_db
def test_unknown_kind_is_refused_or_failed(queued):
    with pytest.raises(ValueError):
        jobs.enqueue("no_such_kind", title="x")
    job = Job.objects.create(kind="no_such_kind", title="旧版本留下的任务")
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.FAILED and "未知的任务类型" in job.error


@pytest.mark.django_db
def test_queued_job_waits_for_a_worker(queued, media):
    job = jobs.enqueue("test_success", title="排队", params={"n": 1})
    assert job.status == Job.QUEUED
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED and job.result["n"] == 2
    assert jobs.run_pending() == 0


@pytest.mark.django_db
def test_worker_command_once(queued, media):
    first = jobs.enqueue("test_success", title="一", params={"n": 1})
    second = jobs.enqueue("test_failure", title="二")
    call_command("worker", "--once")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Job.SUCCEEDED and second.status == Job.FAILED


@pytest.mark.django_db
def test_claim_is_exclusive(queued):
    job = jobs.enqueue("test_slow", title="x")
    assert jobs.claim(job.pk, "worker-a") is True
    assert jobs.claim(job.pk, "worker-b") is False
    assert jobs.run_job(job.pk) is None
    job.refresh_from_db()
    assert job.worker == "worker-a" and job.attempts == 1


@pytest.mark.django_db
def test_stale_running_job_is_requeued_then_failed(queued, media):
    old = timezone.now() - timedelta(minutes=30)
    retry = Job.objects.create(kind="test_success", title="重试", status=Job.RUNNING, attempts=1,
                               started_at=old, heartbeat_at=old, worker="gone:1:1")
    exhausted = Job.objects.create(kind="test_success", title="放弃", status=Job.RUNNING,
                                   attempts=jobs.MAX_ATTEMPTS, started_at=old, heartbeat_at=old, worker="gone:2:1")
    fresh = Job.objects.create(kind="test_success", title="正在执行", status=Job.RUNNING, attempts=1,
                               started_at=timezone.now(), heartbeat_at=timezone.now(), worker="alive:3:1")
    assert jobs.requeue_stale() == (1, 1)
    retry.refresh_from_db()
    exhausted.refresh_from_db()
    fresh.refresh_from_db()
    assert retry.status == Job.QUEUED and retry.worker == ""
    assert exhausted.status == Job.FAILED and "中断" in exhausted.error and exhausted.finished_at
    assert fresh.status == Job.RUNNING

    assert jobs.run_pending() == 1
    retry.refresh_from_db()
    assert retry.status == Job.SUCCEEDED and retry.attempts == 2


@pytest.mark.django_db
def test_job_of_a_dead_local_process_is_requeued_at_once(queued):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead_pid = int(finished.stdout)
    host = jobs.worker_name().split(":")[0]
    job = Job.objects.create(kind="test_slow", title="重启前", status=Job.RUNNING, attempts=1,
                             started_at=timezone.now(), heartbeat_at=timezone.now(), worker=f"{host}:{dead_pid}:7")
    assert jobs.requeue_stale() == (1, 0)
    job.refresh_from_db()
    assert job.status == Job.QUEUED


@pytest.mark.django_db
def test_late_finish_does_not_overwrite_a_new_claimant(queued):
    job = jobs.enqueue("test_slow", title="x")
    jobs.claim(job.pk, "first")
    Job.objects.filter(pk=job.pk).update(status=Job.QUEUED, worker="")
    jobs.claim(job.pk, "second")
    jobs._finish(Job.objects.get(pk=job.pk), "first", status=Job.FAILED, error="旧进程")
    job.refresh_from_db()
    assert job.status == Job.RUNNING and job.worker == "second"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_run_job_calls_run_it_once(queued):
    calls.clear()
    job = jobs.enqueue("test_slow", title="并发")
    barrier = threading.Barrier(2)
    outcomes: list = []
    errors: list = []

    def contend(name: str) -> None:
        from django.db import connection

        try:
            barrier.wait()
            outcomes.append(jobs.run_job(job.pk, worker=name))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=contend, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert calls == [job.pk]
    assert sorted(o is None for o in outcomes) == [False, True]
    job.refresh_from_db()
    assert job.status == Job.SUCCEEDED and job.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_worker_thread_runs_queued_jobs(queued, media):
    worker = jobs.Worker(poll_seconds=0.05)
    worker.start()
    try:
        job = jobs.enqueue("test_success", title="线程", params={"n": 5})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.is_finished:
                break
            time.sleep(0.05)
    finally:
        worker.stop()
        worker.join(10)
    assert job.status == Job.SUCCEEDED and job.result["n"] == 10
    assert not worker.is_alive()


def test_start_worker_thread_respects_inline_and_env(settings, monkeypatch):
    settings.TONGXIN_JOBS_INLINE = True
    assert jobs.start_worker_thread() is None
    settings.TONGXIN_JOBS_INLINE = False
    monkeypatch.setenv("TONGXIN_WORKER", "off")
    assert jobs.start_worker_thread() is None


@pytest.mark.django_db(transaction=True)
def test_start_worker_thread_is_idempotent(queued, monkeypatch):
    monkeypatch.delenv("TONGXIN_WORKER", raising=False)
    try:
        first = jobs.start_worker_thread()
        assert first is not None and first.daemon and first.is_alive()
        assert jobs.start_worker_thread() is first
    finally:
        jobs.stop_worker_thread()
    assert not first.is_alive()


def test_core_registers_rotate_key():
    assert "rotate_key" in jobs.registered_kinds()


@jobs.job_handler("test_db_error")
def _db_error(job, progress):
    Job.objects.create(kind="x", title="half-done work")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table_here")


@pytest.mark.django_db
def test_database_error_inline_is_recorded_and_rolled_back(inline):
    before = Job.objects.count()
    job = jobs.enqueue("test_db_error", title="数据库出错")
    assert job.status == Job.FAILED and "处理时出错" in job.error
    assert Job.objects.count() == before + 1, "the handler's half-done writes were rolled back"
