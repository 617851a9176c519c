"""Business rules of the registry: saving persons (with their state history), status changes, bulk edits,
duplicates, merge and undo, erasure, and audited access to full sensitive values.

Views, forms, the API, the importer and the demo seeder call these functions; none of them writes a person
by another road, because the state-history table (`PersonState`) that the figures are counted from is kept here.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import audit, validators
from tongxin.core.context import acting_as, current_actor
from tongxin.core.fields import EncryptedField, blind_index_for, blind_lookup
from tongxin.core.keys import keyring
from tongxin.core.models import AuditEntry
from tongxin.people.models import (
    NetworkAccount,
    Organization,
    Person,
    PersonMerge,
    PersonState,
    Specialty,
    Status,
    Tag,
)

FLAGS = {
    "representative": ("is_representative", "representative_since", gettext_lazy("代表人士")),
    "reserve": ("is_reserve", "reserve_since", gettext_lazy("储备人士")),
    "network": ("is_network_figure", "network_since", gettext_lazy("网络人士")),
}


@contextlib.contextmanager
def _acting(user):
    """Attribute the audit entries written inside to `user` when a caller names one explicitly."""
    actor = current_actor()
    if user is None or actor.user == user:
        yield
        return
    with acting_as(user, ip=actor.ip, source=actor.source if actor.source != "system" else "web"):
        yield


def _today() -> datetime.date:
    return timezone.localdate()


# --- State history ---------------------------------------------------------------------------------------------


def state_values(person: Person) -> dict:
    """The countable state of a person as the `PersonState` table stores it."""
    return {
        "region_code": person.region_id,
        "category": person.category,
        "subcategory": person.subcategory or "",
        "status": person.status,
        "is_representative": bool(person.is_representative),
        "representative_level": (person.representative_level or "") if person.is_representative else "",
        "is_reserve": bool(person.is_reserve),
        "reserve_since": (person.reserve_since or person.added_on) if person.is_reserve else None,
        "is_network_figure": bool(person.is_network_figure),
    }


def _entry_events(person: Person) -> list[tuple[datetime.date, dict]]:
    """What happened to a new record after it entered the registry, from the dates it carries."""
    start = person.added_on
    values = state_values(person)
    events = []
    if person.is_representative:
        events.append((person.representative_since or start,
                       {"is_representative": True, "representative_level": values["representative_level"]}))
    if person.is_reserve:
        events.append((person.reserve_since or start, {"is_reserve": True, "reserve_since": values["reserve_since"]}))
    if person.is_network_figure:
        events.append((person.network_since or start, {"is_network_figure": True}))
    if person.status != Status.ACTIVE:
        events.append((person.status_date or start, {"status": person.status}))
    return sorted(((max(day, start), change) for day, change in events), key=lambda e: e[0])


def initial_states(person: Person) -> list[PersonState]:
    """The state intervals of a record being created (unsaved, for bulk_create), from `added_on` onward."""
    return [PersonState(person=person, **values) for values in initial_state_values(person)]


def initial_state_values(person) -> list[dict]:
    """`initial_states` as plain dicts (field name → value, without the person), for writers that insert rows
    without model instances (the importer). `person` is anything with the Person attributes the state reads."""
    base = state_values(person)
    base.update(status=Status.ACTIVE, is_representative=False, representative_level="", is_reserve=False,
                reserve_since=None, is_network_figure=False, valid_from=person.added_on, valid_to=None)
    rows = [base]
    for day, change in _entry_events(person):
        last = rows[-1]
        if day > last["valid_from"]:
            last = rows[-1] = {**last, "valid_to": day}
            rows.append({**last, "valid_from": day, "valid_to": None})
        rows[-1].update(change)
    return rows


def apply_state_change(person_id: int, changes: dict, on: datetime.date) -> None:
    """From day `on` onward the person's state has `changes`: split the interval holding `on`, update the rest.

    A day before the person entered the registry means "since entry".
    """
    rows = list(
        PersonState.objects.filter(person_id=person_id)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .order_by("valid_from", "id")
    )
    if not rows:
        return
    first = rows[0]
    if first.valid_from < on:
        values = {name: getattr(first, name) for name in PersonState.STATE_FIELDS}
        tail = PersonState(person_id=person_id, valid_from=on, valid_to=first.valid_to, **values)
        first.valid_to = on
        first.save(update_fields=["valid_to"])
        rows[0] = tail
    for row in rows:
        for name, value in changes.items():
            setattr(row, name, value)
    new = [row for row in rows if row.pk is None]
    old = [row for row in rows if row.pk is not None]
    PersonState.objects.bulk_create(new)
    if old:
        PersonState.objects.bulk_update(old, list(changes))


def _state_events(person: Person, before: dict, on: datetime.date) -> list[tuple[datetime.date, dict]]:
    after = state_values(person)
    changed = {name for name in after if before.get(name) != after[name]}
    events: list[tuple[datetime.date, dict]] = []
    plain = {name: after[name] for name in changed & {"region_code", "category", "subcategory"}}
    if plain:
        events.append((on, plain))
    if "status" in changed:
        events.append((person.status_date or on, {"status": after["status"]}))
    if changed & {"is_representative", "representative_level"}:
        day = (person.representative_since or on) if "is_representative" in changed and after[
            "is_representative"] else on
        events.append((day, {"is_representative": after["is_representative"],
                             "representative_level": after["representative_level"]}))
    if changed & {"is_reserve", "reserve_since"}:
        if after["is_reserve"]:
            day = after["reserve_since"]
            if "is_reserve" not in changed and before.get("reserve_since"):
                day = min(day, before["reserve_since"])
        else:
            day = on
        events.append((day, {"is_reserve": after["is_reserve"], "reserve_since": after["reserve_since"]}))
    if "is_network_figure" in changed:
        day = (person.network_since or on) if after["is_network_figure"] else on
        events.append((day, {"is_network_figure": after["is_network_figure"]}))
    return sorted(events, key=lambda e: e[0])


def sync_states(person: Person, before: dict | None, *, on: datetime.date | None = None) -> None:
    """Write the state history after `person` was saved; `before` is `state_values` as it was (None: new)."""
    if before is None or not PersonState.objects.filter(person_id=person.pk).exists():
        PersonState.objects.filter(person_id=person.pk).delete()
        PersonState.objects.bulk_create(initial_states(person))
        return
    for day, change in _state_events(person, before, on or _today()):
        apply_state_change(person.pk, change, day)


def _clip_states_to_entry(person: Person) -> None:
    """`added_on` was edited: the history starts on the new entry day."""
    first = PersonState.objects.filter(person_id=person.pk).order_by("valid_from", "id").first()
    if first is None or first.valid_from == person.added_on:
        return
    if person.added_on < first.valid_from:
        PersonState.objects.filter(pk=first.pk).update(valid_from=person.added_on)
        return
    PersonState.objects.filter(person_id=person.pk, valid_to__isnull=False,
                               valid_to__lte=person.added_on).delete()
    first = PersonState.objects.filter(person_id=person.pk).order_by("valid_from", "id").first()
    if first is not None:
        PersonState.objects.filter(pk=first.pk).update(valid_from=person.added_on)


# --- Tags, specialties, accounts -------------------------------------------------------------------------------


def split_names(text) -> list[str]:
    """Tag-like text as typed by people: "法律咨询、科普，心理 咨询" → names, de-duplicated, order kept."""
    if isinstance(text, list | tuple | set):
        parts = [str(p) for p in text]
    else:
        parts = str(text or "").replace("，", ",").replace("、", ",").replace("；", ",").replace(";", ",").split(",")
    names: list[str] = []
    for part in parts:
        name = validators.normalize_text(part)
        if name and name not in names:
            names.append(name)
    return names


def _named(model, names: list[str]) -> list:
    """Rows of Tag or Specialty with these names, created where missing (one query each way)."""
    if not names:
        return []
    existing = {obj.name: obj for obj in model.objects.filter(name__in=names)}
    missing = [model(name=name[:model._meta.get_field("name").max_length]) for name in names if name not in existing]
    if missing:
        model.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {obj.name: obj for obj in model.objects.filter(name__in=names)}
    return [existing[name] for name in names if name in existing]


def tags_named(names) -> list[Tag]:
    return _named(Tag, split_names(names))


def specialties_named(names) -> list[Specialty]:
    return _named(Specialty, split_names(names))


def _account_summary(accounts) -> list[str]:
    return [str(a) for a in accounts]


# --- Saving a person -------------------------------------------------------------------------------------------


_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff·•])\s+(?=[\u3400-\u9fff·•])")


def normalize_name(text) -> str:
    """A name as stored and compared: "李  四" (padded to line up in a ledger) is 李四; "Tom 李" keeps its space."""
    return _CJK_GAP.sub("", validators.normalize_text(text))


def _derive_from_id_number(person: Person) -> None:
    if not person.id_number:
        return
    info = validators.check_id_number(person.id_number)
    person.id_number = info.number
    person.birth_date = info.birth_date
    if not person.gender:
        person.gender = info.gender


def _check_person(person: Person) -> None:
    person.name = normalize_name(person.name)
    if not person.name:
        raise ValidationError({"name": _("姓名不能为空")})
    if person.phone:
        try:
            person.phone = validators.check_phone(person.phone)
        except validators.ValidationError as exc:
            raise ValidationError({"phone": exc.message}) from None
    try:
        _derive_from_id_number(person)
    except validators.ValidationError as exc:
        raise ValidationError({"id_number": exc.message}) from None
    for flag, since in (("is_representative", "representative_since"), ("is_reserve", "reserve_since"),
                        ("is_network_figure", "network_since")):
        if not getattr(person, flag):
            setattr(person, since, None)
    if not person.is_representative:
        person.representative_level = ""


def save_person(person: Person, *, user=None, tags=None, specialties=None, accounts=None,
                effective_date: datetime.date | None = None) -> Person:
    """Create or update a person; keep the state history and log tag, specialty and account changes.

    `tags` / `specialties`: names (None leaves them as they are). `accounts`: list of dicts with platform,
    account_name, follower_count that replaces the person's declared accounts (None leaves them).
    A status change must carry a reason (`status_reason`); prefer `change_status`.
    """
    _check_person(person)
    with transaction.atomic(), _acting(user):
        before = None
        old = None
        if person.pk is not None:
            old = Person._base_manager.filter(pk=person.pk).first()
        if old is not None:
            before = state_values(old)
            if old.status != person.status and not (person.status_reason or "").strip():
                raise ValidationError({"status_reason": _("变更状态须填写原因")})
            if old.status != person.status and person.status_reason == old.status_reason:
                raise ValidationError({"status_reason": _("变更状态须填写本次变更的原因")})
        person.save()
        extra: dict = {}
        if tags is not None:
            old_names = sorted(person.tags.values_list("name", flat=True)) if old is not None else []
            new_tags = tags_named(tags)
            person.tags.set(new_tags)
            if sorted(t.name for t in new_tags) != old_names:
                extra["tags"] = [old_names, sorted(t.name for t in new_tags)]
        if specialties is not None:
            old_names = sorted(person.specialties.values_list("name", flat=True)) if old is not None else []
            new_specialties = specialties_named(specialties)
            person.specialties.set(new_specialties)
            if sorted(s.name for s in new_specialties) != old_names:
                extra["specialties"] = [old_names, sorted(s.name for s in new_specialties)]
        if accounts is not None:
            extra.update(_replace_accounts(person, accounts, existed=old is not None))
        if extra:
            audit.log(AuditEntry.UPDATE if old is not None else AuditEntry.CREATE, person, changes=extra)
        if old is not None and old.added_on != person.added_on:
            _clip_states_to_entry(person)
        sync_states(person, before, on=effective_date)
    return person


def _replace_accounts(person: Person, accounts: list[dict], *, existed: bool) -> dict:
    current = list(person.network_accounts.all()) if existed else []
    wanted = [
        NetworkAccount(person=person, platform=a["platform"], account_name=validators.normalize_text(a["account_name"]),
                       follower_count=a.get("follower_count"))
        for a in accounts if a.get("platform") and validators.normalize_text(a.get("account_name", ""))
    ]
    old_summary, new_summary = _account_summary(current), _account_summary(wanted)
    if old_summary == new_summary:
        return {}
    person.network_accounts.all().delete()
    NetworkAccount.objects.bulk_create(wanted)
    return {"network_accounts": [old_summary, new_summary]}


def change_status(person: Person, status: str, date: datetime.date | None = None, reason: str = "",
                  user=None) -> Person:
    """在册 → 迁出 / 退出 / 去世 (or back): needs a reason, takes effect on `date` (default today)."""
    if status not in Status.values:
        raise ValidationError({"status": _("状态不正确")})
    reason = validators.normalize_text(reason)
    if not reason:
        raise ValidationError({"reason": _("变更状态须填写原因")})
    date = date or _today()
    if date > _today():
        raise ValidationError({"date": _("变更日期不能晚于今天")})
    with transaction.atomic(), _acting(user):
        person = Person._base_manager.select_for_update().get(pk=person.pk)
        if person.status == status:
            raise ValidationError({"status": _("人士已是“%(s)s”状态") % {"s": person.get_status_display()}})
        before = state_values(person)
        person.status, person.status_date, person.status_reason = status, date, reason[:200]
        person.save(update_fields=["status", "status_date", "status_reason", "updated_at"])
        sync_states(person, before, on=date)
    return person


# --- Bulk actions ----------------------------------------------------------------------------------------------

BULK_SET_FLAG, BULK_CLEAR_FLAG, BULK_ADD_TAG, BULK_CHANGE_STATUS = "set_flag", "clear_flag", "add_tag", "change_status"
BULK_ACTIONS = {
    BULK_SET_FLAG: gettext_lazy("设置标记"),
    BULK_CLEAR_FLAG: gettext_lazy("取消标记"),
    BULK_ADD_TAG: gettext_lazy("添加标签"),
    BULK_CHANGE_STATUS: gettext_lazy("变更状态"),
}


def bulk_update_persons(persons, *, action: str, user=None, flag: str = "", level: str = "", tag: str = "",
                        status: str = "", date: datetime.date | None = None, reason: str = "") -> int:
    """One action on many persons in one transaction, audited row by row. Returns how many changed."""
    date = date or _today()
    if action not in BULK_ACTIONS:
        raise ValidationError(_("未知的批量操作"))
    if action in (BULK_SET_FLAG, BULK_CLEAR_FLAG) and flag not in FLAGS:
        raise ValidationError({"flag": _("请选择标记")})
    if action == BULK_ADD_TAG and not split_names(tag):
        raise ValidationError({"tag": _("请填写标签")})
    if action == BULK_CHANGE_STATUS:
        if status not in Status.values:
            raise ValidationError({"status": _("请选择状态")})
        if not validators.normalize_text(reason):
            raise ValidationError({"reason": _("变更状态须填写原因")})
    if date > _today():
        raise ValidationError({"date": _("日期不能晚于今天")})
    with transaction.atomic(), _acting(user):
        rows = list(Person._base_manager.select_for_update().filter(pk__in=persons.values("pk"), is_erased=False))
        if action == BULK_ADD_TAG:
            return _bulk_add_tags(rows, tags_named(tag))
        changed, logged, befores = [], [], {}
        fields: set[str] = set()
        for person in rows:
            before_values = {}
            befores[person.pk] = state_values(person)
            if action == BULK_SET_FLAG:
                attr, since, _label = FLAGS[flag]
                if getattr(person, attr) and (flag != "representative" or not level
                                              or person.representative_level == level):
                    continue
                before_values = {attr: getattr(person, attr), since: getattr(person, since)}
                setattr(person, attr, True)
                if not getattr(person, since):
                    setattr(person, since, date)
                if flag == "representative":
                    before_values["representative_level"] = person.representative_level
                    person.representative_level = level or person.representative_level
            elif action == BULK_CLEAR_FLAG:
                attr, since, _label = FLAGS[flag]
                if not getattr(person, attr):
                    continue
                before_values = {attr: True, since: getattr(person, since)}
                setattr(person, attr, False)
                setattr(person, since, None)
                if flag == "representative":
                    before_values["representative_level"] = person.representative_level
                    person.representative_level = ""
            else:
                if person.status == status:
                    continue
                before_values = {"status": person.status, "status_date": person.status_date,
                                 "status_reason": person.status_reason}
                person.status, person.status_date = status, date
                person.status_reason = validators.normalize_text(reason)[:200]
            fields |= set(before_values)
            changes = {
                name: [audit._plain(old), audit._plain(getattr(person, name))]
                for name, old in before_values.items() if old != getattr(person, name)
            }
            changed.append(person)
            logged.append((person, changes))
        if not changed:
            return 0
        now = timezone.now()
        for person in changed:
            person.updated_at = now
        Person._base_manager.bulk_update(changed, sorted(fields | {"updated_at"}), batch_size=500)
        audit.log_bulk(AuditEntry.UPDATE, logged, message=str(BULK_ACTIONS[action]))
        for person in changed:
            sync_states(person, befores[person.pk], on=date)
    return len(changed)


def _bulk_add_tags(rows: list[Person], tags: list[Tag]) -> int:
    through = Person.tags.through
    current: dict[int, list[str]] = {}
    have = set()
    for person_id, tag_id, name in through.objects.filter(person_id__in=[p.pk for p in rows]).values_list(
            "person_id", "tag_id", "tag__name"):
        current.setdefault(person_id, []).append(name)
        have.add((person_id, tag_id))
    new_links, logged = [], []
    for person in rows:
        added = [t for t in tags if (person.pk, t.pk) not in have]
        if not added:
            continue
        new_links += [through(person_id=person.pk, tag_id=t.pk) for t in added]
        old = sorted(current.get(person.pk, []))
        logged.append((person, {"tags": [old, sorted(old + [t.name for t in added])]}))
    through.objects.bulk_create(new_links, ignore_conflicts=True)
    if logged:
        audit.log_bulk(AuditEntry.UPDATE, logged, message=str(BULK_ACTIONS[BULK_ADD_TAG]))
    return len(logged)


# --- Duplicates ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    person: Person
    reason: str
    certain: bool


def find_duplicates(candidate: Person, *, queryset=None) -> list[Duplicate]:
    """Records that are (same ID number) or may be (same name + phone; same name + birth date + employer) the
    same person as `candidate`, which may be unsaved. Certain matches first. Not scope-restricted: the caller
    decides what the user may see.
    """
    queryset = (queryset if queryset is not None else Person.objects.all()).filter(is_erased=False)
    if candidate.pk is not None:
        queryset = queryset.exclude(pk=candidate.pk)
    queryset = queryset.select_related("employer", "region")
    found: dict[int, Duplicate] = {}
    id_number = validators.normalize_digits(candidate.id_number or "")
    if id_number:
        for person in queryset.filter(**blind_lookup(Person, "id_number", id_number)):
            found[person.pk] = Duplicate(person, _("身份证号相同"), True)
    name = normalize_name(candidate.name or "")
    if name:
        if candidate.phone:
            for person in queryset.filter(name=name, **blind_lookup(Person, "phone", candidate.phone)):
                found.setdefault(person.pk, Duplicate(person, _("姓名和手机号码相同"), False))
        if candidate.birth_date and candidate.employer_id:
            for person in queryset.filter(name=name, birth_date=candidate.birth_date,
                                          employer_id=candidate.employer_id):
                found.setdefault(person.pk, Duplicate(person, _("姓名、出生日期和工作单位相同"), False))
    return sorted(found.values(), key=lambda d: (not d.certain, d.person.pk))


# --- Merge and undo --------------------------------------------------------------------------------------------

MERGE_FILL_FIELDS = ("gender", "birth_date", "ethnicity", "political_affiliation", "education", "employer",
                     "job_title", "id_number", "phone", "lawful_basis", "consent_date", "consent_purpose", "note",
                     "user")


def _json_value(field, value):
    if isinstance(field, EncryptedField):
        return keyring().encrypt(value) if value else ""
    return audit._plain(value)


def _python_value(field, value):
    if isinstance(field, EncryptedField):
        return keyring().decrypt(value) if value else ""
    if value is None:
        return None
    return field.to_python(value)


def row_snapshot(obj) -> dict:
    """Every concrete column of a row, JSON-safe, with encrypted values kept encrypted."""
    return {
        "model": obj._meta.label,
        "pk": obj.pk,
        "fields": {f.attname: _json_value(f, getattr(obj, f.attname)) for f in obj._meta.concrete_fields
                   if not f.name.endswith("_bidx")},
    }


def restore_row(data: dict):
    from django.apps import apps

    model = apps.get_model(data["model"])
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    values = {name: _python_value(by_attname[name], value) for name, value in data["fields"].items()
              if name in by_attname}
    obj = model(**values)
    auto_now = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)
                or getattr(f, "auto_now_add", False)]
    obj.save(force_insert=True)
    if auto_now:
        model._base_manager.filter(pk=obj.pk).update(**{f.attname: values[f.attname] for f in auto_now
                                                         if f.attname in values})
    return obj


def _references_to_person() -> list:
    """Every foreign key or one-to-one field, of any installed model, that points at Person — including hidden
    ones (related_name="+") and the through tables of many-to-many relations, Person's own tags included."""
    return [
        rel.field for rel in Person._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)
        and rel.related_model is not PersonState
    ]


