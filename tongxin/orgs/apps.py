from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "tongxin.orgs"
    label = "orgs"
    verbose_name = _("组织")

    def ready(self):
        from tongxin.core import nav
        from tongxin.core.services import register_dict_usage
        from tongxin.orgs import demo, metrics, related  # noqa: F401
        from tongxin.people.extensions import add_person_list_extra

        add_person_list_extra(_person_list_extra)
        register_dict_usage("association_kind", "orgs.Association", "kind")
        register_dict_usage("association_level", "orgs.Association", "level")
        nav.register_section(
            "orgs", _("组织"), icon="sitemap", order=20,
            items=[
                nav.Item(_("联谊组织"), "orgs:association_list", perm="orgs.view_association"),
                nav.Item(_("组织树"), "orgs:association_tree", perm="orgs.view_association"),
                nav.Item(_("入会申请与会员"), "orgs:membership_list", perm="orgs.view_membership"),
                nav.Item(_("制度"), "orgs:rule_list", perm="orgs.view_rule"),
                nav.Item(_("经费"), "orgs:fundentry_list", perm="orgs.view_fundentry"),
                nav.Item(_("联络员队伍"), "orgs:liaisonpost_list", perm="orgs.view_liaisonpost"),
                nav.Item(_("联络员覆盖"), "orgs:liaison_coverage", perm="orgs.view_liaisonpost"),
                nav.Item(_("工作队伍"), "orgs:team_list", perm="orgs.view_team"),
            ],
        )


def _person_list_extra(user) -> dict:
    """加入组织 on the registry's person list (imported when the list is shown, not at start-up)."""
    from tongxin.orgs.views import person_list_extra

    return person_list_extra(user)
