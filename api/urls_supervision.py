"""/api/v1/supervision/…: e-supervision (电子监察), included from ``api.urls``."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from api.views.supervision import (
    ComplianceView,
    DashboardView,
    OverdueView,
    RectificationViewSet,
    SupervisionCaseViewSet,
    WarningViewSet,
)

router = SimpleRouter()
router.register("warnings", WarningViewSet, basename="supervision-warning")
router.register("cases", SupervisionCaseViewSet, basename="supervision-case")
router.register("rectifications", RectificationViewSet, basename="supervision-rectification")

urlpatterns = [
    path("dashboard/", DashboardView.as_view(), name="supervision-dashboard"),
    path("overdue/", OverdueView.as_view(), name="supervision-overdue"),
    path("compliance/", ComplianceView.as_view(), name="supervision-compliance"),
    path("", include(router.urls)),
]
