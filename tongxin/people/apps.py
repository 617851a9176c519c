from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "tongxin.people"
    label = "people"
    verbose_name = _("人士库")

    def ready(self):
        from tongxin.core import nav
        from tongxin.people import demo, metrics, related  # noqa: F401

        nav.register_section(
            "people", _("人士库"), icon="users", order=10,
            items=[
                nav.Item(_("人士"), "people:person_list", perm="people.view_person"),
                nav.Item(_("单位"), "people:organization_list", perm="people.view_organization"),
                nav.Item(_("导入人士"), "people:person_import", perm="people.add_person"),
            ],
        )

