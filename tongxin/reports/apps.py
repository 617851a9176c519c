from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "tongxin.reports"
    label = "reports"
    verbose_name = _("统计报告")

    def ready(self):
        from django.db.models.signals import post_migrate

        from tongxin.core import nav
        from tongxin.reports import parts  # noqa: F401 - the pie slices' records

        nav.register_section(
            "reports", _("统计报告"), icon="chart-bar", order=80,
            items=[
                nav.Item(_("驾驶舱"), "reports:dashboard", perm="reports.view_reports"),
                nav.Item(_("工作报告"), "reports:report", perm="reports.view_reports"),
                nav.Item(_("区域比较"), "reports:compare", perm="reports.view_reports"),
                nav.Item(_("报告模板"), "reports:reporttemplate_list", perm="reports.change_reporttemplate"),
            ],
        )
        post_migrate.connect(_seed_template, sender=self, dispatch_uid="tongxin-reports-template")


def _seed_template(sender, using="default", **kwargs):
    from tongxin.reports.services import ensure_default_template

    ensure_default_template()
