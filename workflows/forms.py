"""Task forms: one per act. They check the shape of the input; the licensing services decide
what the law allows and their ``DomainError`` messages are shown on the same form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from licensing.choices import DecisionKind, NonAcceptanceGround, PauseReason, Role
from licensing.models import Application, MaterialRequirement, User


class ActForm(forms.Form):
    """Base: every act form knows its application and acting officer."""

    def __init__(self, *args, application: Application, actor: User, process=None, **kwargs):
        self.application = application
        self.actor = actor
        self.process = process
        super().__init__(*args, **kwargs)


class ConfirmForm(ActForm):
    """An act without input beyond the officer's confirmation."""


class SupplementRequestForm(ActForm):
    """The one-time notice (Art. 32(4)): a line for each item on the item's materials list; the
    lines filled in are the notice's items. A later notice offers only the unmet items."""

    how_to_submit = forms.CharField(
        label=_("How and where to submit"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: upload in the online portal, or hand in at window 3."),
    )

    def __init__(self, *args, requirements=None, **kwargs):
        super().__init__(*args, **kwargs)
        if requirements is None:
            requirements = MaterialRequirement.objects.filter(item_id=self.application.item_id).order_by("order", "pk")
        self.requirements = list(requirements)
        for requirement in self.requirements:
            self.fields[f"req_{requirement.pk}"] = forms.CharField(
                label=requirement.name,
                required=False,
                help_text=_("What is missing or defective (leave empty if this material is fine)."),
            )

    def clean(self):
        cleaned = super().clean()
        items = [
            {"requirement_id": r.pk, "what_is_needed": (cleaned.get(f"req_{r.pk}") or "").strip()}
            for r in self.requirements
            if (cleaned.get(f"req_{r.pk}") or "").strip()
        ]
        if not items:
            raise forms.ValidationError(_("List at least one material that is missing or defective."))
        cleaned["items"] = items
        return cleaned


class NotAcceptForm(ActForm):
    ground = forms.ChoiceField(label=_("Ground"), choices=NonAcceptanceGround.choices)
    reasons = forms.CharField(label=_("Reasons (Art. 72(7))"), widget=forms.Textarea(attrs={"rows": 3}))
    competent_organ = forms.CharField(
        label=_("Competent organ to apply to"),
        required=False,
        help_text=_("Required when the matter is outside this organ's powers (Art. 32(2))."),
    )


class CorrectionForm(ActForm):
    correction = forms.CharField(label=_("Correction made on the spot"), widget=forms.Textarea(attrs={"rows": 2}))


def _examiners(application: Application):
    return (
        User.objects.filter(is_active=True, agency_id=application.agency_id, groups__name=Role.EXAMINER)
        .order_by("username")
        .distinct()
    )


class AssignExaminerForm(ActForm):
    examiner = forms.ModelChoiceField(label=_("Examiner"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["examiner"].queryset = _examiners(self.application)


class DecisionDraftForm(ActForm):
    kind = forms.ChoiceField(
        label=_("Decision"),
        choices=[(DecisionKind.GRANT, DecisionKind.GRANT.label), (DecisionKind.DENIAL, DecisionKind.DENIAL.label)],
    )
    scope = forms.CharField(label=_("Licensed scope (grant)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    conditions = forms.CharField(
        label=_("Conditions attached"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reasons = forms.CharField(
        label=_("Reasons (required for a denial)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    technical_standard = forms.CharField(
        label=_("Technical standard relied on (Art. 55)"), required=False, max_length=300
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class VerificationForm(ActForm):
    officers = forms.ModelMultipleChoiceField(
        label=_("Verifying officers (two or more, Art. 34(3))"), queryset=User.objects.none()
    )
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}))
    is_inspection = forms.BooleanField(label=_("On-site inspection (Art. 55)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officers"].queryset = _examiners(self.application)


class PauseForm(ActForm):
    reason = forms.ChoiceField(label=_("Excluded procedure (Art. 45)"), choices=PauseReason.choices)
    expected_end_on = forms.DateField(label=_("Expected end"), widget=forms.DateInput(attrs={"type": "date"}))
    notice_text = forms.CharField(
        label=_("Written notice to the applicant"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("State the procedure and the time it needs (Art. 45)."),
    )


class ReasonForm(ActForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ApproveExtensionForm(ActForm):
    reason = forms.CharField(
        label=_("Reason told to the applicant (Art. 42)"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.process is not None and not self.is_bound:
            self.initial.setdefault("reason", self.process.extension_reason)


class NoteForm(ActForm):
    note = forms.CharField(label=_("Note to the examiner"), widget=forms.Textarea(attrs={"rows": 3}))


FORMS: dict[str, type[ActForm]] = {
    "accept": ConfirmForm,
    "request-supplement": SupplementRequestForm,
    "not-accept": NotAcceptForm,
    "correct-on-the-spot": CorrectionForm,
    "assign-examiner": AssignExaminerForm,
    "decide-on-the-spot": DecisionDraftForm,
    "verify": VerificationForm,
    "pause": PauseForm,
    "resume": ConfirmForm,
    "request-extension": ReasonForm,
    "draft-decision": DecisionDraftForm,
    "approve-extension": ApproveExtensionForm,
    "decline-extension": NoteForm,
    "sign-decision": ConfirmForm,
    "return-decision": NoteForm,
    "issue-certificate": ConfirmForm,
}
