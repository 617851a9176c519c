"""`tongxin bench reports` at a tiny N, as CI runs it: it must build the synthetic city, measure the report and
the dashboard for the city and a county, and print the documented JSON."""

import io
import json

from django.core.management import call_command

PERSONS = 1000


def test_reports_benchmark_small_city(tmp_path):
    out = io.StringIO()
    call_command("bench", "reports", "--persons", str(PERSONS), "--db", "sqlite", "--format", "json",
                 "--repeat", "1", "--output", str(tmp_path / "result.json"), stdout=out)
    result = json.loads(out.getvalue())
    assert result == json.loads((tmp_path / "result.json").read_text())
    assert set(result) == {"persons", "db", "report", "dashboard"}
    assert result["persons"] == PERSONS and result["db"] == "sqlite"
    assert set(result["report"]) == set(result["dashboard"]) == {"city", "county"}
    for figures in result["report"].values():
        assert set(figures) == {"seconds", "baseline_seconds", "ratio"}
        assert figures["seconds"] > 0 and figures["baseline_seconds"] > 0
        assert abs(figures["ratio"] - figures["seconds"] / figures["baseline_seconds"]) <= 0.02 * figures["ratio"]
    for figures in result["dashboard"].values():
        assert set(figures) == {"ms", "cold_ms"} and figures["ms"] > 0 and figures["cold_ms"] > 0


def test_synthetic_city_counts_match_the_report(db):
    """The generated rows are what the report counts: persons, activities, attendances, proposals."""
    import datetime

    from tongxin.bench import reports as bench
    from tongxin.core.services import load_regions
    from tongxin.reports import services

    load_regions()
    counts = bench.build_city(500, seed=3)
    year = bench._year()
    region = services.resolve_region(bench.CITY)
    figures = services.build_report(region, datetime.date(year - 1, 1, 1), datetime.date(year, 12, 31))["metrics"]
    from tongxin.people.models import Person

    assert counts["persons"] == 500 == Person.objects.count()
    assert figures["people.total"] == Person.objects.filter(status="active").count()
    assert figures["activities.count"]["total"] == counts["activities"]
    assert figures["activities.attendance"]["total"] == counts["attendances"] == 10 * counts["activities"]
    assert figures["proposals.submitted"]["total"] == counts["proposals"]
    assert figures["contacts.count"]["total"] == counts["contacts"]
