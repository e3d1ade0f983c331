"""The licensing procedure as a viewflow flow: who must act next (law.md §2b; design.md "Layout").

Every human step goes back through one router, ``route``, which reads the application's legal
status (and one routing fact, a pending extension request) and picks the next step. The flow
therefore never decides anything legal; it follows the state the services recorded::

    start ─▶ route ─┬─ RECEIVED ───────────────────────────▶ triage [clerk, C1] ───────┐
                    ├─ SUPPLEMENT_REQUIRED, notice open ────▶ await_supplement (Handle) ┤
                    ├─ SUPPLEMENT_REQUIRED, notice answered ▶ review_supplement [clerk] ┤
                    ├─ (DEEMED_)ACCEPTED, on-the-spot item ─▶ decide_on_the_spot [head] ┤
                    ├─ (DEEMED_)ACCEPTED ───────────────────▶ assign_examiner [head/clerk]
                    ├─ examining, extension requested ──────▶ approve_extension [head]  ┤
                    ├─ UNDER_EXAMINATION / EXCLUDED_PROC. ──▶ examine [examiner, C2]    ┤
                    ├─ DECISION_PENDING ────────────────────▶ sign [head, C2]           ┤
                    ├─ GRANTED ─────────────────────────────▶ issue_certificate [clerk, C6]
                    └─ NOT_ACCEPTED / DENIED / CERTIFICATE_ISSUED ─▶ end      (all ──▶ route)

Deadlines: each timed step carries a non-interrupting ``.OnTimeout`` whose due moment is read
from the application's ``Clock`` row (C1, C2 or C6): the end of the due day. When it fires,
``escalate`` tells the agency's head (and the task's owner); the legal effect of a deadline,
such as deemed acceptance (Art. 32(4)), is the licensing sweep's, never the timer's.

Acts that happen outside a task (the sweep's deemed acceptance, the applicant's withdrawal or
supplement) reach the flow through ``licensing.signals.application_status_changed`` and the
sweep's reconciliation check (``workflows.services.process_sync``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from licensing.choices import ApplicationStatus as S
from licensing.choices import ClockKind, Role
from licensing.models import Application, SupplementNotice
from workflows import scoping, views
from workflows.models import LicensingProcess
from workflows.nodes import StaffView

ACCEPTED = frozenset({S.ACCEPTED, S.DEEMED_ACCEPTED})
EXAMINING = frozenset({S.UNDER_EXAMINATION, S.EXCLUDED_PROCEDURE})


class LicensingFlow(flow.Flow):
    """Licence application

    From submission to the certificate: acceptance check, one-time supplement, examination,
    the head's signature and the certificate (Administrative Licensing Law, Arts. 29–45)."""

    process_class = LicensingProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("Licence application")
    process_summary_template = "{{ process.application.number }}"

    start = flow.StartHandle(this.start_process).Annotation(title=_("Application received")).Next(this.route)

    route = (
        flow.Switch()
        .Annotation(title=_("Who acts next?"))
        .Case(this.triage, this.is_received)
        .Case(this.await_supplement, this.is_waiting_for_supplement)
        .Case(this.review_supplement, this.is_supplement_answered)
        .Case(this.decide_on_the_spot, this.is_accepted_for_on_the_spot)
        .Case(this.assign_examiner, this.is_accepted)
        .Case(this.approve_extension, this.is_extension_requested)
        .Case(this.examine, this.is_examining)
        .Case(this.sign, this.is_decision_pending)
        .Case(this.issue_certificate, this.is_granted)
        .Default(this.end)
    )

    triage = (
        StaffView(views.TriageView.as_view(), roles=[Role.CLERK], clock=ClockKind.C1, expects=[S.RECEIVED])
        .Annotation(
            title=_("Acceptance check"),
            description=_("Accept, send the one-time supplement notice, or refuse, within 5 working days (Art. 32)."),
        )
        .Permission(auto_create=True)
        .OnTimeout(this.c1_deadline, this.escalate, interrupting=False, title=_("C1 ran out"))
        .Next(this.route)
    )

    await_supplement = (
        flow.Handle(this.supplement_received)
        .Annotation(title=_("Waiting for the applicant's supplement"))
        .Next(this.route)
    )

    review_supplement = (
        StaffView(views.ReviewSupplementView.as_view(), roles=[Role.CLERK], expects=[S.SUPPLEMENT_REQUIRED])
        .Annotation(
            title=_("Review the supplement"),
            description=_("Accept once every listed item is supplied (Art. 32(4))."),
        )
        .Permission(auto_create=True)
        .Next(this.route)
    )

    decide_on_the_spot = (
        StaffView(views.OnTheSpotView.as_view(), roles=[Role.HEAD], clock=ClockKind.C2, expects=ACCEPTED)
        .Annotation(
            title=_("Decision on the spot"),
            description=_("Decide at once where the item allows it, or send the case to examination (Art. 34(2))."),
        )
        .Permission(auto_create=True)
        .OnTimeout(this.c2_deadline, this.escalate, interrupting=False, title=_("C2 ran out"))
        .Next(this.route)
    )

    assign_examiner = (
        StaffView(
            views.AssignExaminerView.as_view(), roles=[Role.HEAD, Role.CLERK], clock=ClockKind.C2, expects=ACCEPTED
        )
        .Annotation(
            title=_("Assign an examiner"),
            description=_("Hand the accepted application to an examiner of the agency (Art. 34)."),
        )
        .Permission(auto_create=True)
        .OnTimeout(this.c2_deadline, this.escalate, interrupting=False, title=_("C2 ran out"))
        .Next(this.route)
    )

    examine = (
        StaffView(views.ExamineView.as_view(), roles=[Role.EXAMINER], clock=ClockKind.C2, expects=EXAMINING)
        .Annotation(
            title=_("Examination"),
            description=_(
                "Verify the substance, run the excluded procedures, ask for the extension, "
                "and draft the decision (Arts. 34, 42, 45, 38)."
            ),
        )
        .Permission(auto_create=True)
        .Assign(this.examiner_of)
        .OnTimeout(this.c2_deadline, this.escalate, interrupting=False, title=_("C2 ran out"))
        .Next(this.route)
    )

    approve_extension = (
        StaffView(views.ApproveExtensionView.as_view(), roles=[Role.HEAD], clock=ClockKind.C2, expects=EXAMINING)
        .Annotation(
            title=_("Approve the extension"),
            description=_("The one extension of the decision limit, before it runs out (Art. 42)."),
        )
        .Permission(auto_create=True)
        .OnTimeout(this.c2_deadline, this.escalate, interrupting=False, title=_("C2 ran out"))
        .Next(this.route)
    )

    sign = (
        StaffView(views.SignView.as_view(), roles=[Role.HEAD], clock=ClockKind.C2, expects=[S.DECISION_PENDING])
        .Annotation(
            title=_("Sign the decision"),
            description=_("Sign the drafted grant or denial, or return it to the examiner (Arts. 37–38)."),
        )
        .Permission(auto_create=True)
        .OnTimeout(this.c2_deadline, this.escalate, interrupting=False, title=_("C2 ran out"))
        .Next(this.route)
    )

    issue_certificate = (
        StaffView(views.CertificateView.as_view(), roles=[Role.CLERK], clock=ClockKind.C6, expects=[S.GRANTED])
        .Annotation(
            title=_("Issue the certificate"),
            description=_("Serve the licence within 10 working days of the grant (Art. 44)."),
        )
        .Permission(auto_create=True)
        .OnTimeout(this.c6_deadline, this.escalate, interrupting=False, title=_("C6 ran out"))
        .Next(this.route)
    )

    escalate = flow.Function(this.escalate_overdue).Annotation(title=_("Tell the head")).Next(this.escalated)
    escalated = flow.End().Annotation(title=_("Overdue reported"))
    end = flow.End().Annotation(title=_("Procedure finished"))

    # -- viewflow hooks -----------------------------------------------------------------------

    def has_view_permission(self, user, obj=None) -> bool:
        """Model permission first (viewflow's rule), then, for one process, the agency (§6)."""
        if not super().has_view_permission(user, obj=None):
            return False
        return obj is None or scoping.may_view_process(user, obj)

    def start_process(self, activation, application: Application):
        activation.process.application = application
        return activation.process

    def supplement_received(self, activation):
        return activation.process

    def examiner_of(self, activation):
        """The examine step goes straight to the examiner the case was assigned to."""
        return _application(activation).examiner

    # -- routing predicates: read the legal state, decide nothing legal -----------------------

    def is_received(self, activation) -> bool:
        return _application(activation).status == S.RECEIVED

    def is_waiting_for_supplement(self, activation) -> bool:
        application = _application(activation)
        return application.status == S.SUPPLEMENT_REQUIRED and _notice_open(application)

    def is_supplement_answered(self, activation) -> bool:
        return _application(activation).status == S.SUPPLEMENT_REQUIRED

    def is_accepted_for_on_the_spot(self, activation) -> bool:
        application = _application(activation)
        return application.status in ACCEPTED and application.item.on_the_spot

    def is_accepted(self, activation) -> bool:
        return _application(activation).status in ACCEPTED

    def is_extension_requested(self, activation) -> bool:
        return _application(activation).status in EXAMINING and bool(activation.process.extension_requested_by_id)

    def is_examining(self, activation) -> bool:
        return _application(activation).status in EXAMINING

    def is_decision_pending(self, activation) -> bool:
        return _application(activation).status == S.DECISION_PENDING

    def is_granted(self, activation) -> bool:
        return _application(activation).status == S.GRANTED

    # -- deadlines ----------------------------------------------------------------------------

    def c1_deadline(self, activation):
        from workflows.services import clock_deadline

        return clock_deadline(application_id=activation.process.application_id, kind=ClockKind.C1)

    def c2_deadline(self, activation):
        from workflows.services import clock_deadline

        return clock_deadline(application_id=activation.process.application_id, kind=ClockKind.C2)

    def c6_deadline(self, activation):
        from workflows.services import clock_deadline

        return clock_deadline(application_id=activation.process.application_id, kind=ClockKind.C6)

    def escalate_overdue(self, activation) -> None:
        from workflows.services import timer_escalate

        timer_escalate(activation)


def _application(activation) -> Application:
    """The application, read fresh once per activation: services save their own instance, so
    the one cached on the process may be stale."""
    cached = getattr(activation, "_xuke_application", None)
    if cached is None:
        cached = Application.objects.select_related("item").get(pk=activation.process.application_id)
        activation._xuke_application = cached
    return cached


def _notice_open(application: Application) -> bool:
    return SupplementNotice.objects.filter(application=application, answered_at__isnull=True).exists()
