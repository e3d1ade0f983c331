"""The public API (issue 7 item 8) under ``/api/v1/public/``, included in ``api.urls``."""

from django.urls import path

from api.views import public

urlpatterns = [
    path("public/applications/", public.PublicApplicationListView.as_view(), name="public-application-list"),
    path(
        "public/applications/<str:number>/",
        public.PublicApplicationDetailView.as_view(),
        name="public-application-detail",
    ),
    path("public/register/", public.PublicRegisterView.as_view(), name="public-register"),
    path("public/verify/<str:token>/", public.PublicVerifyView.as_view(), name="public-verify"),
    path("public/statistics/", public.PublicStatisticsView.as_view(), name="public-statistics"),
]
