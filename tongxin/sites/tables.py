"""Columns of the sites lists (rendered by core/_table.html) and the badges shared by the pages."""

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tongxin.core.tables import Column
from tongxin.sites.models import Grade, TaskStatus

GRADE_BADGES = {Grade.EXCELLENT: "bg-green-lt", Grade.GOOD: "bg-teal-lt", Grade.PASS: "bg-azure-lt",
                Grade.FAIL: "bg-red-lt"}
STATUS_BADGES = {TaskStatus.ON_TIME: "bg-blue-lt", TaskStatus.AT_RISK: "bg-yellow-lt",
                 TaskStatus.OVERDUE: "bg-red-lt", TaskStatus.DONE: "bg-green-lt"}


def _iso(value, obj):
    return value.isoformat() if value else "—"


def _region(value, obj):
    return obj.region.name if obj.region_id else "—"


def grade_badge(obj):
    return format_html('<span class="badge {}">{}</span>', GRADE_BADGES.get(obj.grade, ""), obj.get_grade_display())


def status_badge(status: str):
    return format_html('<span class="badge {}">{}</span>', STATUS_BADGES.get(status, ""), TaskStatus(status).label)


def _site_state(value, obj):
    if obj.is_open(timezone.localdate()):
        return format_html('<span class="badge bg-green-lt">{}</span>', _("在用"))
    return format_html('<span class="badge bg-secondary-lt">{}</span>', _("已撤销"))


def _recognition(value, obj):
    text = " ".join(x for x in (obj.recognition, obj.recognition_batch) if x)
    if len(text) > 18:
        return format_html('<span title="{}">{}…</span>', text, text[:18])
    return text or "—"


SITE_COLUMNS = [
    Column("name", _("阵地名称"), sort="name", link=True),
    Column("kind_label", _("类型"), sort="kind"),
    Column("level", _("级别"), sort="level", formatter=lambda v, o: o.get_level_display()),
    Column("brand_name", _("品牌")),
    Column("recognition", _("命名/认定"), formatter=_recognition),
    Column("region", _("区划"), sort="region", formatter=_region),
    Column("opened_on", _("启用日期"), sort="opened_on", formatter=_iso),
    Column("pk", _("状态"), formatter=_site_state),
]

STANDARD_COLUMNS = [
    Column("name", _("标准名称"), sort="name", link=True),
    Column("version", _("版本"), sort="version", formatter=lambda v, o: f"第{v}版"),
    Column("is_current", _("现行")),
    Column("source", _("出处")),
    Column("criteria_count", _("指标数")),
]


def _subject(value, obj):
    return obj.subject_name


ASSESSMENT_COLUMNS = [
    Column("pk", _("评估对象"), formatter=_subject, link=True),
    Column("standard", _("评价标准"), formatter=lambda v, o: str(o.standard)),
    Column("assessed_on", _("评估日期"), sort="assessed_on", formatter=_iso),
    Column("score", _("得分"), sort="score"),
    Column("grade", _("等次"), sort="grade", formatter=lambda v, o: grade_badge(o)),
    Column("inspection", _("现场检查"), formatter=lambda v, o: str(v) if v else "—"),
    Column("region", _("区划"), sort="region", formatter=_region),
]

ROUND_COLUMNS = [
    Column("name", _("检查名称"), sort="name", link=True),
    Column("year", _("年度"), sort="year"),
    Column("standard", _("评价标准"), formatter=lambda v, o: str(o.standard)),
    Column("started_on", _("开始日期"), sort="started_on", formatter=_iso),
    Column("ended_on", _("结束日期"), formatter=_iso),
    Column("assessment_count", _("检查阵地数")),
    Column("region", _("区划"), sort="region", formatter=_region),
]


def _status(value, obj):
    return status_badge(getattr(obj, "computed_status", None) or obj.status)


TASK_COLUMNS = [
    Column("number", _("序号"), sort="number"),
    Column("title", _("重点任务"), link=True),
    Column("owner_unit", _("责任单位"), sort="owner_unit"),
    Column("responsible", _("责任人")),
    Column("deadline", _("完成时限"), sort="deadline", formatter=_iso),
    Column("progress", _("进度"), sort="progress", formatter=lambda v, o: f"{v}%"),
    Column("pk", _("状态"), formatter=_status),
    Column("region", _("区划"), sort="region", formatter=_region),
]

SCHEME_COLUMNS = [
    Column("name", _("评价办法"), sort="name", link=True),
    Column("year", _("年度"), sort="year"),
    Column("unit_kind", _("评价对象"), formatter=lambda v, o: o.get_unit_kind_display()),
    Column("unit_count", _("单位数")),
    Column("computed_at", _("计算时间")),
    Column("region", _("区划"), sort="region", formatter=_region),
]

ASSOCIATION_SITE_COLUMNS = [
    Column("name", _("阵地名称"), link=True),
    Column("kind_label", _("类型")),
    Column("level", _("级别"), formatter=lambda v, o: o.get_level_display()),
    Column("address", _("地址")),
]
