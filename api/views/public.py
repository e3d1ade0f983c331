"""The public API (issue 7 item 8): the same public reads as the transparency pages, without
login, throttled per client (DRF scope ``public``, plus the pages' own lookup and verification
limits so the API is no way around them). Errors use the uniform error body.

Lists are keyset-paginated: ``next`` and ``previous`` carry an opaque ``cursor``; ``count`` is
bounded (``count_is_lower_bound`` when there are more), so every page costs the same at a
million rows."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from api.serializers.public import (
    ApplicationFilterSerializer,
    LicenceFilterSerializer,
    PerformanceReportSerializer,
    PublicApplicationRowSerializer,
    PublicApplicationSerializer,
    PublicLicenceSerializer,
    VerificationSerializer,
)
from licensing import selectors_public as sel
from licensing.models import Application
from licensing.ratelimit import client_hash, rate_check
from licensing.services.transparency import licence_verify


def application_json(application: sel.PublicApplication) -> dict:
    """``PublicApplicationSerializer``'s output built directly: the lookup is the busiest public
    request, and the serializer machinery costs more than the query (test_public_api checks both
    agree)."""
    return {
        "number": application.number,
        "status": application.status,
        "status_label": application.status_label,
        "item_code": application.item_code,
        "item_name": application.item_name,
        "agency_code": application.agency_code,
        "agency_name": application.agency_name,
        "received_at": application.received_at,
        "accepted_on": application.accepted_on,
        "deemed_accepted": application.deemed_accepted,
        "decided_on": application.decided_on,
        "certificate_issued_on": application.certificate_issued_on,
        "overdue": application.overdue,
        "clocks": [
            {
                "kind": c.kind,
                "label": c.label,
                "state": c.state,
                "start_on": c.start_on,
                "days": c.days,
                "due_on": c.due_on,
                "stopped_on": c.stopped_on,
                "provisional": c.provisional,
                "overdue": c.overdue,
                "stopped_late": c.stopped_late,
                "explanation": c.explanation,
            }
            for c in application.clocks.values()
        ],
        "pauses": application.pauses,
        "extension": application.extension,
        "timeline": application.timeline,
        "documents": application.documents,
    }


class PagesRateThrottle(BaseThrottle):
    """Counts the request against the pages' per-client limit of ``view.rate_scope``
    (``XUKE_PUBLIC_RATE_LIMITS``; ``licensing.ratelimit``)."""

    def allow_request(self, request, view):
        scope = getattr(view, "rate_scope", None)
        if not scope:
            return True
        decision = rate_check(request._request, scope)
        self._wait = decision.retry_after
        return decision.allowed

    def wait(self):
        return getattr(self, "_wait", None)


class PublicAPIView(APIView):
    """No authentication (nothing here depends on who asks), JSON only, throttled."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    throttle_classes = [ScopedRateThrottle, PagesRateThrottle]
    throttle_scope = "public"
    rate_scope: str | None = None


def _page_links(request, page: sel.KeysetPage) -> tuple[str | None, str | None]:
    def link(cursor_name: str, cursor: str) -> str:
        query = request.query_params.copy()
        query.pop("cursor", None)
        query.pop("before", None)
        query[cursor_name] = cursor
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    nxt = link("cursor", page.next_cursor) if page.next_cursor else None
    prev = link("before", page.prev_cursor) if page.prev_cursor else None
    return nxt, prev


def _validated(serializer_class, request):
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


_BEFORE = OpenApiParameter("before", str, description="Opaque cursor of the previous page (from `previous`).")


