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

import os
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import audit, validators
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


def _real(value) -> bool:
    """A value the row really carries (not empty, not a masked placeholder)."""
    return value not in (None, "") and not isinstance(value, Masked)


def _split(text) -> list[str]:
    return services.split_names(text or "")


class PersonSpec(ImportSpec):
    name = "人士"
    columns = PERSON_COLUMNS
    chunk_size = 2000

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

    def clean_row(self, row, context):
        data = row.data
        today = context.today
        data["name"] = services.normalize_name(data["name"])
        id_number = data.get("id_number")
        if _real(id_number):
            info = validators.check_id_number(id_number)
            if data.get("birth_date") and data["birth_date"] != info.birth_date:
                row.add_error("出生日期", _("出生日期与身份证号不一致（身份证号为 %(d)s）") % {"d": info.birth_date})
            if data.get("gender") and data["gender"] != info.gender:
                row.add_error("性别", _("性别与身份证号不一致"))
            data["birth_date"], data["gender"] = info.birth_date, info.gender
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

    # -- planning: find who each row is about ---------------------------------------------------------------------

    def plan(self, rows, context):
        state = context.state
        scope = state["scope"]
        pending = [row for row in rows if row.ok]
        by_pk = self._by_pk(pending)
        by_id = self._by_blind_index(pending, "id_number")
        by_phone = self._by_blind_index(pending, "phone")
        by_birth = self._by_name_birth(pending)
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
            target, action = None, CREATE
            if data.get("pk"):
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
                likely = by_phone.get(phone) if _real(phone) else None
                if likely is not None and likely.name != name:
                    likely = None
                if likely is None and data.get("birth_date") and data.get("employer"):
                    likely = by_birth.get((name, data["birth_date"], validators.normalize_text(data["employer"])))
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
            changes = self._changes(target, data, context, merge=action == MERGE)
            if "status" in changes and not _real(data.get("status_reason")):
                row.add_error("状态变更原因", _("变更状态须填写原因"))
                continue
            row.target, row.extra = target, changes
            row.action = action if changes else SKIP

    def _by_pk(self, rows) -> dict[int, Person]:
        pks = {row.data["pk"] for row in rows if row.data.get("pk")}
        return {p.pk: p for p in _persons(pks)}

    def _by_blind_index(self, rows, field: str) -> dict[str, Person]:
        values = {row.data[field] for row in rows if _real(row.data.get(field))}
        if not values:
            return {}
        purpose = Person._meta.get_field(field).kind
        normalize = Person._meta.get_field(field).normalize
        index: dict[str, str] = {}
        for value in values:
            for bidx in keyring().blind_indexes(normalize(value), purpose=purpose):
                index[bidx] = value
        hits = dict(Person.objects.filter(is_erased=False, **{f"{field}_bidx__in": list(index)})
                    .values_list(f"{field}_bidx", "pk"))
        persons = {p.pk: p for p in _persons(set(hits.values()))}
        return {index[bidx]: persons[pk] for bidx, pk in hits.items() if pk in persons}

    def _by_name_birth(self, rows) -> dict[tuple, Person]:
        keys = {(row.data["name"], row.data["birth_date"]) for row in rows
                if row.data.get("birth_date") and row.data.get("employer")}
        if not keys:
            return {}
        hits = {}
        candidates = Person.objects.filter(is_erased=False, name__in={k[0] for k in keys},
                                           birth_date__in={k[1] for k in keys}, employer__isnull=False)
        for pk, name, birth, employer in candidates.values_list("pk", "name", "birth_date", "employer__name"):
            if (name, birth) in keys:
                hits.setdefault((name, birth, employer), pk)
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

    def write(self, rows, context):
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
        for row in rows:
            name = row.data.get("employer") if row.action == CREATE else (row.extra or {}).get("employer")
            if name:
                wanted.setdefault(validators.normalize_text(name)[:200], row.data.get("region") or context.region)
        if not wanted:
            return {}
        scope = context.state["scope"]
        found: dict[str, int] = {}
        names = sorted(wanted)
        for start in range(0, len(names), 500):
            query = Organization.objects.filter(name__in=names[start:start + 500])
            if scope:
                query = query.filter(prefix_q("region_id", scope))
            for pk, name in query.order_by("id").values_list("pk", "name"):
                found.setdefault(name, pk)
        missing = [Organization(name=name, region_id=region) for name, region in wanted.items() if name not in found]
        if missing:
            Organization.objects.bulk_create(missing, batch_size=1000)
            audit.log_bulk(AuditEntry.CREATE, [(o, {"name": [None, o.name], "region": [None, o.region_id]})
                                               for o in missing], message=_("导入人士时新建单位"))
            found.update({o.name: o.pk for o in missing})
        return found

    def _create(self, rows, context, employers):
        source = context.state["source"]
        today = context.today
        persons, extras = [], []
        for row in rows:
            data = row.data
            person = Person(region_id=data["region"], employer_id=employers.get(
                validators.normalize_text(data.get("employer") or "")[:200]) if data.get("employer") else None,
                            is_representative=bool(data.get("is_representative")),
                            representative_level=data.get("representative") or "")
            for field in SCALAR_FIELDS:
                value = data.get(field)
                if value is not None and not isinstance(value, Masked):
                    setattr(person, field, value)
            person.is_reserve = bool(data.get("is_reserve"))
            person.is_network_figure = bool(data.get("is_network_figure"))
            person.source = data.get("source") or source
            person.added_on = data.get("added_on") or today
            if person.status != Status.ACTIVE and not person.status_reason:
                person.status_reason = _("导入时状态：%(s)s") % {"s": person.get_status_display()}
            for flag, since in (("is_representative", "representative_since"), ("is_reserve", "reserve_since"),
                                ("is_network_figure", "network_since")):
                if not getattr(person, flag):
                    setattr(person, since, None)
            person.name_pinyin, person.name_initials = pinyin.name_keys(person.name)
            persons.append(person)
            extras.append(data)
        Person.objects.bulk_create(persons, batch_size=1000)
        PersonState.objects.bulk_create([s for p in persons for s in services.initial_states(p)], batch_size=2000)
        self._relations(persons, extras, replace_accounts=False)
        audit.log_bulk(AuditEntry.CREATE, [(p, _created_changes(p)) for p in persons],
                       message=_("导入：%(f)s") % {"f": os.path.basename(context.filename or "")})

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
        for person in persons:
            if services.state_values(person) != befores[person.pk]:
                services.sync_states(person, befores[person.pk], on=context.today)

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


def _created_changes(person: Person) -> dict:
    changes = {"name": [None, person.name], "region": [None, person.region_id], "category": [None, person.category],
               "source": [None, person.source]}
    for name in SENSITIVE:
        value = getattr(person, name)
        if value:
            changes[name] = [None, Person._meta.get_field(name).mask(value)]
    return changes


register_importer("persons", PersonSpec, label="人士", permission="people.add_person")


__all__ = ["PersonSpec", "format_accounts"]
