import io
import json

import pytest
from django.core.management import call_command

from tongxin.core.tabular import ImportContext, run_import, write_xlsx
from tongxin.liaison.imports import ContactSpec, export_contact_links, topic_and_content
from tongxin.liaison.models import Contact, ContactPerson

from .conftest import COUNTY_A, TOWNSHIP_A, TOWNSHIP_A2, days_ago


@pytest.fixture
def people(make_person, make_user, make_pairing):
    zhang = make_person("张嘉骊", TOWNSHIP_A, phone="13812345678", id_seq=11)
    make_person("李四", TOWNSHIP_A, id_seq=12)
    make_person("王五", TOWNSHIP_A2, phone="13900000001")
    make_person("王五", TOWNSHIP_A, phone="13900000002")  # a namesake
    make_person("赵六", "510904001", phone="13900000003")  # another county
    outsider = make_person("刘主任", COUNTY_A, representative=False)
    make_pairing([zhang], by=outsider, leader_level="department")
    make_user("staff", COUNTY_A, username="lxy", display_name="李晓燕")
    return zhang


def run(tmp_path, text, **kwargs):
    path = tmp_path / "contacts.csv"
    path.write_bytes(text.encode("utf-8"))
    context = ImportContext(region=COUNTY_A, filename="contacts.csv")
    return run_import(str(path), ContactSpec(), context, **kwargs)


HEADER = "联系日期,联系人,被联系人姓名,身份证号,手机号码,方式,内容,跟进事项\n"


def test_identifies_persons_and_contactors(tmp_path, people, leader):
    d = days_ago(5).isoformat()
    text = HEADER + "\n".join([
        f"{d},周建华,张嘉骊,,13812345678,面对面,走访工作室,协调直播场地",
        f"{d},lxy,李四,,,电话,电话问候,",
        f"{d},刘主任,张嘉骊,,,微信,微信交流,",
        f"{d},李晓燕,王五,,13900000001,键对键,线上交流,",
    ])
    result = run(tmp_path, text)
    assert result.errors == [] and result.created == 4
    contact = Contact.objects.get(topic="走访工作室")
    assert contact.by_user == leader and contact.follow_up_needed and contact.follow_up_note == "协调直播场地"
    assert Contact.objects.get(topic="微信交流").by_person.name == "刘主任"
    assert Contact.objects.get(topic="线上交流").channel == "online"
    assert Contact.objects.get(topic="电话问候").region_id == TOWNSHIP_A


def test_row_errors_name_row_and_column(tmp_path, people, leader):
    d = days_ago(5).isoformat()
    text = HEADER + "\n".join([
        f"{d},周建华,王五,,,面对面,走访,",                     # 2 namesakes
        f"{d},不认识,李四,,,面对面,走访,",                     # unknown contactor
        f"{d},周建华,赵六,,13900000003,面对面,走访,",          # other county
        f"{d},周建华,李四,,,飞鸽传书,走访,",                   # bad channel
        f"{days_ago(-2).isoformat()},周建华,李四,,,电话,走访,",  # future
        f"{d},周建华,张三,,13812345678,电话,走访,",            # phone of someone else
    ])
    result = run(tmp_path, text)
    errors = {(row, column): message for row, column, message in result.errors}
    assert "人士库中有 2 位“王五”" in errors[(2, "被联系人姓名")]
    assert "不是本范围内的系统用户" in errors[(3, "联系人")]
    assert "没有找到“赵六”" in errors[(4, "手机号码")]
    assert "不是可选值" in errors[(5, "方式")]
    assert errors[(6, "联系日期")] == "联系日期不能晚于今天"
    assert "与“张三”不符" in errors[(7, "被联系人姓名")]
    assert result.created == 0 and not Contact.objects.exists()


def test_rows_of_one_contact_are_grouped_and_reimport_skips(tmp_path, people, leader):
    d = days_ago(5).isoformat()
    text = HEADER + f"{d},周建华,张嘉骊,,,面对面,座谈交流,\n{d},周建华,李四,,,面对面,座谈交流,\n"
    assert run(tmp_path, text).created == 2
    contact = Contact.objects.get()
    assert sorted(contact.persons.values_list("name", flat=True)) == ["张嘉骊", "李四"]
    again = run(tmp_path, text)
    assert again.created == 0 and again.skipped == 2 and Contact.objects.count() == 1


def test_dry_run_and_command(tmp_path, people, leader, capsys):
    d = days_ago(5).isoformat()
    path = tmp_path / "c.csv"
    path.write_bytes((HEADER + f"{d},周建华,张嘉骊,,,面对面,走访,\n{d},周建华,无名氏,,,面对面,走访,\n").encode())
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "contacts", str(path), "--region", "510903", "--format", "json")
    assert exit_info.value.code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["rows"] == 2 and data["created"] == 0 and data["errors"][0]["row"] == 3
    with pytest.raises(SystemExit):  # rows were rejected: exit 1 even when the valid ones went in
        call_command("import", "contacts", str(path), "--region", "510903", "--format", "json", "--skip-invalid")
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert data["created"] == 1 and Contact.objects.count() == 1


def test_export_imports_back_unchanged(tmp_path, people, leader, make_contact, make_person):
    li = make_person("李七", TOWNSHIP_A)
    make_contact([people, li], days_ago(7), topic="集体座谈", channel="face")
    make_contact([people], days_ago(3), topic="电话问候", channel="phone", follow_up_needed=True,
                 follow_up_note="寄送资料")
    buffer = io.BytesIO()
    assert write_xlsx(export_contact_links(Contact.objects.all()), ContactSpec(), buffer) == 3
    path = tmp_path / "export.xlsx"
    path.write_bytes(buffer.getvalue())
    result = run_import(str(path), ContactSpec(), ImportContext(region=COUNTY_A, filename="export.xlsx"))
    assert result.errors == [] and result.skipped == 3 and result.created == 0
    assert ContactPerson.objects.count() == 3


def test_long_content_keeps_a_short_topic():
    topic, content = topic_and_content("走访" * 150)
    assert len(topic) == 200 and topic.endswith("…") and len(content) == 300
    assert topic_and_content("走访企业") == ("走访企业", "")
