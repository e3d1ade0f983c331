"""Officers' task list and legal acts (style.md 4, 10): one input serializer per act, read
serializers for tasks and for the application as the handling agency's staff see it."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from licensing.choices import DecisionKind, NonAcceptanceGround, PauseReason
from licensing.models import User
from workflows import selectors

# -- errors (for the schema) ----------------------------------------------------------------------


class TaskApiErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. invalid, permission_denied, conflict.")
    message = serializers.CharField(help_text="What went wrong, for people.")
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class TaskApiErrorSerializer(serializers.Serializer):
    error = TaskApiErrorBodySerializer()


# -- tasks ----------------------------------------------------------------------------------------


class OfficerTaskApplicationSerializer(serializers.Serializer):
    number = serializers.CharField()
    item = serializers.CharField(source="item.name")
    status = serializers.CharField()


class OfficerTaskSerializer(serializers.Serializer):
    """One step of one application's procedure, with its statutory deadline."""

    id = serializers.IntegerField(source="pk")
    process = serializers.IntegerField(source="process_id")
    step = serializers.SerializerMethodField(help_text="The flow node, e.g. triage, examine, sign.")
    title = serializers.SerializerMethodField()
    status = serializers.CharField(help_text="NEW (in the queue) or ASSIGNED (in someone's inbox), DONE, CANCELED.")
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)
    application = serializers.SerializerMethodField()
    clock = serializers.SerializerMethodField(help_text="The clock this step must finish within.")
    due_on = serializers.DateField(read_only=True, allow_null=True)
    level = serializers.SerializerMethodField(help_text="none, yellow (due soon) or red (overdue).")
    created = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text="The task in the officer workbench.")

    @extend_schema_field(OpenApiTypes.STR)
    def get_step(self, task) -> str:
        return task.flow_task.name

    @extend_schema_field(OpenApiTypes.STR)
    def get_title(self, task) -> str:
        return str(task.flow_task.task_title)

    @extend_schema_field(OfficerTaskApplicationSerializer(allow_null=True))
    def get_application(self, task):
        application = selectors.task_application(task)
        return OfficerTaskApplicationSerializer(application).data if application else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_clock(self, task) -> str:
        return getattr(task, "clock_kind", "") or ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_level(self, task) -> str:
        return selectors.task_level(task)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, task) -> str:
        return task.flow_task.reverse("index", args=[task.process_id, task.pk])


# -- the application as its agency's staff see it -------------------------------------------------


class StaffClockSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="C1, C2, C2P, C6 or C8 (law.md §2a).")
    label = serializers.CharField()
    due = serializers.DateField(source="state.due", allow_null=True)
    status = serializers.CharField(help_text="running, paused, stopped or overdue.")
    level = serializers.CharField(help_text="none, yellow or red.")
    left = serializers.IntegerField(source="state.left", help_text="Working days left (negative when overdue).")
    explanation = serializers.ListField(
        source="state.explanation", child=serializers.CharField(), help_text="How the due date was counted."
    )


class StaffMaterialSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    requirement = serializers.CharField(source="requirement.name")
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    superseded = serializers.BooleanField()
    download_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, material) -> str:
        return reverse("workbench_material", args=[material.pk])


class StaffChecklistEntrySerializer(serializers.Serializer):
    requirement = serializers.CharField(source="requirement.name")
    kind = serializers.CharField(source="requirement.kind")
    submitted = serializers.BooleanField()


class StaffDocumentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    version = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, document) -> str:
        return reverse("workbench_document", args=[document.pk])


class StaffTimelineEntrySerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_label")
    role = serializers.CharField()
    action = serializers.CharField()
    legal_basis = serializers.CharField()
    reason = serializers.CharField()


class StaffOpenTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    step = serializers.SerializerMethodField()
    status = serializers.CharField()
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)

    @extend_schema_field(OpenApiTypes.STR)
    def get_step(self, task) -> str:
        return task.flow_task.name


