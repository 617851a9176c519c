import json

import pytest
from django.core.management import call_command

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, YEAR

PARAMS = {"from": YEAR[0].isoformat(), "to": YEAR[1].isoformat()}


@pytest.fixture
def api(client, staff_user):
    client.force_login(staff_user)
    return client


def test_metric_list(api):
    data = api.get("/api/reports/metrics/").json()
    keys = [m["key"] for m in data]
    assert "people.total" in keys
    total = next(m for m in data if m["key"] == "people.total")
    assert total["label"] == "人士库人数" and total["unit"] == "人" and total["has_records"] is True


def test_report_is_the_same_json_as_the_command(persons, api, capsys):
    call_command("report", "--region", "510903", "--from", PARAMS["from"], "--to", PARAMS["to"], "--format", "json")
    expected = json.loads(capsys.readouterr().out)
    assert api.get("/api/reports/report/", {"region": "510903", **PARAMS}).json() == expected
    assert api.get("/api/reports/report/", PARAMS).json() == expected  # no region: the caller's scope


def test_report_breakdowns(persons, api):
    data = api.get("/api/reports/report/", {**PARAMS, "metrics": "people.total", "by": "region,month"}).json()
    assert data["by_region"]["people.total"]["510903001000"] == 3
    assert data["by_month"]["people.total"]["2025-12"] == 6 and len(data["by_month"]["people.total"]) == 12


@pytest.mark.parametrize("region", [COUNTY_B, "510900", "000000", "510904001000"])
def test_report_outside_the_scope_is_404(persons, api, region):
    assert api.get("/api/reports/report/", {"region": region, **PARAMS}).status_code == 404


def test_report_bad_input_is_400_in_chinese(regions, api):
    response = api.get("/api/reports/report/", {"from": "2025-12-31", "to": "2025-01-01"})
    assert response.status_code == 400 and "开始日期不能晚于结束日期" in response.json()["detail"]
    assert api.get("/api/reports/report/", {"region": "999999"}).status_code == 400
    assert api.get("/api/reports/report/", {"metrics": "no.such"}).status_code == 400


def test_records_are_scoped_and_paginated(persons, api, monkeypatch):
    from tongxin.reports import api as reports_api

    monkeypatch.setattr(reports_api.RecordViewSet, "page_size", 4)
    first = api.get("/api/reports/records/people.total/", {"region": COUNTY_A, **PARAMS}).json()
    assert first["metric"]["key"] == "people.total" and first["model"] == "people.person"
    assert len(first["results"]) == 4 and first["next"]
    second = api.get(first["next"]).json()
    names = {r["label"] for r in first["results"] + second["results"]}
    assert names == {"甲一", "甲二", "甲三", "乙一", "乙二", "丙一"} and second["next"] is None
    assert all(r["url"].startswith("/people/") for r in first["results"])
    township = api.get("/api/reports/records/people.total/", {"region": TOWNSHIP_A, **PARAMS}).json()
    assert {r["label"] for r in township["results"]} == {"甲一", "甲二", "甲三"}


def test_records_of_another_county_are_404(persons, client, other_staff_user):
    client.force_login(other_staff_user)
    for region in (COUNTY_A, "510903001000", "510900"):
        assert client.get("/api/reports/records/people.total/", {"region": region, **PARAMS}).status_code == 404
    own = client.get("/api/reports/records/people.total/", {"region": COUNTY_B, **PARAMS}).json()
    assert {r["label"] for r in own["results"]} == {"安居一", "安居二"}
    assert client.get("/api/reports/records/no.such/", PARAMS).status_code == 404


def test_reports_api_needs_the_permission(make_user, client):
    client.force_login(make_user("member"))
    for url in ("/api/reports/metrics/", "/api/reports/report/", "/api/reports/records/people.total/"):
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get("/api/reports/report/").status_code in (401, 403)
