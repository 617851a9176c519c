"""Specs of the import/export engine (tongxin.core.tabular) for associations and memberships.

- "associations": one row per association; matched by 系统编号, else by name inside the region; a parent
  (上级组织) is found by name among existing associations or rows earlier in the same file.
- "memberships": one row per member; the person is identified in the registry by ID number or mobile number
  (through the blind index, never by decrypting), and must carry the same name; the association by name inside
  the import's region (or the association the import was started from). A person already admitted is skipped,
  a pending application is admitted.

`tongxin import associations|memberships FILE --region CODE`, the import pages and the exports use these specs.
"""

from __future__ import annotations

import os

from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.keys import keyring
from tongxin.core.models import AuditEntry
from tongxin.core.scope import scope_prefix
from tongxin.core.tabular import CREATE, SKIP, UPDATE, Column, ImportSpec, parsers, register_importer
from tongxin.orgs import services
from tongxin.orgs.models import (
    OPEN_MEMBERSHIP,
    Association,
    AssociationStatus,
    Membership,
    MembershipStatus,
)
from tongxin.people.imports import KeepMasked, Masked
from tongxin.people.models import Person, Status
from tongxin.people.search import prefix_q

LEVEL_ALIASES = {"市": "city", "地市级": "city", "县": "county", "区": "county", "县区级": "county", "区级": "county",
                 "县级": "county", "乡镇": "township", "街道": "township", "乡镇级": "township", "街道级": "township"}
KIND_ALIASES = {"新的社会阶层人士联谊会": "01", "新阶联谊会": "01", "网络人士联谊会分会": "02", "网络联谊会": "02"}
STATUS = parsers.Choice(AssociationStatus.choices, aliases={"正常": AssociationStatus.ACTIVE,
                                                            "撤销": AssociationStatus.DISSOLVED,
                                                            "已注销": AssociationStatus.DISSOLVED})


def _real(value) -> bool:
    return value not in (None, "") and not isinstance(value, Masked)


def _file(context) -> str:
    return os.path.basename(context.filename or "")


# --- Associations ----------------------------------------------------------------------------------------------------

ASSOCIATION_FIELDS = ("name", "kind", "level", "founded_on", "supervising_department", "status", "dissolved_on",
                      "contact_person", "contact_phone", "address", "note")


