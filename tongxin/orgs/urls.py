from django.urls import path

from tongxin.orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.AssociationListView.as_view(), name="association_list"),
    path("members/join-persons/", views.PersonsJoinView.as_view(), name="persons_join"),
    path("add/", views.AssociationEditView.as_view(), name="association_add"),
    path("tree/", views.AssociationTreeView.as_view(), name="association_tree"),
    path("search/", views.AssociationSearchView.as_view(), name="association_search"),
    path("export/", views.AssociationExportView.as_view(), name="association_export"),
    path("import/", views.AssociationImportView.as_view(), name="association_import"),
    path("import/template/", views.AssociationImportTemplateView.as_view(), name="association_import_template"),
    path("<int:pk>/", views.AssociationDetailView.as_view(), name="association_detail"),
    path("<int:pk>/edit/", views.AssociationEditView.as_view(), name="association_edit"),
    path("<int:pk>/delete/", views.AssociationDeleteView.as_view(), name="association_delete"),
    path("<int:pk>/members/add/", views.AssociationAddMembersView.as_view(), name="association_add_members"),

    path("members/", views.MembershipListView.as_view(), name="membership_list"),
    path("members/export/", views.MembershipExportView.as_view(), name="membership_export"),
    path("members/import/", views.MembershipImportView.as_view(), name="membership_import"),
    path("members/import/template/", views.MembershipImportTemplateView.as_view(),
         name="membership_import_template"),
    path("members/<int:pk>/", views.MembershipDetailView.as_view(), name="membership_detail"),
    path("members/<int:pk>/review/", views.MembershipReviewView.as_view(), name="membership_review"),
    path("members/<int:pk>/end/", views.MembershipEndView.as_view(), name="membership_end"),
    path("members/<int:pk>/delete/", views.MembershipDeleteView.as_view(), name="membership_delete"),

    path("officers/", views.OfficerTermListView.as_view(), name="officerterm_list"),
    path("officers/add/", views.OfficerTermEditView.as_view(), name="officerterm_add"),
    path("officers/<int:pk>/", views.OfficerTermDetailView.as_view(), name="officerterm_detail"),
    path("officers/<int:pk>/edit/", views.OfficerTermEditView.as_view(), name="officerterm_edit"),
    path("officers/<int:pk>/delete/", views.OfficerTermDeleteView.as_view(), name="officerterm_delete"),

    path("council/", views.CouncilTermListView.as_view(), name="councilterm_list"),
    path("council/add/", views.CouncilTermEditView.as_view(), name="councilterm_add"),
    path("council/<int:pk>/", views.CouncilTermDetailView.as_view(), name="councilterm_detail"),
    path("council/<int:pk>/edit/", views.CouncilTermEditView.as_view(), name="councilterm_edit"),
    path("council/<int:pk>/delete/", views.CouncilTermDeleteView.as_view(), name="councilterm_delete"),

    path("rules/", views.RuleListView.as_view(), name="rule_list"),
    path("rules/add/", views.RuleEditView.as_view(), name="rule_add"),
    path("rules/<int:pk>/", views.RuleDetailView.as_view(), name="rule_detail"),
    path("rules/<int:pk>/edit/", views.RuleEditView.as_view(), name="rule_edit"),
    path("rules/<int:pk>/delete/", views.RuleDeleteView.as_view(), name="rule_delete"),
    path("rules/<int:pk>/document/", views.RuleDocumentView.as_view(), name="rule_document"),

    path("funds/", views.FundEntryListView.as_view(), name="fundentry_list"),
    path("funds/add/", views.FundEntryAddView.as_view(), name="fundentry_add"),
    path("funds/<int:pk>/", views.FundEntryDetailView.as_view(), name="fundentry_detail"),
    path("funds/<int:pk>/reverse/", views.FundEntryReverseView.as_view(), name="fundentry_reverse"),
    path("funds/<int:pk>/attachment/", views.FundEntryAttachmentView.as_view(), name="fundentry_attachment"),

    path("liaison-posts/", views.LiaisonPostListView.as_view(), name="liaisonpost_list"),
    path("liaison-posts/add/", views.LiaisonPostEditView.as_view(), name="liaisonpost_add"),
    path("liaison-posts/coverage/", views.CoverageView.as_view(), name="liaison_coverage"),
    path("liaison-posts/<int:pk>/", views.LiaisonPostDetailView.as_view(), name="liaisonpost_detail"),
    path("liaison-posts/<int:pk>/edit/", views.LiaisonPostEditView.as_view(), name="liaisonpost_edit"),
    path("liaison-posts/<int:pk>/delete/", views.LiaisonPostDeleteView.as_view(), name="liaisonpost_delete"),

    path("teams/", views.TeamListView.as_view(), name="team_list"),
    path("teams/add/", views.TeamEditView.as_view(), name="team_add"),
    path("teams/<int:pk>/", views.TeamDetailView.as_view(), name="team_detail"),
    path("teams/<int:pk>/edit/", views.TeamEditView.as_view(), name="team_edit"),
    path("teams/<int:pk>/delete/", views.TeamDeleteView.as_view(), name="team_delete"),
]
