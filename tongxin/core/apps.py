from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tongxin.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from tongxin.core import attachments, audit, nav, signals  # noqa: F401

        last_app = [c for c in apps.get_app_configs() if c.name.startswith("tongxin.") and c.models_module is not None][-1]
        post_migrate.connect(_seed_after_migrate, sender=last_app, dispatch_uid="tongxin-seed")

        nav.register_section(
            "system", _("系统管理"), icon="settings", order=90,
            items=[
                nav.Item(_("用户"), "core:user_list", perm="core.view_user"),
                nav.Item(_("角色"), "core:role_list", perm="auth.view_group"),
                nav.Item(_("行政区划"), "core:region_list", perm="core.view_region"),
                nav.Item(_("数据字典"), "core:dict_list", perm="core.view_dicttype"),
                nav.Item(_("审计日志"), "core:audit_list", perm="core.view_auditentry"),
                nav.Item(_("后台任务"), "core:job_list"),
            ],
        )


def _seed_after_migrate(sender, using="default", **kwargs):
    from tongxin.core.services import ensure_roles, seed_dictionaries

    ensure_roles()
    seed_dictionaries()
