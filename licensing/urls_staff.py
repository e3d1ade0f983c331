"""Staff pages under /staff/: the audit timeline of an application and the supervisors' view of
the action log (design.md principle 5)."""

from django.urls import path

from licensing.views import audit

app_name = "staff"
urlpatterns = [
    path("applications/<str:number>/audit/", audit.application_audit, name="application_audit"),
    path("audit/", audit.official_audit, name="audit"),
    path("audit/export.csv", audit.official_audit_export, {"fmt": "csv"}, name="audit_export_csv"),
    path("audit/export.json", audit.official_audit_export, {"fmt": "json"}, name="audit_export_json"),
]
