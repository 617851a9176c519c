"""Spreadsheet specs of liaison work (tongxin.core.tabular): contact logs in and out, cases out.

Contact logs (importer "contacts": `tongxin import contacts FILE --region CODE`) come one row per person
contacted — 联系日期, 联系人, 被联系人姓名 with 身份证号 / 手机号码 (or the 人士编号 an export carries) to tell
namesakes apart, 方式, 内容, optionally 跟进事项. Rows of one file that share date, contactor, channel and content
become one contact with several persons; a row that repeats a contact already logged is skipped, so importing a
file twice (or an export) changes nothing. Writing is bulk, a few queries per chunk.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from tongxin.core import audit, regions
from tongxin.core.keys import keyring
from tongxin.core.models import AuditEntry, Region, User
from tongxin.core.tabular import CREATE, SKIP, Column, ImportSpec, parsers, register_importer
from tongxin.liaison.models import (
    CaseCategory,
    CaseStatus,
    Channel,
    Contact,
    ContactPerson,
    Feedback,
    Pairing,
    RaiserKind,
)
from tongxin.people.imports import KeepMasked, Masked
from tongxin.people.models import Person, Status

TOPIC_MAX = 200


def _real(value) -> bool:
    return value not in (None, "") and not isinstance(value, Masked)


def _mask(field: str):
    return lambda link: getattr(link.person, field) or ""


CHANNEL_PARSER = parsers.Choice(Channel.choices, aliases={
    "当面": Channel.FACE, "见面": Channel.FACE, "走访": Channel.FACE, "上门": Channel.FACE, "座谈": Channel.FACE,
    "面谈": Channel.FACE, "打电话": Channel.PHONE, "电话联系": Channel.PHONE, "手机": Channel.PHONE,
    "微信": Channel.ONLINE, "网络": Channel.ONLINE, "键对键": Channel.ONLINE, "线上": Channel.ONLINE,
    "qq": Channel.ONLINE, "视频": Channel.ONLINE, "短信": Channel.ONLINE, "网上": Channel.ONLINE,
})


def _content(link) -> str:
    contact = link.contact
    return contact.content or contact.topic


CONTACT_COLUMNS = [
    Column("contacted_on", "联系日期", aliases=("日期", "联系时间", "走访日期", "时间"), required=True,
           parser=parsers.Date(), export=lambda link: link.contacted_on),
    Column("by", "联系人", aliases=("联系领导", "走访人", "联系干部", "结对领导"), required=True, parser=parsers.Text(50),
           export=lambda link: link.contact.by_name, example="张志强",
           help="系统用户的姓名或用户名，或人士库中结对领导的姓名"),
    Column("name", "被联系人姓名", aliases=("被联系人", "联系对象", "姓名", "人士姓名", "被走访人"), required=True,
           parser=parsers.Text(50), export=lambda link: link.person.name, example="张嘉骊"),
    Column("id_number", "身份证号", aliases=("身份证号码", "身份证", "公民身份号码", "被联系人身份证号"),
           parser=KeepMasked(parsers.IdNumber()), export=_mask("id_number"),
           help="与手机号码填一项即可；人士库中没有重名时可都不填"),
    Column("phone", "手机号码", aliases=("手机", "手机号", "联系电话", "电话", "被联系人手机号码"),
           parser=KeepMasked(parsers.Phone()), export=_mask("phone")),
    Column("channel", "方式", aliases=("联系方式", "沟通方式", "联系形式"), required=True, parser=CHANNEL_PARSER,
           export=lambda link: link.contact.channel, help="面对面（走访、座谈）、电话或微信/网络（键对键）"),
    Column("content", "内容", aliases=("联系内容", "交流内容", "联系事由", "事由", "主要内容", "谈话内容"),
           required=True, parser=parsers.Text(4000), export=_content, example="走访企业，了解用工和融资情况"),
    Column("follow_up_note", "跟进事项", aliases=("需跟进事项", "后续跟进", "待办事项"), parser=parsers.Text(300),
           export=lambda link: link.contact.follow_up_note, help="填写后该记录标为需要跟进"),
    Column("person_pk", "人士编号", parser=parsers.Integer(min_value=1), export=lambda link: link.person_id,
           help="导出文件自带，用于准确找到被联系人；新填的行可留空"),
]


def topic_and_content(text: str) -> tuple[str, str]:
    """A short text is the topic; a long one keeps its start as topic and the whole as content."""
    text = text.strip()
    if len(text) <= TOPIC_MAX:
        return text, ""
    return text[: TOPIC_MAX - 1] + "…", text


class ContactSpec(ImportSpec):
    name = "联系记录"
    columns = CONTACT_COLUMNS
    chunk_size = 2000

    def prepare(self, context):
        scope = context.scope or ""
        users = User.objects.filter(is_active=True)
        pairings = Pairing.objects.filter(leader_person__isnull=False)
        if scope:
            # Contactors may be users of the region, below it or above it (a city leader visiting a county).
            above = [scope[:n] for n in regions.LEVEL_BY_LENGTH if n < len(scope)]
            users = users.filter(Q(scope_region_id__startswith=scope) | Q(scope_region_id__in=above)
                                 | Q(scope_region__isnull=True, is_superuser=True))
            pairings = pairings.filter(Q(region_id__startswith=scope) | Q(region_id__in=above))
        usernames: dict[str, int] = {}
        users_by_name: dict[str, list[int]] = {}
        for pk, username, display in users.values_list("pk", "username", "display_name"):
            usernames[username.lower()] = pk
            if display:
                users_by_name.setdefault(display, []).append(pk)
        leaders: dict[str, list[int]] = {}
        for pk, name in pairings.values_list("leader_person_id", "leader_person__name").distinct():
            if pk not in leaders.setdefault(name, []):
                leaders[name].append(pk)
        context.state.update(scope=scope, usernames=usernames, users_by_name=users_by_name, leaders=leaders,
                             seen={})

    def clean_row(self, row, context):
        data = row.data
        if data["contacted_on"] and data["contacted_on"] > context.today:
            row.add_error("联系日期", _("联系日期不能晚于今天"))
        data["name"] = " ".join(data["name"].split())
        data["topic"], data["content"] = topic_and_content(data["content"])
        by = data["by"].strip()
        state = context.state
        user_pk = state["usernames"].get(by.lower())
        if user_pk is None:
            candidates = state["users_by_name"].get(by, [])
            if len(candidates) > 1:
                row.add_error("联系人", _("有 %(n)s 个系统用户名为“%(v)s”，请改填用户名") % {"n": len(candidates), "v": by})
                return
            user_pk = candidates[0] if candidates else None
        data["by_user"], data["by_person"] = user_pk, None
        if user_pk is None:
            leaders = state["leaders"].get(by, [])
            if len(leaders) != 1:
                row.add_error("联系人", _("“%(v)s”不是本范围内的系统用户，也不是人士库中的结对领导") % {"v": by}
                              if not leaders else _("人士库中有多位结对领导名为“%(v)s”") % {"v": by})
                return
            data["by_person"] = leaders[0]

    # -- planning ------------------------------------------------------------------------------------------------

    def plan(self, rows, context):
        pending = [row for row in rows if row.ok]
        persons = self._find_persons(pending, context)
        keys = set()
        for row in pending:
            person = persons.get(row.number)
            if person is None:
                continue
            row.target = person
            keys.add((person.pk, row.data["contacted_on"]))
        existing = self._existing(keys)
        seen = context.state["seen"]
        for row in pending:
            if not row.ok or row.target is None:
                continue
            key = self._key(row.data, row.target.pk)
            if key in existing:
                row.action = SKIP
                continue
            first = seen.setdefault(key, row.number)
            if first != row.number:
                row.add_error("被联系人姓名", _("与第 %(n)s 行重复") % {"n": first})
                continue
            row.action = CREATE

    @staticmethod
    def _key(data, person_pk) -> tuple:
        return (person_pk, data["contacted_on"], data["by_user"], data["by_person"], data["channel"], data["topic"])

    @staticmethod
    def _existing(keys: set) -> set:
        if not keys:
            return set()
        links = ContactPerson.objects.filter(person_id__in={k[0] for k in keys},
                                             contacted_on__in={k[1] for k in keys}).select_related("contact")
        return {(link.person_id, link.contacted_on, link.contact.by_user_id, link.contact.by_person_id,
                 link.contact.channel, link.contact.topic) for link in links}

    def _find_persons(self, rows, context) -> dict[int, Person]:
        """Row number → the person the row is about, or an error on the row."""
        scope = context.state["scope"]
        by_pk = {p.pk: p for p in Person.objects.filter(pk__in={r.data["person_pk"] for r in rows
                                                                 if r.data.get("person_pk")})}
        by_id = self._by_blind_index(rows, "id_number")
        by_phone = self._by_blind_index(rows, "phone")
        names = {r.data["name"] for r in rows if not r.data.get("person_pk") and not _real(r.data.get("id_number"))
                 and not _real(r.data.get("phone"))}
        by_name: dict[str, list[Person]] = {}
        if names:
            candidates = Person.objects.filter(name__in=names, is_erased=False, status=Status.ACTIVE)
            if scope:
                candidates = candidates.filter(region_id__startswith=scope)
            for person in candidates:
                by_name.setdefault(person.name, []).append(person)
        found = {}
        for row in rows:
            data = row.data
            name = data["name"]
            if data.get("person_pk"):
                person, column = by_pk.get(data["person_pk"]), "人士编号"
            elif _real(data.get("id_number")):
                person, column = by_id.get(data["id_number"]), "身份证号"
            elif _real(data.get("phone")):
                person, column = by_phone.get(data["phone"]), "手机号码"
            else:
                matches = by_name.get(name, [])
                if len(matches) > 1:
                    row.add_error("被联系人姓名", _("人士库中有 %(n)s 位“%(v)s”，请填写身份证号或手机号码")
                                  % {"n": len(matches), "v": name})
                    continue
                person, column = (matches[0] if matches else None), "被联系人姓名"
            if person is None or (scope and not person.region_id.startswith(scope)):
                row.add_error(column, _("在您的数据范围内的人士库中没有找到“%(v)s”") % {"v": name})
                continue
            if person.name != name:
                row.add_error("被联系人姓名", _("%(column)s对应的人士姓名与“%(v)s”不符") % {"column": column, "v": name})
                continue
            if person.is_erased or person.status != Status.ACTIVE:
                row.add_error("被联系人姓名", _("“%(v)s”已不在册，不能登记联系") % {"v": name})
                continue
            if data["by_person"] == person.pk:
                row.add_error("联系人", _("联系人不能同时是被联系人"))
                continue
            found[row.number] = person
        return found

    @staticmethod
    def _by_blind_index(rows, field: str) -> dict[str, Person]:
        values = {row.data[field] for row in rows if _real(row.data.get(field)) and not row.data.get("person_pk")}
        if not values:
            return {}
        model_field = Person._meta.get_field(field)
        index: dict[str, str] = {}
        for value in values:
            for bidx in keyring().blind_indexes(model_field.normalize(value), purpose=model_field.kind):
                index[bidx] = value
        hits = Person.objects.filter(is_erased=False, **{f"{field}_bidx__in": list(index)})
        return {index[getattr(p, f"{field}_bidx")]: p for p in hits}

    # -- writing -------------------------------------------------------------------------------------------------

    def write(self, rows, context):
        groups: dict[tuple, list] = {}
        for row in rows:
            data = row.data
            key = (data["contacted_on"], data["by_user"], data["by_person"], data["channel"], data["topic"],
                   data["content"], data.get("follow_up_note") or "")
            groups.setdefault(key, []).append(row.target)
        recorder = context.user if getattr(context.user, "is_authenticated", False) else None
        candidates = {code[:n] for persons in groups.values() for p in persons for code in (p.region_id,)
                      for n in regions.LEVEL_BY_LENGTH if n <= len(code)}
        known = set(Region.objects.filter(code__in=candidates).values_list("code", flat=True))
        contacts, members = [], []
        for (day, by_user, by_person, channel, topic, content, follow_up), persons in groups.items():
            contacts.append(Contact(
                contacted_on=day, by_user_id=by_user, by_person_id=by_person, channel=channel, topic=topic,
                content=content, follow_up_needed=bool(follow_up), follow_up_note=follow_up, recorded_by=recorder,
                region_id=_common_region([p.region_id for p in persons], known)))
            members.append(persons)
        Contact.objects.bulk_create(contacts, batch_size=500)
        ContactPerson.objects.bulk_create([
            ContactPerson(contact=contact, person=person, contacted_on=contact.contacted_on)
            for contact, persons in zip(contacts, members, strict=True) for person in persons
        ], batch_size=1000)
        audit.log_bulk(AuditEntry.CREATE, [
            (contact, {"contacted_on": [None, contact.contacted_on.isoformat()], "channel": [None, contact.channel],
                       "topic": [None, contact.topic], str(_("联系对象")): [None, "、".join(p.name for p in persons)]})
            for contact, persons in zip(contacts, members, strict=True)
        ], message=_("导入联系记录：%(f)s") % {"f": context.filename})


def _common_region(codes: list[str], known: set[str]) -> str:
    prefix = codes[0]
    for code in codes[1:]:
        length = 0
        while length < min(len(prefix), len(code)) and prefix[length] == code[length]:
            length += 1
        prefix = prefix[:length]
    for length in sorted(regions.LEVEL_BY_LENGTH, reverse=True):
        if length <= len(prefix) and prefix[:length] in known:
            return prefix[:length]
    return codes[0]


def export_contact_links(contacts):
    """The rows of a contacts export: one per person contacted, in the order of the contacts."""
    return (ContactPerson.objects.filter(contact__in=contacts)
            .select_related("person", "contact", "contact__by_user", "contact__by_person")
            .order_by("-contacted_on", "-contact_id", "person_id"))


register_importer("contacts", ContactSpec, label="联系记录", permission="liaison.add_contact")


# --- Cases (export only) ---------------------------------------------------------------------------------------


def _raiser(case) -> str:
    return case.raiser_name


CASE_COLUMNS = [
    Column("pk", "编号", parser=parsers.Integer(), importable=False),
    Column("title", "诉求标题", parser=parsers.Text(200), importable=False),
    Column("category", "诉求类别", parser=parsers.Choice(CaseCategory.choices), importable=False),
    Column("raiser_kind", "反映方", parser=parsers.Choice(RaiserKind.choices), importable=False),
    Column("raiser", "反映人/组织/社区", parser=parsers.Text(), export=_raiser, importable=False),
    Column("region", "区划", parser=parsers.Text(), export=lambda c: c.region.full_name or c.region.name,
           importable=False),
    Column("description", "诉求内容", parser=parsers.Text(), importable=False),
    Column("taken_by", "承办人", parser=parsers.Text(), export=lambda c: str(c.taken_by) if c.taken_by_id else "",
           importable=False),
    Column("opened_on", "受理日期", parser=parsers.Date(), importable=False),
    Column("deadline", "办理时限", parser=parsers.Date(), importable=False),
    Column("status", "状态", parser=parsers.Choice(CaseStatus.choices), importable=False),
    Column("overdue", "是否逾期", parser=parsers.Boolean(), export=lambda c: c.is_overdue(), importable=False),
    Column("resolution", "办理结果", parser=parsers.Text(), importable=False),
    Column("resolved_on", "解决日期", parser=parsers.Date(), importable=False),
    Column("feedback", "反映方评价", parser=parsers.Choice(Feedback.choices), importable=False),
    Column("feedback_note", "评价说明", parser=parsers.Text(), importable=False),
]


class CaseSpec(ImportSpec):
    name = "诉求"
    columns = CASE_COLUMNS


def export_cases(cases):
    return cases.select_related("region", "taken_by", "raised_by_person", "raised_by_association") \
        .order_by("-opened_on", "-id")


__all__ = ["CREATE", "CaseSpec", "ContactSpec", "export_cases", "export_contact_links", "topic_and_content"]
