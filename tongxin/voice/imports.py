"""Spreadsheet specs of voice and arrangements (tongxin.core.tabular): proposals and political arrangements in and
out (`tongxin import proposals FILE --region CODE`, `tongxin import arrangements FILE --region CODE`).

Persons are found by 人士编号 (an export carries it) or by name inside the import's region; a name two registry
persons share must be given with the 人士编号. A row repeating a record already there (same title and date for a
proposal; same person, body, level and term for an arrangement) is skipped, so importing a file twice, or an export,
changes nothing. Rows are written through the services, so the rules, the timeline and the audit are the same as on
the pages.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tongxin.core.tabular import CREATE, SKIP, Column, ImportSpec, parsers, register_importer
from tongxin.orgs.models import Association
from tongxin.people.models import Person, Status
from tongxin.voice import services
from tongxin.voice.models import (
    AdoptionForm,
    ArrangementStatus,
    Body,
    Level,
    PoliticalArrangement,
    Proposal,
    ProposalChannel,
    ProposalSource,
    ProposalStatus,
    Topic,
)

_NAMES = re.compile(r"[、,，;；/\s]+")

LEVEL_PARSER = parsers.Choice(Level.choices, aliases={
    "国家": Level.NATIONAL, "全国": Level.NATIONAL, "省": Level.PROVINCIAL, "市": Level.CITY,
    "区": Level.COUNTY, "县": Level.COUNTY, "区级": Level.COUNTY, "县级": Level.COUNTY, "市（区）": Level.COUNTY,
    "乡镇": Level.TOWNSHIP, "街道": Level.TOWNSHIP, "乡镇级": Level.TOWNSHIP,
})
BODY_PARSER = parsers.Choice(Body.choices, aliases={
    "人大": Body.NPC, "政协": Body.CPPCC, "常委": Body.CPPCC_STANDING, "工商联执行委员": Body.ACFIC,
    "工商联执委": Body.ACFIC, "工商联": Body.ACFIC, "青联": Body.YOUTH, "行风政风监督员": Body.SUPERVISOR,
    "特约监督员": Body.SUPERVISOR, "监督员": Body.SUPERVISOR, "参事": Body.COUNSELLOR,
})
STATUS_PARSER = parsers.Choice(ArrangementStatus.choices, aliases={"安排": ArrangementStatus.ARRANGED,
                                                                    "已考察": ArrangementStatus.INSPECTED,
                                                                    "已推荐": ArrangementStatus.RECOMMENDED})


def _person_names(text: str) -> list[str]:
    return [n for n in _NAMES.split(text or "") if n]


class _PersonLookup:
    """Registry persons of the import's scope by name, loaded once per chunk."""

    @staticmethod
    def load(names: set[str], pks: set[int], scope: str) -> tuple[dict[str, list[Person]], dict[int, Person]]:
        people = Person.objects.filter(is_erased=False, status=Status.ACTIVE)
        if scope:
            people = people.filter(region_id__startswith=scope)
        by_name: dict[str, list[Person]] = {}
        for person in people.filter(name__in=names) if names else []:
            by_name.setdefault(person.name, []).append(person)
        by_pk = {p.pk: p for p in people.filter(pk__in=pks)} if pks else {}
        return by_name, by_pk


# --- Proposals -------------------------------------------------------------------------------------------------


def proposal_columns() -> list[Column]:
    return [
        Column("pk", "编号", parser=parsers.Integer(), importable=False),
        Column("title", "标题", aliases=("建议标题", "提案标题", "题目", "名称"), required=True, parser=parsers.Text(200),
               example="关于优化园区营商环境的建议"),
        Column("content", "内容", aliases=("建议内容", "提案内容", "主要内容", "具体建议"), required=True,
               parser=parsers.Text(20000), example="建议简化企业开办流程……"),
        Column("topic", "主题", aliases=("类别", "分类", "建议类别"), parser=parsers.Choice(Topic.choices),
               default=Topic.OTHER),
        Column("channel", "渠道", aliases=("来源渠道", "形式", "建议形式"), required=True,
               parser=parsers.Choice(ProposalChannel.choices, aliases={"社情民意": ProposalChannel.OPINION,
                                                                      "协商": ProposalChannel.MEETING,
                                                                      "座谈": ProposalChannel.FORUM})),
        Column("persons", "提出人", aliases=("建议人", "提案人", "姓名", "提出人姓名"), parser=parsers.Text(500),
               export=lambda p: "、".join(x.name for x in p.persons.all()), example="张嘉骊",
               help="人士库中的姓名，多人用顿号隔开；以组织名义提出的可不填"),
        Column("association", "提出组织", aliases=("组织", "提出单位"), parser=parsers.Text(200),
               export=lambda p: p.association.name if p.association_id else ""),
        Column("submitted_on", "提交日期", aliases=("日期", "提出日期", "收集日期"), required=True,
               parser=parsers.Date()),
        Column("region_id", "区划代码", aliases=("所属区划代码", "行政区划代码"), parser=parsers.RegionCode(),
               export=lambda p: p.region_id, help="不填则为导入范围"),
        Column("status", "状态", parser=parsers.Choice(ProposalStatus.choices), importable=False),
        Column("adopted_on", "采纳日期", parser=parsers.Date(), importable=False),
        Column("adopted_by", "采纳单位", parser=parsers.Text(), importable=False),
        Column("adoption_form", "采纳形式", parser=parsers.Choice(AdoptionForm.choices), importable=False),
        Column("implemented_on", "落实日期", parser=parsers.Date(), importable=False),
    ]


