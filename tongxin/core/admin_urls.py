"""System administration and account pages; included into the `core` namespace at the site root."""

from django.urls import path

from tongxin.core import views_admin as views

urlpatterns = [
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/add/", views.UserCreateView.as_view(), name="user_add"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserEditView.as_view(), name="user_edit"),
    path("users/<int:pk>/password/", views.UserPasswordView.as_view(), name="user_password"),
    path("users/<int:pk>/active/", views.UserActiveView.as_view(), name="user_active"),
    path("users/<int:pk>/unlock/", views.UserUnlockView.as_view(), name="user_unlock"),
    path("users/<int:pk>/totp/remove/", views.UserTotpRemoveView.as_view(), name="user_totp_remove"),

    path("roles/", views.RoleListView.as_view(), name="role_list"),
    path("roles/<int:pk>/", views.RoleDetailView.as_view(), name="role_detail"),
    path("roles/<int:pk>/edit/", views.RoleEditView.as_view(), name="role_edit"),
    path("roles/<int:pk>/reset/", views.RoleResetView.as_view(), name="role_reset"),

    path("regions/", views.RegionListView.as_view(), name="region_list"),
    path("regions/add/", views.RegionAddView.as_view(), name="region_add"),
    path("regions/import/", views.RegionImportView.as_view(), name="region_import"),
    path("regions/<int:pk>/", views.RegionDetailView.as_view(), name="region_detail"),
    path("regions/<int:pk>/edit/", views.RegionEditView.as_view(), name="region_edit"),

    path("dictionaries/", views.DictTypeListView.as_view(), name="dict_list"),
    path("dictionaries/<int:pk>/", views.DictTypeDetailView.as_view(), name="dicttype_detail"),
    path("dictionaries/<int:type_pk>/items/add/", views.DictItemEditView.as_view(), name="dictitem_add"),
    path("dictionaries/items/<int:pk>/edit/", views.DictItemEditView.as_view(), name="dictitem_edit"),
    path("dictionaries/items/<int:pk>/delete/", views.DictItemDeleteView.as_view(), name="dictitem_delete"),

    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path("audit/export/", views.AuditExportView.as_view(), name="audit_export"),
    path("audit/<int:pk>/", views.AuditDetailView.as_view(), name="auditentry_detail"),

    path("jobs/", views.JobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/progress/", views.JobProgressView.as_view(), name="job_progress"),
    path("jobs/<int:pk>/download/", views.JobDownloadView.as_view(), name="job_download"),

    path("account/", views.AccountView.as_view(), name="account"),
    path("account/totp/", views.AccountTotpView.as_view(), name="account_totp"),
    path("account/totp/remove/", views.AccountTotpRemoveView.as_view(), name="account_totp_remove"),
]
