"""The licensing procedure's writes (law.md §2b, transitions #1–#9, #11, #12, #14, #20–#25).

Every service: locks the application row, checks the allowed source states and the actor's
role and agency, records the fact, derives the clocks, writes the action-log entry and issues
the document the law requires — all in one transaction, so either all of it happens or none.
Services are the only code that changes ``Application.status`` (style.md 7)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from licensing import deadlines, documents
from licensing.audit import audit_record
from licensing.choices import (
    ApplicationStatus as S,
)
from licensing.choices import (
    ClockKind,
    ClockState,
    DecisionKind,
    DocumentKind,
    ItemCategory,
    NonAcceptanceGround,
    PauseReason,
    Role,
)
from licensing.errors import DomainError, InvalidTransition, NotAllowed
from licensing.models import (
    Application,
    ClockExtension,
    ClockPause,
    Decision,
    Licence,
    LicenceItem,
    MaterialRequirement,
    SupplementNotice,
    SupplementNoticeItem,
    User,
    Verification,
)
from licensing.rules.terms import validity_end
from licensing.services.clocks import application_clocks_recompute, clock_states_for, extension_check
from licensing.signals import application_status_changed

PRE_DECISION = frozenset(
    {
        S.RECEIVED,
        S.SUPPLEMENT_REQUIRED,
        S.ACCEPTED,
        S.DEEMED_ACCEPTED,
        S.UNDER_EXAMINATION,
        S.EXCLUDED_PROCEDURE,
        S.DECISION_PENDING,
    }
)
"""States from which the applicant may withdraw (law.md #23 [INT])."""

ACCEPTED_STATES = frozenset({S.ACCEPTED, S.DEEMED_ACCEPTED})
EXAMINATION_STATES = frozenset({S.ACCEPTED, S.DEEMED_ACCEPTED, S.UNDER_EXAMINATION, S.EXCLUDED_PROCEDURE})
UNDECIDED_STATES = PRE_DECISION
C1_RAN_OUT = _lazy(
    "Clock C1 has run out: the application is deemed accepted as of its receipt date (Art. 32(4)); "
    "it can no longer be refused or sent a supplement notice."
)
TESTING_REASONS = frozenset({PauseReason.INSPECTION, PauseReason.TESTING, PauseReason.QUARANTINE})


# -- guards -------------------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _lock(application: Application) -> Application:
    """Re-read the application under a row lock (a no-op on SQLite, which serialises writes)."""
    return Application.objects.select_for_update().select_related("item", "agency").get(pk=application.pk)


def _require_state(application: Application, allowed: Iterable[str], act: str) -> None:
    if application.status not in allowed:
        raise InvalidTransition(
            _("%(act)s is not possible: application %(number)s is %(status)s.")
            % {"act": act, "number": application.number, "status": application.get_status_display().lower()}
        )


def _require_staff(actor: User, application: Application, *roles: str) -> str:
    """The actor must hold one of ``roles`` in the agency handling the application; returns the role."""
    if actor is None or not actor.is_active:
        raise NotAllowed(_("You must be signed in as an active officer."))
    role = next((r for r in roles if actor.has_role(r)), None)
    if role is None:
        raise NotAllowed(_("Your role does not allow this act."))
    if actor.agency_id != application.agency_id:
        raise NotAllowed(_("This application is handled by another agency."))
    return role


def _require_applicant(actor: User, application: Application) -> None:
    if actor is None or not actor.is_active or actor.pk not in (application.applicant_id, application.agent_id):
        raise NotAllowed(_("Only the applicant or their agent may do this."))


def _set_status(application: Application, new: str, changes: dict, *, actor: User | None = None, **fields) -> None:
    """Save the new legal status and facts, note what changed for the audit entry, and tell
    the listeners (``licensing.signals.application_status_changed``)."""
    old_status = application.status
    changes["status"] = [old_status, new]
    for name, value in fields.items():
        old = getattr(application, name)
        if old != value:
            changes[name] = [old, value]
        setattr(application, name, value)
    application.status = new
    application.save()
    application_status_changed.send(
        sender=Application, application=application, old_status=old_status, new_status=new, actor=actor
    )


def _clock(application: Application, kind: str, today: date):
    return clock_states_for(application, today).get(kind)


def _decision_due(application: Application, today: date) -> date | None:
    state = _clock(application, ClockKind.C2, today)
    return state.due if state else None


def _issue(application: Application, kind: str, context: dict, actor: User | None):
    base = {
        "number": application.number,
        "agency": application.agency.name,
        "item": application.item.name,
        "holder": application.holder_name,
    }
    return documents.document_issue(application=application, kind=kind, context={**base, **context}, actor=actor)


# -- intake (Art. 29, 31, 32) -------------------------------------------------------------------


def application_create(
    *,
    item: LicenceItem,
    applicant: User,
    holder_name: str,
    holder_is_organisation: bool = False,
    form_data: dict | None = None,
    agent: User | None = None,
    channel: str = "online",
) -> Application:
    """Start a draft application with its public number (XK-YYYY-NNNNNN)."""
    if not item.published:
        raise DomainError(_("This licence item is not published; unpublished rules cannot be applied (Art. 5)."))
    with transaction.atomic():
        application = Application.objects.create(
            number=f"tmp-{secrets.token_hex(8)}",  # unique placeholder within the 20 characters
            item=item,
            agency=item.lower_agency if item.two_tier and item.lower_agency_id else item.agency,
            applicant=applicant,
            agent=agent,
            holder_name=holder_name,
            holder_is_organisation=holder_is_organisation,
            form_data=form_data or {},
            channel=channel,
        )
        application.number = f"XK-{timezone.localdate().year}-{application.pk:06d}"
        application.save(update_fields=["number"])
    return application


def application_submit(*, application: Application, actor: User) -> Application:
    """DRAFT → RECEIVED (law.md #1): the receipt time is the moment the data message enters the
    system (Art. 29; SPC 2009 Art. 6 by analogy); clock C1 starts (Art. 32(4))."""
    with transaction.atomic():
        application = _lock(application)
        _require_applicant(actor, application)
        _require_state(application, {S.DRAFT}, _("Submission"))
        changes: dict = {}
        _set_status(application, S.RECEIVED, changes, actor=actor, received_at=timezone.now())
        application_clocks_recompute(application=application)
        audit_record(
            actor=actor,
            action="submit",
            legal_basis="Art. 29",
            application=application,
            changes=changes,
            role=Role.APPLICANT,
        )
    return application


def application_accept(*, application: Application, actor: User) -> Application:
    """RECEIVED → ACCEPTED (#7, Art. 32(5)) or SUPPLEMENT_REQUIRED → ACCEPTED once every listed
    item is supplied (#5): the acceptance date is the day the full supplement arrived. Assigns
    the Art. 57 acceptance sequence and issues the acceptance voucher (D2).

    If clock C1 has already run out, the law has accepted the application already: it becomes
    DEEMED_ACCEPTED as of the receipt date (Art. 32(4)) instead."""
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.CLERK)
        _require_state(application, {S.RECEIVED, S.SUPPLEMENT_REQUIRED}, _("Acceptance"))
        today = _today()
        if application.status == S.RECEIVED and _c1_ran_out(application, today):
            return _deem_accept(application, actor=actor, today=today)
        changes: dict = {}
        if application.status == S.SUPPLEMENT_REQUIRED:
            notice = application.supplement_notices.order_by("-pk").first()
            unmet = [i for i in notice.items.all() if i.met_at is None]
            if unmet:
                raise DomainError(
                    _("Not every listed item has been supplied yet: %(items)s.")
                    % {"items": "; ".join(i.requirement.name for i in unmet)}
                )
            accepted_on = timezone.localdate(max(i.met_at for i in notice.items.all()))
            fields = {"accepted_on": accepted_on}
        else:
            fields = {"accepted_on": today, "triaged_on": today}
        _set_status(application, S.ACCEPTED, changes, actor=actor, **fields)
        _assign_acceptance_seq(application, changes)
        states = application_clocks_recompute(application=application)
        _issue_acceptance_voucher(application, states, actor)
        audit_record(
            actor=actor, action="accept", legal_basis="Art. 32(5)", application=application, changes=changes, role=role
        )
    return application