def _repoint_relations(remove: Person, keep: Person) -> tuple[list, list]:
    """Point every row that references `remove` at `keep`, discovered from the model graph, so the relations of
    apps written later are covered. A row that would then duplicate one of `keep`'s (a unique constraint, e.g. the
    same tag or the same association) is kept in the merge record and deleted instead."""
    repointed, deleted = [], []
    for field in _references_to_person():
        model = field.model
        rows = model._base_manager.filter(**{field.attname: remove.pk})
        pks = list(rows.values_list("pk", flat=True))
        if not pks:
            continue
        moved = []
        try:
            with transaction.atomic():
                rows.update(**{field.attname: keep.pk})
            moved = pks
        except IntegrityError:
            for obj in model._base_manager.filter(pk__in=pks):
                try:
                    with transaction.atomic():
                        model._base_manager.filter(pk=obj.pk).update(**{field.attname: keep.pk})
                    moved.append(obj.pk)
                except IntegrityError:
                    deleted.append(row_snapshot(obj))
                    obj.delete()
        if moved:
            repointed.append({"model": model._meta.label, "field": field.attname, "pks": moved})
    return repointed, deleted


def merge_persons(keep: Person, remove: Person, user=None) -> PersonMerge:
    """Merge `remove` into `keep`: related records (tags and specialties too) move to `keep`, blanks of `keep`
    are filled from `remove`, `remove` is deleted. Recorded in both histories; `undo_merge` reverses it.
    """
    if keep.pk == remove.pk:
        raise ValidationError(_("不能将人士与自身合并"))
    with transaction.atomic(), _acting(user):
        keep = Person._base_manager.select_for_update().get(pk=keep.pk)
        remove = Person._base_manager.select_for_update().get(pk=remove.pk)
        if keep.is_erased or remove.is_erased:
            raise ValidationError(_("已删除个人信息的记录不能合并"))
        snapshot = row_snapshot(remove)
        snapshot["states"] = [row_snapshot(s) for s in remove.states.all()]
        keep_before = {}
        for name in MERGE_FILL_FIELDS:
            field = Person._meta.get_field(name)
            if getattr(keep, field.attname) in (None, "") and getattr(remove, field.attname) not in (None, ""):
                keep_before[field.attname] = _json_value(field, getattr(keep, field.attname))
                setattr(keep, field.attname, getattr(remove, field.attname))
        Person._base_manager.filter(pk=remove.pk).update(id_number_bidx="", user=None)
        repointed, deleted = _repoint_relations(remove, keep)
        record = PersonMerge.objects.create(
            keep=keep, removed_id=remove.pk, removed_name=remove.name, region_code=keep.region_id,
            snapshot=snapshot, repointed=repointed, deleted_rows=deleted, keep_before=keep_before,
            user=user if getattr(user, "is_authenticated", False) else None,
        )
        message = _("“%(removed)s”（编号%(rid)s）已合并到“%(keep)s”（编号%(kid)s）") % {
            "removed": remove.name, "rid": remove.pk, "keep": keep.name, "kid": keep.pk}
        moved = sum(len(r["pks"]) for r in repointed)
        changes = {"merge": [remove.pk, keep.pk], "moved_records": [None, moved]}
        audit.log(AuditEntry.MERGE, keep, changes=changes, message=message)
        audit.log(AuditEntry.MERGE, remove, changes=changes, message=message)
        remove.delete()
        keep.save()
    return record


