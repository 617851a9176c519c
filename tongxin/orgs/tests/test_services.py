import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from tongxin.core.models import AuditEntry
from tongxin.orgs import selectors, services
from tongxin.orgs.models import (
    Association,
    AssociationStatus,
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
    Team,
    TeamKind,
)

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, D

PDF = b"%PDF-1.4\n%test\n"


def test_application_review_admit_and_end(county_association, make_person, staff_user):
    person = make_person("王芳")
    membership = services.apply_membership(association=county_association, person=person, applied_on=D(2024, 3, 1),
                                           user=staff_user)
    assert membership.status == MembershipStatus.APPLIED and membership.joined_on is None
    with pytest.raises(ValidationError, match="已是"):
        services.apply_membership(association=county_association, person=person)
    assert selectors.member_count(county_association, D(2024, 6, 1)) == 0

    membership = services.review_membership(membership, approve=True, reviewer=staff_user, joined_on=D(2024, 4, 1))
    assert membership.status == MembershipStatus.ADMITTED and membership.reviewed_by == staff_user
    assert selectors.member_count(county_association, D(2024, 3, 31)) == 0
    assert selectors.member_count(county_association, D(2024, 4, 1)) == 1
    with pytest.raises(ValidationError, match="不是待审核"):
        services.review_membership(membership, approve=True, reviewer=staff_user)

    with pytest.raises(ValidationError, match="早于入会日期"):
        services.end_membership(membership, left_on=D(2024, 3, 1))
    services.end_membership(membership, left_on=D(2025, 2, 1), reason="工作调动", user=staff_user)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.LEFT
    assert selectors.member_count(county_association, D(2025, 1, 31)) == 1
    assert selectors.member_count(county_association, D(2025, 2, 1)) == 0
    # after leaving, a new application is possible
    services.apply_membership(association=county_association, person=person)
    history = AuditEntry.objects.filter(object_id=str(membership.pk), content_type__model="membership")
    assert {e.action for e in history} >= {AuditEntry.CREATE, AuditEntry.UPDATE}
    assert history.filter(user=staff_user).exists()


def test_rejection_needs_a_reason(county_association, make_person, staff_user):
    membership = services.apply_membership(association=county_association, person=make_person())
    with pytest.raises(ValidationError):
        services.review_membership(membership, approve=False, reviewer=staff_user)
    membership = services.review_membership(membership, approve=False, reviewer=staff_user, note="材料不全")
    assert membership.status == MembershipStatus.REJECTED and membership.review_note == "材料不全"
    assert selectors.member_count(county_association, timezone.localdate()) == 0


def test_a_person_can_belong_to_several_associations(county_association, branch, make_person):
    person = make_person()
    services.add_members(association=county_association, persons=[person], joined_on=D(2020, 1, 1))
    services.add_members(association=branch, persons=[person], joined_on=D(2021, 1, 1))
    assert Membership.objects.filter(person=person, status=MembershipStatus.ADMITTED).count() == 2
    rows = selectors.members_on(D(2022, 1, 1), region_prefix=COUNTY_A)
    assert rows.count() == 2 and rows.values("person_id").distinct().count() == 1


def test_add_members_skips_existing_and_is_audited(county_association, make_person, staff_user):
    a, b, c = make_person("甲"), make_person("乙"), make_person("丙")
    services.apply_membership(association=county_association, person=c)
    created, skipped = services.add_members(association=county_association, persons=[a, b, b, c],
                                            joined_on=D(2023, 5, 1), user=staff_user)
    assert {m.person for m in created} == {a, b} and skipped == [c]
    created, skipped = services.add_members(association=county_association, persons=[a], user=staff_user)
    assert created == [] and skipped == [a]
    assert AuditEntry.objects.filter(action=AuditEntry.CREATE, content_type__model="membership",
                                     message="批量添加会员", user=staff_user).count() == 2
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.add_members(association=county_association, persons=[make_person()],
                             joined_on=timezone.localdate() + datetime.timedelta(days=1))


