"""Reads of the registry that take more than one query: labels of dictionary codes, the person page's details
and the timeline built from the audit log."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import audit
from tongxin.core.models import AuditEntry, DictItem, Region
from tongxin.people.models import Organization, Person, PersonState

PERSON_DICTS = {
    "ethnicity": "ethnicity",
    "political_affiliation": "political_affiliation",
    "education": "education",
    "subcategory": "person_category",
}

EXTRA_LABELS = {
    "tags": gettext_lazy("标签"),
    "specialties": gettext_lazy("专长"),
    "network_accounts": gettext_lazy("网络账号"),
    "merge": gettext_lazy("合并（被合并编号 → 保留编号）"),
    "undo_merge": gettext_lazy("撤销合并（保留编号 → 恢复编号）"),
    "moved_records": gettext_lazy("转移的关联记录数"),
}
TIMELINE_HIDDEN = {"name_pinyin", "name_initials", "created_at", "updated_at", "id"}


def dict_map(code: str) -> dict[str, str]:
    return dict(DictItem.objects.filter(dict_type__code=code).values_list("code", "label"))


def dict_choices(code: str, *, parent: str | None = None, top_level_only: bool = False) -> list[tuple[str, str]]:
    items = DictItem.objects.filter(dict_type__code=code, is_active=True)
    if top_level_only:
        items = items.filter(parent__isnull=True)
    if parent is not None:
        items = items.filter(parent__code=parent)
    return list(items.order_by("sort", "code").values_list("code", "label"))


def subcategory_choices() -> list[tuple[str, str]]:
    return list(DictItem.objects.filter(dict_type__code="person_category", parent__isnull=False, is_active=True)
                .order_by("sort", "code").values_list("code", "label"))


def subcategory_parents() -> dict[str, str]:
    """{sub-type code: category code}, to check that a sub-type belongs to the chosen category."""
    return dict(DictItem.objects.filter(dict_type__code="person_category", parent__isnull=False)
                .values_list("code", "parent__code"))


class Labeller:
    """Turns stored values (codes, ids, booleans) into what a person reads, loading each lookup once."""

    def __init__(self):
        self._dicts: dict[str, dict] = {}

    def dictionary(self, code: str) -> dict:
        if code not in self._dicts:
            self._dicts[code] = dict_map(code)
        return self._dicts[code]

    def field_label(self, name: str) -> str:
        if name in EXTRA_LABELS:
            return str(EXTRA_LABELS[name])
        try:
            return str(Person._meta.get_field(name).verbose_name)
        except Exception:  # noqa: BLE001 - a field removed since the entry was written keeps its name
            return name

    def value(self, name: str, value, refs: dict) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if isinstance(value, list):
            return "、".join(str(v) for v in value) or "—"
        if name in PERSON_DICTS:
            return self.dictionary(PERSON_DICTS[name]).get(str(value), str(value))
        if name == "category":
            return self.dictionary("person_category").get(str(value), str(value))
        if name in ("employer", "region", "user"):
            return refs.get(name, {}).get(value, str(value))
        try:
            field = Person._meta.get_field(name)
        except Exception:  # noqa: BLE001
            return str(value)
        if field.choices:
            return str(dict(field.choices).get(value, value))
        return str(value)


def person_timeline(person: Person, *, limit: int = 100) -> list[dict]:
    """The person's changes, newest first: who, when, what (field label, old → new), with sensitive values
    masked as the audit log holds them. Entries of one request (a save and its tag changes) are shown as one."""
    entries = list(audit.history_for(person)[:limit])
    employer_ids, region_codes, user_ids = set(), set(), set()
    for entry in entries:
        for name, pair in (entry.changes or {}).items():
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            target = {"employer": employer_ids, "region": region_codes, "user": user_ids}.get(name)
            if target is not None:
                target.update(v for v in pair if v not in (None, ""))
    from tongxin.core.models import User

    refs = {
        "employer": dict(Organization._base_manager.filter(pk__in=employer_ids).values_list("pk", "name")),
        "region": {code: f"{name}（{code}）" for code, name in
                   Region.objects.filter(code__in=region_codes).values_list("code", "name")},
        "user": {pk: str(u) for pk, u in ((u.pk, u) for u in User.objects.filter(pk__in=user_ids))},
    }
    labeller = Labeller()
    timeline: list[dict] = []
    for entry in entries:
        changes = []
        for name, pair in (entry.changes or {}).items():
            if name in TIMELINE_HIDDEN or not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            changes.append({
                "label": labeller.field_label(name),
                "old": labeller.value(name, pair[0], refs),
                "new": labeller.value(name, pair[1], refs),
            })
        item = {
            "timestamp": entry.timestamp,
            "action": entry.get_action_display(),
            "action_code": entry.action,
            "user": entry.username or "—",
            "message": entry.message,
            "changes": changes,
            "request_id": entry.request_id,
        }
        previous = timeline[-1] if timeline else None
        if (previous and entry.request_id and previous["request_id"] == entry.request_id
                and entry.action in (AuditEntry.UPDATE, AuditEntry.CREATE)
                and previous["action_code"] in (AuditEntry.UPDATE, AuditEntry.CREATE)):
            seen = {c["label"] for c in previous["changes"]}
            previous["changes"] += [c for c in changes if c["label"] not in seen]
            if entry.action == AuditEntry.CREATE:
                previous["action"], previous["action_code"] = item["action"], entry.action
            continue
        timeline.append(item)
    return timeline


def person_detail_sections(person: Person, *, revealed: dict | None = None) -> list[dict]:
    """The person page's details grouped as a reader expects them; sensitive values masked unless revealed."""
    labeller = Labeller()
    id_field = Person._meta.get_field("id_number")
    phone_field = Person._meta.get_field("phone")
    id_value = revealed["id_number"] if revealed else id_field.mask(person.id_number)
    phone_value = revealed["phone"] if revealed else phone_field.mask(person.phone)

    def row(label, value):
        return {"label": label, "value": value if value not in (None, "") else "—"}

    dictionary = labeller.dictionary
    category = person.get_category_display()
    subcategory = dictionary("person_category").get(person.subcategory, person.subcategory)
    return [
        {"title": _("基本信息"), "rows": [
            row(_("姓名"), person.name),
            row(_("拼音"), f"{person.name_pinyin}（{person.name_initials}）" if person.name_pinyin else ""),
            row(_("性别"), person.get_gender_display()),
            row(_("出生日期"), person.birth_date),
            row(_("民族"), dictionary("ethnicity").get(person.ethnicity, person.ethnicity)),
            row(_("政治面貌"), dictionary("political_affiliation").get(person.political_affiliation,
                                                                    person.political_affiliation)),
            row(_("学历"), dictionary("education").get(person.education, person.education)),
            row(_("身份证号"), id_value),
            row(_("手机号码"), phone_value),
        ]},
        {"title": _("工作与类别"), "rows": [
            row(_("工作单位"), person.employer),
            row(_("职务"), person.job_title),
            row(_("人士类别"), category),
            row(_("细分类别"), subcategory),
            row(_("所属区划"), person.region.full_name or person.region.name if person.region_id else ""),
            row(_("入库日期"), person.added_on),
        ]},
        {"title": _("状态"), "rows": [
            row(_("状态"), person.get_status_display()),
            row(_("状态变更日期"), person.status_date),
            row(_("状态变更原因"), person.status_reason),
        ]},
        {"title": _("来源与处理依据"), "rows": [
            row(_("信息来源"), person.source),
            row(_("处理依据"), person.get_lawful_basis_display()),
            row(_("同意/取得日期"), person.consent_date),
            row(_("处理目的"), person.consent_purpose),
            row(_("备注"), person.note),
        ]},
    ]


