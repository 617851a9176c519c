"""The dashboard reads its figures from snapshots: fresh ones as they are, stale ones while a job recomputes them,
missing or day-old ones computed on the spot; 立即刷新 recomputes them; every figure still opens live records."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.core.models import Job
from tongxin.reports import snapshots
from tongxin.reports.models import FigureSnapshot

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, YEAR, D

PERIOD = {"region": COUNTY_A, "period": "custom", "from": YEAR[0].isoformat(), "to": YEAR[1].isoformat(),
          "metric": "people.total"}


def total_card(response) -> str:
    return {c["key"]: c for c in response.context["cards"]}["people.total"]["value"]


def age(minutes: float) -> None:
    FigureSnapshot.objects.update(computed_at=timezone.now() - datetime.timedelta(minutes=minutes))


def test_the_first_page_computes_and_keeps_the_figures_then_reads_them(persons, staff_client, make_person):
    first = staff_client.get(reverse("reports:dashboard"), PERIOD)
    assert total_card(first) == "6"
    kinds = set(FigureSnapshot.objects.values_list("kind", flat=True))
    assert kinds == {"dashboard", "chart:people.total"}
    assert "数据更新于" in first.content.decode() and "立即刷新" in first.content.decode()
    make_person("新来", TOWNSHIP_A, "1", added_on=D(2025, 6, 1))
    # within the max age the snapshot is shown as it was computed…
    assert total_card(staff_client.get(reverse("reports:dashboard"), PERIOD)) == "6"
    # …while the records behind the figure are always read live
    records = staff_client.get(reverse("reports:records", kwargs={"key": "people.total", "region": COUNTY_A}),
                               {"from": YEAR[0].isoformat(), "to": YEAR[1].isoformat()})
    assert "新来" in records.content.decode()


def test_a_stale_snapshot_is_shown_while_a_job_recomputes_it(persons, staff_client, make_person, settings):
    settings.TONGXIN_FIGURES_MAX_AGE = 600
    staff_client.get(reverse("reports:dashboard"), PERIOD)
    make_person("新来", TOWNSHIP_A, "1", added_on=D(2025, 6, 1))
    age(11)
    stale = staff_client.get(reverse("reports:dashboard"), PERIOD)
    assert total_card(stale) == "6" and stale.context["stale"] is True
    assert "正在后台更新" in stale.content.decode()
    jobs = Job.objects.filter(kind=snapshots.JOB_KIND)
    assert jobs.count() == 2 and set(jobs.values_list("status", flat=True)) == {Job.SUCCEEDED}  # inline in tests
    fresh = staff_client.get(reverse("reports:dashboard"), PERIOD)
    assert total_card(fresh) == "7" and fresh.context["stale"] is False
    assert fresh.context["chart_data"]["trend"]["current"][5] == 5  # at the end of June, with 新来 (was 4)


def test_a_queued_recomputation_is_not_queued_twice(persons, staff_client, settings):
    settings.TONGXIN_JOBS_INLINE = False
    staff_client.get(reverse("reports:dashboard"), PERIOD)
    age(30)
    staff_client.get(reverse("reports:dashboard"), PERIOD)
    staff_client.get(reverse("reports:dashboard"), PERIOD)
    assert Job.objects.filter(kind=snapshots.JOB_KIND, status=Job.QUEUED).count() == 2  # figures + chart, once


def test_a_day_old_snapshot_is_computed_again_while_the_user_waits(persons, staff_client, make_person):
    staff_client.get(reverse("reports:dashboard"), PERIOD)
    make_person("新来", TOWNSHIP_A, "1", added_on=D(2025, 6, 1))
    age(60 * 25)
    response = staff_client.get(reverse("reports:dashboard"), PERIOD)
    assert total_card(response) == "7" and response.context["stale"] is False


def test_refresh_recomputes_now_and_comes_back_to_the_same_view(persons, staff_client, make_person):
    staff_client.get(reverse("reports:dashboard"), PERIOD)
    make_person("新来", TOWNSHIP_A, "1", added_on=D(2025, 6, 1))
    response = staff_client.post(reverse("reports:dashboard"), PERIOD)
    assert response.status_code == 302
    assert "region=510903" in response["Location"] and "metric=people.total" in response["Location"]
    page = staff_client.get(response["Location"])
    assert total_card(page) == "7"
    assert "统计数据已按最新记录重新计算" in page.content.decode()


def test_refresh_of_another_county_is_404_and_computes_nothing(persons, staff_client):
    response = staff_client.post(reverse("reports:dashboard"), {**PERIOD, "region": COUNTY_B})
    assert response.status_code == 404
    assert not FigureSnapshot.objects.exists()


def test_refresh_needs_the_reports_permission(persons, make_user, client):
    client.force_login(make_user("member", COUNTY_A))
    assert client.post(reverse("reports:dashboard"), PERIOD).status_code == 404
    assert not FigureSnapshot.objects.exists()


def test_snapshots_of_one_county_are_not_shown_for_another(persons, staff_client, other_staff_user):
    from django.test import Client

    other_staff_client = Client()
    other_staff_client.force_login(other_staff_user)
    staff_client.get(reverse("reports:dashboard"), PERIOD)
    other = other_staff_client.get(reverse("reports:dashboard"), {**PERIOD, "region": COUNTY_B})
    assert total_card(other) == "2"
    # asking for 船山区 shows the form's error and the user's own county, never the kept figures of 船山区
    refused = other_staff_client.get(reverse("reports:dashboard"), PERIOD)
    assert refused.context["region"].code == COUNTY_B and total_card(refused) == "2"
    assert refused.context["form"].errors


def test_max_age_zero_computes_every_page_and_keeps_nothing(persons, staff_client, make_person, settings):
    settings.TONGXIN_FIGURES_MAX_AGE = 0
    assert total_card(staff_client.get(reverse("reports:dashboard"), PERIOD)) == "6"
    make_person("新来", TOWNSHIP_A, "1", added_on=D(2025, 6, 1))
    assert total_card(staff_client.get(reverse("reports:dashboard"), PERIOD)) == "7"
    assert not FigureSnapshot.objects.exists()


def test_the_job_of_a_region_that_no_longer_exists_fails_with_a_message(db):
    from tongxin.core import jobs

    job = jobs.enqueue(snapshots.JOB_KIND, title="x", params={"kind": "dashboard", "region": "999999",
                                                              "from": "2025-01-01", "to": "2025-12-31"})
    assert job.status == Job.FAILED and "999999" in job.error


def test_unknown_snapshot_kind_is_refused():
    with pytest.raises(ValueError):
        snapshots._split("nonsense")


def test_refresh_figures_computes_the_dashboards_that_pages_then_read(persons, staff_client, settings):
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = StringIO()
    call_command("refresh_figures", "--region", COUNTY_A, "--from", YEAR[0].isoformat(), "--to",
                 YEAR[1].isoformat(), stdout=out)
    assert "已计算 1 个区划" in out.getvalue()
    assert set(FigureSnapshot.objects.values_list("kind", "region_code")) == {
        ("dashboard", COUNTY_A), ("chart:people.total", COUNTY_A)}
    with CaptureQueriesContext(connection) as queries:
        page = staff_client.get(reverse("reports:dashboard"), {**PERIOD, "metric": ""})
    assert total_card(page) == "6" and page.context["chosen"].key == "people.total"
    assert len(queries) < 25  # read, not computed


def test_refresh_figures_by_default_covers_the_counties_and_above(persons):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_figures", stdout=out)
    codes = set(FigureSnapshot.objects.filter(kind="dashboard").values_list("region_code", flat=True))
    assert {"51", "5109", COUNTY_A, COUNTY_B} <= codes
    assert not any(len(code) > 6 for code in codes)


def test_refresh_figures_rejects_a_bad_period(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="开始日期不能晚于结束日期"):
        call_command("refresh_figures", "--from", "2025-12-31", "--to", "2025-01-01")


def test_snapshots_not_refreshed_for_a_week_are_dropped(persons, staff_client):
    staff_client.get(reverse("reports:dashboard"), PERIOD)
    staff_client.get(reverse("reports:dashboard"), {**PERIOD, "region": "510903001"})
    FigureSnapshot.objects.filter(region_code="510903001").update(
        computed_at=timezone.now() - datetime.timedelta(days=8))
    assert snapshots.prune() == 2
    assert set(FigureSnapshot.objects.values_list("region_code", flat=True)) == {COUNTY_A}
