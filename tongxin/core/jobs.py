"""Background jobs: imports, exports, reports and key rotation that take too long for one web request.

The queue is the `Job` table itself, so the embedded installation needs no broker and queued or interrupted jobs
survive a restart of any process. A worker — a daemon thread inside each web process (`start_worker_thread`) or
the foreground `tongxin worker` command beside gunicorn — polls the table about once a second and claims a job
with one conditional UPDATE, which is atomic on PostgreSQL and on SQLite, so any number of workers can share the
queue. Redis is not needed: with `REDIS_URL` set the cache uses it, but the queue stays in the database, because
a one-second poll of an indexed column costs nothing next to the jobs themselves and one mechanism is simpler to
operate than two. A job enqueued by a process that runs a worker thread wakes that thread at once.

Handlers are plain functions registered per kind::

    @job_handler("export_persons")
    def export_persons(job: Job, progress: Progress) -> dict:
        progress(10, "正在读取数据")
        job.result_file.save("人士名册.xlsx", ContentFile(data), save=False)
        return {"rows": 1234}

Each app keeps its handlers in its own `jobs.py` module, which is imported (autodiscovered) before a job runs.
A handler runs outside any transaction (its batches commit as they go, so progress is visible); a handler that
must be all-or-nothing opens its own `transaction.atomic()`. Raise `JobError("…")` for a failure whose message
the user should read as it is; any other exception is logged with its traceback and shown as a short message.

With `settings.TONGXIN_JOBS_INLINE` (tests, small installations) `enqueue` runs the job before it returns.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from tongxin.core.context import acting_as
from tongxin.core.logging import redact
from tongxin.core.models import Job

logger = logging.getLogger(__name__)

Progress = Callable[..., None]
Handler = Callable[[Job, Progress], dict | None]

MAX_ATTEMPTS = 3
POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 30.0
PROGRESS_MIN_INTERVAL = 1.0
STALE_CHECK_SECONDS = 30.0

_handlers: dict[str, Handler] = {}
_discovered = False
_discover_lock = threading.Lock()


class JobError(Exception):
    """A failure whose message is written for the user (Chinese) and is shown as it is."""


# -- registry ----------------------------------------------------------------------------------------------------


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register `handler(job, progress) -> dict | None` as the code that runs jobs of `kind`."""

    def register(handler: Handler) -> Handler:
        existing = _handlers.get(kind)
        if existing is not None and existing is not handler and _qualname(existing) != _qualname(handler):
            raise ValueError(f"job kind {kind!r} is already handled by {_qualname(existing)}")
        _handlers[kind] = handler
        return handler

    return register


def _qualname(func) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def discover_handlers() -> None:
    """Import every installed app's `jobs` module so that a worker knows all kinds, whoever enqueued them."""
    global _discovered
    if _discovered:
        return
    with _discover_lock:
        if not _discovered:
            autodiscover_modules("jobs")
            _discovered = True


def handler_for(kind: str) -> Handler | None:
    discover_handlers()
    return _handlers.get(kind)


def registered_kinds() -> list[str]:
    discover_handlers()
    return sorted(_handlers)


# -- enqueueing --------------------------------------------------------------------------------------------------

_wake = threading.Event()


def enqueue(kind: str, *, title: str, params: dict | None = None, user=None, region_code: str = "") -> Job:
    """Queue a job; in inline mode run it now. Returns the job (finished when inline)."""
    if handler_for(kind) is None:
        raise ValueError(f"unknown job kind {kind!r}")
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    job = Job.objects.create(
        kind=kind, title=title[:200], params=params or {}, user=user, region_code=region_code or "",
    )
    if settings.TONGXIN_JOBS_INLINE:
        run_job(job.pk)
        job.refresh_from_db()
    else:
        transaction.on_commit(_wake.set)
    return job


# -- running -----------------------------------------------------------------------------------------------------


def worker_name() -> str:
    """host:pid:thread — identifies the claimant, and lets a restarted host recognise its dead predecessors."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def claim(job_id: int, worker: str) -> bool:
    """Move a queued job to running for `worker`. One conditional UPDATE, so of two claimants only one wins:
    PostgreSQL re-checks the WHERE clause after the competing row lock is released, SQLite serialises writers.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.QUEUED).update(
        status=Job.RUNNING, worker=worker, started_at=now, heartbeat_at=now, finished_at=None,
        attempts=F("attempts") + 1, progress=0, progress_message="", error="",
    )
    return claimed == 1