def compare_persons(first: Person, second: Person) -> list[dict]:
    """The two records' details side by side, for the merge page: [{title, rows: [{label, left, right,
    differs}]}]."""
    sections = []
    for left, right in zip(person_detail_sections(first), person_detail_sections(second), strict=True):
        rows = [{"label": a["label"], "left": a["value"], "right": b["value"], "differs": a["value"] != b["value"]}
                for a, b in zip(left["rows"], right["rows"], strict=True)]
        sections.append({"title": left["title"], "rows": rows})
    return sections


def state_on(person: Person, day: datetime.date) -> PersonState | None:
    return (PersonState.objects.filter(person=person, valid_from__lte=day)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day)).first())


IMPORT_ACTIONS = (
    ("create", gettext_lazy("新增")),
    ("update", gettext_lazy("更新（身份证号或系统编号相同）")),
    ("merge", gettext_lazy("合并到已有记录（疑似同一人：姓名与手机号码相同，或姓名、出生日期与工作单位相同）")),
    ("skip", gettext_lazy("已登记且没有变化，跳过")),
)


def import_preview(result) -> list[dict]:
    """What an import would do, grouped by action with sample rows, for the preview page."""
    labeller = Labeller()
    categories = labeller.dictionary("person_category")
    groups = []
    counts = {"create": result.created, "update": result.updated, "merge": result.merged, "skip": result.skipped}
    for action, label in IMPORT_ACTIONS:
        rows = []
        for row in result.samples.get(action, []):
            data = row.data
            target = row.target
            changes = "、".join(labeller.field_label("region" if k == "region_id" else k) for k in (row.extra or {}))
            rows.append({
                "number": row.number,
                "name": data.get("name", ""),
                "category": categories.get(data.get("category") or "", ""),
                "employer": data.get("employer") or "",
                "target": target,
                "changes": changes,
            })
        groups.append({"action": action, "label": label, "count": counts[action], "rows": rows})
    return groups
