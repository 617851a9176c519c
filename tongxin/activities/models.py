"""Activities (活动), their sign-ups and attendance (人次), training classes (培训班), the service menu (服务清单)
and the points ledger (积分).

The activity type is a code of the `activity_type` dictionary (core/dictionaries.py; administrators extend it),
stored like the registry stores its dictionary codes. Attendance is the unit every figure counts: one row per
person and activity, guarded by a unique constraint so concurrent check-ins cannot double it. The points ledger
is append-only: a balance is always the sum of a person's entries.
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.models import RegionScopedModel, ScopedModel, TimeStampedModel
from tongxin.core.scope import ScopedManager, ScopedQuerySet

ACTIVITY_TYPE_DICT = "activity_type"
# Codes of the seeded `activity_type` dictionary items that the code itself relies on.
TYPE_THEME, TYPE_STUDY, TYPE_TRAINING, TYPE_CULTURE, TYPE_SOCIAL_SERVICE, TYPE_VOLUNTEER = (
    "01", "02", "03", "04", "05", "06")
TYPE_RESEARCH, TYPE_CONSULTATION, TYPE_SYMPOSIUM, TYPE_FORUM, TYPE_JOB_FAIR, TYPE_DONATION, TYPE_FELLOWSHIP = (
    "07", "08", "09", "10", "11", "12", "13")


def _today() -> datetime.date:
    return timezone.localdate()


def new_checkin_token() -> str:
    return secrets.token_urlsafe(18)


# --- Programmes and the service menu ----------------------------------------------------------------------------


class Programme(RegionScopedModel, TimeStampedModel):
    """A brand (品牌活动), a named series of activities such as "四新行动 · 新志愿"."""

    name = models.CharField(_("品牌名称"), max_length=200, db_index=True)
    description = models.TextField(_("简介"), blank=True)
    started_on = models.DateField(_("启动日期"), null=True, blank=True)
    is_active = models.BooleanField(_("进行中"), default=True, db_index=True)

    class Meta:
        ordering = ["region", "name", "id"]
        verbose_name = _("品牌活动")
        verbose_name_plural = _("品牌活动")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("activities:programme_detail", args=[self.pk])


class ServiceProgrammeQuerySet(ScopedQuerySet):
    def on_menu(self, day: datetime.date):
        """Programmes on the menu on `day`: started on or before it and not withdrawn before it."""
        return self.filter(Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gte=day)))


class ServiceProgramme(RegionScopedModel, TimeStampedModel):
    """A service programme of the service menu (服务清单): 科普进社区, 法律进社区, 文化进园区…"""

    name = models.CharField(_("服务项目"), max_length=200, db_index=True)
    description = models.TextField(_("服务内容"), blank=True)
    specialties = models.ManyToManyField("people.Specialty", verbose_name=_("所需专长"), blank=True,
                                         related_name="service_programmes")
    target = models.CharField(_("服务对象"), max_length=200, blank=True, help_text=_("如：社区居民、园区企业"))
    started_on = models.DateField(_("列入清单日期"), default=_today, db_index=True)
    ended_on = models.DateField(_("停止日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在清单中"), default=True, db_index=True)

    objects = ScopedManager.from_queryset(ServiceProgrammeQuerySet)()

    class Meta:
        ordering = ["region", "name", "id"]
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务清单")
        constraints = [
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                                   name="activities_service_dates",
                                   violation_error_message=_("停止日期不能早于列入清单日期")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("activities:serviceprogramme_detail", args=[self.pk])


# --- Activities --------------------------------------------------------------------------------------------------


class SignupMode(models.TextChoices):
    CLOSED = "closed", _("不开放报名")
    ASSOCIATIONS = "associations", _("指定组织会员")
    REGISTRY = "registry", _("人士库全部人士")


class ActivityQuerySet(ScopedQuerySet):
    def held(self):
        return self.filter(is_cancelled=False)

    def in_period(self, date_from: datetime.date, date_to: datetime.date):
        return self.filter(start_date__gte=date_from, start_date__lte=date_to)


class Activity(RegionScopedModel, TimeStampedModel):
    """An event: a theme activity, a study session, a training class, a service outing, a forum…"""

    has_attachments = True

    title = models.CharField(_("活动名称"), max_length=200)
    type = models.CharField(_("活动类型"), max_length=20, db_index=True, help_text=_("数据字典“活动类型”"))
    programme = models.ForeignKey(Programme, verbose_name=_("品牌活动"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="activities")
    service_programme = models.ForeignKey(ServiceProgramme, verbose_name=_("服务项目"), null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="activities")
    associations = models.ManyToManyField("orgs.Association", verbose_name=_("主办组织"), blank=True,
                                          related_name="activities")
    teams = models.ManyToManyField("orgs.Team", verbose_name=_("参与队伍"), blank=True, related_name="activities")
    departments = models.CharField(_("主办/协办单位"), max_length=300, blank=True,
                                   help_text=_("不在系统中的部门或单位，如：区委统战部、区司法局"))
    place = models.CharField(_("活动地点"), max_length=200, blank=True)
    site = models.ForeignKey("sites.Site", verbose_name=_("活动阵地"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="activities")
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    start_date = models.DateField(_("活动日期"), editable=False, db_index=True)
    description = models.TextField(_("活动内容"), blank=True)
    is_cancelled = models.BooleanField(_("已取消"), default=False, db_index=True)
    capacity = models.PositiveIntegerField(_("人数上限"), null=True, blank=True, help_text=_("留空表示不限"))
    signup_mode = models.CharField(_("报名范围"), max_length=12, choices=SignupMode.choices,
                                   default=SignupMode.CLOSED)
    signup_associations = models.ManyToManyField(
        "orgs.Association", verbose_name=_("可报名组织"), blank=True, related_name="open_activities",
        help_text=_("报名范围为“指定组织会员”时，这些组织的会员可报名；留空则为主办组织的会员"))
    signup_deadline = models.DateTimeField(_("报名截止"), null=True, blank=True)
    checkin_opens_at = models.DateTimeField(_("签到开始"), null=True, blank=True,
                                            help_text=_("留空为活动开始前1小时"))
    checkin_closes_at = models.DateTimeField(_("签到截止"), null=True, blank=True,
                                             help_text=_("留空为活动结束后1小时"))
    checkin_token = models.CharField(_("签到码"), max_length=40, unique=True, default=new_checkin_token,
                                     editable=False)
    beneficiaries = models.PositiveIntegerField(_("服务群众人次"), default=0)
    enterprises_served = models.PositiveIntegerField(_("服务企业数"), default=0,
                                                     help_text=_("未在系统中逐一登记的企业数"))
    enterprises = models.ManyToManyField("people.Organization", verbose_name=_("服务企业"), blank=True,
                                         related_name="served_by_activities")
    outcome = models.TextField(_("活动成效"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", editable=False)

    audit_exclude = ("updated_at", "checkin_token")
    objects = ScopedManager.from_queryset(ActivityQuerySet)()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="activities_activity_dates",
                                   violation_error_message=_("结束时间不能早于开始时间")),
        ]
        indexes = [
            models.Index(fields=["region", "start_date"], name="activities_act_region_idx"),
            models.Index(fields=["type", "start_date"], name="activities_act_type_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.starts_at:
            self.start_date = timezone.localtime(self.starts_at).date() if timezone.is_aware(self.starts_at) \
                else self.starts_at.date()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("activities:activity_detail", args=[self.pk])

    @property
    def type_label(self) -> str:
        from tongxin.activities.selectors import activity_type_labels
        return activity_type_labels().get(self.type, self.type)

    @property
    def checkin_window(self) -> tuple[datetime.datetime, datetime.datetime]:
        opens = self.checkin_opens_at or self.starts_at - datetime.timedelta(hours=1)
        closes = self.checkin_closes_at or self.ends_at + datetime.timedelta(hours=1)
        return opens, closes


class MediaCoverage(ScopedModel):
    """A report of the activity in the media (outlet, date, link)."""

    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE,
                                 related_name="media_coverage")
    outlet = models.CharField(_("媒体"), max_length=100, help_text=_("如：遂宁日报、学习强国、四川统战"))
    published_on = models.DateField(_("报道日期"), default=_today)
    headline = models.CharField(_("报道标题"), max_length=200, blank=True)
    url = models.URLField(_("链接"), max_length=500, blank=True)

    scope_field = "activity__region_id"

    class Meta:
        ordering = ["-published_on", "id"]
        verbose_name = _("媒体报道")
        verbose_name_plural = _("媒体报道")

    def __str__(self) -> str:
        return f"{self.outlet} {self.published_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return self.activity.get_absolute_url()


class DonationKind(models.TextChoices):
    MONEY = "money", _("资金")
    ITEMS = "items", _("物品")


class Donation(ScopedModel):
    """Money (元) or items (by kind and count) donated or bought to help at an activity (捐赠帮扶)."""

    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE,
                                 related_name="donations")
    kind = models.CharField(_("捐赠类型"), max_length=6, choices=DonationKind.choices, default=DonationKind.MONEY)
    donor = models.CharField(_("捐赠方"), max_length=200, blank=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(0)])
    item_kind = models.CharField(_("物品类别"), max_length=50, blank=True, help_text=_("如：农机、书籍、春联"))
    item_count = models.PositiveIntegerField(_("物品数量"), null=True, blank=True)
    item_unit = models.CharField(_("单位"), max_length=10, blank=True, help_text=_("如：台、册、副"))
    estimated_value = models.DecimalField(_("折合金额（元）"), max_digits=14, decimal_places=2, null=True,
                                          blank=True, validators=[MinValueValidator(0)])
    donated_on = models.DateField(_("捐赠日期"), default=_today, db_index=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    scope_field = "activity__region_id"

    class Meta:
        ordering = ["-donated_on", "id"]
        verbose_name = _("捐赠")
        verbose_name_plural = _("捐赠帮扶")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="money", amount__isnull=False)
                           | Q(kind="items", item_count__isnull=False) & ~Q(item_kind="")),
                name="activities_donation_complete",
                violation_error_message=_("资金捐赠请填写金额；物品捐赠请填写物品类别和数量")),
        ]

    def __str__(self) -> str:
        if self.kind == DonationKind.MONEY:
            return f"{self.donor} {self.amount}元"
        return f"{self.donor} {self.item_kind}{self.item_count}{self.item_unit}"

    def get_absolute_url(self) -> str:
        return self.activity.get_absolute_url()

    @property
    def value(self):
        return self.amount if self.kind == DonationKind.MONEY else self.estimated_value


# --- Registration and attendance ---------------------------------------------------------------------------------


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("已报名")
    CANCELLED = "cancelled", _("已取消")


class Registration(ScopedModel, TimeStampedModel):
    """A person's sign-up for an activity; cancelling keeps the row, signing up again reopens it."""

    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE,
                                 related_name="registrations")
    person = models.ForeignKey("people.Person", verbose_name=_("人士"), on_delete=models.CASCADE,
                               related_name="activity_registrations")
    status = models.CharField(_("状态"), max_length=12, choices=RegistrationStatus.choices,
                              default=RegistrationStatus.REGISTERED, db_index=True)
    registered_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")

    scope_field = "activity__region_id"

    class Meta:
        ordering = ["activity", "registered_at", "id"]
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="activities_registration_once")]
        indexes = [models.Index(fields=["person", "status"], name="activities_reg_person_idx")]

    def __str__(self) -> str:
        return f"{self.person} · {self.activity}"

    def get_absolute_url(self) -> str:
        return self.activity.get_absolute_url()


