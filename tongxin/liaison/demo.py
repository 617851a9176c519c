"""Demo liaison work for 船山区 (510903), after seed 000: "23名县级领导联系46名党外代表人士", contacts 面对面 and
键对键 over the past 18 months, and ~30 cases of which ~20 are resolved ("解决无活动阵地、办会办证难等问题20余件").

Gaps are left on purpose so the reminder lists have something to show: representatives nobody is paired with,
paired persons whose last contact is older than their interval, follow-ups not done, cases past their deadline.
A pairing of a former deputy district head ended and was handed over, to show history. A little of the same in
安居区 (510904) shows the data scope. Leaders are users with the 领导 role. Idempotent; contacts are written in bulk.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone

from tongxin.core import audit, demo
from tongxin.core.demo import DEMO_COUNTY, DEMO_PASSWORD, OTHER_COUNTY
from tongxin.core.models import AuditEntry, Region, User
from tongxin.core.services import role_group
from tongxin.liaison import services
from tongxin.liaison.imports import topic_and_content
from tongxin.liaison.models import (
    Case,
    CaseCategory,
    CaseStatus,
    Channel,
    Contact,
    ContactPerson,
    Feedback,
    LeaderLevel,
    Pairing,
    RaiserKind,
)
from tongxin.people.models import Person, Status

DEMO_NOTE = "演示数据（虚构）"

COUNTY_LEADERS = [  # title; the existing demo user "leader" is the 统战部部长
    "区委书记", "区委副书记、区长", "区人大常委会主任", "区政协主席", "区委副书记", "区委常委、常务副区长",
    "区委常委、组织部部长", "区委常委、宣传部部长", "区委常委、政法委书记", "区委常委、纪委书记、监委主任",
    "区委常委、区人武部部长", "区委常委、副区长", "区人大常委会副主任", "区人大常委会副主任", "副区长", "副区长",
    "副区长", "区政协副主席", "区政协副主席", "区政协副主席", "区人民法院院长", "区人民检察院检察长",
]
LEADER_NAMES = [
    "周建华", "陈国强", "罗文彬", "杨晓梅", "何志刚", "唐明远", "刘德胜", "蒋丽华", "邓成林", "谢永平", "黄海涛",
    "冯玉兰", "曾庆丰", "彭永红", "胡晓东", "任雪梅", "杜文军", "廖春燕", "苏建平", "魏红英", "袁志明", "钟海燕",
]
FORMER_LEADER = ("former_leader", "吴卫东", "原副区长（已调离）")

TOPICS = {
    Channel.FACE: [
        "走访企业，了解生产经营和用工情况", "到工作室座谈，听取对营商环境的意见建议", "参加新联会活动时交流近况",
        "登门走访，了解家庭和工作近况", "座谈交流，宣讲民营经济政策", "实地察看新建生产线，了解融资需求",
        "走访律师事务所，商议法律服务进社区", "到直播基地调研，了解新媒体从业情况",
    ],
    Channel.PHONE: [
        "电话了解企业复工复产情况", "电话沟通参加年度培训班事宜", "电话征求对区委工作的意见建议",
        "电话了解办会办证进展", "电话问候，了解身体和工作情况",
    ],
    Channel.ONLINE: [
        "微信沟通参加新联会主题活动事宜", "微信交流网络正能量作品创作", "微信转发惠企政策并解答疑问",
        "线上视频交流，了解外地业务拓展情况", "微信征集社情民意信息",
    ],
}
FOLLOW_UPS = ["协调解决活动场地", "帮助对接金融机构", "反映用工需求给人社部门", "协助办理社会组织登记",
              "推荐参加青年企业家培训", "转交法律咨询需求"]

CASES = {  # category: (titles, resolutions)
    CaseCategory.SITE: (["新联会分会无固定活动阵地", "网络人士联谊会缺少活动场所", "社区统战工作室场地不足",
                         "文艺人士创作交流无场地", "律师服务团进社区缺少接待室", "直播基地需要公共活动空间",
                         "新阶人士之家装修改造", "青年企业家沙龙活动场地"],
                        "协调街道党群服务中心提供活动室，挂牌“新阶人士之家”，已投入使用。"),
    CaseCategory.PERMIT: (["新联会分会登记手续办理难", "社会组织年检材料不齐", "联谊会变更法定代表人手续",
                           "文化传媒公司网络文化经营许可证办理", "民办培训学校办学许可续期", "摄影家协会注册登记",
                           "行业协会换届备案"],
                          "会同民政、行政审批部门开辟绿色通道，指导补齐材料，已办结。"),
    CaseCategory.LEGAL: (["企业劳动合同纠纷咨询", "网络作品被侵权维权", "合同欠款追讨法律援助", "商标注册异议咨询"],
                         "联系同心·律师服务团律师提供免费法律咨询，协助当事人依法维权。"),
    CaseCategory.FINANCING: (["中小企业流动资金贷款难", "创业担保贷款申请", "技术改造项目融资对接",
                              "返乡创业贴息贷款咨询"],
                             "组织银企对接会，协调金融机构完成授信，资金已到位。"),
    CaseCategory.EMPLOYMENT: (["企业招工难，缺少技术工人", "季节性用工短缺", "高校毕业生见习岗位对接",
                               "残疾人就业岗位对接"],
                              "对接人社部门和职业院校，组织专场招聘会，缺口已基本解决。"),
    CaseCategory.POLICY: (["惠企政策申报咨询", "税收优惠政策适用咨询"],
                          "由相关部门上门讲解政策，协助完成申报。"),
    CaseCategory.OTHER: (["子女入学咨询"], "协调教育部门按政策解决。"),
}
PROGRESS = ["已与相关部门对接，正在协调", "实地查看，提出初步解决方案", "约请当事人座谈，听取具体诉求",
            "召开联席会议研究解决办法", "方案已报分管领导审定"]


def _days_ago(today: datetime.date, days: int) -> datetime.date:
    return today - datetime.timedelta(days=days)


def _leader_users(today: datetime.date) -> list[User]:
    """The 23 county leaders: the demo user "leader" and 22 more (same demo password, hashed once)."""
    existing = {u.username: u for u in User.objects.filter(username__startswith="leader")}
    group = role_group("leader")
    password = make_password(DEMO_PASSWORD)
    new = []
    for n, (title, name) in enumerate(zip(COUNTY_LEADERS, LEADER_NAMES, strict=True), start=1):
        username = f"leader{n:02d}"
        if username not in existing:
            new.append(User(username=username, password=password, display_name=name, title=title,
                            scope_region_id=DEMO_COUNTY))
    User.objects.bulk_create(new)
    User.groups.through.objects.bulk_create([User.groups.through(user_id=u.pk, group_id=group.pk) for u in new],
                                            ignore_conflicts=True)
    leaders = list(User.objects.filter(username__in=[f"leader{n:02d}" for n in range(1, 23)]).order_by("username"))
    head = existing.get("leader") or User.objects.filter(username="leader").first()
    if head is not None:
        leaders.insert(7, head)
    return leaders


def _representatives(county: str) -> list[Person]:
    return list(Person.objects.filter(region_id__startswith=county, is_representative=True, status=Status.ACTIVE,
                                      is_erased=False).order_by("id"))


class _Contacts:
    """Contact logs collected in memory and written in one go."""

    def __init__(self, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today
        self.rows: list[tuple[Contact, list[Person]]] = []

    def add(self, day: datetime.date, persons: list[Person], *, by_user: User, follow_up_chance: float = 0.15):
        rng = self.rng
        channel = rng.choices(list(Channel), weights=[45, 25, 30])[0]
        topic, content = topic_and_content(rng.choice(TOPICS[channel]))
        contact = Contact(contacted_on=day, by_user=by_user, channel=channel, topic=topic, content=content,
                          recorded_by=by_user)
        if rng.random() < follow_up_chance:
            contact.follow_up_needed = True
            contact.follow_up_note = rng.choice(FOLLOW_UPS)
            done = day + datetime.timedelta(days=rng.randint(5, 40))
            if done < self.today and rng.random() < 0.85:
                contact.follow_up_done_on = done
        self.rows.append((contact, persons))

    def write(self) -> int:
        for contact, persons in self.rows:
            contact.region_id = services.common_region(p.region_id for p in persons)
        contacts = [c for c, _ in self.rows]
        Contact.objects.bulk_create(contacts, batch_size=500)
        ContactPerson.objects.bulk_create([ContactPerson(contact=c, person=p, contacted_on=c.contacted_on)
                                           for c, persons in self.rows for p in persons], batch_size=1000)
        audit.log_bulk(AuditEntry.CREATE, [
            (c, {"contacted_on": [None, c.contacted_on.isoformat()], "channel": [None, c.channel],
                 "topic": [None, c.topic], "联系对象": [None, "、".join(p.name for p in persons)]})
            for c, persons in self.rows], message=DEMO_NOTE)
        return len(contacts)


def _pair_and_contact(rng, today, contacts: _Contacts, leaders, persons, *, region: str, level: str,
                      overdue: set[int]) -> list[Pairing]:
    """Pair each leader with two persons and log their contacts since the pairing began (at most 18 months)."""
    pairings = []
    for index, leader in enumerate(leaders):
        pair = persons[2 * index: 2 * index + 2]
        if not pair:
            break
        started = _days_ago(today, rng.randint(700, 1100))
        pairing = services.save_pairing(pairing=Pairing(
            leader_user=leader, leader_title=leader.title, leader_level=level, region_id=region,
            started_on=started, contact_interval_days=90, note=DEMO_NOTE), persons=pair)
        pairings.append(pairing)
        for person in pair:
            day = max(started, _days_ago(today, 540)) + datetime.timedelta(days=rng.randint(0, 30))
            stop = _days_ago(today, rng.randint(100, 220)) if person.pk in overdue else today
            while day <= stop:
                together = [p for p in pair if p.pk not in overdue or p is person]
                contacts.add(day, together if rng.random() < 0.2 and len(together) > 1 else [person], by_user=leader)
                day += datetime.timedelta(days=rng.randint(35, 85))
    return pairings


def _cases(rng, today, persons: list[Person], staff: User | None, liaison: User | None, county: str,
           count: int, resolved: int) -> int:
    """`count` cases over the past 18 months, `resolved` of them resolved (a third of those also closed with
    feedback), three past their deadline, the rest in hand."""
    from django.apps import apps

    plan = [c for c, n in ((CaseCategory.SITE, 8), (CaseCategory.PERMIT, 7), (CaseCategory.LEGAL, 4),
                           (CaseCategory.FINANCING, 4), (CaseCategory.EMPLOYMENT, 4), (CaseCategory.POLICY, 2),
                           (CaseCategory.OTHER, 1)) for _ in range(n)]
    rng.shuffle(plan)
    plan = plan[:count]
    association_model = apps.get_model("orgs", "Association")
    associations = list(association_model.objects.filter(region_id__startswith=county)[:10])
    communities = list(Region.objects.filter(code__startswith=county).filter(Q(level=5) | Q(level=4))
                       .order_by("-level", "code")[:20])
    handlers = [u for u in (staff, liaison) if u is not None]
    used_titles: dict = {}
    made = 0
    for index, category in enumerate(plan):
        titles, resolution = CASES[category]
        title = titles[used_titles.get(category, 0) % len(titles)]
        used_titles[category] = used_titles.get(category, 0) + 1
        late = index >= count - 3
        if index < resolved:
            opened = _days_ago(today, rng.randint(20, 400))
        else:
            opened = _days_ago(today, rng.randint(40, 100) if late else rng.randint(3, 25))
        case = Case(title=title, category=category, opened_on=opened,
                    deadline=opened + datetime.timedelta(days=30 if late else rng.choice((30, 45, 60))),
                    taken_by=handlers[index % len(handlers)] if handlers else None,
                    description=f"{title}，希望有关部门帮助协调解决。")
        roll = index % 10
        if roll == 3 and associations:
            case.raiser_kind, case.raised_by_association = RaiserKind.ASSOCIATION, rng.choice(associations)
        elif roll == 7 and communities:
            case.raiser_kind, case.region = RaiserKind.COMMUNITY, rng.choice(communities)
        else:
            case.raiser_kind, case.raised_by_person = RaiserKind.PERSON, rng.choice(persons)
        user = case.taken_by
        services.save_case(case=case, user=user)
        made += 1
        started = min(today, opened + datetime.timedelta(days=rng.randint(1, 5)))
        if resolved <= index < resolved + 2 or (late and index == count - 1):
            continue  # still waiting to be taken up (open); the last one past its deadline as well
        case = services.change_case_status(case=case, status=CaseStatus.IN_PROGRESS, on=started, user=user)
        day = started
        for _ in range(rng.randint(1, 3)):
            day = min(today, day + datetime.timedelta(days=rng.randint(3, 15)))
            services.add_case_note(case=case, text=rng.choice(PROGRESS), noted_on=day, user=user)
        if index < resolved:
            done = min(today, day + datetime.timedelta(days=rng.randint(3, 30)))
            case = services.change_case_status(case=case, status=CaseStatus.RESOLVED, on=done, resolution=resolution,
                                        user=user)
            if index % 3 == 0:
                case = services.record_feedback(case=case, feedback=rng.choice(
                    [Feedback.SATISFIED, Feedback.SATISFIED, Feedback.SATISFIED, Feedback.NEUTRAL]),
                    note="问题得到解决，感谢组织关心", user=user)
                services.change_case_status(case=case, status=CaseStatus.CLOSED, user=user,
                                            on=min(today, done + datetime.timedelta(days=rng.randint(1, 10))))
    return made


@demo.register("liaison", order=30)
def seed_liaison() -> str:
    if Pairing.objects.filter(note=DEMO_NOTE).exists():
        return "联系服务演示数据已存在，跳过"
    today = timezone.localdate()
    rng = random.Random(30)
    representatives = _representatives(DEMO_COUNTY)
    if not representatives:
        return "人士库中没有代表人士，跳过联系服务演示数据"
    rng.shuffle(representatives)
    leaders = _leader_users(today)
    paired = representatives[:2 * len(leaders)]
    overdue = {p.pk for p in rng.sample(paired, k=min(8, len(paired)))}
    contacts = _Contacts(rng, today)
    pairings = _pair_and_contact(rng, today, contacts, leaders, paired, region=DEMO_COUNTY,
                                 level=LeaderLevel.COUNTY, overdue=overdue)

    former = User.objects.filter(username=FORMER_LEADER[0]).first()
    if former is None:
        former = User.objects.create(username=FORMER_LEADER[0], password=make_password(None),
                                     display_name=FORMER_LEADER[1], title=FORMER_LEADER[2],
                                     scope_region_id=DEMO_COUNTY, is_active=False)
    handed_over = paired[-2:]
    ended = services.save_pairing(pairing=Pairing(
        leader_user=former, leader_title="副区长", leader_level=LeaderLevel.COUNTY, region_id=DEMO_COUNTY,
        started_on=_days_ago(today, 1500), contact_interval_days=90, note=DEMO_NOTE), persons=handed_over)
    services.end_pairing(pairing=ended, ended_on=_days_ago(today, 800), reason="职务调整，结对人士移交新任领导")

    staff = User.objects.filter(username="staff").first()
    liaison = User.objects.filter(username="liaison").first()
    unpaired = representatives[len(paired):]
    if staff is not None:
        for person in unpaired[: len(unpaired) // 2]:
            contacts.add(_days_ago(today, rng.randint(5, 500)), [person], by_user=staff, follow_up_chance=0.3)
    if liaison is not None and liaison.scope_region_id:
        neighbours = list(Person.objects.filter(region_id__startswith=liaison.scope_region_id, status=Status.ACTIVE,
                                                is_erased=False).order_by("id")[:40])
        for person in neighbours:
            contacts.add(_days_ago(today, rng.randint(1, 540)), [person], by_user=liaison, follow_up_chance=0.25)

    other = _representatives(OTHER_COUNTY)
    anju = User.objects.filter(username="staff_anju").first()
    if other and anju is not None:
        pairing = services.save_pairing(pairing=Pairing(
            leader_user=anju, leader_title=anju.title, leader_level=LeaderLevel.STAFF, region_id=OTHER_COUNTY,
            started_on=_days_ago(today, 400), note=DEMO_NOTE), persons=other[:3])
        pairings.append(pairing)
        for person in other[:3]:
            contacts.add(_days_ago(today, rng.randint(10, 300)), [person], by_user=anju)
        _cases(rng, today, other, anju, None, OTHER_COUNTY, count=4, resolved=2)
    written = contacts.write()
    everyone = list(Person.objects.filter(region_id__startswith=DEMO_COUNTY, status=Status.ACTIVE,
                                          is_erased=False).order_by("id")[:400])
    made = _cases(rng, today, representatives + rng.sample(everyone, k=min(30, len(everyone))), staff, liaison,
                  DEMO_COUNTY, count=30, resolved=22)
    return (f"{len(leaders)} 名县级领导结对 {len(paired)} 名代表人士，另有 {len(unpaired)} 名代表人士未结对；"
            f"联系记录 {written} 条；诉求 {made} 件")
