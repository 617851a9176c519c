import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tongxin.core.models import AuditEntry
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
    Team,
    TeamKind,
)

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, D

PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture
def world(county_association, branch, make_association, make_person, staff_user):
    """Records of both counties: what the 船山区 user may see and what it may not."""
    anju = make_association("安居区新联会", COUNTY_B, founded=D(2020, 11, 18))
    zhang, li = make_person("张嘉骊", TOWNSHIP_A), make_person("李四")
    wang = make_person("王安居", COUNTY_B)
    services.add_members(association=county_association, persons=[zhang, li], joined_on=D(2020, 1, 1))
    services.add_members(association=anju, persons=[wang], joined_on=D(2021, 1, 1))
    applicant = services.apply_membership(association=branch, person=make_person("申请人"))
    term = services.save_council_term(CouncilTerm(association=branch, number=1, started_on=D(2018, 5, 20),
                                                  due_on=D(2023, 5, 20)))
    officer = services.save_officer_term(OfficerTerm(association=county_association, person=zhang,
                                                     role=OfficerRole.VICE_PRESIDENT, started_on=D(2025, 3, 26)))
    rule = services.save_rule(Rule(association=county_association, title="联席会议制度", effective_from=D(2018, 1, 1)),
                              document=SimpleUploadedFile("联席会议制度.pdf", PDF))
    anju_rule = services.save_rule(Rule(association=anju, title="安居制度", effective_from=D(2021, 1, 1)),
                                   document=SimpleUploadedFile("安居.pdf", PDF))
    entry = services.add_fund_entry(association=county_association, kind=FundKind.ALLOCATION, amount="36000",
                                    date=D(2024, 3, 1), source_department="船山区委统战部")
    anju_entry = services.add_fund_entry(association=anju, kind=FundKind.ALLOCATION, amount="15000",
                                         date=D(2021, 4, 1), source_department="安居区委统战部",
                                         attachment=SimpleUploadedFile("a.pdf", PDF))
    post = services.save_liaison_post(LiaisonPost(kind=PostKind.COMMITTEE_MEMBER, unit_type=PostUnit.TOWNSHIP,
                                                  region_id=TOWNSHIP_A, holder_name="王建国", since=D(2022, 1, 1)))
    anju_post = services.save_liaison_post(LiaisonPost(kind=PostKind.COMMITTEE_MEMBER,
                                                       unit_type=PostUnit.TOWNSHIP, region_id="510904001",
                                                       holder_name="赵安居", since=D(2022, 1, 1)))
    team = services.save_team(Team(name="滨江社区统战工作先锋队", kind=TeamKind.PIONEER, region_id=TOWNSHIP_A,
                                   leader=li, founded_on=D(2021, 1, 1)), members=[zhang])
    anju_team = services.save_team(Team(name="柔刚先锋队", kind=TeamKind.PIONEER, region_id=COUNTY_B,
                                        founded_on=D(2021, 1, 1)), members=[wang])
    return {
        "county": county_association, "branch": branch, "anju": anju, "zhang": zhang, "li": li, "wang": wang,
        "applicant": applicant, "term": term, "officer": officer, "rule": rule, "anju_rule": anju_rule,
        "entry": entry, "anju_entry": anju_entry, "post": post, "anju_post": anju_post, "team": team,
        "anju_team": anju_team, "anju_membership": Membership.objects.get(person=wang),
    }


def test_pages_render_and_list_only_the_users_scope(staff_client, world):
    pages = {
        "orgs:association_list": ("船山区新联会", "安居区新联会"),
        "orgs:association_tree": ("南津路街道分会", "安居区新联会"),
        "orgs:membership_list": ("张嘉骊", "王安居"),
        "orgs:officerterm_list": ("张嘉骊", "安居"),
        "orgs:councilterm_list": ("南津路街道分会", "安居"),
        "orgs:rule_list": ("联席会议制度", "安居制度"),
        "orgs:fundentry_list": ("36,000.00", "15,000.00"),
        "orgs:liaisonpost_list": ("王建国", "赵安居"),
        "orgs:liaison_coverage": ("王建国", "赵安居"),
        "orgs:team_list": ("滨江社区统战工作先锋队", "柔刚先锋队"),
    }
    for name, (shown, hidden) in pages.items():
        response = staff_client.get(reverse(name))
        assert response.status_code == 200, name
        assert shown in response.text, name
        assert hidden not in response.text, name