class AttendanceSource(models.TextChoices):
    QR = "qr", _("扫码签到")
    STAFF = "staff", _("工作人员登记")
    IMPORT = "import", _("签到表导入")


class Attendance(ScopedModel):
    """A person at an activity: one row per person and activity (人次 counts these rows)."""

    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE,
                                 related_name="attendances")
    person = models.ForeignKey("people.Person", verbose_name=_("人士"), on_delete=models.CASCADE,
                               related_name="attendances")
    checked_in_at = models.DateTimeField(_("签到时间"), default=timezone.now)
    source = models.CharField(_("签到方式"), max_length=6, choices=AttendanceSource.choices,
                              default=AttendanceSource.STAFF)
    volunteer_hours = models.DecimalField(_("志愿服务时长（小时）"), max_digits=5, decimal_places=1, default=0,
                                          validators=[MinValueValidator(0)])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    scope_field = "activity__region_id"

    class Meta:
        ordering = ["activity", "checked_in_at", "id"]
        verbose_name = _("签到")
        verbose_name_plural = _("参与记录")
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="activities_attendance_once",
                                               violation_error_message=_("该人士已签到"))]
        indexes = [models.Index(fields=["person", "checked_in_at"], name="activities_att_person_idx")]

    def __str__(self) -> str:
        return f"{self.person} · {self.activity}"

    def get_absolute_url(self) -> str:
        return self.activity.get_absolute_url()