class ProposalSpec(ImportSpec):
    name = "提案建议"
    chunk_size = 500

    columns = proposal_columns()

    def clean_row(self, row, context):
        data = row.data
        if data.get("submitted_on") and data["submitted_on"] > context.today:
            row.add_error("提交日期", _("提交日期不能晚于今天"))
        if not _person_names(data.get("persons", "")) and not (data.get("association") or "").strip():
            row.add_error("提出人", _("请填写提出人或提出组织"))

    def plan(self, rows, context):
        scope = context.scope or ""
        pending = [r for r in rows if r.ok]
        names = {n for r in pending for n in _person_names(r.data.get("persons", ""))}
        by_name, _unused = _PersonLookup.load(names, set(), scope)
        associations: dict[str, list[Association]] = {}
        wanted = {(r.data.get("association") or "").strip() for r in pending} - {""}
        if wanted:
            found = Association.objects.filter(name__in=wanted)
            if scope:
                found = found.filter(region_id__startswith=scope)
            for association in found:
                associations.setdefault(association.name, []).append(association)
        titles = {r.data["title"] for r in pending}
        existing = set(Proposal.objects.filter(title__in=titles, region_id__startswith=scope)
                       .values_list("title", "submitted_on")) if titles else set()
        seen = context.state.setdefault("seen", {})
        for row in pending:
            data = row.data
            persons = []
            for name in _person_names(data.get("persons", "")):
                matches = by_name.get(name, [])
                if len(matches) != 1:
                    row.add_error("提出人", _("人士库中有 %(n)s 位“%(v)s”，请在系统中登记") % {"n": len(matches), "v": name}
                                  if matches else _("在您的数据范围内的人士库中没有找到“%(v)s”") % {"v": name})
                    break
                persons.append(matches[0])
            name = (data.get("association") or "").strip()
            association = None
            if name:
                matches = associations.get(name, [])
                if len(matches) != 1:
                    row.add_error("提出组织", _("在您的数据范围内没有找到组织“%(v)s”") % {"v": name})
                else:
                    association = matches[0]
            if not row.ok:
                continue
            data["person_objects"], data["association_object"] = persons, association
            key = (data["title"], data["submitted_on"])
            if key in existing:
                row.action = SKIP
                continue
            first = seen.setdefault(key, row.number)
            if first != row.number:
                row.add_error("标题", _("与第 %(n)s 行重复") % {"n": first})
                continue
            row.action = CREATE

    def write(self, rows, context):
        for row in rows:
            data = row.data
            region = data.get("region_id") or context.region
            try:
                services.submit_proposal(
                    title=data["title"], content=data["content"], topic=data.get("topic") or Topic.OTHER,
                    channel=data["channel"], persons=data["person_objects"], association=data["association_object"],
                    region=region, by=context.user, source=ProposalSource.IMPORT,
                    submitted_on=data["submitted_on"])
            except ValidationError as exc:
                raise ValidationError(_("第 %(n)s 行：%(m)s") % {"n": row.number, "m": "；".join(exc.messages)}) from exc


def proposal_export_spec() -> ProposalSpec:
    return ProposalSpec()


def proposal_rows(queryset):
    return queryset.order_by("-submitted_on", "-id")


register_importer("proposals", ProposalSpec, label="提案建议", permission="voice.add_proposal")


# --- Arrangements ----------------------------------------------------------------------------------------------