def _c1_ran_out(application: Application, today: date) -> bool:
    state = _clock(application, ClockKind.C1, today)
    return bool(state and state.due and today > state.due)


def _assign_acceptance_seq(application: Application, changes: dict) -> None:
    """Art. 57: an immutable acceptance order. Retries on the rare collision of two acceptances."""
    for _attempt in range(5):
        seq = (Application.objects.aggregate(m=Max("acceptance_seq"))["m"] or 0) + 1
        try:
            with transaction.atomic():
                Application.objects.filter(pk=application.pk).update(acceptance_seq=seq)
        except IntegrityError:
            continue
        application.acceptance_seq = seq
        changes["acceptance_seq"] = [None, seq]
        return
    raise DomainError(_("Could not assign an acceptance number; please try again."), code="conflict")


def _issue_acceptance_voucher(application: Application, states: dict, actor: User | None) -> None:
    c2 = states.get(ClockKind.C2)
    _issue(
        application,
        DocumentKind.ACCEPTANCE_VOUCHER,
        {
            "accepted_on": application.accepted_on,
            "received_on": timezone.localdate(application.received_at),
            "deemed": application.deemed_accepted,
            "statutory_days": application.item.statutory_days,
            "decision_due": c2.due if c2 else None,
        },
        actor,
    )


