from django.urls import path

from licensing.urls_transparency import urlpatterns as transparency_urlpatterns
from licensing.views import audit, public

app_name = "public"
urlpatterns = [
    path("", public.home, name="home"),
    path("language/<str:code>/", public.language, name="language"),
    path("items/", public.item_list, name="item_list"),
    path("items/<slug:code>/", public.item_detail, name="item"),
    path("audit/digests/", audit.digests, name="audit_digests"),
]
urlpatterns += transparency_urlpatterns
