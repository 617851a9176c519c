"""Spreadsheet specs of the sites area (tongxin.core.tabular): sites and key tasks, in and out.

`tongxin import sites FILE --region CODE` and `tongxin import keytasks FILE --region CODE`. A row whose region
code is empty goes to the chosen region. A row naming a site (same region, same name) or a task (same region,
year and title) that already exists is skipped, so importing a file twice — or an export — changes nothing.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.models import AuditEntry
from tongxin.core.tabular import CREATE, SKIP, Column, ImportSpec, parsers, register_importer
from tongxin.sites.models import SITE_KIND_DICT, WORK_MODEL_DICT, KeyTask, Site, SiteLevel

LEVEL_PARSER = parsers.Choice(SiteLevel.choices, aliases={
    "国家": SiteLevel.NATIONAL, "全国": SiteLevel.NATIONAL, "省": SiteLevel.PROVINCIAL, "省级": SiteLevel.PROVINCIAL,
    "市": SiteLevel.CITY, "市级": SiteLevel.CITY, "县": SiteLevel.COUNTY, "区级": SiteLevel.COUNTY,
    "县级": SiteLevel.COUNTY, "乡镇": SiteLevel.TOWNSHIP, "街道": SiteLevel.TOWNSHIP,
})


def _region_code(obj) -> str:
    from tongxin.core import regions

    return regions.to_official(obj.region_id)


class _Creating(ImportSpec):
    """Rows are created in bulk; a row repeating an existing record (by `key`) or an earlier row is skipped."""

    model = None

    def key(self, data: dict, region: str) -> tuple:
        raise NotImplementedError

    def existing(self, keys: set) -> set:
        raise NotImplementedError

    def build(self, data: dict, region: str, context):
        raise NotImplementedError

    def plan(self, rows, context):
        region_default = context.region
        keys = {}
        for row in rows:
            if row.ok:
                keys[row.number] = self.key(row.data, row.data.get("region_id") or region_default)
        known = self.existing(set(keys.values()))
        seen = context.state.setdefault("seen", {})
        for row in rows:
            if not row.ok:
                continue
            key = keys[row.number]
            if key in known:
                row.action = SKIP
                continue
            first = seen.setdefault(key, row.number)
            if first != row.number:
                row.action = SKIP
                continue
            row.action = CREATE

    def write(self, rows, context):
        objs = [self.build(row.data, row.data.get("region_id") or context.region, context)
                for row in rows if row.action == CREATE]
        for obj in objs:
            obj.full_clean(exclude=["associations", "teams"])
        created = self.model.objects.bulk_create(objs)
        audit.log_bulk(AuditEntry.CREATE, [(obj, {}) for obj in created],
                       message=_("导入：%(f)s") % {"f": context.filename})


class SiteSpec(_Creating):
    name = "阵地"
    model = Site
    columns = [
        Column("name", "阵地名称", aliases=("名称", "基地名称", "阵地"), required=True, parser=parsers.Text(200),
               example="同心·百和家园实践创新基地"),
        Column("kind", "阵地类型", aliases=("类型", "类别"), required=True, parser=parsers.DictChoice(SITE_KIND_DICT),
               export=lambda s: s.kind),
        Column("level", "级别", aliases=("层级",), parser=LEVEL_PARSER, default=SiteLevel.COUNTY),
        Column("recognition", "命名/认定", aliases=("命名", "认定", "荣誉"), parser=parsers.Text(200)),
        Column("recognition_batch", "认定批次", aliases=("批次",), parser=parsers.Text(50)),
        Column("brand_name", "品牌名称", aliases=("品牌",), parser=parsers.Text(100)),
        Column("work_model", "工作模式", aliases=("模式",), parser=parsers.DictChoice(WORK_MODEL_DICT)),
        Column("address", "地址", aliases=("详细地址", "所在地址"), parser=parsers.Text(300)),
        Column("longitude", "经度", parser=parsers.Money(6, min_value=-180, max_value=180)),
        Column("latitude", "纬度", parser=parsers.Money(6, min_value=-90, max_value=90)),
        Column("opened_on", "启用日期", aliases=("建成日期", "挂牌日期", "成立日期"), required=True, parser=parsers.Date()),
        Column("contact_person", "负责人", aliases=("联系人",), parser=parsers.Text(50)),
        Column("description", "简介", aliases=("基本情况", "说明"), parser=parsers.Text(4000)),
        Column("region_id", "区划代码", aliases=("所属区划代码", "行政区划代码", "所在区划代码"),
               parser=parsers.RegionCode(), export=_region_code, help="不填则为导入时选择的区划"),
    ]

    def clean_row(self, row, context):
        data = row.data
        if (data.get("longitude") is None) != (data.get("latitude") is None):
            row.add_error("纬度" if data.get("latitude") is None else "经度", _("经度和纬度须同时填写"))

    def key(self, data, region):
        return (region, data["name"])

    def existing(self, keys):
        regions = {k[0] for k in keys}
        names = {k[1] for k in keys}
        return set(Site.objects.filter(region_id__in=regions, name__in=names).values_list("region_id", "name"))

    def build(self, data, region, context):
        fields = {k: v for k, v in data.items() if k != "region_id" and v is not None}
        user = context.user if getattr(context.user, "is_authenticated", False) else None
        return Site(region_id=region, created_by=user, **fields)


class KeyTaskSpec(_Creating):
    name = "重点任务"
    model = KeyTask
    columns = [
        Column("year", "年度", aliases=("年份",), required=True, parser=parsers.Integer(min_value=2000, max_value=2100),
               example=2026),
        Column("number", "序号", aliases=("编号",), parser=parsers.Integer(min_value=1, max_value=9999)),
        Column("category", "任务类别", aliases=("类别", "类型"), parser=parsers.Text(50)),
        Column("title", "重点任务", aliases=("任务", "任务内容", "工作任务", "任务名称"), required=True,
               parser=parsers.Text(300), example="推进基层统战工作实践创新，打造一批示范点"),
        Column("owner_unit", "责任单位", aliases=("牵头单位", "责任部门"), required=True, parser=parsers.Text(200)),
        Column("responsible", "责任人", aliases=("责任人头", "负责人"), required=True, parser=parsers.Text(100)),
        Column("quality_standard", "质量标准", aliases=("完成标准", "工作标准"), parser=parsers.Text(4000)),
        Column("started_on", "开始日期", parser=parsers.Date(), help="不填则为该年度1月1日"),
        Column("deadline", "完成时限", aliases=("完成时间", "截止日期", "时限"), required=True, parser=parsers.Date()),
        Column("progress", "完成进度", aliases=("进度",), parser=parsers.Integer(min_value=0, max_value=100),
               help="0 到 100 的整数（百分比）"),
        Column("note", "备注", parser=parsers.Text(4000)),
        Column("region_id", "区划代码", aliases=("所属区划代码", "行政区划代码"), parser=parsers.RegionCode(),
               export=_region_code, help="不填则为导入时选择的区划"),
    ]

    def clean_row(self, row, context):
        data = row.data
        start = data.get("started_on") or (datetime.date(data["year"], 1, 1) if data.get("year") else None)
        if start is None:
            return
        if data.get("deadline") and data["deadline"] < start:
            row.add_error("完成时限", _("完成时限不能早于开始日期"))

    def key(self, data, region):
        return (region, data["year"], data["title"])

    def existing(self, keys):
        regions = {k[0] for k in keys}
        titles = {k[2] for k in keys}
        return set(KeyTask.objects.filter(region_id__in=regions, title__in=titles)
                   .values_list("region_id", "year", "title"))

    def build(self, data, region, context):
        fields = {k: v for k, v in data.items() if k != "region_id" and v is not None}
        fields.setdefault("started_on", min(datetime.date(fields["year"], 1, 1), fields["deadline"]))
        fields.setdefault("number", 0)
        fields.setdefault("progress", 0)
        return KeyTask(region_id=region, **fields)


register_importer("sites", SiteSpec, label="阵地", permission="sites.add_site")
register_importer("keytasks", KeyTaskSpec, label="重点任务", permission="sites.add_keytask")
