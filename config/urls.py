from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("api.urls")),
    path("staff/", include("licensing.urls_staff")),
    path("supervision/", include("licensing.urls_supervision")),
    path("workbench/", include("workflows.urls")),
    path("", include("licensing.urls_portal")),
    path("", include("licensing.urls")),
]
