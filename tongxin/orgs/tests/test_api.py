import pytest
from rest_framework.test import APIClient

from tongxin.orgs import services
from tongxin.orgs.models import FundEntry, FundKind, Membership, MembershipStatus, Team

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A


@pytest.fixture
def api(staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def test_associations_api_is_scoped_and_writes_through_services(api, county_association, make_association):
    anju = make_association("安居区新联会", COUNTY_B)
    response = api.get("/api/orgs/associations/")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["船山区新联会"]
    assert api.get(f"/api/orgs/associations/{anju.pk}/").status_code == 404
    assert api.patch(f"/api/orgs/associations/{anju.pk}/", {"name": "x"}, format="json").status_code == 404
    response = api.post("/api/orgs/associations/", {
        "name": "南津路街道分会", "kind": "01", "level": "township", "parent": county_association.pk,
        "region": TOWNSHIP_A, "founded_on": "2018-05-20"}, format="json")
    assert response.status_code == 201, response.json()
    response = api.post("/api/orgs/associations/", {
        "name": "越界", "kind": "01", "level": "township", "parent": anju.pk, "region": TOWNSHIP_A,
        "founded_on": "2018-05-20"}, format="json")
    assert response.status_code == 400 and "parent" in response.json()
    response = api.post("/api/orgs/associations/", {
        "name": "未来", "kind": "01", "level": "county", "region": COUNTY_A, "founded_on": "2099-01-01"},
        format="json")
    assert response.status_code == 400 and "founded_on" in response.json()


def test_membership_api_apply_review_end(api, county_association, make_person, make_association):
    person = make_person("张嘉骊")
    response = api.post("/api/orgs/memberships/", {"association": county_association.pk, "person": person.pk},
                        format="json")
    assert response.status_code == 201 and response.json()["status"] == MembershipStatus.APPLIED
    pk = response.json()["id"]
    response = api.post(f"/api/orgs/memberships/{pk}/review/", {"approve": False}, format="json")
    assert response.status_code == 400
    response = api.post(f"/api/orgs/memberships/{pk}/review/", {"approve": True}, format="json")
    assert response.status_code == 200 and response.json()["status"] == MembershipStatus.ADMITTED
    response = api.post(f"/api/orgs/memberships/{pk}/end/", {"reason": "迁出"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == MembershipStatus.LEFT
    assert api.patch(f"/api/orgs/memberships/{pk}/", {"note": "x"}, format="json").status_code == 405
    response = api.post("/api/orgs/memberships/", {"association": county_association.pk, "person": person.pk,
                                                   "admit": True, "joined_on": "2025-01-01"}, format="json")
    assert response.status_code == 201 and response.json()["joined_on"] == "2025-01-01"
    outsider = make_person("赵安居", COUNTY_B)
    response = api.post("/api/orgs/memberships/", {"association": county_association.pk, "person": outsider.pk},
                        format="json")
    assert response.status_code == 400 and "person" in response.json()
    anju = make_association("安居区新联会", COUNTY_B)
    hidden = services.apply_membership(association=anju, person=outsider)
    assert api.post(f"/api/orgs/memberships/{hidden.pk}/review/", {"approve": True},
                    format="json").status_code == 404
    hidden.refresh_from_db()
    assert hidden.status == MembershipStatus.APPLIED


def test_membership_review_needs_change_permission(county_association, make_person, make_user):
    membership = services.apply_membership(association=county_association, person=make_person())
    client = APIClient()
    client.force_authenticate(make_user("liaison", COUNTY_A))
    assert client.get(f"/api/orgs/memberships/{membership.pk}/").status_code == 200
    assert client.post(f"/api/orgs/memberships/{membership.pk}/review/", {"approve": True},
                       format="json").status_code == 403


def test_funds_api_is_append_only(api, county_association):
    response = api.post("/api/orgs/funds/", {"association": county_association.pk, "kind": "allocation",
                                             "amount": "36000.50", "date": "2024-03-01",
                                             "source_department": "船山区委统战部"}, format="json")
    assert response.status_code == 201 and response.json()["amount"] == "36000.50"
    pk = response.json()["id"]
    assert api.patch(f"/api/orgs/funds/{pk}/", {"amount": "1"}, format="json").status_code == 405
    assert api.delete(f"/api/orgs/funds/{pk}/").status_code == 405
    response = api.post(f"/api/orgs/funds/{pk}/reverse/", {"reason": "录错"}, format="json")
    assert response.status_code == 201 and response.json()["amount"] == "-36000.50"
    assert api.post(f"/api/orgs/funds/{pk}/reverse/", {"reason": "again"}, format="json").status_code == 400
    response = api.post("/api/orgs/funds/", {"association": county_association.pk, "kind": "expenditure",
                                             "amount": "1.001", "date": "2024-03-01", "purpose": "x"},
                        format="json")
    assert response.status_code == 400
    assert FundEntry.objects.filter(kind=FundKind.ALLOCATION).count() == 2


def test_posts_teams_and_officers_api(api, county_association, make_person, regions):
    response = api.post("/api/orgs/liaison-posts/", {"kind": "committee", "unit_type": "township",
                                                     "region": TOWNSHIP_A, "holder_name": "王建国",
                                                     "since": "2022-01-01"}, format="json")
    assert response.status_code == 201, response.json()
    response = api.post("/api/orgs/liaison-posts/", {"kind": "committee", "unit_type": "township",
                                                     "region": "510904001", "holder_name": "赵",
                                                     "since": "2022-01-01"}, format="json")
    assert response.status_code == 400
    a, b = make_person("甲"), make_person("乙")
    response = api.post("/api/orgs/teams/", {"name": "先锋队", "kind": "pioneer", "region": TOWNSHIP_A,
                                             "leader": a.pk, "members": [b.pk], "founded_on": "2021-01-01"},
                        format="json")
    assert response.status_code == 201, response.json()
    assert set(Team.objects.get().members.all()) == {a, b}
    response = api.post("/api/orgs/officer-terms/", {"association": county_association.pk, "person": a.pk,
                                                     "role": "vice", "started_on": "2025-03-26"}, format="json")
    assert response.status_code == 201, response.json()
    response = api.post("/api/orgs/council-terms/", {"association": county_association.pk, "number": 1,
                                                     "started_on": "2017-06-28", "due_on": "2022-06-28"},
                        format="json")
    assert response.status_code == 201, response.json()
    assert api.get("/api/orgs/rules/").status_code == 200
    assert Membership.objects.count() == 0
