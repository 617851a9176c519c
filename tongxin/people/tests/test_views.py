import datetime

import pytest
from django.urls import reverse

from tongxin.core.models import AuditEntry
from tongxin.people.models import Person, PersonMerge

from .conftest import COUNTY_A, TOWNSHIP_A

D = datetime.date


@pytest.fixture
def zhang(make_person, make_org):
    return make_person("张嘉骊", TOWNSHIP_A, "4", id_seq=11, gender="F", phone="13812345678",
                       employer=make_org("遂宁嘉禾文化传媒有限公司", TOWNSHIP_A), subcategory="43",
                       is_network_figure=True, accounts=[{"platform": "douyin", "account_name": "嘉骊看遂宁"}])


def test_list_filters_and_search(staff_client, zhang, make_person):
    make_person("李四", category="1", is_representative=True, representative_level="county")
    url = reverse("people:person_list")
    response = staff_client.get(url)
    assert response.status_code == 200
    assert "张嘉骊" in response.text and "李四" in response.text
    assert "13812345678" not in response.text and "138****5678" in response.text
    for query in ("zjl", "zhangjiali", "ZJL", "张嘉", "13812345678", "138 1234 5678", zhang.id_number, "嘉禾文化"):
        text = staff_client.get(url, {"q": query}).text
        assert "张嘉骊" in text and "李四" not in text, query
    assert "张嘉骊" not in staff_client.get(url, {"q": "1381234"}).text  # partial numbers find nothing
    text = staff_client.get(url, {"is_representative": "true"}).text
    assert "李四" in text and "张嘉骊" not in text
    text = staff_client.get(url, {"region": TOWNSHIP_A, "category": "4", "is_network_figure": "true"}).text
    assert "张嘉骊" in text and "李四" not in text
    text = staff_client.get(url, {"sort": "-name_pinyin"}).text
    assert text.index("张嘉骊") < text.index("李四")


def test_list_keyset_pages(staff_client, make_person):
    for i in range(55):
        make_person(f"人士{i:02d}")
    url = reverse("people:person_list")
    first = staff_client.get(url, {"sort": "name_pinyin"})
    assert first.context["next_url"]
    second = staff_client.get(url + first.context["next_url"])
    names = {p.name for p in first.context["page"].rows} | {p.name for p in second.context["page"].rows}
    assert len(names) == 55


