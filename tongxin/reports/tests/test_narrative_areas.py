"""The default template's sections for activities, training, services, donations, voice, arrangements, sites,
tasks and points: sentences in the seeds' manner from the registered metrics, left out without records."""

import datetime
import re

import pytest

from tongxin.reports import narrative, registry
from tongxin.reports.default_template import DEFAULT

CONTEXT = {"region": "船山区", "region_full": "四川省遂宁市船山区", "period": "2025年", "year": "2025"}
YEAR = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))


def _text(metrics) -> str:
    result = narrative.render(DEFAULT, metrics, CONTEXT)
    return "\n".join(f"{s['number']}、{s['title']}\n{s['text']}" for s in result.sections)


def _figures():
    return {
        "activities.count": {"total": 137, "by": {"学习宣讲": 61, "主题活动": 12, "文化活动": 43, "志愿服务": 0,
                                                  "座谈会": 0, "联谊活动": 21}},
        "activities.attendance": {"total": 4321, "by": {}},
        "training.classes": 3, "training.trainees": 268,
        "services.programs": 12, "services.enterprises": 35, "activities.beneficiaries": 3650,
        "donations.value": 362000, "donations.items": 8,
        "proposals.submitted": {"total": 326, "by": {}}, "proposals.adopted": {"total": 41, "by": {}},
        "research.activities": 5, "research.reports": 4, "consultation.meetings": {"total": 14, "by": {}},
        "arrangements.by_body": {"total": 17, "by": {"人大代表": 9, "政协委员": 5, "工商联执委": 0, "其他": 3}},
        "honors.count": {"total": 6, "by": {}},
        "sites.count": {"total": 7, "by": {}}, "sites.assessed": 4, "tasks.total": 12,
        "points.issued": 15230, "points.redeemed": 820,
    }


def test_the_areas_read_like_the_seeds():
    text = _text(_figures())
    assert "开展专题宣讲、联谊交流等各类活动130余次，参与4300余人次，其中开展学习宣讲活动60余次，举办主题活动10余场，" \
           "开展文化活动40余场，开展联谊活动20余次；举办新阶人士能力提升培训班3期，轮训新阶人士260余人次" in text
    assert "志愿服务活动" not in text and "座谈会" not in text  # parts with no records are left out
    assert "组织新阶代表人士参加协商议事活动10余次，开展专题调研5次，形成调研报告4篇，收集新阶人士意见建议320余条，" \
           "其中被采纳40余条" in text
    assert "等17人次，其中人大代表9名，政协委员5名，新阶人士和联谊组织获得各级表彰6项" in text
    assert "工商联执委0" not in text
    assert "打造实践创新基地、新阶人士活动阵地等7个，开展阵地达标评估4个，推进创新示范点建设等重点任务12项" in text
    assert "捐款捐物及以购代扶36万余元，捐赠物资8件" in text
    assert "推行积分管理，让新阶人士“比”起来" in text
    assert "发放积分1万余分" in text
    assert "兑换积分820分" in text


def test_sections_without_records_are_left_out():
    figures = _figures()
    for key in ("points.issued", "points.redeemed", "sites.count", "sites.assessed", "tasks.total"):
        figures[key] = 0
    figures["activities.count"] = {"total": 0, "by": {"学习宣讲": 0}}
    figures["activities.attendance"] = {"total": 0, "by": {}}
    figures["training.classes"] = figures["training.trainees"] = 0
    text = _text(figures)
    assert "积分" not in text and "阵地" not in text and "活动平台" not in text
    numbers = re.findall(r"^([一二三四五六七八九十]+)、", text, re.M)
    assert numbers == narrative.CHINESE_NUMBERS[:len(numbers)]  # renumbered without gaps
    assert "0次" not in text and "0名" not in text


@pytest.mark.django_db
def test_the_parts_the_template_names_exist_in_the_registered_metrics():
    """`{activities.count[学习宣讲]}` and `{arrangements.by_body[人大代表]}` must name labels the metrics really
    break down by (a renamed label would silently drop the sentence)."""
    from tongxin.core.services import seed_dictionaries

    seed_dictionaries()
    named = {}
    for section in DEFAULT["sections"]:
        for sentence in section["sentences"]:
            for item in narrative.parse(sentence)[0]:
                if item.is_metric:
                    assert registry.exists(item.name), item.name
                    if item.part:
                        named.setdefault(item.name, set()).add(item.part)
    assert set(named) >= {"activities.count", "arrangements.by_body"}
    for key, parts in named.items():
        value = registry.get(key).compute("510903", *YEAR)
        assert parts <= set(value["by"]), (key, parts - set(value["by"]))
    assert narrative.validate_spec(DEFAULT) == []


@pytest.mark.django_db
def test_the_report_of_a_county_with_activities_writes_the_activities_section(regions):
    """End to end: activities recorded in the county (inserted like the benchmark does) appear in the narrative
    of the county's report with the figures the registry computes; the other county's do not."""
    from django.db import connection

    from tongxin.activities.models import Activity
    from tongxin.bench.reports import Inserter
    from tongxin.core.services import seed_dictionaries
    from tongxin.reports import services

    seed_dictionaries()
    begins = datetime.datetime(2025, 5, 1, 9, tzinfo=datetime.UTC)
    rows = [(i + 1, "510903" if i < 62 else "510904", f"活动{i}", "02", begins, begins, datetime.date(2025, 5, 1),
             False, f"t{i}") for i in range(70)]
    Inserter(connection).insert(Activity, iter(rows), ["id", "region_code", "title", "type", "starts_at", "ends_at",
                                                       "start_date", "is_cancelled", "checkin_token"])
    region = services.resolve_region("510903")
    document = services.build_document(region, *YEAR, charts=False)
    text = "\n".join(s["text"] for s in document.narrative.sections)
    assert "其中开展学习宣讲活动60余次" in text
    assert "各类活动60余次" in text
