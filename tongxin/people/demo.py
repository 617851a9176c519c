"""Demo registry: ~3,000 fictional persons and ~400 employers across the townships of 船山区 (510903), and ~300
persons in 安居区 (510904) to show the data scope. Names, ID numbers, phones and credit codes are generated
(valid checksums, fictional people). Written with bulk inserts so `tongxin demo` stays fast; idempotent."""

import datetime
import random

from django.utils import timezone

from tongxin.core import audit, demo, validators
from tongxin.core.demo import DEMO_COUNTY, OTHER_COUNTY
from tongxin.core.models import AuditEntry, Region, User
from tongxin.people import pinyin, services
from tongxin.people.models import NetworkAccount, Organization, Person, PersonState, Status

DEMO_SOURCE = "演示数据（虚构）"

SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫"
    "孔向汤蒲敬冉母文何"
)
GIVEN_MALE = "伟强磊军洋勇杰涛明超鹏辉刚健斌波宇浩凯峰俊帆鑫建国志华文博晨阳亮林成东海川平毅翔飞龙宏远诚"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英玲燕婷雪琳倩颖慧佳欣悦瑶梅兰月萍蓉琴晶莉薇怡嘉梦思雨涵璐丹"
COMPANY_WORDS = (
    "锦华 天成 宏达 鑫源 盛邦 川美 嘉禾 裕丰 东升 恒信 金桥 博远 瑞康 兴旺 华泰 新光 佳和 顺达 润泽 众诚 永昌 隆鑫 汇通 "
    "明珠 德胜 安泰 长青 正和 广源 海川 凤栖 涪江 灵泉 观音 圣莲 明月 天虹 蜀康 富源 聚贤 合力 同创 亿丰 万家 久远 "
    "宝石 联盛 泰和 三利 华川 鼎盛 远航 诚信 金帆 银河 星火 绿源 晨光 卓越"
).split()
INDUSTRIES = (
    "食品 纺织 机械制造 电子科技 新材料 建筑工程 物流 农业科技 医药 家居 商贸 旅游开发 餐饮管理 汽车销售 新能源 锂电科技 "
    "印务 物业服务 信息技术 环保科技 建材 生物科技 酒业 服饰"
).split()
SOCIAL_ORGS = (
    "餐饮行业协会 青年企业家协会 慈善会 个体劳动者协会 书法家协会 摄影家协会 电子商务协会 物流行业协会 社会工作服务中心 "
    "志愿者协会 养老服务中心 心理咨询师协会 家政服务协会 文化创意产业协会 民营经济促进会 律师协会 注册会计师协会 "
    "美术家协会 音乐家协会 网络文化协会"
).split()

ORG_PLAN = [  # type, share of employers, name pattern
    ("private", 0.57, "遂宁{w}{i}{s}"),
    ("foreign", 0.05, "遂宁{w}{i}有限公司"),
    ("law_firm", 0.075, "四川{w}律师事务所"),
    ("accounting_firm", 0.05, "四川{w}会计师事务所有限公司"),
    ("appraisal_firm", 0.025, "四川{w}资产评估有限公司"),
    ("tax_firm", 0.025, "四川{w}税务师事务所有限公司"),
    ("social_org", 0.115, "{place}{o}"),
    ("new_media", 0.09, "遂宁{w}{m}"),
]
SUFFIXES = ("有限公司", "有限公司", "有限责任公司", "股份有限公司")
MEDIA_SUFFIXES = ("文化传媒有限公司", "网络科技有限公司", "传媒有限公司", "数字科技有限公司")

