"""Reads. Each selector issues a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from licensing.models import Agency, LicenceItem, MaterialRequirement, Topic


def item_list_published(
    *, query: str = "", topic: str = "", agency: str = ""
) -> QuerySet[LicenceItem]:
    """Published items for the public catalogue, filtered by a full-text query, a topic slug
    and an agency code. Unpublished items never appear (Art. 5: unpublished rules cannot apply)."""
    items = LicenceItem.objects.published().select_related("agency")
    if query:
        words = query.split()
        for word in words[:8]:
            items = items.filter(
                Q(name__icontains=word)
                | Q(name_en__icontains=word)
                | Q(code__icontains=word)
                | Q(summary__icontains=word)
                | Q(conditions__icontains=word)
                | Q(legal_basis__icontains=word)
                | Q(agency__name__icontains=word)
                | Q(agency__name_en__icontains=word)
            )
    if topic:
        items = items.filter(topics__slug=topic)
    if agency:
        items = items.filter(agency__code=agency)
    return items.order_by("agency__code", "code").distinct()


def item_get_published(*, code: str) -> LicenceItem:
    """One published item with everything its service guide shows, in four queries."""
    return (
        LicenceItem.objects.published()
        .select_related("agency", "agency__parent", "lower_agency")
        .prefetch_related(
            Prefetch("requirements", queryset=MaterialRequirement.objects.order_by("order", "pk")),
            "fees",
            "topics",
        )
        .get(code=code)
    )


def topic_list_with_counts() -> QuerySet[Topic]:
    return Topic.objects.annotate(
        published_items=Count("items", filter=Q(items__published=True))
    ).filter(published_items__gt=0)


def agency_list_with_counts() -> QuerySet[Agency]:
    return (
        Agency.objects.annotate(published_items=Count("items", filter=Q(items__published=True)))
        .filter(published_items__gt=0)
        .order_by("code")
    )
