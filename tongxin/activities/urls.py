from django.urls import path

from tongxin.activities import views

app_name = "activities"


def crud(prefix: str, name: str, list_view, detail, edit, delete) -> list:
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/add/", edit.as_view(), name=f"{name}_add"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}_edit"),
        path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{name}_delete"),
    ]


urlpatterns = [
    path("", views.ActivityListView.as_view(), name="activity_list"),
    path("calendar/", views.ActivityCalendarView.as_view(), name="calendar"),
    path("add/", views.ActivityEditView.as_view(), name="activity_add"),
    path("export/", views.ActivityExportView.as_view(), name="activity_export"),
    path("import/", views.ActivityImportView.as_view(), name="activity_import"),
    path("import/template/", views.ActivityImportTemplateView.as_view(), name="activity_import_template"),
    path("<int:pk>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path("<int:pk>/edit/", views.ActivityEditView.as_view(), name="activity_edit"),
    path("<int:pk>/delete/", views.ActivityDeleteView.as_view(), name="activity_delete"),
    path("<int:pk>/qr.svg", views.ActivityQRView.as_view(), name="activity_qr"),
    path("<int:pk>/qr/", views.ActivityQRPosterView.as_view(), name="activity_qr_poster"),
    path("<int:pk>/qr/renew/", views.ActivityRenewTokenView.as_view(), name="activity_qr_renew"),
    path("<int:pk>/checkin/", views.ActivityCheckInView.as_view(), name="activity_checkin"),
    path("<int:pk>/attendees/", views.ActivityAddAttendeesView.as_view(), name="activity_attendees"),
    path("<int:pk>/attendance.xlsx", views.ActivityAttendanceExportView.as_view(), name="activity_attendance_export"),
    path("<int:pk>/sheet/", views.ActivitySheetView.as_view(), name="activity_sheet"),
    path("<int:pk>/media/", views.ActivityMediaView.as_view(), name="activity_media"),
    path("<int:pk>/donations/", views.ActivityDonationView.as_view(), name="activity_donation"),
    path("media/<int:pk>/delete/", views.MediaCoverageDeleteView.as_view(), name="mediacoverage_delete"),
    path("donations/<int:pk>/delete/", views.DonationDeleteView.as_view(), name="donation_delete"),
    path("attendances/<int:pk>/hours/", views.AttendanceHoursView.as_view(), name="attendance_hours"),
    path("attendances/<int:pk>/remove/", views.AttendanceRemoveView.as_view(), name="attendance_remove"),
    *crud("programmes", "programme", views.ProgrammeListView, views.ProgrammeDetailView, views.ProgrammeEditView,
          views.ProgrammeDeleteView),
    *crud("services", "serviceprogramme", views.ServiceProgrammeListView, views.ServiceProgrammeDetailView,
          views.ServiceProgrammeEditView, views.ServiceProgrammeDeleteView),
    *crud("training", "trainingclass", views.TrainingClassListView, views.TrainingClassDetailView,
          views.TrainingClassEditView, views.TrainingClassDeleteView),
    path("training/<int:pk>/enroll/", views.TrainingEnrollView.as_view(), name="training_enroll"),
    path("training/<int:pk>/completion/", views.TrainingCompletionView.as_view(), name="training_completion"),
    path("trainees/<int:pk>/completion/", views.TraineeCompletionView.as_view(), name="trainee_completion"),
    path("sessions/", views.ClassSessionListView.as_view(), name="classsession_list"),
    path("sessions/add/", views.ClassSessionEditView.as_view(), name="classsession_add"),
    path("sessions/<int:pk>/", views.ClassSessionDetailView.as_view(), name="classsession_detail"),
    path("sessions/<int:pk>/edit/", views.ClassSessionEditView.as_view(), name="classsession_edit"),
    path("sessions/<int:pk>/delete/", views.ClassSessionDeleteView.as_view(), name="classsession_delete"),
    path("sessions/<int:pk>/attendance/", views.SessionAttendanceView.as_view(), name="session_attendance"),
    *crud("points/rules", "pointrule", views.PointRuleListView, views.PointRuleDetailView, views.PointRuleEditView,
          views.PointRuleDeleteView),
    path("points/", views.PointEntryListView.as_view(), name="pointentry_list"),
    path("points/leaderboard/", views.LeaderboardView.as_view(), name="leaderboard"),
    path("points/person/<int:pk>/", views.PersonPointsView.as_view(), name="person_points"),
    path("points/person/<int:pk>/adjust/", views.PersonAdjustPointsView.as_view(), name="person_points_adjust"),
    path("points/person/<int:pk>/redeem/", views.PersonRedeemView.as_view(), name="person_points_redeem"),
    *crud("rewards", "reward", views.RewardListView, views.RewardDetailView, views.RewardEditView,
          views.RewardDeleteView),
    path("rewards/<int:pk>/redeem/", views.RewardRedeemView.as_view(), name="reward_redeem"),
]
