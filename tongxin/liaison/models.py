"""Liaison work: pairings of leaders with representatives ("1+N"), contact logs ("面对面+键对键") and cases (诉求).

A pairing's persons are rows of `PairingMember` with their own dates, so "who was paired on day D" is one
aggregate over one table; a contact's persons are rows of `ContactPerson` carrying the contact's date, so "the last
contact of each person" is answered from one index (person, contacted_on) without touching the contacts.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.models import RegionScopedModel, ScopedModel, TimeStampedModel
from tongxin.core.scope import ScopedManager, ScopedQuerySet


def _today() -> datetime.date:
    return timezone.localdate()


def active_on_q(day: datetime.date, *, start: str, end: str, prefix: str = "") -> Q:
    """Rows whose [start, end] date interval (end inclusive, open when null) covers `day`."""
    return (Q(**{f"{prefix}{start}__lte": day})
            & (Q(**{f"{prefix}{end}__isnull": True}) | Q(**{f"{prefix}{end}__gte": day})))


# --- Pairings --------------------------------------------------------------------------------------------------


class LeaderLevel(models.TextChoices):
    CITY = "city", _("市级领导")
    COUNTY = "county", _("县级领导")
    TOWNSHIP = "township", _("乡镇（街道）领导")
    DEPARTMENT = "department", _("部门负责人")
    STAFF = "staff", _("统战干部")


class PairingQuerySet(ScopedQuerySet):
    def active_on(self, day: datetime.date):
        return self.filter(active_on_q(day, start="started_on", end="ended_on"))


class Pairing(RegionScopedModel, TimeStampedModel):
    """A leader (a user, or a person record for a leader outside the system) paired with representatives."""

    leader_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("结对领导（系统用户）"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="pairings")
    leader_person = models.ForeignKey("people.Person", verbose_name=_("结对领导（人士库）"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="led_pairings")
    leader_title = models.CharField(_("领导职务"), max_length=100, blank=True)
    leader_level = models.CharField(_("领导层级"), max_length=12, choices=LeaderLevel.choices,
                                    default=LeaderLevel.COUNTY, db_index=True)
    started_on = models.DateField(_("结对日期"), default=_today)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True, db_index=True)
    contact_interval_days = models.PositiveSmallIntegerField(
        _("联系周期（天）"), default=90, validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("至少每隔多少天联系一次结对人士"))
    note = models.TextField(_("备注"), blank=True)

    objects = ScopedManager.from_queryset(PairingQuerySet)()

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("结对")
        verbose_name_plural = _("结对联系")
        constraints = [
            models.CheckConstraint(
                condition=(Q(leader_user__isnull=False, leader_person__isnull=True)
                           | Q(leader_user__isnull=True, leader_person__isnull=False)),
                name="liaison_pairing_one_leader",
                violation_error_message=_("请选择结对领导：系统用户或人士库中的领导，二者选一")),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                                   name="liaison_pairing_dates",
                                   violation_error_message=_("结束日期不能早于结对日期")),
        ]
        indexes = [models.Index(fields=["region", "started_on"], name="liaison_pairing_region_idx")]

    def __str__(self) -> str:
        title = f"（{self.leader_title}）" if self.leader_title else ""
        return f"{self.leader_name}{title}"

    def get_absolute_url(self) -> str:
        return reverse("liaison:pairing_detail", args=[self.pk])

    @property
    def leader(self):
        return self.leader_user if self.leader_user_id else self.leader_person

    @property
    def leader_name(self) -> str:
        leader = self.leader
        return str(leader) if leader is not None else ""

    def is_active(self, day: datetime.date | None = None) -> bool:
        day = day or _today()
        return self.started_on <= day and (self.ended_on is None or self.ended_on >= day)


class PairingMemberQuerySet(ScopedQuerySet):
    def active_on(self, day: datetime.date):
        """Members in the pairing on `day`, of pairings in force on `day`."""
        return self.filter(active_on_q(day, start="added_on", end="removed_on")
                           & active_on_q(day, start="started_on", end="ended_on", prefix="pairing__"))


class PairingMember(models.Model):
    """One person of a pairing, with the dates they were in it: removing a person keeps the history."""

    pairing = models.ForeignKey(Pairing, verbose_name=_("结对"), on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("people.Person", verbose_name=_("结对人士"), on_delete=models.CASCADE,
                               related_name="pairing_memberships")
    added_on = models.DateField(_("加入日期"), default=_today)
    removed_on = models.DateField(_("移出日期"), null=True, blank=True)

    scope_field = "pairing__region_id"
    objects = ScopedManager.from_queryset(PairingMemberQuerySet)()

    class Meta:
        ordering = ["pairing", "id"]
        verbose_name = _("结对人士")
        verbose_name_plural = _("结对人士")
        constraints = [
            models.UniqueConstraint(fields=["pairing", "person"], condition=Q(removed_on__isnull=True),
                                    name="liaison_member_open_unique"),
        ]
        indexes = [models.Index(fields=["person", "added_on"], name="liaison_member_person_idx")]

    def __str__(self) -> str:
        return f"{self.pairing} — {self.person}"

    def get_absolute_url(self) -> str:
        return self.pairing.get_absolute_url()


# --- Contacts --------------------------------------------------------------------------------------------------


class Channel(models.TextChoices):
    """面对面 + 键对键: in person, or by phone / online."""

    FACE = "face", _("面对面")
    PHONE = "phone", _("电话")
    ONLINE = "online", _("微信/网络")


class ContactQuerySet(ScopedQuerySet):
    def follow_ups_open(self):
        return self.filter(follow_up_needed=True, follow_up_done_on__isnull=True)


class Contact(RegionScopedModel, TimeStampedModel):
    """A contact log (联系记录): who talked with whom, when, how, about what, and what follows.

    The region is where the persons contacted are (the deepest region they share), so the liaison officer of
    their community sees a county leader's visit to them.
    """

    contacted_on = models.DateField(_("联系日期"), default=_today, db_index=True)
    by_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("联系人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="contacts_made")
    by_person = models.ForeignKey("people.Person", verbose_name=_("联系人（系统外领导）"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="contacts_made")
    persons = models.ManyToManyField("people.Person", verbose_name=_("联系对象"), through="ContactPerson",
                                     related_name="contacts")
    channel = models.CharField(_("联系方式"), max_length=10, choices=Channel.choices, default=Channel.FACE,
                               db_index=True)
    topic = models.CharField(_("联系事由"), max_length=200)
    content = models.TextField(_("交流内容"), blank=True)
    follow_up_needed = models.BooleanField(_("需要跟进"), default=False, db_index=True)
    follow_up_note = models.CharField(_("跟进事项"), max_length=300, blank=True)
    follow_up_done_on = models.DateField(_("跟进完成日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", editable=False)

    objects = ScopedManager.from_queryset(ContactQuerySet)()

    class Meta:
        ordering = ["-contacted_on", "-id"]
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        constraints = [
            models.CheckConstraint(
                condition=(Q(by_user__isnull=False, by_person__isnull=True)
                           | Q(by_user__isnull=True, by_person__isnull=False)),
                name="liaison_contact_one_contactor",
                violation_error_message=_("请选择联系人：系统用户或人士库中的领导，二者选一")),
        ]
        indexes = [models.Index(fields=["region", "contacted_on"], name="liaison_contact_region_idx")]

    def __str__(self) -> str:
        return f"{self.contacted_on:%Y-%m-%d} {self.by_name} · {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("liaison:contact_detail", args=[self.pk])

    @property
    def by_name(self) -> str:
        by = self.by_user if self.by_user_id else self.by_person
        return str(by) if by is not None else ""

    @property
    def follow_up_open(self) -> bool:
        return self.follow_up_needed and self.follow_up_done_on is None


class ContactPerson(models.Model):
    """A person contacted in a contact, with the contact's date copied so the last contact per person is one
    index range scan (the services keep the copy in step)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="links")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="contact_links")
    contacted_on = models.DateField(_("联系日期"))

    scope_field = "contact__region_id"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("联系对象")
        verbose_name_plural = _("联系对象")
        constraints = [models.UniqueConstraint(fields=["contact", "person"], name="liaison_contact_person_unique")]
        indexes = [models.Index(fields=["person", "contacted_on"], name="liaison_contact_person_idx")]

    def __str__(self) -> str:
        return f"{self.contacted_on:%Y-%m-%d} {self.person}"

    def get_absolute_url(self) -> str:
        return reverse("liaison:contact_detail", args=[self.contact_id])