def test_persons_who_are_not_in_the_register_cannot_join(county_association, make_person, staff_user):
    """Moved out, withdrawn or deceased (迁出、退出、去世): no application, no admission, no bulk add; an
    application pending when the person's status changed cannot be approved (only rejected)."""
    from tongxin.people.services import change_status

    moved, deceased, applicant = make_person("迁出者"), make_person("故去者"), make_person("申请者")
    moved = change_status(moved, "moved", D(2024, 1, 1), "调往成都工作", user=staff_user)
    deceased = change_status(deceased, "deceased", D(2024, 2, 1), "病故", user=staff_user)
    with pytest.raises(ValidationError, match="迁出者的状态为“迁出”，不能加入组织"):
        services.apply_membership(association=county_association, person=moved)
    with pytest.raises(ValidationError, match="不是“在册”状态，不能加入组织：迁出者（迁出）、故去者（去世）"):
        services.add_members(association=county_association, persons=[make_person("在册者"), moved, deceased])
    assert not Membership.objects.exists()  # the active one of that call was not added either

    membership = services.apply_membership(association=county_association, person=applicant, applied_on=D(2024, 3, 1))
    change_status(applicant, "deceased", D(2024, 3, 5), "病故", user=staff_user)
    with pytest.raises(ValidationError, match="状态已变为“去世”，不能入会；请不予通过"):
        services.review_membership(membership, approve=True, reviewer=staff_user, joined_on=D(2024, 4, 1))
    membership = services.review_membership(membership, approve=False, reviewer=staff_user, note="本人已去世")
    assert membership.status == MembershipStatus.REJECTED


def test_dissolving_ends_memberships_terms_and_applications(county_association, branch, make_person):
    member, applicant, officer = make_person("甲"), make_person("乙"), make_person("丙")
    services.add_members(association=branch, persons=[member, officer], joined_on=D(2019, 1, 1))
    services.apply_membership(association=branch, person=applicant)
    services.save_officer_term(OfficerTerm(association=branch, person=officer, role=OfficerRole.PRESIDENT,
                                           started_on=D(2019, 1, 1)))
    services.save_council_term(CouncilTerm(association=branch, number=1, started_on=D(2019, 1, 1),
                                           due_on=D(2024, 1, 1)))
    with pytest.raises(ValidationError, match="下级组织"):
        county_association.status, county_association.dissolved_on = AssociationStatus.DISSOLVED, D(2025, 1, 1)
        services.save_association(county_association)
    branch.status = AssociationStatus.DISSOLVED
    with pytest.raises(ValidationError, match="撤销日期"):
        services.save_association(branch)
    branch.dissolved_on = D(2025, 3, 1)
    services.save_association(branch)
    assert not Membership.objects.filter(association=branch, status__in=("applied", "admitted")).exists()
    assert Membership.objects.get(person=member).left_on == D(2025, 3, 1)
    assert Membership.objects.get(person=applicant).status == MembershipStatus.REJECTED
    assert OfficerTerm.objects.get(person=officer).ended_on == D(2025, 3, 1)
    assert CouncilTerm.objects.get(association=branch).ended_on == D(2025, 3, 1)
    assert selectors.member_count(branch, D(2025, 2, 28)) == 2
    assert selectors.member_count(branch, D(2025, 3, 1)) == 0
    with pytest.raises(ValidationError, match="已撤销"):
        services.add_members(association=branch, persons=[make_person()])


def test_association_checks(county_association, make_association):
    with pytest.raises(ValidationError) as info:
        make_association("安居分会", COUNTY_B, level="township", parent=county_association)
    assert "区划范围" in str(info.value)
    with pytest.raises(ValidationError):
        make_association("无类型", kind="zz")
    child = make_association("南津路街道分会", TOWNSHIP_A, level="township", parent=county_association)
    county_association.parent = child
    with pytest.raises(ValidationError, match="下级组织"):
        services.save_association(county_association)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        make_association("未来", founded=timezone.localdate() + datetime.timedelta(days=2))


def test_tree_orders_branches_under_their_parent(county_association, branch, make_association, make_person):
    other = make_association("安居区新联会", COUNTY_B)
    services.add_members(association=branch, persons=[make_person()], joined_on=D(2020, 1, 1))
    nodes = selectors.association_tree(Association.objects.all(), day=D(2024, 1, 1))
    assert [(n.association.name, n.depth) for n in nodes if n.association != other] == [
        ("船山区新联会", 0), ("南津路街道分会", 1)]
    assert next(n for n in nodes if n.association == branch).members == 1
    scoped = selectors.association_tree(Association.objects.filter(pk=branch.pk), day=D(2024, 1, 1))
    assert [(n.association.name, n.depth) for n in scoped] == [("南津路街道分会", 0)]


