from django.urls import path

from tongxin.people import views

app_name = "people"

urlpatterns = [
    path("", views.PersonListView.as_view(), name="person_list"),
    path("add/", views.PersonEditView.as_view(), name="person_add"),
    path("bulk/", views.PersonBulkView.as_view(), name="person_bulk"),
    path("search/", views.PersonSearchView.as_view(), name="person_search"),
    path("export/", views.PersonExportView.as_view(), name="person_export"),
    path("import/", views.PersonImportView.as_view(), name="person_import"),
    path("import/template/", views.PersonImportTemplateView.as_view(), name="person_import_template"),
    path("<int:pk>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("<int:pk>/edit/", views.PersonEditView.as_view(), name="person_edit"),
    path("<int:pk>/delete/", views.PersonDeleteView.as_view(), name="person_delete"),
    path("<int:pk>/reveal/", views.PersonRevealView.as_view(), name="person_reveal"),
    path("<int:pk>/status/", views.PersonStatusView.as_view(), name="person_status"),
    path("<int:pk>/erase/", views.PersonEraseView.as_view(), name="person_erase"),
    path("<int:pk>/merge/", views.PersonMergeView.as_view(), name="person_merge"),
    path("merges/<int:pk>/undo/", views.MergeUndoView.as_view(), name="merge_undo"),
    path("organizations/", views.OrganizationListView.as_view(), name="organization_list"),
    path("organizations/add/", views.OrganizationEditView.as_view(), name="organization_add"),
    path("organizations/search/", views.OrganizationSearchView.as_view(), name="organization_search"),
    path("organizations/<int:pk>/", views.OrganizationDetailView.as_view(), name="organization_detail"),
    path("organizations/<int:pk>/edit/", views.OrganizationEditView.as_view(), name="organization_edit"),
    path("organizations/<int:pk>/delete/", views.OrganizationDeleteView.as_view(), name="organization_delete"),
]
