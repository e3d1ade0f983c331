"""Public pages: no login, no personal data (design.md principle 4)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
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
