"""The persons spec of the import/export engine (tongxin.core.tabular): the ledger columns, how a row finds the
person it is about, and how a chunk of rows is written.

A row is matched, in this order, by
- 系统编号 (the id an export carries) → update that record;
- the ID number, through the blind index → update (the same number is the same person);
- the same name and phone, or the same name, birth date and employer → merge into that record (fill what it
  lacks, add tags; the preview lists these rows so the user sees them before committing);
- nothing → create.
A row whose values change nothing is skipped, so importing an export changes nothing. Sensitive cells that an
export masked ("510903********1234") mean "unchanged".

Registered as importer "persons": `tongxin import persons FILE --region CODE`, the import page, and the export of
the person list all use this one spec.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import types

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import postgres
from psycopg.adapt import Dumper
from psycopg.pq import Format

from tongxin.core import audit, validators
from tongxin.core.context import current_actor
from tongxin.core.keys import keyring
from tongxin.core.models import AuditEntry
from tongxin.core.tabular import CREATE, MERGE, SKIP, UPDATE, Column, ImportSpec, parsers, register_importer
from tongxin.core.tabular.parsers import choice_key
from tongxin.people import pinyin, services
from tongxin.people.models import (
    LawfulBasis,
    NetworkAccount,
    Organization,
    Person,
    PersonState,
    Platform,
    RepresentativeLevel,
    Status,
)
from tongxin.people.search import prefix_q


class Masked(str):
    """A sensitive value exported masked: it identifies nothing and changes nothing."""


class KeepMasked(parsers.Parser):
    """Reads a sensitive column like `inner`, except that a masked value ("138****1234") means "unchanged"."""

    empty = ""
    sensitive = True

    def __init__(self, inner: parsers.Parser):
        self.inner = inner
        self.example = inner.example
        self.hint = inner.hint

    def bind(self, context):
        parse = self.inner.bind(context)

        def bound(value):
            if value.__class__ is str and "*" in value:
                return Masked(value)
            return parse(value)

        return bound

    def parse(self, value):
        return self.bind(None)(value)

    def mask(self, text):
        return self.inner.mask(text)


REPRESENTATIVE_YES = "yes"
_LEVEL_WORDS = {
    "全国": RepresentativeLevel.NATIONAL, "国家级": RepresentativeLevel.NATIONAL, "全国性": RepresentativeLevel.NATIONAL,
    "省级": RepresentativeLevel.PROVINCIAL, "省": RepresentativeLevel.PROVINCIAL,
    "市级": RepresentativeLevel.CITY, "市": RepresentativeLevel.CITY,
    "县级": RepresentativeLevel.COUNTY, "区级": RepresentativeLevel.COUNTY, "县": RepresentativeLevel.COUNTY,
    "区": RepresentativeLevel.COUNTY, "县区级": RepresentativeLevel.COUNTY,
    **{code: code for code in RepresentativeLevel.values},
}
_YES = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
_NO = {"否", "n", "no", "false", "0", "×", "无", "不是"}


class RepresentativeFlag(parsers.Parser):
    """代表人士: "否", "是", or the level ("县级", "市级代表人士", "省级"…)."""

    repeats = True
    empty = ""
    example = "县级"
    hint = "填“否”，或代表人士层级：全国、省级、市级、县级（只知是代表人士时填“是”）"

    def parse(self, value):
        key = choice_key(value).removesuffix("代表人士").removesuffix("代表")
        if key in _NO:
            return ""
        if key in _YES:
            return REPRESENTATIVE_YES
        level = _LEVEL_WORDS.get(key)
        if level is None:
            raise validators.ValidationError(_("应填“否”或代表人士层级（全国、省级、市级、县级），现为“%(v)s”")
                                             % {"v": value}, "representative")
        return str(level)


_ACCOUNT = re.compile(r"(?P<platform>[^:：]+)[:：](?P<name>.+?)(?:[（(]\s*粉丝\s*(?P<n>[\d,，.]+)\s*(?P<wan>万)?\s*[)）])?")
_PLATFORMS = parsers.Choice(Platform.choices, aliases={
    "公众号": Platform.WECHAT_OA, "微信": Platform.WECHAT_OA, "视频号": Platform.WECHAT_CHANNELS,
    "b站": Platform.BILIBILI, "头条": Platform.TOUTIAO, "新浪微博": Platform.WEIBO,
})


class Accounts(parsers.Parser):
    """网络账号 as ledgers write them: "抖音：嘉骊看遂宁（粉丝12.8万）；小红书：嘉骊的船山日记"."""

    empty = None
    example = "抖音：嘉骊看遂宁（粉丝128000）"
    hint = "每个账号写作“平台：账号名称（粉丝数）”，多个账号用分号隔开；只登记本人申报的账号"

    def parse(self, value):
        accounts = []
        for part in re.split(r"[;；\n]", str(value)):
            part = part.strip()
            if not part:
                continue
            match = _ACCOUNT.fullmatch(part)
            if not match:
                raise validators.ValidationError(
                    _("网络账号“%(v)s”应写作“平台：账号名称（粉丝数）”") % {"v": part}, "account")
            followers = None
            if match["n"]:
                number = float(match["n"].replace(",", "").replace("，", ""))
                followers = int(round(number * (10_000 if match["wan"] else 1)))
            accounts.append({"platform": _PLATFORMS.parse(match["platform"].strip()),
                             "account_name": match["name"].strip()[:100], "follower_count": followers})
        return accounts


def format_accounts(accounts) -> str:
    parts = []
    for account in accounts:
        followers = f"（粉丝{account.follower_count}）" if account.follower_count is not None else ""
        parts.append(f"{account.get_platform_display()}：{account.account_name}{followers}")
    return "；".join(parts)


def _names(related) -> str:
    return "、".join(sorted(item.name for item in related.all()))


def _representative(person) -> str:
    if not person.is_representative:
        return str(_("否"))
    return person.get_representative_level_display() or str(_("是"))


CATEGORY_ALIASES = {"企业": "1", "民营企业": "1", "外资企业": "1", "企业管理技术人员": "1", "中介组织": "2",
                    "社会组织": "2", "中介": "2", "自由职业": "3", "自由职业者": "3", "新媒体": "4"}
EDUCATION_ALIASES = {"博士": "11", "硕士": "14", "本科": "20", "大学": "20", "大专": "30", "专科": "30",
                     "中专": "40", "职高": "40", "高中": "60", "初中": "70"}
POLITICAL_ALIASES = {"党员": "01", "中共": "01", "预备党员": "02", "团员": "03", "无党派": "12", "民主党派": "12"}

PERSON_COLUMNS = [
    Column("name", "姓名", aliases=("名字", "人员姓名"), required=True, parser=parsers.Text(50), example="张嘉骊"),
    Column("gender", "性别", parser=parsers.Choice([("M", "男", "男性"), ("F", "女", "女性")]),
           export=lambda p: p.gender),
    Column("id_number", "身份证号", aliases=("身份证号码", "身份证", "公民身份号码", "身份号码"),
           parser=KeepMasked(parsers.IdNumber())),
    Column("birth_date", "出生日期", aliases=("出生年月",), parser=parsers.Date(),
           help="填写身份证号时可不填，按身份证号计算"),
    Column("phone", "手机号码", aliases=("手机", "手机号", "联系电话", "电话", "联系方式"),
           parser=KeepMasked(parsers.Phone())),
    Column("ethnicity", "民族", parser=parsers.DictChoice("ethnicity", aliases={"汉": "01"}, example="汉族")),
    Column("political_affiliation", "政治面貌",
           parser=parsers.DictChoice("political_affiliation", aliases=POLITICAL_ALIASES, example="群众")),
    Column("education", "学历", aliases=("文化程度", "最高学历"),
           parser=parsers.DictChoice("education", aliases=EDUCATION_ALIASES, example="大学本科")),
    Column("employer", "工作单位", aliases=("单位", "单位名称", "所在单位", "工作单位名称"), parser=parsers.Text(200),
           export=lambda p: p.employer.name if p.employer_id else "", example="遂宁嘉禾文化传媒有限公司",
           help="按名称在本区划内查找单位，没有的新建"),
    Column("job_title", "职务", aliases=("职务职称", "职称", "职位"), parser=parsers.Text(100), example="总经理"),
    Column("category", "人士类别", aliases=("类别", "所属类别", "人员类别", "四类人员"),
           parser=parsers.DictChoice("person_category", top_level=True, aliases=CATEGORY_ALIASES,
                                     example="新媒体从业人员"),
           help="四类之一，可填名称或 1—4"),
    Column("subcategory", "细分类别", aliases=("具体类别", "人员细类"),
           parser=parsers.DictChoice("person_category", example="网络作家、主播等内容创作者")),
    Column("representative", "代表人士", parser=RepresentativeFlag(), export=_representative),
    Column("representative_level", "代表人士层级", parser=parsers.Choice(
        [(v, label) for v, label in RepresentativeLevel.choices], aliases={k: str(v) for k, v in _LEVEL_WORDS.items()}),
           export=False),
    Column("representative_since", "代表人士认定日期", parser=parsers.Date()),
    Column("is_reserve", "储备人士", aliases=("储备",), parser=parsers.Boolean(), default=None),
    Column("reserve_since", "纳入储备日期", parser=parsers.Date()),
    Column("is_network_figure", "网络人士", parser=parsers.Boolean(), default=None),
    Column("network_since", "网络人士认定日期", parser=parsers.Date()),
    Column("network_accounts", "网络账号", aliases=("网络账号（本人申报）", "自媒体账号"), parser=Accounts(),
           export=lambda p: format_accounts(p.network_accounts.all())),
    Column("specialties", "专长", aliases=("特长", "专业特长"), parser=parsers.Text(500),
           export=lambda p: _names(p.specialties), example="法律咨询、科普"),
    Column("tags", "标签", parser=parsers.Text(300), export=lambda p: _names(p.tags), example="新联会会员"),
    Column("region", "区划代码", aliases=("所在区划代码", "行政区划代码", "所属区划代码", "区划"),
           parser=parsers.RegionCode(), help="不填时为导入时选择的区划"),
    Column("status", "状态", aliases=("人员状态",), parser=parsers.Choice(Status.choices, aliases={
        "正常": Status.ACTIVE, "在库": Status.ACTIVE, "已迁出": Status.MOVED, "调离": Status.MOVED,
        "已退出": Status.WITHDRAWN, "死亡": Status.DECEASED, "已故": Status.DECEASED}), example="在册"),
    Column("status_date", "状态变更日期", parser=parsers.Date()),
    Column("status_reason", "状态变更原因", parser=parsers.Text(200)),
    Column("added_on", "入库日期", aliases=("录入日期", "建档日期"), parser=parsers.Date(), help="不填时为导入当天"),
    Column("source", "信息来源", aliases=("来源",), parser=parsers.Text(200), help="不填时记为“导入：文件名”"),
    Column("lawful_basis", "处理依据", aliases=("个人信息处理依据",), parser=parsers.Choice(LawfulBasis.choices, aliases={
        "书面同意": LawfulBasis.WRITTEN_CONSENT, "本人同意": LawfulBasis.WRITTEN_CONSENT,
        "口头同意": LawfulBasis.ORAL_CONSENT, "法定职责": LawfulBasis.LEGAL_DUTY, "履行职责": LawfulBasis.LEGAL_DUTY,
        "公开信息": LawfulBasis.PUBLIC})),
    Column("consent_date", "同意日期", aliases=("同意/取得日期", "取得日期"), parser=parsers.Date()),
    Column("consent_purpose", "处理目的", parser=parsers.Text(200)),
    Column("note", "备注", parser=parsers.Text(2000)),
    Column("pk", "系统编号", parser=parsers.Integer(min_value=1), export=lambda p: p.pk,
           help="导出文件自带，用于更新已有人员；新增人员留空"),
]

SCALAR_FIELDS = ("name", "gender", "id_number", "birth_date", "phone", "ethnicity", "political_affiliation",
                 "education", "job_title", "category", "subcategory", "representative_since", "is_reserve",
                 "reserve_since", "is_network_figure", "network_since", "status", "status_date", "status_reason",
                 "added_on", "source", "lawful_basis", "consent_date", "consent_purpose", "note")
SENSITIVE = ("id_number", "phone")
PRECOMPUTED = "\x00precomputed"  # data key of `PersonSpec.precompute`'s results (never a column key)


def _real(value) -> bool:
    """A value the row really carries (not empty, not a masked placeholder)."""
    return value not in (None, "") and not isinstance(value, Masked)


def _split(text) -> list[str]:
    return services.split_names(text or "")


class PersonSpec(ImportSpec):
    name = "人士"
    columns = PERSON_COLUMNS
    chunk_size = 5000
    parallel = True  # a large file is read and validated in a second process (engine.pipelined)

    # -- per import --------------------------------------------------------------------------------------------

    def prepare(self, context):
        context.state.update(
            parents=dict(_dict_parents()),
            seen_ids={},
            seen_pairs={},
            source=context.source if context.source not in ("", "cli", "web", "job") else "",
            scope=context.scope or "",
        )
        if not context.state["source"]:
            context.state["source"] = f"导入：{os.path.basename(context.filename or '') or _('未命名文件')}"
        if not context.dry_run and connection.vendor == "sqlite":
            # SQLite's default page cache is 2 MB: a large import into a table with many random-key indexes
            # (blind indexes, pinyin) then spills dirty pages to the WAL again and again inside its one
            # transaction. A bigger cache for the import's duration (restored in `finish`); pages are only
            # allocated as used, so a small import costs nothing.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                context.state["sqlite_cache_size"] = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KB}")

    def clean_row(self, row, context):
        data = row.data
        today = context.today
        data["name"] = services.normalize_name(data["name"])
        id_number = data.get("id_number")
        if _real(id_number):  # the column's parser has checked it
            birth, gender = validators.id_number_facts(id_number)
            if data.get("birth_date") and data["birth_date"] != birth:
                row.add_error("出生日期", _("出生日期与身份证号不一致（身份证号为 %(d)s）") % {"d": birth})
            if data.get("gender") and data["gender"] != gender:
                row.add_error("性别", _("性别与身份证号不一致"))
            data["birth_date"], data["gender"] = birth, gender
        parents = context.state["parents"]
        category, sub = data.get("category"), data.get("subcategory")
        if sub:
            parent = parents.get(sub)
            if parent is None:
                if category and sub != category:
                    row.add_error("细分类别", _("细分类别应为具体类别（如“律师”），不是四类之一"))
                data["subcategory"] = ""
                category = category or sub
            elif category and category != parent:
                row.add_error("细分类别", _("细分类别不属于所填的人士类别"))
            else:
                category = parent
        data["category"] = category or ""
        level = data.get("representative")
        if level == REPRESENTATIVE_YES:
            data["representative"] = data.get("representative_level") or ""
            data["is_representative"] = True
        elif level is not None and "representative" in context.columns:
            data["is_representative"] = bool(level) or bool(data.get("representative_level"))
            if not level and data.get("representative_level"):
                data["representative"] = data["representative_level"]
        elif data.get("representative_level"):
            data["is_representative"], data["representative"] = True, data["representative_level"]
        for name, label in (("representative_since", "代表人士认定日期"), ("reserve_since", "纳入储备日期"),
                            ("network_since", "网络人士认定日期"), ("status_date", "状态变更日期"),
                            ("added_on", "入库日期"), ("consent_date", "同意日期"), ("birth_date", "出生日期")):
            value = data.get(name)
            if value and value > today:
                row.add_error(label, _("%(label)s不能晚于今天") % {"label": label})
        if not data.get("region"):
            if not context.region:
                row.add_error("区划代码", _("区划代码不能为空（或在导入时选择区划）"))
            data["region"] = context.region

    def precompute(self, rows, context):
        """Per-row work that needs neither the database nor other rows, done in whichever process of a large
        import has time for it (engine.pipelined): each ID number's and phone's blind indexes under every key
        (active first) and sealed token, and the name's pinyin keys. `plan` and `write` use them instead of
        computing them again; rows that turn out to be updates simply leave the tokens unused."""
        ring = keyring()
        fields = []
        for field in SENSITIVE:
            model_field = Person._meta.get_field(field)
            fields.append((field, model_field.normalize, ring.blind_indexer(model_field.kind)))
        name_keys = pinyin.name_keys
        to_seal = []  # (the row's extra, field, its blind indexes, the value), sealed together below
        for row in rows:
            data = row.data
            extra = {}
            for field, normalize, indexes in fields:
                value = data.get(field)
                if value and value.__class__ is str:
                    normalized = normalize(value)
                    if normalized:
                        to_seal.append((extra, field, indexes(normalized), value))
            extra["pinyin"] = name_keys(data["name"]) if data.get("name") else None
            data[PRECOMPUTED] = extra
        tokens = ring.encrypt_many([value for _extra, _field, _indexes, value in to_seal])
        for (extra, field, indexes, _value), token in zip(to_seal, tokens, strict=True):
            extra[field] = (indexes, token)

    # -- planning: find who each row is about ---------------------------------------------------------------------

    def plan(self, rows, context):
        state = context.state
        scope = state["scope"]
        pending = [row for row in rows if row.ok]
        if state.get("written", 0) >= 4 * state.setdefault("analyzed_at", STATISTICS_FROM // 4):
            persons = "exact_keys" not in state  # a bulk load looks the person table up by id only
            refresh_statistics(lookups_only=True, with_name=not state.get("name_analyzed"), persons=persons)
            state["analyzed_at"] = state["written"]
            if persons:
                state["name_analyzed"] = True
        state["planned"] = state.get("planned", 0) + len(pending)
        if "known" not in state and "exact_keys" not in state and state["planned"] > KNOWN_KEYS_FROM:
            state["known"] = KnownKeys.load()
        by_pk = self._by_pk(pending)
        by_id = self._by_blind_index(pending, "id_number", context)
        by_phone = self._by_blind_index(pending, "phone", context)
        by_birth = self._by_name_birth(pending, context)
        claimed = state.setdefault("claimed", {})  # registered person's pk → the row that updates or merges it
        for row in pending:
            data = row.data
            id_number, phone, name = data.get("id_number"), data.get("phone"), data["name"]
            if _real(id_number):
                first = state["seen_ids"].setdefault(id_number, row.number)
                if first != row.number:
                    row.add_error("身份证号", _("与第 %(n)s 行的身份证号相同") % {"n": first})
                    continue
            if _real(phone):
                first = state["seen_pairs"].setdefault((name, phone), row.number)
                if first != row.number:
                    row.add_error("手机号码", _("与第 %(n)s 行姓名和手机号码都相同，疑似同一人") % {"n": first})
                    continue
            target, action, via = None, CREATE, "身份证号"
            if data.get("pk"):
                via = "系统编号"
                target = by_pk.get(data["pk"])
                if target is None or not target.region_id.startswith(scope):
                    row.add_error("系统编号", _("系统编号 %(pk)s 不存在或不在您的数据范围内") % {"pk": data["pk"]})
                    continue
                same = by_id.get(id_number) if _real(id_number) else None
                if same is not None and same.pk != target.pk:
                    row.add_error("身份证号", _("身份证号与另一位已登记的人士相同"))
                    continue
                action = UPDATE
            elif _real(id_number) and id_number in by_id:
                target, action = by_id[id_number], UPDATE
            else:
                likely, via = (by_phone.get(phone) if _real(phone) else None), "手机号码"
                if likely is not None and likely.name != name:
                    likely = None
                if likely is None and by_birth and data.get("birth_date") and data.get("employer"):
                    key = (name, data["birth_date"], validators.normalize_text(data["employer"]))
                    likely, via = by_birth.get(key), "姓名"
                if likely is not None and likely.region_id.startswith(scope):
                    target, action = likely, MERGE
            if target is not None and not target.region_id.startswith(scope):
                row.add_error("身份证号", _("该身份证号已登记在其他区划的人士库中（不在您的数据范围内），请联系上级核实"))
                continue
            if target is None:
                if isinstance(id_number, Masked) or isinstance(phone, Masked):
                    row.add_error("身份证号" if isinstance(id_number, Masked) else "手机号码",
                                  _("是脱敏后的号码，无法用于新增人员；请填写完整号码或留空"))
                    continue
                if not data.get("category"):
                    row.add_error("人士类别", _("人士类别不能为空"))
                    continue
                row.action = CREATE
                continue
            # two rows of one file about the same registered person (found by different keys: one by ID number,
            # another by name and phone…) would both change it, the later silently over the earlier
            first = claimed.setdefault(target.pk, row.number)
            if first != row.number:
                row.add_error(via, _("与第 %(n)s 行是同一位已登记的人士（%(name)s），请合并为一行") % {
                    "n": first, "name": target.name})
                continue
            changes = self._changes(target, data, context, merge=action == MERGE)
            if "status" in changes and not _real(data.get("status_reason")):
                row.add_error("状态变更原因", _("变更状态须填写原因"))
                continue
            row.target, row.extra = target, changes
            row.action = action if changes else SKIP

    def _by_pk(self, rows) -> dict[int, Person]:
        pks = {row.data["pk"] for row in rows if row.data.get("pk")}
        return {p.pk: p for p in _persons(pks)}

    def _by_blind_index(self, rows, field: str, context) -> dict[str, Person]:
        """{value: person already registered with it}; remembers each value's active blind index for `write`."""
        values = {row.data[field] for row in rows if _real(row.data.get(field))}
        active = context.state.setdefault("bidx", {}).setdefault(field, {})
        active.clear()
        if not values:
            return {}
        model_field = Person._meta.get_field(field)
        purpose, normalize = model_field.kind, model_field.normalize
        ring = keyring()
        exact = context.state.get("exact_keys")
        known = None if exact is not None else context.state.get("known")
        index: dict[str, str] = {}
        ready = {}
        for row in rows:
            done = row.data.get(PRECOMPUTED, {}).get(field)
            if done is not None:
                ready[row.data[field]] = done[0]
        for value in values:
            keys = ready.get(value) or ring.blind_indexes(normalize(value), purpose=purpose)
            active[value] = keys[0]
            for bidx in keys:
                if known is None or known.may_have_bidx(bidx):
                    index[bidx] = value
        if not index:
            return {}
        if exact is not None:
            hits = exact.hits(field, index)
        else:
            hits = dict(Person.objects.filter(is_erased=False, **{f"{field}_bidx__in": list(index)})
                        .exclude(**{f"{field}_bidx": ""}).values_list(f"{field}_bidx", "pk"))
        if not hits:
            return {}
        persons = {p.pk: p for p in _persons(set(hits.values()))}
        attname = f"{field}_bidx"
        return {index[bidx]: person for bidx, pk in hits.items()
                if (person := persons.get(pk)) is not None and getattr(person, attname) == bidx}

    def _by_name_birth(self, rows, context) -> dict[tuple, Person]:
        """{(name, birth date, employer name): person} for the rows' exact (name, birth date) pairs: one indexed
        probe per pair, however common the names — or, during a bulk load (`ExactKeys`), a look at the persons
        the in-memory map names for them, by id."""
        keys = {(row.data["name"], row.data["birth_date"]) for row in rows
                if row.data.get("birth_date") and row.data.get("employer")}
        exact = context.state.get("exact_keys")
        known = context.state.get("known")
        if exact is not None:
            candidates = sorted(exact.pair_ids(keys), reverse=True)  # the newest first, as below
            batches = [(f"p.id IN ({', '.join(['%s'] * len(part))})", part)
                       for part in (candidates[i:i + 1000] for i in range(0, len(candidates), 1000))]
        else:
            if known is not None:
                keys = {key for key in keys if known.may_have_pair(*key)}
            pairs = sorted(keys)
            batches = [(f"(p.name, p.birth_date) IN (VALUES {', '.join(['(%s, %s)'] * len(part))})",
                        [value for pair in part for value in pair])
                       for part in (pairs[i:i + 1000] for i in range(0, len(pairs), 1000))]
        if not batches:
            return {}
        hits = {}
        with connection.cursor() as cursor:
            for condition, params in batches:
                cursor.execute(
                    "SELECT p.id, p.name, p.birth_date, o.name FROM people_person p "  # noqa: S608 - placeholders
                    "JOIN people_organization o ON o.id = p.employer_id "
                    f"WHERE NOT p.is_erased AND {condition} ORDER BY p.id DESC", params)
                for pk, name, birth, employer in cursor.fetchall():
                    if isinstance(birth, str):
                        birth = datetime.date.fromisoformat(birth)
                    if (name, birth) in keys:  # an id from `exact` may be another pair's (a hash) or stale
                        hits.setdefault((name, birth, employer), pk)
        if not hits:
            return {}
        persons = {p.pk: p for p in _persons(set(hits.values()))}
        return {key: persons[pk] for key, pk in hits.items() if pk in persons}

    def _changes(self, person: Person, data: dict, context, *, merge: bool) -> dict:
        """{field: new value} for what this row would change on `person`; `merge` only fills blanks and adds."""
        columns = context.columns
        changes: dict = {}

        def offer(field, value):
            current = getattr(person, field)
            if value in (None, "") or isinstance(value, Masked) or value == current:
                return
            if merge and current not in (None, "", False):
                return
            changes[field] = value

        for field in SCALAR_FIELDS:
            if field in data and (field in columns or field in ("birth_date", "gender", "category")):
                offer(field, data[field])
        if "source" in changes and not merge:
            del changes["source"]
        if data.get("region") and "region" in columns and data["region"] != person.region_id and not merge:
            changes["region_id"] = data["region"]
        if "representative" in columns or "representative_level" in columns:
            flag = bool(data.get("is_representative"))
            level = data.get("representative") or ""
            if flag != person.is_representative and (flag or not merge):
                changes["is_representative"] = flag
            if flag and level and level != person.representative_level:
                changes["representative_level"] = level
        if data.get("employer") and validators.normalize_text(data["employer"]) != (
                person.employer.name if person.employer_id else ""):
            if not merge or not person.employer_id:
                changes["employer"] = validators.normalize_text(data["employer"])
        for field in ("tags", "specialties"):
            names = _split(data.get(field))
            have = {item.name for item in getattr(person, field).all()}
            if set(names) - have:
                changes[field] = names
        accounts = data.get("network_accounts")
        if accounts:
            have = sorted((a.platform, a.account_name, a.follower_count) for a in person.network_accounts.all())
            want = sorted((a["platform"], a["account_name"], a["follower_count"]) for a in accounts)
            if have != want and (not merge or not have):
                changes["network_accounts"] = accounts
        return changes

    # -- writing ---------------------------------------------------------------------------------------------------

    def finish(self, context, result):
        rebuild_indexes(context.state.pop("deferred_indexes", None) or ())
        if context.state.get("written", 0) >= STATISTICS_FROM:
            refresh_statistics()
        if "sqlite_cache_size" in context.state:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(context.state.pop('sqlite_cache_size'))}")

    def write(self, rows, context):
        state = context.state
        if "deferred_indexes" not in state:
            state["deferred_indexes"] = defer_indexes(context)
        state["written"] = state.get("written", 0) + len(rows)
        known = state.get("known")
        if known is not None:
            for row in rows:
                known.add_row(row.data)
        employers = self._employers(rows, context)
        created = [row for row in rows if row.action == CREATE]
        changed = [row for row in rows if row.action in (UPDATE, MERGE)]
        if created:
            self._create(created, context, employers)
        if changed:
            self._update(changed, context, employers)

    def _employers(self, rows, context) -> dict[str, int]:
        """Employer name → organization id: found by name inside the import's scope, created where missing in
        the region of the first row that names it."""
        wanted: dict[str, str] = {}
        keys: dict[str, str] = {}  # the names as the rows write them → as stored (most rows repeat a few names)
        spellings = context.state.setdefault("employer_spellings", {})  # the same, for the whole import
        normalize = validators.normalize_text
        for row in rows:
            name = row.data.get("employer") if row.action == CREATE else (row.extra or {}).get("employer")
            if name:
                key = keys.get(name)
                if key is None:
                    key = spellings.get(name)
                    if key is None:
                        key = normalize(name)[:200]
                        if len(spellings) < EMPLOYER_CACHE_SIZE:
                            spellings[name] = key
                    keys[name] = key
                wanted.setdefault(key, row.data.get("region") or context.region)
        if not wanted:
            return {}
        scope = context.state["scope"]
        cache = context.state.setdefault("employers", {})
        found: dict[str, int] = {name: cache[name] for name in wanted if name in cache}
        names = sorted(name for name in wanted if name not in found)
        for start in range(0, len(names), 500):
            query = Organization.objects.filter(name__in=names[start:start + 500])
            if scope:
                query = query.filter(prefix_q("region_id", scope))
            for pk, name in query.order_by("id").values_list("pk", "name"):
                found.setdefault(name, pk)
        missing = [(name, region) for name, region in wanted.items() if name not in found]
        if missing:
            now = timezone.now()
            ids = allocate_ids(Organization, len(missing))
            organizations = table_writer(Organization)
            template = organizations.template(created_at=now, updated_at=now)
            at = organizations.position
            rows_out = []
            for pk, (name, region) in zip(ids, missing, strict=True):
                values = template[:]
                values[at["id"]], values[at["name"]], values[at["region_id"]] = pk, name, region
                rows_out.append(values)
                found[name] = pk
            organizations.insert(rows_out)
            write_audit(AuditEntry.CREATE, Organization, (
                (pk, name, region, {"name": [None, name], "region": [None, region]})
                for pk, (name, region) in zip(ids, missing, strict=True)), message=_("导入人士时新建单位"))
        if len(cache) < EMPLOYER_CACHE_SIZE:
            cache.update(found)
        # the rows' own spellings too, so that `_create` need not normalize each row's again (a spelling that is
        # not normalized is never another employer's normalized name)
        found.update((name, found[key]) for name, key in keys.items() if name != key and key in found)
        return found

    def _create(self, rows, context, employers):
        """New persons, written as plain rows: the person, its state history, its tags, specialties and
        accounts, and one audit entry each — without model instances, so that a million rows stay affordable.
        The values are exactly those `services.save_person` would store (encrypted, blind-indexed, pinyin)."""
        state = context.state
        source, today, now = state["source"], context.today, timezone.now()
        filename = os.path.basename(context.filename or "")
        ids = allocate_ids(Person, len(rows))
        persons = table_writer(Person)
        template = persons.template(created_at=now, updated_at=now, added_on=today)
        at = persons.position
        scalar = [(field, at[field]) for field in SCALAR_FIELDS]
        i_pk, i_name, i_pinyin, i_initials = at["id"], at["name"], at["name_pinyin"], at["name_initials"]
        i_region, i_employer = at["region_id"], at["employer_id"]
        i_rep, i_level, i_rep_since = at["is_representative"], at["representative_level"], at["representative_since"]
        i_reserve, i_reserve_since = at["is_reserve"], at["reserve_since"]
        i_network, i_network_since = at["is_network_figure"], at["network_since"]
        i_id, i_id_bidx, i_phone, i_phone_bidx = at["id_number"], at["id_number_bidx"], at["phone"], at["phone_bidx"]
        i_status, i_reason, i_source, i_added = at["status"], at["status_reason"], at["source"], at["added_on"]
        i_category, i_subcategory, i_birth = at["category"], at["subcategory"], at["birth_date"]
        exact = state.get("exact_keys")
        bidx = state.get("bidx", {})
        id_bidx, phone_bidx = bidx.get("id_number", {}), bidx.get("phone", {})
        mask_id, mask_phone = Person._meta.get_field("id_number").mask, Person._meta.get_field("phone").mask
        seal = sealer()
        statuses = dict(Status.choices)
        name_keys, normalize, quoted = pinyin.name_keys, validators.normalize_text, json.encoder.encode_basestring
        active, state_fields = Status.ACTIVE, ("person_id", "valid_from", "valid_to", *PersonState.STATE_FIELDS)
        states, audits = [], []

        def person_rows():
            for row, pk in zip(rows, ids, strict=True):
                data = row.data
                values = template[:]
                values[i_pk] = pk
                for field, index in scalar:
                    value = data.get(field)
                    if value is not None:
                        values[index] = value
                name = values[i_name]
                done = data.get(PRECOMPUTED) or {}
                values[i_pinyin], values[i_initials] = done.get("pinyin") or name_keys(name)
                values[i_region] = region = data["region"]
                employer = data.get("employer")
                if employer:
                    values[i_employer] = employers.get(employer) or employers.get(normalize(employer)[:200])
                    if exact is not None and values[i_birth] is not None:
                        exact.add_pair(name, values[i_birth], pk)
                flag = values[i_rep] = bool(data.get("is_representative"))
                values[i_level] = data.get("representative") or ""
                if not flag:
                    values[i_rep_since] = None
                values[i_reserve] = bool(data.get("is_reserve"))
                if not values[i_reserve]:
                    values[i_reserve_since] = None
                values[i_network] = bool(data.get("is_network_figure"))
                if not values[i_network]:
                    values[i_network_since] = None
                values[i_source] = data.get("source") or source
                values[i_added] = data.get("added_on") or today
                status = values[i_status]
                if status != active and not values[i_reason]:
                    values[i_reason] = _("导入时状态：%(s)s") % {"s": statuses.get(status, status)}
                # the audit entry's changes as JSON text, built directly (a million json.dumps cost seconds)
                changes = (f'{{"name": [null, {quoted(name)}], "region": [null, {quoted(region)}], '
                           f'"category": [null, {quoted(values[i_category])}], "source": [null, {quoted(values[i_source])}]')
                id_number, phone = values[i_id], values[i_phone]
                if id_number:
                    values[i_id_bidx] = id_bidx.get(id_number) or services.blind_index_of("id_number", id_number)
                    sealed = done.get("id_number")
                    values[i_id] = sealed[1] if sealed and id_number.__class__ is str else seal(id_number)
                    changes += f', "id_number": [null, {quoted(mask_id(id_number))}]'
                if phone:
                    values[i_phone_bidx] = phone_bidx.get(phone) or services.blind_index_of("phone", phone)
                    sealed = done.get("phone")
                    values[i_phone] = sealed[1] if sealed and phone.__class__ is str else seal(phone)
                    changes += f', "phone": [null, {quoted(mask_phone(phone))}]'
                if status == active and not (flag or values[i_reserve] or values[i_network]):
                    # the common case, as services.initial_state_values computes it: one open interval
                    states.append([pk, values[i_added], None, region, values[i_category], values[i_subcategory],
                                   active, False, "", False, None, False])
                else:
                    person = types.SimpleNamespace(**dict(zip(persons.attnames, values, strict=True)))
                    for interval in services.initial_state_values(person):
                        interval["person_id"] = pk
                        states.append([interval[f] for f in state_fields])
                audits.append((pk, name, region, changes + "}"))
                yield values

        persons.insert(person_rows())
        table_writer(PersonState, fields=state_fields).insert(states)
        self._relations_of_new(ids, [row.data for row in rows], context)
        write_audit(AuditEntry.CREATE, Person, audits, message=_("导入：%(f)s") % {"f": filename})

    def _relations_of_new(self, ids, extras, context):
        """Tags, specialties and accounts of persons just created (nothing to conflict with)."""
        tag_names = sorted({n for data in extras if data.get("tags") for n in _split(data["tags"])})
        specialty_names = sorted({n for data in extras if data.get("specialties") for n in _split(data["specialties"])})
        cache = context.state.setdefault("named", {"tags": {}, "specialties": {}})
        tags = _named_ids(services.tags_named, tag_names, cache["tags"])
        specialties = _named_ids(services.specialties_named, specialty_names, cache["specialties"])
        tag_links, specialty_links, accounts = [], [], []
        for pk, data in zip(ids, extras, strict=True):
            if data.get("tags"):
                tag_links += [[pk, tags[n]] for n in _split(data["tags"]) if n in tags]
            if data.get("specialties"):
                specialty_links += [[pk, specialties[n]] for n in _split(data["specialties"]) if n in specialties]
            for account in data.get("network_accounts") or ():
                accounts.append([pk, account["platform"], account["account_name"], account["follower_count"]])
        table_writer(Person.tags.through, fields=("person_id", "tag_id")).insert(tag_links)
        table_writer(Person.specialties.through, fields=("person_id", "specialty_id")).insert(specialty_links)
        table_writer(NetworkAccount, fields=("person_id", "platform", "account_name", "follower_count")).insert(accounts)

    def _update(self, rows, context, employers):
        persons, extras, logged, befores, fields = [], [], [], {}, set()
        now = timezone.now()
        for row in rows:
            person, changes = row.target, dict(row.extra)
            befores[person.pk] = services.state_values(person)
            log = {}
            for field, value in changes.items():
                if field in ("tags", "specialties", "network_accounts"):
                    continue
                if field == "employer":
                    old = person.employer.name if person.employer_id else None
                    person.employer_id = employers.get(value[:200])
                    log["employer"] = [old, value]
                    fields.add("employer")
                    continue
                old = getattr(person, field)
                setattr(person, field, value)
                name = "region" if field == "region_id" else field
                if name in SENSITIVE:
                    mask = Person._meta.get_field(name).mask
                    log[name] = [mask(old), mask(value)]
                    bidx = Person._meta.get_field(name).bidx_name
                    setattr(person, bidx, services.blind_index_of(name, value))
                    fields.add(bidx)
                else:
                    log[name] = [audit._plain(old), audit._plain(value)]
                fields.add(field)
            for flag, since in (("is_representative", "representative_since"), ("is_reserve", "reserve_since"),
                                ("is_network_figure", "network_since")):
                if changes.get(flag) and not getattr(person, since):
                    setattr(person, since, context.today)
                    fields.add(since)
            if "status" in changes and "status_date" not in changes:
                person.status_date = context.today
                fields.add("status_date")
            if "name" in changes:
                person.name_pinyin, person.name_initials = pinyin.name_keys(person.name)
                fields |= {"name_pinyin", "name_initials"}
            if not person.is_representative:
                person.representative_level = ""
                person.representative_since = None
                fields |= {"representative_level", "representative_since"}
            for field in ("tags", "specialties", "network_accounts"):
                if field in changes:
                    log[field] = [None, _summary(changes[field])]
            person.updated_at = now
            persons.append(person)
            extras.append(changes)
            logged.append((person, log))
        if fields:
            Person.objects.bulk_update(persons, sorted(fields | {"updated_at"}), batch_size=1000)
        self._relations(persons, extras, replace_accounts=True)
        merged = {row.target.pk for row in rows if row.action == MERGE}
        audit.log_bulk(AuditEntry.UPDATE, [(p, c) for p, c in logged if p.pk not in merged],
                       message=_("导入更新：%(f)s") % {"f": os.path.basename(context.filename or "")})
        audit.log_bulk(AuditEntry.UPDATE, [(p, c) for p, c in logged if p.pk in merged],
                       message=_("导入：疑似同一人，已合并到已有记录（%(f)s）") % {
                           "f": os.path.basename(context.filename or "")})
        exact = context.state.get("exact_keys")
        for person in persons:
            if services.state_values(person) != befores[person.pk]:
                services.sync_states(person, befores[person.pk], on=context.today)
            if exact is not None and person.birth_date and person.employer_id:
                exact.add_pair(person.name, person.birth_date, person.pk)

    def _relations(self, persons, extras, *, replace_accounts: bool):
        tag_names = sorted({n for data in extras for n in _split(data.get("tags"))})
        specialty_names = sorted({n for data in extras for n in _split(data.get("specialties"))})
        tags = {t.name: t.pk for t in services.tags_named(tag_names)} if tag_names else {}
        specialties = {s.name: s.pk for s in services.specialties_named(specialty_names)} if specialty_names else {}
        tag_links, specialty_links, accounts, replaced = [], [], [], []
        for person, data in zip(persons, extras, strict=True):
            tag_links += [Person.tags.through(person_id=person.pk, tag_id=tags[n]) for n in _split(data.get("tags"))
                          if n in tags]
            specialty_links += [Person.specialties.through(person_id=person.pk, specialty_id=specialties[n])
                                for n in _split(data.get("specialties")) if n in specialties]
            if data.get("network_accounts"):
                replaced.append(person.pk)
                accounts += [NetworkAccount(person_id=person.pk, **a) for a in data["network_accounts"]]
        Person.tags.through.objects.bulk_create(tag_links, batch_size=2000, ignore_conflicts=True)
        Person.specialties.through.objects.bulk_create(specialty_links, batch_size=2000, ignore_conflicts=True)
        if replace_accounts and replaced:
            NetworkAccount.objects.filter(person_id__in=replaced).delete()
        NetworkAccount.objects.bulk_create(accounts, batch_size=2000)

    # -- export ----------------------------------------------------------------------------------------------------

    @staticmethod
    def export_queryset(queryset):
        return (queryset.select_related("employer", "region")
                .prefetch_related("tags", "specialties", "network_accounts").order_by("pk"))


