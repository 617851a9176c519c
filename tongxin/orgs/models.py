"""Organising people: associations (新联会) and their branches, memberships, officers and council terms, rules,
funds; the liaison network (统战委员/联络员 posts) and teams.

Every record belongs to a place: associations, rules, posts and teams carry their own region; memberships,
officer and council terms and fund entries are scoped through their association's region.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tongxin.core.models import RegionScopedModel, ScopedModel, TimeStampedModel


class AssociationStatus(models.TextChoices):
    ACTIVE = "active", _("存续")
    DISSOLVED = "dissolved", _("已撤销")


class Association(RegionScopedModel, TimeStampedModel):
    """A 新联会 or a similar association; `parent` makes branches and sub-associations a tree."""

    has_attachments = True  # photos, certificates, minutes (tongxin.core.attachments)

    name = models.CharField(_("组织名称"), max_length=200, db_index=True)
    kind = models.CharField(_("组织类型"), max_length=4, db_index=True, help_text=_("数据字典“组织类型”"))
    level = models.CharField(_("组织层级"), max_length=12, db_index=True, help_text=_("数据字典“组织层级”"))
    parent = models.ForeignKey("self", verbose_name=_("上级组织"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    founded_on = models.DateField(_("成立日期"), db_index=True)
    supervising_department = models.CharField(_("业务指导部门"), max_length=200, blank=True,
                                              help_text=_("如：船山区委统战部"))
    status = models.CharField(_("状态"), max_length=10, choices=AssociationStatus.choices,
                              default=AssociationStatus.ACTIVE, db_index=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("办公电话"), max_length=30, blank=True,
                                     help_text=_("组织的办公电话，不填个人手机号码"))
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("办公地址"), max_length=300, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        ordering = ["region", "name", "id"]
        verbose_name = _("联谊组织")
        verbose_name_plural = _("联谊组织")
        indexes = [models.Index(fields=["region", "founded_on"], name="orgs_assoc_region_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:association_detail", args=[self.pk])


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", _("申请中")
    ADMITTED = "admitted", _("已入会")
    REJECTED = "rejected", _("未通过")
    LEFT = "left", _("已退会")


OPEN_MEMBERSHIP = (MembershipStatus.APPLIED, MembershipStatus.ADMITTED)


class Membership(ScopedModel, TimeStampedModel):
    """A person's membership of an association, from application to leaving. A person may belong to several
    associations; one person has at most one open (applied or admitted) membership per association."""

    association = models.ForeignKey(Association, verbose_name=_("组织"), on_delete=models.PROTECT,
                                    related_name="memberships")
    person = models.ForeignKey("people.Person", verbose_name=_("人士"), on_delete=models.PROTECT,
                               related_name="memberships")
    status = models.CharField(_("状态"), max_length=10, choices=MembershipStatus.choices,
                              default=MembershipStatus.APPLIED, db_index=True)
    applied_on = models.DateField(_("申请日期"), null=True, blank=True)
    joined_on = models.DateField(_("入会日期"), null=True, blank=True, db_index=True)
    left_on = models.DateField(_("退会日期"), null=True, blank=True)
    left_reason = models.CharField(_("退会原因"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    scope_field = "association__region_id"

    class Meta:
        ordering = ["-id"]
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        constraints = [
            models.UniqueConstraint(fields=["association", "person"], condition=Q(status__in=OPEN_MEMBERSHIP),
                                    name="orgs_membership_one_open"),
        ]
        indexes = [
            models.Index(fields=["association", "status"], name="orgs_member_assoc_idx"),
            models.Index(fields=["person", "status"], name="orgs_member_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.association}"

    def get_absolute_url(self) -> str:
        return reverse("orgs:membership_detail", args=[self.pk])


class OfficerRole(models.TextChoices):
    PRESIDENT = "president", _("会长")
    EXECUTIVE_VICE_PRESIDENT = "exec_vice", _("常务副会长")
    VICE_PRESIDENT = "vice", _("副会长")
    SECRETARY_GENERAL = "secretary", _("秘书长")
    DEPUTY_SECRETARY_GENERAL = "deputy_sec", _("副秘书长")
    EXECUTIVE_COUNCIL_MEMBER = "exec_council", _("常务理事")
    COUNCIL_MEMBER = "council", _("理事")
    CHIEF_SUPERVISOR = "chief_sup", _("监事长")
    SUPERVISOR = "supervisor", _("监事")
    DELEGATE = "delegate", _("会员代表")
    HONORARY_PRESIDENT = "honorary", _("名誉会长")


class CouncilTerm(ScopedModel, TimeStampedModel):
    """One term (届) of an association's council, due for re-election (换届) on `due_on`."""

    association = models.ForeignKey(Association, verbose_name=_("组织"), on_delete=models.PROTECT,
                                    related_name="council_terms")
    number = models.PositiveSmallIntegerField(_("届次"))
    started_on = models.DateField(_("产生日期"))
    due_on = models.DateField(_("应换届日期"), db_index=True)
    ended_on = models.DateField(_("届满/换届日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    scope_field = "association__region_id"

    class Meta:
        ordering = ["association", "-number"]
        verbose_name = _("理事会届次")
        verbose_name_plural = _("理事会届次")
        constraints = [models.UniqueConstraint(fields=["association", "number"], name="orgs_council_unique_number")]

    def __str__(self) -> str:
        return _("%(name)s第%(n)s届理事会") % {"name": self.association, "n": self.number}

    def get_absolute_url(self) -> str:
        return reverse("orgs:councilterm_detail", args=[self.pk])


class OfficerTerm(ScopedModel, TimeStampedModel):
    """A person holding an office (会长, 副会长, 秘书长, 理事…) in an association from `started_on` to `ended_on`."""

    association = models.ForeignKey(Association, verbose_name=_("组织"), on_delete=models.PROTECT,
                                    related_name="officer_terms")
    person = models.ForeignKey("people.Person", verbose_name=_("人士"), on_delete=models.PROTECT,
                               related_name="officer_terms")
    role = models.CharField(_("职务"), max_length=12, choices=OfficerRole.choices, db_index=True)
    council_term = models.ForeignKey(CouncilTerm, verbose_name=_("届次"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="officer_terms")
    started_on = models.DateField(_("任职日期"), db_index=True)
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    scope_field = "association__region_id"

    class Meta:
        ordering = ["association", "role", "started_on", "id"]
        verbose_name = _("班子成员任职")
        verbose_name_plural = _("班子成员任职")
        indexes = [models.Index(fields=["association", "started_on"], name="orgs_officer_assoc_idx")]

    def __str__(self) -> str:
        return f"{self.association} {self.get_role_display()} {self.person}"

    def get_absolute_url(self) -> str:
        return reverse("orgs:officerterm_detail", args=[self.pk])


class RuleCategory(models.TextChoices):
    CHARTER = "charter", _("章程")
    MEETING = "meeting", _("会议制度")
    ACTIVITY = "activity", _("活动制度")
    MEMBERSHIP = "membership", _("会员管理")
    FINANCE = "finance", _("财务与经费")
    DISCIPLINE = "discipline", _("纪律监督")
    STUDY = "study", _("学习培训")
    OTHER = "other", _("其他")


class Rule(RegionScopedModel, TimeStampedModel):
    """A written rule (制度) of an association, or of a department when `association` is empty. The document is
    stored under a random name and served only through a permission-checked view."""

    association = models.ForeignKey(Association, verbose_name=_("所属组织"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="rules",
                                    help_text=_("部门制度不选组织"))
    department = models.CharField(_("制定部门"), max_length=100, blank=True,
                                  help_text=_("部门制度填写制定部门，如：船山区委统战部"))
    title = models.CharField(_("制度名称"), max_length=200)
    category = models.CharField(_("类别"), max_length=12, choices=RuleCategory.choices, default=RuleCategory.OTHER)
    effective_from = models.DateField(_("施行日期"), db_index=True)
    effective_to = models.DateField(_("废止日期"), null=True, blank=True,
                                    help_text=_("仍在施行的不填；填写的日期当天仍有效"))
    document = models.FileField(_("制度文件"), upload_to="orgs/rules/%Y/", blank=True, max_length=300)
    document_name = models.CharField(_("文件名"), max_length=200, blank=True, editable=False)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("制度")
        verbose_name_plural = _("制度")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("orgs:rule_detail", args=[self.pk])


class FundKind(models.TextChoices):
    ALLOCATION = "allocation", _("拨付")
    EXPENDITURE = "expenditure", _("支出")


class FundEntry(ScopedModel, TimeStampedModel):
    """One line of an association's funds ledger, in 元 with two decimals. Entries are never changed or deleted:
    a mistake is corrected by a reversing entry (same kind, opposite amount, `reverses` the original)."""

    association = models.ForeignKey(Association, verbose_name=_("组织"), on_delete=models.PROTECT,
                                    related_name="fund_entries")
    kind = models.CharField(_("类型"), max_length=12, choices=FundKind.choices, db_index=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    date = models.DateField(_("日期"), db_index=True)
    source_department = models.CharField(_("拨付单位"), max_length=200, blank=True,
                                         help_text=_("拨付经费的部门，如：船山区委统战部"))
    purpose = models.CharField(_("用途"), max_length=200, blank=True, help_text=_("支出用于什么"))
    activity_ref = models.CharField(_("关联活动"), max_length=100, null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    attachment = models.FileField(_("附件"), upload_to="orgs/funds/%Y/", blank=True, max_length=300)
    attachment_name = models.CharField(_("附件文件名"), max_length=200, blank=True, editable=False)
    reverses = models.OneToOneField("self", verbose_name=_("冲正的记录"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversal")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    scope_field = "association__region_id"

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("经费记录")
        verbose_name_plural = _("经费记录")
        indexes = [models.Index(fields=["association", "date"], name="orgs_fund_assoc_idx")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="orgs_fund_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.amount:,.2f}元"

    def get_absolute_url(self) -> str:
        return reverse("orgs:fundentry_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("经费记录不能修改，请录入冲正记录")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("经费记录不能删除，请录入冲正记录")

    @property
    def signed_amount(self):
        return self.amount if self.kind == FundKind.ALLOCATION else -self.amount


class PostKind(models.TextChoices):
    COMMITTEE_MEMBER = "committee", _("统战委员")
    LIAISON_OFFICER = "liaison", _("统战联络员")


class PostUnit(models.TextChoices):
    TOWNSHIP = "township", _("乡镇/街道")
    PARK = "park", _("园区")
    UNIVERSITY = "university", _("高校")
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")


class LiaisonPost(RegionScopedModel, TimeStampedModel):
    """A 统战委员 (township, park, university) or 统战联络员 (community, village) post held by someone from `since`
    to `until`. `region` is the township or community the post covers; the holder is a user of the platform, a
    person of the registry, or just a name."""

    kind = models.CharField(_("岗位"), max_length=10, choices=PostKind.choices, db_index=True)
    unit_type = models.CharField(_("所在单位类型"), max_length=12, choices=PostUnit.choices)
    unit_name = models.CharField(_("所在单位"), max_length=200, blank=True,
                                 help_text=_("园区、高校名称；乡镇、社区不填时取区划名称"))
    holder_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("任职人（平台用户）"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="liaison_posts")
    holder_person = models.ForeignKey("people.Person", verbose_name=_("任职人（人士库）"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="liaison_posts")
    holder_name = models.CharField(_("任职人姓名"), max_length=50)
    holder_title = models.CharField(_("本职职务"), max_length=100, blank=True)
    since = models.DateField(_("任职日期"), db_index=True)
    until = models.DateField(_("离任日期"), null=True, blank=True, db_index=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        ordering = ["region", "kind", "-since", "id"]
        verbose_name = _("统战委员/联络员")
        verbose_name_plural = _("统战委员/联络员")
        indexes = [models.Index(fields=["region", "until"], name="orgs_post_region_idx")]

    def __str__(self) -> str:
        return f"{self.unit_name or self.region_id} {self.get_kind_display()} {self.holder_name}"

    def get_absolute_url(self) -> str:
        return reverse("orgs:liaisonpost_detail", args=[self.pk])


class TeamKind(models.TextChoices):
    PIONEER = "pioneer", _("先锋队伍")
    VOLUNTEER = "volunteer", _("志愿服务队")
    SERVICE = "service", _("服务团")
    GOVERNANCE = "governance", _("专项治理队伍")


class Team(RegionScopedModel, TimeStampedModel):
    """An organised group (社区统战工作先锋队伍, 蓝马甲志愿服务队, 同心·律师服务团…) with a leader and members."""

    name = models.CharField(_("队伍名称"), max_length=200, db_index=True)
    kind = models.CharField(_("队伍类型"), max_length=12, choices=TeamKind.choices, db_index=True)
    association = models.ForeignKey(Association, verbose_name=_("依托组织"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="teams")
    leader = models.ForeignKey("people.Person", verbose_name=_("负责人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="led_teams")
    members = models.ManyToManyField("people.Person", verbose_name=_("队员"), blank=True, related_name="teams")
    purpose = models.CharField(_("工作内容"), max_length=300, blank=True)
    founded_on = models.DateField(_("成立日期"), db_index=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        ordering = ["region", "name", "id"]
        verbose_name = _("工作队伍")
        verbose_name_plural = _("工作队伍")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:team_detail", args=[self.pk])
