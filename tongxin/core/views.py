import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tongxin.core.forms import LoginForm
from tongxin.core.models import Region
from tongxin.core.services import dashboard_figures


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        from tongxin.core.roles import portal_only

        if portal_only(self.request.user):
            return reverse("portal:home")
        return super().get_default_redirect_url()

    def form_valid(self, form):
        response = super().form_valid(form)
        device = getattr(form, "otp_device", None)
        if device is not None:
            from django_otp import login as otp_login

            otp_login(self.request, device)
        if self.request.user.must_change_password:
            messages.warning(self.request, _("请先修改初始密码。"))
        return response


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


@login_required
def home(request):
    from tongxin.core.roles import portal_only

    if portal_only(request.user):
        return redirect("portal:home")
    today = timezone.localdate()
    start = datetime.date(today.year, 1, 1)
    user = request.user
    region = user.scope_region
    return render(request, "core/home.html", {
        "title": _("首页"),
        "region": region,
        "date_from": start,
        "date_to": today,
        "figures": dashboard_figures(user, start, today),
    })


@login_required
@require_GET
def region_search(request):
    """Region picker: search by name or code, only inside the user's scope."""
    term = (request.GET.get("q") or "").strip()
    queryset = Region.objects.restrict(request.user).filter(is_active=True)
    if term:
        if term.isdigit():
            from tongxin.core.regions import RegionCodeError, to_prefix

            try:
                prefix = to_prefix(term) if len(term) in (6, 12) else term
            except RegionCodeError:
                prefix = term
            queryset = queryset.filter(code__startswith=prefix)
        else:
            queryset = queryset.filter(Q(name__contains=term) | Q(full_name__contains=term))
    if request.GET.get("level"):
        queryset = queryset.filter(level__lte=int(request.GET["level"]))
    queryset = queryset.order_by("level", "code")[:30]
    return JsonResponse({"results": [
        {"value": r.code, "label": f"{r.full_name or r.name}（{r.official_code}）"} for r in queryset
    ]})


def permission_denied(request, exception=None):
    return render(request, "403.html", {"title": _("没有权限")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", {"title": _("页面不存在")}, status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def healthz(request):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "debug": settings.DEBUG})