@extend_schema(tags=["public"])
class PublicApplicationListView(PublicAPIView):
    """Every received application, newest first (Art. 5, 40): number, item, agency, legal state,
    receipt, decision due date and whether it is overdue. No applicant data."""

    @extend_schema(
        parameters=[ApplicationFilterSerializer, _BEFORE],
        responses=PublicApplicationRowSerializer(many=True),
    )
    def get(self, request):
        params = _validated(ApplicationFilterSerializer, request)
        today = sel.public_today()
        filters = sel.ApplicationFilters(
            agency=params.get("agency", ""),
            item=params.get("item", ""),
            status=params.get("status", ""),
            year=params.get("year"),
            overdue=params.get("overdue", False),
        )
        page = sel.application_list_public(
            filters=filters,
            today=today,
            after=params.get("cursor"),
            before=request.query_params.get("before"),
            size=params["page_size"],
        )
        count, more = sel.application_count_bounded(filters=filters, today=today)
        nxt, prev = _page_links(request, page)
        return Response(
            {
                "count": count,
                "count_is_lower_bound": more,
                "next": nxt,
                "previous": prev,
                "results": PublicApplicationRowSerializer(page.rows, many=True).data,
            }
        )


@extend_schema(tags=["public"])
class PublicApplicationDetailView(PublicAPIView):
    """One application's public record by its number: item, agency, legal state, time limits with
    their explanation, Art. 45 pauses, the Art. 42 extension and its reason, the timeline (role
    and staff number) and the documents' titles."""

    rate_scope = "lookup"

    @extend_schema(responses=PublicApplicationSerializer)
    def get(self, request, number: str):
        try:
            application = sel.application_get_public(number=number.strip().upper(), today=sel.public_today())
        except Application.DoesNotExist:
            raise exceptions.NotFound(_("There is no application with the number %(number)s.") % {"number": number})
        return Response(application_json(application))


@extend_schema(tags=["public"])
class PublicRegisterView(PublicAPIView):
    """The register of licences granted (双公示, Art. 40), newest first; a person's name masked."""

    @extend_schema(parameters=[LicenceFilterSerializer, _BEFORE], responses=PublicLicenceSerializer(many=True))
    def get(self, request):
        params = _validated(LicenceFilterSerializer, request)
        today = sel.public_today()
        filters = sel.LicenceFilters(
            query=params.get("q", "").strip(),
            agency=params.get("agency", ""),
            item=params.get("item", ""),
            status=params.get("status", ""),
            year=params.get("year"),
        )
        page = sel.licence_list_public(
            filters=filters,
            today=today,
            after=params.get("cursor"),
            before=request.query_params.get("before"),
            size=params["page_size"],
        )
        count, more = sel.licence_count_bounded(filters=filters, today=today)
        nxt, prev = _page_links(request, page)
        return Response(
            {
                "count": count,
                "count_is_lower_bound": more,
                "next": nxt,
                "previous": prev,
                "results": PublicLicenceSerializer(page.rows, many=True).data,
            }
        )


@extend_schema(tags=["public"])
class PublicVerifyView(PublicAPIView):
    """Verify a licence by the code of its QR code; every verification is logged (without the
    code or the address). An unknown or forged code answers 404."""

    rate_scope = "verify"

    @extend_schema(responses=VerificationSerializer)
    def get(self, request, token: str):
        licence = licence_verify(
            token=token, today=sel.public_today(), client_hash=client_hash(request._request), channel="api"
        )
        if licence is None:
            raise exceptions.NotFound(
                _("This code does not match any licence issued through this system. The certificate may be forged.")
            )
        return Response(VerificationSerializer(licence).data)


@extend_schema(tags=["public"])
class PublicStatisticsView(PublicAPIView):
    """Each agency's and item's published figures for a year (definitions on /performance/);
    shares, medians and distributions are null for fewer than 20 cases."""

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="Year of receipt / decision; default this year.")],
        responses=PerformanceReportSerializer,
    )
    def get(self, request):
        today = sel.public_today()
        raw = request.query_params.get("year", "")
        try:
            year = int(raw) if raw else today.year
        except ValueError:
            raise exceptions.ValidationError({"year": [_("Enter a year such as 2025.")]})
        if not 2000 <= year <= today.year + 1:
            raise exceptions.ValidationError({"year": [_("Enter a year between 2000 and next year.")]})
        report = sel.performance_report(year=year, today=today)
        return Response(PerformanceReportSerializer(report).data)