def undo_merge(merge: PersonMerge, user=None) -> Person:
    """Restore the removed person with its history, tags and related records, and `keep` as it was."""
    if merge.undone_at is not None:
        raise ValidationError(_("该合并已撤销"))
    if merge.keep_id is None:
        raise ValidationError(_("保留的人士记录已被删除，无法撤销合并"))
    with transaction.atomic(), _acting(user):
        keep = Person._base_manager.select_for_update().get(pk=merge.keep_id)
        if Person._base_manager.filter(pk=merge.removed_id).exists():
            raise ValidationError(_("被合并的人士记录已存在，无法撤销"))
        for attname, value in merge.keep_before.items():
            field = next(f for f in Person._meta.concrete_fields if f.attname == attname)
            setattr(keep, attname, _python_value(field, value))
        keep.save()
        snapshot = merge.snapshot
        removed = restore_row({k: v for k, v in snapshot.items() if k in ("model", "pk", "fields")})
        for state in snapshot.get("states", []):
            restore_row(state)
        from django.apps import apps

        for entry in merge.repointed:
            model = apps.get_model(entry["model"])
            model._base_manager.filter(pk__in=entry["pks"], **{entry["field"]: keep.pk}).update(
                **{entry["field"]: removed.pk})
        for row in merge.deleted_rows:
            restore_row(row)
        merge.undone_at = timezone.now()
        merge.undone_by = user if getattr(user, "is_authenticated", False) else None
        merge.save(update_fields=["undone_at", "undone_by"])
        message = _("撤销合并：恢复“%(removed)s”（编号%(rid)s）") % {"removed": removed.name, "rid": removed.pk}
        audit.log(AuditEntry.MERGE, keep, changes={"undo_merge": [keep.pk, removed.pk]}, message=message)
        audit.log(AuditEntry.MERGE, removed, changes={"undo_merge": [keep.pk, removed.pk]}, message=message)
    return removed


