from django.urls import path

from tongxin.liaison import views

app_name = "liaison"

urlpatterns = [
    path("pairings/", views.PairingListView.as_view(), name="pairing_list"),
    path("pairings/add/", views.PairingEditView.as_view(), name="pairing_add"),
    path("pairings/<int:pk>/", views.PairingDetailView.as_view(), name="pairing_detail"),
    path("pairings/<int:pk>/edit/", views.PairingEditView.as_view(), name="pairing_edit"),
    path("pairings/<int:pk>/end/", views.PairingEndView.as_view(), name="pairing_end"),
    path("pairings/<int:pk>/delete/", views.PairingDeleteView.as_view(), name="pairing_delete"),
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/add/", views.ContactEditView.as_view(), name="contact_add"),
    path("contacts/export/", views.ContactExportView.as_view(), name="contact_export"),
    path("contacts/import/", views.ContactImportView.as_view(), name="contact_import"),
    path("contacts/import/template/", views.ContactImportTemplateView.as_view(), name="contact_import_template"),
    path("contacts/<int:pk>/", views.ContactDetailView.as_view(), name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.ContactEditView.as_view(), name="contact_edit"),
    path("contacts/<int:pk>/follow-up/", views.ContactFollowUpView.as_view(), name="contact_follow_up"),
    path("contacts/<int:pk>/delete/", views.ContactDeleteView.as_view(), name="contact_delete"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/add/", views.CaseEditView.as_view(), name="case_add"),
    path("cases/export/", views.CaseExportView.as_view(), name="case_export"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/edit/", views.CaseEditView.as_view(), name="case_edit"),
    path("cases/<int:pk>/status/", views.CaseStatusView.as_view(), name="case_status"),
    path("cases/<int:pk>/notes/", views.CaseNoteView.as_view(), name="case_note"),
    path("cases/<int:pk>/feedback/", views.CaseFeedbackView.as_view(), name="case_feedback"),
    path("cases/<int:pk>/delete/", views.CaseDeleteView.as_view(), name="case_delete"),
]