class AssociationSpec(ImportSpec):
    name = "联谊组织"
    chunk_size = 1000
    columns = [
        Column("name", "组织名称", aliases=("名称", "组织", "联谊会名称", "新联会名称"), required=True,
               parser=parsers.Text(200), example="船山区新联会南津路街道分会"),
        Column("kind", "组织类型", aliases=("类型",), required=True,
               parser=parsers.DictChoice("association_kind", aliases=KIND_ALIASES, example="新联会")),
        Column("level", "组织层级", aliases=("层级", "级别"), required=True,
               parser=parsers.DictChoice("association_level", aliases=LEVEL_ALIASES, example="乡镇/街道")),
        Column("parent", "上级组织", aliases=("上级", "所属上级组织"), parser=parsers.Text(200),
               export=lambda a: a.parent.name if a.parent_id else "", example="船山区新联会",
               help="按名称查找，可以是本文件前面的行"),
        Column("region", "区划代码", aliases=("所在区划代码", "行政区划代码", "所属区划代码", "区划"),
               parser=parsers.RegionCode(), export=lambda a: a.region_id, help="不填时为导入时选择的区划"),
        Column("founded_on", "成立日期", aliases=("成立时间",), required=True, parser=parsers.Date()),
        Column("supervising_department", "业务指导部门", aliases=("主管部门", "业务主管单位", "指导部门"),
               parser=parsers.Text(200), example="船山区委统战部"),
        Column("status", "状态", parser=STATUS, example="存续"),
        Column("dissolved_on", "撤销日期", parser=parsers.Date()),
        Column("contact_person", "联系人", parser=parsers.Text(50)),
        Column("contact_phone", "办公电话", aliases=("联系电话", "电话"), parser=parsers.Text(30)),
        Column("address", "办公地址", aliases=("地址",), parser=parsers.Text(300)),
        Column("note", "备注", parser=parsers.Text(2000)),
        Column("member_count", "在会会员数", importable=False, export=lambda a: getattr(a, "member_count", None)),
        Column("pk", "系统编号", parser=parsers.Integer(min_value=1), export=lambda a: a.pk,
               help="导出文件自带，用于更新已有组织；新增组织留空"),
    ]

    def prepare(self, context):
        scope = context.scope or ""
        existing = Association.objects.all()
        if scope:
            existing = existing.filter(prefix_q("region_id", scope))
        by_name: dict[str, list[int]] = {}
        regions = {}
        for pk, name, region in existing.values_list("pk", "name", "region_id"):
            by_name.setdefault(name, []).append(pk)
            regions[pk] = region
        context.state.update(by_name=by_name, regions=regions, in_file={}, scope=scope)

    def clean_row(self, row, context):
        data = row.data
        if not data.get("region"):
            if not context.region:
                row.add_error("区划代码", _("区划代码不能为空（或在导入时选择区划）"))
            data["region"] = context.region
        for key, label in (("founded_on", "成立日期"), ("dissolved_on", "撤销日期")):
            if data.get(key) and data[key] > context.today:
                row.add_error(label, _("%(label)s不能晚于今天") % {"label": label})
        status = data.get("status") or AssociationStatus.ACTIVE
        data["status"] = status
        if status == AssociationStatus.DISSOLVED and not data.get("dissolved_on"):
            row.add_error("撤销日期", _("状态为已撤销时须填写撤销日期"))
        if status == AssociationStatus.ACTIVE:
            data["dissolved_on"] = None
        if data.get("dissolved_on") and data.get("founded_on") and data["dissolved_on"] < data["founded_on"]:
            row.add_error("撤销日期", _("撤销日期不能早于成立日期"))
        if data.get("parent") and data["parent"] == data["name"]:
            row.add_error("上级组织", _("上级组织不能是本组织"))

    def plan(self, rows, context):
        state = context.state
        pks = {row.data["pk"] for row in rows if row.data.get("pk")}
        targets = {a.pk: a for a in Association.objects.filter(pk__in=pks)}
        names = {row.data["name"] for row in rows if not row.data.get("pk")}
        by_name_region = {}
        for association in Association.objects.filter(name__in=names):
            by_name_region.setdefault((association.name, association.region_id), association)
        for row in rows:
            data = row.data
            target = None
            if data.get("pk"):
                target = targets.get(data["pk"])
                if target is None or not target.region_id.startswith(state["scope"]):
                    row.add_error("系统编号", _("系统编号 %(pk)s 不存在或不在您的数据范围内") % {"pk": data["pk"]})
                    continue
            else:
                target = by_name_region.get((data["name"], data["region"]))
            key = (data["name"], data["region"])
            first = state["in_file"].get(key)
            if first is not None and first != row.number:
                row.add_error("组织名称", _("与第 %(n)s 行的组织相同") % {"n": first})
                continue
            parent_name = data.get("parent")
            if parent_name:
                parents = [pk for pk in state["by_name"].get(parent_name, []) if pk != getattr(target, "pk", None)]
                candidates = {state["regions"][pk] for pk in parents} | {
                    region for (name, region) in state["in_file"] if name == parent_name}
                if len(candidates) > 1:
                    row.add_error("上级组织", _("名为“%(p)s”的组织不止一个，请核对") % {"p": parent_name})
                    continue
                if not candidates:
                    row.add_error("上级组织", _("没有找到名为“%(p)s”的组织（须已登记，或在本文件前面的行）") % {
                        "p": parent_name})
                    continue
                parent_region = candidates.pop()
                if not data["region"].startswith(parent_region):
                    row.add_error("区划代码", _("本组织的区划应在上级组织“%(p)s”的区划范围内") % {"p": parent_name})
                    continue
            state["in_file"][key] = row.number
            if target is None:
                row.action = CREATE
                continue
            changes = self._changes(target, data, context)
            row.target, row.extra = target, changes
            row.action = UPDATE if changes else SKIP

    @staticmethod
    def _changes(association, data, context) -> dict:
        changes = {}
        for field in ASSOCIATION_FIELDS:
            if field not in context.columns or field == "dissolved_on":
                continue
            value = data.get(field)
            if value not in (None, "") and value != getattr(association, field):
                changes[field] = value
        if ({"status", "dissolved_on"} & context.columns) and data.get("dissolved_on") != association.dissolved_on:
            changes["dissolved_on"] = data.get("dissolved_on")
        if "region" in context.columns and data.get("region") and data["region"] != association.region_id:
            changes["region_id"] = data["region"]
        if "parent" in context.columns:
            current = association.parent.name if association.parent_id else ""
            if (data.get("parent") or "") != current:
                changes["parent"] = data.get("parent") or ""
        return changes

    def write(self, rows, context):
        state = context.state
        created = []
        for row in rows:
            if row.action != CREATE:
                continue
            data = row.data
            association = Association(region_id=data["region"])
            for field in ASSOCIATION_FIELDS:
                value = data.get(field)
                if value is not None:
                    setattr(association, field, value)
            created.append(association)
        Association.objects.bulk_create(created, batch_size=1000)
        for association in created:
            state["by_name"].setdefault(association.name, []).append(association.pk)
            state["regions"][association.pk] = association.region_id
        updated, logged = [], []
        fields = set()
        for row in rows:
            if row.action != UPDATE:
                continue
            association, log = row.target, {}
            for field, value in row.extra.items():
                if field == "parent":
                    continue
                log["region" if field == "region_id" else field] = [audit._plain(getattr(association, field)),
                                                                    audit._plain(value)]
                setattr(association, field, value)
                fields.add(field)
            updated.append(association)
            logged.append((association, log))
        if fields:
            Association.objects.bulk_update(updated, sorted(fields), batch_size=1000)
        parents, parent_log = [], []
        by_key = {(a.name, a.region_id): a for a in created}
        for row in rows:
            name = row.data.get("parent")
            association = by_key.get((row.data["name"], row.data["region"])) if row.action == CREATE else row.target
            if association is None or (row.action == UPDATE and "parent" not in row.extra):
                continue
            if not name:
                if row.action == UPDATE:
                    association.parent_id = None
                    parents.append(association)
                continue
            candidates = [pk for pk in state["by_name"].get(name, []) if pk != association.pk]
            association.parent_id = candidates[0] if candidates else None
            parents.append(association)
            if row.action == UPDATE:
                parent_log.append((association, {"parent": [None, name]}))
        if parents:
            Association.objects.bulk_update(parents, ["parent"], batch_size=1000)
        message = _("导入：%(f)s") % {"f": _file(context)}
        audit.log_bulk(AuditEntry.CREATE, [(a, {"name": [None, a.name], "region": [None, a.region_id],
                                               "kind": [None, a.kind], "level": [None, a.level]})
                                           for a in created], message=message)
        audit.log_bulk(AuditEntry.UPDATE, logged + parent_log, message=message)
        for association in updated:
            if association.status == AssociationStatus.DISSOLVED and "status" in dict(logged).get(association, {}):
                services.close_for_dissolution(association)

    @staticmethod
    def export_queryset(queryset):
        return queryset.select_related("parent", "region").order_by("region_id", "name", "pk")


