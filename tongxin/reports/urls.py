from django.urls import path

from tongxin.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("report/", views.ReportView.as_view(), name="report"),
    path("report/export/", views.ReportExportView.as_view(), name="report_export"),
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("records/<str:key>/<str:region>/", views.RecordsView.as_view(), name="records"),
    path("templates/", views.TemplateListView.as_view(), name="reporttemplate_list"),
    path("templates/add/", views.TemplateEditView.as_view(), name="reporttemplate_add"),
    path("templates/<int:pk>/edit/", views.TemplateEditView.as_view(), name="reporttemplate_edit"),
    path("templates/<int:pk>/delete/", views.TemplateDeleteView.as_view(), name="reporttemplate_delete"),
    path("templates/<int:pk>/reset/", views.TemplateResetView.as_view(), name="reporttemplate_reset"),
]
