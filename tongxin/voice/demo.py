"""Demo voice and arrangements for 船山区 (510903), after seed 000:

- "累计收集采纳新阶人士提案建议近320余条": ~340 proposals over two years, ~320 of them adopted (some implemented),
  the rest under review, just submitted or not adopted — with a few near-duplicates for the similarity check;
- "开展…调研活动10余次" and "撰写高质量调研报告2篇，提出发展建议20余条": 12 research activities, two reports with
  the proposals they produced;
- "参与协商会议26场次，协助解决…老大难题12个": 26 consultation meetings, 12 long-standing problems solved;
- "推荐安排…人大代表9名，政协委员5名，工商联执行委员7名，行风政风监督员4人": seats held today (plus pending
  recommendations, a refused one, an ended term and terms ending soon);
- honours of 船山区新联会 and of members;
- the demo `member` user's proposal, submitted from the portal, adopted and implemented, with its points when the
  points area has a rule for it.

A little of the same in 安居区 (510904) shows the data scope. Idempotent (skips when the demo proposals exist).
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from tongxin.core import demo
from tongxin.core.demo import DEMO_COUNTY, OTHER_COUNTY
from tongxin.core.models import User
from tongxin.people.models import Person, Status
from tongxin.voice import services
from tongxin.voice.models import (
    AdoptionForm,
    ArrangementStatus,
    Body,
    ConsultationMeeting,
    Honour,
    HonourKind,
    Level,
    MeetingKind,
    PoliticalArrangement,
    ProblemSolved,
    Proposal,
    ProposalChannel,
    ProposalStatus,
    Research,
    ResearchReport,
    Topic,
)

DEMO_MARK = "演示数据（虚构）"

SUBJECTS = {
    Topic.ECONOMY: ["民营企业融资难", "园区产业链招商", "夜间经济发展", "电商直播产业集聚", "中小企业转型升级"],
    Topic.BUSINESS: ["企业开办审批时限", "涉企检查频次", "政务服务“一网通办”", "惠企政策直达", "中小企业账款拖欠"],
    Topic.GOVERNANCE: ["老旧小区物业管理", "社区协商议事机制", "网格员队伍建设", "新就业群体参与基层治理", "矛盾纠纷调解"],
    Topic.LIVELIHOOD: ["社区养老服务", "婴幼儿托育服务", "农贸市场改造", "公共停车位不足", "背街小巷照明"],
    Topic.ECOLOGY: ["涪江沿岸生态保护", "城区餐饮油烟治理", "垃圾分类投放点设置", "河道垃圾清理"],
    Topic.CULTURE: ["方言文化保护传承", "社区图书室建设", "青少年心理健康教育", "非遗项目进校园"],
    Topic.TECHNOLOGY: ["人工智能应用场景开放", "科技型中小企业培育", "数字乡村建设"],
    Topic.RURAL: ["乡村旅游品牌打造", "农产品电商销售", "返乡创业扶持"],
    Topic.URBAN: ["玻璃塔广场噪音治理", "城市慢行系统建设", "老旧管网改造", "公交线路优化"],
}
OPENINGS = ["关于加强{s}的建议", "关于进一步改进{s}工作的建议", "关于解决{s}问题的建议", "推动{s}的几点建议"]
BODIES = ["区发展和改革局", "区经济和信息化局", "区住房和城乡建设局", "区民政局", "区市场监督管理局", "区行政审批局",
          "区委办公室", "区政府办公室", "区生态环境局", "区教育局", "区商务局", "南津路街道办事处"]
RESEARCH_TOPICS = [
    "助力“猪八戒乐园”建设", "拼经济搞建设助力高质量发展", "民营企业用工情况", "新就业群体参与基层治理",
    "电商直播产业发展", "老旧小区改造中的群众诉求", "乡村振兴中的新阶人士作用", "中小企业融资环境",
    "夜间经济发展现状", "社区养老服务供给", "营商环境满意度", "网络文化产业发展",
]
PLACES = ["船山区物流港", "遂宁高新区创新创业园", "南津路街道同心·百和家园", "凯旋路街道社区", "河东新区企业",
          "永兴镇农业园区", "龙凤镇电商服务站", "仁里古镇", "遂宁经开区"]
MEETING_TITLES = [
    "“同心·百和家园”要事共商议事会", "老旧小区环境整治协商会", "玻璃塔广场噪音治理协商会", "园区企业用工座谈会",
    "新春座谈会", "统战工作会", "营商环境提升协商会", "社区停车难协商议事会", "背街小巷改造议事会",
    "电商直播基地发展座谈会",
]
PROBLEMS = [
    "老旧小区卫生环境差", "玻璃塔广场噪音扰民", "小区停车位严重不足", "背街小巷路灯长期不亮", "农贸市场污水外溢",
    "小区化粪池堵塞外溢", "楼道杂物堆放消防隐患", "小区监控设施缺失", "园区企业招工难", "社区活动场地紧缺",
    "老旧电梯频繁故障", "小区雨污管网混接",
]
SEATS = [  # body, level, count held today
    (Body.NPC, Level.CITY, 3), (Body.NPC, Level.COUNTY, 6),
    (Body.CPPCC, Level.CITY, 2), (Body.CPPCC, Level.COUNTY, 3),
    (Body.ACFIC, Level.COUNTY, 7), (Body.SUPERVISOR, Level.COUNTY, 4),
]


def _days_ago(today: datetime.date, n: int) -> datetime.date:
    return today - datetime.timedelta(days=n)


def _persons(county: str, *, representative: bool | None = None, limit: int = 400) -> list[Person]:
    people = Person.objects.filter(region_id__startswith=county, status=Status.ACTIVE, is_erased=False)
    if representative is not None:
        people = people.filter(is_representative=representative)
    return list(people.order_by("id")[:limit])


def _proposal_text(rng: random.Random) -> tuple[str, str, str]:
    topic = rng.choice(list(SUBJECTS))
    subject = rng.choice(SUBJECTS[topic])
    title = rng.choice(OPENINGS).format(s=subject)
    content = (f"当前{subject}方面仍存在一些群众和企业反映集中的问题。建议：一是摸清底数，建立问题清单；"
               f"二是明确责任单位和完成时限；三是引导新的社会阶层人士参与，定期通报{subject}工作进展。")
    return topic, title, content


def _proposals(rng, today, persons, staff, *, region: str, count: int, adopted: int, research=(), meetings=()):
    made = 0
    channels = [ProposalChannel.PROPOSAL] * 4 + [ProposalChannel.OPINION] * 3 + [
        ProposalChannel.MEETING, ProposalChannel.RESEARCH, ProposalChannel.FORUM]
    for i in range(count):
        topic, title, content = _proposal_text(rng)
        submitted = _days_ago(today, rng.randint(40, 700))
        channel = rng.choice(channels)
        source = {}
        if channel == ProposalChannel.RESEARCH and research:
            source["research"] = rng.choice(research)
        elif channel in (ProposalChannel.MEETING, ProposalChannel.FORUM) and meetings:
            source["meeting"] = rng.choice(meetings)
        proposers = rng.sample(persons, k=1 if rng.random() < 0.8 else 2)
        proposal = services.submit_proposal(title=title, content=content, topic=topic, channel=channel,
                                            persons=proposers, region=region, by=staff, submitted_on=submitted,
                                            **source)
        made += 1
        if i >= adopted + (count - adopted) // 3:
            continue  # still just submitted
        review = submitted + datetime.timedelta(days=rng.randint(2, 10))
        services.transition_proposal(proposal, ProposalStatus.UNDER_REVIEW, by=staff, on=review)
        if i >= adopted:
            if i % 2:
                services.transition_proposal(proposal, ProposalStatus.NOT_ADOPTED, by=staff,
                                             on=review + datetime.timedelta(days=rng.randint(5, 20)),
                                             reason="已有相关政策覆盖，暂不单独采纳")
            continue
        adopted_on = review + datetime.timedelta(days=rng.randint(5, 25))
        services.transition_proposal(proposal, ProposalStatus.ADOPTED, by=staff, on=adopted_on,
                                     body=rng.choice(BODIES), form=rng.choice(AdoptionForm.values),
                                     award_points=False)
        done = adopted_on + datetime.timedelta(days=rng.randint(20, 90))
        if rng.random() < 0.4 and done <= today:
            services.transition_proposal(proposal, ProposalStatus.IMPLEMENTED, by=staff, on=done,
                                         result="相关部门已制定工作措施并落实到位，群众反映良好。")
    return made


def _research(rng, today, persons, staff, region: str, count: int) -> list[Research]:
    made = []
    for i in range(count):
        start = _days_ago(today, 60 + i * 50 + rng.randint(0, 20))
        made.append(services.save_research(
            Research(topic=f"{RESEARCH_TOPICS[i % len(RESEARCH_TOPICS)]}专题调研", region_id=region, started_on=start,
                     ended_on=start + datetime.timedelta(days=rng.randint(0, 4)),
                     places="\n".join(rng.sample(PLACES, k=3)),
                     summary=f"调研组深入企业、园区和社区走访座谈，听取意见建议。{DEMO_MARK}"),
            team=rng.sample(persons, k=min(5, len(persons))), by=staff))
    return made


def _meetings(rng, today, persons, staff, region: str, count: int, problems: int) -> list[ConsultationMeeting]:
    made = []
    kinds = [MeetingKind.COMMUNITY] * 3 + [MeetingKind.PARK, MeetingKind.DEPARTMENT]
    for i in range(count):
        held = _days_ago(today, 20 + i * 25 + rng.randint(0, 10))
        made.append(services.save_meeting(
            ConsultationMeeting(title=MEETING_TITLES[i % len(MEETING_TITLES)], kind=kinds[i % len(kinds)],
                                held_on=held, region_id=region, place="南津路街道同心·百和家园",
                                host="区委统战部", issues="\n".join(rng.sample(PROBLEMS, k=2)),
                                summary=f"围绕“要事共商、社区共建、社会共治、成果共享”协商议事。{DEMO_MARK}"),
            participants=rng.sample(persons, k=min(rng.randint(6, 12), len(persons))), by=staff))
    for i in range(problems):
        meeting = made[i % len(made)]
        services.save_problem(ProblemSolved(
            meeting=meeting, title=PROBLEMS[i % len(PROBLEMS)], longstanding=True,
            solved_on=min(today, meeting.held_on + datetime.timedelta(days=rng.randint(10, 60))),
            description="经协商，相关部门和社区共同整改，问题已解决。"), by=staff)
    return made


def _arrangements(rng, today, people, representatives, region: str) -> int:
    made = 0
    pool = list(representatives) + [p for p in people if p not in representatives]
    rng.shuffle(pool)
    pool_iter = iter(pool)
    term_start = datetime.date(today.year - 2, 1, 10)
    for body, level, count in SEATS:
        for n in range(count):
            person = next(pool_iter)
            ends = datetime.date(today.year + 3, 1, 9)
            if n == 0 and body in (Body.SUPERVISOR, Body.ACFIC):
                ends = today + datetime.timedelta(days=rng.randint(30, 150))  # a term ending soon
            services.save_arrangement(PoliticalArrangement(
                person=person, body=body, level=level, term="第十届" if body != Body.SUPERVISOR else "第三届",
                status=ArrangementStatus.ARRANGED, recommended_on=term_start - datetime.timedelta(days=90),
                recommended_by="区委统战部", starts_on=term_start, ends_on=ends, note=DEMO_MARK))
            made += 1
    # history and pending: an ended term, recommendations under way, one not arranged
    extra = [
        (Body.NPC, Level.COUNTY, ArrangementStatus.ARRANGED, datetime.date(today.year - 7, 1, 10),
         datetime.date(today.year - 2, 1, 9)),
        (Body.CPPCC, Level.COUNTY, ArrangementStatus.RECOMMENDED, None, None),
        (Body.YOUTH, Level.CITY, ArrangementStatus.INSPECTED, None, None),
        (Body.CPPCC_STANDING, Level.COUNTY, ArrangementStatus.NOT_ARRANGED, None, None),
    ]
    for body, level, status, starts, ends in extra:
        person = next(pool_iter)
        recommended = (starts - datetime.timedelta(days=60)) if starts else _days_ago(today, rng.randint(20, 90))
        services.save_arrangement(PoliticalArrangement(
            person=person, body=body, level=level, term="", status=status, recommended_on=recommended,
            recommended_by="区工商联", starts_on=starts, ends_on=ends, note=DEMO_MARK))
        made += 1
    return made


def _honours(today, people, region: str) -> int:
    from tongxin.orgs.models import Association

    made = 0
    association = Association.objects.filter(region_id=region).order_by("id").first()
    if association is not None:
        for title, level, by, days in [("先进新联会", Level.PROVINCIAL, "四川省委统战部", 300),
                                       ("先进新联会", Level.CITY, "遂宁市委统战部", 420),
                                       ("四川省最美家乡话方言推广大赛一等奖", Level.PROVINCIAL, "四川省语言文字工作委员会",
                                        200)]:
            services.save_honour(Honour(title=title, kind=HonourKind.ASSOCIATION, association=association,
                                        level=level, granted_by=by, granted_on=_days_ago(today, days),
                                        note=DEMO_MARK))
            made += 1
    for person, (title, level, by, days) in zip(people, [
            ("优秀会员", Level.CITY, "遂宁市新联会", 150), ("优秀会员", Level.CITY, "遂宁市新联会", 150),
            ("经济和社会事业发展先进个人", Level.COUNTY, "中共船山区委、船山区人民政府", 90)], strict=False):
        services.save_honour(Honour(title=title, kind=HonourKind.PERSON, person=person, level=level, granted_by=by,
                                    granted_on=_days_ago(today, days), note=DEMO_MARK))
        made += 1
    return made


def _association_voice(rng, today, research, staff) -> int:
    """船山区新联会 organises two research activities and puts forward proposals in its own name."""
    from tongxin.orgs.models import Association

    association = Association.objects.filter(region_id=DEMO_COUNTY).order_by("id").first()
    if association is None:
        return 0
    for item in research[:2]:
        item.association = association
        services.save_research(item, team=list(item.team.all()), by=staff)
    for days, title in [(45, "关于建设新阶人士之家的建议"), (30, "关于建立新阶人士参与社区协商长效机制的建议"),
                        (12, "关于支持网络人士联谊会开展正能量创作的建议")]:
        services.submit_proposal(title=title, content=f"{title}。船山区新联会经会长办公会研究提出。", topic=Topic.GOVERNANCE,
                                 channel=ProposalChannel.MEETING, association=association, region=DEMO_COUNTY,
                                 by=staff, submitted_on=_days_ago(today, days))
    return 3


def _member_story(today, staff) -> str:
    """The `member` user's proposal: from the portal, through review and adoption to implementation."""
    member = User.objects.filter(username="member").first()
    person = Person.objects.filter(user=member).first() if member is not None else None
    if person is None:
        return "未找到会员账号对应的人士，跳过会员建议"
    _ensure_points_rule(person.region_id[:6])
    proposal = services.submit_proposal(
        title="关于在南津路街道增设新就业群体爱心驿站的建议",
        content="外卖骑手、快递员等新就业群体在户外工作时间长，缺少歇脚、喝水、充电的地方。建议在南津路街道"
                "党群服务中心和商圈增设爱心驿站，配备饮水机、充电设施和休息座椅，并由新联会志愿者定期维护。",
        topic=Topic.GOVERNANCE, channel=ProposalChannel.OPINION, persons=[person], region=person.region_id,
        by=member, source="portal", submitted_on=_days_ago(today, 75))
    services.transition_proposal(proposal, ProposalStatus.UNDER_REVIEW, by=staff, on=_days_ago(today, 70),
                                 note="转区总工会、南津路街道研究")
    services.transition_proposal(proposal, ProposalStatus.ADOPTED, by=staff, on=_days_ago(today, 55),
                                 body="船山区总工会", form=AdoptionForm.DEPARTMENT, note="纳入年度民生实事")
    services.transition_proposal(proposal, ProposalStatus.IMPLEMENTED, by=staff, on=_days_ago(today, 10),
                                 result="已在南津路街道建成爱心驿站3个，日均服务新就业群体60余人次。")
    return f"会员“{person.name}”的建议已采纳并落实"