def test_list_shows_employers_in_a_fixed_number_of_queries(staff_client, make_person, make_org):
    """The employers of a page are read in one query by id (not joined into the search, and not one per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("people:person_list")

    def queries_for_page():
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(url)
        return [q["sql"] for q in captured.captured_queries], response.text

    make_person("赵一", employer=make_org("遂宁甲公司"))
    queries_for_page()  # caches (dictionaries, permissions) filled
    few, text = queries_for_page()
    assert "遂宁甲公司" in text
    for i in range(8):  # every column of the list filled: a field the list does not read would cost a query a row
        make_person(f"张{i}", employer=make_org(f"遂宁第{i}公司"), job_title=f"职务{i}", phone=f"1380000{i:04d}",
                    is_representative=i % 2 == 0, representative_level="county" if i % 4 == 0 else "",
                    is_reserve=i % 3 == 0, is_network_figure=i % 3 == 1, status="moved" if i == 7 else "active",
                    status_reason="迁往成都" if i == 7 else "")
    many, text = queries_for_page()
    assert len(many) == len(few), "\n".join(many)
    assert all(f"遂宁第{i}公司" in text and f"职务{i}" in text and f"138****{i:04d}" in text for i in range(8))
    assert "县级代表人士" in text and "储备人士" in text and "网络人士" in text and "迁出" in text
    assert not any('"people_person"."id_number"' in sql for sql in many)  # not shown: not read, not decrypted


def test_as_of_filter(staff_client, make_person, staff_user):
    from tongxin.people import services

    person = make_person("王五", added_on=D(2020, 1, 1))
    services.change_status(person, "moved", D(2025, 1, 1), "迁出", user=staff_user)
    url = reverse("people:person_list")
    assert "王五" in staff_client.get(url, {"as_of": "2024-06-01", "status": "active"}).text
    assert "王五" not in staff_client.get(url, {"as_of": "2025-06-01", "status": "active"}).text
    assert "王五" not in staff_client.get(url, {"as_of": "2019-06-01"}).text


def test_detail_masks_and_reveal_is_audited(staff_client, zhang, staff_user):
    url = reverse("people:person_detail", args=[zhang.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    text = response.text
    assert zhang.id_number not in text and "13812345678" not in text
    assert "138****5678" in text and "嘉骊看遂宁" in text and "显示完整信息" in text
    assert staff_client.get(reverse("people:person_reveal", args=[zhang.pk])).status_code == 302
    response = staff_client.post(reverse("people:person_reveal", args=[zhang.pk]))
    assert zhang.id_number in response.text and "13812345678" in response.text
    entry = AuditEntry.objects.filter(action=AuditEntry.VIEW_SENSITIVE, object_id=str(zhang.pk)).get()
    assert entry.user == staff_user


def test_reveal_needs_view_sensitive(client, make_user, zhang):
    leader = make_user("leader", COUNTY_A)
    client.force_login(leader)
    response = client.get(reverse("people:person_detail", args=[zhang.pk]))
    assert response.status_code == 200 and "显示完整信息" not in response.text
    assert client.post(reverse("people:person_reveal", args=[zhang.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.VIEW_SENSITIVE).exists()


def person_post(**overrides):
    data = {
        "name": "王小明", "gender": "", "id_number": "", "birth_date": "", "phone": "", "ethnicity": "01",
        "political_affiliation": "13", "education": "20", "region": COUNTY_A, "employer": "", "job_title": "经理",
        "category": "1", "subcategory": "11", "representative_level": "", "representative_since": "",
        "reserve_since": "", "network_since": "", "added_on": "2026-01-05", "source": "手工录入",
        "lawful_basis": "legal_duty", "consent_date": "", "consent_purpose": "", "note": "",
        "tags_text": "新联会会员、青年企业家", "specialties_text": "企业管理",
        "accounts-TOTAL_FORMS": "1", "accounts-INITIAL_FORMS": "0", "accounts-MIN_NUM_FORMS": "0",
        "accounts-MAX_NUM_FORMS": "20", "accounts-0-platform": "weibo", "accounts-0-account_name": "小明说",
        "accounts-0-follower_count": "300",
    }
    data.update(overrides)
    return data


def test_add_and_edit(staff_client, staff_user):
    from tongxin.core import validators

    id_number = validators.make_id_number("510903", D(1988, 8, 8), 4, "M")
    response = staff_client.post(reverse("people:person_add"), person_post(id_number=id_number,
                                                                           phone="138-0000-1111"))
    assert response.status_code == 302, response.context["form"].errors
    person = Person.objects.get(name="王小明")
    assert person.birth_date == D(1988, 8, 8) and person.gender == "M" and person.phone == "13800001111"
    assert sorted(person.tags.values_list("name", flat=True)) == ["新联会会员", "青年企业家"]
    assert person.network_accounts.get().account_name == "小明说"
    assert person.states.count() == 1

    edit = reverse("people:person_edit", args=[person.pk])
    page = staff_client.get(edit).text
    assert id_number not in page and "13800001111" not in page
    response = staff_client.post(edit, person_post(job_title="总经理", **{"accounts-TOTAL_FORMS": "0"}))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.job_title == "总经理" and person.id_number == id_number and person.phone == "13800001111"
    assert not person.network_accounts.exists()


def test_add_reports_bad_input_in_chinese(staff_client):
    response = staff_client.post(reverse("people:person_add"), person_post(
        id_number="510903198808081234", phone="12345", subcategory="21", is_representative="on"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "身份证号校验码错误" in errors["id_number"][0]
    assert "手机号码或电话号码格式不正确" in errors["phone"][0]


def test_duplicates_on_create(staff_client, make_person):
    existing = make_person("王小明", phone="13800001111")
    response = staff_client.post(reverse("people:person_add"), person_post(phone="13800001111"))
    assert response.status_code == 200
    assert "可能重复" in response.text and reverse("people:person_detail", args=[existing.pk]) in response.text
    assert Person.objects.filter(name="王小明").count() == 1
    response = staff_client.post(reverse("people:person_add"), person_post(phone="13800001111",
                                                                           confirm_duplicate="on"))
    assert response.status_code == 302
    assert Person.objects.filter(name="王小明").count() == 2


def test_same_id_number_is_the_same_person(staff_client, make_person):
    existing = make_person("王小明", id_seq=4, birth=D(1988, 8, 8))
    response = staff_client.post(reverse("people:person_add"), person_post(name="王晓明",
                                                                           id_number=existing.id_number,
                                                                           confirm_duplicate="on"))
    assert response.status_code == 200
    assert "是同一人" in response.text
    assert Person.objects.count() == 1


def test_status_view_needs_reason(staff_client, make_person):
    person = make_person()
    url = reverse("people:person_status", args=[person.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {"status": "moved", "date": "2026-01-01", "reason": ""})
    assert response.status_code == 200 and "该字段是必填项" in response.text
    response = staff_client.post(url, {"status": "moved", "date": "2026-01-01", "reason": "调往成都"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == "moved"


def test_bulk_view(staff_client, make_person):
    a, b = make_person("甲"), make_person("乙")
    url = reverse("people:person_bulk")
    back = reverse("people:person_list") + "?q=x"
    response = staff_client.post(url, {"pk": [a.pk, b.pk], "action": "set_flag", "flag": "representative",
                                       "level": "county", "date": "2026-01-02", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Person.objects.filter(is_representative=True, representative_level="county").count() == 2
    staff_client.post(url, {"pk": [a.pk], "action": "change_status", "status": "withdrawn", "reason": ""})
    a.refresh_from_db()
    assert a.status == "active"
    response = staff_client.post(url, {"pk": [a.pk], "action": "add_tag", "tag": "同心服务团",
                                       "next": "https://evil.example/"})
    assert response["Location"] == reverse("people:person_list")
    assert a.tags.filter(name="同心服务团").exists()


def test_merge_and_undo_views(staff_client, make_person):
    keep = make_person("李四", phone="13811112222")
    other = make_person("李四", phone="13811112222", id_seq=2)
    detail = staff_client.get(reverse("people:person_detail", args=[keep.pk])).text
    assert "可能重复的记录" in detail
    url = reverse("people:person_merge", args=[keep.pk])
    assert "李四" in staff_client.get(url).text
    page = staff_client.get(url, {"other": other.pk})
    assert page.status_code == 200 and "保留哪一条记录" in page.text
    response = staff_client.post(url, {"other": other.pk, "keep": keep.pk, "confirm": "on"})
    assert response.status_code == 302
    assert not Person.objects.filter(pk=other.pk).exists()
    merge = PersonMerge.objects.get()
    assert "撤销合并" in staff_client.get(reverse("people:person_detail", args=[keep.pk])).text
    response = staff_client.post(reverse("people:merge_undo", args=[merge.pk]))
    assert response.status_code == 302
    assert Person.objects.filter(pk=other.pk).exists()


def test_erase_view(staff_client, make_person):
    person = make_person("王五", id_seq=1)
    url = reverse("people:person_erase", args=[person.pk])
    assert staff_client.post(url, {"reason": "本人申请"}).status_code == 200  # confirmation box unticked
    response = staff_client.post(url, {"reason": "本人申请", "confirm": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_erased
    assert "王五" not in staff_client.get(reverse("people:person_list")).text
    assert staff_client.get(reverse("people:person_edit", args=[person.pk])).status_code == 404


def test_organization_pages(staff_client, make_org, make_person):
    org = make_org("四川凤栖律师事务所", TOWNSHIP_A, type="law_firm")
    make_person("赵律师", employer=org, category="2", subcategory="21")
    text = staff_client.get(reverse("people:organization_list")).text
    assert "四川凤栖律师事务所" in text and "律师事务所" in text
    text = staff_client.get(reverse("people:organization_detail", args=[org.pk])).text
    assert "赵律师" in text and "本单位人士" in text
    response = staff_client.post(reverse("people:organization_add"), {
        "name": "遂宁新光电子科技有限公司", "type": "private", "credit_code": org.credit_code, "region": COUNTY_A})
    assert response.status_code == 200 and "已登记" in response.text
    response = staff_client.post(reverse("people:organization_add"), {
        "name": "遂宁新光电子科技有限公司", "type": "private", "credit_code": "91510903MA6XXXXXX1",
        "region": COUNTY_A})
    assert response.status_code == 200 and "统一社会信用代码" in response.text
    search = staff_client.get(reverse("people:organization_search"), {"q": "凤栖"}).json()
    assert search["results"][0]["value"] == org.pk


def test_scope_every_person_url_is_404_from_the_other_county(client, other_staff_user, zhang, staff_user):
    from tongxin.people import services

    other = services.save_person(Person(name="张嘉骊", region_id=TOWNSHIP_A, category="4"))
    merge = services.merge_persons(zhang, other, user=staff_user)
    client.force_login(other_staff_user)
    org = zhang.employer
    for name in ("person_detail", "person_edit", "person_delete", "person_status", "person_erase",
                 "person_merge", "person_reveal"):
        url = reverse(f"people:{name}", args=[zhang.pk])
        assert client.get(url).status_code in (404, 302), name
        if name == "person_reveal":
            assert client.post(url).status_code == 404
    for name in ("organization_detail", "organization_edit", "organization_delete"):
        assert client.get(reverse(f"people:{name}", args=[org.pk])).status_code == 404, name
    assert client.post(reverse("people:person_delete", args=[zhang.pk])).status_code == 404
    assert client.post(reverse("people:merge_undo", args=[merge.pk])).status_code == 404
    assert "张嘉骊" not in client.get(reverse("people:person_list"), {"q": "zjl"}).text
    assert client.get(reverse("people:person_search"), {"q": "zjl"}).json()["results"] == []
    assert client.get(reverse("people:organization_search"), {"q": org.name}).json()["results"] == []
    client.post(reverse("people:person_bulk"), {"pk": [zhang.pk], "action": "add_tag", "tag": "越权"})
    assert not zhang.tags.filter(name="越权").exists()
    assert Person.objects.filter(pk=zhang.pk).exists()