class StaffApplicationSerializer(serializers.Serializer):
    """An application as the handling agency's staff see it: legal status, clocks with their
    explanation, materials (metadata and download links), documents, timeline, open steps."""

    number = serializers.CharField(source="application.number")
    item = serializers.CharField(source="application.item.code")
    item_name = serializers.CharField(source="application.item.name")
    agency = serializers.CharField(source="application.agency.code")
    status = serializers.CharField(source="application.status")
    status_display = serializers.CharField(source="application.get_status_display")
    holder_name = serializers.CharField(source="application.holder_name")
    received_at = serializers.DateTimeField(source="application.received_at", allow_null=True)
    accepted_on = serializers.DateField(source="application.accepted_on", allow_null=True)
    deemed_accepted = serializers.BooleanField(source="application.deemed_accepted")
    examiner = serializers.CharField(source="application.examiner.username", allow_null=True, default=None)
    form_data = serializers.JSONField(source="application.form_data")
    clocks = StaffClockSerializer(many=True)
    checklist = StaffChecklistEntrySerializer(many=True)
    materials = StaffMaterialSerializer(many=True)
    documents = StaffDocumentSerializer(many=True)
    timeline = StaffTimelineEntrySerializer(many=True)
    open_tasks = StaffOpenTaskSerializer(many=True)


# -- inputs, one per act ---------------------------------------------------------------------------


def _choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field whose enum is inlined in the schema (no shared enum component whose name
    could collide with another serializer's field of the same name)."""
    values = [choice[0] if isinstance(choice, tuple) else str(choice) for choice in choices]
    field_class = extend_schema_field({"type": "string", "enum": values})(
        type("InlineChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


class ActEmptyInputSerializer(serializers.Serializer):
    """No input: the act needs only the officer's decision to perform it."""


class ActSupplementItemInputSerializer(serializers.Serializer):
    requirement_id = serializers.IntegerField(help_text="An entry of the item's materials list (Art. 31).")
    what_is_needed = serializers.CharField(help_text="What is missing or defective.")


class ActRequestSupplementInputSerializer(serializers.Serializer):
    items = ActSupplementItemInputSerializer(many=True, help_text="Every missing or defective item, at once.")
    how_to_submit = serializers.CharField()


class ActNotAcceptInputSerializer(serializers.Serializer):
    ground = _choice(NonAcceptanceGround.choices)
    reasons = serializers.CharField()
    competent_organ = serializers.CharField(required=False, allow_blank=True, default="")


class ActCorrectionInputSerializer(serializers.Serializer):
    correction = serializers.CharField()


class _Officer(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="username", queryset=User.objects.filter(is_active=True), **kwargs)


class ActAssignExaminerInputSerializer(serializers.Serializer):
    examiner = _Officer(help_text="Username of an active examiner of the agency.")


class ActVerifyInputSerializer(serializers.Serializer):
    officers = serializers.ListField(child=_Officer(), help_text="Two or more verifying officers (Art. 34(3)).")
    findings = serializers.CharField()
    is_inspection = serializers.BooleanField(required=False, default=False)


class ActPauseInputSerializer(serializers.Serializer):
    reason = _choice(PauseReason.choices, help_text="One of the Art. 45 procedures.")
    expected_end_on = serializers.DateField()
    notice_text = serializers.CharField(help_text="The written notice to the applicant (Art. 45).")


class ActReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ActApproveExtensionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Defaults to the examiner's reason."
    )


class ActNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField()


class ActDecisionDraftInputSerializer(serializers.Serializer):
    kind = _choice([DecisionKind.GRANT, DecisionKind.DENIAL])
    scope = serializers.CharField(required=False, allow_blank=True, default="")
    conditions = serializers.CharField(required=False, allow_blank=True, default="")
    reasons = serializers.CharField(required=False, allow_blank=True, default="")
    technical_standard = serializers.CharField(required=False, allow_blank=True, default="")
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)


ACT_INPUTS: dict[str, type[serializers.Serializer]] = {
    "accept": ActEmptyInputSerializer,
    "request-supplement": ActRequestSupplementInputSerializer,
    "not-accept": ActNotAcceptInputSerializer,
    "correct-on-the-spot": ActCorrectionInputSerializer,
    "assign-examiner": ActAssignExaminerInputSerializer,
    "decide-on-the-spot": ActDecisionDraftInputSerializer,
    "verify": ActVerifyInputSerializer,
    "pause": ActPauseInputSerializer,
    "resume": ActEmptyInputSerializer,
    "request-extension": ActReasonInputSerializer,
    "approve-extension": ActApproveExtensionInputSerializer,
    "decline-extension": ActNoteInputSerializer,
    "draft-decision": ActDecisionDraftInputSerializer,
    "return-decision": ActNoteInputSerializer,
    "sign-decision": ActEmptyInputSerializer,
    "issue-certificate": ActEmptyInputSerializer,
}
