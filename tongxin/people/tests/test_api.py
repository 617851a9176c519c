import datetime

import pytest
from rest_framework.test import APIClient

from tongxin.core import validators
from tongxin.core.models import AuditEntry
from tongxin.people.models import Person

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A

D = datetime.date


@pytest.fixture
def api(staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def test_list_is_masked_searchable_and_scoped(api, make_person):
    zhang = make_person("张嘉骊", TOWNSHIP_A, "4", id_seq=1, gender="F", phone="13812345678", tags=["网络正能量"])
    make_person("赵敏", COUNTY_B)
    data = api.get("/api/people/persons/").json()
    names = [row["name"] for row in data["results"]]
    assert names == ["张嘉骊"]
    row = data["results"][0]
    assert row["phone"] == "138****5678" and row["id_number"] == zhang.id_number[:6] + "********" + zhang.id_number[-4:]
    assert row["tags"] == ["网络正能量"] and row["name_initials"] == "zjl"
    assert [r["name"] for r in api.get("/api/people/persons/", {"search": "zjl"}).json()["results"]] == ["张嘉骊"]
    assert [r["name"] for r in api.get("/api/people/persons/", {"q": "13812345678"}).json()["results"]] == ["张嘉骊"]
    assert api.get("/api/people/persons/", {"category": "1"}).json()["results"] == []
    assert not AuditEntry.objects.filter(action=AuditEntry.VIEW_SENSITIVE).exists()
    full = api.get(f"/api/people/persons/{zhang.pk}/", {"sensitive": "1"}).json()
    assert full["phone"] == "13812345678" and full["id_number"] == zhang.id_number
    assert AuditEntry.objects.filter(action=AuditEntry.VIEW_SENSITIVE, object_id=str(zhang.pk)).exists()


def test_out_of_scope_is_404(api, make_person):
    other = make_person("赵敏", COUNTY_B)
    assert api.get(f"/api/people/persons/{other.pk}/").status_code == 404
    assert api.patch(f"/api/people/persons/{other.pk}/", {"job_title": "x"}, format="json").status_code == 404
    assert api.delete(f"/api/people/persons/{other.pk}/").status_code == 404


def test_create_update_and_status(api):
    id_number = validators.make_id_number("510903", D(1990, 1, 2), 8, "F")
    response = api.post("/api/people/persons/", {
        "name": "王小红", "region": TOWNSHIP_A, "category": "2", "subcategory": "21", "id_number": id_number,
        "phone": "13900001111", "tags": ["法律服务团"],
        "network_accounts": [{"platform": "weibo", "account_name": "小红说法", "follower_count": 500}],
    }, format="json")
    assert response.status_code == 201, response.json()
    person = Person.objects.get(pk=response.json()["id"])
    assert person.birth_date == D(1990, 1, 2) and person.gender == "F"
    assert person.network_accounts.get().account_name == "小红说法"
    assert person.states.count() == 1
    response = api.post("/api/people/persons/", {"name": "王小红", "region": COUNTY_A, "category": "2",
                                                  "id_number": id_number}, format="json")
    assert response.status_code == 400 and "id_number" in response.json()
    response = api.post("/api/people/persons/", {"name": "王小红", "region": COUNTY_B, "category": "2"},
                        format="json")
    assert response.status_code == 400 and "region" in response.json()
    response = api.post("/api/people/persons/", {"name": "王小红", "region": COUNTY_A, "category": "2",
                                                  "phone": "13900001111"}, format="json")
    assert response.status_code == 400 and "confirm_duplicate" in response.json()
    response = api.patch(f"/api/people/persons/{person.pk}/", {"job_title": "合伙人"}, format="json")
    assert response.status_code == 200 and response.json()["job_title"] == "合伙人"
    response = api.post(f"/api/people/persons/{person.pk}/status/", {"status": "moved"}, format="json")
    assert response.status_code == 400
    response = api.post(f"/api/people/persons/{person.pk}/status/", {"status": "moved", "reason": "调往成都"},
                        format="json")
    assert response.status_code == 200 and response.json()["status"] == "moved"


def test_read_only_role_cannot_write(make_user, make_person):
    person = make_person()
    client = APIClient()
    client.force_authenticate(make_user("leader", COUNTY_A))
    assert client.get(f"/api/people/persons/{person.pk}/").status_code == 200
    assert client.patch(f"/api/people/persons/{person.pk}/", {"job_title": "x"}, format="json").status_code == 403
    full = client.get(f"/api/people/persons/{person.pk}/", {"sensitive": "1"})
    assert full.status_code == 200 and not AuditEntry.objects.filter(action=AuditEntry.VIEW_SENSITIVE).exists()


def test_organizations(api, make_org):
    org = make_org("四川凤栖律师事务所", TOWNSHIP_A, type="law_firm")
    make_org("安居某公司", COUNTY_B)
    data = api.get("/api/people/organizations/", {"q": "凤栖"}).json()
    assert [r["name"] for r in data["results"]] == [org.name]
    response = api.post("/api/people/organizations/", {"name": "新公司", "region": COUNTY_A,
                                                        "credit_code": "123"}, format="json")
    assert response.status_code == 400 and "credit_code" in response.json()
