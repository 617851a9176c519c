"""建议: a member submits proposals and follows their own, and only their own."""

from django.urls import reverse
from django.utils import timezone

from tongxin.voice import services as voice_services
from tongxin.voice.models import Proposal, ProposalSource


def submit(member_client, **data):
    values = {"title": "关于优化园区停车的建议", "topic": "business", "channel": "opinion",
              "content": "园区企业员工停车难，建议错时开放机关停车场。"}
    values.update(data)
    return member_client.post(reverse("portal:proposal_create"), values, follow=True)


def test_submit_a_proposal(member_client, member):
    response = submit(member_client)
    html = response.content.decode()
    assert "建议已提交" in html and "关于优化园区停车的建议" in html and "已提交" in html
    proposal = Proposal.objects.get()
    assert list(proposal.persons.all()) == [member]
    assert proposal.source == ProposalSource.PORTAL and proposal.submitted_by == member.user
    assert proposal.region_id == member.region_id
    assert "关于优化园区停车的建议" in member_client.get(reverse("portal:proposal_list")).content.decode()


def test_missing_content_is_a_chinese_error_on_the_field(member_client):
    response = submit(member_client, content="  ")
    assert response.status_code == 200
    assert response.context["form"].errors["content"]
    assert not Proposal.objects.exists()


def test_timeline_and_points_after_adoption(member_client, member, staff_user, make_rule):
    make_rule(trigger="proposal_adopted", points=20)
    submit(member_client)
    proposal = Proposal.objects.get()
    today = timezone.localdate()
    voice_services.transition_proposal(proposal, "under_review", by=staff_user, on=today)
    voice_services.transition_proposal(proposal, "adopted", by=staff_user, on=today, body="区发改局",
                                       form="department")
    html = member_client.get(reverse("portal:proposal_detail", args=[proposal.pk])).content.decode()
    for text in ("审核中", "已采纳", "采纳单位：区发改局", "部门采纳", "获得 20 积分"):
        assert text in html, text
    assert "建议被采纳" in member_client.get(reverse("portal:points")).content.decode()


def test_another_persons_proposal_is_404_and_not_listed(member_client, member, make_person):
    other = make_person(name="别人")
    proposal = voice_services.submit_proposal(title="别人的建议", content="内容", topic="other", channel="proposal",
                                              persons=[other], region=other.region_id, by=None)
    assert member_client.get(reverse("portal:proposal_detail", args=[proposal.pk])).status_code == 404
    assert "别人的建议" not in member_client.get(reverse("portal:proposal_list")).content.decode()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_photo_goes_with_the_proposal_and_only_its_proposer_can_open_it(member_client, member, make_member,
                                                                         client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tongxin.core.attachments import attachments_for

    submit(member_client, file=SimpleUploadedFile("现场.png", PNG, content_type="image/png"))
    proposal = Proposal.objects.get()
    [attachment] = attachments_for(proposal)
    url = reverse("portal:attachment", args=[attachment.pk])
    assert url in member_client.get(reverse("portal:proposal_detail", args=[proposal.pk])).content.decode()
    response = member_client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG

    other = make_member(name="别的会员")
    client.force_login(other.user)
    assert client.get(url).status_code == 404


def test_a_bad_file_keeps_nothing(member_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = submit(member_client, file=SimpleUploadedFile("病毒.png", b"MZ" + b"\x00" * 64))
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert "内容与扩展名不符" in response.content.decode()
    assert not Proposal.objects.exists()
