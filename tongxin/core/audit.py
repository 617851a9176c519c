"""The audit log: every change to an `AuditedModel`, and every sensitive view or export, as an append-only row."""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.context import current_actor
from tongxin.core.fields import EncryptedField
from tongxin.core.models import AuditedModel, AuditEntry


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj) -> dict:
    """Field values as the audit log records them; sensitive values masked."""
    exclude = set(getattr(obj, "audit_exclude", ()))
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.name.endswith("_bidx"):
            continue
        value = getattr(obj, field.attname)
        if isinstance(field, EncryptedField):
            value = field.mask(value)
        data[field.name] = _plain(value)
    return data


def diff(before: dict, after: dict) -> dict:
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def record_region(obj) -> str:
    path = getattr(obj, "scope_field", None)
    if not path:
        return ""
    value = obj
    for part in path.split("__"):
        if value is None:
            return ""
        value = getattr(value, part, None)
    return value or ""


def log(action: str, obj=None, *, changes: dict | None = None, message: str = "", region_code: str | None = None,
        user=None) -> AuditEntry:
    actor = current_actor()
    user = user if user is not None else actor.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    entry = AuditEntry(
        user=user,
        username=getattr(user, "username", "") or ("" if actor.source == "web" else actor.source),
        ip=actor.ip,
        source=actor.source,
        request_id=actor.request_id,
        action=action,
        changes=changes or {},
        message=message[:500],
    )
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:200]
        entry.region_code = record_region(obj) if region_code is None else region_code
    elif region_code:
        entry.region_code = region_code
    entry.save()
    return entry


def log_bulk(action: str, objs, *, message: str = "") -> None:
    """One row per object for imports and bulk edits, written in one INSERT."""
    actor = current_actor()
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    entries = []
    for obj, changes in objs:
        entries.append(AuditEntry(
            user=user, username=getattr(user, "username", "") or actor.source, ip=actor.ip, source=actor.source,
            request_id=actor.request_id, action=action, changes=changes,
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
            object_id=str(obj.pk), object_repr=str(obj)[:200], region_code=record_region(obj), message=message,
        ))
    AuditEntry.objects.bulk_create(entries, batch_size=1000)


def history_for(obj):
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("user")


def redact(obj, fields, *, replacement_repr: str) -> int:
    """Erase personal information from an object's past audit entries (a person's right to deletion): the entries
    stay — who did what, when — but their object name becomes `replacement_repr` and the before/after values of
    `fields` become "（已删除）". The one sanctioned change to the append-only log; the caller logs the erasure itself.
    Returns the number of entries redacted."""
    erased = str(_("（已删除）"))
    count = 0
    for entry in history_for(obj).select_related(None).only("pk", "changes", "object_repr").iterator():
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        scrubbed = {name: ([erased if v not in (None, "") else v for v in pair] if isinstance(pair, list | tuple)
                           else erased) if name in fields else pair
                    for name, pair in changes.items()}
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr=replacement_repr[:200], changes=scrubbed)
        count += 1
    return count


@receiver(pre_save)
def _remember_before(sender, instance, raw=False, **kwargs):
    if raw or not isinstance(instance, AuditedModel) or instance._state.adding or instance.pk is None:
        return
    try:
        old = type(instance)._base_manager.get(pk=instance.pk)
    except type(instance).DoesNotExist:
        return
    instance._audit_before = snapshot(old)


@receiver(post_save)
def _log_save(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, AuditedModel):
        return
    after = snapshot(instance)
    if created:
        log(AuditEntry.CREATE, instance, changes={k: [None, v] for k, v in after.items() if v not in (None, "")})
        return
    before = getattr(instance, "_audit_before", None)
    changes = diff(before, after) if before is not None else {}
    instance._audit_before = after
    if changes:
        log(AuditEntry.UPDATE, instance, changes=changes)


@receiver(post_delete)
def _log_delete(sender, instance, **kwargs):
    if not isinstance(instance, AuditedModel):
        return
    log(AuditEntry.DELETE, instance, changes={k: [v, None] for k, v in snapshot(instance).items()})


# --- History as people read it: Chinese field labels, readable values ------------------------------------------


def labelled_value(value):
    if value is None or value == "":
        return None
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, list | tuple):
        return "、".join(".".join(map(str, v)) if isinstance(v, list | tuple) else str(v) for v in value)
    return value


FIELD_LABELS = {"roles": gettext_lazy("角色"), "permissions": gettext_lazy("权限")}


def _choice_label(field, value):
    """A stored choice code as its label (状态 "adopted" → 已采纳); codes no longer among the choices stay as they are."""
    if value is None or value == "" or isinstance(value, list | tuple | dict):
        return value
    labels = {str(code): label for code, label in field.flatchoices}
    return labels.get(str(value), value)


def _related_label(field, value, cache: dict):
    """A stored foreign key as the name of what it points to (阵地 5 → 船山区新联会活动室); a record deleted since
    keeps its key. `cache` spares a query per repeated key within one history."""
    if value is None or value == "" or isinstance(value, list | tuple | dict):
        return value
    key = (field.related_model, field.target_field.attname, str(value))
    if key not in cache:
        target = field.related_model._base_manager.filter(**{field.target_field.attname: value}).first()
        cache[key] = str(target) if target is not None else value
    return cache[key]


def _field_or_none(model, name: str):
    """A field removed since the entry was written keeps its code name in the display."""
    from django.core.exceptions import FieldDoesNotExist

    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def labelled_changes(model, changes: dict, cache: dict | None = None) -> list[dict]:
    """Field-level changes with the fields' Chinese names, choices by their labels and — when a `cache` dict is
    given (pages showing one record's history; not bulk exports, which would query per key) — foreign keys by
    the names of what they point to."""
    rows = []
    for name, pair in (changes or {}).items():
        label = FIELD_LABELS.get(name, name)
        field = _field_or_none(model, name) if model is not None else None
        if field is not None and not field.concrete:
            field = None
        if field is not None:
            if field.primary_key or not field.editable:
                continue
            label = field.verbose_name
        before, after = (list(pair) + [None, None])[:2] if isinstance(pair, list | tuple) else (None, pair)
        if field is not None and field.choices:
            before, after = _choice_label(field, before), _choice_label(field, after)
        elif cache is not None and field is not None and field.many_to_one and field.related_model is not None:
            before, after = _related_label(field, before, cache), _related_label(field, after, cache)
        rows.append({"name": name, "label": label, "before": labelled_value(before),
                     "after": labelled_value(after)})
    return rows


def labelled_history(obj, limit: int = 50) -> list[dict]:
    """The object's audit history in the shape core/_history.html reads, with Chinese field names."""
    model = type(obj)
    entries = []
    cache: dict = {}
    for entry in history_for(obj)[:limit]:
        changes = labelled_changes(model, entry.changes, cache)
        if entry.action == AuditEntry.UPDATE and entry.changes and not changes and not entry.message:
            continue  # only internal bookkeeping fields changed
        entries.append({
            "get_action_display": entry.get_action_display(), "username": entry.username,
            "timestamp": timezone.localtime(entry.timestamp), "message": entry.message,
            "changes": {row["label"]: [row["before"], row["after"]] for row in changes},
        })
    return entries
