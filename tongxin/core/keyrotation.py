"""Rotation of the field-encryption key: a new key for every encrypted value and blind index, losing nothing.

The order is what makes it safe. (1) A new secret is put at the front of the keyring and the ring is saved before
any row changes, so every value stays readable whatever happens next (the old keys still decrypt). (2) Rows whose
ciphertext is not under the new key are rewritten batch by batch, each batch in its own transaction with its rows
locked, so a crash loses at most the batch in flight, and running the command again simply continues: it sees a
ring of several keys and values not yet under the first one, and resumes instead of generating another key.
(3) A verification sweep decrypts every value, checks it is under the new key and that its blind index is the new
key's, and repairs rows written meanwhile by processes still holding the old ring. (4) Only then, and only when
asked, are the old secrets dropped from the ring. After a completed rotation whose old keys were kept,
`--retire-old` verifies and retires without making yet another key.

Rows are written with `bulk_update` on the raw columns: no signals, no per-row audit entries, `updated_at`
untouched. One audit entry records the rotation with counts and key IDs — never a key.

Processes that loaded the keyring before the rotation keep their copy until they restart: restart the app servers
and workers after a rotation and before `--retire-old` (which a second run can do on its own).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import ExpressionWrapper, F, Q

from tongxin import conf
from tongxin.core import audit
from tongxin.core.crypto import DecryptionError, Keyring
from tongxin.core.fields import EncryptedField, encrypted_fields
from tongxin.core.keys import install_keyring, key_source, keyring, reset_cache
from tongxin.core.models import AuditEntry

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500
MAX_ERROR_SAMPLES = 20

ProgressFn = Callable[[int, str], None]


class RotationError(Exception):
    """The rotation cannot start or could not verify its result; the message is for the operator (Chinese)."""


@dataclass
class RotationOutcome:
    new_key_id: str
    previous_key_ids: list[str]
    resumed: bool
    generated: bool = True
    reencrypted: dict[str, int] = field(default_factory=dict)
    repaired: dict[str, int] = field(default_factory=dict)
    verified_rows: int = 0
    retired_key_ids: list[str] = field(default_factory=list)
    retire_pending: bool = False

    @property
    def total_reencrypted(self) -> int:
        return sum(self.reencrypted.values())

    def as_dict(self) -> dict:
        return asdict(self) | {"total_reencrypted": self.total_reencrypted}


@dataclass
class _Problems:
    count: int = 0
    samples: list[str] = field(default_factory=list)

    def add(self, label: str, pk, field_name: str, reason: str) -> None:
        self.count += 1
        if len(self.samples) < MAX_ERROR_SAMPLES:
            self.samples.append(f"{label} 第 {pk} 条 {field_name}：{reason}")


# -- reading stored ciphertext -----------------------------------------------------------------------------------


def stored_value(fld: models.Field) -> ExpressionWrapper:
    """The column exactly as stored. Selecting through a plain TextField output skips the field's `from_db_value`,
    so encrypted values come back as ciphertext instead of being decrypted."""
    return ExpressionWrapper(F(fld.attname), output_field=models.TextField())


def encrypted_models() -> list[tuple[type[models.Model], list[EncryptedField]]]:
    """Every concrete model with encrypted columns of its own (a child table's inherited ones belong to the parent)."""
    found = []
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        local = set(opts.local_concrete_fields)
        fields = [f for f in encrypted_fields(model) if f in local]
        if fields:
            found.append((model, fields))
    return found


def _current_prefix(key_id: str) -> str:
    return f"sm4gcm1:{key_id}:"


def not_current(fields: list[EncryptedField], key_id: str) -> Q:
    """Rows holding at least one non-empty value not sealed by `key_id`."""
    condition = Q()
    prefix = _current_prefix(key_id)
    for fld in fields:
        stale = ~Q(**{f"{fld.attname}__startswith": prefix}) & ~Q(**{fld.attname: ""})
        if fld.null:
            stale &= Q(**{f"{fld.attname}__isnull": False})
        condition |= stale
    return condition


# -- the sweep ---------------------------------------------------------------------------------------------------


def _sweep(model, fields: list[EncryptedField], ring: Keyring, *, only_stale: bool, batch_size: int,
           problems: _Problems, on_rows: Callable[[int], None]) -> int:
    """Bring every row (or only rows not yet under the active key) to the active key; returns rows rewritten.

    Keyset over the primary key, one transaction per batch with the batch's rows locked (SELECT … FOR UPDATE on
    PostgreSQL; SQLite's IMMEDIATE transactions lock the database), so an edit made at the same time by the
    application is never overwritten with an older value.
    """
    label = model._meta.label_lower
    base = model._base_manager.all()
    if only_stale:
        base = base.filter(not_current(fields, ring.active_key_id))
    raw_names = {fld.attname: f"tx_raw_{fld.attname}" for fld in fields}
    bidx_fields = [fld for fld in fields if fld.has_blind_index]
    columns = ["pk", *raw_names.values(), *(f.bidx_name for f in bidx_fields)]
    update_fields = [fld.attname for fld in fields] + [fld.bidx_name for fld in bidx_fields]
    pk_attname = model._meta.pk.attname
    rewritten = 0
    last_pk = None
    while True:
        with transaction.atomic():
            query = base if last_pk is None else base.filter(pk__gt=last_pk)
            rows = list(
                query.select_for_update()
                .annotate(**{alias: stored_value(fld) for fld, alias in zip(fields, raw_names.values(), strict=True)})
                .order_by("pk")
                .values_list(*columns)[:batch_size]
            )
            if not rows:
                return rewritten
            changed = []
            for row in rows:
                values = dict(zip(columns, row, strict=True))
                target = _rekeyed(values, fields, raw_names, ring, label, problems)
                if target is None:
                    continue
                current = {fld.attname: values[raw_names[fld.attname]] for fld in fields}
                current |= {fld.bidx_name: values[fld.bidx_name] for fld in bidx_fields}
                if target != current:
                    changed.append(model(**{pk_attname: values["pk"]}, **target))
            if changed:
                try:
                    with transaction.atomic():
                        model._base_manager.bulk_update(changed, update_fields, batch_size=batch_size)
                except IntegrityError as exc:
                    # Two rows with one value that the old keys indexed differently (written by processes on
                    # different rings) now collide on a unique blind index: a duplicate to merge, not to hide.
                    raise RotationError(
                        f"{model._meta.verbose_name}（{label}）中有加密值相同的重复记录，重新计算盲索引时违反唯一约束。"
                        f"请先合并重复记录，再运行 `tongxin rotate_key` 继续轮换（已完成的部分不会丢失）：{exc}"
                    ) from None
            rewritten += len(changed)
        last_pk = rows[-1][0]
        on_rows(len(rows))


def _rekeyed(values: dict, fields: list[EncryptedField], raw_names: dict, ring: Keyring, label: str,
             problems: _Problems) -> dict | None:
    """The row's encrypted columns and blind indexes as the active key makes them; None when a value is
    unreadable (the row is then left exactly as it is and reported)."""
    target = {}
    for fld in fields:
        token = values[raw_names[fld.attname]]
        if not token:
            plain = ""
            target[fld.attname] = token
        else:
            try:
                plain = ring.decrypt(token)
            except DecryptionError as exc:
                problems.add(label, values["pk"], fld.name, _decrypt_reason(exc, token, ring))
                return None
            target[fld.attname] = token if ring.is_current(token) else ring.encrypt(plain)
        if fld.has_blind_index:
            target[fld.bidx_name] = ring.blind_index(fld.normalize(plain), purpose=fld.kind) if plain else ""
    return target


def _decrypt_reason(exc: DecryptionError, token: str, ring: Keyring) -> str:
    try:
        key_id = ring.key_id_of(token)
    except DecryptionError:
        return "不是有效的加密值"
    if key_id not in ring.key_ids:
        return f"由密钥 {key_id} 加密，但该密钥不在当前密钥环中"
    return "无法解密（数据可能被篡改）"


# -- the rotation ------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _exclusive() -> Iterator[None]:
    """One rotation at a time on this installation: two concurrent runs would each save a different ring and one
    new key would be lost with the values it sealed."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux
        yield
        return
    path = conf.ensure_data_dir() / "rotate_key.lock"
    with os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RotationError("另一个密钥轮换正在进行，请等它结束后再运行") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rotation_in_progress(ring: Keyring | None = None) -> bool:
    """True when the ring has older keys and some value is not yet under the active one: an interrupted rotation
    (or, with keys in the environment, a new key the operator has put in front)."""
    ring = ring or keyring()
    if len(ring.key_ids) < 2:
        return False
    return any(
        model._base_manager.filter(not_current(fields, ring.active_key_id)).exists()
        for model, fields in encrypted_models()
    )


def rotate_key(*, retire_old: bool = False, batch_size: int = DEFAULT_BATCH_SIZE,
               progress: ProgressFn | None = None) -> RotationOutcome:
    """Rotate to a new key (or finish an interrupted rotation), verify, optionally retire the old keys."""
    report = progress or (lambda percent, message: None)
    with _exclusive():
        reset_cache()
        ring = keyring()
        previous = list(ring.key_ids)
        resumed = rotation_in_progress(ring)
        # After a completed rotation whose old keys were kept (the usual path: rotate, restart the servers, then
        # retire), --retire-old only verifies and retires; a fresh key now would again leave running servers with
        # a ring that lacks the key in use.
        generate = not resumed and not (retire_old and len(ring.key_ids) > 1)
        if generate:
            if key_source() == "env":
                raise RotationError(
                    "字段密钥来自环境变量 TONGXIN_FIELD_KEY，新密钥无法自动保存。请先用 "
                    "`tongxin rotate_key --new-secret` 生成新密钥，把它加在 TONGXIN_FIELD_KEY 的最前面"
                    "（原有密钥用逗号隔开留在后面），重启所有服务后再运行 `tongxin rotate_key`。"
                )
            ring = Keyring.from_string(f"{Keyring.generate_secret()},{ring.to_string()}")
            install_keyring(ring)
            previous_msg = "、".join(previous)
            logger.warning("字段密钥已轮换：新密钥 %s 启用，旧密钥 %s 仅用于解密", ring.active_key_id, previous_msg)
        outcome = RotationOutcome(
            new_key_id=ring.active_key_id, previous_key_ids=previous, resumed=resumed, generated=generate,
        )
        targets = encrypted_models()
        problems = _Problems()

        stale_total = sum(m._base_manager.filter(not_current(f, ring.active_key_id)).count() for m, f in targets)
        done = 0

        def rotated(n: int) -> None:
            nonlocal done
            done += n
            report(int(90 * done / max(stale_total, 1)), f"正在重新加密：{done}/{stale_total}")

        report(0, f"正在重新加密：0/{stale_total}")
        for model, fields in targets:
            outcome.reencrypted[model._meta.label_lower] = _sweep(
                model, fields, ring, only_stale=True, batch_size=batch_size, problems=problems, on_rows=rotated,
            )

        if problems.count:
            raise RotationError(_problem_message(problems))
        outcome.verified_rows, outcome.repaired = _verify(targets, ring, batch_size, report)

        if retire_old and len(ring.key_ids) > 1:
            if key_source() == "env":
                outcome.retire_pending = True
            else:
                install_keyring(Keyring.from_string(ring.to_string().split(",")[0]))
                outcome.retired_key_ids = list(ring.key_ids[1:])

        audit.log(
            AuditEntry.ROTATE_KEY,
            message=(
                f"字段加密密钥轮换：{'启用' if generate else '当前'}密钥 {outcome.new_key_id}，"
                f"重新加密 {outcome.total_reencrypted} 条记录"
                + ("（继续上次中断的轮换）" if resumed else "")
                + (f"，停用旧密钥 {'、'.join(outcome.retired_key_ids)}" if outcome.retired_key_ids else "")
            ),
            changes={
                "new_key_id": outcome.new_key_id, "previous_key_ids": previous, "resumed": resumed,
                "generated": generate,
                "reencrypted": outcome.reencrypted, "repaired": outcome.repaired,
                "verified_rows": outcome.verified_rows, "retired_key_ids": outcome.retired_key_ids,
            },
        )
        report(100, "密钥轮换完成")
        return outcome


def _verify(targets, ring: Keyring, batch_size: int, report: ProgressFn) -> tuple[int, dict[str, int]]:
    """Decrypt every value, check key and blind index, repair what changed meanwhile; raise if anything is
    unreadable. Returns (rows checked, rows repaired per model)."""
    total = sum(m._base_manager.count() for m, _ in targets)
    checked = 0
    problems = _Problems()
    repaired: dict[str, int] = {}

    def verified(n: int) -> None:
        nonlocal checked
        checked += n
        report(90 + int(9 * checked / max(total, 1)), f"正在校验：{checked}/{total}")

    for model, fields in targets:
        fixed = _sweep(model, fields, ring, only_stale=False, batch_size=batch_size, problems=problems,
                       on_rows=verified)
        if fixed:
            repaired[model._meta.label_lower] = fixed
            logger.warning("密钥轮换校验时修复了 %s 的 %s 条记录", model._meta.label_lower, fixed)
    if problems.count:
        raise RotationError(_problem_message(problems))
    return checked, repaired


def _problem_message(problems: _Problems) -> str:
    more = "" if problems.count <= len(problems.samples) else f"（另有 {problems.count - len(problems.samples)} 处）"
    return (
        f"有 {problems.count} 个加密值无法用当前密钥环解密，旧密钥未停用，数据未丢失。"
        "请把加密这些值的密钥加入密钥环后重新运行。\n" + "\n".join(problems.samples) + more
    )
