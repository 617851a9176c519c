import datetime

from django.utils import timezone

from tongxin.core.demo import seed_users
from tongxin.people.demo import seed_people
from tongxin.voice import metrics
from tongxin.voice.demo import seed_voice
from tongxin.voice.models import ProblemSolved, Proposal


def test_demo_voice(regions):
    seed_users()
    seed_people()
    assert "调研 12 次" in seed_voice()
    today = timezone.localdate()
    span = (today - datetime.timedelta(days=5 * 365), today)
    adopted = metrics.proposals_adopted("510903", *span)["total"]
    assert 320 <= adopted <= 330  # 累计收集采纳新阶人士提案建议近320余条
    assert metrics.research_activities("510903", *span) == 12  # 调研活动10余次
    assert metrics.research_reports("510903", *span) == 2  # 调研报告2篇
    assert metrics.consultation_meetings("510903", *span)["total"] == 26  # 协商会议26场次
    assert ProblemSolved.objects.filter(meeting__region_id__startswith="510903", longstanding=True).count() == 12
    seats = metrics.arrangements_by_body("510903", today, today)["by"]
    assert (seats["人大代表"], seats["政协委员"], seats["工商联执委"], seats["特约监督员/行风政风监督员"]) == (9, 5, 7, 4)
    story = Proposal.objects.get(source="portal")
    assert story.status == "implemented"
    assert list(story.steps.values_list("status", flat=True)) == ["submitted", "under_review", "adopted",
                                                                  "implemented"]
    from tongxin.activities.services import points_balance

    assert points_balance(story.persons.get()) > 0
    assert Proposal.objects.filter(region_id__startswith="510904").exists()
    count = Proposal.objects.count()
    assert seed_voice() == "建言与安排演示数据已存在，跳过"
    assert Proposal.objects.count() == count
