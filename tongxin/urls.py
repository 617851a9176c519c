from django.urls import include, path

handler403 = "tongxin.core.views.permission_denied"
handler404 = "tongxin.core.views.page_not_found"
handler500 = "tongxin.core.views.server_error"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("tongxin.api.urls")),
    path("people/", include("tongxin.people.urls")),
    path("orgs/", include("tongxin.orgs.urls")),
    path("liaison/", include("tongxin.liaison.urls")),
    path("activities/", include("tongxin.activities.urls")),
    path("voice/", include("tongxin.voice.urls")),
    path("sites/", include("tongxin.sites.urls")),
    path("reports/", include("tongxin.reports.urls")),
    path("m/", include("tongxin.portal.urls")),
    path("", include("tongxin.core.urls")),
]
