from django.urls import include, path

from tongxin.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("regions/search/", views.region_search, name="region_search"),
    path("healthz/", views.healthz, name="healthz"),
    path("", include("tongxin.core.admin_urls")),
]
