"""E-supervision (电子监察) under /api/v1/supervision/ — the same reads and acts, and the same
rules, as the pages under /supervision/ (``licensing.views.supervision``): supervisors read
everything in their remit and act only on supervision cases; administrators read everything; an
agency's officers read and answer their own agency's cases; anyone else gets 403."""

from __future__ import annotations

from django.db.models import Count, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers.supervision import (
    CloseInputSerializer,
    ComplianceSerializer,
    DashboardSerializer,
    NoteInputSerializer,
    OverdueSerializer,
    RectificationSerializer,
    RespondInputSerializer,
    SupervisionCaseSerializer,
    WarningSerializer,
)
from licensing.choices import ClockKind
from licensing.models import SupervisionCase, SupervisionCaseStatus, WarningLevel
from licensing.selectors_supervision import (
    DASHBOARD_CLOCKS,
    RECTIFICATION_STATUSES,
    Scope,
    compliance_report,
    dashboard_level_counts,
    is_case_staff,
    overdue_clocks,
    rectifications_filtered,
    rectifications_visible_to,
    supervision_cases_visible_to,
    supervision_remit,
    today_local,
    warnings_visible_to,
)
from licensing.services.portal import rectification_complete, rectification_contact
from licensing.services.supervision import supervision_case_close, supervision_case_respond
from licensing.supervision_forms import ComplianceForm, ScopeForm

SCOPE_PARAMETERS = [
    OpenApiParameter("agency", OpenApiTypes.STR, description="Agency code (within your remit)."),
    OpenApiParameter("item", OpenApiTypes.STR, description="Licence item code."),
    OpenApiParameter("officer", OpenApiTypes.STR, description="Examiner's username or staff number."),
]


class HasSupervisoryRemit(BasePermission):
    """Supervisors and administrators (``licensing.selectors_supervision.supervision_remit``)."""

    message = "Only supervisors and administrators may read e-supervision data."

    def has_permission(self, request, view):
        return supervision_remit(request.user) is not None


class CanReadRemitOrOwnAgency(BasePermission):
    """Supervisors and administrators (their remit), and the officers of an agency (their own
    agency's records): supervision cases and rectifications."""

    message = "Only supervisors, administrators and an agency's officers may read these records."

    def has_permission(self, request, view):
        user = request.user
        return supervision_remit(user) is not None or bool(user.agency_id and is_case_staff(user, user.agency_id))


def _form_errors(form) -> ValidationError:
    errors = {("from" if name == "from_" else name): messages for name, messages in form.errors.items()}
    if "__all__" in errors:
        errors["non_field_errors"] = errors.pop("__all__")
    return ValidationError(errors)


def _scope(request, remit) -> Scope:
    form = ScopeForm(request.query_params, remit=remit)
    if not form.is_valid():
        raise _form_errors(form)
    return form.scope()


class DashboardView(APIView):
    """Yellow and red counts per clock on today's working date, and the open supervision cases."""

    permission_classes = [IsAuthenticated, HasSupervisoryRemit]

    @extend_schema(parameters=SCOPE_PARAMETERS, responses=DashboardSerializer)
    def get(self, request):
        remit = supervision_remit(request.user)
        scope = _scope(request, remit)
        today = today_local()
        counts = dashboard_level_counts(remit=remit, scope=scope, today=today)
        clocks = [{"kind": k, "label": str(ClockKind(k).label), **counts[str(k)]} for k in DASHBOARD_CLOCKS]
        cases = scope.apply(remit.filter(SupervisionCase.objects.all())).aggregate(
            open=Count("pk", filter=~Q(status=SupervisionCaseStatus.CLOSED)),
            late=Count("pk", filter=Q(status=SupervisionCaseStatus.OPEN, response_due_on__lt=today)),
        )
        data = {
            "today": today,
            "clocks": clocks,
            "total_yellow": sum(c["yellow"] for c in clocks),
            "total_red": sum(c["red"] for c in clocks),
            "cases_open": cases["open"],
            "cases_late": cases["late"],
        }
        return Response(DashboardSerializer(data).data)


class OverdueView(APIView):
    """Running clocks past their limit, longest overdue first (at most 200), with working days late."""

    permission_classes = [IsAuthenticated, HasSupervisoryRemit]

    @extend_schema(parameters=SCOPE_PARAMETERS, responses=OverdueSerializer(many=True))
    def get(self, request):
        remit = supervision_remit(request.user)
        rows = overdue_clocks(remit=remit, scope=_scope(request, remit), today=today_local(), limit=200)
        return Response(OverdueSerializer(rows, many=True).data)


