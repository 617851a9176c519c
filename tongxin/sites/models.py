"""Sites (阵地): practice innovation bases, demonstration points, studios and stations, with the associations and
teams based there.

Sites never point at activities (the activities app points at sites: `Activity.site`), so the two migrations do
not form a cycle; evidence from activities is read at run time with `Activity.objects.filter(site=…)`.
"""

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.models import AuditedModel, RegionScopedModel, ScopedModel, TimeStampedModel
from tongxin.core.scope import scope_prefix

SITE_KIND_DICT = "site_kind"
WORK_MODEL_DICT = "site_work_model"

# Codes of the core dictionary "site_kind" (tongxin/core/dictionaries.py); admins may add kinds there.
KIND_BASE, KIND_DEMO, KIND_TRAINING, KIND_VENUE, KIND_STUDIO, KIND_STATION = "01", "02", "03", "04", "05", "06"
# The work models, seeded by migration 0003 into the dictionary "site_work_model" (admins may add more).
WORK_MODELS = [
    ("01", "党建+统战"),
    ("02", "互联网+统战"),
    ("03", "楼宇+统战"),
    ("04", "社区+统战"),
    ("05", "园区+统战"),
    ("06", "商圈+统战"),
    ("09", "其他"),
]


def _today() -> datetime.date:
    return timezone.localdate()


class SiteLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇（街道）级")