def _deem_accept(application: Application, *, actor: User | None, today: date) -> Application:
    """RECEIVED → DEEMED_ACCEPTED (#8): C1 ran out with no one-time notice, so the application is
    accepted from the receipt date (Art. 32(4)); C2 counts from then. A supplement request is
    refused afterwards (Art. 72(4))."""
    changes: dict = {}
    received_on = timezone.localdate(application.received_at)
    _set_status(application, S.DEEMED_ACCEPTED, changes, actor=None, accepted_on=received_on, deemed_accepted=True)
    _assign_acceptance_seq(application, changes)
    states = application_clocks_recompute(application=application, today=today)
    _issue_acceptance_voucher(application, states, None)
    audit_record(
        actor=None,
        action="deem_accept",
        legal_basis="Art. 32(4)",
        reason=_("No acceptance decision or one-time notice within 5 working days of receipt."),
        application=application,
        changes=changes,
    )
    return application


def application_deem_accept(*, application: Application, today: date | None = None) -> Application | None:
    """The sweep's act (#8): deem the application accepted if C1 has run out. Idempotent: returns
    None when there is nothing to do (already triaged, or C1 still running)."""
    today = today or _today()
    with transaction.atomic():
        application = _lock(application)
        if application.status != S.RECEIVED or not _c1_ran_out(application, today):
            return None
        return _deem_accept(application, actor=None, today=today)


def application_not_accept(
    *, application: Application, actor: User, ground: str, reasons: str, competent_organ: str = ""
) -> Application:
    """RECEIVED → NOT_ACCEPTED (#2, Art. 32(1)–(2)): with reasons (Art. 72(7)), and for lack of
    powers the competent organ to apply to; the non-acceptance decision (D3) carries the remedy block."""
    reasons = reasons.strip()
    errors = {}
    if ground not in NonAcceptanceGround.values:
        errors["ground"] = [_("Choose the ground: no licence needed (Art. 32(1)) or outside powers (Art. 32(2)).")]
    if not reasons:
        errors["reasons"] = [_("Give the reasons for not accepting (Art. 72(7)).")]
    if ground == NonAcceptanceGround.OUTSIDE_POWERS and not competent_organ.strip():
        errors["competent_organ"] = [_("Name the competent organ the applicant should apply to (Art. 32(2)).")]
    if errors:
        raise DomainError(_("The non-acceptance decision is incomplete."), code="invalid", fields=errors)
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.CLERK)
        _require_state(application, {S.RECEIVED}, _("Non-acceptance"))
        today = _today()
        if _c1_ran_out(application, today):
            raise InvalidTransition(C1_RAN_OUT)
        remedy = documents.remedy_block(agency=application.agency)
        decision = Decision.objects.create(
            application=application,
            kind=DecisionKind.NOT_ACCEPTED,
            non_acceptance_ground=ground,
            competent_organ=competent_organ.strip(),
            reasons=reasons,
            remedy=remedy,
            drafted_by=actor,
            signed_by=actor,
            signed_on=today,
        )
        changes: dict = {}
        _set_status(application, S.NOT_ACCEPTED, changes, actor=actor, triaged_on=today)
        application_clocks_recompute(application=application)
        _issue(
            application,
            DocumentKind.NON_ACCEPTANCE,
            {
                "ground": decision.get_non_acceptance_ground_display(),
                "reasons": reasons,
                "competent_organ": decision.competent_organ,
                "remedy": remedy,
                "decided_on": today,
            },
            actor,
        )
        audit_record(
            actor=actor,
            action="not_accept",
            legal_basis="Art. 32(1)" if ground == NonAcceptanceGround.NO_LICENCE_NEEDED else "Art. 32(2)",
            reason=reasons,
            application=application,
            changes=changes,
            role=role,
        )
    return application


def application_correct_on_spot(*, application: Application, actor: User, correction: str) -> Application:
    """RECEIVED → RECEIVED (#3, Art. 32(3)): an error fixed on the spot; C1 continues."""
    if not correction.strip():
        raise DomainError(_("Describe the correction made."), code="invalid", fields={"correction": [_("Required.")]})
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.CLERK)
        _require_state(application, {S.RECEIVED}, _("An on-the-spot correction"))
        audit_record(
            actor=actor,
            action="correct_on_spot",
            legal_basis="Art. 32(3)",
            reason=correction.strip(),
            application=application,
            role=role,
        )
    return application


@dataclass(frozen=True)
class SupplementItem:
    requirement_id: int
    what_is_needed: str


