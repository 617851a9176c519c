from django.urls import path

from tongxin.sites import views

app_name = "sites"

urlpatterns = [
    path("", views.SiteListView.as_view(), name="site_list"),
    path("add/", views.SiteEditView.as_view(), name="site_add"),
    path("map/", views.SiteMapView.as_view(), name="site_map"),
    path("export/", views.SiteExportView.as_view(), name="site_export"),
    path("import/", views.SiteImportView.as_view(), name="site_import"),
    path("import/template/", views.SiteImportTemplateView.as_view(), name="site_import_template"),
    path("<int:pk>/", views.SiteDetailView.as_view(), name="site_detail"),
    path("<int:pk>/edit/", views.SiteEditView.as_view(), name="site_edit"),
    path("<int:pk>/delete/", views.SiteDeleteView.as_view(), name="site_delete"),

    path("standards/", views.StandardListView.as_view(), name="standard_list"),
    path("standards/add/", views.StandardEditView.as_view(), name="standard_add"),
    path("standards/<int:pk>/", views.StandardDetailView.as_view(), name="standard_detail"),
    path("standards/<int:pk>/edit/", views.StandardEditView.as_view(), name="standard_edit"),
    path("standards/<int:pk>/delete/", views.StandardDeleteView.as_view(), name="standard_delete"),

    path("assessments/", views.AssessmentListView.as_view(), name="assessment_list"),
    path("assessments/add/", views.AssessmentCreateView.as_view(), name="assessment_add"),
    path("assessments/<int:pk>/", views.AssessmentDetailView.as_view(), name="assessment_detail"),
    path("assessments/<int:pk>/result/", views.AssessmentResultView.as_view(), name="assessment_result"),
    path("assessments/<int:pk>/prefill/", views.AssessmentPrefillView.as_view(), name="assessment_prefill"),
    path("assessments/<int:pk>/delete/", views.AssessmentDeleteView.as_view(), name="assessment_delete"),

    path("inspections/", views.InspectionRoundListView.as_view(), name="inspectionround_list"),
    path("inspections/add/", views.InspectionRoundEditView.as_view(), name="inspectionround_add"),
    path("inspections/<int:pk>/", views.InspectionRoundDetailView.as_view(), name="inspectionround_detail"),
    path("inspections/<int:pk>/edit/", views.InspectionRoundEditView.as_view(), name="inspectionround_edit"),
    path("inspections/<int:pk>/sites/", views.InspectionRoundSitesView.as_view(), name="inspectionround_sites"),
    path("inspections/<int:pk>/export/", views.InspectionRoundExportView.as_view(), name="inspectionround_export"),
    path("inspections/<int:pk>/delete/", views.InspectionRoundDeleteView.as_view(), name="inspectionround_delete"),

    path("tasks/", views.KeyTaskListView.as_view(), name="keytask_list"),
    path("tasks/add/", views.KeyTaskEditView.as_view(), name="keytask_add"),
    path("tasks/export/", views.KeyTaskExportView.as_view(), name="keytask_export"),
    path("tasks/reminders/", views.KeyTaskRemindersView.as_view(), name="keytask_reminders"),
    path("tasks/import/", views.KeyTaskImportView.as_view(), name="keytask_import"),
    path("tasks/import/template/", views.KeyTaskImportTemplateView.as_view(), name="keytask_import_template"),
    path("tasks/<int:pk>/", views.KeyTaskDetailView.as_view(), name="keytask_detail"),
    path("tasks/<int:pk>/edit/", views.KeyTaskEditView.as_view(), name="keytask_edit"),
    path("tasks/<int:pk>/report/", views.KeyTaskReportView.as_view(), name="keytask_report"),
    path("tasks/<int:pk>/quarter/", views.KeyTaskQuarterView.as_view(), name="keytask_quarter"),
    path("tasks/<int:pk>/supervise/", views.KeyTaskSuperviseView.as_view(), name="keytask_supervise"),
    path("tasks/<int:pk>/answer/", views.KeyTaskAnswerView.as_view(), name="keytask_answer"),
    path("tasks/<int:pk>/milestone/", views.KeyTaskMilestoneView.as_view(), name="keytask_milestone"),
    path("tasks/<int:pk>/milestone/done/", views.KeyTaskMilestoneDoneView.as_view(), name="keytask_milestone_done"),
    path("tasks/<int:pk>/delete/", views.KeyTaskDeleteView.as_view(), name="keytask_delete"),

    path("evaluation/", views.EvaluationSchemeListView.as_view(), name="evaluationscheme_list"),
    path("evaluation/add/", views.EvaluationSchemeEditView.as_view(), name="evaluationscheme_add"),
    path("evaluation/<int:pk>/", views.EvaluationSchemeDetailView.as_view(), name="evaluationscheme_detail"),
    path("evaluation/<int:pk>/edit/", views.EvaluationSchemeEditView.as_view(), name="evaluationscheme_edit"),
    path("evaluation/<int:pk>/indicators/", views.SchemeIndicatorView.as_view(), name="evaluationscheme_indicator"),
    path("evaluation/<int:pk>/units/", views.SchemeUnitsView.as_view(), name="evaluationscheme_units"),
    path("evaluation/<int:pk>/compute/", views.SchemeComputeView.as_view(), name="evaluationscheme_compute"),
    path("evaluation/<int:pk>/export/", views.EvaluationSchemeExportView.as_view(), name="evaluationscheme_export"),
    path("evaluation/<int:pk>/delete/", views.EvaluationSchemeDeleteView.as_view(), name="evaluationscheme_delete"),
    path("evaluation/units/<int:pk>/", views.EvaluationUnitDetailView.as_view(), name="evaluationunit_detail"),
    path("evaluation/units/<int:pk>/score/", views.EvaluationUnitScoreView.as_view(), name="evaluationunit_score"),
]
