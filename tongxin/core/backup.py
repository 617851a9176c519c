"""Backup and restore of a whole installation: every table, the uploaded files, and a manifest.

A backup is a zip file:

    manifest.json             format version, time, software and migration state, tables with columns and row
                              counts, media totals, the IDs of the keys that sealed the encrypted values (never a key)
    data/<app>.<model>.jsonl  one JSON array per row, in the manifest's column order, ordered by primary key
    media/<path>              the files under the default storage (MEDIA_ROOT)

Tables are read inside one transaction (REPEATABLE READ, read-only on PostgreSQL; a deferred read transaction on
SQLite in WAL mode, which sees one snapshot without blocking writers), so the backup is a consistent picture even
while people work. Rows are streamed model by model: memory stays bounded at any size. Encrypted columns are
written as the stored ciphertext — a backup never holds personal data in clear, and restoring needs the same keys.
Password hashes and two-factor secrets are in it too: keep backup files as safe as the database (mode 0600).

Restore puts that picture back onto a freshly migrated installation of the same version (same migrations), in one
transaction: either everything is restored or nothing changes. Sessions and login-lockout records are not part of
a backup (sessions are cleared on restore, so no old login can continue as someone else).
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import decimal
import io
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_string
from django.utils.functional import Promise

from tongxin.core import audit
from tongxin.core.fields import EncryptedField
from tongxin.core.keyrotation import stored_value
from tongxin.core.keys import keyring
from tongxin.core.models import AuditEntry

FORMAT = "tongxin-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

# Not part of a backup: sessions (restoring them could let an old login act as a different user after restore)
# and django-axes lockout records (transient security state of the running installation).
EXCLUDED_APPS = frozenset({"sessions", "axes"})

# Tables that a freshly installed, migrated database may already fill (content types and permissions by
# `migrate`, roles, the region tree and dictionaries by setup commands or data migrations). Restore replaces
# their rows with the backup's; every other table must be empty unless --force is given. A model can join this
# set with the class attribute `backup_reference_data = True`.
REFERENCE_MODELS = frozenset({
    "contenttypes.contenttype", "auth.permission", "auth.group", "auth.group_permissions",
    "core.region", "core.dicttype", "core.dictitem",
})

INSERT_BATCH = 1000

ProgressFn = Callable[[int, str], None]


class BackupError(Exception):
    """A backup or restore that cannot proceed; the message says why in Chinese, for the operator."""


# -- which tables, in which order --------------------------------------------------------------------------------


def backup_models() -> list[type[models.Model]]:
    """Every concrete table of the installed apps (auto-created many-to-many tables included), parents before
    the tables that refer to them."""
    found = [
        m for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.app_label not in EXCLUDED_APPS
    ]
    return _dependency_order(found)


def _dependency_order(found: list[type[models.Model]]) -> list[type[models.Model]]:
    found = sorted(found, key=lambda m: m._meta.label_lower)
    included = set(found)
    ordered: list[type[models.Model]] = []
    state: dict[type[models.Model], str] = {}

    def visit(model) -> None:
        if state.get(model) == "done" or state.get(model) == "visiting":
            return  # a cycle: the database's deferred foreign-key checks make the order within it irrelevant
        state[model] = "visiting"
        for fld in model._meta.local_concrete_fields:
            target = fld.remote_field.model if fld.is_relation and fld.remote_field else None
            if target is not None and target is not model:
                target = target._meta.concrete_model
                if target in included:
                    visit(target)
        parent_links = [p._meta.concrete_model for p in model._meta.parents]
        for parent in parent_links:
            if parent in included:
                visit(parent)
        state[model] = "done"
        ordered.append(model)

    for model in found:
        visit(model)
    return ordered


def _is_reference(model) -> bool:
    return model._meta.label_lower in REFERENCE_MODELS or bool(getattr(model, "backup_reference_data", False))


def _columns(model) -> list[models.Field]:
    """The table's own stored columns (generated columns are computed by the database, not restored)."""
    return [f for f in model._meta.local_concrete_fields if not getattr(f, "generated", False)]


