"""Demo data of the organising area, after seed 000 (船山区): 船山区新联会 (2017) with 18 grass-roots branches, 668
members, officers and council terms (one branch overdue for re-election), 8 rules, funds allocated over the years
summing to 36.2万元, 统战委员/联络员 covering most townships (a few gaps left on purpose) and 48 pioneer teams; and
a small association in 安居区 (510904). Fictional; written with bulk inserts so `tongxin demo` stays fast;
idempotent."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tongxin.core import audit, demo
from tongxin.core.demo import DEMO_COUNTY, OTHER_COUNTY
from tongxin.core.models import AuditEntry, Region, User
from tongxin.core.services import save_region
from tongxin.orgs import services
from tongxin.orgs.models import (
    Association,
    CouncilTerm,
    FundEntry,
    FundKind,
    LiaisonPost,
    Membership,
    MembershipStatus,
    OfficerRole,
    OfficerTerm,
    PostKind,
    PostUnit,
    Rule,
    RuleCategory,
    Team,
    TeamKind,
)
from tongxin.people.models import Person, Status

D = datetime.date
DEMO_NOTE = "演示数据（虚构）"
COUNTY_ASSOCIATION = "船山区新联会"
DEPARTMENT = "船山区委统战部"
MEMBERS = 668

# name, level, kind, township (None: the county), founded
BRANCHES = [
    ("船山区新联会南津路街道分会", "township", "01", "510903001", D(2018, 5, 20)),
    ("船山区新联会凯旋路街道分会", "township", "01", "510903002", D(2018, 9, 12)),
    ("船山区网络人士联谊会", "industry", "02", None, D(2019, 4, 26)),
    ("船山区新联会镇江寺街道分会", "township", "01", "510903004", D(2019, 6, 18)),
    ("船山区新联会物流港园区分会", "park", "01", "510903008", D(2019, 11, 8)),
    ("船山区新联会育才路街道分会", "township", "01", "510903005", D(2020, 5, 15)),
    ("船山区法律人士联谊会", "industry", "03", None, D(2020, 8, 21)),
    ("船山区新联会嘉禾街道分会", "township", "01", "510903007", D(2020, 10, 30)),
    ("船山区新联会创新工业园分会", "park", "01", "510903100", D(2021, 4, 9)),
    ("船山区新联会灵泉街道分会", "township", "01", "510903011", D(2021, 6, 25)),
    ("船山区新联会南滨路商圈分会", "district", "01", "510903001", D(2021, 9, 17)),
    ("船山区文艺人士联谊会", "industry", "04", None, D(2022, 3, 18)),
    ("船山区新联会龙凤镇分会", "township", "01", "510903100", D(2022, 6, 10)),
    ("船山区新联会永兴镇分会", "township", "01", "510903103", D(2022, 11, 4)),
    ("船山区新联会西部铸造产业园分会", "park", "01", "510903105", D(2023, 5, 12)),
    ("船山区新联会天虹商圈分会", "district", "01", "510903006", D(2023, 9, 22)),
    ("船山区新联会河沙镇分会", "township", "01", "510903104", D(2024, 4, 19)),
    ("船山区新联会金融商务楼宇分会", "building", "01", "510903002", D(2024, 10, 25)),
]
OVERDUE_BRANCH = "船山区新联会镇江寺街道分会"

RULES = [
    ("船山区新联会联席会议制度", RuleCategory.MEETING, D(2017, 8, 1)),
    ("船山区新联会联谊活动制度", RuleCategory.ACTIVITY, D(2017, 8, 1)),
    ("船山区新联会走访会员单位制度", RuleCategory.MEMBERSHIP, D(2018, 3, 1)),
    ("船山区新联会理事会议事规则", RuleCategory.MEETING, D(2017, 8, 1)),
    ("船山区新联会会员管理办法", RuleCategory.MEMBERSHIP, D(2018, 3, 1)),
    ("船山区新联会经费管理办法", RuleCategory.FINANCE, D(2018, 3, 1)),
    ("船山区新联会纪律监督部工作规则", RuleCategory.DISCIPLINE, D(2019, 1, 1)),
    ("船山区新联会学习培训制度", RuleCategory.STUDY, D(2019, 1, 1)),
]
ALLOCATIONS = [(D(2017, 9, 15), 20000), (D(2018, 3, 20), 30000), (D(2019, 3, 18), 35000), (D(2020, 4, 10), 40000),
               (D(2021, 3, 22), 45000), (D(2022, 3, 21), 48000), (D(2023, 3, 20), 52000), (D(2024, 3, 18), 50000),
               (D(2025, 3, 24), 42000)]  # 362,000 元
EXPENSES = ["“同心·百和家园”实践创新基地活动", "“闲逛斗城”文化节目排练", "会员培训班", "理事会会议", "“不忘初心 情系绿茵”主题活动",
            "“AI人工智能驱动未来”主题沙龙", "走访会员单位", "“同心沙龙”展示阵地布展", "新阶人士志愿服务", "“凤栖书院”读书会"]
COMMUNITIES = {
    "510903001": ["滨江社区", "南坝社区", "金鱼社区", "开善社区", "高升社区", "明星社区"],
    "510903002": ["凯旋社区", "西山社区", "河东社区", "紫东社区", "东湖社区"],
}
COMMUNITY_GAPS = {"高升社区", "明星社区", "东湖社区"}
TOWNSHIP_GAPS = {"510903108", "510903109", "510903203"}  # 保升镇, 北固镇, 唐家乡
COUNTY_OFFICERS = [  # role, count in the second term
    (OfficerRole.PRESIDENT, 1), (OfficerRole.EXECUTIVE_VICE_PRESIDENT, 1), (OfficerRole.VICE_PRESIDENT, 6),
    (OfficerRole.SECRETARY_GENERAL, 1), (OfficerRole.DEPUTY_SECRETARY_GENERAL, 2), (OfficerRole.COUNCIL_MEMBER, 15),
    (OfficerRole.CHIEF_SUPERVISOR, 1), (OfficerRole.SUPERVISOR, 2),
]

_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>"
        b"endobj\n4 0 obj<</Length 58>>stream\nBT /F1 18 Tf 72 760 Td (Tongxin demo document) Tj ET\nendstream\n"
        b"endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


def _association(name, level, kind, region, founded, parent=None) -> Association:
    return services.save_association(Association(
        name=name, level=level, kind=kind, region_id=region, founded_on=founded, parent=parent,
        supervising_department=DEPARTMENT if region.startswith(DEMO_COUNTY) else "安居区委统战部",
        contact_person="", address="", note=DEMO_NOTE))


class _Builder:
    """Collects rows of one county's demo and writes them in bulk."""

    def __init__(self, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today
        self.memberships: list[Membership] = []
        self.officers: list[OfficerTerm] = []
        self.terms: list[CouncilTerm] = []
        self.index: dict[tuple[int, int], Membership] = {}

    def join(self, association, person, *, status=MembershipStatus.ADMITTED, left=False) -> Membership:
        start = max(association.founded_on, person.added_on)
        end = self.today - datetime.timedelta(days=30) if left else self.today
        joined = _between(self.rng, start, end) if start < end else min(start, end)
        membership = Membership(association=association, person=person, status=status, joined_on=joined,
                                note=DEMO_NOTE)
        if left:
            membership.status = MembershipStatus.LEFT
            membership.left_on = _between(self.rng, joined + datetime.timedelta(days=1), self.today)
            membership.left_reason = self.rng.choice(("工作调动", "本人申请退会", "迁出本区"))
        elif status == MembershipStatus.APPLIED:
            membership.joined_on = None
            membership.applied_on = self.today - datetime.timedelta(days=self.rng.randrange(3, 60))
        elif status == MembershipStatus.REJECTED:
            membership.joined_on = None
            membership.applied_on = self.today - datetime.timedelta(days=self.rng.randrange(60, 300))
            membership.review_note = "暂不符合入会条件"
        self.memberships.append(membership)
        self.index.setdefault((association.pk, person.pk), membership)
        return membership

    def term(self, association, number, started, years=5, ended=None) -> CouncilTerm:
        term = CouncilTerm(association=association, number=number, started_on=started,
                           due_on=started.replace(year=started.year + years), ended_on=ended, note=DEMO_NOTE)
        self.terms.append(term)
        return term

    def officer(self, association, person, role, started, ended=None, term=None) -> OfficerTerm:
        officer = OfficerTerm(association=association, person=person, role=role, started_on=started,
                              ended_on=ended, council_term=term, note=DEMO_NOTE)
        self.officers.append(officer)
        membership = self.index.get((association.pk, person.pk))
        if membership is not None and membership.joined_on and membership.joined_on > started:
            membership.joined_on = started  # an officer was a member before taking office
        return officer

    def write(self) -> None:
        Membership.objects.bulk_create(self.memberships, batch_size=1000)
        CouncilTerm.objects.bulk_create(self.terms, batch_size=500)
        OfficerTerm.objects.bulk_create(self.officers, batch_size=1000)
        audit.log_bulk(AuditEntry.CREATE, [(m, {"status": [None, m.status]}) for m in self.memberships]
                       + [(t, {"number": [None, t.number]}) for t in self.terms]
                       + [(o, {"role": [None, o.role]}) for o in self.officers], message=DEMO_NOTE)


def _persons(county: str) -> list[Person]:
    return list(Person.objects.filter(region_id__startswith=county, status=Status.ACTIVE, is_erased=False)
                .order_by("id"))


def _chuanshan(rng: random.Random, today: datetime.date) -> dict:
    county = _association(COUNTY_ASSOCIATION, "county", "01", DEMO_COUNTY, D(2017, 6, 28))
    branches = [_association(name, level, kind, township or DEMO_COUNTY, founded, parent=county)
                for name, level, kind, township, founded in BRANCHES]
    builder = _Builder(rng, today)
    persons = _persons(DEMO_COUNTY)
    by_region: dict[str, list[Person]] = {}
    for person in persons:
        by_region.setdefault(person.region_id, []).append(person)
    special = [p for p in persons if p.name == "张嘉骊" or p.user_id]
    pool = [p for p in persons if p not in special]
    rng.shuffle(pool)
    members = special + pool[:MEMBERS - len(special)]
    left_pool, pending_pool = pool[MEMBERS:MEMBERS + 24], pool[MEMBERS + 24:MEMBERS + 35]
    network = next(b for b in branches if b.kind == "02")
    legal = next(b for b in branches if b.kind == "03")
    arts = next(b for b in branches if b.kind == "04")
    township_branches: dict[str, list[Association]] = {}
    for branch in branches:
        township_branches.setdefault(branch.region_id, []).append(branch)

    def home(person: Person) -> Association:
        if person.is_network_figure or person.category == "4":
            return network
        if person.subcategory in ("21", "22", "23", "24"):
            return legal if rng.random() < 0.7 else rng.choice(branches)
        if person.subcategory in ("31", "32"):
            return arts
        local = township_branches.get(person.region_id)
        if local and rng.random() < 0.8:
            return rng.choice(local)
        return county if rng.random() < 0.15 else rng.choice(branches)

    joined: dict[int, list[Association]] = {}
    for person in members:
        association = county if person.user_id else home(person)
        builder.join(association, person)
        joined.setdefault(association.pk, []).append(person)
    for person in rng.sample(members, 80):  # some belong to a second association too
        second = county if joined.get(county.pk) and person not in joined[county.pk] else rng.choice(branches)
        if person in joined.get(second.pk, []):
            continue
        builder.join(second, person)
        joined.setdefault(second.pk, []).append(person)
    for person in left_pool:
        builder.join(home(person), person, left=True)
    for person in pending_pool[:8]:
        builder.join(rng.choice([county, *branches]), person, status=MembershipStatus.APPLIED)
    for person in pending_pool[8:]:
        builder.join(rng.choice(branches), person, status=MembershipStatus.REJECTED)

    # The county association: two councils; 2 vice-presidents added this year ("新增副会长2名").
    first = builder.term(county, 1, county.founded_on, ended=D(2022, 7, 15))
    second = builder.term(county, 2, D(2022, 7, 15))
    county_members = set(joined[county.pk])
    leaders = [p for p in joined[county.pk] if not p.user_id] + [p for p in members if p not in county_members]
    cursor = iter(leaders)
    for role, count in COUNTY_OFFICERS:
        for index in range(count):
            person = next(cursor)
            if role == OfficerRole.VICE_PRESIDENT and index >= count - 2:
                builder.officer(county, person, role, min(D(today.year, 3, 26), today), term=second)
                continue
            if index % 2 == 0:  # served in the first council as well
                builder.officer(county, person, role, first.started_on, ended=second.started_on, term=first)
            builder.officer(county, person, role, second.started_on, term=second)
    zhang = next((p for p in special if p.name == "张嘉骊"), None)
    for branch in branches:
        local = joined.get(branch.pk, [])
        started = branch.founded_on
        term = builder.term(branch, 1, started)
        if term.due_on < today and branch.name != OVERDUE_BRANCH:
            term.ended_on = term.due_on
            term = builder.term(branch, 2, term.due_on)
        roles = [OfficerRole.PRESIDENT, OfficerRole.SECRETARY_GENERAL, OfficerRole.VICE_PRESIDENT,
                 OfficerRole.VICE_PRESIDENT, OfficerRole.COUNCIL_MEMBER, OfficerRole.COUNCIL_MEMBER]
        if branch is network and zhang in local:
            local = [p for p in local if p != zhang]
            local.insert(2, zhang)  # 张嘉骊 is a vice-president of the network figures' association
        for role, person in zip(roles, local, strict=False):
            builder.officer(branch, person, role, term.started_on, term=term)
    builder.write()

    for title, category, since in RULES:
        services.save_rule(Rule(association=county, title=title, category=category, effective_from=since,
                                note=DEMO_NOTE),
                           document=SimpleUploadedFile(f"{title}.pdf", _PDF, content_type="application/pdf"))
    services.save_rule(Rule(region_id=DEMO_COUNTY, department=DEPARTMENT, title="船山区新阶人士联系服务暂行办法",
                            category=RuleCategory.OTHER, effective_from=D(2019, 3, 1), effective_to=D(2023, 12, 31),
                            note=f"{DEMO_NOTE}；已被新办法替代"))

    entries = [FundEntry(association=county, kind=FundKind.ALLOCATION, amount=Decimal(amount), date=day,
                         source_department=DEPARTMENT, note=f"{day.year}年度新联会工作经费") for day, amount in ALLOCATIONS]
    spent = Decimal(0)
    for year in range(2017, today.year + 1):
        for _ in range(3 if year == 2017 else rng.randrange(3, 5)):
            day = _between(rng, max(D(year, 1, 1), D(2017, 10, 1)), min(D(year, 12, 20), today))
            amount = Decimal(rng.randrange(30, 120) * 100)
            if spent + amount > Decimal(330000):
                break
            spent += amount
            entries.append(FundEntry(association=county, kind=FundKind.EXPENDITURE, amount=amount, date=day,
                                     purpose=rng.choice(EXPENSES), note=DEMO_NOTE))
    FundEntry.objects.bulk_create(entries, batch_size=500)
    audit.log_bulk(AuditEntry.CREATE, [(e, {"amount": [None, str(e.amount)]}) for e in entries], message=DEMO_NOTE)
    mistake = services.add_fund_entry(association=county, kind=FundKind.EXPENDITURE, amount="68000.00",
                                      date=D(2025, 6, 12), purpose="会员培训班", note="录入错误：应为6800元")
    services.reverse_fund_entry(mistake, reason="金额多录一位，应为6800元")
    services.add_fund_entry(association=county, kind=FundKind.EXPENDITURE, amount="6800.00", date=D(2025, 6, 12),
                            purpose="会员培训班", note=DEMO_NOTE)

    posts = _posts(rng, today, persons)
    teams = _teams(rng, today, persons, by_region, legal)
    return {"branches": len(branches), "members": len({p.pk for p in members}), "posts": posts, "teams": teams}


def _communities() -> None:
    for township, names in COMMUNITIES.items():
        if not Region.objects.filter(code=township).exists():
            continue
        for index, name in enumerate(names, start=1):
            code = f"{township}{index:03d}"
            if not Region.objects.filter(code=code).exists():
                save_region(code=code, name=name, note=DEMO_NOTE)


def _posts(rng, today, persons) -> int:
    _communities()
    liaison_user = User.objects.filter(username="liaison").first()
    townships = list(Region.objects.filter(parent_id=DEMO_COUNTY, level=4, is_active=True).order_by("code"))
    posts = []
    for township in townships:
        if township.code in TOWNSHIP_GAPS:
            continue
        holder_user = liaison_user if township.code == "510903001" and liaison_user else None
        name = (holder_user.display_name if holder_user else "") or rng.choice(persons).name
        since = _between(rng, D(2019, 1, 1), D(2024, 6, 30))
        if rng.random() < 0.2:
            predecessor = rng.choice(persons).name
            posts.append(LiaisonPost(kind=PostKind.COMMITTEE_MEMBER, unit_type=PostUnit.TOWNSHIP,
                                     region_id=township.code, holder_name=predecessor, holder_title="党（工）委委员",
                                     since=D(2017, 3, 1), until=since, note=DEMO_NOTE))
        posts.append(LiaisonPost(kind=PostKind.COMMITTEE_MEMBER, unit_type=PostUnit.TOWNSHIP, region_id=township.code,
                                 holder_user=holder_user, holder_name=name, since=since, note=DEMO_NOTE,
                                 holder_title="党（工）委委员、统战委员" if township.code < "510903100" else "党委委员、统战委员"))
    for unit_type, unit_name in ((PostUnit.PARK, "遂宁物流港"), (PostUnit.UNIVERSITY, "四川职业技术学院")):
        posts.append(LiaisonPost(kind=PostKind.COMMITTEE_MEMBER, unit_type=unit_type, region_id=DEMO_COUNTY,
                                 unit_name=unit_name, holder_name=rng.choice(persons).name, holder_title="统战委员",
                                 since=D(2021, 5, 1), note=DEMO_NOTE))
    for community in Region.objects.filter(code__startswith=DEMO_COUNTY, level=5, is_active=True).order_by("code"):
        if community.name in COMMUNITY_GAPS:
            continue
        person = rng.choice(persons)
        posts.append(LiaisonPost(kind=PostKind.LIAISON_OFFICER, unit_type=PostUnit.COMMUNITY, region_id=community.code,
                                 holder_person=person, holder_name=person.name, holder_title="社区党委委员",
                                 since=_between(rng, D(2020, 1, 1), today - datetime.timedelta(days=30)),
                                 note=DEMO_NOTE))
    LiaisonPost.objects.bulk_create(posts, batch_size=500)
    audit.log_bulk(AuditEntry.CREATE, [(p, {"holder_name": [None, p.holder_name]}) for p in posts], message=DEMO_NOTE)
    return len(posts)


def _teams(rng, today, persons, by_region, legal) -> int:
    townships = list(Region.objects.filter(parent_id=DEMO_COUNTY, level=4, is_active=True).order_by("code"))
    communities = {c.code: c for c in Region.objects.filter(code__startswith=DEMO_COUNTY, level=5)}
    teams, rosters = [], []
    for township in townships:
        places = [c for code, c in sorted(communities.items()) if code.startswith(township.code)] or [township]
        for number in range(2):
            place = places[number % len(places)]
            local = by_region.get(township.code) or persons
            roster = rng.sample(local, min(len(local), rng.randrange(5, 13)))
            label = place.name if place is not township else f"{township.name}第{number + 1}网格"
            teams.append(Team(name=f"{label}统战工作先锋队", kind=TeamKind.PIONEER, region_id=place.code,
                              leader=roster[0] if roster else None, founded_on=_between(rng, D(2019, 3, 1),
                                                                                        D(2024, 12, 31)),
                              purpose="联系服务辖区新阶人士，收集社情民意，参与基层治理", note=DEMO_NOTE))
            rosters.append(roster)
    lawyers = [p for p in persons if p.subcategory == "21"][:12]
    teams.append(Team(name="同心·律师服务团", kind=TeamKind.SERVICE, region_id=DEMO_COUNTY, association=legal,
                      leader=lawyers[0] if lawyers else None, founded_on=D(2020, 9, 1),
                      purpose="为群众和企业提供公益法律咨询", note=DEMO_NOTE))
    rosters.append(lawyers)
    volunteers = rng.sample(persons, 20)
    teams.append(Team(name="蓝马甲志愿服务队", kind=TeamKind.VOLUNTEER, region_id=DEMO_COUNTY,
                      leader=volunteers[0], founded_on=D(2021, 3, 5), purpose="新阶人士志愿服务", note=DEMO_NOTE))
    rosters.append(volunteers)
    Team.objects.bulk_create(teams, batch_size=200)
    Team.members.through.objects.bulk_create(
        [Team.members.through(team_id=team.pk, person_id=person.pk)
         for team, roster in zip(teams, rosters, strict=True) for person in roster],
        batch_size=1000, ignore_conflicts=True)
    audit.log_bulk(AuditEntry.CREATE, [(t, {"name": [None, t.name]}) for t in teams], message=DEMO_NOTE)
    return len(teams)


def _anju(rng: random.Random, today: datetime.date) -> int:
    county = _association("安居区新联会", "county", "01", OTHER_COUNTY, D(2020, 11, 18))
    townships = list(Region.objects.filter(parent_id=OTHER_COUNTY, level=4).order_by("code")[:3])
    branch = _association("安居区新联会柔刚街道分会", "township", "01", townships[0].code if townships else OTHER_COUNTY,
                          D(2022, 4, 8), parent=county)
    builder = _Builder(rng, today)
    persons = _persons(OTHER_COUNTY)
    chosen = rng.sample(persons, min(36, len(persons)))
    for index, person in enumerate(chosen):
        builder.join(county if index % 3 else branch, person)
    term = builder.term(county, 1, county.founded_on)
    if term.due_on < today:
        term.ended_on = term.due_on
        term = builder.term(county, 2, term.due_on)
    for role, person in zip((OfficerRole.PRESIDENT, OfficerRole.SECRETARY_GENERAL, OfficerRole.VICE_PRESIDENT),
                            chosen[1:], strict=False):
        builder.officer(county, person, role, term.started_on, term=term)
    builder.write()
    FundEntry.objects.bulk_create([
        FundEntry(association=county, kind=FundKind.ALLOCATION, amount=Decimal("15000.00"), date=D(2021, 4, 1),
                  source_department="安居区委统战部", note=DEMO_NOTE),
        FundEntry(association=county, kind=FundKind.EXPENDITURE, amount=Decimal("4200.00"), date=D(2021, 9, 1),
                  purpose="会员联谊活动", note=DEMO_NOTE)])
    LiaisonPost.objects.bulk_create([
        LiaisonPost(kind=PostKind.COMMITTEE_MEMBER, unit_type=PostUnit.TOWNSHIP, region_id=t.code,
                    holder_name=rng.choice(persons).name, since=D(2022, 1, 1), note=DEMO_NOTE) for t in townships])
    team = Team.objects.create(name="柔刚街道统战工作先锋队", kind=TeamKind.PIONEER,
                               region_id=townships[0].code if townships else OTHER_COUNTY, founded_on=D(2023, 3, 1),
                               note=DEMO_NOTE)
    team.members.set(chosen[:6])
    return len(chosen)


@demo.register("orgs", order=20)
def seed_orgs() -> str:
    if Association.objects.filter(name=COUNTY_ASSOCIATION, region_id=DEMO_COUNTY).exists():
        return "组织演示数据已存在，跳过"
    if not Person.objects.filter(region_id__startswith=DEMO_COUNTY).exists():
        return "没有人士库演示数据，跳过组织演示数据"
    today = timezone.localdate()
    rng = random.Random(20170628)
    figures = _chuanshan(rng, today)
    anju = _anju(rng, today) if Person.objects.filter(region_id__startswith=OTHER_COUNTY).exists() else 0
    return (f"船山区新联会及基层组织 {figures['branches']} 个、会员 {figures['members']} 名、统战委员/联络员 "
            f"{figures['posts']} 名、工作队伍 {figures['teams']} 支；安居区新联会会员 {anju} 名")
