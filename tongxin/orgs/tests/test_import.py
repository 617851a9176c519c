import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tongxin.core.models import AuditEntry, Job
from tongxin.core.tabular import ImportContext, run_import, write_xlsx
from tongxin.orgs import services
from tongxin.orgs.imports import AssociationSpec, MembershipSpec
from tongxin.orgs.models import Association, Membership, MembershipStatus

from .conftest import COUNTY_A, COUNTY_B, D

TODAY = D(2026, 11, 24)


def context(**kwargs):
    kwargs.setdefault("region", COUNTY_A)
    kwargs.setdefault("filename", "会员名册.csv")
    kwargs.setdefault("today", TODAY)
    return ImportContext(**kwargs)


def csv(tmp_path, text, name="members.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.fixture
def people(make_person):
    return {
        "zhang": make_person("张嘉骊", phone="13812345678"),
        "li": make_person("李四", phone="13900001111"),
        "wang": make_person("王五", id_number=False, phone="13700002222"),
        "anju": make_person("赵安居", COUNTY_B, phone="13600003333"),
    }


def test_membership_import_identifies_persons_through_the_blind_index(tmp_path, county_association, branch,
                                                                      people, make_user):
    services.add_members(association=county_association, persons=[people["li"]], joined_on=D(2020, 1, 1))
    applied = services.apply_membership(association=branch, person=people["wang"], applied_on=D(2024, 1, 1))
    user = make_user("staff", COUNTY_A)
    zhang_id, li_id, anju_id = people["zhang"].id_number, people["li"].id_number, people["anju"].id_number
    path = csv(tmp_path, "\n".join([
        "序号,姓名,身份证号码,联系电话,所属组织,入会时间,备注",
        f"1,张嘉骊,{zhang_id},,船山区新联会,2021-05-01,",       # new member (by ID number)
        "2,张嘉骊,,138 1234 5678,南津路街道分会,2022/3/1,",       # same person, second association (by phone)
        f"3,李四,{li_id},,船山区新联会,2020-01-01,",              # already a member: skipped
        "4,王五,,13700002222,南津路街道分会,2024-02-01,",         # pending application: admitted
        f"5,张三丰,{zhang_id},,船山区新联会,,",                    # name does not match the registry
        f"6,赵安居,{anju_id},,船山区新联会,,",                     # a person outside the user's scope
        "7,无名氏,,,船山区新联会,,",                               # no identifier
        "8,李四,,13900001111,不存在的协会,,",                      # unknown association
        f"9,张嘉骊,{zhang_id},,船山区新联会,2021-05-01,",       # repeats row 2's person and association
        "10,李四,,13900001111,南津路街道分会,2030-01-01,",        # joined in the future
    ]))
    result = run_import(path, MembershipSpec(), context(user=user))
    assert not result.committed and Membership.objects.count() == 2  # all or nothing
    errors = {(row, column) for row, column, _message in result.errors}
    assert errors == {(6, "姓名"), (7, "身份证号"), (8, "身份证号"), (9, "组织名称"), (10, "姓名"), (11, "入会日期")}
    messages = " ".join(m for _r, _c, m in result.errors)
    assert "人士库中此号码登记的姓名为“张嘉骊”" in messages and "须填写身份证号或手机号码" in messages
    assert "没有名为“不存在的协会”的存续组织" in messages and "与第 2 行是同一人" in messages

    result = run_import(path, MembershipSpec(), context(user=user), skip_invalid=True, rejected_output=False)
    assert result.committed and (result.created, result.updated, result.skipped) == (2, 1, 1)
    assert Membership.objects.filter(person=people["zhang"], status=MembershipStatus.ADMITTED).count() == 2
    assert Membership.objects.get(person=people["zhang"], association=branch).joined_on == D(2022, 3, 1)
    applied.refresh_from_db()
    assert applied.status == MembershipStatus.ADMITTED and applied.joined_on == D(2024, 2, 1)
    assert not Membership.objects.filter(person=people["anju"]).exists()
    assert AuditEntry.objects.filter(action=AuditEntry.IMPORT).exists()
    assert AuditEntry.objects.filter(content_type__model="membership", message__startswith="导入会员").count() == 3


def test_membership_import_refuses_persons_not_in_the_register(tmp_path, county_association, branch, people,
                                                              staff_user):
    from tongxin.people.services import change_status

    services.add_members(association=county_association, persons=[people["li"]], joined_on=D(2020, 1, 1))
    services.apply_membership(association=branch, person=people["wang"], applied_on=D(2024, 1, 1))
    for person in (people["li"], people["wang"], people["zhang"]):
        change_status(person, "deceased", D(2024, 6, 1), "病故", user=staff_user)
    path = csv(tmp_path, "\n".join([
        "姓名,联系电话,所属组织,入会时间",
        "张嘉骊,13812345678,船山区新联会,2021-05-01",     # would be a new member
        "王五,13700002222,南津路街道分会,2024-02-01",     # would admit a pending application
        "李四,13900001111,船山区新联会,2020-01-01",       # already a member (an export's row): unchanged
    ]))
    result = run_import(path, MembershipSpec(), context())
    assert result.errors == [(2, "姓名", "人士库中此人的状态为“去世”，不能入会"),
                             (3, "姓名", "人士库中此人的状态为“去世”，不能入会")]
    assert not result.committed and Membership.objects.filter(status=MembershipStatus.ADMITTED).count() == 1


def test_membership_import_into_the_association_it_was_started_from(tmp_path, branch, people):
    path = csv(tmp_path, "姓名,手机号码\n张嘉骊,13812345678\n李四,13900001111\n")
    result = run_import(path, MembershipSpec(), context(options={"association": branch}))
    assert result.committed and result.created == 2
    assert set(Membership.objects.values_list("association_id", flat=True)) == {branch.pk}
    without = run_import(path, MembershipSpec(), context())
    assert {(r, c) for r, c, _m in without.errors} == {(2, "组织名称"), (3, "组织名称")}


def test_membership_export_imports_back_unchanged(tmp_path, county_association, people):
    services.add_members(association=county_association, persons=[people["zhang"], people["wang"]],
                         joined_on=D(2021, 1, 1))
    path = tmp_path / "export.xlsx"
    write_xlsx(MembershipSpec.export_queryset(Membership.objects.all()), MembershipSpec(), str(path))
    header = next(openpyxl.load_workbook(path).active.values)
    assert header[:5] == ("姓名", "身份证号", "手机号码", "组织名称", "入会日期")
    result = run_import(path, MembershipSpec(), context())
    assert result.committed and (result.created, result.skipped) == (0, 2), result.errors
    assert Membership.objects.count() == 2


def test_association_import_with_parents_in_the_same_file(tmp_path, county_association):
    path = csv(tmp_path, "\n".join([
        "组织名称,类型,层级,上级组织,区划代码,成立日期,主管部门,状态,撤销日期,联系电话",
        "船山区网络人士联谊会,网络人士联谊会,行业,船山区新联会,510903,2019-04-26,船山区委统战部,,,0825-2222222",
        "网络人士联谊会直播分会,网络人士联谊会,行业,船山区网络人士联谊会,510903001000,2021-01-01,,存续,,",
        "船山区新联会,新联会,县,,510903,2017-06-28,船山区委统战部,,,0825-1111111",
        "旧分会,新联会,乡镇,船山区新联会,510903002,2018-01-01,,已撤销,2022-01-01,",
        "越界分会,新联会,乡镇,船山区新联会,510904001,2020-01-01,,,,",
        "孤儿分会,新联会,乡镇,查无此会,510903,2020-01-01,,,,",
        "坏状态分会,新联会,乡镇,,510903,2020-01-01,,已撤销,,",
    ]))
    result = run_import(path, AssociationSpec(), context(filename="组织.csv"))
    assert {(r, c) for r, c, _m in result.errors} == {(6, "区划代码"), (7, "上级组织"), (8, "撤销日期")}
    result = run_import(path, AssociationSpec(), context(filename="组织.csv"), skip_invalid=True,
                        rejected_output=False)
    assert (result.created, result.updated) == (3, 1), result.errors
    network = Association.objects.get(name="船山区网络人士联谊会")
    assert network.parent == county_association and network.kind == "02" and network.level == "industry"
    child = Association.objects.get(name="网络人士联谊会直播分会")
    assert child.parent == network and child.region_id == "510903001"
    old = Association.objects.get(name="旧分会")
    assert old.status == "dissolved" and old.dissolved_on == D(2022, 1, 1)
    county_association.refresh_from_db()
    assert county_association.contact_phone == "0825-1111111"
    again = run_import(path, AssociationSpec(), context(filename="组织.csv"), skip_invalid=True,
                       rejected_output=False)
    assert (again.created, again.updated, again.skipped) == (0, 0, 4)


def test_cli_imports_memberships(tmp_path, county_association, people):
    path = csv(tmp_path, "姓名,手机号码,组织名称,入会日期\n张嘉骊,13812345678,船山区新联会,2021-01-01\n")
    out = io.StringIO()
    call_command("import", "memberships", str(path), "--region", "510903", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["created"] == 1
    bad = csv(tmp_path, "姓名,手机号码,组织名称\n某某,13000000000,船山区新联会\n", "bad.csv")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "memberships", str(bad), "--region", "510903", "--format", "json", stdout=out)
    assert exit_info.value.code == 1
    assert json.loads(out.getvalue())["errors"][0]["row"] == 2


def test_web_import_preview_then_commit(staff_client, county_association, people):
    url = reverse("orgs:membership_import") + f"?association={county_association.pk}"
    assert staff_client.get(url).status_code == 200
    template = staff_client.get(reverse("orgs:membership_import_template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    upload = SimpleUploadedFile("会员.csv", "姓名,手机号码\n张嘉骊,13812345678\n李四,13900001111\n".encode())
    response = staff_client.post(url, {"file": upload, "region": COUNTY_A, "mode": "all"})
    assert response.status_code == 200 and response.context["result"].created == 2
    assert Membership.objects.count() == 0  # preview writes nothing
    response = staff_client.post(url, {"step": "commit", "mode": "all"})
    assert response.status_code == 302
    job = Job.objects.latest("created_at")
    assert job.status == Job.SUCCEEDED, job.error
    assert set(Membership.objects.values_list("person__name", flat=True)) == {"张嘉骊", "李四"}


def test_web_association_import_and_template(staff_client, county_association):
    template = staff_client.get(reverse("orgs:association_import_template"))
    header = next(openpyxl.load_workbook(io.BytesIO(template.content)).active.values)
    assert "组织名称" in header and "上级组织" in header
    upload = SimpleUploadedFile("组织.csv", "组织名称,组织类型,组织层级,上级组织,成立日期\n嘉禾街道分会,新联会,乡镇/街道,"
                                "船山区新联会,2020-10-30\n".encode())
    url = reverse("orgs:association_import")
    response = staff_client.post(url, {"file": upload, "region": COUNTY_A, "mode": "all"})
    assert response.context["result"].created == 1
    staff_client.post(url, {"step": "commit", "mode": "all"})
    assert Association.objects.get(name="嘉禾街道分会").parent == county_association