def _member(model) -> str:
    return f"data/{model._meta.label_lower}.jsonl"


# -- encoding values ---------------------------------------------------------------------------------------------


def _encode(value):
    """JSON for what Django's converters return; full precision (Django's own encoder cuts microseconds)."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_string(value)
    if isinstance(value, decimal.Decimal | uuid.UUID | Promise):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def _row_values(model) -> Iterator[tuple]:
    """Rows of one table as tuples in `_columns` order, encrypted columns as stored ciphertext."""
    fields = _columns(model)
    raw = {f"bk_raw_{f.attname}": stored_value(f) for f in fields if isinstance(f, EncryptedField)}
    names = [f"bk_raw_{f.attname}" if isinstance(f, EncryptedField) else f.attname for f in fields]
    return model._base_manager.annotate(**raw).order_by("pk").values_list(*names).iterator(chunk_size=2000)


def _to_db(fld: models.Field, value):
    if value is None:
        return None
    return fld.get_db_prep_save(fld.to_python(value), connection)


# -- backup ------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def snapshot_transaction() -> Iterator[None]:
    """One consistent, read-only view of the database for the whole dump."""
    if connection.in_atomic_block:
        yield  # already inside a transaction (tests, or a caller that wants its own): it is the snapshot
        return
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        # Django opens SQLite transactions IMMEDIATE (a write lock); a deferred read transaction in WAL mode
        # gives the same consistency without blocking writers for the length of the backup.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in MigrationRecorder(connection).applied_migrations():
        if app_label not in EXCLUDED_APPS:
            applied.setdefault(app_label, []).append(name)
    return {label: sorted(names) for label, names in sorted(applied.items())}


def _software_version() -> str:
    try:
        from importlib.metadata import version

        return version("tongxin")
    except Exception:  # noqa: BLE001 - not installed as a distribution (source checkout)
        return ""


def create_backup(path: str | os.PathLike, *, include_media: bool = True,
                  progress: ProgressFn | None = None) -> dict:
    """Write a backup to `path` (atomically: a temporary file renamed into place). Returns the manifest."""
    report = progress or (lambda percent, message: None)
    target = Path(path)
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} 是一个目录，请给出备份文件名")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".tongxin-backup-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.chmod(tmp_name, 0o600)
    try:
        with zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            manifest = _write_backup(archive, include_media, report)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    report(100, "备份完成")
    return manifest


def _write_backup(archive: zipfile.ZipFile, include_media: bool, report: ProgressFn) -> dict:
    ring = keyring()
    used_keys: set[str] = set()
    tables = []
    models_ = backup_models()
    with snapshot_transaction():
        created_at = timezone.now()
        migrations = applied_migrations()
        for index, model in enumerate(models_):
            report(int(80 * index / max(len(models_), 1)), f"正在备份 {model._meta.verbose_name}")
            fields = _columns(model)
            encrypted = [i for i, f in enumerate(fields) if isinstance(f, EncryptedField)]
            rows = 0
            with archive.open(_member(model), "w", force_zip64=True) as raw, \
                    io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as out:
                for row in _row_values(model):
                    for i in encrypted:
                        token = row[i]
                        if token and token.startswith("sm4gcm1:"):
                            used_keys.add(token.split(":", 2)[1])
                    out.write(json.dumps(row, default=_encode, ensure_ascii=False, separators=(",", ":")))
                    out.write("\n")
                    rows += 1
            tables.append({
                "model": model._meta.label_lower,
                "table": model._meta.db_table,
                "file": _member(model),
                "columns": [f.attname for f in fields],
                "rows": rows,
            })
    report(80, "正在备份上传的文件")
    media = _write_media(archive) if include_media else {"files": 0, "bytes": 0, "included": False}
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": created_at.isoformat(),
        "software": {"tongxin": _software_version(), "django": _django_version()},
        "database": connection.vendor,
        "migrations": migrations,
        "tables": tables,
        "media": media,
        "key_ids": sorted(used_keys),
        "keyring_key_ids": list(ring.key_ids),
        "active_key_id": ring.active_key_id,
    }
    archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def _django_version() -> str:
    import django

    return django.get_version()


def _storage_files(directory: str = "") -> Iterator[str]:
    try:
        dirs, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for name in sorted(dirs):
        yield from _storage_files(f"{directory}/{name}" if directory else name)


def _write_media(archive: zipfile.ZipFile) -> dict:
    count = size = 0
    for name in _storage_files():
        with default_storage.open(name, "rb") as source, archive.open(f"media/{name}", "w", force_zip64=True) as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        count += 1
        size += archive.getinfo(f"media/{name}").file_size
    return {"files": count, "bytes": size, "included": True}


# -- restore -----------------------------------------------------------------------------------------------------


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except KeyError:
        raise BackupError("这不是同心的备份文件（缺少 manifest.json）") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BackupError("备份文件的清单（manifest.json）已损坏") from None
    if manifest.get("format") != FORMAT:
        raise BackupError("这不是同心的备份文件")
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"不支持的备份格式版本 {manifest.get('version')}（本系统支持版本 {FORMAT_VERSION}）")
    return manifest


def _open_archive(path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BackupError(f"找不到备份文件 {path}") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"无法读取备份文件 {path}：{exc}") from None


def check_keys(manifest: dict) -> None:
    """Every key that sealed a value in the backup must be in this installation's ring, or the restored personal
    data would be unreadable."""
    ring_ids = set(keyring().key_ids)
    missing = [key_id for key_id in manifest.get("key_ids", []) if key_id not in ring_ids]
    if missing:
        raise BackupError(
            f"备份中的加密数据使用了密钥 {'、'.join(missing)}，但当前密钥环中没有该密钥，恢复后将无法解密。"
            "请把备份时使用的字段密钥加入 TONGXIN_FIELD_KEY（或数据目录中的 field.key）后再恢复。"
        )


def check_schema(manifest: dict) -> list[tuple[type[models.Model], dict]]:
    """The installation must be the backup's version: same migrations, same tables and columns."""
    if not _tables_exist():
        raise BackupError("数据库尚未初始化：请先运行 `tongxin migrate`，再恢复备份")
    here = applied_migrations()
    there = manifest.get("migrations", {})
    differences = []
    for app_label in sorted(set(here) | set(there)):
        missing = sorted(set(there.get(app_label, [])) - set(here.get(app_label, [])))
        extra = sorted(set(here.get(app_label, [])) - set(there.get(app_label, [])))
        differences += [f"{app_label}.{name}（本系统未应用）" for name in missing]
        differences += [f"{app_label}.{name}（备份中没有）" for name in extra]
    if differences:
        raise BackupError(
            "数据库结构与备份不一致，请用与备份相同版本的同心恢复，恢复后再升级：" + "、".join(differences[:10])
            + ("……" if len(differences) > 10 else "")
        )
    plan = []
    for entry in manifest.get("tables", []):
        try:
            model = apps.get_model(entry["model"])
        except (LookupError, ValueError):
            raise BackupError(f"备份中的数据表 {entry['model']} 在本系统中不存在") from None
        columns = [f.attname for f in _columns(model)]
        if columns != entry["columns"]:
            raise BackupError(f"数据表 {entry['model']} 的字段与备份不一致：本系统 {columns}，备份 {entry['columns']}")
        plan.append((model, entry))
    return plan


