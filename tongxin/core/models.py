from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core import regions
from tongxin.core.scope import ScopedManager, ScopedQuerySet


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AuditedModel(models.Model):
    """Inherit to have every create, update and delete written to the audit log with field-level changes.

    `audit_exclude` names fields not worth recording; encrypted fields are recorded masked.
    """

    audit_exclude: tuple[str, ...] = ("updated_at",)

    class Meta:
        abstract = True


class ScopedModel(AuditedModel):
    """A record that belongs to a place. `scope_field` is the lookup the data scope filters on."""

    scope_field = "region_id"

    objects = ScopedManager()

    class Meta:
        abstract = True


class RegionScopedModel(ScopedModel):
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("所属区划"),
        to_field="code",
        db_column="region_code",
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


class Region(AuditedModel, TimeStampedModel):
    LEVEL_CHOICES = [
        (regions.LEVEL_PROVINCE, _("省级")),
        (regions.LEVEL_CITY, _("市级")),
        (regions.LEVEL_COUNTY, _("县级")),
        (regions.LEVEL_TOWNSHIP, _("乡镇/街道")),
        (regions.LEVEL_VILLAGE, _("村/社区")),
    ]
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100, db_index=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=LEVEL_CHOICES, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), to_field="code", null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    full_name = models.CharField(_("全称"), max_length=300, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope_field = "code"
    objects = ScopedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    @property
    def official_code(self) -> str:
        return regions.to_official(self.code)

    @property
    def region_id(self) -> str:
        return self.code


class UserQuerySet(ScopedQuerySet):
    pass


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    scope_region = models.ForeignKey(
        Region, verbose_name=_("数据范围"), to_field="code", db_column="scope_region_code",
        null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("用户只能看到和管理本区划及下级区划的数据"),
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)

    scope_field = "scope_region_id"
    objects = ScopedUserManager()
    audit_exclude = ("last_login", "password")

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [
            ("view_sensitive", _("查看完整敏感信息（身份证号、手机号）")),
            ("export_sensitive", _("导出完整敏感信息")),
            ("manage_system", _("系统管理")),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_names(self) -> list[str]:
        return [g.name for g in self.groups.all()]


class DictType(AuditedModel, TimeStampedModel):
    code = models.SlugField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    standard = models.CharField(_("依据标准"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    hierarchical = models.BooleanField(_("分层"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("字典")
        verbose_name_plural = _("数据字典")

    def __str__(self) -> str:
        return self.name


class DictItem(AuditedModel, TimeStampedModel):
    dict_type = models.ForeignKey(DictType, verbose_name=_("字典"), on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("代码"), max_length=20)
    label = models.CharField(_("名称"), max_length=100)
    label_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["dict_type", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["dict_type", "code"], name="dictitem_unique_code")]
        verbose_name = _("字典项")
        verbose_name_plural = _("字典项")

    def __str__(self) -> str:
        return self.label


class AuditEntry(models.Model):
    """Append-only: rows are written by `tongxin.core.audit` and never changed or deleted by the application."""

    CREATE, UPDATE, DELETE = "create", "update", "delete"
    VIEW_SENSITIVE, EXPORT, IMPORT = "view_sensitive", "export", "import"
    LOGIN, LOGIN_FAILED, LOGOUT, MERGE, ROTATE_KEY = "login", "login_failed", "logout", "merge", "rotate_key"
    ACTION_CHOICES = [
        (CREATE, _("新增")),
        (UPDATE, _("修改")),
        (DELETE, _("删除")),
        (VIEW_SENSITIVE, _("查看敏感信息")),
        (EXPORT, _("导出")),
        (IMPORT, _("导入")),
        (LOGIN, _("登录")),
        (LOGIN_FAILED, _("登录失败")),
        (LOGOUT, _("退出")),
        (MERGE, _("合并")),
        (ROTATE_KEY, _("轮换密钥")),
    ]
    timestamp = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_constraint=False,
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=20, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=32, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=ACTION_CHOICES, db_index=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("对象类型"), null=True, blank=True, on_delete=models.SET_NULL,
        db_constraint=False,
    )
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True, db_index=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)

    scope_field = "region_code"
    objects = ScopedManager()

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-timestamp"], name="audit_object_idx")]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("审计日志不能删除")


class Job(TimeStampedModel):
    """A long task (import, export, report, key rotation) run by the worker, with progress and a result."""

    QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
    STATUS_CHOICES = [(QUEUED, _("排队中")), (RUNNING, _("进行中")), (SUCCEEDED, _("已完成")), (FAILED, _("失败"))]
    kind = models.CharField(_("类型"), max_length=50, db_index=True)
    title = models.CharField(_("名称"), max_length=200)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=STATUS_CHOICES, default=QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    progress_message = models.CharField(_("进度说明"), max_length=200, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to="jobs/%Y/%m/", blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="jobs",
    )
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("心跳"), null=True, blank=True)
    worker = models.CharField(_("执行进程"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)

    scope_field = "region_code"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in (self.SUCCEEDED, self.FAILED)


class Role(AuditedModel):
    """A role (角色) is a Django group with a stable key; `granted_defaults` remembers which default permissions
    were already given, so an administrator's removals stick and permissions of newly installed areas still arrive.
    """

    group = models.OneToOneField("auth.Group", verbose_name=_("权限组"), on_delete=models.CASCADE,
                                 related_name="role")
    key = models.SlugField(_("代码"), max_length=40, unique=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    granted_defaults = models.JSONField(_("已授予的默认权限"), default=list, blank=True, editable=False)

    audit_exclude = ("granted_defaults",)

    class Meta:
        ordering = ["sort", "key"]
        verbose_name = _("角色")
        verbose_name_plural = _("角色")

    def __str__(self) -> str:
        return self.group.name


class Attachment(RegionScopedModel):
    """A photo or file attached to a record of any area whose model sets `has_attachments = True`. It carries the
    record's region, so the data scope applies to it as to the record; files are served only through a view that
    checks both. See tongxin.core.attachments."""

    PHOTO, FILE = "photo", "file"
    KIND_CHOICES = [(PHOTO, _("照片")), (FILE, _("文件"))]

    content_type = models.ForeignKey(ContentType, verbose_name=_("所属记录类型"), on_delete=models.CASCADE,
                                     related_name="+")
    object_id = models.PositiveBigIntegerField(_("所属记录编号"))
    kind = models.CharField(_("类别"), max_length=10, choices=KIND_CHOICES, default=FILE)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=255)
    file = models.FileField(_("文件"), upload_to="attachments/%Y/%m/", max_length=300)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["content_type", "object_id"], name="core_attachment_parent")]

    def __str__(self) -> str:
        return self.title or self.original_name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:attachment_download", args=[self.pk])

    @property
    def is_photo(self) -> bool:
        return self.kind == self.PHOTO
