"""Pie slices open the records of that slice only; the activity-types pie and the top associations."""

import datetime
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.urls import reverse

from tongxin.bench.reports import Inserter

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, YEAR

PERIOD = {"period": "custom", "from": YEAR[0].isoformat(), "to": YEAR[1].isoformat()}
BEGINS = datetime.datetime(2025, 5, 1, 9, tzinfo=datetime.UTC)


def chart_data(response) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', response.content.decode(),
                      re.S)
    return json.loads(match.group(1))


@pytest.fixture
def city(persons):
    """Three associations (two in 船山区, one in 安居区) hosting activities of two types in 2025, and one in 2024."""
    from tongxin.activities.models import Activity
    from tongxin.orgs.models import Association

    ins = Inserter(connection)
    ins.insert(Association, iter([(1, TOWNSHIP_A, "南津路新联会", "01", "township", datetime.date(2020, 1, 1)),
                                  (2, COUNTY_A, "船山区新联会", "01", "county", datetime.date(2020, 1, 1)),
                                  (3, COUNTY_B, "安居区新联会", "01", "county", datetime.date(2020, 1, 1))]),
               ["id", "region_code", "name", "kind", "level", "founded_on"])
    plan = [(TOWNSHIP_A, "02", 1, D) for D in [datetime.date(2025, 3, 1)] * 3] \
        + [(COUNTY_A, "04", 2, datetime.date(2025, 6, 1))] * 2 + [(COUNTY_A, "02", 2, datetime.date(2024, 6, 1))] * 5 \
        + [(COUNTY_B, "02", 3, datetime.date(2025, 6, 1))] * 4
    ins.insert(Activity, iter([(i + 1, region, f"活动{i + 1}", kind, BEGINS, BEGINS, on, False, f"t{i}")
                               for i, (region, kind, _host, on) in enumerate(plan)]),
               ["id", "region_code", "title", "type", "starts_at", "ends_at", "start_date", "is_cancelled",
                "checkin_token"])
    ins.insert(Activity.associations.through, iter([(i + 1, host) for i, (_r, _k, host, _o) in enumerate(plan)]),
               ["activity_id", "association_id"])


def test_activity_types_pie_slices_drill_to_their_own_records(city, staff_client):
    data = chart_data(staff_client.get(reverse("reports:dashboard"), {**PERIOD, "metric": "activities.count"}))
    pie = {p["key"]: p for p in data["parts"]}["activities.count"]
    slices = {i["name"]: i for i in pie["items"]}
    assert {k: v["value"] for k, v in slices.items()} == {"学习宣讲": 3, "文化活动": 2}
    url = slices["学习宣讲"]["url"]
    assert parse_qs(urlsplit(url).query)["part"] == ["学习宣讲"]
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response.context["value"] == "3" and "学习宣讲" in response.context["title"]
    assert sorted(r["label"] for r in response.context["rows"]) == ["活动1", "活动2", "活动3"]
    other = staff_client.get(slices["文化活动"]["url"])
    assert sorted(r["label"] for r in other.context["rows"]) == ["活动4", "活动5"]
    whole = staff_client.get(pie["url"])
    assert len(whole.context["rows"]) == 5
    assert any(url == u for _k, _v, u in whole.context["by"])  # the breakdown on the records page links too


def test_category_slice_and_unknown_part(persons, staff_client):
    data = chart_data(staff_client.get(reverse("reports:dashboard"), PERIOD))
    pie = {p["key"]: p for p in data["parts"]}["people.by_category"]
    item = {i["name"]: i for i in pie["items"]}["民营企业和外资企业管理技术人员"]
    response = staff_client.get(item["url"])
    assert response.status_code == 200
    assert sorted(r["label"] for r in response.context["rows"]) == sorted(["丙一", "甲一", "乙一"])
    assert staff_client.get(item["url"].replace("part=", "part=x")).status_code == 404


def test_top_associations_rank_hosts_of_the_period_in_scope(city, staff_client):
    response = staff_client.get(reverse("reports:dashboard"), PERIOD)
    top = response.context["top_associations"]
    assert [(a["name"], a["n"]) for a in top] == [("南津路新联会", 3), ("船山区新联会", 2)]  # 2024 and 安居区 not counted
    assert "活跃联谊组织" in response.content.decode()