def _tables_exist() -> bool:
    existing = set(connection.introspection.table_names())
    return all(m._meta.db_table in existing for m in backup_models())


def occupied_tables() -> dict[str, int]:
    """Tables holding application data (anything beyond what installation and migrations create)."""
    occupied = {}
    for model in backup_models():
        if _is_reference(model):
            continue
        if model._base_manager.exists():
            occupied[model._meta.label_lower] = model._base_manager.count()
    return occupied


def restore_backup(path: str | os.PathLike, *, force: bool = False, include_media: bool = True,
                   progress: ProgressFn | None = None) -> dict:
    """Restore a backup onto an empty installation; with `force`, replace whatever data it holds.

    Checks everything before changing anything: the file, the keys, the schema, the target's emptiness. Then the
    media files, then all tables in one transaction (foreign keys checked before commit, PostgreSQL sequences
    moved past the restored IDs). Returns {"tables": {model: rows}, "rows", "media_files"}.
    """
    report = progress or (lambda percent, message: None)
    with _open_archive(path) as archive:
        manifest = read_manifest(archive)
        check_keys(manifest)
        plan = check_schema(manifest)
        occupied = occupied_tables()
        if occupied and not force:
            listing = "、".join(f"{label}（{count} 条）" for label, count in list(occupied.items())[:5])
            raise BackupError(
                f"目标数据库不是空的：{listing}。恢复只能在刚初始化（migrate）的空数据库上进行；"
                "如确需用备份覆盖现有全部数据，请加 --force（现有数据会被删除）。"
            )
        media_files = _restore_media(archive) if include_media else 0
        report(10, "正在恢复数据库")
        total_rows = sum(entry["rows"] for _, entry in plan) or 1
        loaded: dict[str, int] = {}
        done = 0
        with transaction.atomic():
            _clear_tables()
            for model, entry in plan:
                count = _load_table(archive, model, entry)
                if count != entry["rows"]:
                    raise BackupError(f"备份文件不完整：{entry['model']} 应有 {entry['rows']} 条，实际 {count} 条")
                loaded[entry["model"]] = count
                done += count
                report(10 + int(85 * done / total_rows), f"已恢复 {model._meta.verbose_name}")
            try:
                connection.check_constraints(table_names=[m._meta.db_table for m, _ in plan])
            except IntegrityError as exc:
                raise BackupError(f"备份数据的关联不完整，未做任何更改：{exc}") from None
            _reset_sequences([m for m, _ in plan])
            ContentType.objects.clear_cache()  # IDs now are the backup's; the cache holds the old installation's
            audit.log(
                AuditEntry.IMPORT,
                message=f"从备份恢复全部数据（备份时间 {manifest['created_at']}，{done} 条记录，{media_files} 个文件）",
            )
    ContentType.objects.clear_cache()
    report(100, "恢复完成")
    return {"tables": loaded, "rows": done, "media_files": media_files}