CATEGORY_PLAN = [  # subcategory, share, employer types (None: often none), job titles, specialties
    ("11", 0.19, ("private",), "董事长 总经理 副总经理 财务总监 行政总监 人力资源经理 销售总监", "企业管理 电子商务 乡村振兴"),
    ("12", 0.16, ("private",), "工程师 高级工程师 技术总监 研发经理 质量经理", "科普 新能源技术 智能制造"),
    ("13", 0.07, ("foreign",), "总经理 部门经理 运营总监", "企业管理 外贸"),
    ("14", 0.04, ("foreign",), "工程师 技术经理", "科普 智能制造"),
    ("21", 0.09, ("law_firm",), "律师 合伙人 律师事务所主任", "法律咨询 法律援助"),
    ("22", 0.05, ("accounting_firm",), "注册会计师 所长 合伙人", "财务审计 财税咨询"),
    ("23", 0.02, ("tax_firm",), "注册税务师 项目经理", "税务筹划 财税咨询"),
    ("24", 0.02, ("appraisal_firm",), "资产评估师 项目经理", "资产评估"),
    ("26", 0.05, ("social_org",), "理事长 秘书长 项目主管 社工师", "社会工作 志愿服务 养老服务"),
    ("29", 0.01, ("private",), "经理 咨询顾问", "企业管理"),
    ("31", 0.05, (None,), "书法家 画家 摄影师 歌手 非遗传承人", "书法 绘画 摄影 声乐 非遗技艺"),
    ("32", 0.02, (None,), "自由撰稿人 作家", "写作 文化宣传"),
    ("33", 0.02, (None,), "独立投资人", "投资咨询 企业管理"),
    ("34", 0.06, (None,), "培训教师 培训学校校长 心理咨询师", "教育培训 心理咨询 科普"),
    ("39", 0.01, (None,), "自由职业者", "电子商务"),
    ("41", 0.05, ("new_media",), "创始人 总经理 运营总监", "新媒体运营 直播带货"),
    ("42", 0.03, ("new_media",), "主编 编辑 记者", "新媒体运营 文化宣传"),
    ("43", 0.05, ("new_media", None), "主播 博主 网络作家 短视频创作者", "直播带货 短视频制作"),
    ("49", 0.01, ("new_media",), "运营专员", "新媒体运营"),
]
POLITICAL = [("13", 55), ("01", 20), ("12", 8), ("03", 7), ("05", 3), ("06", 3), ("07", 2), ("10", 1), ("08", 1)]
EDUCATION = [("20", 45), ("30", 25), ("14", 12), ("60", 9), ("40", 5), ("11", 1), ("70", 3)]
ETHNICITY = [("01", 970), ("03", 8), ("07", 8), ("04", 6), ("33", 8)]
TAGS = ("新联会会员", "青年企业家", "返乡创业", "同心服务团", "法律服务团", "网络正能量", "社会组织负责人", "优秀建设者")
PLATFORMS = [("douyin", 35), ("kuaishou", 15), ("wechat_oa", 20), ("weibo", 10), ("channels", 10), ("bilibili", 5),
             ("xiaohongshu", 5)]
ACCOUNT_WORDS = "说 日记 生活 美食 探店 看遂宁 观察 小剧场 工作室 讲法 财经 乡村 故事 老家 频道".split()
MOBILE_PREFIXES = "138 139 158 159 180 181 182 183 186 187 188 189 135 136 137 150 151 152 157 177 173 199".split()


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