def test_out_of_scope_records_are_404(client, other_staff_user, world):
    """A 安居区 user cannot open, change or delete 船山区 records (and vice versa for the 安居区 samples)."""
    client.force_login(other_staff_user)
    urls = [
        reverse("orgs:association_detail", args=[world["county"].pk]),
        reverse("orgs:association_detail", args=[world["county"].pk]) + "?tab=members",
        reverse("orgs:association_edit", args=[world["county"].pk]),
        reverse("orgs:association_delete", args=[world["county"].pk]),
        reverse("orgs:membership_detail", args=[world["applicant"].pk]),
        reverse("orgs:membership_review", args=[world["applicant"].pk]),
        reverse("orgs:officerterm_detail", args=[world["officer"].pk]),
        reverse("orgs:councilterm_detail", args=[world["term"].pk]),
        reverse("orgs:rule_detail", args=[world["rule"].pk]),
        reverse("orgs:rule_document", args=[world["rule"].pk]),
        reverse("orgs:fundentry_detail", args=[world["entry"].pk]),
        reverse("orgs:fundentry_reverse", args=[world["entry"].pk]),
        reverse("orgs:liaisonpost_detail", args=[world["post"].pk]),
        reverse("orgs:team_detail", args=[world["team"].pk]),
        reverse("orgs:membership_import") + f"?association={world['county'].pk}",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("orgs:association_add_members", args=[world["county"].pk]),
                           {"persons": [world["wang"].pk], "mode": "admit"})
    assert response.status_code == 404
    assert client.post(reverse("orgs:membership_review", args=[world["applicant"].pk]),
                       {"decision": "approve"}).status_code == 404
    world["applicant"].refresh_from_db()
    assert world["applicant"].status == MembershipStatus.APPLIED
    assert client.post(reverse("orgs:fundentry_reverse", args=[world["entry"].pk]),
                       {"reason": "x"}).status_code == 404
    assert not FundEntry.objects.filter(reverses=world["entry"]).exists()
    assert client.post(reverse("orgs:association_delete", args=[world["county"].pk])).status_code == 404
    assert Association.objects.filter(pk=world["county"].pk).exists()
    # their own records open
    assert client.get(reverse("orgs:association_detail", args=[world["anju"].pk])).status_code == 200
    assert client.get(reverse("orgs:rule_document", args=[world["anju_rule"].pk])).status_code == 200


def test_association_page_tabs(staff_client, world):
    url = reverse("orgs:association_detail", args=[world["county"].pk])
    text = staff_client.get(url).text
    assert "南津路街道分会" in text and "新联会" in text
    response = staff_client.get(url, {"tab": "members"})
    assert "张嘉骊" in response.text and "李四" in response.text and response.context["member_total"] == 2
    assert staff_client.get(url, {"tab": "members", "as_of": "2019-12-31"}).context["member_total"] == 0
    assert "添加会员" in response.text
    assert "副会长" in staff_client.get(url, {"tab": "officers"}).text
    assert "联席会议制度" in staff_client.get(url, {"tab": "rules"}).text
    response = staff_client.get(url, {"tab": "funds"})
    assert "36,000.00" in response.text
    branch_url = reverse("orgs:association_detail", args=[world["branch"].pk])
    response = staff_client.get(branch_url, {"tab": "council"})
    assert "换届逾期" in response.text
    assert "申请人" in staff_client.get(branch_url, {"tab": "members"}).text
    assert staff_client.get(url, {"tab": "nonsense"}).status_code == 200


def test_add_members_from_the_association_page(staff_client, world, make_person, staff_user):
    new = make_person("新会员")
    url = reverse("orgs:association_add_members", args=[world["county"].pk])
    response = staff_client.post(url, {"persons": [new.pk, world["zhang"].pk], "mode": "admit",
                                       "joined_on": "2025-05-01"})
    assert response.status_code == 302 and response.url.endswith("?tab=members")
    membership = Membership.objects.get(person=new)
    assert membership.status == MembershipStatus.ADMITTED and membership.joined_on == D(2025, 5, 1)
    assert Membership.objects.filter(person=world["zhang"], association=world["county"]).count() == 1
    # a person of another county cannot be picked
    staff_client.post(url, {"persons": [world["wang"].pk], "mode": "admit"})
    assert not Membership.objects.filter(person=world["wang"], association=world["county"]).exists()
    staff_client.post(url, {"persons": [make_person("待审").pk], "mode": "apply"})
    assert Membership.objects.get(person__name="待审").status == MembershipStatus.APPLIED
    assert AuditEntry.objects.filter(content_type__model="membership", user=staff_user).exists()