# --- Training classes --------------------------------------------------------------------------------------------


class TrainingClass(ScopedModel, TimeStampedModel):
    """A training class (培训班, one 期): an activity with sessions, trainees and completion."""

    activity = models.OneToOneField(Activity, verbose_name=_("活动"), on_delete=models.CASCADE,
                                    related_name="training_class")
    term = models.CharField(_("期次"), max_length=50, blank=True, help_text=_("如：第3期"))
    host = models.CharField(_("承办单位"), max_length=200, blank=True)
    min_sessions = models.PositiveSmallIntegerField(_("结业所需出勤课次"), default=1,
                                                    validators=[MinValueValidator(1)])

    scope_field = "activity__region_id"

    class Meta:
        ordering = ["-activity__starts_at", "-id"]
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")

    def __str__(self) -> str:
        return f"{self.activity.title}{'（' + self.term + '）' if self.term else ''}"

    def get_absolute_url(self) -> str:
        return reverse("activities:trainingclass_detail", args=[self.pk])


class ClassSession(ScopedModel):
    """A session (课次) of a training class."""

    training_class = models.ForeignKey(TrainingClass, verbose_name=_("培训班"), on_delete=models.CASCADE,
                                       related_name="sessions")
    title = models.CharField(_("课程"), max_length=200)
    teacher = models.CharField(_("授课人"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)

    scope_field = "training_class__activity__region_id"

    class Meta:
        ordering = ["training_class", "starts_at", "id"]
        verbose_name = _("课次")
        verbose_name_plural = _("课次")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="activities_session_dates",
                                   violation_error_message=_("结束时间不能早于开始时间")),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("activities:classsession_detail", args=[self.pk])


