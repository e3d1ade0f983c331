"""The officer workbench under /workbench/: viewflow's Material UI site and the staff downloads.

Included without a namespace: viewflow reverses its URLs through its own viewset namespaces."""

from django.urls import path

from workflows import views
from workflows.viewsets import site

urlpatterns = [
    path("files/materials/<int:pk>/", views.material_download, name="workbench_material"),
    path("files/documents/<int:pk>/", views.document_download, name="workbench_document"),
    path("", site.urls),
]