def _clear_tables() -> None:
    """Empty every table the backup covers, and the sessions. Raw DELETEs: no signals, no audit rows; the
    database's deferred foreign-key checks judge the final state at commit."""
    quote = connection.ops.quote_name
    doomed = [m._meta.db_table for m in reversed(backup_models())]
    if apps.is_installed("django.contrib.sessions"):
        from django.contrib.sessions.models import Session

        doomed.append(Session._meta.db_table)
    with connection.cursor() as cursor:
        for table in doomed:
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 - table names come from the models


def _load_table(archive: zipfile.ZipFile, model, entry: dict) -> int:
    fields = _columns(model)
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - identifiers from the models, values bound
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    count = 0
    batch: list[list] = []
    try:
        source = archive.open(entry["file"])
    except KeyError:
        raise BackupError(f"备份文件不完整：缺少 {entry['file']}") from None
    with source, io.TextIOWrapper(source, encoding="utf-8") as lines, connection.cursor() as cursor:
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            batch.append([_to_db(f, v) for f, v in zip(fields, row, strict=True)])
            if len(batch) >= INSERT_BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _reset_sequences(models_: list) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _restore_media(archive: zipfile.ZipFile) -> int:
    count = 0
    for info in archive.infolist():
        if not info.filename.startswith("media/") or info.is_dir():
            continue
        name = info.filename[len("media/"):]
        parts = PurePosixPath(name).parts
        if not name or name.startswith("/") or ".." in parts or "\\" in name:
            raise BackupError(f"备份中的文件名不安全：{info.filename}")
        if default_storage.exists(name):
            default_storage.delete(name)
        with archive.open(info) as source:
            saved = default_storage.save(name, File(source, name=name))
        if saved != name:
            raise BackupError(f"无法按原文件名恢复 {name}")
        count += 1
    return count