class _Generator:
    def __init__(self, seed: int, today: datetime.date):
        self.rng = random.Random(seed)
        self.today = today
        self.ids: set[tuple] = set()
        self.phones: set[str] = set()
        self.names: set[str] = set()
        self.credit_seed = seed * 10_000

    def person_name(self, gender: str) -> str:
        pool = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
        given = "".join(self.rng.choice(pool) for _ in range(self.rng.choice((1, 2, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    def id_number(self, prefix: str, birth: datetime.date, gender: str) -> str:
        while True:
            seq = self.rng.randrange(500)
            if (prefix, birth, gender, seq) not in self.ids:
                self.ids.add((prefix, birth, gender, seq))
                return validators.make_id_number(prefix, birth, seq, gender)

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def org_name(self, pattern: str, county: str, township: str) -> str:
        rng = self.rng
        while True:
            name = pattern.format(w=rng.choice(COMPANY_WORDS), i=rng.choice(INDUSTRIES), s=rng.choice(SUFFIXES),
                                  o=rng.choice(SOCIAL_ORGS), m=rng.choice(MEDIA_SUFFIXES),
                                  place=rng.choice((county, township, township)))
            if name not in self.names:
                self.names.add(name)
                return name

    def organizations(self, county: str, county_name: str, townships: dict[str, str], count: int
                      ) -> list[Organization]:
        rng = self.rng
        orgs = []
        for org_type, share, pattern in ORG_PLAN:
            for _ in range(max(1, round(count * share))):
                self.credit_seed += 1
                enterprise = org_type in ("private", "foreign", "new_media")
                township = rng.choice(sorted(townships))
                orgs.append(Organization(
                    region_id=township, name=self.org_name(pattern, county_name, townships[township]), type=org_type,
                    credit_code=validators.make_credit_code(self.credit_seed, county) if rng.random() < 0.88 else "",
                    industry=rng.choice(INDUSTRIES) if enterprise else "",
                    has_party_org=rng.random() < (0.35 if enterprise else 0.5),
                    is_two_new=rng.random() < 0.9, address=f"{county_name}{rng.choice(COMPANY_WORDS)}路{rng.randrange(1, 300)}号",
                ))
        return orgs

    def person(self, county: str, townships: list[str], orgs_by_type: dict, *, name: str | None = None,
               gender: str | None = None, subcategory: str | None = None, phone: str | None = None) -> Person:
        rng = self.rng
        plan = next(p for p in CATEGORY_PLAN if p[0] == subcategory) if subcategory else rng.choices(
            CATEGORY_PLAN, weights=[p[1] for p in CATEGORY_PLAN])[0]
        sub, _share, employer_types, titles, _specialties = plan
        gender = gender or rng.choice("MMMF" if sub[0] == "1" else "MF")
        birth = _date_between(rng, datetime.date(1961, 1, 1), datetime.date(2002, 12, 31))
        employer_type = rng.choice(employer_types)
        employer = rng.choice(orgs_by_type[employer_type]) if employer_type and orgs_by_type.get(employer_type) else None
        added_on = _date_between(rng, datetime.date(2019, 3, 1), self.today)
        person = Person(
            name=name or self.person_name(gender), gender=gender, birth_date=birth,
            id_number=self.id_number(county, birth, gender) if rng.random() < 0.93 else "",
            phone=phone or (self.phone() if rng.random() < 0.96 else ""),
            ethnicity=_weighted(rng, ETHNICITY), political_affiliation=_weighted(rng, POLITICAL),
            education=_weighted(rng, EDUCATION), employer=employer,
            region_id=employer.region_id if employer else rng.choice(townships),
            job_title=rng.choice(titles.split()), category=sub[0], subcategory=sub, added_on=added_on,
            source=f"{DEMO_SOURCE}：{'新阶人士台账' + str(added_on.year) + '.xlsx' if rng.random() < 0.7 else '手工录入'}",
            lawful_basis="legal_duty" if rng.random() < 0.6 else "written_consent",
            consent_purpose="新的社会阶层人士统战工作联系服务",
        )
        if person.lawful_basis == "written_consent":
            person.consent_date = added_on
        roll = rng.random()
        if roll < 0.03:
            self._leave(person, Status.MOVED, "工作调动，迁出本区")
        elif roll < 0.05:
            self._leave(person, Status.WITHDRAWN, "本人申请退出")
        elif roll < 0.06:
            self._leave(person, Status.DECEASED, "因病去世")
        return person

    def _leave(self, person: Person, status: str, reason: str) -> None:
        if person.added_on >= self.today:
            return
        person.status, person.status_reason = status, reason
        person.status_date = _date_between(self.rng, person.added_on + datetime.timedelta(days=1), self.today)

    def flag(self, persons: list[Person], representatives: int, reserves: int, network: int) -> None:
        rng = self.rng
        active = [p for p in persons if p.status == Status.ACTIVE]
        for person in rng.sample(active, min(representatives, len(active))):
            person.is_representative = True
            person.representative_level = _weighted(rng, [("county", 70), ("city", 22), ("provincial", 7),
                                                          ("national", 1)])
            person.representative_since = _date_between(rng, person.added_on, self.today)
        pool = [p for p in active if not p.is_representative]
        for person in rng.sample(pool, min(reserves, len(pool))):
            person.is_reserve = True
            person.reserve_since = _date_between(rng, max(person.added_on, datetime.date(2024, 1, 1)), self.today) \
                if person.added_on < self.today else self.today
        media = [p for p in active if p.category in ("3", "4")]
        for person in rng.sample(media, min(network, len(media))):
            person.is_network_figure = True
            person.network_since = _date_between(rng, person.added_on, self.today)

    def accounts(self, person: Person) -> list[NetworkAccount]:
        rng = self.rng
        return [
            NetworkAccount(person=person, platform=_weighted(rng, PLATFORMS),
                           account_name=f"{rng.choice(('遂宁', '船山', '川中', '涪江', ''))}{person.name[-1]}"
                                        f"{rng.choice(ACCOUNT_WORDS)}",
                           follower_count=int(rng.lognormvariate(10, 1.3)))
            for _ in range(rng.choice((1, 1, 2, 3)))
        ]


def _region_townships(county: str) -> tuple[str, dict[str, str]]:
    region = Region.objects.filter(code=county).first()
    name = region.name if region else county
    townships = dict(Region.objects.filter(parent_id=county, is_active=True).values_list("code", "name"))
    return name, townships or {county: name}


def _write(persons: list[Person], accounts: dict[int, list], tag_plan: dict[int, list[str]],
           specialty_plan: dict[int, list[str]]) -> None:
    for person in persons:
        person.name_pinyin, person.name_initials = pinyin.name_keys(person.name)
    Person.objects.bulk_create(persons, batch_size=500)
    states = [row for person in persons for row in services.initial_states(person)]
    PersonState.objects.bulk_create(states, batch_size=1000)
    NetworkAccount.objects.bulk_create([a for items in accounts.values() for a in items], batch_size=1000)
    tags = {t.name: t.pk for t in services.tags_named(sorted({n for names in tag_plan.values() for n in names}))}
    Person.tags.through.objects.bulk_create(
        [Person.tags.through(person_id=persons[i].pk, tag_id=tags[n]) for i, names in tag_plan.items() for n in names],
        batch_size=1000, ignore_conflicts=True)
    specialties = {s.name: s.pk for s in services.specialties_named(
        sorted({n for names in specialty_plan.values() for n in names}))}
    Person.specialties.through.objects.bulk_create(
        [Person.specialties.through(person_id=persons[i].pk, specialty_id=specialties[n])
         for i, names in specialty_plan.items() for n in names], batch_size=1000, ignore_conflicts=True)
    audit.log_bulk(AuditEntry.CREATE, [
        (p, {"name": [None, p.name], "region": [None, p.region_id], "category": [None, p.category],
             "source": [None, p.source]}) for p in persons], message=DEMO_SOURCE)


def _county(gen: _Generator, county: str, n_orgs: int, n_persons: int, flags: tuple[int, int, int],
            special: list[dict]) -> tuple[list[Person], int]:
    county_name, townships = _region_townships(county)
    orgs = gen.organizations(county, county_name, townships, n_orgs)
    townships = sorted(townships)
    Organization.objects.bulk_create(orgs, batch_size=500)
    audit.log_bulk(AuditEntry.CREATE, [(o, {"name": [None, o.name]}) for o in orgs], message=DEMO_SOURCE)
    by_type: dict[str, list] = {}
    for org in orgs:
        by_type.setdefault(org.type, []).append(org)
    persons = [gen.person(county, townships, by_type, **spec) for spec in special]
    persons += [gen.person(county, townships, by_type) for _ in range(n_persons - len(special))]
    gen.flag(persons[len(special):], *flags)
    rng = gen.rng
    accounts, tag_plan, specialty_plan = {}, {}, {}
    for i, person in enumerate(persons):
        if person.is_network_figure:
            accounts[i] = gen.accounts(person)
        plan = next(p for p in CATEGORY_PLAN if p[0] == person.subcategory)
        specialty_plan[i] = rng.sample(plan[4].split(), k=min(len(plan[4].split()), rng.choice((0, 1, 1, 2))))
        names = [t for t in TAGS if rng.random() < (0.18 if t == "新联会会员" else 0.03)]
        if person.is_network_figure and rng.random() < 0.5:
            names.append("网络正能量")
        tag_plan[i] = sorted(set(names))
    _write(persons, accounts, tag_plan, specialty_plan)
    return persons, len(orgs)


@demo.register("people", order=10)
def seed_people() -> str:
    if Person.objects.filter(source__startswith=DEMO_SOURCE).exists():
        return "人士库演示数据已存在，跳过"
    today = timezone.localdate()
    gen = _Generator(510903, today)
    gen.phones.add("13982501234")
    special = [
        {"name": "张嘉骊", "gender": "F", "subcategory": "43", "phone": "13982501234"},
        {"name": "刘嘉怡", "gender": "F", "subcategory": "41"},
    ]
    persons_a, orgs_a = _county(gen, DEMO_COUNTY, 400, 3000, (100, 60, 40), special)
    zhang = persons_a[0]
    zhang.is_network_figure, zhang.network_since = True, today - datetime.timedelta(days=200)
    services.save_person(zhang, accounts=[
        {"platform": "douyin", "account_name": "嘉骊看遂宁", "follower_count": 128000},
        {"platform": "xiaohongshu", "account_name": "嘉骊的船山日记", "follower_count": 23500}])
    member = User.objects.filter(username="member").first()
    if member is not None and not Person.objects.filter(user=member).exists():
        Person.objects.filter(pk=persons_a[1].pk).update(user=member)
    persons_b, orgs_b = _county(gen, OTHER_COUNTY, 40, 300, (10, 6, 4), [])
    return (f"船山区 {len(persons_a)} 人、{orgs_a} 个单位；安居区 {len(persons_b)} 人、{orgs_b} 个单位"
            "（“张嘉骊”可用 zjl 搜索）")