def _ensure_points_rule(county: str) -> None:
    """Points for an adopted proposal exist only with a rule; the demo sets one for the county if none is set."""
    try:
        from tongxin.activities.models import PointRule
        from tongxin.activities.services import rule_for, save_point_rule
    except ImportError:
        return
    if rule_for("proposal_adopted", county) is None:
        save_point_rule(rule=PointRule(region_id=county, trigger="proposal_adopted", points=10,
                                       note="建议被采纳，每条 10 分（演示）"))


@demo.register("voice", order=60)
def seed_voice() -> str:
    if Research.objects.filter(summary__endswith=DEMO_MARK).exists():
        return "建言与安排演示数据已存在，跳过"
    today = timezone.localdate()
    rng = random.Random(60)
    people = _persons(DEMO_COUNTY)
    if len(people) < 30:
        return "人士库中人士不足，跳过建言与安排演示数据"
    representatives = _persons(DEMO_COUNTY, representative=True)
    staff = User.objects.filter(username="staff").first()
    research = _research(rng, today, people, staff, DEMO_COUNTY, 12)
    meetings = _meetings(rng, today, people, staff, DEMO_COUNTY, 26, 12)
    made = _proposals(rng, today, people, staff, region=DEMO_COUNTY, count=334, adopted=311, research=research,
                      meetings=meetings)
    for research_item, title, count in [(research[0], "关于助力“猪八戒乐园”建设的调研报告", 11),
                                        (research[1], "拼经济搞建设助力高质量发展调研报告", 12)]:
        report = services.save_report(ResearchReport(
            research=research_item, title=title, suggestion_count=count,
            completed_on=min(today, research_item.started_on + datetime.timedelta(days=20)),
            summary="报告梳理了调研发现的主要问题，提出了针对性的发展建议。"), by=staff)
        for i in range(count):
            topic, subject_title, content = _proposal_text(rng)
            proposal = services.submit_proposal(
                title=f"{subject_title}（调研建议{i + 1}）", content=content, topic=topic,
                channel=ProposalChannel.RESEARCH, persons=list(research_item.team.all()[:2]), region=DEMO_COUNTY,
                by=staff, submitted_on=report.completed_on, source=report)
            made += 1
            if i % 2 == 0 and report.completed_on + datetime.timedelta(days=20) <= today:
                services.transition_proposal(proposal, ProposalStatus.UNDER_REVIEW, by=staff,
                                             on=report.completed_on + datetime.timedelta(days=5))
                services.transition_proposal(proposal, ProposalStatus.ADOPTED, by=staff,
                                             on=report.completed_on + datetime.timedelta(days=20),
                                             body=rng.choice(BODIES), form=AdoptionForm.POLICY, award_points=False)
    made += _association_voice(rng, today, research, staff)
    seats = _arrangements(rng, today, people, representatives, DEMO_COUNTY)
    honours = _honours(today, people[5:], DEMO_COUNTY)
    story = _member_story(today, staff)

    other = _persons(OTHER_COUNTY, limit=40)
    anju = User.objects.filter(username="staff_anju").first()
    if len(other) >= 6:
        other_research = _research(rng, today, other, anju, OTHER_COUNTY, 2)
        other_meetings = _meetings(rng, today, other, anju, OTHER_COUNTY, 3, 2)
        _proposals(rng, today, other, anju, region=OTHER_COUNTY, count=12, adopted=8, research=other_research,
                   meetings=other_meetings)
        services.save_arrangement(PoliticalArrangement(
            person=other[0], body=Body.NPC, level=Level.COUNTY, term="第十届", status=ArrangementStatus.ARRANGED,
            recommended_on=datetime.date(today.year - 2, 10, 1), starts_on=datetime.date(today.year - 2, 12, 1),
            recommended_by="安居区委统战部", note=DEMO_MARK))
    return (f"建议 {made} 条（采纳 {Proposal.objects.filter(region_id__startswith=DEMO_COUNTY, adopted_on__isnull=False).count()} 条）；"
            f"调研 {len(research)} 次；协商会议 {len(meetings)} 场；政治安排 {seats} 条；表彰 {honours} 项；{story}")
