import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from tongxin.core.context import Actor, reset_actor, set_actor


def client_ip(request) -> str | None:
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Makes the acting user and IP known to the audit log for the length of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_actor(Actor(user=getattr(request, "user", None), ip=client_ip(request), source="web"))
        try:
            return self.get_response(request)
        finally:
            reset_actor(token)


class IdleTimeoutMiddleware:
    """Logs a user out after SESSION_IDLE_TIMEOUT seconds without a request.

    The time of the last request is written to the session at most once a minute, so that browsing does not
    save the session on every request.
    """

    WRITE_INTERVAL = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get("last_activity")
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                login_url = f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path(), 'expired': 1})}"
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = login_url
                    return response
                return redirect(login_url)
            if last is None or now - last >= min(self.WRITE_INTERVAL, settings.SESSION_IDLE_TIMEOUT):
                request.session["last_activity"] = now
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy (no inline scripts) and a Permissions-Policy on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        return response


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose another language (the language cookie); the browser's Accept-Language is
    ignored, because staff machines often run English systems and the platform is Chinese first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