def test_council_terms_and_overdue(county_association, branch):
    first = services.save_council_term(CouncilTerm(association=county_association, number=1,
                                                   started_on=D(2017, 6, 28), due_on=D(2022, 6, 28)))
    services.save_council_term(CouncilTerm(association=branch, number=1, started_on=D(2018, 5, 20),
                                           due_on=D(2023, 5, 20)))
    today = D(2024, 1, 1)
    overdue = set(selectors.overdue_council_terms(CouncilTerm.objects.all(), today).values_list(
        "association__name", flat=True))
    assert overdue == {"船山区新联会", "南津路街道分会"}
    second = services.save_council_term(CouncilTerm(association=county_association, number=2,
                                                    started_on=D(2022, 7, 15), due_on=D(2027, 7, 15)))
    first.refresh_from_db()
    assert first.ended_on == D(2022, 7, 15)
    assert set(selectors.overdue_council_terms(CouncilTerm.objects.all(), today).values_list(
        "association__name", flat=True)) == {"南津路街道分会"}
    assert not selectors.is_overdue(second, today)
    with pytest.raises(ValidationError, match="已有第2届"):
        services.save_council_term(CouncilTerm(association=county_association, number=2,
                                               started_on=D(2023, 1, 1), due_on=D(2028, 1, 1)))
    with pytest.raises(ValidationError, match="应晚于"):
        services.save_council_term(CouncilTerm(association=county_association, number=3,
                                               started_on=D(2023, 1, 1), due_on=D(2023, 1, 1)))


def test_officer_terms(county_association, branch, make_person):
    term = services.save_council_term(CouncilTerm(association=branch, number=1, started_on=D(2018, 5, 20),
                                                  due_on=D(2023, 5, 20)))
    with pytest.raises(ValidationError, match="不属于该组织"):
        services.save_officer_term(OfficerTerm(association=county_association, person=make_person(),
                                               role=OfficerRole.VICE_PRESIDENT, started_on=D(2020, 1, 1),
                                               council_term=term))
    with pytest.raises(ValidationError, match="离任日期"):
        services.save_officer_term(OfficerTerm(association=county_association, person=make_person(),
                                               role=OfficerRole.VICE_PRESIDENT, started_on=D(2020, 1, 1),
                                               ended_on=D(2019, 1, 1)))
    officer = services.save_officer_term(OfficerTerm(association=county_association, person=make_person(),
                                                     role=OfficerRole.VICE_PRESIDENT, started_on=D(2020, 1, 1),
                                                     ended_on=D(2022, 1, 1)))
    assert list(selectors.officers_on(D(2021, 1, 1))) == [officer]
    assert list(selectors.officers_on(D(2022, 1, 1))) == []


def test_fund_ledger_is_append_only_and_in_decimal(county_association, staff_user):
    allocation = services.add_fund_entry(association=county_association, kind=FundKind.ALLOCATION,
                                         amount="30000", date=D(2024, 3, 1), source_department="船山区委统战部",
                                         user=staff_user)
    assert allocation.amount == Decimal("30000.00") and allocation.entered_by == staff_user
    spent = services.add_fund_entry(association=county_association, kind=FundKind.EXPENDITURE,
                                    amount=Decimal("1234.56"), date=D(2024, 5, 1), purpose="会员培训班")
    services.add_fund_entry(association=county_association, kind=FundKind.EXPENDITURE, amount="0.10",
                            date=D(2024, 5, 2), purpose="邮费")
    services.add_fund_entry(association=county_association, kind=FundKind.EXPENDITURE, amount="0.20",
                            date=D(2024, 5, 3), purpose="邮费")
    totals = selectors.fund_totals(FundEntry.objects.filter(association=county_association))
    assert totals == {"allocated": Decimal("30000.00"), "spent": Decimal("1234.86"),
                      "balance": Decimal("28765.14")}
    for bad, message in (("1.234", "两位小数"), ("-5", "大于 0"), ("0", "大于 0"), ("abc", "数字"),
                         ("100000000000", "过大")):
        with pytest.raises(ValidationError, match=message):
            services.add_fund_entry(association=county_association, kind=FundKind.EXPENDITURE, amount=bad,
                                    date=D(2024, 5, 1), purpose="x")
    with pytest.raises(ValidationError, match="拨付单位"):
        services.add_fund_entry(association=county_association, kind=FundKind.ALLOCATION, amount="1",
                                date=D(2024, 5, 1))
    with pytest.raises(ValidationError, match="用途"):
        services.add_fund_entry(association=county_association, kind=FundKind.EXPENDITURE, amount="1",
                                date=D(2024, 5, 1))

    spent.amount = Decimal("1")
    with pytest.raises(PermissionDenied):
        spent.save()
    with pytest.raises(PermissionDenied):
        spent.delete()

    reversal = services.reverse_fund_entry(spent, reason="重复录入", user=staff_user)
    assert reversal.amount == Decimal("-1234.56") and reversal.kind == FundKind.EXPENDITURE
    assert reversal.date == D(2024, 5, 1) and reversal.reverses_id == spent.pk
    with pytest.raises(ValidationError, match="已冲正"):
        services.reverse_fund_entry(spent, reason="再次")
    with pytest.raises(ValidationError, match="不能再次冲正"):
        services.reverse_fund_entry(reversal, reason="再次")
    with pytest.raises(ValidationError, match="冲正原因"):
        services.reverse_fund_entry(allocation, reason=" ")
    totals = selectors.fund_totals(FundEntry.objects.filter(association=county_association))
    assert totals["balance"] == Decimal("29999.70")
    ledger = list(selectors.ledger(county_association))
    assert ledger[0].balance_after == Decimal("29999.70")
    assert [e.balance_after for e in reversed(ledger)] == [
        Decimal("30000.00"), Decimal("28765.44"), Decimal("30000.00"), Decimal("29999.90"), Decimal("29999.70")]


