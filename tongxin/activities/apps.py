from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "tongxin.activities"
    label = "activities"
    verbose_name = _("活动服务")

    def ready(self):
        from tongxin.activities import api, demo, imports, metrics, related  # noqa: F401
        from tongxin.core import nav

        nav.register_section(
            "activities", _("活动服务"), icon="calendar-event", order=40,
            items=[
                nav.Item(_("活动"), "activities:activity_list", perm="activities.view_activity"),
                nav.Item(_("活动日历"), "activities:calendar", perm="activities.view_activity"),
                nav.Item(_("品牌活动"), "activities:programme_list", perm="activities.view_programme"),
                nav.Item(_("培训班"), "activities:trainingclass_list", perm="activities.view_trainingclass"),
                nav.Item(_("服务清单"), "activities:serviceprogramme_list",
                         perm="activities.view_serviceprogramme"),
                nav.Item(_("积分台账"), "activities:pointentry_list", perm="activities.view_pointentry"),
                nav.Item(_("积分规则"), "activities:pointrule_list", perm="activities.view_pointrule"),
                nav.Item(_("积分奖品"), "activities:reward_list", perm="activities.view_reward"),
                nav.Item(_("积分排行"), "activities:leaderboard", perm="activities.view_pointentry"),
            ],
        )