def application_request_supplement(
    *, application: Application, actor: User, items: Sequence[SupplementItem], how_to_submit: str
) -> SupplementNotice:
    """RECEIVED → SUPPLEMENT_REQUIRED (#4, Art. 32(4)): the one-time notice (D4) listing every
    missing or defective item at once, only items on the item's materials list (Art. 31), and only
    while C1 runs. A later notice may only repeat unmet items of the first [INT]."""
    items = [i for i in items if i.what_is_needed.strip()]
    if not items:
        raise DomainError(
            _("List at least one item to supplement, with what is needed."),
            code="invalid",
            fields={"items": [_("Required.")]},
        )
    if not how_to_submit.strip():
        raise DomainError(
            _("Say how and where to submit the supplement."), code="invalid", fields={"how_to_submit": [_("Required.")]}
        )
    if len({i.requirement_id for i in items}) != len(items):
        raise DomainError(_("Each material may be listed once."), code="invalid")
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.CLERK)
        if application.deemed_accepted:
            raise InvalidTransition(
                _("The application is deemed accepted (Art. 32(4)); no supplement may be requested.")
            )
        _require_state(application, {S.RECEIVED, S.SUPPLEMENT_REQUIRED}, _("A supplement request"))
        today = _today()
        allowed = set(MaterialRequirement.objects.filter(item=application.item_id).values_list("pk", flat=True))
        first = application.supplement_notices.order_by("pk").first()
        if application.status == S.RECEIVED:
            if first is not None:
                raise InvalidTransition(_("The one-time notice has already been given (Art. 32(4))."))
            if _c1_ran_out(application, today):
                raise InvalidTransition(C1_RAN_OUT)
        else:
            latest = application.supplement_notices.order_by("-pk").first()
            allowed &= {i.requirement_id for i in latest.items.all() if i.met_at is None}
            if not allowed:
                raise InvalidTransition(_("Every listed item has been met; accept the application."))
        outside = [i.requirement_id for i in items if i.requirement_id not in allowed]
        if outside:
            message = (
                _("Only items on this licence's materials list may be requested (Art. 31).")
                if first is None
                else _("A later notice may only repeat items of the first notice that are still unmet (Art. 32(4)).")
            )
            raise DomainError(message, code="invalid", fields={"items": [str(pk) for pk in outside]})
        notice = SupplementNotice.objects.create(
            application=application, issued_on=today, issued_by=actor, how_to_submit=how_to_submit.strip()
        )
        SupplementNoticeItem.objects.bulk_create(
            SupplementNoticeItem(
                notice=notice, requirement_id=i.requirement_id, what_is_needed=i.what_is_needed.strip()
            )
            for i in items
        )
        changes: dict = {}
        fields = {"triaged_on": today} if application.status == S.RECEIVED else {}
        _set_status(application, S.SUPPLEMENT_REQUIRED, changes, actor=actor, **fields)
        application_clocks_recompute(application=application)
        names = dict(
            MaterialRequirement.objects.filter(pk__in=[i.requirement_id for i in items]).values_list("pk", "name")
        )
        _issue(
            application,
            DocumentKind.SUPPLEMENT_NOTICE,
            {
                "issued_on": today,
                "how_to_submit": notice.how_to_submit,
                "items": [{"name": names[i.requirement_id], "what_is_needed": i.what_is_needed} for i in items],
            },
            actor,
        )
        audit_record(
            actor=actor,
            action="request_supplement",
            legal_basis="Art. 32(4)",
            reason="; ".join(f"{names[i.requirement_id]}: {i.what_is_needed}" for i in items),
            application=application,
            changes=changes,
            role=role,
        )
    return notice


def supplement_mark_met(*, application: Application, actor: User, requirement_ids: Iterable[int]) -> SupplementNotice:
    """The applicant supplied listed items (#5): each is marked met with the time it arrived."""
    with transaction.atomic():
        application = _lock(application)
        _require_applicant(actor, application)
        _require_state(application, {S.SUPPLEMENT_REQUIRED}, _("Supplying materials"))
        notice = application.supplement_notices.order_by("-pk").first()
        wanted = set(requirement_ids)
        listed = {i.requirement_id: i for i in notice.items.all()}
        extra = wanted - set(listed)
        if extra:
            raise DomainError(_("Only the items listed in the notice can be supplied."), code="invalid")
        now = timezone.now()
        for pk in wanted:
            if listed[pk].met_at is None:
                listed[pk].met_at = now
                listed[pk].save(update_fields=["met_at"])
        if all(i.met_at for i in listed.values()):
            notice.answered_at = now
            notice.save(update_fields=["answered_at"])
        audit_record(
            actor=actor,
            action="supply_materials",
            legal_basis="Art. 32(4)",
            application=application,
            changes={"supplied": [None, sorted(wanted)]},
            role=Role.APPLICANT,
        )
    return notice


# -- examination (Art. 34, 45, 42, 55) ----------------------------------------------------------


