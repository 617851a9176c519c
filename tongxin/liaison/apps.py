from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    name = "tongxin.liaison"
    label = "liaison"
    verbose_name = _("联系服务")

    def ready(self):
        from tongxin.core import nav
        from tongxin.liaison import demo, metrics, related  # noqa: F401

        nav.register_section(
            "liaison", _("联系服务"), icon="heart-handshake", order=30,
            items=[
                nav.Item(_("结对联系"), "liaison:pairing_list", perm="liaison.view_pairing"),
                nav.Item(_("联系记录"), "liaison:contact_list", perm="liaison.view_contact"),
                nav.Item(_("覆盖与提醒"), "liaison:coverage", perm="liaison.view_pairing"),
                nav.Item(_("诉求办理"), "liaison:case_list", perm="liaison.view_case"),
            ],
        )
