"""Officers' work under /api/v1/: the task list (inbox and queue), taking and returning tasks, the
application as its agency's staff see it, and one endpoint per legal act (style.md 10).

viewflow does not check permissions when called from code (viewflow.md trap 2): every endpoint
checks the officer's role and agency itself (``workflows.services`` and the licensing
services), validates its input with its own serializer, and performs the act and completes the
task inside the process's flow lock. Errors have the uniform body ``{"error": {code, message,
fields}}``: a refusal by the law is 400 (with ``fields``), the wrong role or agency 403, a case
that moved on or is being changed by someone else 409."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from viewflow.workflow.models import Task

from api.permissions import HasRole
from api.serializers.tasks import (
    ACT_INPUTS,
    ActEmptyInputSerializer,
    OfficerTaskSerializer,
    StaffApplicationSerializer,
    TaskApiErrorSerializer,
)
from licensing.models import Application
from workflows import scoping, selectors
from workflows.acts import ACTS
from workflows.services import act_perform, task_assign, task_unassign

ERRORS = {
    400: OpenApiResponse(TaskApiErrorSerializer, description="The act is refused (see message and fields)."),
    403: OpenApiResponse(TaskApiErrorSerializer, description="Wrong role or another agency's application."),
    404: OpenApiResponse(TaskApiErrorSerializer, description="No such application or task."),
    409: OpenApiResponse(
        TaskApiErrorSerializer, description="The case has moved on, or another officer is acting on it."
    ),
}
SCOPE = OpenApiParameter(
    "scope",
    OpenApiTypes.STR,
    enum=["inbox", "queue"],
    description="inbox: tasks you hold; queue: unassigned tasks your role may take. Both limited to your agency.",
)


@extend_schema_view(
    list=extend_schema(parameters=[SCOPE], summary="Your tasks, earliest statutory deadline first"),
    retrieve=extend_schema(summary="One task of your agency"),
)
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tasks of the officer's agency that the officer's role may do, sorted by the due date of
    their clock, with the yellow / red level."""

    permission_classes = [HasRole]
    required_roles = scoping.OFFICER_ROLES
    serializer_class = OfficerTaskSerializer
    filter_backends: list = []
    queryset = Task.objects.none()

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            scope = self.request.query_params.get("scope", "inbox")
            if scope not in ("inbox", "queue"):
                raise ValidationError({"scope": [_("Choose inbox or queue.")]})
            return selectors.task_inbox(user) if scope == "inbox" else selectors.task_queue(user)
        return selectors.tasks_with_deadlines(selectors.task_list_visible(user))

    @extend_schema(
        request=ActEmptyInputSerializer, responses={200: OfficerTaskSerializer, **ERRORS}, summary="Take a task"
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        task = self.get_object()
        task_assign(task=task, actor=request.user)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        request=ActEmptyInputSerializer,
        responses={200: OfficerTaskSerializer, **ERRORS},
        summary="Put a task back in the queue",
    )
    @action(detail=True, methods=["post"])
    def unassign(self, request, pk=None):
        task = self.get_object()
        task_unassign(task=task, actor=request.user)
        return Response(self.get_serializer(self.get_object()).data)


def _dossier(application: Application) -> dict:
    dossier = selectors.application_dossier(application.pk)
    dossier["open_tasks"] = list(selectors.open_tasks_of(application))
    return dossier


def _act_endpoint(act_name: str):
    act = ACTS[act_name]
    input_serializer = ACT_INPUTS[act_name]

    def endpoint(self, request, number=None):
        # Permission first (agency, then role), then the input, then the act (style.md 9).
        application = self.get_object()
        if not any(request.user.has_role(role) for role in act.roles):
            raise PermissionDenied(_("Your role does not allow this act."))
        serializer = input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        act_perform(act=act, application=application, actor=request.user, data=dict(serializer.validated_data))
        return Response(StaffApplicationSerializer(_dossier(application)).data, status=status.HTTP_200_OK)

    endpoint.__name__ = "act_" + act_name.replace("-", "_")
    endpoint.__doc__ = f"{act.label} ({act.legal_basis})." if act.legal_basis else f"{act.label}."
    endpoint = extend_schema(
        operation_id=f"applications_{act_name.replace('-', '_')}",
        summary=str(act.label),
        description=(
            f"{act.label}{f' ({act.legal_basis})' if act.legal_basis else ''}. "
            f"Performed on the open step {', '.join(act.nodes)} of the application's procedure by "
            f"{', '.join(act.roles)} of the handling agency"
            f"{'; it completes that step' if act.completes else '; the step stays open'}."
        ),
        request=input_serializer,
        responses={200: StaffApplicationSerializer, **ERRORS},
    )(endpoint)
    return action(detail=True, methods=["post"], url_path=act_name, url_name=act_name)(endpoint)


class OfficerApplicationViewSet(viewsets.GenericViewSet):
    """Applications as the handling agency's officers see and act on them."""

    permission_classes = [HasRole]
    required_roles = scoping.OFFICER_ROLES
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    serializer_class = StaffApplicationSerializer
    filter_backends: list = []
    queryset = Application.objects.none()

    def get_object(self) -> Application:
        application = get_object_or_404(
            Application.objects.select_related("agency", "item"), number=self.kwargs["number"]
        )
        user = self.request.user
        if not (scoping.sees_every_agency(user) or user.agency_id == application.agency_id):
            raise PermissionDenied(_("This application is handled by another agency."))
        return application

    @extend_schema(
        responses={200: StaffApplicationSerializer, **ERRORS}, summary="An application, for its agency's staff"
    )
    def retrieve(self, request, number=None):
        return Response(StaffApplicationSerializer(_dossier(self.get_object())).data)

    act_accept = _act_endpoint("accept")
    act_request_supplement = _act_endpoint("request-supplement")
    act_not_accept = _act_endpoint("not-accept")
    act_correct_on_the_spot = _act_endpoint("correct-on-the-spot")
    act_assign_examiner = _act_endpoint("assign-examiner")
    act_decide_on_the_spot = _act_endpoint("decide-on-the-spot")
    act_verify = _act_endpoint("verify")
    act_pause = _act_endpoint("pause")
    act_resume = _act_endpoint("resume")
    act_request_extension = _act_endpoint("request-extension")
    act_approve_extension = _act_endpoint("approve-extension")
    act_decline_extension = _act_endpoint("decline-extension")
    act_draft_decision = _act_endpoint("draft-decision")
    act_return_decision = _act_endpoint("return-decision")
    act_sign_decision = _act_endpoint("sign-decision")
    act_issue_certificate = _act_endpoint("issue-certificate")