# --- Memberships -----------------------------------------------------------------------------------------------------


class MembershipSpec(ImportSpec):
    name = "会员"
    chunk_size = 2000
    columns = [
        Column("name", "姓名", aliases=("名字", "人员姓名", "会员姓名"), required=True, parser=parsers.Text(50),
               export=lambda m: m.person.name, example="张嘉骊"),
        Column("id_number", "身份证号", aliases=("身份证号码", "身份证", "公民身份号码", "身份号码"),
               parser=KeepMasked(parsers.IdNumber()), export=lambda m: m.person.id_number,
               help="与手机号码至少填一项，用于在人士库中找到此人"),
        Column("phone", "手机号码", aliases=("手机", "手机号", "联系电话", "电话", "联系方式"),
               parser=KeepMasked(parsers.Phone()), export=lambda m: m.person.phone),
        Column("association", "组织名称", aliases=("所属组织", "组织", "新联会", "分会", "会员所在组织", "所在组织"),
               parser=parsers.Text(200), export=lambda m: m.association.name, example="船山区新联会",
               help="在导入区划内按名称查找；从组织页面导入时可不填"),
        Column("joined_on", "入会日期", aliases=("入会时间", "加入日期"), parser=parsers.Date(),
               help="不填时为导入当天"),
        Column("status", "状态", importable=False, export=lambda m: m.get_status_display()),
        Column("left_on", "退会日期", importable=False),
        Column("employer", "工作单位", importable=False,
               export=lambda m: m.person.employer.name if m.person.employer_id else ""),
        Column("note", "备注", parser=parsers.Text(300)),
    ]

    def prepare(self, context):
        scope = context.scope or ""
        associations = Association.objects.filter(status=AssociationStatus.ACTIVE)
        if scope:
            associations = associations.filter(prefix_q("region_id", scope))
        by_name: dict[str, list[Association]] = {}
        for association in associations:
            by_name.setdefault(association.name, []).append(association)
        default = context.options.get("association")
        person_scope = scope_prefix(context.user) if context.user is not None else None
        context.state.update(by_name=by_name, default=default, seen={},
                             person_scope=(person_scope if person_scope is not None else scope))

    def clean_row(self, row, context):
        data = row.data
        if data.get("joined_on") and data["joined_on"] > context.today:
            row.add_error("入会日期", _("入会日期不能晚于今天"))
        if not data.get("association") and context.state["default"] is None:
            row.add_error("组织名称", _("组织名称不能为空"))

    def plan(self, rows, context):
        state = context.state
        by_id = self._persons(rows, "id_number", state["person_scope"])
        by_phone = self._persons(rows, "phone", state["person_scope"])
        masked = [row for row in rows if not _real(row.data.get("id_number")) and not _real(row.data.get("phone"))]
        by_name = self._persons_by_name(masked, state)
        planned = []
        for row in rows:
            data = row.data
            association = self._association(row, state)
            if association is None:
                continue
            id_number, phone = data.get("id_number"), data.get("phone")
            person = None
            if _real(id_number):
                person = by_id.get(id_number)
                if person is None:
                    row.add_error("身份证号", _("您的数据范围内的人士库中没有此身份证号的人士，请先登记或导入人士"))
                    continue
            elif _real(phone):
                person = by_phone.get(phone)
                if person is None:
                    row.add_error("手机号码", _("您的数据范围内的人士库中没有此手机号码的人士，请先登记或导入人士"))
                    continue
            elif isinstance(id_number, Masked) or isinstance(phone, Masked):
                person = by_name.get((data["name"], association.pk))
                if person is None:
                    row.add_error("身份证号", _("号码已脱敏，无法识别人士；请填写完整的身份证号或手机号码"))
                    continue
            else:
                row.add_error("身份证号", _("须填写身份证号或手机号码，用于在人士库中找到此人"))
                continue
            if person.name != data["name"]:
                row.add_error("姓名", _("人士库中此号码登记的姓名为“%(p)s”，与“%(n)s”不一致") % {
                    "p": person.name, "n": data["name"]})
                continue
            key = (person.pk, association.pk)
            first = state["seen"].setdefault(key, row.number)
            if first != row.number:
                row.add_error("姓名", _("与第 %(n)s 行是同一人、同一组织") % {"n": first})
                continue
            row.target, row.extra = person, {"association": association}
            planned.append(row)
        existing = {}
        if planned:
            for membership in Membership.objects.filter(
                    person__in=[r.target for r in planned], association__in={r.extra["association"] for r in planned},
                    status__in=OPEN_MEMBERSHIP):
                existing[(membership.person_id, membership.association_id)] = membership
        for row in planned:
            membership = existing.get((row.target.pk, row.extra["association"].pk))
            joining = membership is None or membership.status == MembershipStatus.APPLIED
            if joining and row.target.status != Status.ACTIVE:
                row.add_error("姓名", _("人士库中此人的状态为“%(s)s”，不能入会") % {"s": row.target.get_status_display()})
                continue
            if membership is None:
                row.action = CREATE
            elif membership.status == MembershipStatus.APPLIED:
                row.extra["membership"] = membership
                row.action = UPDATE
            else:
                row.action = SKIP

    def _association(self, row, state):
        name = row.data.get("association")
        if not name:
            return state["default"]
        found = state["by_name"].get(name, [])
        if len(found) > 1:
            row.add_error("组织名称", _("名为“%(a)s”的组织不止一个，请在该组织页面导入") % {"a": name})
            return None
        if not found:
            row.add_error("组织名称", _("导入区划内没有名为“%(a)s”的存续组织") % {"a": name})
            return None
        return found[0]

    @staticmethod
    def _persons(rows, field: str, scope: str) -> dict:
        values = {row.data[field] for row in rows if _real(row.data.get(field))}
        if not values:
            return {}
        model_field = Person._meta.get_field(field)
        index = {}
        for value in values:
            for bidx in keyring().blind_indexes(model_field.normalize(value), purpose=model_field.kind):
                index[bidx] = value
        persons = Person.objects.filter(is_erased=False, **{f"{field}_bidx__in": list(index)})
        if scope:
            persons = persons.filter(prefix_q("region_id", scope))
        return {index[getattr(p, f"{field}_bidx")]: p for p in persons}

    @staticmethod
    def _persons_by_name(rows, state) -> dict:
        """For rows of an export whose numbers are masked: the member of that name already in that association."""
        if not rows:
            return {}
        names = {row.data["name"] for row in rows}
        found = {}
        for membership in Membership.objects.filter(person__name__in=names, status__in=OPEN_MEMBERSHIP).select_related(
                "person"):
            found.setdefault((membership.person.name, membership.association_id), membership.person)
        return found

    def write(self, rows, context):
        created = [Membership(person=row.target, association=row.extra["association"],
                              status=MembershipStatus.ADMITTED, joined_on=row.data.get("joined_on") or context.today,
                              note=row.data.get("note") or "")
                   for row in rows if row.action == CREATE]
        Membership.objects.bulk_create(created, batch_size=1000)
        admitted = []
        for row in rows:
            if row.action != UPDATE:
                continue
            membership = row.extra["membership"]
            membership.status = MembershipStatus.ADMITTED
            membership.joined_on = row.data.get("joined_on") or context.today
            admitted.append(membership)
        if admitted:
            Membership.objects.bulk_update(admitted, ["status", "joined_on"], batch_size=1000)
        message = _("导入会员：%(f)s") % {"f": _file(context)}
        audit.log_bulk(AuditEntry.CREATE, [(m, {"person": [None, m.person.name], "status": [None, m.status],
                                               "joined_on": [None, m.joined_on.isoformat()]}) for m in created],
                       message=message)
        audit.log_bulk(AuditEntry.UPDATE, [(m, {"status": [MembershipStatus.APPLIED, m.status],
                                               "joined_on": [None, m.joined_on.isoformat()]}) for m in admitted],
                       message=message)

    @staticmethod
    def export_queryset(queryset):
        return queryset.select_related("person", "person__employer", "association").order_by(
            "association_id", "person__name_pinyin", "pk")


register_importer("associations", AssociationSpec, label="联谊组织", permission="orgs.add_association")
register_importer("memberships", MembershipSpec, label="会员", permission="orgs.add_membership")

__all__ = ["AssociationSpec", "MembershipSpec"]