class Trainee(ScopedModel, TimeStampedModel):
    """A person enrolled in a training class; completion follows session attendance (or is set by staff)."""

    training_class = models.ForeignKey(TrainingClass, verbose_name=_("培训班"), on_delete=models.CASCADE,
                                       related_name="trainees")
    person = models.ForeignKey("people.Person", verbose_name=_("学员"), on_delete=models.CASCADE,
                               related_name="trainings")
    enrolled_on = models.DateField(_("报到日期"), default=_today)
    completed = models.BooleanField(_("已结业"), default=False, db_index=True)
    completed_on = models.DateField(_("结业日期"), null=True, blank=True)
    certificate_no = models.CharField(_("结业证书编号"), max_length=50, blank=True)

    scope_field = "training_class__activity__region_id"

    class Meta:
        ordering = ["training_class", "id"]
        verbose_name = _("学员")
        verbose_name_plural = _("学员")
        constraints = [models.UniqueConstraint(fields=["training_class", "person"], name="activities_trainee_once")]
        indexes = [models.Index(fields=["person"], name="activities_trainee_person_idx")]

    def __str__(self) -> str:
        return f"{self.person} · {self.training_class}"

    def get_absolute_url(self) -> str:
        return self.training_class.get_absolute_url()


class SessionAttendance(ScopedModel):
    """A trainee present at a session."""

    session = models.ForeignKey(ClassSession, verbose_name=_("课次"), on_delete=models.CASCADE,
                                related_name="attendances")
    person = models.ForeignKey("people.Person", verbose_name=_("学员"), on_delete=models.CASCADE,
                               related_name="session_attendances")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    scope_field = "session__training_class__activity__region_id"

    class Meta:
        ordering = ["session", "id"]
        verbose_name = _("课次出勤")
        verbose_name_plural = _("课次出勤")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="activities_session_att_once")]

    def __str__(self) -> str:
        return f"{self.person} · {self.session}"

    def get_absolute_url(self) -> str:
        return self.session.get_absolute_url()


# --- Points ------------------------------------------------------------------------------------------------------


class PointTrigger(models.TextChoices):
    ATTENDANCE = "attendance", _("参加活动")
    VOLUNTEER_HOURS = "volunteer_hours", _("志愿服务时长")
    PROPOSAL_ADOPTED = "proposal_adopted", _("建议被采纳")


