from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "tongxin.voice"
    label = "voice"
    verbose_name = _("建言与安排")

    def ready(self):
        from tongxin.core import nav
        from tongxin.voice import demo, metrics, related  # noqa: F401

        nav.register_section(
            "voice", _("建言与安排"), icon="bulb", order=50,
            items=[
                nav.Item(_("提案建议"), "voice:proposal_list", perm="voice.view_proposal"),
                nav.Item(_("调研活动"), "voice:research_list", perm="voice.view_research"),
                nav.Item(_("调研报告"), "voice:researchreport_list", perm="voice.view_researchreport"),
                nav.Item(_("协商议事"), "voice:consultationmeeting_list", perm="voice.view_consultationmeeting"),
                nav.Item(_("协助解决问题"), "voice:problemsolved_list", perm="voice.view_problemsolved"),
                nav.Item(_("政治安排"), "voice:politicalarrangement_list", perm="voice.view_politicalarrangement"),
                nav.Item(_("到期与未安排"), "voice:politicalarrangement_watch",
                         perm="voice.view_politicalarrangement"),
                nav.Item(_("表彰荣誉"), "voice:honour_list", perm="voice.view_honour"),
            ],
        )
