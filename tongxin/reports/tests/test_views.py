import json
import re

import pytest
from django.urls import reverse

from tongxin.core.models import Job
from tongxin.reports.default_template import DEFAULT

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A, YEAR

PERIOD = {"period": "custom", "from": YEAR[0].isoformat(), "to": YEAR[1].isoformat()}


def records_url(key, region, **params):
    return reverse("reports:records", kwargs={"key": key, "region": region}) + "?" + "&".join(
        f"{k}={v}" for k, v in {"from": YEAR[0].isoformat(), "to": YEAR[1].isoformat(), **params}.items())


def chart_data(response) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', response.content.decode(),
                      re.S)
    return json.loads(match.group(1))


def test_nav_has_the_reports_section(staff_client):
    page = staff_client.get(reverse("core:home")).content.decode()
    for label in ("统计报告", "驾驶舱", "工作报告", "区域比较", "报告模板"):
        assert label in page


def test_dashboard_figures_change_charts_and_links(persons, staff_client):
    response = staff_client.get(reverse("reports:dashboard"), {**PERIOD, "metric": "people.new_in_period"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>" not in page.replace('<script id="dashboard-data" type="application/json">', "")
    cards = {c["key"]: c for c in response.context["cards"]}
    assert cards["people.total"]["value"] == "6" and cards["people.total"]["previous"] == "1"
    assert cards["people.total"]["delta"] == 5 and cards["people.total"]["percent"] == 500.0
    assert records_url("people.total", COUNTY_A).replace("&", "&amp;") in page
    data = chart_data(response)
    assert data["metric"]["key"] == "people.new_in_period"
    assert sum(data["trend"]["current"]) == 5 and data["trend"]["current"][1] == 1  # 甲二 in February
    assert len(data["trend"]["urls"]) == 12 and "from=2025-02-01&to=2025-02-28" in data["trend"]["urls"][1]
    townships = dict(zip(data["regions"]["codes"], data["regions"]["values"], strict=True))
    assert townships["510903001000"] == 2 and townships["510903002000"] == 2
    assert data["regions"]["map"] is None  # no outlines of 船山区's townships
    pie = {p["key"]: p for p in data["parts"]}["people.by_category"]
    assert {i["name"]: i["value"] for i in pie["items"]}["民营企业和外资企业管理技术人员"] == 3


def test_the_city_dashboard_has_the_map(persons, admin_user, client):
    from tongxin.core.services import ensure_roles

    ensure_roles()
    client.force_login(admin_user)
    data = chart_data(client.get(reverse("reports:dashboard"), PERIOD))
    assert data["regions"]["map"].endswith("reports/maps/5109.json")
    assert dict(zip(data["regions"]["codes"], data["regions"]["values"], strict=True))["510904"] == 2


def test_dashboard_query_count_does_not_grow_with_the_data(make_person, staff_client, settings,
                                                           django_assert_max_num_queries):
    """Computed from the records on every page (snapshots off), the queries do not grow with the rows."""
    from django.db import connection

    settings.TONGXIN_FIGURES_MAX_AGE = 0
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(reverse("reports:dashboard"), PERIOD).status_code == 200
        return len(queries)

    make_person("一", TOWNSHIP_A)
    count()  # caches warm (content types, dictionaries)
    few = count()
    for n in range(30):
        make_person(f"多{n}", TOWNSHIP_A if n % 2 else COUNTY_A, str(n % 4 + 1))
    assert count() == few
    from tongxin.reports import registry

    metrics = len(registry.all_metrics())
    # two per metric (this and the previous period) + the chosen metric by month twice and by township
    # (fallbacks: 12 + 12 + one per township) + session, user, permissions, regions
    with django_assert_max_num_queries(2 * metrics + 24 + 40 + 15):
        staff_client.get(reverse("reports:dashboard"), PERIOD)


def test_records_page_lists_the_records_with_links_and_pages(persons, staff_client, monkeypatch):
    from tongxin.reports.views import RecordsView

    monkeypatch.setattr(RecordsView, "page_size", 4)
    response = staff_client.get(records_url("people.total", COUNTY_A))
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["value"] == "6"
    first = [row["label"] for row in response.context["rows"]]
    assert len(first) == 4 and response.context["next_url"]
    second = staff_client.get(reverse("reports:records", kwargs={"key": "people.total", "region": COUNTY_A})
                              + response.context["next_url"])
    names = first + [row["label"] for row in second.context["rows"]]
    assert sorted(names) == sorted(["甲一", "甲二", "甲三", "乙一", "乙二", "丙一"])
    assert f'href="{persons[0].get_absolute_url()}"' in page or f'href="{persons[0].get_absolute_url()}"' in \
        second.content.decode()


@pytest.mark.parametrize("url", [
    records_url("people.total", COUNTY_A),
    records_url("people.total", "510903001000"),
    records_url("people.total", "510900"),
    records_url("people.total", "000000"),
])
def test_records_of_another_county_are_404(persons, other_staff_user, client, url):
    client.force_login(other_staff_user)
    assert client.get(url).status_code == 404


def test_records_unknown_metric_or_bad_dates_are_404(persons, staff_client):
    assert staff_client.get(records_url("no.such", COUNTY_A)).status_code == 404
    assert staff_client.get(records_url("people.total", COUNTY_A, to="2024-01-01")).status_code == 404


def test_member_cannot_see_reports(make_user, client):
    client.force_login(make_user("member"))
    for name in ("reports:dashboard", "reports:report", "reports:compare", "reports:reporttemplate_list"):
        assert client.get(reverse(name)).status_code == 404
    assert client.get(records_url("people.total", COUNTY_A)).status_code == 404


def test_leader_sees_reports_but_not_the_template_editor(persons, make_user, client):
    client.force_login(make_user("leader"))
    assert client.get(reverse("reports:dashboard")).status_code == 200
    assert client.get(reverse("reports:reporttemplate_list")).status_code == 404


def test_a_region_outside_the_scope_is_rejected_by_the_form(persons, staff_client):
    response = staff_client.get(reverse("reports:dashboard"), {**PERIOD, "region": COUNTY_B})
    assert response.status_code == 200
    assert response.context["region"].code == COUNTY_A  # falls back to the user's own scope
    assert response.context["form"].errors["region"]


def test_report_page_previews_the_narrative_and_exports(persons, staff_client):
    response = staff_client.get(reverse("reports:report"), PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "船山区2025年新的社会阶层人士统战工作总结" in page and "精准识别新的社会阶层人士“四类人员”6名" in page
    form = {"region": COUNTY_A, **PERIOD}
    md = staff_client.post(reverse("reports:report_export"), {**form, "format": "md"})
    assert md.status_code == 200 and "attachment" in md["Content-Disposition"]
    assert "| 人士库人数 | 6 | 人 |" in md.content.decode()
    xlsx = staff_client.post(reverse("reports:report_export"), {**form, "format": "xlsx"})
    assert xlsx.content[:2] == b"PK"


@pytest.mark.parametrize("fmt, magic", [("docx", b"PK"), ("pdf", b"%PDF")])
def test_docx_and_pdf_are_made_by_a_job_whose_page_offers_the_file(persons, staff_client, staff_user, fmt, magic):
    response = staff_client.post(reverse("reports:report_export"), {"region": COUNTY_A, **PERIOD, "format": fmt})
    job = Job.objects.get(kind="reports_export")
    assert response.status_code == 302 and response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == Job.SUCCEEDED, job.error
    assert job.user == staff_user and job.region_code == COUNTY_A
    assert job.result_file.name.endswith(f".{fmt}")
    with job.result_file.open("rb") as handle:
        assert handle.read()[:4].startswith(magic)
    assert staff_client.get(reverse("core:job_detail", args=[job.pk])).status_code == 200


def test_export_without_parameters_goes_back_with_a_message(staff_client):
    response = staff_client.post(reverse("reports:report_export"), follow=True)
    assert response.status_code == 200 and "请先选择区划、期间和格式" in response.content.decode()


def test_compare_regions_ranks_and_exports(persons, staff_client):
    from python_calamine import CalamineWorkbook

    response = staff_client.get(reverse("reports:compare"), PERIOD)
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert comparison.values["people.total"][TOWNSHIP_A] == 3 and comparison.ranks["people.total"][TOWNSHIP_A] == 1
    export = staff_client.get(reverse("reports:compare"), {**PERIOD, "export": "xlsx"})
    assert export.status_code == 200
    import io

    rows = CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_index(0).to_python()
    header = list(rows[0])
    by_name = {row[0]: row for row in rows[1:]}
    column = header.index("人士库人数（人）")
    assert by_name["南津路街道"][column] == 3 and by_name["南津路街道"][column + 1] == 1
    assert by_name["合计（船山区）"][column] == 6


def test_compare_escapes_formulas_in_region_names(persons, staff_client):
    from python_calamine import CalamineWorkbook

    from tongxin.core.services import save_region

    save_region(code="510903099", name="=HYPERLINK(\"http://x\")")
    export = staff_client.get(reverse("reports:compare"), {**PERIOD, "export": "xlsx"})
    import io

    rows = CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_index(0).to_python()
    assert "'=HYPERLINK(\"http://x\")" in [row[0] for row in rows]


def test_compare_periods(persons, staff_client):
    response = staff_client.get(reverse("reports:compare"), {**PERIOD, "mode": "periods"})
    rows = {r["metric"].key: r for r in response.context["rows"]}
    assert (rows["people.total"]["a"], rows["people.total"]["b"], rows["people.total"]["delta"]) == (6, 1, 5)
    assert response.context["compare_from"].isoformat() == "2024-01-01"
    export = staff_client.get(reverse("reports:compare"), {**PERIOD, "mode": "periods", "export": "xlsx"})
    assert export.content[:2] == b"PK"


def test_template_editor_validates_placeholders_in_chinese(staff_client):
    from tongxin.reports.models import ReportTemplate

    template = ReportTemplate.objects.get(is_default=True)
    url = reverse("reports:reporttemplate_edit", args=[template.pk])
    page = staff_client.get(url)
    assert page.status_code == 200 and "## 完善组织体系" in page.content.decode()
    data = {"name": template.name, "title": "{region}总结", "opening": "", "closing": "", "is_default": "on",
            "sections_text": "## 人士\n在册{people.totl}人\n", "charts_text": "people.total | 饼图 | 人数"}
    response = staff_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "第1节第1句：占位符“{people.totl}”中的“people.totl”不是已登记的指标代码" in errors["sections_text"]
    assert "类型“饼图”无法识别" in errors["charts_text"][0]
    data.update(sections_text="## 人士\n在册{people.total}人，\n开展活动{activities.count|prose}次\n",
                charts_text="people.total | 区划 | 各地人数")
    response = staff_client.post(url, data)
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.sections == [{"title": "人士", "sentences": ["在册{people.total}人，", "开展活动{activities.count|prose}次"]}]
    assert template.charts == [{"metric": "people.total", "kind": "region", "title": "各地人数"}]
    staff_client.post(reverse("reports:reporttemplate_reset", args=[template.pk]))
    template.refresh_from_db()
    assert len(template.sections) == len(DEFAULT["sections"])


def test_one_default_template_and_the_default_cannot_be_deleted(staff_client):
    from tongxin.reports.models import ReportTemplate

    default = ReportTemplate.objects.get(is_default=True)
    response = staff_client.post(reverse("reports:reporttemplate_add"), {
        "name": "简报", "title": "{region}简报", "sections_text": "## 一\n人士{people.total}名", "is_default": "on"})
    assert response.status_code == 302
    assert list(ReportTemplate.objects.filter(is_default=True).values_list("name", flat=True)) == ["简报"]
    new = ReportTemplate.objects.get(name="简报")
    staff_client.post(reverse("reports:reporttemplate_delete", args=[new.pk]))
    assert ReportTemplate.objects.filter(pk=new.pk).exists()
    staff_client.post(reverse("reports:reporttemplate_delete", args=[default.pk]))
    assert not ReportTemplate.objects.filter(pk=default.pk).exists()


def test_home_links_to_the_dashboard_and_each_figure_to_its_records(persons, staff_client):
    page = staff_client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse("reports:dashboard")}"' in page
    assert reverse("reports:records", kwargs={"key": "people.total", "region": "510903"}) in page


def test_anonymous_users_are_sent_to_the_login(client, regions):
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))


def test_compare_mode_alone_in_the_query_is_kept(persons, staff_client):
    response = staff_client.get(reverse("reports:compare"), {"mode": "periods"})
    assert response.context["mode"] == "periods"