class Site(RegionScopedModel, TimeStampedModel):
    """A place where united-front work happens: a base, a demonstration point, a studio, a station…"""

    has_attachments = True

    name = models.CharField(_("阵地名称"), max_length=200, db_index=True)
    kind = models.CharField(_("阵地类型"), max_length=20, db_index=True, help_text=_("数据字典“阵地类型”"))
    level = models.CharField(_("级别"), max_length=12, choices=SiteLevel.choices, default=SiteLevel.COUNTY,
                             db_index=True)
    recognition = models.CharField(_("命名/认定"), max_length=200, blank=True,
                                   help_text=_("如：全国新的社会阶层人士统战工作实践创新重点项目"))
    recognition_batch = models.CharField(_("认定批次"), max_length=50, blank=True, help_text=_("如：第二批"))
    recognized_on = models.DateField(_("认定日期"), null=True, blank=True)
    brand_name = models.CharField(_("品牌名称"), max_length=100, blank=True, help_text=_("如：同心·百和家园"))
    work_model = models.CharField(_("工作模式"), max_length=20, blank=True, db_index=True,
                                  help_text=_("数据字典“阵地工作模式”"))
    address = models.CharField(_("地址"), max_length=300, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True,
                                    validators=[MinValueValidator(Decimal("-180")),
                                                MaxValueValidator(Decimal("180"))])
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))])
    area_sqm = models.PositiveIntegerField(_("面积（平方米）"), null=True, blank=True)
    opened_on = models.DateField(_("启用日期"), default=_today, db_index=True)
    closed_on = models.DateField(_("撤销日期"), null=True, blank=True, db_index=True)
    contact_person = models.CharField(_("负责人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("办公电话"), max_length=30, blank=True,
                                     help_text=_("阵地的办公电话，不填个人手机号码"))
    associations = models.ManyToManyField("orgs.Association", verbose_name=_("入驻组织"), blank=True,
                                          related_name="sites")
    teams = models.ManyToManyField("orgs.Team", verbose_name=_("入驻队伍"), blank=True, related_name="sites")
    description = models.TextField(_("简介"), blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)

    class Meta:
        ordering = ["region", "name", "id"]
        verbose_name = _("阵地")
        verbose_name_plural = _("阵地")
        constraints = [
            models.CheckConstraint(condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                                   name="sites_site_dates", violation_error_message=_("撤销日期不能早于启用日期")),
            models.CheckConstraint(
                condition=(Q(longitude__isnull=True, latitude__isnull=True)
                           | Q(longitude__isnull=False, latitude__isnull=False)),
                name="sites_site_lonlat", violation_error_message=_("经度和纬度须同时填写或同时留空")),
        ]
        indexes = [
            models.Index(fields=["region", "opened_on"], name="sites_site_region_idx"),
            models.Index(fields=["kind", "level"], name="sites_site_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sites:site_detail", args=[self.pk])

    def is_open(self, day: datetime.date | None = None) -> bool:
        day = day or _today()
        return self.opened_on <= day and (self.closed_on is None or self.closed_on >= day)

    @property
    def kind_label(self) -> str:
        from tongxin.core.services import dict_label

        return dict_label(SITE_KIND_DICT, self.kind)

    @property
    def work_model_label(self) -> str:
        from tongxin.core.services import dict_label

        return dict_label(WORK_MODEL_DICT, self.work_model) if self.work_model else ""


# --- Standards -------------------------------------------------------------------------------------------------


class SharedQuerySet(models.QuerySet):
    """Standards are shared by every region (like the data dictionary): anyone with a scope sees them all."""

    def restrict(self, user, action: str = "view"):
        return self if scope_prefix(user) is not None else self.none()


class EvidenceRule(models.TextChoices):
    """What the platform can check from its own records when it pre-fills a criterion."""

    MANUAL = "manual", _("人工评定")
    ORGANIZATION = "organization", _("入驻组织/队伍（有组织）")
    RULES = "rules", _("入驻组织施行中的制度（有制度）")
    ACTIVITIES = "activities", _("近12个月在本阵地开展的活动（有活动）")
    FUNDS = "funds", _("入驻组织的经费拨付（有经费）")
    SITE = "site", _("阵地本身（有阵地）")
    TEAMS = "teams", _("入驻的工作队伍（有队伍）")
    BRAND = "brand", _("阵地品牌名称（有品牌）")
    REPRESENTATIVES = "representatives", _("入驻组织的会员（有代表人士）")
    TRAINING = "training", _("近12个月的培训类活动（有教育培训）")


# Rules under which uploaded files and photos are evidence of a criterion: the criteria judged from materials
# (人工评定) and "有阵地" (the site itself, shown by its photos). The other rules need the platform's own records
# (organizations, rules, fund entries, activities…): a file cannot stand in for them.
FILE_EVIDENCE_RULES = frozenset({EvidenceRule.MANUAL, EvidenceRule.SITE})


class Standard(AuditedModel, TimeStampedModel):
    """A versioned checklist (十有, 七有, 五有四见…). Versions of one standard share `code`; a version that has
    been used by an assessment is never changed: editing it creates the next version."""

    code = models.SlugField(_("标准代码"), max_length=50, help_text=_("同一标准的各版本代码相同"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    is_current = models.BooleanField(_("现行版本"), default=True, db_index=True)
    name = models.CharField(_("标准名称"), max_length=100)
    source = models.CharField(_("出处"), max_length=300, blank=True)
    description = models.TextField(_("说明"), blank=True)
    pass_score = models.DecimalField(_("达标分数线"), max_digits=6, decimal_places=2, default=Decimal("60"),
                                     help_text=_("按权重折算为百分制后的最低达标分"))
    all_required = models.BooleanField(_("须逐项达标"), default=False,
                                       help_text=_("勾选后任何一项未达到即为不达标"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)

    objects = SharedQuerySet.as_manager()

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("评价标准")
        verbose_name_plural = _("评价标准")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="sites_standard_version")]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    def get_absolute_url(self) -> str:
        return reverse("sites:standard_detail", args=[self.pk])

    @property
    def total_weight(self) -> Decimal:
        return sum((c.weight for c in self.criteria.all()), Decimal("0"))


class Criterion(AuditedModel):
    standard = models.ForeignKey(Standard, verbose_name=_("评价标准"), on_delete=models.CASCADE,
                                 related_name="criteria")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("指标"), max_length=100)
    description = models.TextField(_("内容要求"), blank=True)
    weight = models.DecimalField(_("分值"), max_digits=6, decimal_places=2, default=Decimal("10"))
    evidence = models.CharField(_("佐证材料"), max_length=300, blank=True, help_text=_("哪些材料可以作为依据"))
    evidence_rule = models.CharField(_("平台核验"), max_length=20, choices=EvidenceRule.choices,
                                     default=EvidenceRule.MANUAL)
    stated_in_source = models.BooleanField(_("出处已明确"), default=True,
                                           help_text=_("出处没有写明的条目由管理员补充完善"))

    objects = SharedQuerySet.as_manager()

    class Meta:
        ordering = ["standard", "order", "id"]
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.standard.get_absolute_url()

    @property
    def accepts_files(self) -> bool:
        """Whether uploaded files and photos count as evidence of this criterion (see FILE_EVIDENCE_RULES)."""
        return self.evidence_rule in FILE_EVIDENCE_RULES


# --- Inspections and assessments -------------------------------------------------------------------------------


class InspectionRound(RegionScopedModel, TimeStampedModel):
    """现场拉练检查: a team visits many sites on given dates and assesses each against one standard."""

    has_attachments = True

    name = models.CharField(_("检查名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    standard = models.ForeignKey(Standard, verbose_name=_("评价标准"), on_delete=models.PROTECT,
                                 related_name="rounds")
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"))
    team = models.CharField(_("检查组成员"), max_length=300, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("现场检查")
        verbose_name_plural = _("现场检查")
        constraints = [models.CheckConstraint(condition=Q(ended_on__gte=models.F("started_on")),
                                              name="sites_round_dates",
                                              violation_error_message=_("结束日期不能早于开始日期"))]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sites:inspectionround_detail", args=[self.pk])


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("达标")
    FAIL = "fail", _("不达标")


class SubjectKind(models.TextChoices):
    SITE = "site", _("阵地")
    ASSOCIATION = "association", _("联谊组织")
    REGION = "region", _("区域工作")


class Assessment(RegionScopedModel, TimeStampedModel):
    """A site, an association or a region's work assessed against one version of a standard."""

    has_attachments = True

    subject_kind = models.CharField(_("评估对象类型"), max_length=12, choices=SubjectKind.choices,
                                    default=SubjectKind.SITE)
    site = models.ForeignKey(Site, verbose_name=_("阵地"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="assessments")
    association = models.ForeignKey("orgs.Association", verbose_name=_("联谊组织"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="assessments")
    standard = models.ForeignKey(Standard, verbose_name=_("评价标准"), on_delete=models.PROTECT,
                                 related_name="assessments")
    inspection = models.ForeignKey(InspectionRound, verbose_name=_("所属现场检查"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="assessments")
    assessed_on = models.DateField(_("评估日期"), default=_today, db_index=True)
    assessors = models.CharField(_("评估人"), max_length=200, blank=True)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, default=Decimal("0"), editable=False)
    grade = models.CharField(_("等次"), max_length=10, choices=Grade.choices, default=Grade.FAIL, editable=False,
                             db_index=True)
    passed = models.BooleanField(_("达标"), default=False, editable=False, db_index=True)
    comments = models.TextField(_("评估意见"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("达标评估")
        verbose_name_plural = _("达标评估")
        indexes = [models.Index(fields=["region", "assessed_on"], name="sites_assess_region_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject_kind="site", site__isnull=False, association__isnull=True)
                           | Q(subject_kind="association", site__isnull=True, association__isnull=False)
                           | Q(subject_kind="region", site__isnull=True, association__isnull=True)),
                name="sites_assessment_subject", violation_error_message=_("请选择与评估对象类型相符的评估对象")),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} · {self.standard.name} · {self.assessed_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("sites:assessment_detail", args=[self.pk])

    @property
    def subject(self):
        if self.subject_kind == SubjectKind.SITE:
            return self.site
        if self.subject_kind == SubjectKind.ASSOCIATION:
            return self.association
        return self.region

    @property
    def subject_name(self) -> str:
        subject = self.subject
        return str(subject) if subject is not None else ""


class CriterionResult(ScopedModel):
    """One criterion of an assessment: met or not (None = no evidence yet), the points given, the evidence.

    Evidence files and photos are attached to the result itself (tongxin.core.attachments); they carry the
    assessment's region through `scope_field`, so the data scope applies to them as to the assessment."""

    has_attachments = True

    assessment = models.ForeignKey(Assessment, verbose_name=_("达标评估"), on_delete=models.CASCADE,
                                   related_name="results")
    criterion = models.ForeignKey(Criterion, verbose_name=_("评价指标"), on_delete=models.PROTECT,
                                  related_name="results")
    met = models.BooleanField(_("达到"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    prefilled = models.BooleanField(_("平台预填"), default=False)
    evidence_note = models.TextField(_("佐证说明"), blank=True)

    scope_field = "assessment__region_id"

    class Meta:
        ordering = ["assessment", "criterion__order", "criterion_id"]
        verbose_name = _("指标评定")
        verbose_name_plural = _("指标评定")
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"], name="sites_result_unique")]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.criterion}"

    def get_absolute_url(self) -> str:
        return self.assessment.get_absolute_url()


class EvidenceLink(ScopedModel):
    """A record of the platform (an activity, a rule, a fund entry, an association…) cited as evidence."""

    result = models.ForeignKey(CriterionResult, verbose_name=_("指标评定"), on_delete=models.CASCADE,
                               related_name="links")
    content_type = models.ForeignKey("contenttypes.ContentType", verbose_name=_("记录类型"),
                                     on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField(_("记录编号"))
    label = models.CharField(_("名称"), max_length=300)
    url = models.CharField(_("链接"), max_length=300, blank=True)

    scope_field = "result__assessment__region_id"

    class Meta:
        ordering = ["result", "id"]
        verbose_name = _("佐证记录")
        verbose_name_plural = _("佐证记录")
        indexes = [models.Index(fields=["content_type", "object_id"], name="sites_evidence_ref_idx")]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return self.result.get_absolute_url()


# --- Key tasks (重点任务推进表) -----------------------------------------------------------------------------------


class TaskStatus(models.TextChoices):
    ON_TIME = "on_time", _("正常推进")
    AT_RISK = "at_risk", _("进度滞后")
    OVERDUE = "overdue", _("逾期")
    DONE = "done", _("已完成")


class KeyTask(RegionScopedModel, TimeStampedModel):
    """A line of the 重点任务推进表: task, owning unit, responsible person, quality standard, deadline."""

    has_attachments = True

    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    number = models.PositiveSmallIntegerField(_("序号"), default=0)
    category = models.CharField(_("任务类别"), max_length=50, blank=True, help_text=_("如：组织建设、阵地建设"))
    title = models.CharField(_("重点任务"), max_length=300)
    owner_unit = models.CharField(_("责任单位"), max_length=200)
    responsible = models.CharField(_("责任人"), max_length=100)
    responsible_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人账号"), null=True,
                                         blank=True, on_delete=models.SET_NULL, related_name="key_tasks")
    quality_standard = models.TextField(_("质量标准"), blank=True)
    started_on = models.DateField(_("开始日期"), default=_today)
    deadline = models.DateField(_("完成时限"), db_index=True)
    progress = models.PositiveSmallIntegerField(_("完成进度（%）"), default=0,
                                                validators=[MaxValueValidator(100)])
    completed_on = models.DateField(_("完成日期"), null=True, blank=True, db_index=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        ordering = ["year", "number", "id"]
        verbose_name = _("重点任务")
        verbose_name_plural = _("重点任务")
        indexes = [models.Index(fields=["region", "deadline"], name="sites_task_region_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("started_on")), name="sites_task_dates",
                                   violation_error_message=_("完成时限不能早于开始日期")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sites:keytask_detail", args=[self.pk])

    def status_on(self, day: datetime.date | None = None) -> str:
        from tongxin.sites.selectors import task_status

        return task_status(self, day or _today())

    @property
    def status(self) -> str:
        return self.status_on()

    def get_status_display(self) -> str:
        return TaskStatus(self.status).label


class Milestone(ScopedModel):
    task = models.ForeignKey(KeyTask, verbose_name=_("重点任务"), on_delete=models.CASCADE,
                             related_name="milestones")
    title = models.CharField(_("节点"), max_length=200)
    due_on = models.DateField(_("计划完成"))
    done_on = models.DateField(_("实际完成"), null=True, blank=True)

    scope_field = "task__region_id"

    class Meta:
        ordering = ["task", "due_on", "id"]
        verbose_name = _("推进节点")
        verbose_name_plural = _("推进节点")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.task.get_absolute_url()


class ProgressReport(ScopedModel):
    """月结: what was done in a month, the progress reached and the problems met."""

    task = models.ForeignKey(KeyTask, verbose_name=_("重点任务"), on_delete=models.CASCADE,
                             related_name="reports")
    month = models.DateField(_("月份"), help_text=_("该月1日"))
    progress = models.PositiveSmallIntegerField(_("累计进度（%）"), validators=[MaxValueValidator(100)])
    done = models.TextField(_("本月完成情况"))
    problems = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下步打算"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    scope_field = "task__region_id"

    class Meta:
        ordering = ["task", "-month"]
        verbose_name = _("月结")
        verbose_name_plural = _("月结")
        constraints = [models.UniqueConstraint(fields=["task", "month"], name="sites_report_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月} {self.progress}%"

    def get_absolute_url(self) -> str:
        return self.task.get_absolute_url()


class QuarterClose(ScopedModel):
    """季清: the quarter's work checked and closed, with what carries over."""

    task = models.ForeignKey(KeyTask, verbose_name=_("重点任务"), on_delete=models.CASCADE,
                             related_name="quarter_closes")
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    cleared = models.BooleanField(_("本季任务已清"), default=True)
    summary = models.TextField(_("季度小结"))
    carried_over = models.TextField(_("结转事项"), blank=True)
    closed_on = models.DateField(_("清结日期"), default=_today)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("清结人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    scope_field = "task__region_id"

    class Meta:
        ordering = ["task", "-year", "-quarter"]
        verbose_name = _("季清")
        verbose_name_plural = _("季清")
        constraints = [models.UniqueConstraint(fields=["task", "year", "quarter"], name="sites_quarter_unique")]

    def __str__(self) -> str:
        return f"{self.year}年第{self.quarter}季度"

    def get_absolute_url(self) -> str:
        return self.task.get_absolute_url()


class SupervisionNote(ScopedModel):
    """督办: a note from the supervising office, and when it was answered."""

    task = models.ForeignKey(KeyTask, verbose_name=_("重点任务"), on_delete=models.CASCADE,
                             related_name="supervision_notes")
    noted_on = models.DateField(_("督办日期"), default=_today)
    text = models.TextField(_("督办意见"))
    answered_on = models.DateField(_("办结日期"), null=True, blank=True)
    answer = models.TextField(_("落实情况"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("督办人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")

    scope_field = "task__region_id"

    class Meta:
        ordering = ["task", "-noted_on", "-id"]
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")

    def __str__(self) -> str:
        return f"{self.noted_on:%Y-%m-%d} {self.text[:20]}"

    def get_absolute_url(self) -> str:
        return self.task.get_absolute_url()


# --- Evaluation of units (评价办法) ------------------------------------------------------------------------------


class UnitKind(models.TextChoices):
    TOWNSHIP = "township", _("乡镇（街道）")
    COUNTY = "county", _("县（市、区）")
    PARK = "park", _("园区")
    MIXED = "mixed", _("县（市、区）和园区")


# 统计用区划代码: functional zones (开发区、园区、高新区…) are regions too. At county level the 5th–6th digits 71–79
# mark them (430371 湘潭高新技术产业园区, 320576 苏州工业园区); 81–89 are county-level cities (510981 射洪市), not
# zones. At township level the 3-digit part 400–599 marks the 类似乡级单位 (开发区、园区, also 农场、林场…).
_PARK_NAME = re.compile(r"开发区|高新区|.{3,}园区")  # "下花园区""绿园区""西园区街道" are ordinary districts/streets


def is_functional_zone(code: str) -> bool:
    """Whether a region code (prefix form) is a functional zone by the statistical code rules above."""
    code = code or ""
    if not code.isdigit():
        return False
    if len(code) == 6:
        return 71 <= int(code[4:6]) <= 79
    if len(code) == 9:
        return 400 <= int(code[6:9]) <= 599
    return False


def is_park(region) -> bool:
    """A park (园区) as an evaluation unit: a functional zone by its code, or a region named as a zone (admins may
    add a park with a code outside the zone ranges)."""
    return is_functional_zone(region.code) or bool(_PARK_NAME.search(region.name or ""))


def unit_kind_of(region) -> str:
    """The kind of unit a region is: a park, a county or a township ("" for a city, a province or a village)."""
    if is_park(region):
        return UnitKind.PARK
    return {6: UnitKind.COUNTY, 9: UnitKind.TOWNSHIP}.get(len(region.code), "")


def unit_fits(kind: str, region) -> bool:
    """Whether `region` may be a unit of a scheme evaluating `kind` (县（市、区）和园区 takes both)."""
    own = unit_kind_of(region)
    if kind == UnitKind.MIXED:
        return own in (UnitKind.COUNTY, UnitKind.PARK)
    return bool(own) and own == kind


class EvaluationScheme(RegionScopedModel, TimeStampedModel):
    """《县市区、园区统战工作评价办法》 for a year: weighted indicators applied to a set of units."""

    has_attachments = True

    name = models.CharField(_("评价办法名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    unit_kind = models.CharField(_("评价对象"), max_length=10, choices=UnitKind.choices,
                                 default=UnitKind.TOWNSHIP,
                                 help_text=_("园区指开发区、高新区等功能区；同时评价县（市、区）和园区时选“县（市、区）和园区”"))
    description = models.TextField(_("说明"), blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-year", "name", "id"]
        verbose_name = _("评价办法")
        verbose_name_plural = _("评价办法")

    def __str__(self) -> str:
        return f"{self.year}年 {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("sites:evaluationscheme_detail", args=[self.pk])

    @property
    def date_from(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def date_to(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)


class IndicatorSource(models.TextChoices):
    METRIC = "metric", _("平台数据自动计算")
    MANUAL = "manual", _("人工评分")


class Scoring(models.TextChoices):
    RELATIVE = "relative", _("与最高值比较（最高者得满分）")
    TARGET = "target", _("达到目标值得满分")


class Indicator(ScopedModel):
    scheme = models.ForeignKey(EvaluationScheme, verbose_name=_("评价办法"), on_delete=models.CASCADE,
                               related_name="indicators")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("指标名称"), max_length=200)
    weight = models.DecimalField(_("分值"), max_digits=6, decimal_places=2, default=Decimal("10"))
    source = models.CharField(_("计分方式"), max_length=10, choices=IndicatorSource.choices,
                              default=IndicatorSource.METRIC)
    metric_key = models.CharField(_("统计指标"), max_length=60, blank=True,
                                  help_text=_("报表引擎中的指标，如 activities.count"))
    per_metric_key = models.CharField(_("除以指标"), max_length=60, blank=True,
                                      help_text=_("按人数折算时填写，如 people.total"))
    per_unit = models.PositiveIntegerField(_("折算基数"), default=1,
                                           help_text=_("如每万人填 10000；不折算填 1"))
    scoring = models.CharField(_("计分规则"), max_length=10, choices=Scoring.choices, default=Scoring.RELATIVE)
    target = models.DecimalField(_("目标值"), max_digits=12, decimal_places=4, null=True, blank=True)
    description = models.TextField(_("评分说明"), blank=True)

    scope_field = "scheme__region_id"

    class Meta:
        ordering = ["scheme", "order", "id"]
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标项")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.scheme.get_absolute_url()


class EvaluationUnit(ScopedModel):
    """A unit the scheme evaluates: a township, a county or a park, each counted by its region code."""

    scheme = models.ForeignKey(EvaluationScheme, verbose_name=_("评价办法"), on_delete=models.CASCADE,
                               related_name="units")
    unit_region = models.ForeignKey("core.Region", verbose_name=_("单位区划"), to_field="code",
                                    db_column="unit_region_code", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("单位名称"), max_length=100, blank=True, help_text=_("不填则用区划名称"))
    total = models.DecimalField(_("总分"), max_digits=8, decimal_places=2, default=Decimal("0"), editable=False)
    rank = models.PositiveSmallIntegerField(_("名次"), null=True, blank=True, editable=False)

    scope_field = "scheme__region_id"

    class Meta:
        ordering = ["scheme", "rank", "unit_region_id"]
        verbose_name = _("评价对象")
        verbose_name_plural = _("评价对象")
        constraints = [models.UniqueConstraint(fields=["scheme", "unit_region"], name="sites_unit_unique")]

    def __str__(self) -> str:
        return self.name or str(self.unit_region)

    def get_absolute_url(self) -> str:
        return reverse("sites:evaluationunit_detail", args=[self.pk])

    @property
    def kind(self) -> str:
        """乡镇（街道）, 县（市、区） or 园区, from the unit's region (its code and name)."""
        return unit_kind_of(self.unit_region)

    def get_kind_display(self) -> str:
        return UnitKind(self.kind).label if self.kind else ""


class UnitScore(ScopedModel):
    unit = models.ForeignKey(EvaluationUnit, verbose_name=_("评价对象"), on_delete=models.CASCADE,
                             related_name="scores")
    indicator = models.ForeignKey(Indicator, verbose_name=_("评价指标"), on_delete=models.CASCADE,
                                  related_name="scores")
    value = models.DecimalField(_("指标值"), max_digits=14, decimal_places=4, null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=8, decimal_places=2, default=Decimal("0"))
    evidence = models.TextField(_("评分依据"), blank=True)
    detail = models.JSONField(_("计算过程"), default=dict, blank=True)

    scope_field = "unit__scheme__region_id"

    class Meta:
        ordering = ["unit", "indicator__order", "indicator_id"]
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        constraints = [models.UniqueConstraint(fields=["unit", "indicator"], name="sites_score_unique")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.indicator}: {self.score}"

    def get_absolute_url(self) -> str:
        return self.unit.get_absolute_url()