# --- Cases -----------------------------------------------------------------------------------------------------


class CaseCategory(models.TextChoices):
    SITE = "site", _("活动阵地")
    PERMIT = "permit", _("办会办证")
    LEGAL = "legal", _("法律")
    FINANCING = "financing", _("融资")
    EMPLOYMENT = "employment", _("用工")
    POLICY = "policy", _("政策咨询")
    OTHER = "other", _("其他")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("待办理")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")


UNRESOLVED = (CaseStatus.OPEN, CaseStatus.IN_PROGRESS)


class RaiserKind(models.TextChoices):
    PERSON = "person", _("人士")
    ASSOCIATION = "association", _("组织")
    COMMUNITY = "community", _("社区（村）")


class Feedback(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    NEUTRAL = "neutral", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class CaseQuerySet(ScopedQuerySet):
    def overdue(self, today: datetime.date | None = None):
        return self.filter(status__in=UNRESOLVED, deadline__lt=today or _today())


class Case(RegionScopedModel, TimeStampedModel):
    """A need or problem (诉求) raised by a person, an association or a community, tracked to resolution."""

    title = models.CharField(_("诉求标题"), max_length=200)
    category = models.CharField(_("诉求类别"), max_length=12, choices=CaseCategory.choices, db_index=True)
    description = models.TextField(_("诉求内容"), blank=True)
    raiser_kind = models.CharField(_("反映方"), max_length=12, choices=RaiserKind.choices,
                                   default=RaiserKind.PERSON)
    raised_by_person = models.ForeignKey("people.Person", verbose_name=_("反映人"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="cases")
    raised_by_association = models.ForeignKey("orgs.Association", verbose_name=_("反映组织"), null=True,
                                              blank=True, on_delete=models.PROTECT, related_name="cases")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="cases_taken")
    opened_on = models.DateField(_("受理日期"), default=_today, db_index=True)
    deadline = models.DateField(_("办理时限"), null=True, blank=True, db_index=True)
    status = models.CharField(_("状态"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN,
                              db_index=True)
    resolution = models.TextField(_("办理结果"), blank=True)
    resolved_on = models.DateField(_("解决日期"), null=True, blank=True, db_index=True)
    closed_on = models.DateField(_("关闭日期"), null=True, blank=True)
    feedback = models.CharField(_("反映方评价"), max_length=12, choices=Feedback.choices, blank=True)
    feedback_note = models.CharField(_("评价说明"), max_length=300, blank=True)

    objects = ScopedManager.from_queryset(CaseQuerySet)()

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求办理")
        constraints = [
            models.CheckConstraint(condition=Q(deadline__isnull=True) | Q(deadline__gte=models.F("opened_on")),
                                   name="liaison_case_deadline",
                                   violation_error_message=_("办理时限不能早于受理日期")),
        ]
        indexes = [models.Index(fields=["region", "status"], name="liaison_case_region_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("liaison:case_detail", args=[self.pk])

    @property
    def raiser(self):
        if self.raiser_kind == RaiserKind.PERSON:
            return self.raised_by_person
        if self.raiser_kind == RaiserKind.ASSOCIATION:
            return self.raised_by_association
        return self.region

    @property
    def raiser_name(self) -> str:
        raiser = self.raiser
        return str(raiser) if raiser is not None else ""

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return (self.status in UNRESOLVED and self.deadline is not None
                and self.deadline < (today or _today()))

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


class CaseNote(ScopedModel):
    """A line of a case's timeline: a progress note, a status change or the raiser's feedback."""

    NOTE, STATUS, FEEDBACK = "note", "status", "feedback"
    KIND_CHOICES = [(NOTE, _("办理进展")), (STATUS, _("状态变更")), (FEEDBACK, _("反映方评价"))]

    case = models.ForeignKey(Case, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("类型"), max_length=10, choices=KIND_CHOICES, default=NOTE)
    noted_on = models.DateField(_("日期"), default=_today)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope_field = "case__region_id"
    objects = ScopedManager()

    class Meta:
        ordering = ["noted_on", "created_at", "id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.noted_on:%Y-%m-%d} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("liaison:case_detail", args=[self.case_id])