def application_assign_examiner(*, application: Application, actor: User, examiner: User) -> Application:
    """ACCEPTED → UNDER_EXAMINATION (#11): an examiner of the agency takes the case; C2 runs."""
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.EXAMINER, Role.HEAD, Role.CLERK)
        _require_state(application, EXAMINATION_STATES, _("Assignment"))
        if not (
            examiner.is_active and examiner.has_role(Role.EXAMINER) and examiner.agency_id == application.agency_id
        ):
            raise DomainError(_("The examiner must be an active examiner of this agency."), code="invalid")
        changes: dict = {}
        new = S.UNDER_EXAMINATION if application.status in ACCEPTED_STATES else application.status
        _set_status(application, new, changes, actor=actor, examiner=examiner)
        if "examiner" in changes:
            changes["examiner"] = [changes["examiner"][0] and changes["examiner"][0].username, examiner.username]
        audit_record(
            actor=actor,
            action="assign_examiner",
            legal_basis="Art. 34",
            application=application,
            changes=changes,
            role=role,
        )
    return application


def verification_record(
    *, application: Application, actor: User, officers: Sequence[User], findings: str, is_inspection: bool = False
) -> Verification:
    """Record verification of substance by two or more officers (Art. 34(3), #12), or the on-site
    inspection of Art. 55, which stops clock C8 (dispatch within 5 working days of acceptance)."""
    officers = list({o.pk: o for o in officers}.values())
    if len(officers) < 2:
        raise DomainError(
            _("Verification needs two or more different officers (Art. 34(3))."),
            code="invalid",
            fields={"officers": [_("Choose at least two officers.")]},
        )
    if not findings.strip():
        raise DomainError(_("Record the findings."), code="invalid", fields={"findings": [_("Required.")]})
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.EXAMINER)
        _require_state(application, EXAMINATION_STATES, _("Verification"))
        for officer in officers:
            if not (
                officer.is_active and officer.agency_id == application.agency_id and officer.has_role(Role.EXAMINER)
            ):
                raise DomainError(
                    _("%(name)s is not an active examiner of this agency.") % {"name": officer.username}, code="invalid"
                )
        if actor.pk not in {o.pk for o in officers}:
            raise DomainError(_("You must be one of the verifying officers."), code="invalid")
        today = _today()
        record = Verification.objects.create(
            application=application,
            is_inspection=is_inspection,
            findings=findings.strip(),
            recorded_by=actor,
            performed_on=today,
        )
        record.officers.set(officers)
        changes: dict = {}
        if is_inspection and application.inspection_dispatched_on is None:
            application.inspection_dispatched_on = today
            application.save(update_fields=["inspection_dispatched_on", "updated_at"])
            changes["inspection_dispatched_on"] = [None, today]
            application_clocks_recompute(application=application)
        audit_record(
            actor=actor,
            action="inspect" if is_inspection else "verify",
            legal_basis="Art. 55" if is_inspection else "Art. 34(3)",
            reason=findings.strip(),
            application=application,
            changes={**changes, "officers": [None, sorted(o.username for o in officers)]},
            role=role,
        )
    return record


def clock_pause(
    *,
    application: Application,
    actor: User,
    reason: str,
    expected_end_on: date,
    notice_text: str,
) -> ClockPause:
    """UNDER_EXAMINATION → EXCLUDED_PROCEDURE (#14, Art. 45): one of the eight excluded procedures
    starts; its time does not count toward C2. The applicant is told in writing how long it
    needs (D6). Supplementing materials is not a pause."""
    if reason not in PauseReason.values:
        raise DomainError(
            _("Only the eight procedures of Art. 45 pause the clock."),
            code="invalid",
            fields={"reason": [_("Choose one of the Art. 45 procedures.")]},
        )
    if not notice_text.strip():
        raise DomainError(
            _("Write the notice to the applicant stating the time needed (Art. 45)."),
            code="invalid",
            fields={"notice_text": [_("Required.")]},
        )
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.EXAMINER)
        _require_state(application, {S.UNDER_EXAMINATION}, _("Starting an excluded procedure"))
        today = _today()
        if expected_end_on < today:
            raise DomainError(
                _("The expected end cannot be in the past."),
                code="invalid",
                fields={"expected_end_on": [_("Give a date from today on.")]},
            )
        state = _clock(application, ClockKind.C2, today)
        if state and state.due and today > state.due:
            raise InvalidTransition(
                _("The decision limit ran out on %(due)s; a pause cannot revive it.") % {"due": state.due.isoformat()}
            )
        pause = ClockPause.objects.create(
            application=application,
            reason=reason,
            started_on=today,
            expected_end_on=expected_end_on,
            notice_text=notice_text.strip(),
            started_by=actor,
        )
        changes: dict = {}
        _set_status(application, S.EXCLUDED_PROCEDURE, changes, actor=actor)
        application_clocks_recompute(application=application)
        _issue(
            application,
            DocumentKind.EXCLUDED_TIME_NOTICE,
            {
                "procedure": pause.get_reason_display(),
                "started_on": today,
                "expected_end_on": expected_end_on,
                "notice_text": pause.notice_text,
            },
            actor,
        )
        audit_record(
            actor=actor,
            action="pause_clock",
            legal_basis="Art. 45",
            reason=notice_text.strip(),
            application=application,
            changes={**changes, "pause": [None, f"{reason} {today}→{expected_end_on}"]},
            role=role,
        )
    return pause


