"""The registry (人士库): persons, their employers, and the history that lets figures be taken "as of" a date."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.fields import AsciiKeyField, BlindIndexField, EncryptedField
from tongxin.core.models import RegionScopedModel, TimeStampedModel
from tongxin.core.scope import ScopedManager, ScopedQuerySet
from tongxin.people import pinyin


class Category(models.TextChoices):
    """The four kinds of new social strata persons (四类人员); sub-types live in the `person_category` dictionary."""

    ENTERPRISE = "1", _("民营企业和外资企业管理技术人员")
    INTERMEDIARY = "2", _("中介组织和社会组织从业人员")
    FREELANCE = "3", _("自由职业人员")
    NEW_MEDIA = "4", _("新媒体从业人员")


class Status(models.TextChoices):
    ACTIVE = "active", _("在册")
    MOVED = "moved", _("迁出")
    WITHDRAWN = "withdrawn", _("退出")
    DECEASED = "deceased", _("去世")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class RepresentativeLevel(models.TextChoices):
    NATIONAL = "national", _("全国")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class LawfulBasis(models.TextChoices):
    """个人信息保护法 art. 13: why we may hold this person's data."""

    WRITTEN_CONSENT = "written_consent", _("本人书面同意")
    ORAL_CONSENT = "oral_consent", _("本人口头同意（有记录）")
    LEGAL_DUTY = "legal_duty", _("履行法定职责或法定义务")
    PUBLIC = "public", _("依法公开的信息")
    OTHER = "other", _("其他法定情形")


class Platform(models.TextChoices):
    WECHAT_OA = "wechat_oa", _("微信公众号")
    WECHAT_CHANNELS = "channels", _("微信视频号")
    WEIBO = "weibo", _("微博")
    DOUYIN = "douyin", _("抖音")
    KUAISHOU = "kuaishou", _("快手")
    TOUTIAO = "toutiao", _("今日头条")
    BILIBILI = "bilibili", _("哔哩哔哩")
    XIAOHONGSHU = "xiaohongshu", _("小红书")
    ZHIHU = "zhihu", _("知乎")
    OTHER = "other", _("其他")