# --- Erasure and sensitive values -----------------------------------------------------------------------------

ERASED_FIELDS = ("name", "gender", "birth_date", "ethnicity", "political_affiliation", "education", "employer",
                 "job_title", "id_number", "phone", "note", "user", "tags", "specialties", "network_accounts")


def erase_person(person: Person, reason: str, user=None) -> Person:
    """Honour a request to delete personal information: the record stays (as "已删除人员") with its category,
    region, status and flag history, so past figures do not change; everything that identifies the person goes.
    """
    reason = validators.normalize_text(reason)
    if not reason:
        raise ValidationError({"reason": _("删除个人信息须填写原因")})
    with transaction.atomic(), _acting(user):
        person = Person._base_manager.select_for_update().get(pk=person.pk)
        if person.is_erased:
            raise ValidationError(_("该人士的个人信息已删除"))
        person.network_accounts.all().delete()
        person.tags.clear()
        person.specialties.clear()
        Person._base_manager.filter(pk=person.pk).update(
            name=Person.ERASED_NAME, name_pinyin="", name_initials="", gender="", birth_date=None, ethnicity="",
            political_affiliation="", education="", employer=None, job_title="", id_number="", id_number_bidx="",
            phone="", phone_bidx="", note="", user=None, is_erased=True, updated_at=timezone.now(),
        )
        person.refresh_from_db()
        audit.redact(person, ERASED_FIELDS, replacement_repr=str(person))
        erased = str(_("（已删除）"))
        audit.log(AuditEntry.UPDATE, person, changes={name: [erased, None] for name in ERASED_FIELDS},
                  message=_("删除个人信息：%(reason)s") % {"reason": reason[:400]})
    return person


