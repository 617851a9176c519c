"""The person list's bulk action “加入组织” (PersonJoinAssociationView → orgs.services.bulk_join)."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tongxin.core.models import AuditEntry
from tongxin.orgs import services as org_services
from tongxin.orgs.models import Association, Membership, MembershipStatus
from tongxin.people.models import Person

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A

D = datetime.date
TOWNSHIP_A2 = "510903002"  # 凯旋路街道, another township of 船山区
JOIN_URL = "orgs:persons_join"


@pytest.fixture
def make_association(regions):
    def factory(name="船山区新联会", region=COUNTY_A, *, level="county", founded=None, **fields):
        return org_services.save_association(Association(name=name, region_id=region, level=level, kind="01",
                                                         founded_on=founded or D(2017, 6, 28), **fields))

    return factory


@pytest.fixture
def branch(make_association):
    """A township branch: only persons of 南津路街道 (TOWNSHIP_A) may join it."""
    return make_association("南津路街道新联会", TOWNSHIP_A, level="township", founded=D(2018, 5, 20))


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _memberships(association):
    return Membership.objects.filter(association=association)


def _audit_count() -> int:
    return AuditEntry.objects.filter(content_type__model="membership").count()


def test_adds_the_selected_and_names_each_skipped_person_with_the_reason(staff_client, staff_user, branch,
                                                                         make_person):
    a, b = make_person("赵一", TOWNSHIP_A), make_person("钱二", TOWNSHIP_A)
    member, applicant = make_person("孙三", TOWNSHIP_A), make_person("李四", TOWNSHIP_A)
    outside = make_person("周五", TOWNSHIP_A2)
    org_services.add_members(association=branch, persons=[member], joined_on=D(2020, 1, 1))
    org_services.apply_membership(association=branch, person=applicant)
    back = reverse("people:person_list") + "?category=1&sort=name_pinyin&cursor=abc"
    response = staff_client.post(reverse(JOIN_URL), {
        "pk": [a.pk, b.pk, member.pk, applicant.pk, outside.pk], "join-association": branch.pk,
        "join-joined_on": "2024-03-01", "join-note": "2024年换届吸收", "next": back})
    assert response.status_code == 302 and response["Location"] == back  # same filters, sort and keyset cursor
    added = _memberships(branch).filter(joined_on=D(2024, 3, 1))
    assert {m.person for m in added} == {a, b}
    assert all(m.status == MembershipStatus.ADMITTED and m.note == "2024年换届吸收" for m in added)
    assert _memberships(branch).filter(person=member).count() == 1  # not duplicated
    assert _memberships(branch).get(person=applicant).status == MembershipStatus.APPLIED
    assert not _memberships(branch).filter(person=outside).exists()
    success, warning = _messages(response)
    assert success == "已将 2 人加入“南津路街道新联会”。"
    applied_on = _memberships(branch).get(person=applicant).applied_on.isoformat()
    assert warning == (
        "以下 3 人未加入“南津路街道新联会”。"  # reasons in the order of the checks
        "所在区划不在本组织的区划范围（南津路街道）内（1 人）：周五（凯旋路街道）；"
        "已是本组织会员，未重复添加（1 人）：孙三（2020-01-01入会）；"
        f"已提交入会申请、待审核，未重复添加（1 人）：李四（{applied_on}申请）。")
    entries = AuditEntry.objects.filter(content_type__model="membership", action=AuditEntry.CREATE,
                                        message="批量添加会员", user=staff_user)
    assert {e.object_id for e in entries} == {str(m.pk) for m in added}


def test_county_association_takes_persons_of_its_townships_and_skips_erased(staff_client, staff_user,
                                                                           make_association, make_person):
    from tongxin.people import services as people_services

    county = make_association()
    a, b = make_person("赵一", TOWNSHIP_A), make_person("钱二", TOWNSHIP_A2)
    erased = make_person("吴六", COUNTY_A)
    people_services.erase_person(erased, "本人申请删除", user=staff_user)
    response = staff_client.post(reverse(JOIN_URL), {"pk": [a.pk, b.pk, erased.pk], "join-association": county.pk,
                                                     "join-joined_on": timezone.localdate().isoformat()})
    assert response.status_code == 302 and response["Location"] == reverse("people:person_list")
    assert {m.person for m in _memberships(county)} == {a, b}
    warning = _messages(response)[1]
    assert warning == f"以下 1 人未加入“船山区新联会”。个人信息已删除，不能加入组织（1 人）：编号{erased.pk}的人士。"
    assert Person.ERASED_NAME not in warning


def test_persons_not_in_the_register_are_skipped_with_their_status(staff_client, staff_user, branch, make_person):
    from tongxin.people import services as people_services

    active = make_person("赵一", TOWNSHIP_A)
    moved, deceased = make_person("钱二", TOWNSHIP_A), make_person("孙三", TOWNSHIP_A)
    people_services.change_status(moved, "moved", D(2024, 1, 1), "调往成都工作", user=staff_user)
    people_services.change_status(deceased, "deceased", D(2024, 2, 1), "病故", user=staff_user)
    response = staff_client.post(reverse(JOIN_URL), {"pk": [active.pk, moved.pk, deceased.pk],
                                                     "join-association": branch.pk, "join-joined_on": "2024-03-01"})
    assert {m.person for m in _memberships(branch)} == {active}
    assert _messages(response) == [
        "已将 1 人加入“南津路街道新联会”。",
        "以下 2 人未加入“南津路街道新联会”。不是“在册”状态，不能加入组织（2 人）：钱二（迁出）、孙三（去世）。"]


def test_nothing_valid_adds_nothing_and_says_why(staff_client, branch, make_person):
    member = make_person("孙三", TOWNSHIP_A)
    org_services.add_members(association=branch, persons=[member], joined_on=D(2020, 1, 1))
    before = _audit_count()
    response = staff_client.post(reverse(JOIN_URL), {"pk": [member.pk], "join-association": branch.pk,
                                                     "join-joined_on": "2024-03-01"})
    assert _messages(response) == [
        "以下 1 人未加入“南津路街道新联会”。已是本组织会员，未重复添加（1 人）：孙三（2020-01-01入会）。"]
    assert _memberships(branch).count() == 1 and _audit_count() == before


def test_another_countys_person_is_404_and_nothing_is_written(staff_client, branch, make_person):
    mine, theirs = make_person("赵一", TOWNSHIP_A), make_person("安居人士", COUNTY_B)
    before = _audit_count()
    response = staff_client.post(reverse(JOIN_URL), {"pk": [mine.pk, theirs.pk], "join-association": branch.pk,
                                                     "join-joined_on": "2024-03-01"})
    assert response.status_code == 404
    assert "安居人士" not in response.content.decode()
    assert not Membership.objects.exists() and _audit_count() == before
    for bad in ("abc", "-1", "1" * 30, str(Person.objects.order_by("-pk").first().pk + 1000)):
        response = staff_client.post(reverse(JOIN_URL), {"pk": [mine.pk, bad], "join-association": branch.pk,
                                                         "join-joined_on": "2024-03-01"})
        assert response.status_code == 404, bad
    assert not Membership.objects.exists()


def test_another_countys_association_is_refused_without_naming_it(staff_client, make_association, make_person):
    theirs = make_association("安居区新联会", COUNTY_B)
    person = make_person("赵一", TOWNSHIP_A)
    before = _audit_count()
    response = staff_client.post(reverse(JOIN_URL), {"pk": [person.pk], "join-association": theirs.pk,
                                                     "join-joined_on": "2024-03-01"})
    assert response.status_code == 302
    (error,) = _messages(response)
    assert error == "加入组织：所选组织不存在、已撤销或不在您的管辖范围内，请重新选择"
    assert "安居" not in error
    assert not Membership.objects.exists() and _audit_count() == before


def test_whole_submission_refusals_write_nothing(staff_client, make_association, branch, make_person):
    person = make_person("赵一", TOWNSHIP_A)
    url = reverse(JOIN_URL)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    cases = [
        ({"join-association": branch.pk, "join-joined_on": "2024-03-01"}, "请先勾选要加入组织的人士。"),
        ({"pk": [person.pk], "join-joined_on": "2024-03-01"}, "加入组织：请选择要加入的组织"),
        ({"pk": [person.pk], "join-association": branch.pk}, "入会日期：请填写入会日期"),
        ({"pk": [person.pk], "join-association": branch.pk, "join-joined_on": tomorrow}, "入会日期不能晚于今天"),
        ({"pk": [person.pk], "join-association": branch.pk, "join-joined_on": "2018-05-19"},
         "入会日期不能早于“南津路街道新联会”的成立日期（2018-05-20）"),
    ]
    for data, message in cases:
        staff_client.cookies.pop("messages", None)  # only this request's message
        response = staff_client.post(url, data)
        assert response.status_code == 302
        assert _messages(response) == [message], data
    dissolved = make_association("已撤销的新联会", COUNTY_A, status="dissolved", dissolved_on=D(2022, 1, 1))
    staff_client.cookies.pop("messages", None)
    response = staff_client.post(url, {"pk": [person.pk], "join-association": dissolved.pk,
                                       "join-joined_on": "2024-03-01"})
    assert "所选组织不存在、已撤销" in _messages(response)[0]
    assert not Membership.objects.exists()


def test_more_than_the_limit_is_refused_with_a_message(staff_client, branch, make_person):
    person = make_person("赵一", TOWNSHIP_A)
    pks = [person.pk, *range(person.pk + 1, person.pk + 1 + org_services.BULK_JOIN_MAX)]
    response = staff_client.post(reverse(JOIN_URL), {"pk": pks, "join-association": branch.pk,
                                                     "join-joined_on": "2024-03-01"})
    assert response.status_code == 302
    assert _messages(response) == ["一次最多可将 500 人加入组织，本次选择了 501 人，请分批操作。"]
    assert not Membership.objects.exists()


def test_service_refuses_too_many_and_out_of_scope(branch, make_person, make_user):
    persons = [Person(pk=n, region_id=TOWNSHIP_A, name=f"人{n}") for n in range(1, 502)]
    with pytest.raises(ValidationError, match="一次最多可将 500 人"):
        org_services.bulk_join(association=branch, persons=persons)
    person = make_person("赵一", TOWNSHIP_A)
    with pytest.raises(PermissionDenied):
        org_services.bulk_join(association=branch, persons=[person], user=make_user("staff", COUNTY_B))
    assert not Membership.objects.exists()


def test_permission_is_needed(client, make_user, branch, make_person):
    person = make_person("赵一", TOWNSHIP_A)
    data = {"pk": [person.pk], "join-association": branch.pk, "join-joined_on": "2024-03-01"}
    leader = make_user("leader", COUNTY_A)  # sees persons and associations, may not add members
    client.force_login(leader)
    assert client.post(reverse(JOIN_URL), data).status_code == 404
    page = client.get(reverse("people:person_list")).content.decode()
    assert "join-panel" not in page and "加入组织" not in page
    assert not Membership.objects.exists()
    assert client.get(reverse(JOIN_URL)).status_code == 404
    client.logout()
    assert client.post(reverse(JOIN_URL), data).status_code == 302  # to the login page
    assert not Membership.objects.exists()


def test_association_role_sees_only_the_join_action_and_can_use_it(client, make_user, branch, make_person):
    person = make_person("赵一", TOWNSHIP_A)
    client.force_login(make_user("association", COUNTY_A))
    page = client.get(reverse("people:person_list")).content.decode()
    assert 'id="bulk-form"' in page and "join-panel" in page
    assert 'name="action"' not in page  # the registry's own bulk edits need people.change_person
    response = client.post(reverse(JOIN_URL), {"pk": [person.pk], "join-association": branch.pk,
                                               "join-joined_on": "2024-03-01"})
    assert response.status_code == 302
    assert _memberships(branch).get().person == person


def test_list_offers_the_action_with_only_associations_in_scope(staff_client, make_association, branch,
                                                               make_person):
    make_association("安居区新联会", COUNTY_B)
    make_association("已撤销的新联会", COUNTY_A, status="dissolved", dissolved_on=D(2022, 1, 1))
    make_person("赵一", TOWNSHIP_A)
    response = staff_client.get(reverse("people:person_list"), {"category": "1"})
    page = response.content.decode()
    assert 'name="pk"' in page and 'form="bulk-form"' in page and "全选本页" in page
    assert "加入组织" in page and f'formaction="{reverse(JOIN_URL)}"' in page
    assert f'<option value="{branch.pk}">南津路街道新联会（南津路街道）</option>' in page
    assert "安居区新联会" not in page and "已撤销的新联会" not in page
    assert f'name="join-joined_on" value="{timezone.localdate().isoformat()}"' in page
    assert 'name="next" value="/people/?category=1"' in page
