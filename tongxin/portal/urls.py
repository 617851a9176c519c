from django.urls import path

from tongxin.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("activities/mine/", views.my_activities, name="my_activities"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/signup/", views.sign_up, name="sign_up"),
    path("activities/<int:pk>/cancel/", views.cancel_sign_up, name="cancel_sign_up"),
    path("checkin/", views.scan, name="scan"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
    path("points/", views.points, name="points"),
    path("points/rewards/<int:pk>/redeem/", views.redeem, name="redeem"),
    path("me/", views.profile, name="profile"),
    path("me/edit/", views.profile_edit, name="profile_edit"),
]
