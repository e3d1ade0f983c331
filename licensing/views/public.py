"""Public pages: no login, no personal data (design.md principle 4)."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from licensing import selectors
from licensing.models import LicenceItem, Topic


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The catalogue's front page: search, browse by life event, topic and agency."""
    topics = list(selectors.topic_list_with_counts())
    return render(
        request,
        "public/home.html",
        {
            "life_events": [t for t in topics if t.kind == "life_event"],
            "business_topics": [t for t in topics if t.kind == "business"],
            "agencies": selectors.agency_list_with_counts(),
        },
    )


@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    """Search and browse the published items."""
    query = request.GET.get("q", "").strip()[:100]
    topic_slug = request.GET.get("topic", "").strip()[:60]
    agency_code = request.GET.get("agency", "").strip()[:40]
    items = selectors.item_list_published(query=query, topic=topic_slug, agency=agency_code)
    page = Paginator(items, 25).get_page(request.GET.get("page"))
    topic = Topic.objects.filter(slug=topic_slug).first() if topic_slug else None
    return render(
        request,
        "public/item_list.html",
        {"page": page, "query": query, "topic": topic, "agency_code": agency_code,
         "agencies": selectors.agency_list_with_counts()},
    )


@require_GET
def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The whole service guide (办事指南, Art. 30), rendered from the item record."""
    try:
        item = selectors.item_get_published(code=code)
    except LicenceItem.DoesNotExist:
        raise Http404("No published licence item with this code.") from None
    return render(request, "public/item_detail.html", {"item": item})


@require_GET
def language(request: HttpRequest, code: str) -> HttpResponse:
    """Switch the interface language (``LANGUAGES``: English, 简体中文) and go back to ``next``.

    A plain link in every page's footer, so that the public pages carry no form and set no
    cookie until someone asks for another language; choosing a language changes nothing but
    the reader's own display, so it needs no CSRF protection (unlike Django's ``set_language``,
    which is a POST)."""
    codes = {lang for lang, _name in settings.LANGUAGES}
    if code not in codes:
        raise Http404("No such language.")
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response