# -- what the registry already holds -----------------------------------------------------------------------------

SQLITE_IMPORT_CACHE_KB = 160 * 1024
KNOWN_KEYS_FROM = 10_000  # rows planned before a large import loads the filter (small ones never do)
EMPLOYER_CACHE_SIZE = 500_000


class KnownKeys:
    """Bloom filters of the blind indexes and the (name, birth date) pairs of the persons in the registry.

    A large import asks the database about a row's ID number, phone and (name, birth date) only when the filter
    says the registry may hold them; a value the filter has never seen is certainly new. Fresh rows are nearly
    always new, so this saves two thirds of the queries of a big import while every answer stays exact (a false
    positive only costs the query that would have been made anyway). Loaded once, from the database, when an
    import passes `KNOWN_KEYS_FROM` rows; what the import writes is added as it goes (`add_row`). 8 MB each;
    two probes per key, taken from the two halves of one 64-bit number (a blind index is already uniformly
    random), which keeps false positives near 0.3 % for two million keys.
    """

    BITS = 1 << 26
    MASK = BITS - 1

    def __init__(self):
        self.bidx = bytearray(self.BITS // 8)
        self.pairs = bytearray(self.BITS // 8)

    @classmethod
    def load(cls) -> KnownKeys:
        known = cls()
        rows = Person.objects.filter(is_erased=False).values_list("id_number_bidx", "phone_bidx", "name",
                                                                  "birth_date", "employer_id")
        for id_bidx, phone_bidx, name, birth, employer in rows.iterator(chunk_size=20_000):
            if id_bidx:
                known._set(known.bidx, int(id_bidx[:16], 16))
            if phone_bidx:
                known._set(known.bidx, int(phone_bidx[:16], 16))
            if birth is not None and employer is not None:
                known._set(known.pairs, hash((name, birth)))
        return known

    @classmethod
    def _set(cls, bits: bytearray, h: int) -> None:
        p, q = h & cls.MASK, (h >> 32) & cls.MASK
        bits[p >> 3] |= 1 << (p & 7)
        bits[q >> 3] |= 1 << (q & 7)

    @classmethod
    def _has(cls, bits: bytearray, h: int) -> bool:
        p, q = h & cls.MASK, (h >> 32) & cls.MASK
        return bool(bits[p >> 3] >> (p & 7) & 1 and bits[q >> 3] >> (q & 7) & 1)

    def may_have_bidx(self, bidx: str) -> bool:
        return self._has(self.bidx, int(bidx[:16], 16))

    def may_have_pair(self, name: str, birth) -> bool:
        return self._has(self.pairs, hash((name, birth)))

    def add_row(self, data: dict) -> None:
        """Remember what a written row may have put in the registry that a later row could be matched to: its
        (name, birth date). Its ID number and phone need no remembering: a later row with the same ID number, or
        the same name and phone, is refused as a repeat of this one before it is looked up (`plan`), and a
        phone alone never matches a person of another name."""
        if data.get("birth_date") and data.get("employer"):
            self._set(self.pairs, hash((data["name"], data["birth_date"])))


class ExactKeys:
    """What the import's lookups ask the person table, in memory, while a bulk load writes that table without
    the indexes that would answer them (`defer_indexes`):

    - the blind indexes of the persons registered when the import began (`hits`). The rows the import writes are
      not added: a later row with the same ID number, or the same name and phone, is refused as a repeat before
      any lookup, and a phone alone never matches a person of another name;
    - the (name, birth date) of every person with an employer, registered or written by the import (`pairs`,
      `add_pair`), as a hash → ids, for the name + birth date + employer match.

    A person the import updates may leave a stale entry: every hit is checked against the person as read."""

    def __init__(self, by_field: dict[str, dict[str, int]], pairs: dict[int, int | list[int]]):
        self.by_field = by_field
        self.pairs = pairs

    @classmethod
    def load(cls) -> ExactKeys:
        ids: dict[str, int] = {}
        phones: dict[str, int] = {}
        found = cls({"id_number": ids, "phone": phones}, {})
        rows = Person.objects.filter(is_erased=False).values_list("pk", "id_number_bidx", "phone_bidx", "name",
                                                                  "birth_date", "employer_id")
        for pk, id_bidx, phone_bidx, name, birth, employer in rows.order_by("pk").iterator(chunk_size=20_000):
            if id_bidx:
                ids[id_bidx] = pk
            if phone_bidx:
                phones[phone_bidx] = pk
            if birth is not None and employer is not None:
                found.add_pair(name, birth, pk)
        return found

    def hits(self, field: str, keys) -> dict[str, int]:
        """{blind index: pk} of the `keys` some person had when the import began."""
        table = self.by_field[field]
        return {key: pk for key in keys if (pk := table.get(key)) is not None}

    def add_pair(self, name: str, birth, pk: int) -> None:
        key = hash((name, birth))
        found = self.pairs.get(key)
        if found is None:
            self.pairs[key] = pk
        elif found.__class__ is list:
            found.append(pk)
        elif found != pk:
            self.pairs[key] = [found, pk]

    def pair_ids(self, pairs) -> set[int]:
        """The ids of the persons that may have one of these (name, birth date) pairs (a superset: check them)."""
        ids: set[int] = set()
        for name, birth in pairs:
            found = self.pairs.get(hash((name, birth)))
            if found.__class__ is list:
                ids.update(found)
            elif found is not None:
                ids.add(found)
        return ids


# -- plain-row writing -------------------------------------------------------------------------------------------
# A million-row import spends most of its time in the ORM's per-field machinery (bulk_create prepares every value
# of every row through the field classes). The importer's rows are built from already validated values, so they
# are written as plain rows: COPY on PostgreSQL (which the server processes while the next rows are built), one
# executemany elsewhere.


class TableWriter:
    """Inserts plain rows into one model's table. A row is a list in `attnames` order; `template()` gives one
    with every field's default, which the caller fills by `position[attname]`."""

    def __init__(self, model, fields=None):
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        if fields is None:
            chosen = list(model._meta.concrete_fields)
        else:
            chosen = [by_attname[name] for name in fields]
        self.model = model
        self.table = model._meta.db_table
        self.fields = chosen
        self.attnames = [f.attname for f in chosen]
        self.position = {name: i for i, name in enumerate(self.attnames)}
        self.vendor = connection.vendor
        self.converters = [(i, conv) for i, f in enumerate(chosen) if (conv := _converter(f, self.vendor))]
        # binary COPY needs each column's type: "varchar(50)" → "varchar", "timestamp with time zone" as it is
        self.pg_types = [f.db_type(connection).split("(")[0] for f in chosen] if self.vendor == "postgresql" else None

    def template(self, **values) -> list:
        row = []
        for field in self.fields:
            if field.attname in values:
                row.append(values[field.attname])
            elif field.primary_key or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                row.append(None)
            else:
                row.append(field.get_default())
        return row

    def _converted(self, rows):
        converters = self.converters
        for row in rows:
            for index, convert in converters:
                value = row[index]
                if value is not None:
                    row[index] = convert(value)
            yield row

    def insert(self, rows) -> None:
        rows = self._converted(rows) if self.converters else iter(rows)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # Binary COPY: the values go as they are (a date as its day number, a string as its bytes) instead
                # of being formatted and escaped as text and parsed back by the server — about half the work on
                # both sides. JSON columns receive JSON text (`_converter`), sent as jsonb's binary form.
                pg = cursor.cursor
                pg.adapters.register_dumper(None, JsonTextBinaryDumper)
                with pg.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(self.pg_types)
                    write = copy.write_row
                    for row in rows:
                        write(row)
            else:
                first = next(rows, None)
                if first is None:
                    return
                placeholders = ", ".join(["%s"] * len(self.fields))
                sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 - model names
                batch = [first]
                for row in rows:
                    batch.append(row)
                    if len(batch) >= 2000:
                        cursor.executemany(sql, batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)


class JsonTextBinaryDumper(Dumper):
    """jsonb in binary COPY from text that already is JSON (a version byte, then the text). Registered only by
    type (`register_dumper(None, …)`), on the writer's own cursor."""

    format = Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj):
        return b"\x01" + obj.encode()


_writers: dict = {}
STATISTICS_FROM = 20_000


#: The columns the import's own lookups filter on (`_by_blind_index`, `_by_name_birth`, `_employers`). "name"
#: keeps 1,000-bucket statistics for the search box (migration 0002), which make analyzing it cost as much as all
#: the others together; its number of distinct values is stored as a fraction of the rows, so once analyzed early
#: in the import it stays right as the table grows.
LOOKUP_STATISTICS = ("id_number_bidx", "phone_bidx", "birth_date", "employer_id", "is_erased", "region_code")


def refresh_statistics(*, lookups_only: bool = False, with_name: bool = True, persons: bool = True) -> None:
    """PostgreSQL plans the import's lookups (and, after it, the searches) from table statistics; a big import
    grows the tables inside one transaction, where autovacuum cannot see them, so lookups planned for a small
    table would scan a large one — quadratic time. ANALYZE in the import's own transaction counts its rows; it
    runs each time the rows written have grown fourfold (a few times per import), and then only for the columns
    the lookups use (`lookups_only`). The one at the end (for the searches, and the reports) is complete.

    ANALYZE samples 300 rows per unit of the highest statistics target among the columns it is given, so the
    three name columns (target 1,000, migration 0002) are analyzed on their own: together with the others they
    would make every column's statistics come from 300,000 rows — a whole-table ANALYZE of 200,000 persons
    took 4–6 s, split it takes 1.5 s.

    Without `persons` only the organization table is analyzed: during a bulk load the person table is looked up
    by id alone (`ExactKeys` answers the rest)."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if persons:
            cursor.execute("SELECT attname, attstattarget FROM pg_attribute "
                           "WHERE attrelid = 'people_person'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")
            targets = dict(cursor.fetchall())
            wanted = [c for c in targets if not lookups_only or c in LOOKUP_STATISTICS or (with_name and c == "name")]
            by_target: dict[int, list[str]] = {}
            for column in wanted:
                by_target.setdefault(targets[column], []).append(quote(column))
            for columns in by_target.values():
                cursor.execute(f"ANALYZE people_person ({', '.join(columns)})")
        cursor.execute("ANALYZE people_organization (name, region_code)" if lookups_only else "ANALYZE people_organization")


#: A PostgreSQL import of at least this many rows (by the file's size hint) into a person table that holds fewer
#: rows than the file builds the table's list and search indexes and checks its foreign keys once, at the end (env
#: TONGXIN_IMPORT_BULK_INDEXES_FROM; 0 turns it off).
BULK_INDEXES_FROM = int(os.environ.get("TONGXIN_IMPORT_BULK_INDEXES_FROM", "100000"))
#: The tables whose indexes a bulk load builds at the end, each with the first columns of the indexes that stay:
#: the import's own lookups use them (`_by_blind_index`, `_by_name_birth`, and the state history of a person it
#: updates); unique and primary-key indexes stay too (constraints are checked row by row).
BULK_INDEX_TABLES = {"people_person": frozenset({"id_number_bidx", "phone_bidx", "name"}),
                     "people_personstate": frozenset({"person_id"})}
#: A bulk load into a person table of at most this many rows also builds the lookups' own indexes (blind indexes,
#: the ID number's unique one included, and name + birth date) at the end, and looks up in memory instead
#: (`ExactKeys`: about 350 bytes a registered person, 110 bytes a written one).
#: Env TONGXIN_IMPORT_EXACT_KEYS_MAX; -1 keeps those indexes.
EXACT_KEYS_MAX = int(os.environ.get("TONGXIN_IMPORT_EXACT_KEYS_MAX", "250000"))
EXACT_KEY_COLUMNS = frozenset({"id_number_bidx", "phone_bidx", "name"})
#: The tables whose foreign keys a bulk load checks once at the end: the persons and the rows that hang off them.
BULK_CONSTRAINT_TABLES = ("people_person", "people_person_tags", "people_person_specialties", "people_networkaccount")
BULK_LOCK_TIMEOUT = "2s"
BULK_MAINTENANCE_WORK_MEM = "256MB"


def defer_indexes(context) -> list[tuple[str, str, str, str]]:
    """Drop the person and state tables' other indexes (and, when the table holds at most EXACT_KEYS_MAX persons,
    the blind indexes' ones, which `ExactKeys` then stands in for), and the foreign keys of the person and
    person-link tables, for the import's duration; returns what was dropped as (kind, table, name, definition)
    for `rebuild_indexes` at the end.

    Inserting a million rows into a table with a dozen indexes on random keys (pinyin, employers, regions) costs
    PostgreSQL four times what building the same indexes once from the finished table does (issue #3), and a
    foreign key checked row by row (a queued trigger per row, run at the commit) costs twenty times one
    anti-join over the finished table, which is how PostgreSQL validates a foreign key added to a table. It is
    only worth it — and only done — when the import at least doubles the table (the initial load of a city's
    ledgers), inside the import's transaction: a rollback restores everything, nobody ever sees the table
    without its indexes, and every row is checked against every foreign key before the commit, as before.
    The price: the person tables are locked until the import commits (others' reads of persons wait for it, a
    minute or two for a million rows), and new regions, employers and tags wait too. If the locks are not
    granted within BULK_LOCK_TIMEOUT (someone is reading), the import works row by row as usual.
    """
    hint = context.size_hint or 0
    if (connection.vendor != "postgresql" or not connection.in_atomic_block or context.dry_run
            or not BULK_INDEXES_FROM or hint < BULK_INDEXES_FROM):
        return []
    from django.db import DatabaseError, transaction

    with connection.cursor() as cursor:
        # how many persons the table holds, counted up to the file's size (an estimate from the statistics can be
        # far off: a rolled-back import leaves pages of dead rows, and index builds update the statistics in place)
        cursor.execute("SELECT count(*) FROM (SELECT 1 FROM people_person LIMIT %s) AS head", [hint + 1])
        tuples = cursor.fetchone()[0]
        if tuples > hint:
            return []
        quote = connection.ops.quote_name
        exact = tuples <= EXACT_KEYS_MAX
        keep = dict(BULK_INDEX_TABLES)
        if exact:
            keep["people_person"] = keep["people_person"] - EXACT_KEY_COLUMNS
        cursor.execute(
            "SELECT i.indrelid::regclass::text, c.relname, pg_get_indexdef(i.indexrelid), a.attname, i.indisunique "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
            "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1, 2",
            [list(BULK_INDEX_TABLES)])
        # unique indexes stay (checked row by row), but for the ID number's when it is looked up in memory: the
        # import refuses a repeated ID number before writing, and rebuilding the index checks the whole table
        deferred = [("index", table, name, definition)
                    for table, name, definition, first, unique in cursor.fetchall()
                    if first not in keep[table] and (not unique or (exact and first in EXACT_KEY_COLUMNS))]
        cursor.execute(
            "SELECT k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "WHERE k.contype = 'f' AND k.conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [list(BULK_CONSTRAINT_TABLES)])
        deferred += [("constraint", table, name, definition) for table, name, definition in cursor.fetchall()]
        if not deferred:
            return []
        if exact:
            context.state["exact_keys"] = ExactKeys.load()
        cursor.execute("SELECT current_setting('lock_timeout')")
        before = cursor.fetchone()[0]
        try:
            with transaction.atomic():
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [BULK_LOCK_TIMEOUT])
                # dropping a foreign key alters the referenced table too, which PostgreSQL refuses while it has
                # checks queued in this transaction (rows written before the import began): run them now
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                for kind, table, name, _definition in deferred:
                    if kind == "index":
                        cursor.execute(f"DROP INDEX {quote(name)}")
                    else:
                        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        except DatabaseError:  # lock not granted in time, pending trigger events, or not the owner: all stay
            deferred = []
            context.state.pop("exact_keys", None)
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
    return deferred


def rebuild_indexes(deferred) -> None:
    """Create again, from the finished tables, the indexes and foreign keys `defer_indexes` dropped (same names,
    same definitions); adding a foreign key checks every row of the table against it."""
    if not deferred:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # PostgreSQL alters no table with pending trigger events: the foreign keys' checks of the rows written
        # to other tables (employers), which Django defers to the commit. Check them now (the same work), build,
        # and defer again.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # sort a million rows' keys in memory rather than in temporary files (for this transaction only)
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true) "
                       "WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes(%s)",
                       [BULK_MAINTENANCE_WORK_MEM, BULK_MAINTENANCE_WORK_MEM])
        for kind, table, name, definition in deferred:
            if kind == "index":
                cursor.execute(definition)
            else:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def table_writer(model, fields=None) -> TableWriter:
    key = (model, tuple(fields) if fields is not None else None, connection.vendor)
    writer = _writers.get(key)
    if writer is None:
        writer = _writers[key] = TableWriter(model, fields)
    return writer


def _converter(field, vendor: str):
    from django.db.models import DateField, DateTimeField, GenericIPAddressField, JSONField

    if isinstance(field, JSONField):
        return lambda v: v if isinstance(v, str) else json.dumps(v, cls=field.encoder)
    if vendor == "postgresql":
        if isinstance(field, GenericIPAddressField):  # binary inet takes an address, not its text
            return lambda v: v if not isinstance(v, str) else ipaddress.ip_address(v)
        return None
    if isinstance(field, DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        last = [None, None]

        def convert(value):
            if value is not last[0]:
                last[0], last[1] = value, adapt(value)
            return last[1]

        return convert
    if isinstance(field, DateField):
        return lambda v: v.isoformat() if isinstance(v, datetime.date) else v
    return None


def allocate_ids(model, n: int) -> list[int]:
    """`n` primary keys for rows about to be inserted, so that related rows can point at them. PostgreSQL takes
    them from the table's sequence; SQLite continues after the highest ever used (the import holds the write
    lock, so nobody else inserts meanwhile)."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the sequence's name first: in the same SELECT, pg_get_serial_sequence would run once per id (a catalog
            # lookup each, twelve times the cost of the nextval itself)
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, n])
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")  # noqa: S608 - model names
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(top, row[0] if row else 0) + 1
    return list(range(start, start + n))


