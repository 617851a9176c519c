from django.urls import include, path

from tongxin.core import views, views_attachments

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("regions/search/", views.region_search, name="region_search"),
    path("healthz/", views.healthz, name="healthz"),
    path("attachments/<str:label>/<int:pk>/add/", views_attachments.upload, name="attachment_add"),
    path("attachments/<int:pk>/", views_attachments.download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views_attachments.delete, name="attachment_delete"),
    path("", include("tongxin.core.admin_urls")),
]