def clock_resume(*, application: Application, actor: User) -> ClockPause:
    """EXCLUDED_PROCEDURE → UNDER_EXAMINATION (#14): the result was received; C2 runs again from
    the next day (law.md §3.9)."""
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.EXAMINER)
        _require_state(application, {S.EXCLUDED_PROCEDURE}, _("Ending an excluded procedure"))
        pause = application.pauses.get(ended_on__isnull=True)
        today = _today()
        pause.ended_on = today
        pause.ended_by = actor
        pause.save()
        changes: dict = {}
        _set_status(application, S.UNDER_EXAMINATION, changes, actor=actor)
        application_clocks_recompute(application=application)
        audit_record(
            actor=actor,
            action="resume_clock",
            legal_basis="Art. 45",
            application=application,
            changes={**changes, "pause_ended_on": [None, today]},
            role=role,
        )
    return pause


def extension_request(*, application: Application, actor: User, reason: str) -> None:
    """#20: the examiner asks the head for the one extension, with a reason, before C2 runs out."""
    if not reason.strip():
        raise DomainError(
            _("Give the reason for the extension; the applicant is told it (Art. 42)."),
            code="invalid",
            fields={"reason": [_("Required.")]},
        )
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.EXAMINER)
        _require_state(application, {S.UNDER_EXAMINATION, S.EXCLUDED_PROCEDURE}, _("An extension request"))
        extension_check(application=application, approved_on=_today())
        audit_record(
            actor=actor,
            action="request_extension",
            legal_basis="Art. 42",
            reason=reason.strip(),
            application=application,
            role=role,
        )


def extension_approve(*, application: Application, actor: User, reason: str, requested_by: User) -> ClockExtension:
    """#20, Art. 42: the head approves the one extension (+10, or +15 under joint handling) before
    C2 runs out; the extension notice (D5) tells the applicant the reason and the new due date."""
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.HEAD)
        _require_state(application, {S.UNDER_EXAMINATION, S.EXCLUDED_PROCEDURE}, _("An extension"))
        today = _today()
        days = extension_check(application=application, approved_on=today)
        extension = ClockExtension.objects.create(
            application=application,
            days=days,
            reason=reason.strip(),
            requested_by=requested_by,
            approved_by=actor,
            approved_on=today,
        )
        states = application_clocks_recompute(application=application)
        new_due = states[ClockKind.C2].due if ClockKind.C2 in states else None
        _issue(
            application,
            DocumentKind.EXTENSION_NOTICE,
            {
                "reason": extension.reason,
                "approved_by": actor.get_full_name() or actor.username,
                "approved_on": today,
                "days": days,
                "new_due": new_due,
            },
            actor,
        )
        audit_record(
            actor=actor,
            action="extend",
            legal_basis="Art. 42",
            reason=reason.strip(),
            application=application,
            changes={"extension_days": [None, days], "c2_due": [None, new_due]},
            role=role,
        )
    return extension


# -- decision (Art. 34(2), 37, 38, 55, 57) ------------------------------------------------------


@dataclass(frozen=True)
class DecisionDraft:
    kind: str
    reasons: str = ""
    scope: str = ""
    conditions: str = ""
    technical_standard: str = ""
    valid_from: date | None = None
    valid_until: date | None = None


def _validate_draft(application: Application, draft: DecisionDraft) -> None:
    errors = {}
    if draft.kind not in (DecisionKind.GRANT, DecisionKind.DENIAL):
        errors["kind"] = [_("Choose grant or denial.")]
    if draft.kind == DecisionKind.DENIAL and not draft.reasons.strip():
        errors["reasons"] = [_("A denial must give its reasons (Art. 38(2)).")]
    if draft.kind == DecisionKind.DENIAL and _rests_on_testing(application) and not draft.technical_standard.strip():
        errors["technical_standard"] = [
            _(
                "A denial resting on inspection or testing must cite the technical "
                "standard or specification relied on (Art. 55)."
            )
        ]
    if draft.kind == DecisionKind.GRANT and not draft.scope.strip():
        errors["scope"] = [_("State the licensed scope (Art. 38(1)).")]
    if draft.valid_from and draft.valid_until and draft.valid_until <= draft.valid_from:
        errors["valid_until"] = [_("The end of validity must come after its start.")]
    if errors:
        raise DomainError(_("The decision cannot be drafted as it stands."), code="invalid", fields=errors)


def _rests_on_testing(application: Application) -> bool:
    return (
        application.item.category == ItemCategory.EQUIPMENT
        or application.pauses.filter(reason__in=TESTING_REASONS).exists()
    )


