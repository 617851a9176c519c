"""Voice and arrangements (建言献策与政治安排): proposals and their lifecycle, research (调研) and its reports,
consultation meetings (协商议事) and the problems they solved, political arrangements (政治安排) and honours (表彰).

A proposal's lifecycle steps are rows of `ProposalStep` (the timeline); the proposal keeps the current status and
the dates the metrics count on (submitted_on, adopted_on, implemented_on), written only by the services. Its text is
split into character bigrams stored in `ProposalGram` (indexed on the gram) so that "the most similar existing
proposals" is one aggregate query in the database.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.models import RegionScopedModel, ScopedModel, TimeStampedModel
from tongxin.core.scope import ScopedManager, ScopedQuerySet


def _today() -> datetime.date:
    return timezone.localdate()


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县（区）级")
    TOWNSHIP = "township", _("乡镇（街道）级")


# --- Proposals -------------------------------------------------------------------------------------------------


class Topic(models.TextChoices):
    ECONOMY = "economy", _("经济发展")
    BUSINESS = "business", _("营商环境")
    GOVERNANCE = "governance", _("社会治理")
    LIVELIHOOD = "livelihood", _("民生保障")
    ECOLOGY = "ecology", _("生态环保")
    CULTURE = "culture", _("文化教育")
    TECHNOLOGY = "technology", _("科技创新")
    RURAL = "rural", _("乡村振兴")
    URBAN = "urban", _("城乡建设")
    OTHER = "other", _("其他")


class ProposalChannel(models.TextChoices):
    MEETING = "meeting", _("协商会")
    RESEARCH = "research", _("调研")
    PROPOSAL = "proposal", _("提案")
    OPINION = "opinion", _("社情民意信息")
    FORUM = "forum", _("座谈会")


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    UNDER_REVIEW = "under_review", _("审核中")
    ADOPTED = "adopted", _("已采纳")
    NOT_ADOPTED = "not_adopted", _("未采纳")
    IMPLEMENTED = "implemented", _("已落实")


class AdoptionForm(models.TextChoices):
    INSTRUCTION = "instruction", _("领导批示")
    DEPARTMENT = "department", _("部门采纳")
    POLICY = "policy", _("转化为政策/提案")


class ProposalSource(models.TextChoices):
    STAFF = "staff", _("工作人员录入")
    PORTAL = "portal", _("会员门户提交")
    IMPORT = "import", _("批量导入")


# Statuses counted as adopted (an implemented proposal was adopted first).
ADOPTED_STATUSES = (ProposalStatus.ADOPTED, ProposalStatus.IMPLEMENTED)


class Proposal(RegionScopedModel, TimeStampedModel):
    """A proposal / suggestion / social-conditions report (提案建议、社情民意) by persons or an association."""

    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"))
    topic = models.CharField(_("主题"), max_length=12, choices=Topic.choices, default=Topic.OTHER, db_index=True)
    channel = models.CharField(_("渠道"), max_length=12, choices=ProposalChannel.choices,
                               default=ProposalChannel.PROPOSAL, db_index=True)
    persons = models.ManyToManyField("people.Person", verbose_name=_("提出人"), blank=True,
                                     related_name="proposals")
    association = models.ForeignKey("orgs.Association", verbose_name=_("提出组织"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="proposals")
    submitted_on = models.DateField(_("提交日期"), default=_today, db_index=True)
    research = models.ForeignKey("Research", verbose_name=_("来源调研"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="proposals")
    report = models.ForeignKey("ResearchReport", verbose_name=_("来源调研报告"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="proposals")
    meeting = models.ForeignKey("ConsultationMeeting", verbose_name=_("来源协商会议"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="proposals")
    status = models.CharField(_("状态"), max_length=14, choices=ProposalStatus.choices,
                              default=ProposalStatus.SUBMITTED, db_index=True)
    adopted_on = models.DateField(_("采纳日期"), null=True, blank=True, db_index=True)
    adopted_by = models.CharField(_("采纳单位"), max_length=100, blank=True)
    adoption_form = models.CharField(_("采纳形式"), max_length=12, choices=AdoptionForm.choices, blank=True)
    implemented_on = models.DateField(_("落实日期"), null=True, blank=True)
    source = models.CharField(_("录入方式"), max_length=8, choices=ProposalSource.choices,
                              default=ProposalSource.STAFF, editable=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+", editable=False)
    gram_count = models.PositiveIntegerField(_("字符二元组数"), default=0, editable=False)

    has_attachments = True
    audit_exclude = ("updated_at", "gram_count")

    class Meta:
        ordering = ["-submitted_on", "-id"]
        verbose_name = _("建议")
        verbose_name_plural = _("提案建议")
        indexes = [
            models.Index(fields=["region", "submitted_on"], name="voice_proposal_region_idx"),
            models.Index(fields=["region", "adopted_on"], name="voice_proposal_adopted_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voice:proposal_detail", args=[self.pk])

    @property
    def proposer_names(self) -> str:
        names = [str(p) for p in self.persons.all()]
        if self.association_id:
            names.append(str(self.association))
        return "、".join(names)


class ProposalStep(ScopedModel):
    """One dated step of a proposal's lifecycle (its timeline)."""

    proposal = models.ForeignKey(Proposal, verbose_name=_("建议"), on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(_("状态"), max_length=14, choices=ProposalStatus.choices)
    stepped_on = models.DateField(_("日期"), default=_today)
    by_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    body = models.CharField(_("采纳单位/部门"), max_length=100, blank=True)
    form = models.CharField(_("采纳形式"), max_length=12, choices=AdoptionForm.choices, blank=True)
    reason = models.TextField(_("未采纳原因"), blank=True)
    result = models.TextField(_("落实结果"), blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope_field = "proposal__region_id"
    objects = ScopedManager()

    class Meta:
        ordering = ["stepped_on", "created_at", "id"]
        verbose_name = _("办理步骤")
        verbose_name_plural = _("办理步骤")

    def __str__(self) -> str:
        return f"{self.stepped_on:%Y-%m-%d} {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("voice:proposal_detail", args=[self.proposal_id])


class ProposalGram(models.Model):
    """A character bigram of a proposal's title and content (each distinct bigram once per proposal)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="grams")
    gram = models.CharField(max_length=2)

    scope_field = "proposal__region_id"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("建议文本片段")
        verbose_name_plural = _("建议文本片段")
        constraints = [models.UniqueConstraint(fields=["proposal", "gram"], name="voice_gram_unique")]
        indexes = [models.Index(fields=["gram", "proposal"], name="voice_gram_idx")]

    def __str__(self) -> str:
        return self.gram

    def get_absolute_url(self) -> str:
        return reverse("voice:proposal_detail", args=[self.proposal_id])


# --- Research --------------------------------------------------------------------------------------------------


class Research(RegionScopedModel, TimeStampedModel):
    """A research activity (调研): a topic studied by a team over some days, visiting places."""

    topic = models.CharField(_("调研主题"), max_length=200)
    association = models.ForeignKey("orgs.Association", verbose_name=_("组织单位"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="research")
    team = models.ManyToManyField("people.Person", verbose_name=_("调研组成员"), blank=True,
                                  related_name="research")
    started_on = models.DateField(_("开始日期"), default=_today, db_index=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    places = models.TextField(_("调研地点"), blank=True, help_text=_("走访的企业、园区、社区等，每行一个"))
    summary = models.TextField(_("调研情况"), blank=True)

    has_attachments = True

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("调研活动")
        verbose_name_plural = _("调研活动")
        constraints = [
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                                   name="voice_research_dates",
                                   violation_error_message=_("结束日期不能早于开始日期")),
        ]
        indexes = [models.Index(fields=["region", "started_on"], name="voice_research_region_idx")]

    def __str__(self) -> str:
        return self.topic

    def get_absolute_url(self) -> str:
        return reverse("voice:research_detail", args=[self.pk])


class ResearchReport(ScopedModel, TimeStampedModel):
    """A report (调研报告) written from a research activity; its document is served by a scoped view."""

    research = models.ForeignKey(Research, verbose_name=_("调研活动"), on_delete=models.CASCADE,
                                 related_name="reports")
    title = models.CharField(_("报告标题"), max_length=200)
    completed_on = models.DateField(_("完成日期"), default=_today, db_index=True)
    summary = models.TextField(_("主要内容"), blank=True)
    suggestion_count = models.PositiveIntegerField(_("提出建议（条）"), default=0)
    document = models.FileField(_("报告文件"), upload_to="voice/reports/%Y/", blank=True, max_length=300)
    document_name = models.CharField(_("文件名"), max_length=200, blank=True, editable=False)

    scope_field = "research__region_id"
    objects = ScopedManager()

    class Meta:
        ordering = ["-completed_on", "-id"]
        verbose_name = _("调研报告")
        verbose_name_plural = _("调研报告")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voice:researchreport_detail", args=[self.pk])


# --- Consultation meetings -------------------------------------------------------------------------------------


class MeetingKind(models.TextChoices):
    COMMUNITY = "community", _("社区协商")
    PARK = "park", _("园区协商")
    DEPARTMENT = "department", _("部门协商")


class ConsultationMeeting(RegionScopedModel, TimeStampedModel):
    """A consultation meeting (协商议事会/座谈会) with registry persons taking part."""

    title = models.CharField(_("会议名称"), max_length=200)
    kind = models.CharField(_("会议类型"), max_length=12, choices=MeetingKind.choices,
                            default=MeetingKind.COMMUNITY, db_index=True)
    held_on = models.DateField(_("会议日期"), default=_today, db_index=True)
    place = models.CharField(_("会议地点"), max_length=200, blank=True)
    host = models.CharField(_("主办单位"), max_length=100, blank=True)
    participants = models.ManyToManyField("people.Person", verbose_name=_("参会人士"), blank=True,
                                          related_name="consultation_meetings")
    issues = models.TextField(_("协商议题"), blank=True, help_text=_("每行一个议题"))
    summary = models.TextField(_("会议情况"), blank=True)

    has_attachments = True

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("协商会议")
        verbose_name_plural = _("协商议事")
        indexes = [models.Index(fields=["region", "held_on"], name="voice_meeting_region_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voice:consultationmeeting_detail", args=[self.pk])

    @property
    def issue_lines(self) -> list[str]:
        return [line.strip() for line in self.issues.splitlines() if line.strip()]


class ProblemSolved(ScopedModel, TimeStampedModel):
    """A problem a consultation meeting helped solve (协助解决的问题), linked to a case when there is one."""

    meeting = models.ForeignKey(ConsultationMeeting, verbose_name=_("协商会议"), on_delete=models.CASCADE,
                                related_name="problems")
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("解决情况"), blank=True)
    solved_on = models.DateField(_("解决日期"), default=_today, db_index=True)
    longstanding = models.BooleanField(_("老大难问题"), default=False, db_index=True)
    case = models.ForeignKey("liaison.Case", verbose_name=_("关联诉求"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="solved_by_meetings")

    scope_field = "meeting__region_id"
    objects = ScopedManager()

    class Meta:
        ordering = ["-solved_on", "-id"]
        verbose_name = _("解决问题")
        verbose_name_plural = _("协助解决问题")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voice:consultationmeeting_detail", args=[self.meeting_id])


# --- Political arrangements ------------------------------------------------------------------------------------


class Body(models.TextChoices):
    NPC = "npc", _("人大代表")
    CPPCC = "cppcc", _("政协委员")
    CPPCC_STANDING = "cppcc_standing", _("政协常委")
    ACFIC = "acfic", _("工商联执委")
    YOUTH = "youth", _("青联委员")
    SUPERVISOR = "supervisor", _("特约监督员/行风政风监督员")
    COUNSELLOR = "counsellor", _("政府参事")
    OTHER = "other", _("其他")


class ArrangementStatus(models.TextChoices):
    RECOMMENDED = "recommended", _("推荐")
    INSPECTED = "inspected", _("考察")
    ARRANGED = "arranged", _("已安排")
    NOT_ARRANGED = "not_arranged", _("未安排")


class ArrangementQuerySet(ScopedQuerySet):
    def seated_on(self, day: datetime.date):
        """Arrangements in force on `day`: arranged, started on or before it, not ended before it."""
        return self.filter(Q(status=ArrangementStatus.ARRANGED, starts_on__lte=day)
                           & (Q(ends_on__isnull=True) | Q(ends_on__gte=day)))


class PoliticalArrangement(RegionScopedModel, TimeStampedModel):
    """A person's recommendation to, and seat in, a body (人大、政协、工商联…) for a term."""

    person = models.ForeignKey("people.Person", verbose_name=_("人士"), on_delete=models.PROTECT,
                               related_name="arrangements")
    body = models.CharField(_("安排职务"), max_length=16, choices=Body.choices, db_index=True)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices, default=Level.COUNTY, db_index=True)
    term = models.CharField(_("届次"), max_length=50, blank=True, help_text=_("如：第十届"))
    starts_on = models.DateField(_("任期开始"), null=True, blank=True, db_index=True)
    ends_on = models.DateField(_("任期结束"), null=True, blank=True, db_index=True)
    status = models.CharField(_("状态"), max_length=14, choices=ArrangementStatus.choices,
                              default=ArrangementStatus.RECOMMENDED, db_index=True)
    recommended_on = models.DateField(_("推荐日期"), default=_today)
    recommended_by = models.CharField(_("推荐单位"), max_length=100, blank=True)
    note = models.TextField(_("备注"), blank=True)

    objects = ScopedManager.from_queryset(ArrangementQuerySet)()

    class Meta:
        ordering = ["body", "level", "-starts_on", "-id"]
        verbose_name = _("政治安排")
        verbose_name_plural = _("政治安排")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="voice_arrangement_dates", violation_error_message=_("任期结束不能早于任期开始")),
        ]
        indexes = [models.Index(fields=["region", "body", "level"], name="voice_arrangement_idx")]

    def __str__(self) -> str:
        term = f" {self.term}" if self.term else ""
        return f"{self.person} · {self.get_level_display()}{self.get_body_display()}{term}"

    def get_absolute_url(self) -> str:
        return reverse("voice:politicalarrangement_detail", args=[self.pk])