class PointRule(RegionScopedModel, TimeStampedModel):
    """Points a region awards for a trigger: per attendance (optionally per activity type), per volunteer hour,
    per adopted proposal. The rule of the deepest region above the event applies; a typed rule beats an untyped."""

    trigger = models.CharField(_("积分事项"), max_length=20, choices=PointTrigger.choices, db_index=True)
    activity_type = models.CharField(_("活动类型"), max_length=20, blank=True,
                                     help_text=_("仅“参加活动”适用；留空表示所有类型"))
    points = models.IntegerField(_("积分"), validators=[MinValueValidator(0)],
                                 help_text=_("每次参加、每小时志愿服务或每条采纳建议的积分"))
    is_active = models.BooleanField(_("启用"), default=True, db_index=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["region", "trigger", "activity_type", "id"]
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        constraints = [
            models.UniqueConstraint(fields=["region", "trigger", "activity_type"], condition=Q(is_active=True),
                                    name="activities_pointrule_unique",
                                    violation_error_message=_("本区划已有相同事项和活动类型的启用规则")),
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} {self.points}"

    def get_absolute_url(self) -> str:
        return reverse("activities:pointrule_detail", args=[self.pk])


class PointKind(models.TextChoices):
    EARNED = "earned", _("获得")
    SPENT = "spent", _("兑换")
    ADJUSTED = "adjusted", _("调整")


class AppendOnly(Exception):
    pass


class PointEntry(RegionScopedModel):
    """One line of the points ledger. Append-only: a correction is a new "adjusted" entry, never an edit."""

    person = models.ForeignKey("people.Person", verbose_name=_("人士"), on_delete=models.PROTECT,
                               related_name="point_entries")
    points = models.IntegerField(_("积分"))
    kind = models.CharField(_("类型"), max_length=10, choices=PointKind.choices, db_index=True)
    trigger = models.CharField(_("积分事项"), max_length=20, choices=PointTrigger.choices, blank=True)
    reason = models.CharField(_("事由"), max_length=300)
    source_type = models.ForeignKey(ContentType, verbose_name=_("来源类型"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    source_id = models.PositiveBigIntegerField(_("来源编号"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分台账")
        constraints = [
            # A source earns a person points once per trigger, however often the award is retried.
            models.UniqueConstraint(fields=["person", "trigger", "source_type", "source_id"],
                                    condition=Q(kind="earned", source_id__isnull=False),
                                    name="activities_points_once_per_source"),
            models.CheckConstraint(condition=~Q(points=0), name="activities_points_nonzero",
                                   violation_error_message=_("积分不能为0")),
        ]
        indexes = [
            models.Index(fields=["person", "at"], name="activities_points_person_idx"),
            models.Index(fields=["region", "at"], name="activities_points_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.points:+d} {self.reason}"

    def get_absolute_url(self) -> str:
        return reverse("activities:person_points", args=[self.person_id])

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnly("积分台账只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("积分台账只能追加，不能删除")


class Reward(RegionScopedModel, TimeStampedModel):
    """Something points can be redeemed for (福美和 community currency)."""

    name = models.CharField(_("奖品/服务"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    points_cost = models.PositiveIntegerField(_("所需积分"), validators=[MinValueValidator(1)])
    stock = models.PositiveIntegerField(_("库存"), null=True, blank=True, help_text=_("留空表示不限"))
    is_active = models.BooleanField(_("可兑换"), default=True, db_index=True)

    class Meta:
        ordering = ["region", "points_cost", "id"]
        verbose_name = _("兑换奖品")
        verbose_name_plural = _("积分奖品")

    def __str__(self) -> str:
        return f"{self.name}（{self.points_cost}分）"

    def get_absolute_url(self) -> str:
        return reverse("activities:reward_detail", args=[self.pk])


class Redemption(ScopedModel):
    """A person's redemption of a reward; its points leave the ledger through `entry`."""

    reward = models.ForeignKey(Reward, verbose_name=_("奖品"), on_delete=models.PROTECT,
                               related_name="redemptions")
    person = models.ForeignKey("people.Person", verbose_name=_("人士"), on_delete=models.PROTECT,
                               related_name="redemptions")
    points = models.PositiveIntegerField(_("消耗积分"))
    entry = models.OneToOneField(PointEntry, verbose_name=_("积分记录"), on_delete=models.PROTECT,
                                 related_name="redemption")
    redeemed_at = models.DateTimeField(_("兑换时间"), default=timezone.now, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")

    scope_field = "reward__region_id"

    class Meta:
        ordering = ["-redeemed_at", "-id"]
        verbose_name = _("积分兑换")
        verbose_name_plural = _("积分兑换")

    def __str__(self) -> str:
        return f"{self.person} · {self.reward.name}"

    def get_absolute_url(self) -> str:
        return reverse("activities:reward_detail", args=[self.reward_id])