def _check_quantity_limit(application: Application) -> None:
    """Art. 57: with a quantity limit, grants follow the order of acceptance."""
    limit = application.item.quantity_limit
    if not limit:
        return
    granted = (
        Licence.objects.filter(item=application.item_id).count()
        + Application.objects.filter(item=application.item_id, status=S.GRANTED).count()
    )
    remaining = limit - granted
    earlier = Application.objects.filter(
        item=application.item_id, status__in=UNDECIDED_STATES, acceptance_seq__lt=application.acceptance_seq
    ).count()
    if remaining <= 0:
        raise DomainError(_("The quantity limit of %(n)d licences has been reached (Art. 57).") % {"n": limit})
    if earlier >= remaining:
        raise DomainError(
            _(
                "Only %(r)d licence(s) remain and %(e)d application(s) accepted earlier are undecided; "
                "they are decided first (Art. 57)."
            )
            % {"r": remaining, "e": earlier}
        )


def decision_draft(*, application: Application, actor: User, draft: DecisionDraft) -> Decision:
    """UNDER_EXAMINATION → DECISION_PENDING (#21–22): the examiner drafts the decision for the head."""
    _validate_draft(application, draft)
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.EXAMINER)
        _require_state(application, {S.UNDER_EXAMINATION}, _("Drafting a decision"))
        decision = Decision.objects.create(
            application=application,
            kind=draft.kind,
            reasons=draft.reasons.strip(),
            scope=draft.scope.strip(),
            conditions=draft.conditions.strip(),
            technical_standard=draft.technical_standard.strip(),
            valid_from=draft.valid_from,
            valid_until=draft.valid_until,
            drafted_by=actor,
        )
        changes: dict = {}
        _set_status(application, S.DECISION_PENDING, changes, actor=actor)
        audit_record(
            actor=actor,
            action="draft_decision",
            legal_basis="Art. 38",
            reason=draft.reasons.strip(),
            application=application,
            changes={**changes, "draft": [None, draft.kind]},
            role=role,
        )
    return decision


def decision_return(*, application: Application, actor: User, note: str) -> Application:
    """DECISION_PENDING → UNDER_EXAMINATION: the head sends the draft back unsigned, with a note."""
    if not note.strip():
        raise DomainError(_("Say why the draft is returned."), code="invalid", fields={"note": [_("Required.")]})
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.HEAD)
        _require_state(application, {S.DECISION_PENDING}, _("Returning the draft"))
        decision = application.decisions.filter(signed_on__isnull=True, returned=False).latest("pk")
        decision.returned = True
        decision.save(update_fields=["returned"])
        changes: dict = {}
        _set_status(application, S.UNDER_EXAMINATION, changes, actor=actor)
        audit_record(
            actor=actor,
            action="return_decision",
            legal_basis="Art. 38",
            reason=note.strip(),
            application=application,
            changes=changes,
            role=role,
        )
    return application


def decision_sign(*, application: Application, actor: User) -> Decision:
    """DECISION_PENDING → GRANTED / DENIED (#21–22, Art. 37–38): the head signs; C2 stops, C6
    starts for a grant (Art. 44). A denial carries its reasons and the remedy block (Art. 38(2))."""
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.HEAD)
        _require_state(application, {S.DECISION_PENDING}, _("Signing the decision"))
        decision = application.decisions.filter(signed_on__isnull=True, returned=False).latest("pk")
        return _sign(application, decision, actor, role)


def _sign(application: Application, decision: Decision, actor: User, role: str) -> Decision:
    today = _today()
    if decision.kind == DecisionKind.GRANT:
        _check_quantity_limit(application)
        decision.valid_from = decision.valid_from or today
        if decision.valid_until is None and application.item.validity_months:
            decision.valid_until = validity_end(decision.valid_from, application.item.validity_months)
    else:
        decision.remedy = documents.remedy_block(agency=application.agency)
    decision.signed_by = actor
    decision.signed_on = today
    decision.save()
    new = S.GRANTED if decision.kind == DecisionKind.GRANT else S.DENIED
    changes: dict = {}
    _set_status(application, new, changes, actor=actor, decided_on=today)
    application_clocks_recompute(application=application)
    if new == S.GRANTED:
        _issue(
            application,
            DocumentKind.GRANT_DECISION,
            {
                "decided_on": today,
                "scope": decision.scope,
                "conditions": decision.conditions,
                "valid_from": decision.valid_from,
                "valid_until": decision.valid_until,
                "signed_by": actor.get_full_name() or actor.username,
            },
            actor,
        )
    else:
        _issue(
            application,
            DocumentKind.DENIAL_DECISION,
            {
                "decided_on": today,
                "reasons": decision.reasons,
                "technical_standard": decision.technical_standard,
                "remedy": decision.remedy,
                "signed_by": actor.get_full_name() or actor.username,
            },
            actor,
        )
    audit_record(
        actor=actor,
        action="decide",
        legal_basis="Art. 38(1)" if new == S.GRANTED else "Art. 38(2)",
        reason=decision.reasons,
        application=application,
        changes={**changes, "on_the_spot": [None, decision.on_the_spot]},
        role=role,
    )
    return decision


