"""Spreadsheet specs of the activities area (tongxin.core.tabular): activity lists in and out, attendance sheets in.

Activity lists (importer "activities": `tongxin import activities FILE --region CODE`): one row per activity —
活动名称, 活动类型, 开始时间 (a date or a date and time), optional 结束时间, 地点, 主办单位, 主办组织 (an
association of the registry, by name), 品牌活动 (by name), 区划代码, 服务群众人次, 活动内容. A row repeating an
activity already recorded (same name, day and region) is skipped, so importing a file twice changes nothing.

Attendance sheets belong to one activity (uploaded on its page): 姓名 with 身份证号 / 手机号码 / 人士编号 to tell
namesakes apart, optional 志愿服务时长. They are written through `services.add_attendees`, so points and the
audit log follow exactly as for a check-in by staff.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.activities.models import Activity, Attendance, AttendanceSource, Programme
from tongxin.core import audit
from tongxin.core.keys import keyring
from tongxin.core.models import AuditEntry
from tongxin.core.tabular import (
    CREATE,
    SKIP,
    Column,
    ImportContext,
    ImportSpec,
    parsers,
    register_importer,
    run_import,
)
from tongxin.orgs.models import Association
from tongxin.people.imports import KeepMasked, Masked
from tongxin.people.models import Person, Status

DEFAULT_HOURS = 2
_TIME = re.compile(r"^(?P<date>.+?)[\sT]+(?P<h>\d{1,2})[:：时](?P<m>\d{2})?(?:[:：]\d{2})?分?$")


class DateTime(parsers.Parser):
    """A moment: "2025-03-01 09:30", "2025年3月1日 9:30", an Excel date-time, or a date alone (09:00 then)."""

    example = datetime.datetime(2025, 3, 1, 9, 30)
    hint = "如 2025-03-01 09:30；只填日期时按 09:00"

    def __init__(self):
        self.dates = parsers.Date(min_year=2000)

    def parse(self, value):
        if isinstance(value, datetime.datetime):
            moment = value
        else:
            text = str(value).strip()
            match = _TIME.match(text) if not isinstance(value, int | float) else None
            if match:
                day = self.dates.parse(match["date"])
                hour, minute = int(match["h"]), int(match["m"] or 0)
                if hour > 23 or minute > 59:
                    raise ValidationError(_("时间“%(v)s”不正确") % {"v": text}, "time")
                moment = datetime.datetime.combine(day, datetime.time(hour, minute))
            else:
                moment = datetime.datetime.combine(self.dates.parse(value), datetime.time(9, 0))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def format(self, value):
        if value is None:
            return ""
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def _real(value) -> bool:
    return value not in (None, "") and not isinstance(value, Masked)


def _names(queryset) -> str:
    return "、".join(queryset.values_list("name", flat=True))


ACTIVITY_COLUMNS = [
    Column("pk", "编号", parser=parsers.Integer(), importable=False),
    Column("title", "活动名称", aliases=("名称", "活动主题", "主题", "活动标题"), required=True, parser=parsers.Text(200),
           example="“同心向党”主题学习活动"),
    Column("type", "活动类型", aliases=("类型", "活动类别", "类别"), required=True,
           parser=parsers.DictChoice("activity_type", example="学习宣讲")),
    Column("starts_at", "开始时间", aliases=("活动时间", "时间", "日期", "活动日期", "举办时间"), required=True,
           parser=DateTime()),
    Column("ends_at", "结束时间", parser=DateTime(), help="留空为开始后2小时"),
    Column("place", "活动地点", aliases=("地点", "举办地点"), parser=parsers.Text(200), example="船山区新联会活动室"),
    Column("departments", "主办单位", aliases=("主办", "组织单位", "承办单位", "主办/协办单位"), parser=parsers.Text(300),
           example="船山区委统战部"),
    Column("association", "主办组织", aliases=("主办新联会", "组织"), parser=parsers.Text(200),
           export=lambda a: _names(a.associations.all()), help="人士库中已有的联谊组织名称，多个用“、”分隔"),
    Column("programme", "品牌活动", aliases=("品牌",), parser=parsers.Text(200),
           export=lambda a: a.programme.name if a.programme_id else "", help="已建立的品牌活动名称"),
    Column("region_id", "区划代码", aliases=("所属区划代码", "行政区划代码", "区划"), parser=parsers.RegionCode(),
           help="留空为导入时选择的区划"),
    Column("beneficiaries", "服务群众人次", aliases=("服务人次", "受益人次", "服务群众"), parser=parsers.Integer(min_value=0),
           default=0),
    Column("attendance_count", "参与人次", parser=parsers.Integer(), importable=False,
           export=lambda a: getattr(a, "attendance_count", None)),
    Column("description", "活动内容", aliases=("内容", "活动简介", "简介", "备注"), parser=parsers.Text(4000)),
]


class ActivitySpec(ImportSpec):
    name = "活动"
    columns = ACTIVITY_COLUMNS
    chunk_size = 1000

    def prepare(self, context):
        scope = context.scope or ""
        associations: dict[str, list[int]] = {}
        for pk, name in Association.objects.filter(region_id__startswith=scope).values_list("pk", "name"):
            associations.setdefault(name, []).append(pk)
        programmes: dict[str, list[int]] = {}
        for pk, name in Programme.objects.filter(region_id__startswith=scope).values_list("pk", "name"):
            programmes.setdefault(name, []).append(pk)
        context.state.update(associations=associations, programmes=programmes, seen={})

    def clean_row(self, row, context):
        data = row.data
        data["title"] = " ".join(data["title"].split())
        data["region_id"] = data.get("region_id") or context.region
        if data.get("ends_at") is None:
            if data.get("starts_at"):
                data["ends_at"] = data["starts_at"] + datetime.timedelta(hours=DEFAULT_HOURS)
        elif data.get("starts_at") and data["ends_at"] < data["starts_at"]:
            row.add_error("结束时间", _("结束时间不能早于开始时间"))
        data["association_ids"] = []
        for name in re.split(r"[、,，;；]", data.get("association") or ""):
            name = name.strip()
            if not name:
                continue
            found = context.state["associations"].get(name, [])
            if len(found) != 1:
                row.add_error("主办组织", _("在您的数据范围内没有找到联谊组织“%(v)s”") % {"v": name} if not found
                              else _("有 %(n)s 个名为“%(v)s”的组织") % {"n": len(found), "v": name})
                return
            data["association_ids"].append(found[0])
        name = (data.get("programme") or "").strip()
        data["programme_id"] = None
        if name:
            found = context.state["programmes"].get(name, [])
            if len(found) != 1:
                row.add_error("品牌活动", _("没有找到品牌活动“%(v)s”，请先在“品牌活动”中建立") % {"v": name})
                return
            data["programme_id"] = found[0]

    def plan(self, rows, context):
        pending = [r for r in rows if r.ok]
        days = {timezone.localtime(r.data["starts_at"]).date() for r in pending}
        existing = set()
        if days:
            existing = set(Activity.objects.filter(start_date__in=days, title__in={r.data["title"] for r in pending})
                           .values_list("title", "start_date", "region_id"))
        seen = context.state["seen"]
        for row in pending:
            key = (row.data["title"], timezone.localtime(row.data["starts_at"]).date(), row.data["region_id"])
            if key in existing:
                row.action = SKIP
                continue
            first = seen.setdefault(key, row.number)
            if first != row.number:
                row.add_error("活动名称", _("与第 %(n)s 行重复") % {"n": first})
                continue
            row.action = CREATE

    def write(self, rows, context):
        recorder = context.user if getattr(context.user, "is_authenticated", False) else None
        activities = []
        for row in rows:
            data = row.data
            activities.append(Activity(
                title=data["title"], type=data["type"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                start_date=timezone.localtime(data["starts_at"]).date(), place=data.get("place") or "",
                departments=data.get("departments") or "", programme_id=data["programme_id"],
                region_id=data["region_id"], beneficiaries=data.get("beneficiaries") or 0,
                description=data.get("description") or "", recorded_by=recorder))
        Activity.objects.bulk_create(activities, batch_size=500)
        links = [Activity.associations.through(activity_id=activity.pk, association_id=pk)
                 for activity, row in zip(activities, rows, strict=True) for pk in row.data["association_ids"]]
        Activity.associations.through.objects.bulk_create(links, batch_size=1000)
        audit.log_bulk(AuditEntry.CREATE, [
            (a, {"title": [None, a.title], "type": [None, a.type], "starts_at": [None, a.starts_at.isoformat()]})
            for a in activities], message=_("导入活动：%(f)s") % {"f": context.filename})


def export_activities(queryset):
    from django.db.models import Count

    return (queryset.select_related("programme", "region").prefetch_related("associations")
            .annotate(attendance_count=Count("attendances", distinct=True)).order_by("-starts_at", "-id"))


def import_activities(file, *, region: str, user=None, skip_invalid: bool = False, dry_run: bool = False):
    context = ImportContext(user=user, region=region, scope=region, source="web",
                            filename=getattr(file, "name", ""), today=timezone.localdate())
    return run_import(file, ActivitySpec(), context, dry_run=dry_run, skip_invalid=skip_invalid,
                      name=getattr(file, "name", None), rejected_output=False)


register_importer("activities", ActivitySpec, label="活动", permission="activities.add_activity")


# --- Attendance sheets ---------------------------------------------------------------------------------------------


def _hours(value):
    text = str(value).strip().removesuffix("小时").removesuffix("h")
    try:
        hours = Decimal(text).quantize(Decimal("0.1"))
    except ArithmeticError as exc:
        raise ValidationError(_("应为小时数，如 2 或 1.5"), "hours") from exc
    if hours < 0 or hours > 24:
        raise ValidationError(_("应在 0—24 小时之间"), "hours")
    return hours


SHEET_COLUMNS = [
    Column("name", "姓名", aliases=("名字", "人员姓名", "参加人员", "签到人"), required=True, parser=parsers.Text(50),
           example="张嘉骊", export=lambda a: a.person.name),
    Column("id_number", "身份证号", aliases=("身份证号码", "身份证", "公民身份号码"), parser=KeepMasked(parsers.IdNumber()),
           help="与手机号码填一项即可；人士库中没有重名时可都不填", export=lambda a: a.person.id_number or ""),
    Column("phone", "手机号码", aliases=("手机", "手机号", "联系电话", "电话"), parser=KeepMasked(parsers.Phone()),
           export=lambda a: a.person.phone or ""),
    Column("person_pk", "人士编号", parser=parsers.Integer(min_value=1), export=lambda a: a.person_id),
    Column("volunteer_hours", "志愿服务时长", aliases=("服务时长", "时长", "志愿时长", "小时数"), parser=_hours,
           default=Decimal("0")),
    Column("activity_pk", "活动编号", parser=parsers.Integer(min_value=1), export=lambda a: a.activity_id,
           help="在活动页面上传时可不填；用命令行导入时填写活动编号"),
    Column("checked_in_at", "签到时间", parser=DateTime(), importable=False),
    Column("source", "签到方式", parser=parsers.Text(), importable=False, export=lambda a: a.get_source_display()),
]


class AttendanceSheetSpec(ImportSpec):
    name = "签到表"
    columns = SHEET_COLUMNS

    def prepare(self, context):
        context.state.setdefault("seen", {})
        context.state.setdefault("activities", {})

    def _activities(self, rows, context) -> dict[int, Activity]:
        """Row number → its activity: the page's activity, or the row's 活动编号 inside the import's scope."""
        fixed = context.options.get("activity")
        if fixed is not None:
            return {row.number: fixed for row in rows}
        known = context.state["activities"]
        wanted = {r.data["activity_pk"] for r in rows if r.data.get("activity_pk")} - set(known)
        if wanted:
            found = Activity.objects.filter(pk__in=wanted, region_id__startswith=context.scope or "")
            known.update({a.pk: a for a in found})
        result = {}
        for row in rows:
            pk = row.data.get("activity_pk")
            if not pk:
                row.add_error("活动编号", _("请填写活动编号"))
            elif pk not in known:
                row.add_error("活动编号", _("在您的数据范围内没有编号为 %(v)s 的活动") % {"v": pk})
            elif known[pk].is_cancelled:
                row.add_error("活动编号", _("活动“%(t)s”已取消") % {"t": known[pk].title})
            else:
                result[row.number] = known[pk]
        return result

    def plan(self, rows, context):
        activities = self._activities([r for r in rows if r.ok], context)
        pending = [r for r in rows if r.ok]
        persons = self._find_persons(pending, context)
        pairs = {(activities[r.number].pk, persons[r.number].pk) for r in pending
                 if r.number in persons and r.number in activities}
        present = set(Attendance.objects.filter(activity_id__in={a for a, _p in pairs},
                                                person_id__in={p for _a, p in pairs})
                      .values_list("activity_id", "person_id"))
        seen = context.state["seen"]
        for row in pending:
            person, activity = persons.get(row.number), activities.get(row.number)
            if person is None or activity is None:
                continue
            row.target = person
            row.extra = activity
            first = seen.setdefault((activity.pk, person.pk), row.number)
            if first != row.number:
                row.add_error("姓名", _("与第 %(n)s 行是同一人") % {"n": first})
                continue
            row.action = SKIP if (activity.pk, person.pk) in present else CREATE

    def _find_persons(self, rows, context) -> dict[int, Person]:
        scope = context.scope or ""
        by_pk = {p.pk: p for p in Person.objects.filter(pk__in={r.data["person_pk"] for r in rows
                                                                 if r.data.get("person_pk")})}
        by_id = _by_blind_index(rows, "id_number")
        by_phone = _by_blind_index(rows, "phone")
        names = {r.data["name"] for r in rows}
        by_name: dict[str, list[Person]] = {}
        for person in Person.objects.filter(name__in=names, is_erased=False, status=Status.ACTIVE,
                                            region_id__startswith=scope):
            by_name.setdefault(person.name, []).append(person)
        found = {}
        for row in rows:
            data = row.data
            name = " ".join(data["name"].split())
            if data.get("person_pk"):
                person, column = by_pk.get(data["person_pk"]), "人士编号"
            elif _real(data.get("id_number")):
                person, column = by_id.get(data["id_number"]), "身份证号"
            elif _real(data.get("phone")):
                person, column = by_phone.get(data["phone"]), "手机号码"
            else:
                matches = by_name.get(name, [])
                if len(matches) > 1:
                    row.add_error("姓名", _("人士库中有 %(n)s 位“%(v)s”，请填写身份证号或手机号码")
                                  % {"n": len(matches), "v": name})
                    continue
                person, column = (matches[0] if matches else None), "姓名"
            if person is None or not person.region_id.startswith(scope):
                row.add_error(column, _("在您的数据范围内的人士库中没有找到“%(v)s”") % {"v": name})
                continue
            if person.name != name:
                row.add_error("姓名", _("%(column)s对应的人士姓名与“%(v)s”不符") % {"column": column, "v": name})
                continue
            if person.is_erased or person.status != Status.ACTIVE:
                row.add_error("姓名", _("“%(v)s”已不在册，不能登记签到") % {"v": name})
                continue
            found[row.number] = person
        return found

    def write(self, rows, context):
        from tongxin.activities import services

        groups: dict[tuple, list[Person]] = {}
        activities = {}
        for row in rows:
            activities[row.extra.pk] = row.extra
            key = (row.extra.pk, row.data.get("volunteer_hours") or Decimal("0"))
            groups.setdefault(key, []).append(row.target)
        for (activity_pk, hours), persons in groups.items():
            services.add_attendees(activities[activity_pk], persons, by=context.user, source=AttendanceSource.IMPORT,
                                   hours=hours)


