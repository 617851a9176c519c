"""Backup and restore: an empty installation gets back every row and every file, exactly; wrong keys are refused."""

import json
import os
import zipfile

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from tongxin.core import backup
from tongxin.core.crypto import Keyring
from tongxin.core.keys import keyring, reset_cache
from tongxin.core.models import AuditEntry, DictItem, DictType, Job, User
from tongxin.core.tests.test_keyrotation import encrypted_models, make_sample, sample_region


@pytest.fixture
def installation(tmp_path, monkeypatch, settings):
    """A throw-away data directory (key file) and media root."""
    monkeypatch.setenv("TONGXIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TONGXIN_FIELD_KEY", raising=False)
    settings.MEDIA_ROOT = tmp_path / "media"
    reset_cache()
    keyring()
    yield tmp_path
    reset_cache()


def fill() -> list:
    """Rows in the core tables, uploaded files, and sample rows of every model with encrypted fields."""
    region = sample_region()
    group = Group.objects.create(name="测试角色")
    group.permissions.add(*Permission.objects.all()[:3])
    user = User.objects.create_user(username="backup_user", password="x", scope_region=region,
                                    display_name="张三")
    user.groups.add(group)
    kind = DictType.objects.create(code="test_kind", name="测试字典")
    parent = DictItem.objects.create(dict_type=kind, code="01", label="上级")
    DictItem.objects.create(dict_type=kind, code="0101", label="下级", parent=parent)
    job = Job.objects.create(kind="export", title="导出", user=user, params={"a": [1, "二"]}, result={"rows": 3})
    job.result_file.save("名册.xlsx", ContentFile(b"PK\x03\x04 not really a workbook"))
    default_storage.save("attachments/2024/照片.jpg", ContentFile(bytes(range(256)) * 10))
    samples = []
    for model, _fields in encrypted_models():
        samples += [make_sample(model, i) for i in range(4)]
    return samples


def snapshot_tables() -> dict:
    return {m._meta.label_lower: list(backup._row_values(m)) for m in backup.backup_models()}


def media_files() -> dict:
    return {name: default_storage.open(name, "rb").read() for name in backup._storage_files()}


