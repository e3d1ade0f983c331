"""The applicant portal: accounts (/accounts/…), the applicant's own pages (/my/…), file downloads
that check who is asking (/files/…), and the staff pages of the rating follow-up (/staff/…)."""

from django.urls import path

from licensing.views import accounts, portal, portal_staff

app_name = "portal"
urlpatterns = [
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/signup/check-your-email/", accounts.signup_sent, name="signup_sent"),
    path("accounts/verify/<str:token>/", accounts.verify, name="verify"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path("accounts/password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", accounts.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/complete/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("my/", portal.dashboard, name="dashboard"),
    path("my/apply/", portal.apply, name="apply"),
    path("my/messages/", portal.notifications, name="notifications"),
    path("my/messages/<int:pk>/", portal.notification, name="notification"),
    path("my/applications/<int:pk>/", portal.application_page, name="application"),
    path("my/applications/<int:pk>/who/", portal.draft_who, name="draft_who"),
    path("my/applications/<int:pk>/details/", portal.draft_details, name="draft_details"),
    path("my/applications/<int:pk>/materials/", portal.draft_materials, name="draft_materials"),
    path(
        "my/applications/<int:pk>/materials/<int:material_pk>/remove/",
        portal.draft_material_remove,
        name="draft_material_remove",
    ),
    path("my/applications/<int:pk>/declaration/", portal.draft_declaration, name="draft_declaration"),
    path("my/applications/<int:pk>/check/", portal.draft_check, name="draft_check"),
    path("my/applications/<int:pk>/submitted/", portal.submitted, name="submitted"),
    path("my/applications/<int:pk>/supplement/", portal.supplement, name="supplement"),
    path("my/applications/<int:pk>/withdraw/", portal.withdraw, name="withdraw"),
    path("my/applications/<int:pk>/rate/", portal.rate, name="rate"),
    path("files/materials/<int:pk>/", portal.material_download, name="material_download"),
    path("files/authorisations/<int:pk>/", portal.authorisation_download, name="authorisation_download"),
    path("files/documents/<int:pk>/", portal.document_download, name="document_download"),
    path("staff/rectifications/", portal_staff.rectification_list, name="rectifications"),
    path("staff/rectifications/<int:pk>/", portal_staff.rectification_detail, name="rectification"),
    path("staff/applications/<str:number>/applicant/", portal_staff.applicant_profile, name="applicant_profile"),
]
