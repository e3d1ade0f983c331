"""The officers' legal acts as the workflow sees them: which task each belongs to, whether it
completes that task, and the one ``licensing`` service it calls.

Task views (``workflows.views``) and the API (``api.views.tasks``) both go through this table,
so the web and the API can never disagree on which act finishes which step. The services
check role, agency and legal state themselves and raise ``licensing.errors.DomainError``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from licensing.choices import Role
from licensing.services.applications import (
    DecisionDraft,
    SupplementItem,
    application_accept,
    application_assign_examiner,
    application_correct_on_spot,
    application_not_accept,
    application_request_supplement,
    certificate_issue,
    clock_pause,
    clock_resume,
    decision_draft,
    decision_on_the_spot,
    decision_return,
    decision_sign,
    extension_approve,
    extension_request,
    verification_record,
)


@dataclass(frozen=True)
class Act:
    """One legal act an officer performs on a task.

    ``name`` is the API path segment (``/applications/{number}/<name>/``), ``nodes`` the flow
    tasks it can be performed on, ``completes`` whether it finishes that task (otherwise it is a
    step inside it, such as a verification during examination), ``perform`` the call to the
    one licensing service (``application``, ``actor``, validated ``data``, ``process``)."""

    name: str
    label: Any
    nodes: tuple[str, ...]
    completes: bool
    perform: Callable[..., Any]
    roles: tuple[str, ...]
    legal_basis: str = ""
    danger: bool = False


def _draft(data: dict) -> DecisionDraft:
    return DecisionDraft(
        kind=data["kind"],
        reasons=data.get("reasons") or "",
        scope=data.get("scope") or "",
        conditions=data.get("conditions") or "",
        technical_standard=data.get("technical_standard") or "",
        valid_from=data.get("valid_from"),
        valid_until=data.get("valid_until"),
    )


def _accept(*, application, actor, data, process):
    return application_accept(application=application, actor=actor)


def _request_supplement(*, application, actor, data, process):
    items = [
        SupplementItem(requirement_id=int(item["requirement_id"]), what_is_needed=item["what_is_needed"])
        for item in data.get("items") or []
    ]
    return application_request_supplement(
        application=application, actor=actor, items=items, how_to_submit=data.get("how_to_submit") or ""
    )


def _not_accept(*, application, actor, data, process):
    return application_not_accept(
        application=application,
        actor=actor,
        ground=data.get("ground") or "",
        reasons=data.get("reasons") or "",
        competent_organ=data.get("competent_organ") or "",
    )


def _correct_on_the_spot(*, application, actor, data, process):
    return application_correct_on_spot(application=application, actor=actor, correction=data.get("correction") or "")


def _assign_examiner(*, application, actor, data, process):
    return application_assign_examiner(application=application, actor=actor, examiner=data["examiner"])


def _verify(*, application, actor, data, process):
    return verification_record(
        application=application,
        actor=actor,
        officers=list(data.get("officers") or []),
        findings=data.get("findings") or "",
        is_inspection=bool(data.get("is_inspection")),
    )


def _pause(*, application, actor, data, process):
    return clock_pause(
        application=application,
        actor=actor,
        reason=data.get("reason") or "",
        expected_end_on=data["expected_end_on"],
        notice_text=data.get("notice_text") or "",
    )


def _resume(*, application, actor, data, process):
    return clock_resume(application=application, actor=actor)


def _request_extension(*, application, actor, data, process):
    """The request is recorded by the service; the process remembers who asked and why, so
    the router sends the case to the head (routing fact, not a legal one)."""
    reason = data.get("reason") or ""
    result = extension_request(application=application, actor=actor, reason=reason)
    process.extension_requested_by = actor
    process.extension_reason = reason.strip()
    process.save(update_fields=["extension_requested_by", "extension_reason"])
    return result


def _approve_extension(*, application, actor, data, process):
    reason = (data.get("reason") or "").strip() or process.extension_reason
    result = extension_approve(
        application=application,
        actor=actor,
        reason=reason,
        requested_by=process.extension_requested_by or actor,
    )
    _clear_extension_request(process)
    return result


def _decline_extension(*, application, actor, data, process):
    """Not a legal act: the head sends the case back without extending (no document, no
    change of any limit). The note stays on the workflow task."""
    _clear_extension_request(process)
    return None


def _clear_extension_request(process) -> None:
    process.extension_requested_by = None
    process.extension_reason = ""
    process.save(update_fields=["extension_requested_by", "extension_reason"])


def _draft_decision(*, application, actor, data, process):
    return decision_draft(application=application, actor=actor, draft=_draft(data))


def _return_decision(*, application, actor, data, process):
    return decision_return(application=application, actor=actor, note=data.get("note") or "")


def _sign_decision(*, application, actor, data, process):
    return decision_sign(application=application, actor=actor)


def _decide_on_the_spot(*, application, actor, data, process):
    return decision_on_the_spot(application=application, actor=actor, draft=_draft(data))


def _issue_certificate(*, application, actor, data, process):
    return certificate_issue(application=application, actor=actor)


ACTS: dict[str, Act] = {
    act.name: act
    for act in (
        Act(
            "accept",
            _("Accept the application"),
            ("triage", "review_supplement"),
            True,
            _accept,
            (Role.CLERK,),
            "Art. 32(5)",
        ),
        Act(
            "request-supplement",
            _("Send the one-time supplement notice"),
            ("triage", "review_supplement"),
            True,
            _request_supplement,
            (Role.CLERK,),
            "Art. 32(4)",
        ),
        Act(
            "not-accept",
            _("Do not accept"),
            ("triage",),
            True,
            _not_accept,
            (Role.CLERK,),
            "Art. 32(1)–(2)",
            danger=True,
        ),
        Act(
            "correct-on-the-spot",
            _("Record a correction made on the spot"),
            ("triage",),
            False,
            _correct_on_the_spot,
            (Role.CLERK,),
            "Art. 32(3)",
        ),
        Act(
            "assign-examiner",
            _("Assign an examiner"),
            ("assign_examiner", "decide_on_the_spot"),
            True,
            _assign_examiner,
            (Role.HEAD, Role.CLERK),
            "Art. 34",
        ),
        Act(
            "decide-on-the-spot",
            _("Decide on the spot"),
            ("decide_on_the_spot",),
            True,
            _decide_on_the_spot,
            (Role.HEAD,),
            "Art. 34(2)",
        ),
        Act("verify", _("Record a verification"), ("examine",), False, _verify, (Role.EXAMINER,), "Art. 34(3)"),
        Act("pause", _("Start an excluded procedure"), ("examine",), False, _pause, (Role.EXAMINER,), "Art. 45"),
        Act("resume", _("End the excluded procedure"), ("examine",), False, _resume, (Role.EXAMINER,), "Art. 45"),
        Act(
            "request-extension",
            _("Ask the head for the extension"),
            ("examine",),
            True,
            _request_extension,
            (Role.EXAMINER,),
            "Art. 42",
        ),
        Act(
            "draft-decision",
            _("Draft the decision for signature"),
            ("examine",),
            True,
            _draft_decision,
            (Role.EXAMINER,),
            "Art. 38",
        ),
        Act(
            "approve-extension",
            _("Approve the extension"),
            ("approve_extension",),
            True,
            _approve_extension,
            (Role.HEAD,),
            "Art. 42",
        ),
        Act(
            "decline-extension",
            _("Decline the extension"),
            ("approve_extension",),
            True,
            _decline_extension,
            (Role.HEAD,),
            danger=True,
        ),
        Act("sign-decision", _("Sign the decision"), ("sign",), True, _sign_decision, (Role.HEAD,), "Arts. 37–38"),
        Act(
            "return-decision",
            _("Return the draft to the examiner"),
            ("sign",),
            True,
            _return_decision,
            (Role.HEAD,),
            "Art. 38",
            danger=True,
        ),
        Act(
            "issue-certificate",
            _("Issue the certificate"),
            ("issue_certificate",),
            True,
            _issue_certificate,
            (Role.CLERK,),
            "Arts. 39, 44",
        ),
    )
}


def acts_for_node(node_name: str) -> list[Act]:
    return [act for act in ACTS.values() if node_name in act.nodes]
