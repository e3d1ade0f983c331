from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api.views.audit import AuditDigestViewSet, AuditEntryViewSet
from api.views.catalogue import AgencyViewSet, LicenceItemViewSet
from api.views.portal import AuthTokenView, MyApplicationViewSet, MyNotificationViewSet
from api.views.tasks import OfficerApplicationViewSet, TaskViewSet

router = DefaultRouter()
router.register("agencies", AgencyViewSet, basename="agency")
router.register("items", LicenceItemViewSet, basename="item")
router.register("audit/entries", AuditEntryViewSet, basename="audit-entry")
router.register("audit/digests", AuditDigestViewSet, basename="audit-digest")
router.register("my/applications", MyApplicationViewSet, basename="my-application")
router.register("my/notifications", MyNotificationViewSet, basename="my-notification")
router.register("tasks", TaskViewSet, basename="task")
router.register("applications", OfficerApplicationViewSet, basename="officer-application")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("auth/token/", AuthTokenView.as_view(), name="auth-token"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("supervision/", include("api.urls_supervision")),
    path("", include("api.urls_public")),
    path("", include(router.urls)),
]