class ProgressReporter:
    """The `progress(percent, message)` callable handed to a handler: writes at most about once a second,
    because a handler may report after every row and the job row should not become the bottleneck."""

    def __init__(self, job: Job, worker: str, min_interval: float = PROGRESS_MIN_INTERVAL):
        self.job = job
        self.worker = worker
        self.min_interval = min_interval
        self._last_write = float("-inf")

    def __call__(self, percent: int | float, message: str = "") -> None:
        percent = max(0, min(100, int(percent)))
        message = str(message)[:200]
        self.job.progress, self.job.progress_message = percent, message
        now = time.monotonic()
        if now - self._last_write < self.min_interval and percent < 100:
            return
        self._last_write = now
        Job.objects.filter(pk=self.job.pk, status=Job.RUNNING, worker=self.worker).update(
            progress=percent, progress_message=message, heartbeat_at=timezone.now(),
        )


class _Heartbeat(threading.Thread):
    """Keeps `heartbeat_at` fresh while a handler works without reporting progress, so that only a job whose
    process has died looks stale."""

    def __init__(self, job_id: int, worker: str, interval: float = HEARTBEAT_SECONDS):
        super().__init__(name=f"tongxin-job-heartbeat-{job_id}", daemon=True)
        self.job_id, self.worker, self.interval = job_id, worker, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.RUNNING, worker=self.worker).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:
                    logger.warning("任务 %s 心跳写入失败", self.job_id, exc_info=True)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()


def describe_failure(exc: BaseException) -> str:
    """The message a user reads about a failed job: the exception's text, never a traceback, with anything shaped
    like an ID or phone number masked."""
    if isinstance(exc, JobError | CommandError):
        text = str(exc)
    elif isinstance(exc, ValidationError):
        text = "；".join(str(m) for m in exc.messages)
    else:
        detail = str(exc).strip()
        text = f"处理时出错（{type(exc).__name__}）" + (f"：{detail}" if detail else "")
    return redact(text or "未知错误")[:2000]


def _json_safe(result) -> dict:
    if result is None:
        return {}
    if not isinstance(result, dict):
        result = {"value": result}
    return json.loads(json.dumps(result, cls=DjangoJSONEncoder, ensure_ascii=False))


def run_job(job_id: int, *, worker: str | None = None) -> Job | None:
    """Claim and run one queued job; None when another worker got it first (or it is not queued)."""
    worker = worker or worker_name()
    if not claim(job_id, worker):
        return None
    job = Job.objects.select_related("user").get(pk=job_id)
    progress = ProgressReporter(job, worker)
    heartbeat = None if settings.TONGXIN_JOBS_INLINE else _Heartbeat(job.pk, worker)
    if heartbeat is not None:
        heartbeat.start()
    try:
        handler = handler_for(job.kind)
        if handler is None:
            raise JobError(f"未知的任务类型“{job.kind}”，无法执行")
        # Inline inside a caller's transaction (a request, a test), a savepoint keeps a handler's database error
        # from poisoning that transaction, so the failure can still be recorded.
        savepoint = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
        with acting_as(job.user, source="job"), savepoint:
            result = _json_safe(handler(job, progress))
    except Exception as exc:
        logger.exception("后台任务 %s（%s）失败", job.pk, job.kind)
        _finish(job, worker, status=Job.FAILED, error=describe_failure(exc))
    else:
        _finish(job, worker, status=Job.SUCCEEDED, result=result, progress_value=100)
    finally:
        if heartbeat is not None:
            heartbeat.stop()
    job.refresh_from_db()
    return job


def _finish(job: Job, worker: str, *, status: str, result: dict | None = None, error: str = "",
            progress_value: int | None = None) -> None:
    """Record the outcome only if this worker still owns the job (a job re-queued as stale belongs to its new
    claimant)."""
    now = timezone.now()
    values = {
        "status": status, "error": error, "finished_at": now, "heartbeat_at": now, "updated_at": now,
        "result_file": job.result_file.name or "",
        "progress": job.progress if progress_value is None else progress_value,
        "progress_message": job.progress_message,
    }
    if result is not None:
        values["result"] = result
    updated = Job.objects.filter(pk=job.pk, status=Job.RUNNING, worker=worker).update(**values)
    if not updated:
        logger.warning("后台任务 %s 的结果未写入：任务已被其他执行进程接手", job.pk)


