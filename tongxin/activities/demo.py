"""Demo activities for 船山区 (510903), after seed 000: "学习活动60余次", "文化活动40余场", "社会服务活动80余次",
"举办培训班3期，轮训200余人次", "服务项目16项", "以购代扶购买农副产品6万余元", "捐赠价值4万余元学习用品",
"捐赠8台农机", "分享书籍300余册", "赠送书法（绘画）作品上千副" — over the past two years, with attendances
written in bulk and a points ledger that follows the region's rules. A few upcoming activities are open for
sign-up (two of them to the demo `member`), one is on today with its QR check-in open, and 安居区 (510904) has a
little of the same to show the data scope. Idempotent.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum
from django.utils import timezone

from tongxin.activities import services
from tongxin.activities.models import (
    TYPE_CULTURE,
    TYPE_DONATION,
    TYPE_FELLOWSHIP,
    TYPE_FORUM,
    TYPE_SOCIAL_SERVICE,
    TYPE_STUDY,
    TYPE_SYMPOSIUM,
    TYPE_THEME,
    TYPE_TRAINING,
    TYPE_VOLUNTEER,
    Activity,
    Attendance,
    AttendanceSource,
    ClassSession,
    Donation,
    DonationKind,
    MediaCoverage,
    PointEntry,
    PointKind,
    PointRule,
    PointTrigger,
    Programme,
    Registration,
    Reward,
    ServiceProgramme,
    SessionAttendance,
    SignupMode,
    Trainee,
    TrainingClass,
)
from tongxin.core import audit, demo
from tongxin.core.demo import DEMO_COUNTY, OTHER_COUNTY
from tongxin.core.models import AuditEntry, Region
from tongxin.people.models import Organization, Person, Status

DEMO_NOTE = "演示数据（虚构）"
FLAGSHIP = "四新行动 · 新志愿"

PROGRAMMES = [
    (FLAGSHIP, "以新机制、新队伍、新平台、新担当推动新阶人士志愿服务"),
    ("书香新阶", "依托凤栖书院开展读书、演讲、朗诵等文化活动"),
    ("同心沙龙", "新阶风采展示与交流沙龙"),
    ("北河新联心", "法律、科普等专业服务进社区"),
]
SERVICES = [  # name, specialties, target
    ("科普进社区", "科普 教育培训", "社区居民"), ("法律进社区", "法律咨询 法律援助", "社区居民"),
    ("公益事业进社区", "志愿服务 社会工作", "社区居民"), ("文化进园区", "书法 绘画 摄影 声乐", "园区企业职工"),
    ("妇儿关爱行动", "心理咨询 社会工作", "妇女儿童"), ("卫生知识讲座", "科普", "社区居民"),
    ("北河新联心·法律进社区", "法律咨询", "北河社区居民"), ("税务咨询进企业", "税务筹划 财税咨询", "小微企业"),
    ("心理健康进校园", "心理咨询 教育培训", "中小学生"), ("非遗技艺进校园", "非遗技艺", "中小学生"),
    ("电商助农进乡村", "电子商务 直播带货", "农户"), ("财务审计义诊", "财务审计 财税咨询", "小微企业"),
    ("养老服务进社区", "养老服务 志愿服务", "社区老人"), ("书法进万家", "书法", "社区居民"),
    ("红色文化进校区", "文化宣传 写作", "中小学生"), ("新媒体助力文旅", "新媒体运营 短视频制作", "景区商户"),
]
STUDY = ["“学习党的二十大精神”专题宣讲", "新阶人士理论学习会", "“同心向党”主题学习", "民营经济政策宣讲",
         "《中国共产党统一战线工作条例》学习", "网络人士学习交流会", "新时代统战理论微宣讲"]
CULTURE = ["“我读遂宁给你听”读书会", "“红色文化进校区”", "书香新阶·朗诵会", "书法作品公益赠送", "摄影作品展",
           "凤栖书院读书分享会", "“闲逛斗城”文化沙龙", "新春送福写春联"]
SOCIAL = ["“北河新联心·法律进社区”", "妇儿关爱行动", "卫生知识讲座", "科普进社区", "公益法律咨询",
          "税务咨询进企业", "心理健康讲座进校园", "电商助农培训", "养老服务进社区", "文化进园区"]
VOLUNTEER = ["蓝马甲志愿服务", "帮扶群众抢栽秧苗", "老旧小区环境整治志愿服务", "文明城市创建志愿服务"]
OTHER = [(TYPE_THEME, "“不忘初心 情系绿茵”主题活动"), (TYPE_THEME, "“AI人工智能驱动未来”主题活动"),
         (TYPE_SYMPOSIUM, "全区新春座谈会"), (TYPE_FORUM, "新阶人士发展论坛"), (TYPE_FELLOWSHIP, "新联会会员联谊会")]
PLACES = ["同心·百和家园", "凤栖书院", "文创空间", "同心沙龙", "区新联会活动室", "永和家园社区", "北河社区党群服务中心",
          "船山区图书馆", "永兴镇孟桥村", "仁里镇东兴村"]
OUTLETS = ["遂宁日报", "四川统一战线", "学习强国", "船山发布", "遂宁新闻网"]
REWARDS = [("爱心理发券", 50, 100), ("书香新阶图书一册", 80, 60), ("文创帆布袋", 120, 40), ("家政服务一次", 200, 20),
           ("福美和社区超市兑换券（20元）", 100, None)]
RULES = [  # trigger, activity type, points
    (PointTrigger.ATTENDANCE, "", 5), (PointTrigger.ATTENDANCE, TYPE_VOLUNTEER, 10),
    (PointTrigger.ATTENDANCE, TYPE_TRAINING, 8), (PointTrigger.VOLUNTEER_HOURS, "", 2),
    (PointTrigger.PROPOSAL_ADOPTED, "", 20),
]


def _moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class _Builder:
    """Collects activities and their rows, then writes each table in one bulk INSERT."""

    def __init__(self, rng: random.Random, county: str, persons: list[Person], townships: list[str]):
        self.rng = rng
        self.county = county
        self.persons = persons
        self.townships = townships
        self.activities: list[Activity] = []
        self.attendees: dict[int, tuple[list[Person], Decimal]] = {}
        self.associations: dict[int, list[int]] = {}
        self.teams: dict[int, list[int]] = {}
        self.enterprises: dict[int, list[int]] = {}
        self.extras: list = []

    def add(self, title, type_, day, *, hours=2, start_hour=9, people=(10, 25), vol_hours=Decimal("0"),
            region=None, **fields) -> int:
        starts = _moment(day, start_hour, self.rng.choice((0, 30)))
        activity = Activity(title=title, type=type_, starts_at=starts, ends_at=starts + datetime.timedelta(hours=hours),
                            start_date=day, region_id=region or self.rng.choice([self.county] * 3 + self.townships),
                            place=fields.pop("place", self.rng.choice(PLACES)), **fields)
        self.activities.append(activity)
        index = len(self.activities) - 1
        if people and day <= timezone.localdate():
            k = min(len(self.persons), self.rng.randint(*people))
            self.attendees[index] = (self.rng.sample(self.persons, k), vol_hours)
        return index

    def write(self) -> list[Activity]:
        Activity.objects.bulk_create(self.activities, batch_size=500)
        through = Activity.associations.through
        through.objects.bulk_create([through(activity_id=self.activities[i].pk, association_id=a)
                                     for i, ids in self.associations.items() for a in dict.fromkeys(ids)], batch_size=1000)
        through = Activity.teams.through
        through.objects.bulk_create([through(activity_id=self.activities[i].pk, team_id=t)
                                     for i, ids in self.teams.items() for t in ids], batch_size=1000)
        through = Activity.enterprises.through
        through.objects.bulk_create([through(activity_id=self.activities[i].pk, organization_id=o)
                                     for i, ids in self.enterprises.items() for o in dict.fromkeys(ids)], batch_size=1000)
        rows = []
        for index, (persons, hours) in self.attendees.items():
            activity = self.activities[index]
            for person in persons:
                moment = activity.starts_at + datetime.timedelta(minutes=self.rng.randint(-20, 15))
                rows.append(Attendance(activity=activity, person=person, checked_in_at=moment, volunteer_hours=hours,
                                       source=self.rng.choice([AttendanceSource.QR] * 3 + [AttendanceSource.STAFF])))
        Attendance.objects.bulk_create(rows, batch_size=2000)
        audit.log_bulk(AuditEntry.CREATE, [(a, {"title": [None, a.title]}) for a in self.activities],
                       message=DEMO_NOTE)
        return self.activities


def _ledger_for(activities: list[Activity]) -> int:
    """Points for every attendance of `activities` by the rules, as `services.award_for` would give them."""
    content_type = ContentType.objects.get_for_model(Attendance)
    entries = []
    rules: dict = {}
    for attendance in Attendance.objects.filter(activity__in=activities).select_related("activity"):
        activity = attendance.activity
        key = (activity.region_id, activity.type)
        if key not in rules:
            rules[key] = (services.rule_for(PointTrigger.ATTENDANCE, activity.region_id, activity.type),
                          services.rule_for(PointTrigger.VOLUNTEER_HOURS, activity.region_id))
        rule, hours_rule = rules[key]
        common = {"person_id": attendance.person_id, "kind": PointKind.EARNED, "source_type": content_type,
                  "source_id": attendance.pk, "region_id": activity.region_id, "at": attendance.checked_in_at}
        if rule is not None and rule.points:
            entries.append(PointEntry(points=rule.points, trigger=PointTrigger.ATTENDANCE,
                                      reason=f"参加活动：{activity.title}", **common))
        points = services._hours_points(hours_rule, attendance.volunteer_hours)
        if points:
            entries.append(PointEntry(points=points, trigger=PointTrigger.VOLUNTEER_HOURS,
                                      reason=f"志愿服务 {attendance.volunteer_hours} 小时：{activity.title}", **common))
    PointEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


def _past_days(rng: random.Random, today: datetime.date, n: int, span: int = 700) -> list[datetime.date]:
    return sorted(today - datetime.timedelta(days=rng.randint(3, span)) for _ in range(n))


def _county_setup(county: str, rules=RULES) -> None:
    for trigger, type_, points in rules:
        PointRule.objects.get_or_create(region_id=county, trigger=trigger, activity_type=type_, is_active=True,
                                        defaults={"points": points, "note": DEMO_NOTE})


def _training(rng, builder_activities, persons, today) -> int:
    classes = 0
    for activity in builder_activities:
        if activity.type != TYPE_TRAINING:
            continue
        classes += 1
        training = TrainingClass.objects.create(activity=activity, term=f"第{classes}期", host="船山区委统战部、区委党校",
                                                min_sessions=3)
        sessions = ClassSession.objects.bulk_create([
            ClassSession(training_class=training, title=title, teacher=teacher, place="区委党校",
                         starts_at=activity.starts_at + datetime.timedelta(days=n // 2, hours=5 * (n % 2)),
                         ends_at=activity.starts_at + datetime.timedelta(days=n // 2, hours=5 * (n % 2) + 3))
            for n, (title, teacher) in enumerate([("新时代统一战线理论", "区委党校 张教授"),
                                                  ("民营经济政策解读", "区发改局 李科长"),
                                                  ("新阶人士社会责任", "市委统战部 王处长"),
                                                  ("能力提升实践课", "区新联会 陈会长")])])
        trainees = [a.person for a in activity.attendances.select_related("person")]
        Trainee.objects.bulk_create([Trainee(training_class=training, person=p, enrolled_on=activity.start_date)
                                     for p in trainees])
        rows = []
        for person in trainees:
            present = sessions if rng.random() < 0.85 else rng.sample(sessions, 2)
            rows += [SessionAttendance(session=s, person=person, recorded_at=s.starts_at) for s in present]
        SessionAttendance.objects.bulk_create(rows, batch_size=2000)
        services.update_completion(training)
    return classes


def _chuanshan(rng: random.Random, today: datetime.date) -> dict:
    county = DEMO_COUNTY
    from tongxin.orgs.models import Association, Team

    persons = list(Person.objects.filter(region_id__startswith=county, status=Status.ACTIVE, is_erased=False)
                   .order_by("id"))
    if len(persons) < 40:
        return {}
    townships = list(Region.objects.filter(parent_id=county, is_active=True).values_list("code", flat=True)[:12])
    associations = list(Association.objects.filter(region_id__startswith=county).order_by("id"))
    county_association = next((a for a in associations if a.name == "船山区新联会"), associations[0] if associations
                              else None)
    teams = {t.name: t for t in Team.objects.filter(region_id__startswith=county)}
    enterprises = list(Organization.objects.filter(region_id__startswith=county).values_list("pk", flat=True)[:400])

    programmes = {name: Programme.objects.create(region_id=county, name=name, description=text,
                                                 started_on=datetime.date(2021, 3, 1))
                  for name, text in PROGRAMMES}
    from tongxin.people.services import specialties_named

    service_menu = []
    for n, (name, needed, target) in enumerate(SERVICES):
        programme = ServiceProgramme.objects.create(region_id=county, name=name, target=target,
                                                    started_on=datetime.date(2022, 3, 1) + datetime.timedelta(days=20 * n),
                                                    description=f"根据新阶人士特长清单式开展：{name}")
        programme.specialties.set(specialties_named(needed.split()))
        service_menu.append(programme)
    _county_setup(county)
    for name, cost, stock in REWARDS:
        Reward.objects.create(region_id=county, name=name, points_cost=cost, stock=stock,
                              description="“福美和”社区积分兑换")

    b = _Builder(rng, county, persons, townships)
    for day in _past_days(rng, today, 62):
        index = b.add(rng.choice(STUDY), TYPE_STUDY, day, people=(15, 35), departments="船山区委统战部",
                      programme=programmes[FLAGSHIP] if rng.random() < 0.3 else None)
        if county_association:
            b.associations[index] = [rng.choice(associations).pk, county_association.pk]
    for day in _past_days(rng, today, 43):
        title = rng.choice(CULTURE)
        index = b.add(title, TYPE_CULTURE, day, people=(10, 30), beneficiaries=rng.randint(30, 150),
                      programme=programmes["书香新阶"] if "书" in title or "读" in title else programmes["同心沙龙"],
                      place=rng.choice(["凤栖书院", "文创空间", "同心沙龙"]))
        b.associations[index] = [a.pk for a in associations if "文艺" in a.name][:1] or []
    for day in _past_days(rng, today, 84):
        menu = rng.choice(service_menu)
        index = b.add(f"{menu.name}·{rng.choice(SOCIAL)}", TYPE_SOCIAL_SERVICE, day, people=(6, 18),
                      vol_hours=Decimal(rng.choice((2, 2, 3, 4))), beneficiaries=rng.randint(20, 90),
                      service_programme=menu, programme=programmes["北河新联心"] if "法律" in menu.name else None)
        if rng.random() < 0.45 and enterprises:
            b.enterprises[index] = rng.sample(enterprises, rng.randint(1, 3))
        team = teams.get("同心·律师服务团") if "法律" in menu.name else teams.get("蓝马甲志愿服务队")
        if team:
            b.teams[index] = [team.pk]
    for day in _past_days(rng, today, 30):
        index = b.add(rng.choice(VOLUNTEER), TYPE_VOLUNTEER, day, people=(20, 45), vol_hours=Decimal(3),
                      beneficiaries=rng.randint(50, 200), programme=programmes[FLAGSHIP])
        if teams.get("蓝马甲志愿服务队"):
            b.teams[index] = [teams["蓝马甲志愿服务队"].pk]
    for type_, title in OTHER:
        b.add(title, type_, today - datetime.timedelta(days=rng.randint(20, 500)), people=(25, 60))
    b.add("“拼经济搞建设”企业服务日", TYPE_SOCIAL_SERVICE, today - datetime.timedelta(days=90), people=(8, 12),
          enterprises_served=40, beneficiaries=120, departments="船山区委统战部、区经信局")
    for n in range(3):
        day = today - datetime.timedelta(days=600 - 240 * n)
        b.add("党外干部人才能力提升培训班", TYPE_TRAINING, day, hours=52, people=(66, 74), region=county,
              place="区委党校", departments="船山区委统战部、区委党校")
    donations = {
        "以购代扶 助力乡村振兴": [(DonationKind.MONEY, "船山区新联会会员", Decimal("25800"), None),
                                 (DonationKind.MONEY, "新阶人士企业", Decimal("21500"), None),
                                 (DonationKind.MONEY, "网络人士联谊会", Decimal("15200"), None)],
        "共建书香乡村 关爱贫困儿童": [(DonationKind.ITEMS, "船山区新联会", ("学习用品", 460, "套"), Decimal("41200"))],
        "捐赠农机助力村集体经济": [(DonationKind.ITEMS, "新阶人士企业", ("农机", 5, "台"), Decimal("86000")),
                                  (DonationKind.ITEMS, "新阶人士企业", ("农机", 3, "台"), Decimal("52000"))],
        "书香新阶·好书分享": [(DonationKind.ITEMS, "凤栖书院", ("书籍", 310, "册"), None)],
        "翰墨送福·书法绘画作品公益赠送": [(DonationKind.ITEMS, "文艺人士联谊会", ("书法绘画作品", 1050, "副"), None)],
    }
    donation_index = {title: b.add(title, TYPE_DONATION, today - datetime.timedelta(days=rng.randint(60, 400)),
                                   people=(12, 25), beneficiaries=rng.randint(40, 200),
                                   place=rng.choice(["永兴镇孟桥村", "仁里镇东兴村", "凤栖书院"]))
                      for title in donations}

    # Upcoming: open for sign-up; one today with the QR check-in open all day.
    upcoming = [
        ("“同心向党”新阶人士主题学习会", TYPE_STUDY, 5, SignupMode.REGISTRY, 60),
        ("北河新联心·法律进社区（春季）", TYPE_SOCIAL_SERVICE, 9, SignupMode.REGISTRY, 20),
        ("书香新阶·读书分享会", TYPE_CULTURE, 12, SignupMode.ASSOCIATIONS, 40),
        ("蓝马甲志愿服务进社区", TYPE_VOLUNTEER, 16, SignupMode.REGISTRY, 30),
        ("新阶人士发展论坛", TYPE_FORUM, 25, SignupMode.CLOSED, None),
    ]
    upcoming_index = []
    for title, type_, days, mode, capacity in upcoming:
        day = today + datetime.timedelta(days=days)
        index = b.add(title, type_, day, start_hour=14, people=None, region=county, signup_mode=mode,
                      capacity=capacity, signup_deadline=_moment(day - datetime.timedelta(days=1), 18),
                      programme=programmes[FLAGSHIP] if type_ == TYPE_VOLUNTEER else None,
                      description="演示：会员可在手机上报名，活动当天扫码签到")
        if mode == SignupMode.ASSOCIATIONS and county_association:
            b.associations[index] = [county_association.pk]
        upcoming_index.append(index)
    today_index = b.add("新阶人士之家开放日", TYPE_FELLOWSHIP, today, start_hour=9, hours=9, people=(5, 8),
                        region=county, place="同心·百和家园", checkin_opens_at=_moment(today, 0),
                        checkin_closes_at=_moment(today, 23, 59), description="演示：今天全天可扫码签到")
    activities = b.write()

    rows = []
    for title, items in donations.items():
        activity = activities[donation_index[title]]
        for kind, donor, what, value in items:
            if kind == DonationKind.MONEY:
                rows.append(Donation(activity=activity, kind=kind, donor=donor, amount=what,
                                     donated_on=activity.start_date, note=DEMO_NOTE))
            else:
                rows.append(Donation(activity=activity, kind=kind, donor=donor, item_kind=what[0], item_count=what[1],
                                     item_unit=what[2], estimated_value=value, donated_on=activity.start_date,
                                     note=DEMO_NOTE))
    Donation.objects.bulk_create(rows)
    past = [a for a in activities if a.start_date < today]
    MediaCoverage.objects.bulk_create([
        MediaCoverage(activity=a, outlet=rng.choice(OUTLETS), published_on=a.start_date + datetime.timedelta(days=1),
                      headline=f"船山区开展{a.title}")
        for a in rng.sample(past, 25)])
    classes = _training(rng, activities, persons, today)
    entries = _ledger_for(activities)

    member = Person.objects.filter(user__username="member").first()
    if member is not None:
        mine = [a for a in past if a.type in (TYPE_STUDY, TYPE_VOLUNTEER, TYPE_CULTURE)][-4:]
        for activity in mine:
            if not activity.attendances.filter(person=member).exists():
                services.staff_check_in(activity, member, by=None, at=activity.starts_at,
                                        hours=Decimal(3) if activity.type == TYPE_VOLUNTEER else None)
        registration_target = activities[upcoming_index[0]]
        Registration.objects.get_or_create(activity=registration_target, person=member)
    for index in upcoming_index[:2]:
        activity = activities[index]
        for person in rng.sample(persons, 6):
            if person != member:
                Registration.objects.get_or_create(activity=activity, person=person)
    reward = Reward.objects.filter(region_id=county, points_cost=50).first()
    rich = list(PointEntry.objects.filter(region_id__startswith=county).values("person_id")
                .annotate(total=Sum("points")).filter(total__gte=60).order_by("person_id")
                .values_list("person_id", flat=True))
    redeemed = 0
    for person in Person.objects.filter(pk__in=rng.sample(rich, min(12, len(rich)))):
        if reward is not None and person != member:
            services.redeem(person, reward)
            redeemed += 1
    return {"activities": len(activities), "attendances": Attendance.objects.filter(activity__in=activities).count(),
            "classes": classes, "entries": entries, "redeemed": redeemed, "today": activities[today_index].pk}


def _anju(rng: random.Random, today: datetime.date) -> int:
    persons = list(Person.objects.filter(region_id__startswith=OTHER_COUNTY, status=Status.ACTIVE, is_erased=False))
    if len(persons) < 5:
        return 0
    _county_setup(OTHER_COUNTY, [(PointTrigger.ATTENDANCE, "", 3)])
    Programme.objects.create(region_id=OTHER_COUNTY, name="安居同心行", description=DEMO_NOTE)
    ServiceProgramme.objects.create(region_id=OTHER_COUNTY, name="法律服务进乡村", target="村民")
    b = _Builder(rng, OTHER_COUNTY, persons, [])
    for day in _past_days(rng, today, 8, 300):
        b.add(rng.choice(STUDY + CULTURE), rng.choice((TYPE_STUDY, TYPE_CULTURE)), day, people=(3, 8),
              region=OTHER_COUNTY, place="安居区新联会活动室", departments="安居区委统战部")
    activities = b.write()
    _ledger_for(activities)
    return len(activities)


@demo.register("activities", order=40)
def seed_activities() -> str:
    if Programme.objects.filter(name=FLAGSHIP, region_id=DEMO_COUNTY).exists():
        return "活动演示数据已存在，跳过"
    rng = random.Random(5)
    today = timezone.localdate()
    summary = _chuanshan(rng, today)
    other = _anju(rng, today)
    if not summary:
        return "人士库演示数据不足，跳过活动演示数据"
    return (f"船山区 {summary['activities']} 场活动、{summary['attendances']} 人次签到、{summary['classes']} 期培训班、"
            f"{summary['entries']} 条积分记录、{summary['redeemed']} 次兑换；安居区 {other} 场活动；"
            f"今日可扫码签到的活动 /activities/{summary['today']}/")
