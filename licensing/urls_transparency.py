"""URLs of the public transparency pages (issue 7), included in ``licensing.urls`` under the
"public" namespace. ``/lookup/<number>/`` and ``/verify/<token>/`` are printed on every document
and encoded in the licence's QR code (``licensing.documents.lookup_url`` / ``verify_url``): they
must not change."""

from django.urls import path, re_path

from licensing.views import transparency

urlpatterns = [
    path("lookup/", transparency.lookup, name="lookup"),
    path("lookup/<str:number>/", transparency.lookup_detail, name="lookup_detail"),
    path("applications/", transparency.application_list, name="application_list"),
    path("register/", transparency.register, name="register"),
    path("verify/<str:token>/", transparency.verify, name="verify"),
    path("performance/", transparency.performance, name="performance"),
    path("performance/charts/<slug:name>.png", transparency.performance_chart, name="performance_chart"),
    path("open-data/", transparency.open_data, name="open_data"),
    re_path(
        r"^open-data/(?P<dataset>applications|register|statistics)\.(?P<fmt>csv|json)$",
        transparency.open_data_download,
        name="open_data_download",
    ),
]