def requeue_stale(*, stale_after: timedelta | None = None) -> tuple[int, int]:
    """Jobs left running by a process that died: re-queue them (up to MAX_ATTEMPTS runs) or fail them.

    A job is stale when its heartbeat is older than `stale_after` (setting TONGXIN_JOB_STALE_MINUTES, default 5),
    or at once when it was claimed on this host by a process that no longer exists (a restart).
    Returns (requeued, failed).
    """
    if stale_after is None:
        stale_after = timedelta(minutes=getattr(settings, "TONGXIN_JOB_STALE_MINUTES", 5))
    cutoff = timezone.now() - stale_after
    stale = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    dead_here = _dead_local_workers()
    if dead_here:
        stale |= Q(worker__in=dead_here)
    running = Job.objects.filter(stale, status=Job.RUNNING)
    requeued = running.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=Job.QUEUED, worker="", heartbeat_at=None, progress_message="执行进程中断，已重新排队",
        updated_at=timezone.now(),
    )
    failed = running.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Job.FAILED, finished_at=timezone.now(), updated_at=timezone.now(),
        error=f"执行进程意外中断，已尝试 {MAX_ATTEMPTS} 次仍未完成，请检查数据后重新提交",
    )
    if requeued or failed:
        logger.warning("中断的后台任务：%s 个重新排队，%s 个标记失败", requeued, failed)
    return requeued, failed


def _dead_local_workers() -> list[str]:
    host = socket.gethostname()
    names = Job.objects.filter(status=Job.RUNNING, worker__startswith=f"{host}:").values_list("worker", flat=True)
    dead = []
    for name in set(names):
        parts = name.split(":")
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        pid = int(parts[1])
        if pid != os.getpid() and not _pid_alive(pid):
            dead.append(name)
    return dead


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    return True


def next_queued_id() -> int | None:
    return Job.objects.filter(status=Job.QUEUED).order_by("created_at", "id").values_list("id", flat=True).first()


def run_pending(max_jobs: int | None = None, *, worker: str | None = None, check_stale: bool = True) -> int:
    """Run queued jobs, oldest first, until none is left (or `max_jobs` have run). Returns how many ran here."""
    if check_stale:
        requeue_stale()
    ran = 0
    skipped: set[int] = set()
    while max_jobs is None or ran < max_jobs:
        job_id = next_queued_id()
        if job_id is None or job_id in skipped:
            break
        if run_job(job_id, worker=worker) is None:
            skipped.add(job_id)
            continue
        ran += 1
    return ran


# -- the worker --------------------------------------------------------------------------------------------------


class Worker(threading.Thread):
    """Polls the job table and runs what is queued. A daemon thread in the web process, or run in the foreground
    by `tongxin worker` (`run_forever`)."""

    def __init__(self, poll_seconds: float = POLL_SECONDS):
        super().__init__(name="tongxin-job-worker", daemon=True)
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self._last_stale_check = float("-inf")

    def run(self) -> None:
        self.run_forever()

    def run_forever(self) -> None:
        logger.info("后台任务执行进程已启动：%s", worker_name())
        try:
            while not self.stopping.is_set():
                if not self.run_once():
                    _wake.wait(self.poll_seconds)
                    _wake.clear()
        finally:
            connection.close()

    def run_once(self) -> int:
        close_old_connections()
        try:
            if self.stopping.is_set():
                return 0
            check_stale = time.monotonic() - self._last_stale_check >= STALE_CHECK_SECONDS
            if check_stale:
                self._last_stale_check = time.monotonic()
            return run_pending(max_jobs=1, check_stale=check_stale)
        except Exception:
            logger.exception("后台任务执行进程出错，稍后重试")
            return 0
        finally:
            close_old_connections()

    def stop(self) -> None:
        self.stopping.set()
        _wake.set()


_worker: Worker | None = None
_worker_lock = threading.Lock()


def start_worker_thread() -> Worker | None:
    """Start this process's worker thread once (later calls return the same thread).

    Does nothing in inline mode or with TONGXIN_WORKER=off (production runs `tongxin worker` instead).
    """
    global _worker
    if settings.TONGXIN_JOBS_INLINE or os.environ.get("TONGXIN_WORKER", "").lower() == "off":
        return None
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = Worker()
            _worker.start()
        return _worker


def stop_worker_thread(timeout: float | None = 10.0) -> None:
    global _worker
    with _worker_lock:
        worker, _worker = _worker, None
    if worker is not None:
        worker.stop()
        worker.join(timeout)


# -- core's own job kinds ----------------------------------------------------------------------------------------


@job_handler("rotate_key")
def rotate_key_job(job: Job, progress: Progress) -> dict:
    """Key rotation as a background job; params: {"retire_old": bool}."""
    from tongxin.core.keyrotation import RotationError, rotate_key

    try:
        outcome = rotate_key(retire_old=bool(job.params.get("retire_old")), progress=progress)
    except RotationError as exc:
        raise JobError(str(exc)) from exc
    return outcome.as_dict()
