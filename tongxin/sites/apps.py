from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitesConfig(AppConfig):
    name = "tongxin.sites"
    label = "sites"
    verbose_name = _("阵地与评价")

    def ready(self):
        from tongxin.core import nav
        from tongxin.sites import api, demo, imports, metrics, related  # noqa: F401

        nav.register_section(
            "sites", _("阵地与评价"), icon="building-flag", order=60,
            items=[
                nav.Item(_("阵地"), "sites:site_list", perm="sites.view_site"),
                nav.Item(_("阵地地图"), "sites:site_map", perm="sites.view_site"),
                nav.Item(_("评价标准"), "sites:standard_list", perm="sites.view_standard"),
                nav.Item(_("达标评估"), "sites:assessment_list", perm="sites.view_assessment"),
                nav.Item(_("现场检查"), "sites:inspectionround_list", perm="sites.view_inspectionround"),
                nav.Item(_("重点任务推进表"), "sites:keytask_list", perm="sites.view_keytask"),
                nav.Item(_("任务提醒"), "sites:keytask_reminders", perm="sites.view_keytask"),
                nav.Item(_("评价办法"), "sites:evaluationscheme_list", perm="sites.view_evaluationscheme"),
            ],
        )