def test_fund_attachment_is_checked(county_association):
    with pytest.raises(ValidationError, match="格式"):
        services.add_fund_entry(association=county_association, kind=FundKind.EXPENDITURE, amount="1",
                                date=D(2024, 5, 1), purpose="x",
                                attachment=SimpleUploadedFile("a.exe", b"MZ"))
    entry = services.add_fund_entry(association=county_association, kind=FundKind.EXPENDITURE, amount="1",
                                    date=D(2024, 5, 1), purpose="x",
                                    attachment=SimpleUploadedFile("发票.pdf", PDF))
    assert entry.attachment_name == "发票.pdf" and "发票" not in entry.attachment.name


def test_rule_documents_are_checked_and_stored_under_random_names(county_association, regions):
    with pytest.raises(ValidationError, match="格式"):
        services.save_rule(Rule(association=county_association, title="制度", effective_from=D(2020, 1, 1)),
                           document=SimpleUploadedFile("rule.html", b"<html>"))
    with pytest.raises(ValidationError, match="内容与扩展名不符"):
        services.save_rule(Rule(association=county_association, title="制度", effective_from=D(2020, 1, 1)),
                           document=SimpleUploadedFile("rule.pdf", b"<html>not a pdf"))
    with override_settings(TONGXIN_MAX_UPLOAD_BYTES=10), pytest.raises(ValidationError, match="不能超过"):
        services.save_rule(Rule(association=county_association, title="制度", effective_from=D(2020, 1, 1)),
                           document=SimpleUploadedFile("rule.pdf", PDF))
    rule = services.save_rule(Rule(association=county_association, title="联席会议制度",
                                   effective_from=D(2020, 1, 1)), document=SimpleUploadedFile("联席会议制度.pdf", PDF))
    assert rule.region_id == COUNTY_A and rule.document_name == "联席会议制度.pdf"
    assert rule.document.name.startswith("orgs/rules/") and "联席" not in rule.document.name
    old = rule.document.name
    rule = services.save_rule(rule, document=SimpleUploadedFile("v2.docx", b"PK\x03\x04rest"))
    assert not rule.document.storage.exists(old)
    with pytest.raises(ValidationError, match="制定部门"):
        services.save_rule(Rule(region_id=COUNTY_A, title="部门制度", effective_from=D(2020, 1, 1)))
    services.save_rule(Rule(region_id=COUNTY_A, department="船山区委统战部", title="部门制度",
                            effective_from=D(2020, 1, 1)))
    with pytest.raises(ValidationError, match="废止日期"):
        services.save_rule(Rule(region_id=COUNTY_A, department="部", title="x", effective_from=D(2020, 1, 1),
                                effective_to=D(2019, 1, 1)))


