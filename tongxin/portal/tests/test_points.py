"""积分: the member's own balance (the ledger sum), history, rewards and redemption."""

from django.urls import reverse

from tongxin.activities import services
from tongxin.activities.models import Redemption, Reward
from tongxin.portal.tests.conftest import COUNTY_A, COUNTY_B


def test_balance_is_the_ledger_sum_and_history_is_own(member_client, member, make_person):
    services.award_points(member, 30, reason="参加志愿服务")
    services.award_points(member, -5, reason="更正重复记录")
    other = make_person(name="别人")
    services.award_points(other, 99, reason="别人的积分事由")
    response = member_client.get(reverse("portal:points"))
    html = response.content.decode()
    assert response.context["balance"] == 25 == services.points_balance(member)
    assert "参加志愿服务" in html and "更正重复记录" in html
    assert "别人的积分事由" not in html
    entries = list(response.context["entries"])
    assert sorted(e.points for e in entries) == [-5, 30] and {e.person_id for e in entries} == {member.pk}


def test_redeem_a_reward(member_client, member):
    services.award_points(member, 30, reason="参加活动")
    reward = Reward.objects.create(name="图书借阅卡", points_cost=20, stock=3, region_id=COUNTY_A)
    response = member_client.post(reverse("portal:redeem", args=[reward.pk]), follow=True)
    assert "兑换成功" in response.content.decode()
    assert Redemption.objects.filter(person=member, reward=reward).count() == 1
    assert services.points_balance(member) == 10
    response = member_client.post(reverse("portal:redeem", args=[reward.pk]), follow=True)
    assert "积分不足" in response.content.decode()
    assert Redemption.objects.filter(person=member).count() == 1


def test_reward_of_another_county_is_404(member_client, member):
    services.award_points(member, 30, reason="参加活动")
    reward = Reward.objects.create(name="安居区奖品", points_cost=1, region_id=COUNTY_B)
    assert "安居区奖品" not in member_client.get(reverse("portal:points")).content.decode()
    assert member_client.post(reverse("portal:redeem", args=[reward.pk])).status_code == 404
    assert not Redemption.objects.exists()
