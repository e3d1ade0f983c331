"""E-supervision pages under /supervision/ (电子监察; law.md §4)."""

from django.urls import path

from licensing.views import supervision

app_name = "supervision"
urlpatterns = [
    path("", supervision.dashboard, name="dashboard"),
    path("applications/<str:number>/", supervision.application_detail, name="application"),
    path("warnings/", supervision.warning_list, name="warnings"),
    path("cases/", supervision.case_list, name="cases"),
    path("cases/<int:pk>/", supervision.case_detail, name="case"),
    path("cases/<int:pk>/respond/", supervision.case_respond, name="case_respond"),
    path("cases/<int:pk>/close/", supervision.case_close, name="case_close"),
    path("compliance/", supervision.compliance, name="compliance"),
    path("compliance/export.csv", supervision.compliance_csv, name="compliance_csv"),
    path("compliance/report.pdf", supervision.compliance_pdf_view, name="compliance_pdf"),
    path("rectifications/", supervision.rectification_list, name="rectifications"),
]
