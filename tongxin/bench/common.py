"""What every benchmark shares: a throw-away database, measured worker processes, percentiles and output.

A benchmark runs its measurements in worker processes (`python -m tongxin.bench.common MODULE:FUNCTION ARGS`)
so that each one
- talks to the benchmark's own fresh database (DATABASE_URL and TONGXIN_DATA_DIR are set for it), never to the
  installation's;
- is measured on its own: its peak resident memory is read from the kernel when it exits (`os.wait4`), so an
  earlier step that loaded a whole sheet does not show up in a later step's figure.

A worker function takes keyword arguments and returns a JSON-able dict; it runs with Django set up.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"


class BenchError(Exception):
    """A benchmark that could not run, or whose run did not do what it measured (wrong counts)."""


def log(message: str) -> None:
    """Progress goes to stderr; stdout carries the result only."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rounded(value: float, digits: int = 3) -> float:
    return float(f"{value:.{digits}f}")


# --- Databases ------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class BenchDatabase:
    """One database of a benchmark run: `url` is its DATABASE_URL."""

    kind: str
    name: str
    url: str


class Databases:
    """Creates, clones and drops the run's databases: SQLite files in the run directory, or PostgreSQL databases
    named `tongxin_bench_<random>_<name>` on the server of `admin_url` (which must allow CREATE DATABASE)."""

    def __init__(self, kind: str, directory: Path, admin_url: str | None = None):
        if kind not in ("sqlite", "postgres"):
            raise BenchError(f"unknown database kind {kind!r} (sqlite or postgres)")
        self.kind = kind
        self.directory = directory
        self.admin_url = admin_url or os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_URL
        self.prefix = f"tongxin_bench_{os.getpid()}_{secrets.token_hex(3)}"
        self.created: list[BenchDatabase] = []

    def _admin(self):
        import psycopg

        try:
            return psycopg.connect(self.admin_url, autocommit=True)
        except psycopg.Error as exc:
            raise BenchError(f"cannot connect to PostgreSQL at {_redact(self.admin_url)}: {exc}") from None

    def _pg_url(self, dbname: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, ""))

    def create(self, name: str, *, template: BenchDatabase | None = None) -> BenchDatabase:
        """A new empty database, or a copy of `template`."""
        if self.kind == "sqlite":
            path = self.directory / f"{name}.sqlite3"
            if template is not None:
                source = sqlite3.connect(template.url.removeprefix("sqlite:///"))
                target = sqlite3.connect(path)
                with target:
                    source.backup(target)
                source.close()
                target.close()
            db = BenchDatabase("sqlite", name, f"sqlite:///{path}")
        else:
            dbname = f"{self.prefix}_{name}"
            with self._admin() as conn:
                from psycopg import sql

                query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname))
                if template is not None:
                    query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(dbname), sql.Identifier(f"{self.prefix}_{template.name}"))
                conn.execute(query)
            db = BenchDatabase("postgres", name, self._pg_url(dbname))
        self.created.append(db)
        return db

    def drop(self, db: BenchDatabase) -> None:
        if self.kind == "sqlite":
            path = db.url.removeprefix("sqlite:///")
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path + suffix)
        else:
            from psycopg import sql

            with self._admin() as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(f"{self.prefix}_{db.name}")))
        if db in self.created:
            self.created.remove(db)

    def drop_all(self) -> None:
        for db in list(self.created):
            with contextlib.suppress(Exception):
                self.drop(db)


def _redact(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


@contextlib.contextmanager
def run_directory(keep: bool = False) -> Iterator[Path]:
    """A temporary directory for the run's files and SQLite databases, removed afterwards unless `keep`."""
    path = Path(tempfile.mkdtemp(prefix="tongxin-bench-"))
    try:
        yield path
    finally:
        if keep:
            log(f"files kept in {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


# --- Worker processes -----------------------------------------------------------------------------------------


@dataclasses.dataclass
class WorkerResult:
    value: dict
    peak_rss_mb: float
    wall_seconds: float
    cpu_seconds: float = 0.0


def run_worker(target: str, *, database: BenchDatabase, data_dir: Path, timeout: float | None = None,
               env: dict | None = None, **kwargs) -> WorkerResult:
    """Run `target` ("module:function") in a fresh Python process against `database`; return what it returned,
    the process's peak resident memory (MB, from the kernel's accounting of that one child) and its wall time."""
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if k not in ("TONGXIN_TESTING", "PYTEST_XDIST_WORKER")}
    env.update(extra)
    env.update(DATABASE_URL=database.url, TONGXIN_DATA_DIR=str(data_dir),
               DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "tongxin.settings"),
               PYTHONHASHSEED="0", CONN_MAX_AGE="0")
    out_path = data_dir / f"worker-{secrets.token_hex(4)}.json"
    err_path = out_path.with_suffix(".log")
    args_path = out_path.with_suffix(".args")
    args_path.write_text(json.dumps(kwargs, ensure_ascii=False))
    command = [sys.executable, "-m", "tongxin.bench.common", target, str(args_path), str(out_path)]
    started = time.perf_counter()
    with open(err_path, "wb") as err:
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        deadline = None if timeout is None else started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                process.kill()
                _pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    try:
        if process.returncode != 0 or not out_path.exists():
            tail = err_path.read_text(errors="replace")[-4000:]
            raise BenchError(f"worker {target} failed (exit {process.returncode}):\n{tail}")
        value = json.loads(out_path.read_text())
    finally:
        for path in (out_path, err_path, args_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    cpu = usage.ru_utime + usage.ru_stime
    log(f"{target.split(':')[-1]}: wall {wall:.1f}s, cpu {cpu:.1f}s, peak rss {usage.ru_maxrss / 1024:.0f} MB")
    return WorkerResult(value=value, peak_rss_mb=usage.ru_maxrss / 1024, wall_seconds=wall, cpu_seconds=cpu)


def _worker_main(argv: list[str]) -> int:
    target, kwargs, out_path = argv[0], json.loads(Path(argv[1]).read_text()), argv[2]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
    import django

    django.setup()
    module_name, function_name = target.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    value = function(**kwargs)
    Path(out_path).write_text(json.dumps(value, ensure_ascii=False))
    return 0


# --- Output ---------------------------------------------------------------------------------------------------


def emit(result: dict, *, stdout, output: str | None = None) -> None:
    """The result as one JSON object on stdout, and in `output` (a file) when given."""
    text = json.dumps(result, ensure_ascii=False)
    stdout.write(text + "\n")
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
