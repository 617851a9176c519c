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