def decision_on_the_spot(*, application: Application, actor: User, draft: DecisionDraft) -> Decision:
    """ACCEPTED → GRANTED / DENIED on the spot (#9, Art. 34(2)) where the item allows it: the
    materials are complete and a decision is possible at once; the head signs it."""
    _validate_draft(application, draft)
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.HEAD)
        _require_state(application, ACCEPTED_STATES, _("An on-the-spot decision"))
        if not application.item.on_the_spot:
            raise InvalidTransition(_("This licence item does not allow on-the-spot decisions."))
        decision = Decision.objects.create(
            application=application,
            kind=draft.kind,
            on_the_spot=True,
            reasons=draft.reasons.strip(),
            scope=draft.scope.strip(),
            conditions=draft.conditions.strip(),
            technical_standard=draft.technical_standard.strip(),
            valid_from=draft.valid_from,
            valid_until=draft.valid_until,
            drafted_by=actor,
        )
        return _sign(application, decision, actor, role)


# -- certificate and withdrawal (Art. 39, 44) ---------------------------------------------------


def certificate_issue(*, application: Application, actor: User) -> Licence:
    """GRANTED → CERTIFICATE_ISSUED (#25, Art. 39, 44): the clerk issues the licence within 10
    working days of the grant, with an unguessable verification token for its QR code."""
    with transaction.atomic():
        application = _lock(application)
        role = _require_staff(actor, application, Role.CLERK)
        _require_state(application, {S.GRANTED}, _("Issuing the certificate"))
        decision = application.decisions.filter(kind=DecisionKind.GRANT, signed_on__isnull=False).latest("pk")
        today = _today()
        licence = Licence.objects.create(
            number=f"{application.item.code.upper()}-{today.year}-{application.pk:06d}",
            application=application,
            item=application.item,
            agency=application.item.agency,
            holder_name=application.holder_name,
            holder_is_organisation=application.holder_is_organisation,
            scope=decision.scope,
            valid_from=decision.valid_from or today,
            valid_until=decision.valid_until,
            issued_on=today,
            issued_by=actor,
        )
        changes: dict = {}
        _set_status(application, S.CERTIFICATE_ISSUED, changes, actor=actor, certificate_issued_on=today)
        application_clocks_recompute(application=application)
        _issue(
            application,
            DocumentKind.LICENCE_CERTIFICATE,
            {
                "licence_number": licence.number,
                "certificate_name": application.item.certificate_name
                or application.item.get_certificate_type_display(),
                "scope": licence.scope,
                "valid_from": licence.valid_from,
                "valid_until": licence.valid_until,
                "issued_on": today,
                "token": licence.verification_token,
            },
            actor,
        )
        audit_record(
            actor=actor,
            action="issue_certificate",
            legal_basis="Art. 44",
            application=application,
            changes={**changes, "licence": [None, licence.number]},
            role=role,
        )
    return licence


def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    """Any pre-decision state → WITHDRAWN (#23 [INT]): the applicant withdraws; every clock stops."""
    with transaction.atomic():
        application = _lock(application)
        _require_applicant(actor, application)
        _require_state(application, PRE_DECISION, _("Withdrawal"))
        changes: dict = {}
        open_pause = application.pauses.filter(ended_on__isnull=True).first()
        today = _today()
        if open_pause:
            open_pause.ended_on = today
            open_pause.save()
        _set_status(application, S.WITHDRAWN, changes, actor=actor)
        application_clocks_recompute(application=application)
        _issue(application, DocumentKind.WITHDRAWAL_NOTICE, {"withdrawn_on": today, "reason": reason.strip()}, actor)
        audit_record(
            actor=actor,
            action="withdraw",
            legal_basis="",
            reason=reason.strip(),
            application=application,
            changes=changes,
            role=Role.APPLICANT,
        )
    return application


@deadlines.register("deem_acceptance")
def deem_overdue_acceptances(now: datetime) -> int:
    """The sweep: every received application whose C1 ran out is deemed accepted (Art. 32(4)).

    Candidates come from the indexed clock columns; each is re-checked under its row lock, and
    rows another sweeper holds are skipped, so two hosts sweeping at once act once per case."""
    today = timezone.localdate(now)
    candidates = Application.objects.filter(
        status=S.RECEIVED,
        clocks__kind=ClockKind.C1,
        clocks__state=ClockState.RUNNING,
        clocks__due_on__lt=today,
    ).values_list("pk", flat=True)
    acted = 0
    for pk in list(candidates[:500]):
        with transaction.atomic():
            locked = Application.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if locked is None:
                continue
            if application_deem_accept(application=locked, today=today) is not None:
                acted += 1
    return acted
