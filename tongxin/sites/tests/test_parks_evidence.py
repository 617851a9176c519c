"""Parks (园区) as evaluation units, and evidence files per criterion of an assessment."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongxin.core.models import Attachment, Region
from tongxin.core.scope_samples import PNG
from tongxin.core.services import save_region
from tongxin.sites import forms, services
from tongxin.sites.models import (
    EvaluationScheme,
    Indicator,
    IndicatorSource,
    Scoring,
    Standard,
    UnitKind,
    is_functional_zone,
    is_park,
)

from .conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A

D = datetime.date
CITY = "5109"
CITY_COUNTIES = ["510903", "510904", "510921", "510923", "510981"]
PARK = "510971"


@pytest.fixture
def park(regions):
    return save_region(code=PARK, name="遂宁同心产业园区")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _scheme(kind, region=CITY, name="县市区、园区统战工作评价办法"):
    return services.save_scheme(scheme=EvaluationScheme(region_id=region, name=name, year=2025, unit_kind=kind))


# --- Parks: codes and names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "zone"), [
    ("430371", True),  # 湖南湘潭高新技术产业园区
    ("320576", True),  # 苏州工业园区
    ("510981", False),  # 射洪市: 81–89 are county-level cities, not zones
    ("510903", False),
    ("110115403", True),  # 北京经济技术开发区 (类似乡级单位, 400–599)
    ("510903001", False),
    ("5109", False),
])
def test_functional_zones_by_code(code, zone):
    assert is_functional_zone(code) is zone


def test_parks_by_name_but_not_districts_that_end_in_yuan():
    assert is_park(Region(code="510990", name="遂宁物流园区"))
    assert is_park(Region(code="510903050", name="船山经济开发区"))
    for code, name in (("130706", "下花园区"), ("220106", "绿园区"), ("231282003", "西园区街道")):
        assert not is_park(Region(code=code, name=name)), name


# --- The units picker ------------------------------------------------------------------------------------------


def test_picker_offers_regions_by_unit_kind(park):
    save_region(code="510990", name="遂宁物流园区")  # a park by its name only
    codes = {kind: [r.code for r in services.unit_candidates(_scheme(kind, name=kind))] for kind in UnitKind.values
             if kind != UnitKind.TOWNSHIP}
    assert codes[UnitKind.COUNTY] == CITY_COUNTIES  # 射洪市 (510981) is a county-level city, not a park
    assert codes[UnitKind.PARK] == [PARK, "510990"]
    assert codes[UnitKind.MIXED] == sorted(CITY_COUNTIES + [PARK, "510990"])
    assert services.unit_candidates(_scheme(UnitKind.TOWNSHIP, name="乡镇")) == []  # a city has no townships below

    save_region(code="510903400", name="船山经济开发区")  # a township-level zone (类似乡级单位)
    townships = [r.code for r in services.unit_candidates(_scheme(UnitKind.TOWNSHIP, region=COUNTY_A))]
    assert TOWNSHIP_A in townships and "510903400" not in townships
    assert [r.code for r in services.unit_candidates(_scheme(UnitKind.PARK, region=COUNTY_A))] == ["510903400"]


def test_picker_groups_parks_apart_and_keeps_units_that_no_longer_fit(park):
    scheme = _scheme(UnitKind.MIXED)
    form = forms.UnitsForm(scheme=scheme)
    groups = {g["kind"]: [c.data["value"].instance.code for c in g["choices"]] for g in form.groups()}
    assert groups == {UnitKind.COUNTY: CITY_COUNTIES, UnitKind.PARK: [PARK]}
    scheme_c = _scheme(UnitKind.COUNTY, name="县市区")
    # A unit chosen before the kind was narrowed (written directly, as an old scheme might hold it) stays visible.
    scheme_c.units.create(unit_region_id=PARK)
    groups = {g["kind"]: [c.data["value"].instance.code for c in g["choices"]] for g in
              forms.UnitsForm(scheme=scheme_c).groups()}
    assert groups[""] == [PARK] and groups[UnitKind.COUNTY] == CITY_COUNTIES


def test_the_scheme_page_shows_the_picker_by_group(client, make_user, park):
    scheme = _scheme(UnitKind.MIXED)
    client.force_login(make_user("staff", CITY))
    page = client.get(scheme.get_absolute_url()).content.decode()
    assert "园区（开发区、高新区等功能区）" in page and "遂宁同心产业园区" in page and "射洪市" in page


# --- Validation ------------------------------------------------------------------------------------------------


def test_set_units_refuses_a_unit_of_the_wrong_kind_naming_it(park):
    counties = _scheme(UnitKind.COUNTY)
    with pytest.raises(ValidationError) as error:
        services.set_units(scheme=counties, regions=Region.objects.filter(code__in=[COUNTY_A, PARK]))
    message = error.value.message_dict["units"][0]
    assert "“遂宁同心产业园区”是园区" in message and "县（市、区）和园区" in message
    assert not counties.units.exists()

    parks = _scheme(UnitKind.PARK, name="园区")
    with pytest.raises(ValidationError, match="“船山区”不是园区"):
        services.set_units(scheme=parks, regions=Region.objects.filter(code=COUNTY_A))
    townships = _scheme(UnitKind.TOWNSHIP, region=COUNTY_A, name="乡镇")
    with pytest.raises(ValidationError, match="不在评价办法的区划"):
        services.set_units(scheme=townships, regions=Region.objects.filter(code="510904001"))

    mixed = _scheme(UnitKind.MIXED, name="混合")
    save_region(code="510903400", name="船山经济开发区")
    with pytest.raises(ValidationError, match="“船山经济开发区”在“船山区”之内"):
        services.set_units(scheme=mixed, regions=Region.objects.filter(code__in=[COUNTY_A, "510903400"]))
    assert len(services.set_units(scheme=mixed, regions=Region.objects.filter(code__in=[COUNTY_A, PARK]))) == 2
    mixed.unit_kind = UnitKind.COUNTY
    with pytest.raises(ValidationError) as error:
        services.save_scheme(scheme=mixed)
    assert "“遂宁同心产业园区”是园区" in error.value.message_dict["unit_kind"][0]


def test_units_page_shows_the_error(client, make_user, park):
    scheme = _scheme(UnitKind.COUNTY)
    client.force_login(make_user("staff", CITY))
    response = client.post(reverse("sites:evaluationscheme_units", args=[scheme.pk]),
                           {"regions": [Region.objects.get(code=PARK).pk]})
    assert response.status_code == 302
    assert any("“遂宁同心产业园区”是园区" in str(m) for m in get_messages(response.wsgi_request))
    assert not scheme.units.exists()


# --- Scoring a park --------------------------------------------------------------------------------------------


def test_compute_scheme_scores_a_park_from_its_records(client, make_user, make_site, park):
    make_site("园区新阶人士服务站", PARK)
    make_site("同心驿站", TOWNSHIP_A)
    make_site("另一驿站", TOWNSHIP_A)
    scheme = _scheme(UnitKind.MIXED)
    services.save_indicator(indicator=Indicator(scheme=scheme, name="阵地建设", weight=Decimal("20"),
                                                metric_key="sites.count", scoring=Scoring.TARGET,
                                                target=Decimal("1")))
    services.save_indicator(indicator=Indicator(scheme=scheme, name="阵地数量", weight=Decimal("10"),
                                                metric_key="sites.count"))
    manual = services.save_indicator(indicator=Indicator(scheme=scheme, name="亮点", weight=Decimal("10"),
                                                         source=IndicatorSource.MANUAL))
    services.set_units(scheme=scheme, regions=Region.objects.filter(code__in=[COUNTY_A, COUNTY_B, PARK]))
    services.compute_scheme(scheme=scheme)
    units = {u.unit_region_id: u for u in scheme.units.all()}
    park_unit = units[PARK]
    assert park_unit.kind == UnitKind.PARK and units[COUNTY_A].kind == UnitKind.COUNTY
    assert [s.score for s in park_unit.scores.order_by("indicator__order")] == [Decimal("20.00"), Decimal("5.00")]
    assert park_unit.scores.get(indicator__name="阵地数量").detail["raw"] == "1"
    assert (units[COUNTY_A].total, park_unit.total, units[COUNTY_B].total) == (Decimal("30"), Decimal("25"),
                                                                               Decimal("0"))
    services.score_by_hand(unit=park_unit, indicator=manual, score=Decimal("10"), evidence="园区品牌")
    park_unit.refresh_from_db()
    assert (park_unit.total, park_unit.rank) == (Decimal("35.00"), 1)

    client.force_login(make_user("admin", CITY))  # 市级管理员 sees the city's scheme
    page = client.get(scheme.get_absolute_url()).content.decode()
    assert "bg-purple-lt\">园区</span>" in page and "县（市、区）" in page
    assert "园区" in client.get(park_unit.get_absolute_url()).content.decode()
    data = client.get(f"/api/sites/evaluation/{scheme.pk}/").json()
    kinds = {u["unit_region"]: (u["kind"], u["kind_label"]) for u in data["units"]}
    assert kinds[PARK] == ("park", "园区") and kinds[COUNTY_A] == ("county", "县（市、区）")
    assert data["unit_kind"] == "mixed" and data["unit_kind_label"] == "县（市、区）和园区"


def test_a_county_user_gets_404_for_another_countys_scheme_and_units(client, staff_user, regions):
    other = _scheme(UnitKind.TOWNSHIP, region=COUNTY_B, name="安居区乡镇评价办法")
    services.set_units(scheme=other, regions=Region.objects.filter(code="510904001"))
    unit = other.units.get()
    city = _scheme(UnitKind.COUNTY)
    services.set_units(scheme=city, regions=Region.objects.filter(code=COUNTY_A))
    client.force_login(staff_user)
    for scheme, unit_ in ((other, unit), (city, city.units.get())):
        for url in (scheme.get_absolute_url(), reverse("sites:evaluationscheme_export", args=[scheme.pk]),
                    unit_.get_absolute_url()):
            assert client.get(url).status_code == 404, url
        for name in ("sites:evaluationscheme_units", "sites:evaluationscheme_compute"):
            assert client.post(reverse(name, args=[scheme.pk]), {}).status_code == 404
    assert client.get(f"/api/sites/evaluation/{other.pk}/").status_code == 404
    assert other.units.count() == 1


# --- Evidence files per criterion ------------------------------------------------------------------------------


@pytest.fixture
def assessment(make_site):
    site = make_site("同心驿站", TOWNSHIP_A)
    return services.create_assessment(standard=Standard.objects.get(code="shiyou", is_current=True), site=site,
                                      assessed_on=D(2025, 6, 1))


def _result(assessment, name):
    return assessment.results.select_related("criterion").get(criterion__name=name)


def _add(client, result, name="现场照片.png", content=PNG):
    return client.post(reverse("core:attachment_add", args=["sites.criterionresult", result.pk]),
                       {"file": SimpleUploadedFile(name, content)})


def test_staff_uploads_evidence_to_a_criterion(staff_client, assessment):
    result = _result(assessment, "有工作机构")
    page = staff_client.get(assessment.get_absolute_url()).content.decode()
    assert reverse("core:attachment_add", args=["sites.criterionresult", result.pk]) in page  # the upload control
    response = _add(staff_client, result, name="机构设置文件.pdf", content=b"%PDF-1.4\n%%EOF\n")
    assert response.status_code == 302
    stored = Attachment.objects.get()
    assert (stored.object_id, stored.region_id, stored.kind) == (result.pk, TOWNSHIP_A, "file")
    page = staff_client.get(assessment.get_absolute_url()).content.decode()
    assert "机构设置文件.pdf" in page and "已上传材料，待评定" in page
    download = staff_client.get(reverse("core:attachment_download", args=[stored.pk]))
    assert download.status_code == 200
    data = staff_client.get(f"/api/sites/assessments/{assessment.pk}/").json()
    row = next(r for r in data["results"] if r["id"] == result.pk)
    assert row["evidence_status"] == "files" and row["files"][0]["original_name"] == "机构设置文件.pdf"


def test_other_county_and_read_only_users_get_404(client, other_staff_user, make_user, assessment):
    result = _result(assessment, "有工作机构")
    client.force_login(make_user("staff", COUNTY_A))
    _add(client, result)
    stored = Attachment.objects.get()
    client.force_login(other_staff_user)
    assert _add(client, result).status_code == 404
    assert client.get(reverse("core:attachment_download", args=[stored.pk])).status_code == 404
    assert client.post(reverse("core:attachment_delete", args=[stored.pk])).status_code == 404
    leader = make_user("leader", COUNTY_A)  # may view the assessment, not change it
    client.force_login(leader)
    assert _add(client, result).status_code == 404
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "现场照片.png" in page
    assert reverse("core:attachment_add", args=["sites.criterionresult", result.pk]) not in page
    assert Attachment.objects.count() == 1


def test_a_file_counts_as_evidence_where_the_rule_takes_files(staff_client, assessment):
    manual = _result(assessment, "有工作机构")  # 人工评定: files are its evidence
    by_records = _result(assessment, "有代表人士")  # needs member records: a file cannot stand in for them
    assert manual.met is None and by_records.met is False and by_records.prefilled
    before = services.evidence_summary(assessment)
    assert manual in before["missing"] and by_records in before["failed"]
    _add(staff_client, manual)
    _add(staff_client, by_records)
    after = services.evidence_summary(assessment)
    assert after["status"][manual.pk] == services.FILES and manual not in after["missing"]
    assert manual in after["with_files"]
    assert after["status"][by_records.pk] == services.FAILED
    assert len(after["missing"]) == len(before["missing"]) - 1
    # Files evidence a criterion; the score stays the assessor's judgement.
    assessment.refresh_from_db()
    score = assessment.score
    services.record_result(result=manual, met=True, evidence_note="见上传的机构设置文件")
    assert services.evidence_summary(assessment)["status"][manual.pk] == services.JUDGED_MET
    assessment.refresh_from_db()
    assert assessment.score > score
    page = staff_client.get(assessment.get_absolute_url()).content.decode()
    assert "本项须由平台记录证明，上传的材料仅供参考" in page


@pytest.mark.parametrize(("name", "content", "message"), [
    ("名单.exe", b"MZ\x90\x00", "只能上传以下格式的文件"),
    ("假照片.png", b"not an image at all", "内容与扩展名不符"),
])
def test_a_bad_file_is_refused_with_a_chinese_message(staff_client, assessment, name, content, message):
    result = _result(assessment, "有工作机构")
    response = _add(staff_client, result, name=name, content=content)
    assert response.status_code == 302
    assert any(message in str(m) and name in str(m) for m in get_messages(response.wsgi_request))
    assert not Attachment.objects.exists()
    assert services.evidence_summary(assessment)["status"][result.pk] == services.MISSING


def test_deleting_an_assessment_removes_its_criterion_files(staff_client, assessment):
    _add(staff_client, _result(assessment, "有工作机构"))
    assert Attachment.objects.count() == 1
    assessment.delete()
    assert not Attachment.objects.exists()


# --- 五有四见 (seed 003) -------------------------------------------------------------------------------------------


def _old_placeholders(standard):
    for order, name in enumerate(("第五个“有”（待补充）", "见人", "见物", "见事", "见效"), start=5):
        standard.criteria.create(order=order, name=name, stated_in_source=False)
    standard.description = "出处只写明成都“4个有”（有组织形式、有载体平台、有常态活动、有统战展示）；……"
    standard.save()


def test_migration_drops_unstated_criteria_from_an_unused_copy():
    from django.apps import apps

    migration = importlib.import_module("tongxin.sites.migrations.0004_unit_kind_parks_evidence_files")
    standard = Standard.objects.get(code="wuyou-sijian-sc")
    _old_placeholders(standard)
    migration.correct_wuyou_sijian_sc(apps, None)
    standard.refresh_from_db()
    assert [c.name for c in standard.criteria.all()] == ["有组织形式", "有载体平台", "有常态活动", "有统战展示"]
    assert standard.version == 1 and "出处未列明，这里不作补充" in standard.description


def test_migration_publishes_a_corrected_version_of_a_used_copy(make_site):
    from django.apps import apps

    migration = importlib.import_module("tongxin.sites.migrations.0004_unit_kind_parks_evidence_files")
    standard = Standard.objects.get(code="wuyou-sijian-sc")
    _old_placeholders(standard)
    used = services.create_assessment(standard=standard, site=make_site())
    migration.correct_wuyou_sijian_sc(apps, None)
    assert used.results.count() == 9  # the assessment keeps the version it was made with
    current = Standard.objects.get(code="wuyou-sijian-sc", is_current=True)
    assert current.version == 2
    assert [c.name for c in current.criteria.all()] == ["有组织形式", "有载体平台", "有常态活动", "有统战展示"]
