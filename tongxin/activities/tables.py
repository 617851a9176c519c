"""Columns of the activities lists (rendered by core/_table.html)."""

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from tongxin.core.tables import Column


def _when(value, obj):
    if not value:
        return "—"
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _date(value, obj):
    return value.isoformat() if value else "—"


def _region(value, obj):
    return obj.region.name if obj.region_id else "—"


def _type(value, obj):
    label = getattr(obj, "type_name", None) or obj.type_label
    return format_html('<span class="badge bg-azure-lt">{}</span>', label)


def _organisers(value, obj):
    names = [a.name for a in obj.associations.all()] + [t.name for t in obj.teams.all()]
    if obj.departments:
        names.append(obj.departments)
    if not names:
        return "—"
    if len(names) == 1:
        return names[0]
    return format_html('{} <span class="text-secondary small">{}</span>', names[0], _("等%(n)s个") % {"n": len(names)})


def _title(value, obj):
    if obj.is_cancelled:
        return format_html('{} <span class="badge bg-secondary-lt">{}</span>', obj.title, _("已取消"))
    return obj.title


def _attendance_count(value, obj):
    n = getattr(obj, "attendance_count", None)
    return "—" if n is None else n


ACTIVITY_COLUMNS = [
    Column("title", _("活动名称"), link=True, formatter=_title),
    Column("type", _("类型"), sort="type", formatter=_type),
    Column("starts_at", _("开始时间"), sort="starts_at", formatter=_when),
    Column("pk", _("主办"), formatter=_organisers),
    Column("region", _("区划"), sort="region", formatter=_region),
    Column("pk", _("参与人次"), formatter=_attendance_count),
]


def _person(value, obj):
    person = obj.person
    return format_html('<a href="{}">{}</a>', person.get_absolute_url(), person.name)


def _activity(value, obj):
    return format_html('<a href="{}">{}</a>', obj.activity.get_absolute_url(), obj.activity.title)


PERSON_ATTENDANCE_COLUMNS = [
    Column("activity", _("活动"), formatter=_activity),
    Column("activity.start_date", _("活动日期"), formatter=_date),
    Column("source", _("签到方式"), formatter=lambda v, o: o.get_source_display()),
    Column("volunteer_hours", _("志愿服务时长")),
]

ASSOCIATION_ACTIVITY_COLUMNS = [
    Column("title", _("活动名称"), link=True, formatter=_title),
    Column("type", _("类型"), formatter=_type),
    Column("starts_at", _("开始时间"), formatter=_when),
    Column("place", _("地点")),
]

PROGRAMME_COLUMNS = [
    Column("name", _("品牌名称"), link=True, sort="name"),
    Column("region", _("区划"), sort="region", formatter=_region),
    Column("started_on", _("启动日期"), sort="started_on", formatter=_date),
    Column("is_active", _("进行中")),
    Column("pk", _("活动场次"), formatter=lambda v, o: getattr(o, "activity_count", "—")),
]


def _specialties(value, obj):
    return "、".join(s.name for s in obj.specialties.all()) or "—"


SERVICE_COLUMNS = [
    Column("name", _("服务项目"), link=True, sort="name"),
    Column("target", _("服务对象")),
    Column("pk", _("所需专长"), formatter=_specialties),
    Column("region", _("区划"), sort="region", formatter=_region),
    Column("started_on", _("列入清单日期"), sort="started_on", formatter=_date),
    Column("is_active", _("在清单中")),
    Column("pk", _("开展活动"), formatter=lambda v, o: getattr(o, "activity_count", "—")),
]

TRAINING_COLUMNS = [
    Column("activity.title", _("培训班"), link=True),
    Column("term", _("期次")),
    Column("activity.starts_at", _("开始时间"), formatter=lambda v, o: _when(v, o)),
    Column("host", _("承办单位")),
    Column("pk", _("学员"), formatter=lambda v, o: getattr(o, "trainee_count", "—")),
    Column("pk", _("结业"), formatter=lambda v, o: getattr(o, "completed_count", "—")),
]


SESSION_COLUMNS = [
    Column("starts_at", _("时间"), sort="starts_at", formatter=_when),
    Column("title", _("课程"), link=True),
    Column("training_class", _("培训班"), formatter=lambda v, o: format_html(
        '<a href="{}">{}</a>', o.training_class.get_absolute_url(), o.training_class.activity.title)),
    Column("teacher", _("授课人")),
    Column("pk", _("出勤人数"), formatter=lambda v, o: getattr(o, "present", "—")),
]


def _points(value, obj):
    css = "text-green" if value > 0 else "text-red"
    return format_html('<span class="{} fw-bold">{}</span>', css, f"{value:+d}")


def _source(value, obj):
    return obj.source_type.name if obj.source_type_id else "—"


POINT_ENTRY_COLUMNS = [
    Column("at", _("时间"), sort="at", formatter=_when),
    Column("person", _("人士"), formatter=lambda v, o: format_html(
        '<a href="{}">{}</a>', o.get_absolute_url(), o.person.name)),
    Column("points", _("积分"), sort="points", formatter=_points),
    Column("kind", _("类型"), formatter=lambda v, o: o.get_kind_display()),
    Column("reason", _("事由")),
    Column("region", _("区划"), formatter=_region),
    Column("by", _("操作人")),
]

PERSON_POINT_COLUMNS = [
    Column("at", _("时间"), formatter=_when),
    Column("points", _("积分"), formatter=_points),
    Column("kind", _("类型"), formatter=lambda v, o: o.get_kind_display()),
    Column("reason", _("事由")),
]


def _rule_type(value, obj):
    if not obj.activity_type:
        return _("所有类型") if obj.trigger == "attendance" else "—"
    from tongxin.activities.selectors import activity_type_labels

    return activity_type_labels().get(obj.activity_type, obj.activity_type)


POINT_RULE_COLUMNS = [
    Column("trigger", _("积分事项"), link=True, sort="trigger", formatter=lambda v, o: o.get_trigger_display()),
    Column("activity_type", _("活动类型"), formatter=_rule_type),
    Column("points", _("积分"), sort="points"),
    Column("region", _("适用区划"), sort="region", formatter=_region),
    Column("is_active", _("启用")),
    Column("note", _("说明")),
]

REWARD_COLUMNS = [
    Column("name", _("奖品/服务"), link=True, sort="name"),
    Column("points_cost", _("所需积分"), sort="points_cost"),
    Column("stock", _("库存"), formatter=lambda v, o: _("不限") if v is None else v),
    Column("region", _("区划"), sort="region", formatter=_region),
    Column("is_active", _("可兑换")),
]


def persons_links(persons) -> str:
    return format_html_join("、", '<a href="{}">{}</a>', ((p.get_absolute_url(), p.name) for p in persons))