def blind_index_of(field_name: str, value: str) -> str:
    """The blind index `pre_save` would store, for writes that bypass it (bulk_update)."""
    field = Person._meta.get_field(field_name)
    normalized = field.normalize(value or "")
    return blind_index_for(field.kind, normalized) if normalized else ""


def reveal_sensitive(person: Person, user) -> dict:
    """The full ID number and phone, for a user allowed to see them; every call is in the audit log."""
    if not user.has_perm("core.view_sensitive"):
        raise PermissionDenied(_("没有查看完整敏感信息的权限"))
    with _acting(user):
        audit.log(AuditEntry.VIEW_SENSITIVE, person, message=_("查看完整身份证号、手机号码"))
    return {"id_number": person.id_number, "phone": person.phone}


# --- Organizations ---------------------------------------------------------------------------------------------


def save_organization(organization: Organization, *, user=None) -> Organization:
    organization.name = validators.normalize_text(organization.name)
    if not organization.name:
        raise ValidationError({"name": _("单位名称不能为空")})
    if organization.credit_code:
        try:
            organization.credit_code = validators.check_credit_code(organization.credit_code)
        except validators.ValidationError as exc:
            raise ValidationError({"credit_code": exc.message}) from None
        clash = Organization._base_manager.filter(credit_code=organization.credit_code).exclude(pk=organization.pk)
        if clash.exists():
            raise ValidationError({"credit_code": _("该统一社会信用代码已登记")})
    with transaction.atomic(), _acting(user):
        organization.save()
    return organization