register_importer("attendance", AttendanceSheetSpec, label="签到表", permission="activities.add_attendance")


def _by_blind_index(rows, field: str) -> dict[str, Person]:
    values = {row.data[field] for row in rows if _real(row.data.get(field)) and not row.data.get("person_pk")}
    if not values:
        return {}
    model_field = Person._meta.get_field(field)
    index: dict[str, str] = {}
    for value in values:
        for bidx in keyring().blind_indexes(model_field.normalize(value), purpose=model_field.kind):
            index[bidx] = value
    hits = Person.objects.filter(is_erased=False, **{f"{field}_bidx__in": list(index)})
    return {index[getattr(p, f"{field}_bidx")]: p for p in hits}


def import_attendance_sheet(activity: Activity, file, *, user=None, dry_run: bool = False):
    """Check in the persons of an attendance sheet for `activity`, all rows or none. The persons must be in the
    user's data scope (or, with no user, the activity's region)."""
    from tongxin.core.scope import scope_prefix

    scope = scope_prefix(user) if user is not None else None
    if scope is None:
        scope = activity.region_id
    context = ImportContext(user=user, region=activity.region_id, scope=scope, source="web",
                            filename=getattr(file, "name", ""), today=timezone.localdate(),
                            options={"activity": activity})
    return run_import(file, AttendanceSheetSpec(), context, dry_run=dry_run, name=getattr(file, "name", None),
                      rejected_output=False)


def export_attendance_response(activity: Activity, *, user):
    """An activity's attendance sheet as .xlsx (ID numbers and phones masked), in the import's own columns."""
    import io

    from django.http import HttpResponse

    from tongxin.core.exports import attachment_headers
    from tongxin.core.tabular import write_xlsx

    rows = activity.attendances.select_related("person").order_by("checked_in_at", "id")
    buffer = io.BytesIO()
    count = write_xlsx(rows.iterator(chunk_size=2000), AttendanceSheetSpec(), buffer, masked=True)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Cache-Control"] = "no-store"
    audit.log(AuditEntry.EXPORT, activity, user=user, changes={"rows": [None, count]},
              message=_("导出签到表 %(n)s 行（身份证号、手机号码已脱敏）") % {"n": count})
    return attachment_headers(response, f"签到表_{activity.title[:30]}_{activity.start_date:%Y%m%d}.xlsx")
