from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tongxin.core.models import AuditedModel, TimeStampedModel


class ReportTemplate(AuditedModel, TimeStampedModel):
    """The wording of the written work report: title, opening, sections of sentences with figure placeholders,
    closing and charts. Edited by administrators in the UI; the same for every region (it holds no records)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    title = models.CharField(_("报告标题"), max_length=200)
    opening = models.TextField(_("开头"), blank=True)
    sections = models.JSONField(_("各节"), default=list)
    closing = models.TextField(_("结尾"), blank=True)
    charts = models.JSONField(_("图表"), default=list, blank=True)
    is_default = models.BooleanField(_("默认模板"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("报告模板")
        verbose_name_plural = _("报告模板")
        permissions = [("view_reports", _("查看统计报告（驾驶舱、工作报告、区域比较）"))]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reports:reporttemplate_edit", args=[self.pk])

    @property
    def spec(self) -> dict:
        return {"title": self.title, "opening": self.opening, "sections": self.sections, "closing": self.closing,
                "charts": self.charts}

    def clean(self):
        from tongxin.reports.narrative import validate_spec

        errors = validate_spec(self.spec)
        if errors:
            raise ValidationError(errors)


class FigureSnapshot(models.Model):
    """Figures computed once and read many times: the dashboard's figures of a region and period, and the chart
    of one metric. Never entered by hand and never shown on their own — a page that reads one has checked the
    region against the user's scope, shows when the figures were computed and offers to recompute them."""

    kind = models.CharField(_("内容"), max_length=80)
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    date_from = models.DateField(_("起始日期"))
    date_to = models.DateField(_("截止日期"))
    data = models.JSONField(_("数据"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"))
    seconds = models.FloatField(_("计算耗时（秒）"), default=0)

    class Meta:
        verbose_name = _("统计快照")
        verbose_name_plural = _("统计快照")
        constraints = [models.UniqueConstraint(fields=["kind", "region_code", "date_from", "date_to"],
                                               name="reports_snapshot_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.region_code} {self.date_from}–{self.date_to}"
