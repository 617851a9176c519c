from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from tongxin.core import audit
from tongxin.core.models import AuditEntry


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.log(AuditEntry.LOGIN, user=user, region_code=user.scope_region_id or "", message="登录成功")


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.log(AuditEntry.LOGOUT, user=user, region_code=user.scope_region_id or "")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.log(AuditEntry.LOGIN_FAILED, message=f"用户名：{username}")