def test_liaison_post_checks(regions, make_user, make_person):
    user = make_user("liaison", TOWNSHIP_A, display_name="王建国")
    post = services.save_liaison_post(LiaisonPost(kind=PostKind.COMMITTEE_MEMBER, unit_type=PostUnit.TOWNSHIP,
                                                  region_id=TOWNSHIP_A, holder_user=user, since=D(2022, 1, 1)))
    assert post.holder_name == "王建国"
    with pytest.raises(ValidationError, match="应设在"):
        services.save_liaison_post(LiaisonPost(kind=PostKind.COMMITTEE_MEMBER, unit_type=PostUnit.COMMUNITY,
                                               region_id=TOWNSHIP_A, holder_name="张", since=D(2022, 1, 1)))
    with pytest.raises(ValidationError, match="乡镇/街道"):
        services.save_liaison_post(LiaisonPost(kind=PostKind.COMMITTEE_MEMBER, unit_type=PostUnit.TOWNSHIP,
                                               region_id=COUNTY_A, holder_name="张", since=D(2022, 1, 1)))
    with pytest.raises(ValidationError, match="任职人"):
        services.save_liaison_post(LiaisonPost(kind=PostKind.COMMITTEE_MEMBER, unit_type=PostUnit.TOWNSHIP,
                                               region_id=TOWNSHIP_A, since=D(2022, 1, 1)))
    with pytest.raises(ValidationError, match="园区或高校名称"):
        services.save_liaison_post(LiaisonPost(kind=PostKind.COMMITTEE_MEMBER, unit_type=PostUnit.PARK,
                                               region_id=COUNTY_A, holder_name="张", since=D(2022, 1, 1)))
    person = make_person("李联络")
    from tongxin.core.services import save_region

    community = save_region(code="510903001001", name="滨江社区")
    post = services.save_liaison_post(LiaisonPost(kind=PostKind.LIAISON_OFFICER, unit_type=PostUnit.COMMUNITY,
                                                  region_id=community.code, holder_person=person,
                                                  since=D(2023, 1, 1)))
    assert post.holder_name == "李联络"


def test_coverage_counts_gaps_per_county_and_township(regions):
    from tongxin.core.models import Region
    from tongxin.core.services import save_region

    save_region(code="510903001001", name="滨江社区")
    save_region(code="510903001002", name="南坝社区")
    save_region(code="510903002001", name="凯旋社区")
    townships = list(Region.objects.filter(parent_id=COUNTY_A, level=4).values_list("code", flat=True))
    for code in townships[:-2]:
        LiaisonPost.objects.create(kind=PostKind.COMMITTEE_MEMBER, unit_type=PostUnit.TOWNSHIP, region_id=code,
                                   holder_name="委员", since=D(2020, 1, 1))
    LiaisonPost.objects.create(kind=PostKind.COMMITTEE_MEMBER, unit_type=PostUnit.TOWNSHIP,
                               region_id=townships[-1], holder_name="离任", since=D(2020, 1, 1),
                               until=D(2024, 1, 1))
    LiaisonPost.objects.create(kind=PostKind.LIAISON_OFFICER, unit_type=PostUnit.COMMUNITY,
                               region_id="510903001001", holder_name="联络员", since=D(2020, 1, 1))
    result = selectors.coverage(COUNTY_A, D(2025, 1, 1))
    assert (result.total.townships, result.total.townships_covered) == (len(townships), len(townships) - 2)
    assert [r.code for r in result.township_gaps] == townships[-2:]
    assert (result.total.communities, result.total.communities_covered) == (3, 1)
    assert {r.name for r in result.community_gaps} == {"南坝社区", "凯旋社区"}
    nanjin = next(a for a in result.townships if a.region.code == TOWNSHIP_A)
    assert (nanjin.communities, nanjin.communities_covered, [g.name for g in nanjin.gaps]) == (2, 1, ["南坝社区"])
    assert [c.region.code for c in result.counties] == [COUNTY_A]
    city = selectors.coverage("5109", D(2025, 1, 1))
    anju = next(c for c in city.counties if c.region.code == COUNTY_B)
    assert anju.townships_covered == 0 and anju.townships > 0
    # before the post holder left, the last township was covered
    assert len(selectors.coverage(COUNTY_A, D(2023, 1, 1)).township_gaps) == 1


def test_team_members_and_leader(regions, make_person, staff_user):
    leader, a, b = make_person("队长"), make_person("甲"), make_person("乙")
    team = services.save_team(Team(name="滨江社区统战工作先锋队", kind=TeamKind.PIONEER, region_id=TOWNSHIP_A,
                                   leader=leader, founded_on=D(2021, 1, 1)), members=[a], user=staff_user)
    assert set(team.members.all()) == {leader, a}
    services.save_team(team, members=[b], user=staff_user)
    assert set(team.members.all()) == {leader, b}
    assert AuditEntry.objects.filter(object_id=str(team.pk), content_type__model="team",
                                     message__startswith="队员").exists()
    team.dissolved_on = D(2020, 1, 1)
    with pytest.raises(ValidationError, match="撤销日期"):
        services.save_team(team)
