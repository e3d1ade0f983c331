"""The action log under /api/v1/audit/ (design.md principle 5): entries for staff, scoped by
``licensing.audit.audit_entries_visible_to``; the daily digests for everyone."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.throttling import ScopedRateThrottle

from api.permissions import HasRole
from api.serializers.audit import ActionLogEntrySerializer, DailyDigestSerializer
from licensing.audit import (
    AuditEntryFilterForm,
    audit_daily_digests,
    audit_entries_visible_to,
    audit_entry_list,
)
from licensing.choices import STAFF_ROLES
from licensing.models import AuditAction

FILTER_PARAMETERS = [
    OpenApiParameter("actor", OpenApiTypes.STR, description='Username of the official, or "system".'),
    OpenApiParameter("action", OpenApiTypes.STR, enum=AuditAction.values, description="The legal act."),
    OpenApiParameter("agency", OpenApiTypes.STR, description="Agency code of the actor."),
    OpenApiParameter("application", OpenApiTypes.STR, description="Application number."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day, inclusive (local time)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, inclusive (local time)."),
]


@extend_schema_view(list=extend_schema(parameters=FILTER_PARAMETERS))
class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Action-log entries, newest first. Supervisors and administrators read all of them; other
    staff read the entries about their own agency's applications; applicants none."""

    permission_classes = [HasRole]
    required_roles = tuple(STAFF_ROLES)
    serializer_class = ActionLogEntrySerializer
    lookup_field = "seq"
    filter_backends: list = []  # the shared AuditEntryFilterForm filters, as on the supervisors' page

    def get_queryset(self):
        entries = audit_entries_visible_to(self.request.user)
        if self.action != "list":
            return entries.select_related("agency", "application")
        form = AuditEntryFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError({form.add_prefix(name): errors for name, errors in form.errors.items()})
        return audit_entry_list(entries=entries, **form.filters())


class AuditDigestViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Per day, the number of entries and the chain head's hash at the day's end, newest first —
    public, so that anyone can keep them and hold the log to them."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"
    serializer_class = DailyDigestSerializer
    filter_backends: list = []

    def get_queryset(self):
        return audit_daily_digests()