def employers_by_name(names_by_region: dict[str, set[str]], *, create: bool = True) -> dict[tuple[str, str], int]:
    """{(region code, normalized name): organization id} for many employers at once (an import): existing
    organizations are matched by name in the region; missing ones are created in bulk when `create`."""
    found: dict[tuple[str, str], int] = {}
    wanted = {(region, validators.normalize_text(name)) for region, names in names_by_region.items()
              for name in names if validators.normalize_text(name)}
    if not wanted:
        return found
    regions = {region for region, _name in wanted}
    names = {name for _region, name in wanted}
    for chunk_start in range(0, len(names), 500):
        chunk = sorted(names)[chunk_start:chunk_start + 500]
        for pk, region, name in Organization.objects.filter(region_id__in=regions, name__in=chunk).order_by(
                "id").values_list("pk", "region_id", "name"):
            found.setdefault((region, name), pk)
    missing = sorted(wanted - set(found))
    if missing and create:
        created = Organization.objects.bulk_create(
            [Organization(region_id=region, name=name[:200]) for region, name in missing], batch_size=1000)
        if any(o.pk is None for o in created):
            return employers_by_name(names_by_region, create=False)
        audit.log_bulk(AuditEntry.CREATE, [(o, {"name": [None, o.name], "region": [None, o.region_id]})
                                           for o in created], message=str(_("导入时新建单位")))
        for org in created:
            found[(org.region_id, org.name)] = org.pk
    return found

