"""The catalogue, readable without login."""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from rest_framework import viewsets
from rest_framework.permissions import AllowAny

from api.serializers.catalogue import (
    AgencySerializer,
    LicenceItemDetailSerializer,
    LicenceItemListSerializer,
)
from licensing.models import Agency, LicenceItem, MaterialRequirement


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    """Agencies (administrative organs)."""

    permission_classes = [AllowAny]
    serializer_class = AgencySerializer
    queryset = Agency.objects.select_related("parent").order_by("code")
    lookup_field = "code"
    search_fields = ["code", "name", "name_en"]
    ordering_fields = ["code", "name"]


class LicenceItemFilter(filters.FilterSet):
    agency = filters.CharFilter(field_name="agency__code")
    topic = filters.CharFilter(field_name="topics__slug", distinct=True)

    class Meta:
        model = LicenceItem
        fields = ["agency", "topic", "category", "handling_mode"]


class LicenceItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Published licence items with their service guides; unpublished ones do not exist here."""

    permission_classes = [AllowAny]
    lookup_field = "code"
    filterset_class = LicenceItemFilter
    search_fields = ["code", "name", "name_en", "summary", "conditions", "legal_basis"]
    ordering_fields = ["code", "name", "statutory_days"]

    def get_queryset(self):
        items = LicenceItem.objects.published().select_related("agency").order_by("code")
        if self.action == "retrieve":
            items = items.select_related("lower_agency").prefetch_related(
                Prefetch("requirements", queryset=MaterialRequirement.objects.order_by("order", "pk")),
                "fees",
                "topics",
            )
        return items

    def get_serializer_class(self):
        return LicenceItemDetailSerializer if self.action == "retrieve" else LicenceItemListSerializer
