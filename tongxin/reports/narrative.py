"""The written work report (工作总结): sentences of a template filled with figures, in the seeds' manner.

A template sentence names figures with placeholders — `{orgs.associations_new}` (exact), `{activities.count|prose}`
(rounded the way the seeds write numbers in prose: "60余"), `{arrangements.by_body[人大代表]}` (one part of a
split figure) — and context words `{region}`, `{period}`… A sentence whose figures are zero or not available is
left out, and a section left with no sentence is left out with it: nothing is filled with zeros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.reports import catalogue, registry
from tongxin.reports.registry import total_of

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
INNER = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)(?:\[(?P<part>[^\[\]]+)\])?(?:\|(?P<filter>[A-Za-z_]+))?$")
FILTERS = ("prose",)
CONTEXT_NAMES = {
    "region": "区划简称（如 船山区）",
    "region_full": "区划全称（如 四川省遂宁市船山区）",
    "period": "期间（如 2024年、2024年第一季度）",
    "year": "年份（如 2024）",
    "from": "开始日期（如 2024年1月1日）",
    "to": "结束日期（如 2024年12月31日）",
    "ordinal": "本节内的序号（一是、二是……，只数保留下来的句子）",
}
ORDINALS = "一二三四五六七八九十"
CHINESE_NUMBERS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五"]


# --- numbers in prose ---------------------------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01')):f}" if value != value.to_integral_value() else f"{value:.0f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def prose_number(n, unit: str = "") -> str:
    """A figure as the seeds write it in prose: exact below 10 ("8台"), then rounded down with 余 when something
    is left over — to tens below 1000 ("60余次", "320余条"), to hundreds below 10 000 ("1700余名"), to whole 万
    below 1亿 ("36万余元", "2万余名"), to 0.1亿 above. Round figures stay as they are ("200人次", "2万元").
    Percentages are never rounded this way. Tables use exact numbers; this is for sentences only."""
    value = Decimal(str(n if n is not None else 0))
    if unit == "%" or value < 10:
        return f"{_plain(value)}{unit}"
    if value < 1000:
        step, scale, suffix = Decimal(10), Decimal(1), ""
    elif value < 10_000:
        step, scale, suffix = Decimal(100), Decimal(1), ""
    elif value < 100_000_000:
        step, scale, suffix = Decimal(10_000), Decimal(10_000), "万"
    else:
        step, scale, suffix = Decimal(10_000_000), Decimal(100_000_000), "亿"
    rounded = (value / step).to_integral_value(rounding=ROUND_FLOOR) * step
    more = "余" if value > rounded else ""
    return f"{_plain(rounded / scale)}{suffix}{more}{unit}"


def exact_number(n) -> str:
    return _plain(Decimal(str(n if n is not None else 0)))


# --- placeholders -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placeholder:
    raw: str
    name: str
    part: str | None
    filter: str | None

    @property
    def is_metric(self) -> bool:
        return self.name not in CONTEXT_NAMES


def parse(text: str) -> tuple[list[Placeholder], list[str]]:
    """Placeholders of `text` and the problems found (in Chinese)."""
    found, errors = [], []
    for match in PLACEHOLDER.finditer(text or ""):
        inner = match.group(1).strip()
        parts = INNER.match(inner)
        if not parts:
            errors.append(_("占位符“{%(p)s}”的写法不正确，应为 {指标代码}、{指标代码|prose} 或 {指标代码[分项]}")
                          % {"p": inner})
            continue
        found.append(Placeholder(match.group(0), parts["name"], parts["part"], parts["filter"]))
    stripped = PLACEHOLDER.sub("", text or "")
    if "{" in stripped or "}" in stripped:
        errors.append(_("花括号不成对：占位符应写成 {指标代码}"))
    return found, errors


def known_metric(key: str) -> bool:
    return registry.exists(key) or key in catalogue.PLANNED


def validate_text(text: str) -> list[str]:
    placeholders, errors = parse(text)
    for item in placeholders:
        if item.filter is not None and item.filter not in FILTERS:
            errors.append(_("占位符“%(p)s”中的“|%(f)s”无法识别，只能用“|prose”（约数写法，如 60余）")
                          % {"p": item.raw, "f": item.filter})
        if not item.is_metric:
            if item.part or item.filter:
                errors.append(_("占位符“%(p)s”：“%(n)s”不是指标，不能带分项或“|prose”") % {"p": item.raw, "n": item.name})
        elif not known_metric(item.name):
            errors.append(_("占位符“%(p)s”中的“%(n)s”不是已登记的指标代码") % {"p": item.raw, "n": item.name})
    return errors


def validate_sections(sections) -> list[str]:
    errors = []
    if not isinstance(sections, list) or not sections:
        return [_("至少需要一节")]
    for s_index, section in enumerate(sections, start=1):
        where = _("第%(n)s节") % {"n": s_index}
        if not isinstance(section, dict) or not str(section.get("title") or "").strip():
            errors.append(_("%(w)s：缺少标题") % {"w": where})
            continue
        sentences = section.get("sentences")
        if not isinstance(sentences, list) or not any(str(s).strip() for s in sentences):
            errors.append(_("%(w)s“%(t)s”：至少需要一句") % {"w": where, "t": section["title"]})
            continue
        errors += [f"{where}：{e}" for e in validate_text(section["title"])]
        for n, sentence in enumerate(sentences, start=1):
            errors += [_("%(w)s第%(n)s句：%(e)s") % {"w": where, "n": n, "e": e} for e in validate_text(str(sentence))]
    return errors


def validate_charts(charts) -> list[str]:
    errors = []
    if not isinstance(charts, list):
        return [_("图表应为列表")]
    for n, chart in enumerate(charts, start=1):
        where = _("第%(n)s个图表") % {"n": n}
        if not isinstance(chart, dict) or not known_metric(str(chart.get("metric", ""))):
            metric = chart.get("metric", "") if isinstance(chart, dict) else chart
            errors.append(_("%(w)s：“%(m)s”不是已登记的指标代码") % {"w": where, "m": metric})
        elif chart.get("kind") not in CHART_KINDS:
            errors.append(_("%(w)s：类型“%(k)s”无法识别，应为 区划、分项 或 月份") % {"w": where, "k": chart.get("kind", "")})
    return errors


def validate_spec(spec: dict) -> list[str]:
    """Every problem of a template (title, opening, sections, closing, charts), each naming where it is."""
    errors = []
    for label, key in ((_("标题"), "title"), (_("开头"), "opening"), (_("结尾"), "closing")):
        errors += [f"{label}：{e}" for e in validate_text(spec.get(key) or "")]
    errors += validate_sections(spec.get("sections"))
    errors += validate_charts(spec.get("charts") or [])
    return errors


CHART_KINDS = {"region": gettext_lazy("按下级区划"), "parts": gettext_lazy("按分项"), "month": gettext_lazy("按月")}


# --- rendering ----------------------------------------------------------------------------------------------------


@dataclass
class Narrative:
    title: str
    opening: list[str] = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)  # {"number": "一", "title", "text"}
    closing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"title": self.title, "opening": self.opening, "sections": self.sections, "closing": self.closing}

    def paragraphs(self) -> list[str]:
        """Plain text, one paragraph per item (title excluded), for previews and tests."""
        lines = list(self.opening)
        for section in self.sections:
            lines += [f"{section['number']}、{section['title']}", section["text"]]
        return lines + self.closing


class _Missing(Exception):
    pass


def _metric_value(item: Placeholder, metrics: dict):
    if item.name not in metrics:
        raise _Missing
    value = metrics[item.name]
    if item.part is not None:
        value = (value.get("by") or {}).get(item.part, 0) if isinstance(value, dict) else 0
    else:
        value = total_of(value)
    if not value:
        raise _Missing
    return value


def fill(text: str, metrics: dict, context: dict) -> str | None:
    """`text` with its placeholders replaced; None when a figure it names is zero or missing."""
    placeholders, errors = parse(text)
    if errors:
        return None
    result = text
    for item in placeholders:
        if item.is_metric:
            try:
                value = _metric_value(item, metrics)
            except _Missing:
                return None
            shown = prose_number(value) if item.filter == "prose" else exact_number(value)
        else:
            shown = str(context.get(item.name, ""))
        result = result.replace(item.raw, shown, 1)
    return result


def _close(text: str) -> str:
    text = text.rstrip()
    if not text:
        return text
    if text[-1] in "，、；：,;:":
        return text[:-1] + "。"
    if text[-1] not in "。！？!?”」）)":
        return text + "。"
    return text


def _paragraphs(text: str, metrics: dict, context: dict) -> list[str]:
    out = []
    for block in re.split(r"\n\s*\n", text or ""):
        filled = fill(block.strip(), metrics, context)
        if filled:
            out.append(filled)
    return out


def render(spec: dict, metrics: dict, context: dict) -> Narrative:
    narrative = Narrative(title=fill(spec.get("title") or "", {}, context) or fill("{region}{period}工作总结", {},
                                                                                    context))
    narrative.opening = _paragraphs(spec.get("opening", ""), metrics, context)
    for section in spec.get("sections") or []:
        kept = []
        for sentence in section.get("sentences") or []:
            sentence_context = {**context, "ordinal": f"{ORDINALS[min(len(kept), len(ORDINALS) - 1)]}是"}
            filled = fill(str(sentence), metrics, sentence_context)
            if filled:
                kept.append(filled)
        if kept:
            number = CHINESE_NUMBERS[min(len(narrative.sections), len(CHINESE_NUMBERS) - 1)]
            narrative.sections.append({"number": number, "title": fill(section["title"], {}, context) or "",
                                       "text": _close("".join(kept))})
    narrative.closing = _paragraphs(spec.get("closing", ""), metrics, context)
    return narrative


# --- the editable text form of sections and charts ----------------------------------------------------------------


def sections_to_text(sections: list[dict]) -> str:
    """Sections as admins edit them: "## 标题" then one sentence per line."""
    blocks = []
    for section in sections or []:
        blocks.append("\n".join([f"## {section.get('title', '')}", *[str(s) for s in section.get("sentences", [])]]))
    return "\n\n".join(blocks)


def sections_from_text(text: str) -> tuple[list[dict], list[str]]:
    sections, errors = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            sections.append({"title": line.lstrip("#").strip(), "sentences": []})
        elif not sections:
            errors.append(_("第%(n)s行：句子之前应先写一行“## 节标题”") % {"n": number})
        else:
            sections[-1]["sentences"].append(line)
    return sections, errors


KIND_ALIASES = {"region": "region", "区划": "region", "下级区划": "region", "按下级区划": "region",
                "parts": "parts", "分项": "parts", "按分项": "parts", "month": "month", "月份": "month", "按月": "month"}


KIND_WORDS = {"region": "区划", "parts": "分项", "month": "月份"}


def charts_to_text(charts: list[dict]) -> str:
    return "\n".join(
        f"{c.get('metric', '')} | {KIND_WORDS.get(c.get('kind', ''), c.get('kind', ''))} | {c.get('title', '')}"
        .rstrip(" |") for c in charts or [])


def charts_from_text(text: str) -> tuple[list[dict], list[str]]:
    charts, errors = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split("|")]
        if len(parts) < 2:
            errors.append(_("图表第%(n)s行：应写成“指标代码 | 类型 | 标题”，类型为 区划、分项 或 月份") % {"n": number})
            continue
        kind = KIND_ALIASES.get(parts[1], parts[1])
        charts.append({"metric": parts[0], "kind": kind, "title": parts[2] if len(parts) > 2 else ""})
    return charts, errors