def arrangement_columns() -> list[Column]:
    return [
        Column("person_pk", "人士编号", parser=parsers.Integer(min_value=1), export=lambda a: a.person_id,
               help="导出文件自带，用于准确找到人士；新填的行可留空"),
        Column("name", "姓名", aliases=("人士姓名", "名字", "人员姓名"), required=True, parser=parsers.Text(50),
               export=lambda a: a.person.name, example="张嘉骊"),
        Column("body", "安排职务", aliases=("职务", "安排类别", "政治安排"), required=True, parser=BODY_PARSER),
        Column("level", "层级", aliases=("级别",), required=True, parser=LEVEL_PARSER),
        Column("term", "届次", parser=parsers.Text(50), example="第十届"),
        Column("status", "状态", parser=STATUS_PARSER, default=ArrangementStatus.ARRANGED,
               help="不填为“已安排”"),
        Column("recommended_on", "推荐日期", required=True, parser=parsers.Date()),
        Column("recommended_by", "推荐单位", parser=parsers.Text(100)),
        Column("starts_on", "任期开始", aliases=("任职日期", "开始日期"), parser=parsers.Date()),
        Column("ends_on", "任期结束", aliases=("结束日期", "届满日期"), parser=parsers.Date()),
        Column("note", "备注", parser=parsers.Text(1000)),
        Column("region_id", "区划代码", parser=parsers.Text(), export=lambda a: a.region_id, importable=False),
    ]


class ArrangementSpec(ImportSpec):
    name = "政治安排"
    chunk_size = 500

    columns = arrangement_columns()

    def clean_row(self, row, context):
        data = row.data
        if data.get("status") == ArrangementStatus.ARRANGED and not data.get("starts_on"):
            row.add_error("任期开始", _("已安排的须填写任期开始日期"))
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            row.add_error("任期结束", _("任期结束不能早于任期开始"))
        if data.get("starts_on") and data.get("recommended_on") and data["starts_on"] < data["recommended_on"]:
            row.add_error("任期开始", _("任期开始不能早于推荐日期"))

    def plan(self, rows, context):
        pending = [r for r in rows if r.ok]
        by_name, by_pk = _PersonLookup.load({r.data["name"] for r in pending if not r.data.get("person_pk")},
                                            {r.data["person_pk"] for r in pending if r.data.get("person_pk")},
                                            context.scope or "")
        for row in pending:
            data = row.data
            if data.get("person_pk"):
                person, column = by_pk.get(data["person_pk"]), "人士编号"
            else:
                matches = by_name.get(data["name"], [])
                if len(matches) > 1:
                    row.add_error("姓名", _("人士库中有 %(n)s 位“%(v)s”，请填写人士编号")
                                  % {"n": len(matches), "v": data["name"]})
                    continue
                person, column = (matches[0] if matches else None), "姓名"
            if person is None:
                row.add_error(column, _("在您的数据范围内的人士库中没有找到“%(v)s”") % {"v": data["name"]})
                continue
            if person.name != data["name"]:
                row.add_error("姓名", _("人士编号对应的人士姓名与“%(v)s”不符") % {"v": data["name"]})
                continue
            row.target = person
        keys = {(r.target.pk, r.data["body"], r.data["level"], r.data.get("term") or "") for r in pending
                if r.ok and r.target is not None}
        existing = set(PoliticalArrangement.objects.filter(person_id__in={k[0] for k in keys})
                       .values_list("person_id", "body", "level", "term")) if keys else set()
        seen = context.state.setdefault("seen", {})
        for row in pending:
            if not row.ok or row.target is None:
                continue
            key = (row.target.pk, row.data["body"], row.data["level"], row.data.get("term") or "")
            if key in existing:
                row.action = SKIP
                continue
            first = seen.setdefault(key, row.number)
            if first != row.number:
                row.add_error("姓名", _("与第 %(n)s 行重复") % {"n": first})
                continue
            row.action = CREATE

    def write(self, rows, context):
        for row in rows:
            data = row.data
            arrangement = PoliticalArrangement(
                person=row.target, body=data["body"], level=data["level"], term=data.get("term") or "",
                status=data.get("status") or ArrangementStatus.ARRANGED, recommended_on=data["recommended_on"],
                recommended_by=data.get("recommended_by") or "", starts_on=data.get("starts_on"),
                ends_on=data.get("ends_on"), note=data.get("note") or "")
            try:
                services.save_arrangement(arrangement, by=context.user)
            except ValidationError as exc:
                raise ValidationError(_("第 %(n)s 行：%(m)s") % {"n": row.number, "m": "；".join(exc.messages)}) from exc


def arrangement_export_spec() -> ArrangementSpec:
    return ArrangementSpec()


def arrangement_rows(queryset):
    return queryset.order_by("body", "level", "id")


register_importer("arrangements", ArrangementSpec, label="政治安排", permission="voice.add_politicalarrangement")

SPECS = {"proposals": ProposalSpec, "arrangements": ArrangementSpec}