def write_audit(action: str, model, entries, *, message: str = "") -> None:
    """One audit entry per (pk, repr, region code, changes), as `audit.log_bulk` writes them, as plain rows;
    `changes` is a dict or its JSON text (the table writer's JSON converter takes both)."""
    actor = current_actor()
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    writer = table_writer(AuditEntry, fields=(
        "timestamp", "user_id", "username", "ip", "source", "request_id", "action", "content_type_id", "object_id",
        "object_repr", "region_code", "changes", "message"))
    head = [timezone.now(), getattr(user, "pk", None), getattr(user, "username", "") or actor.source, actor.ip,
            actor.source, actor.request_id, action, ContentType.objects.get_for_model(model).pk]
    message = str(message)[:500]
    writer.insert([*head, str(pk), str(text)[:200], region, changes, message] for pk, text, region, changes in entries)


class _Sealer:
    """`keyring().encrypt` for many values (`Keyring.sealer`): the same tokens, prepared once per ring."""

    def __init__(self, ring):
        self.ring = ring
        self.fast = ring.sealer()

    def __call__(self, value: str) -> str:
        return self.fast(value)


_sealers: dict = {}


def sealer() -> _Sealer:
    ring = keyring()
    found = _sealers.get(id(ring))
    if found is None or found.ring is not ring:
        _sealers.clear()
        found = _sealers[id(ring)] = _Sealer(ring)
    return found


def _named_ids(find, names: list[str], cache: dict) -> dict[str, int]:
    """{name: id} of tags or specialties, created where missing; names seen earlier in the import are not looked
    up again."""
    missing = [name for name in names if name not in cache]
    if missing:
        cache.update((item.name, item.pk) for item in find(missing))
    return {name: cache[name] for name in names if name in cache}


def _persons(pks: set[int]):
    """The records rows were matched to, with what `_changes` compares, in one query per relation."""
    if not pks:
        return []
    return Person.objects.filter(is_erased=False, pk__in=pks).select_related("employer").prefetch_related(
        "tags", "specialties", "network_accounts")


def _dict_parents():
    from tongxin.core.models import DictItem

    return DictItem.objects.filter(dict_type__code="person_category", parent__isnull=False).values_list(
        "code", "parent__code")


def _summary(value) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "；".join(f"{a['platform']}：{a['account_name']}" for a in value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


register_importer("persons", PersonSpec, label="人士", permission="people.add_person")


__all__ = ["PersonSpec", "format_accounts"]