def empty_installation() -> None:
    """What a freshly migrated database holds: only the reference tables (content types, permissions…) have rows."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in reversed(backup.backup_models()):
            if not backup._is_reference(model):
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608


def wipe_media(root) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


@pytest.mark.django_db
def test_backup_then_restore_onto_an_empty_installation_is_exact(installation, settings):
    fill()
    before, files = snapshot_tables(), media_files()
    assert len(files) == 2
    path = installation / "backups" / "全量.zip"
    manifest = backup.create_backup(path)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"

    empty_installation()
    wipe_media(settings.MEDIA_ROOT)
    assert backup.occupied_tables() == {}
    summary = backup.restore_backup(path)

    after = snapshot_tables()
    restored_audit = after.pop(AuditEntry._meta.label_lower)
    original_audit = before.pop(AuditEntry._meta.label_lower)
    assert restored_audit[:-1] == original_audit
    last = AuditEntry.objects.order_by("-id").first()
    assert last.action == AuditEntry.IMPORT and "备份" in last.message
    assert after == before
    assert media_files() == files
    assert summary["rows"] == sum(t["rows"] for t in manifest["tables"])
    assert summary["media_files"] == 2


@pytest.mark.django_db
def test_manifest_describes_the_backup_without_secrets(installation):
    samples = fill()
    path = installation / "b.zip"
    backup.create_backup(path)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert manifest["format"] == "tongxin-backup" and manifest["version"] == 1
    assert isinstance(manifest["migrations"], dict) and manifest["created_at"]
    counts = {t["model"]: t["rows"] for t in manifest["tables"]}
    assert counts["core.user"] == User.objects.count()
    assert counts["core.user_groups"] == 1
    assert "sessions.session" not in counts
    assert manifest["keyring_key_ids"] == list(keyring().key_ids)
    assert manifest["media"]["files"] == 2
    secret = (installation / "data" / "field.key").read_text().strip()
    assert secret.encode() not in everything
    if samples:
        assert manifest["key_ids"] == [keyring().active_key_id]
        assert b"sm4gcm1:" in everything


@pytest.mark.django_db
def test_plaintext_of_encrypted_fields_never_reaches_the_file(installation):
    samples = fill()
    if not samples:
        pytest.skip("没有带加密字段（EncryptedField）的模型：people.Person 尚未建好")
    path = installation / "b.zip"
    backup.create_backup(path)
    with zipfile.ZipFile(path) as archive:
        data = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("data/"))
    from tongxin.core.fields import encrypted_fields

    for obj in samples:
        for fld in encrypted_fields(type(obj)):
            value = getattr(obj, fld.attname)
            assert value and value.encode() not in data


@pytest.mark.django_db
def test_restore_refuses_a_database_with_data_unless_forced(installation):
    fill()
    path = installation / "b.zip"
    backup.create_backup(path)
    before = snapshot_tables()
    with pytest.raises(backup.BackupError, match="目标数据库不是空的"):
        backup.restore_backup(path)
    User.objects.create_user(username="after_backup", password="x")
    backup.restore_backup(path, force=True)
    assert not User.objects.filter(username="after_backup").exists()
    after = snapshot_tables()
    after.pop("core.auditentry"), before.pop("core.auditentry")
    assert after == before


@pytest.mark.django_db
def test_restore_refuses_a_backup_sealed_with_a_key_it_does_not_have(installation, monkeypatch):
    samples = fill()
    if not samples:
        pytest.skip("没有带加密字段（EncryptedField）的模型：people.Person 尚未建好")
    path = installation / "b.zip"
    manifest = backup.create_backup(path)
    empty_installation()
    monkeypatch.setenv("TONGXIN_FIELD_KEY", Keyring.generate_secret())
    reset_cache()
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(path))
    assert manifest["key_ids"][0] in str(caught.value)
    assert "当前密钥环中没有该密钥" in str(caught.value)
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_restore_checks_foreign_key_ids_from_the_manifest(installation):
    fill()
    path = installation / "b.zip"
    backup.create_backup(path)
    tampered = installation / "t.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["key_ids"] = ["0badc0de"]
                data = json.dumps(manifest).encode()
            target.writestr(item, data)
    empty_installation()
    with pytest.raises(backup.BackupError, match="0badc0de"):
        backup.restore_backup(tampered)


@pytest.mark.django_db
def test_restore_rejects_other_files_and_other_versions(installation):
    junk = installation / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(backup.BackupError, match="无法读取备份文件"):
        backup.restore_backup(junk)
    with pytest.raises(backup.BackupError, match="找不到备份文件"):
        backup.restore_backup(installation / "missing.zip")
    path = installation / "b.zip"
    backup.create_backup(path)
    altered = installation / "altered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(altered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["migrations"].setdefault("core", []).append("9999_future")
                data = json.dumps(manifest).encode()
            target.writestr(item, data)
    empty_installation()
    with pytest.raises(backup.BackupError, match="9999_future"):
        backup.restore_backup(altered)


@pytest.mark.django_db
def test_new_rows_after_restore_get_fresh_ids(installation):
    fill()
    path = installation / "b.zip"
    backup.create_backup(path)
    highest = User.objects.order_by("-id").first().id
    empty_installation()
    backup.restore_backup(path)
    assert User.objects.create_user(username="new_after_restore", password="x").id > highest
    assert Job.objects.create(kind="x", title="y").id > 0


@pytest.mark.django_db(transaction=True)
def test_commands_outside_a_transaction(installation, settings, capsys):
    """The real path: the dump opens its own snapshot transaction, the restore its own write transaction."""
    fill()
    before, files = snapshot_tables(), media_files()
    path = installation / "cmd.zip"
    call_command("backup", str(path))
    assert "备份完成" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(path))
    empty_installation()
    wipe_media(settings.MEDIA_ROOT)
    call_command("restore", str(path))
    assert "恢复完成" in capsys.readouterr().out
    after = snapshot_tables()
    assert after.pop("core.auditentry")[:-1] == before.pop("core.auditentry")
    assert after == before
    assert media_files() == files
