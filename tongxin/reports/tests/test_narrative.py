from decimal import Decimal

import pytest

from tongxin.reports import narrative
from tongxin.reports.narrative import prose_number


@pytest.mark.parametrize("n, unit, expected", [
    (0, "", "0"),
    (3, "个", "3个"),
    (8, "台", "8台"),
    (Decimal("6.5"), "", "6.5"),
    (10, "次", "10次"),
    (15, "次", "10余次"),          # 10余次 (seed 000)
    (61, "次", "60余次"),          # 60余次
    (60, "次", "60次"),            # a round figure is not "余"
    (99, "", "90余"),
    (104, "人", "100余人"),
    (200, "人次", "200人次"),
    (325, "条", "320余条"),        # 320余条
    (668, "名", "660余名"),
    (1000, "人次", "1000人次"),
    (1032, "人次", "1000余人次"),  # 1000余人次 (seed 001)
    (1750, "名", "1700余名"),      # 1700余名 (seed 004)
    (9999, "", "9900余"),
    (10000, "元", "1万元"),
    (23456, "名", "2万余名"),      # 2万余名
    (60500, "元", "6万余元"),      # 6万余元 (seed 000)
    (360000, "元", "36万元"),
    (Decimal("365432.50"), "元", "36万余元"),  # 36万余元
    (123_456_789, "元", "1.2亿余元"),
    (Decimal("87.5"), "%", "87.5%"),
])
def test_prose_number_rounds_like_the_seeds(n, unit, expected):
    assert prose_number(n, unit) == expected


def test_fill_exact_prose_parts_and_context():
    metrics = {"a.count": 61, "a.split": {"total": 12, "by": {"人大代表": 9, "政协委员": 3}}}
    context = {"region": "船山区", "period": "2025年"}
    assert narrative.fill("{period}，{region}开展活动{a.count|prose}次（{a.count}次）", metrics, context) == \
        "2025年，船山区开展活动60余次（61次）"
    assert narrative.fill("担任人大代表{a.split[人大代表]}名、合计{a.split}名", metrics, context) == "担任人大代表9名、合计12名"


@pytest.mark.parametrize("text", ["缺{a.missing}个", "为零{a.zero}个", "分项为零{a.split[工商联执委]}名", "{a.count}与{a.zero}"])
def test_a_sentence_naming_a_zero_or_missing_figure_is_left_out(text):
    metrics = {"a.count": 5, "a.zero": 0, "a.split": {"total": 9, "by": {"人大代表": 9}}}
    assert narrative.fill(text, metrics, {}) is None


def test_render_leaves_out_empty_sections_numbers_the_rest_and_closes_the_paragraph():
    spec = {
        "title": "{region}{period}工作总结",
        "opening": "{period}，{region}扎实推进工作。",
        "sections": [
            {"title": "组织", "sentences": ["新建组织{o.new}个，", "吸纳会员{o.members}名；"]},
            {"title": "活动", "sentences": ["{ordinal}开展活动{x.count|prose}次，", "{ordinal}参与{x.people|prose}人次；"]},
            {"title": "队伍", "sentences": ["{ordinal}识别人士{p.total}名；", "{ordinal}代表人士{p.reps}名；"]},
        ],
        "closing": "",
    }
    metrics = {"o.new": 0, "o.members": 0, "x.count": 0, "x.people": 1234, "p.total": 272, "p.reps": 46}
    result = narrative.render(spec, metrics, {"region": "船山区", "period": "2025年"})
    assert result.title == "船山区2025年工作总结"
    assert result.opening == ["2025年，船山区扎实推进工作。"]
    assert [(s["number"], s["title"]) for s in result.sections] == [("一", "活动"), ("二", "队伍")]
    assert result.sections[0]["text"] == "一是参与1200余人次。"
    assert result.sections[1]["text"] == "一是识别人士272名；二是代表人士46名。"
    assert "组织" not in "".join(result.paragraphs())


def test_validation_names_the_place_and_the_problem_in_chinese():
    spec = {"title": "{region}总结", "opening": "{period}{nope}", "closing": "{region|prose}",
            "sections": [{"title": "一", "sentences": ["好{people.total}", "坏{people.totl}", "滤{people.total|round}",
                                                       "缺{people.total"]},
                         {"title": "空", "sentences": []}],
            "charts": [{"metric": "people.total", "kind": "pie"}, {"metric": "nope.x", "kind": "region"}]}
    errors = narrative.validate_spec(spec)
    text = "\n".join(errors)
    assert "开头：占位符“{nope}”中的“nope”不是已登记的指标代码" in text
    assert "结尾：占位符“{region|prose}”：“region”不是指标" in text
    assert "第1节第2句：占位符“{people.totl}”中的“people.totl”不是已登记的指标代码" in text
    assert "第1节第3句：占位符“{people.total|round}”中的“|round”无法识别" in text
    assert "第1节第4句：花括号不成对" in text
    assert "第2节“空”：至少需要一句" in text
    assert "第1个图表：类型“pie”无法识别" in text
    assert "第2个图表：“nope.x”不是已登记的指标代码" in text
    assert not any("第1节第1句" in e for e in errors)


def test_metrics_of_areas_still_to_come_are_accepted_from_the_catalogue():
    assert narrative.validate_text("开展活动{activities.count|prose}次，采纳建议{proposals.adopted}条") == []


def test_the_default_template_is_valid():
    from tongxin.reports.default_template import DEFAULT

    assert narrative.validate_spec(DEFAULT) == []


def test_sections_and_charts_text_round_trip():
    from tongxin.reports.default_template import DEFAULT

    sections, errors = narrative.sections_from_text(narrative.sections_to_text(DEFAULT["sections"]))
    assert errors == [] and sections == DEFAULT["sections"]
    charts, errors = narrative.charts_from_text(narrative.charts_to_text(DEFAULT["charts"]))
    assert errors == [] and charts == DEFAULT["charts"]
    charts, errors = narrative.charts_from_text("people.total | 区划 | 各地人数\npeople.total")
    assert charts == [{"metric": "people.total", "kind": "region", "title": "各地人数"}]
    assert errors == ["图表第2行：应写成“指标代码 | 类型 | 标题”，类型为 区划、分项 或 月份"]
    _sections, errors = narrative.sections_from_text("没有标题的句子{people.total}")
    assert errors == ["第1行：句子之前应先写一行“## 节标题”"]