# --- Honours ---------------------------------------------------------------------------------------------------


class HonourKind(models.TextChoices):
    PERSON = "person", _("个人")
    ASSOCIATION = "association", _("集体")


class Honour(RegionScopedModel, TimeStampedModel):
    """An honour (表彰) granted to a person or to an association."""

    title = models.CharField(_("荣誉名称"), max_length=200)
    kind = models.CharField(_("类别"), max_length=12, choices=HonourKind.choices, default=HonourKind.PERSON,
                            db_index=True)
    person = models.ForeignKey("people.Person", verbose_name=_("获得者（个人）"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="honours")
    association = models.ForeignKey("orgs.Association", verbose_name=_("获得者（集体）"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="honours")
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices, default=Level.COUNTY, db_index=True)
    granted_by = models.CharField(_("授予单位"), max_length=100, blank=True)
    granted_on = models.DateField(_("授予日期"), default=_today, db_index=True)
    certificate = models.FileField(_("证书文件"), upload_to="voice/honours/%Y/", blank=True, max_length=300)
    certificate_name = models.CharField(_("文件名"), max_length=200, blank=True, editable=False)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        ordering = ["-granted_on", "-id"]
        verbose_name = _("表彰")
        verbose_name_plural = _("表彰荣誉")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="person", person__isnull=False, association__isnull=True)
                           | Q(kind="association", person__isnull=True, association__isnull=False)),
                name="voice_honour_one_recipient",
                violation_error_message=_("个人荣誉请选择获得者人士，集体荣誉请选择获得组织")),
        ]
        indexes = [models.Index(fields=["region", "granted_on"], name="voice_honour_region_idx")]

    def __str__(self) -> str:
        return f"{self.recipient_name} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("voice:honour_detail", args=[self.pk])

    @property
    def recipient(self):
        return self.person if self.kind == HonourKind.PERSON else self.association

    @property
    def recipient_name(self) -> str:
        recipient = self.recipient
        return str(recipient) if recipient is not None else ""
