"""The bench-only URLconf: every real URL, plus the baseline the public lookup is measured
against — a minimal Django view that fetches one application by number through the ORM."""

from django.http import Http404, JsonResponse
from django.urls import path

from config.urls import urlpatterns as real_urlpatterns
from licensing.models import Application


def baseline(request, number: str) -> JsonResponse:
    try:
        application = Application.objects.get(number=number)
    except Application.DoesNotExist:
        raise Http404("no such application") from None
    return JsonResponse({"number": application.number, "status": application.status})


urlpatterns = [path("bench/baseline/<str:number>/", baseline), *real_urlpatterns]