def test_review_and_end_membership_pages(staff_client, world):
    url = reverse("orgs:membership_review", args=[world["applicant"].pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {"decision": "reject"})
    assert response.status_code == 200 and "理由" in response.text
    response = staff_client.post(url, {"decision": "approve", "joined_on": "2025-01-02"})
    assert response.status_code == 200 and "入会日期不能早于申请日期" in response.text
    today = timezone.localdate()
    response = staff_client.post(url, {"decision": "approve", "joined_on": today.isoformat()})
    assert response.status_code == 302
    membership = Membership.objects.get(pk=world["applicant"].pk)
    assert membership.status == MembershipStatus.ADMITTED and membership.joined_on == today
    end = reverse("orgs:membership_end", args=[membership.pk])
    assert staff_client.post(end, {"left_on": today.isoformat(), "reason": "迁出"}).status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.LEFT
    detail = staff_client.get(reverse("orgs:membership_detail", args=[membership.pk]))
    assert "已退会" in detail.text and end not in detail.text


def test_permissions_by_role(client, make_user, world):
    liaison = make_user("liaison", COUNTY_A)
    client.force_login(liaison)
    assert client.get(reverse("orgs:association_list")).status_code == 200
    assert client.get(reverse("orgs:association_add")).status_code == 404
    assert client.post(reverse("orgs:association_add_members", args=[world["county"].pk]),
                       {"persons": [world["li"].pk], "mode": "admit"}).status_code == 404
    assert client.get(reverse("orgs:fundentry_add")).status_code == 404
    assert client.get(reverse("orgs:membership_review", args=[world["applicant"].pk])).status_code == 404
    text = client.get(reverse("orgs:association_detail", args=[world["county"].pk]), {"tab": "members"}).text
    assert "添加会员" not in text
    officer = make_user("association", COUNTY_A)
    client.force_login(officer)
    assert client.get(reverse("orgs:fundentry_add")).status_code == 200
    assert client.get(reverse("orgs:association_delete", args=[world["county"].pk])).status_code == 404
    leader = make_user("leader", COUNTY_A)
    client.force_login(leader)
    assert client.get(reverse("orgs:association_detail", args=[world["county"].pk])).status_code == 200
    assert client.get(reverse("orgs:team_add")).status_code == 404
    member = make_user("member", COUNTY_A)
    client.force_login(member)
    assert client.get(reverse("orgs:association_list")).status_code == 404


def test_association_form_creates_and_dissolves(staff_client, world):
    response = staff_client.post(reverse("orgs:association_add"), {
        "name": "船山区新联会嘉禾街道分会", "kind": "01", "level": "township", "parent": world["county"].pk,
        "region": "510903007", "founded_on": "2021-06-01", "status": "active"})
    assert response.status_code == 302
    created = Association.objects.get(name="船山区新联会嘉禾街道分会")
    assert created.parent == world["county"]
    response = staff_client.post(reverse("orgs:association_add"), {
        "name": "越界分会", "kind": "01", "level": "township", "parent": world["county"].pk,
        "region": COUNTY_A, "founded_on": "2030-01-01", "status": "active"})
    assert response.status_code == 200 and "不能晚于今天" in response.text
    response = staff_client.post(reverse("orgs:association_add"), {
        "name": "安居分会", "kind": "01", "level": "township", "region": COUNTY_B, "founded_on": "2021-01-01",
        "status": "active"})
    assert response.status_code == 200 and not Association.objects.filter(name="安居分会").exists()
    response = staff_client.post(reverse("orgs:association_edit", args=[created.pk]), {
        "name": created.name, "kind": "01", "level": "township", "parent": world["county"].pk,
        "region": "510903007", "founded_on": "2021-06-01", "status": "dissolved", "dissolved_on": "2025-01-01"})
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.status == "dissolved"


def test_fund_pages_add_and_reverse(staff_client, world):
    url = reverse("orgs:fundentry_add")
    response = staff_client.post(url, {"association": world["county"].pk, "kind": "expenditure",
                                       "amount": "1234.5", "date": "2024-05-01", "purpose": "会员培训班",
                                       "attachment": SimpleUploadedFile("票据.png", b"\x89PNG\r\n\x1a\nxx")})
    assert response.status_code == 302
    entry = FundEntry.objects.get(purpose="会员培训班")
    assert str(entry.amount) == "1234.50" and entry.attachment_name == "票据.png"
    attachment = staff_client.get(reverse("orgs:fundentry_attachment", args=[entry.pk]))
    assert attachment.status_code == 200 and attachment["Content-Type"] == "image/png"
    assert b"".join(attachment.streaming_content).startswith(b"\x89PNG")
    response = staff_client.post(url, {"association": world["county"].pk, "kind": "allocation", "amount": "100",
                                       "date": "2024-05-01"})
    assert response.status_code == 200 and "拨付单位" in response.text
    response = staff_client.post(url, {"association": world["anju"].pk, "kind": "allocation", "amount": "100",
                                       "date": "2024-05-01", "source_department": "x"})
    assert response.status_code == 200 and not FundEntry.objects.filter(amount=100).exists()
    reverse_url = reverse("orgs:fundentry_reverse", args=[entry.pk])
    assert staff_client.post(reverse_url, {"reason": "金额录错"}).status_code == 302
    assert FundEntry.objects.get(reverses=entry).amount == -entry.amount
    detail = staff_client.get(reverse("orgs:fundentry_detail", args=[entry.pk])).text
    assert "已冲正" in detail and reverse_url not in detail
    assert not [p for p in ("fundentry_edit", "fundentry_delete") if _resolves(p)]


def _resolves(name: str) -> bool:
    try:
        reverse(f"orgs:{name}", args=[1])
    except Exception:  # noqa: BLE001
        return False
    return True


def test_rule_upload_and_permission_checked_download(staff_client, world, client, make_user):
    response = staff_client.post(reverse("orgs:rule_add"), {
        "association": world["county"].pk, "title": "会员管理办法", "category": "membership",
        "effective_from": "2019-01-01", "upload": SimpleUploadedFile("会员管理办法.docx", b"PK\x03\x04xx")})
    assert response.status_code == 302
    rule = Rule.objects.get(title="会员管理办法")
    assert rule.region_id == COUNTY_A and rule.document_name == "会员管理办法.docx"
    response = staff_client.get(reverse("orgs:rule_document", args=[rule.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    pdf = staff_client.get(reverse("orgs:rule_document", args=[world["rule"].pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf["Content-Disposition"].startswith("inline")
    assert rule.document.url not in staff_client.get(reverse("orgs:rule_detail", args=[rule.pk])).text
    response = staff_client.post(reverse("orgs:rule_add"), {
        "association": world["county"].pk, "title": "坏文件", "category": "other", "effective_from": "2019-01-01",
        "upload": SimpleUploadedFile("x.exe", b"MZ")})
    assert response.status_code == 200 and "只能上传" in response.text
    member = make_user("member", COUNTY_A)
    client.force_login(member)
    assert client.get(reverse("orgs:rule_document", args=[rule.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("orgs:rule_document", args=[rule.pk])).status_code == 302


def test_liaison_post_and_team_forms(staff_client, world, make_person):
    response = staff_client.get(reverse("orgs:liaisonpost_add"), {"region": "510903108", "kind": "committee"})
    assert response.status_code == 200
    response = staff_client.post(reverse("orgs:liaisonpost_add"), {
        "kind": "committee", "unit_type": "township", "region": "510903108", "holder_name": "刘保升",
        "since": "2024-01-01"})
    assert response.status_code == 302
    assert LiaisonPost.objects.filter(holder_name="刘保升", region_id="510903108").exists()
    coverage = staff_client.get(reverse("orgs:liaison_coverage"))
    assert "刘保升" in coverage.text
    gaps = {r.code for r in coverage.context["coverage"].township_gaps}
    assert "510903108" not in gaps and TOWNSHIP_A not in gaps
    assert staff_client.get(reverse("orgs:liaison_coverage"), {"region": COUNTY_B}).context["region"].code == COUNTY_A
    a, b = make_person("队员甲"), make_person("队员乙")
    response = staff_client.post(reverse("orgs:team_add"), {
        "name": "蓝马甲志愿服务队", "kind": "volunteer", "region": COUNTY_A, "leader": a.pk, "members": [a.pk, b.pk],
        "founded_on": "2021-03-05"})
    assert response.status_code == 302
    team = Team.objects.get(name="蓝马甲志愿服务队")
    assert set(team.members.all()) == {a, b}
    assert "队员乙" in staff_client.get(team.get_absolute_url()).text


def test_person_page_shows_memberships_offices_and_teams(staff_client, world):
    text = staff_client.get(reverse("people:person_detail", args=[world["zhang"].pk])).text
    assert "所在组织" in text and "船山区新联会" in text
    assert "组织任职" in text and "副会长" in text
    assert "所在工作队伍" in text and "滨江社区统战工作先锋队" in text


def test_exports(staff_client, world):
    response = staff_client.get(reverse("orgs:association_export"), {"level": "county"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("组织名称", "组织类型", "组织层级")
    assert [r[0] for r in rows[1:]] == ["船山区新联会"]
    response = staff_client.get(reverse("orgs:membership_export"), {"association": world["county"].pk})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    header = rows[0]
    names = {r[header.index("姓名")] for r in rows[1:]}
    assert names == {"张嘉骊", "李四"}
    id_numbers = [r[header.index("身份证号")] for r in rows[1:]]
    assert all("*" in value for value in id_numbers)
    assert AuditEntry.objects.filter(action=AuditEntry.EXPORT, message__contains="会员名册").exists()