class Tag(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=30, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("标签")
        verbose_name_plural = _("标签")

    def __str__(self) -> str:
        return self.name


class Specialty(TimeStampedModel):
    """A skill a person offers (法律咨询, 科普…); service programmes are matched against these."""

    name = models.CharField(_("名称"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("专长")
        verbose_name_plural = _("专长")

    def __str__(self) -> str:
        return self.name


class Organization(RegionScopedModel, TimeStampedModel):
    """An employer (单位): enterprise, intermediary firm, social organisation or new-media company."""

    name = models.CharField(_("单位名称"), max_length=200, db_index=True)
    type = models.CharField(_("单位类型"), max_length=20, blank=True, db_index=True,
                            help_text=_("数据字典“单位类型”"))
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    industry = models.CharField(_("所属行业"), max_length=100, blank=True)
    has_party_org = models.BooleanField(_("已建党组织"), default=False, db_index=True)
    is_two_new = models.BooleanField(_("两新组织"), default=False, db_index=True,
                                     help_text=_("新经济组织或新社会组织"))
    address = models.CharField(_("地址"), max_length=300, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~Q(credit_code=""),
                                    name="people_org_credit_code_unique"),
        ]
        indexes = [models.Index(fields=["region", "name"], name="people_org_region_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:organization_detail", args=[self.pk])


class PersonQuerySet(ScopedQuerySet):
    def visible(self):
        """Persons shown in lists: erased records stay in the table for figures only."""
        return self.filter(is_erased=False)


class Person(RegionScopedModel, TimeStampedModel):
    """A new social strata person (新阶人士) in the registry of a region."""

    ERASED_NAME = "已删除人员"

    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = AsciiKeyField(_("姓名拼音"), max_length=200, blank=True, editable=False, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, blank=True, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=4, blank=True)
    political_affiliation = models.CharField(_("政治面貌"), max_length=4, blank=True)
    education = models.CharField(_("学历"), max_length=4, blank=True)
    employer = models.ForeignKey(Organization, verbose_name=_("工作单位"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="persons", db_index=False)
    job_title = models.CharField(_("职务"), max_length=100, blank=True)
    category = models.CharField(_("人士类别"), max_length=1, choices=Category.choices)
    subcategory = models.CharField(_("细分类别"), max_length=4, blank=True)
    is_representative = models.BooleanField(_("代表人士"), default=False)
    representative_level = models.CharField(_("代表人士层级"), max_length=12, choices=RepresentativeLevel.choices,
                                            blank=True)
    representative_since = models.DateField(_("认定为代表人士日期"), null=True, blank=True)
    is_reserve = models.BooleanField(_("储备人士"), default=False)
    reserve_since = models.DateField(_("纳入储备日期"), null=True, blank=True)
    is_network_figure = models.BooleanField(_("网络人士"), default=False)
    network_since = models.DateField(_("认定为网络人士日期"), null=True, blank=True)
    specialties = models.ManyToManyField(Specialty, verbose_name=_("专长"), blank=True, related_name="persons")
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="persons")
    id_number = EncryptedField(_("身份证号"), kind="id_number")
    id_number_bidx = BlindIndexField()
    phone = EncryptedField(_("手机号码"), kind="phone")
    phone_bidx = BlindIndexField()
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_date = models.DateField(_("状态变更日期"), null=True, blank=True)
    status_reason = models.CharField(_("状态变更原因"), max_length=200, blank=True)
    source = models.CharField(_("信息来源"), max_length=200, blank=True,
                              help_text=_("如“导入：船山区台账2024.xlsx”“手工录入”"))
    lawful_basis = models.CharField(_("处理依据"), max_length=20, choices=LawfulBasis.choices, blank=True)
    consent_date = models.DateField(_("同意/取得日期"), null=True, blank=True)
    consent_purpose = models.CharField(_("处理目的"), max_length=200, blank=True)
    added_on = models.DateField(_("入库日期"), default=timezone.localdate, db_index=True)
    is_erased = models.BooleanField(_("个人信息已删除"), default=False, editable=False)
    note = models.TextField(_("备注"), blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("平台账号"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="person")

    objects = ScopedManager.from_queryset(PersonQuerySet)()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("人士")
        verbose_name_plural = _("人士")
        constraints = [
            models.UniqueConstraint(fields=["id_number_bidx"], condition=~Q(id_number_bidx=""),
                                    name="people_person_id_number_unique"),
        ]
        # Each index has to earn its cost on a million-row import: no LIKE-pattern twins for code columns (only
        # ever compared whole), none on booleans (a flag filter walks the id index backwards and stops after a
        # page). On PostgreSQL the name indexes use pattern operators, so that "starts with" (the search box)
        # uses them whatever the database's collation; they answer equality too. (name, birth_date) finds
        # likely duplicates by exact pairs.
        indexes = [
            models.Index(fields=["region", "status", "category"], name="people_person_scope_idx"),
            models.Index(fields=["employer", "name"], name="people_person_employer_idx"),
            models.Index(fields=["name", "birth_date"], opclasses=["varchar_pattern_ops", "date_ops"],
                         name="people_person_name_idx"),
            models.Index(fields=["name_initials"], opclasses=["varchar_pattern_ops"], name="people_person_initials_idx"),
            models.Index(fields=["category", "subcategory"], name="people_person_category_idx"),
            models.Index(fields=["political_affiliation"], name="people_person_political_idx"),
            models.Index(fields=["status"], name="people_person_status_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:person_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        self.name_pinyin, self.name_initials = pinyin.name_keys(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)

    @property
    def flags(self) -> list[str]:
        labels = []
        if self.is_representative:
            level = self.get_representative_level_display()
            labels.append(f"{level}{_('代表人士')}" if level else str(_("代表人士")))
        if self.is_reserve:
            labels.append(str(_("储备人士")))
        if self.is_network_figure:
            labels.append(str(_("网络人士")))
        return labels


class NetworkAccount(models.Model):
    """An online account the person declared (本人申报). Nothing here is collected by monitoring."""

    person = models.ForeignKey(Person, verbose_name=_("人士"), on_delete=models.CASCADE,
                               related_name="network_accounts")
    platform = models.CharField(_("平台"), max_length=20, choices=Platform.choices)
    account_name = models.CharField(_("账号名称"), max_length=100)
    follower_count = models.PositiveIntegerField(_("粉丝数（本人申报）"), null=True, blank=True)

    class Meta:
        ordering = ["person", "id"]
        verbose_name = _("网络账号")
        verbose_name_plural = _("网络账号")

    def __str__(self) -> str:
        followers = f"，粉丝{self.follower_count}" if self.follower_count is not None else ""
        return f"{self.get_platform_display()}：{self.account_name}{followers}"


class PersonState(models.Model):
    """One interval of a person's countable state (region, category, status, flags), [valid_from, valid_to).

    Written by the services whenever one of these changes, so that "active persons in region P on day D by
    category" is one aggregate over one indexed table, with no replay of the audit log.
    """

    # Derived data, written and deleted only with its person (services, the ORM's cascade): like the audit log it
    # carries no database constraint, which would cost a check per row at the commit of a million-row import.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="states", db_index=False,
                               db_constraint=False)
    region_code = models.CharField(max_length=12)
    category = models.CharField(max_length=1)
    subcategory = models.CharField(max_length=4, blank=True)
    status = models.CharField(max_length=10)
    is_representative = models.BooleanField(default=False)
    representative_level = models.CharField(max_length=12, blank=True)
    is_reserve = models.BooleanField(default=False)
    reserve_since = models.DateField(null=True, blank=True)
    is_network_figure = models.BooleanField(default=False)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    scope_field = "region_code"
    objects = ScopedManager()

    STATE_FIELDS = ("region_code", "category", "subcategory", "status", "is_representative",
                    "representative_level", "is_reserve", "reserve_since", "is_network_figure")

    class Meta:
        verbose_name = _("人士状态区间")
        verbose_name_plural = _("人士状态区间")
        indexes = [
            models.Index(fields=["region_code", "valid_from"], name="people_state_region_idx"),
            models.Index(fields=["person", "valid_from"], name="people_state_person_idx"),
            models.Index(fields=["valid_to"], name="people_state_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.valid_from}–{self.valid_to or ''}"


class PersonMerge(models.Model):
    """A merge of two records of one person, with everything needed to undo it."""

    keep = models.ForeignKey(Person, verbose_name=_("保留人士"), null=True, on_delete=models.SET_NULL,
                             related_name="merges")
    removed_id = models.BigIntegerField(_("被合并人士编号"), db_index=True)
    removed_name = models.CharField(_("被合并人士"), max_length=50)
    region_code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    snapshot = models.JSONField(_("被合并人士快照"), default=dict)
    repointed = models.JSONField(_("已转移的关联记录"), default=list)
    deleted_rows = models.JSONField(_("因重复而删除的关联记录"), default=list)
    keep_before = models.JSONField(_("保留人士合并前的值"), default=dict)
    created_at = models.DateTimeField(_("合并时间"), auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    scope_field = "region_code"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("人士合并记录")
        verbose_name_plural = _("人士合并记录")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.removed_name} → {self.keep}"