@extend_schema(
    parameters=[OpenApiParameter("level", OpenApiTypes.STR, enum=WarningLevel.values, description="yellow or red")]
)
class WarningViewSet(viewsets.ReadOnlyModelViewSet):
    """Warning cards raised by the sweep in your remit, newest first."""

    permission_classes = [IsAuthenticated, HasSupervisoryRemit]
    serializer_class = WarningSerializer
    filter_backends: list = []

    def get_queryset(self):
        warnings = warnings_visible_to(self.request.user).select_related("case").order_by("-raised_on", "-pk")
        level = self.request.query_params.get("level")
        if level:
            if level not in WarningLevel.values:
                raise ValidationError({"level": ["yellow or red"]})
            warnings = warnings.filter(level=level)
        return warnings


@extend_schema(
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=SupervisionCaseStatus.values, description="Case status.")
    ]
)
class SupervisionCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Supervision cases (督办): supervisors see their remit's, an agency's officers their own
    agency's. ``respond`` is the agency's act, ``close`` the supervisor's."""

    permission_classes = [IsAuthenticated, CanReadRemitOrOwnAgency]
    serializer_class = SupervisionCaseSerializer
    filter_backends: list = []

    def get_queryset(self):
        cases = supervision_cases_visible_to(self.request.user).order_by("status", "response_due_on", "pk")
        status = self.request.query_params.get("status")
        if status and self.action == "list":
            if status not in SupervisionCaseStatus.values:
                raise ValidationError({"status": [", ".join(SupervisionCaseStatus.values)]})
            cases = cases.filter(status=status)
        return cases

    @extend_schema(request=RespondInputSerializer, responses=SupervisionCaseSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        case = self.get_object()
        data = RespondInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = supervision_case_respond(case=case, actor=request.user, response=data.validated_data["response"])
        return Response(SupervisionCaseSerializer(case).data)

    @extend_schema(request=CloseInputSerializer, responses=SupervisionCaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case = self.get_object()
        data = CloseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = supervision_case_close(case=case, actor=request.user, conclusion=data.validated_data["conclusion"])
        return Response(SupervisionCaseSerializer(case).data)


class RectificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rectifications after bad ratings (好差评, law.md §4): supervisors read their remit's, an
    agency's officers their own agency's. ``contact`` and ``complete`` are the agency's acts
    (clerk, examiner or head of the agency); a supervisor who tries gets 403. Filters:
    ``?status=open|late|done`` and ``?agency=<code>``."""

    permission_classes = [IsAuthenticated, CanReadRemitOrOwnAgency]
    serializer_class = RectificationSerializer
    filter_backends: list = []

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": today_local()}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(RECTIFICATION_STATUSES)),
            OpenApiParameter("agency", OpenApiTypes.STR, description="Agency code."),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        rows = rectifications_visible_to(self.request.user)
        status = agency = ""
        if self.action == "list":
            status = self.request.query_params.get("status", "")
            if status and status not in RECTIFICATION_STATUSES:
                raise ValidationError({"status": [", ".join(RECTIFICATION_STATUSES)]})
            agency = self.request.query_params.get("agency", "").strip()
        return rectifications_filtered(rows, today=today_local(), status=status, agency=agency)

    def _act(self, request, service):
        rectification = self.get_object()
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rectification = service(rectification=rectification, actor=request.user, note=data.validated_data["note"])
        return Response(self.get_serializer(self.get_queryset().get(pk=rectification.pk)).data)

    @extend_schema(request=NoteInputSerializer, responses=RectificationSerializer)
    @action(detail=True, methods=["post"])
    def contact(self, request, pk=None):
        """Record that the agency contacted the applicant (within the contact due date)."""
        return self._act(request, rectification_contact)

    @extend_schema(request=NoteInputSerializer, responses=RectificationSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Record what the agency rectified (after the contact): the rectification is complete."""
        return self._act(request, rectification_complete)


class ComplianceView(APIView):
    """Compliance records per agency and per officer for a period (default: the last 30 days)."""

    permission_classes = [IsAuthenticated, HasSupervisoryRemit]

    @extend_schema(
        parameters=[
            OpenApiParameter("agency", OpenApiTypes.STR, description="Agency code (within your remit)."),
            OpenApiParameter("officer", OpenApiTypes.STR, description="Examiner's username or staff number."),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day, included."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included."),
        ],
        responses=ComplianceSerializer,
    )
    def get(self, request):
        remit = supervision_remit(request.user)
        if remit is None:  # pragma: no cover - the permission class refuses first
            raise PermissionDenied()
        today = today_local()
        form = ComplianceForm(request.query_params, remit=remit, today=today)
        if not form.is_valid():
            raise _form_errors(form)
        data = form.cleaned_data
        report = compliance_report(
            remit=remit,
            start=data["start"],
            end=data["end"],
            today=today,
            agency=data.get("agency"),
            officer=data.get("officer"),
        )
        return Response(ComplianceSerializer(report).data)
