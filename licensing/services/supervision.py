"""E-supervision writes (电子监察): warning cards, supervision cases (督办) and weekly statistics.

law.md §4 (yellow warning when a deadline is near, red card when it is missed), Art. 72 (the
supervisory organ orders correction), Art. 74(2) (not deciding within the statutory limit) and
law.md §2b #8, #24 (a deemed acceptance and an overdue decision alert the supervisor).

The sweep (``manage.py sweep``) runs two checks registered here:

* ``supervision_warnings`` — a *yellow warning* to the handling officer (the examiner; the agency's
  window clerks for the acceptance check C1 and the certificate C6, or when no examiner is
  assigned) when a running clock enters its yellow zone; a *red card* to the agency head and the
  supervisors whose remit covers the agency when it has run out (for C1 also when the application
  was deemed accepted, Art. 32(4)), which opens a supervision case with a response deadline of
  ``XUKE_SUPERVISION_RESPONSE_DAYS`` working days (default 5).
  Each card is raised once per (application, clock, level, due date): candidates come from the
  indexed clock columns, each batch of clock rows is locked with ``SELECT … FOR UPDATE SKIP
  LOCKED`` and re-checked under the lock, and the unique constraint ``supervision_warning_once``
  with the insert in a savepoint settles any race left — so repeated and concurrent sweeps never
  raise a card twice.
* ``supervision_weekly_stats`` — the weekly statistics the dashboard's charts read.

Every card, case opening, response and closure is an action-log entry written in the same
transaction (design.md principle 5), and its recipients are told through
``licensing.notifications.notify`` (inbox and email, sent after commit).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing import deadlines
from licensing.audit import audit_record
from licensing.calendar import calendar_for_region
from licensing.choices import ClockKind, ClockState, NotificationKind, Role
from licensing.errors import DomainError, InvalidTransition, NotAllowed
from licensing.models import (
    Application,
    AuditAction,
    Clock,
    SupervisionCase,
    SupervisionCaseStatus,
    SupervisionStatWeek,
    SupervisionWarning,
    SupervisionWeeklyStat,
    User,
    WarningLevel,
)
from licensing.rules.compliance import (
    CLOCK_LEGAL_BASIS,
    DEFAULT_RESPONSE_DAYS,
    OFFICER_CLOCKS,
    Level,
    clock_level,
    weeks_ending,
)
from licensing.rules.working_days import add_working_days, working_days_between
from licensing.selectors_supervision import (
    DASHBOARD_CLOCKS,
    is_case_staff,
    supervision_remit,
    supervisors_covering,
)
from licensing.services.clocks import local_date

__all__ = [
    "response_days",
    "supervision_case_close",
    "supervision_case_respond",
    "supervision_warnings",
    "supervision_weekly_stats",
    "weekly_stats_compute",
]

log = logging.getLogger(__name__)

BATCH = 200
"""Clock rows locked per transaction by the warning check."""
SWEEP_LIMIT = 2000
"""Cards raised per sweep at most, so that one sweep stays short; the next one goes on."""
DEEMED_LOOKBACK = timedelta(days=31)
"""A deemed acceptance (C1 stopped by Art. 32(4)) is carded if its limit ended this recently."""
STATS_WEEKS = 12
"""Weeks of statistics kept current (the charts show as many)."""
STATS_REFRESH = timedelta(hours=1)
"""How often the current week's statistics are recomputed."""
NEVER = date(1970, 1, 1)


def response_days() -> int:
    """Working days the agency has to answer a supervision case (default 5 [UNCONF], law.md §4)."""
    return int(getattr(settings, "XUKE_SUPERVISION_RESPONSE_DAYS", DEFAULT_RESPONSE_DAYS))


def _link(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _notify(*, key: str, recipients: list[User], subject: str, body: str, application: Application, link: str) -> int:
    from licensing.notifications import notify_each  # the inbox and its emails; imported late (signals)

    return notify_each(
        key=key, recipients=recipients, kind=NotificationKind.DEADLINE, subject=subject, body=body,
        application=application, link=link,
    )


# --- warnings and red cards ------------------------------------------------------------------------


def _not_raised(level: str) -> Exists:
    return Exists(
        SupervisionWarning.objects.filter(
            application_id=OuterRef("application_id"),
            clock_kind=OuterRef("kind"),
            level=level,
            due_on=OuterRef("due_on"),
        )
    )


def _deemed_c1(today: date) -> Q:
    """C1 stopped by a deemed acceptance (Art. 32(4)): its limit ran out without an answer."""
    return Q(
        kind=ClockKind.C1,
        state=ClockState.STOPPED,
        due_on__lt=today,
        due_on__gte=today - DEEMED_LOOKBACK,
        application__deemed_accepted=True,
    )


def _candidates(level: str, today: date):
    clocks = Clock.objects.filter(kind__in=DASHBOARD_CLOCKS)
    if level == WarningLevel.RED:
        clocks = clocks.filter(Q(state=ClockState.RUNNING, due_on__lt=today) | _deemed_c1(today))
    else:
        clocks = clocks.filter(state=ClockState.RUNNING, yellow_from__lte=today, due_on__gte=today)
    return clocks.exclude(_not_raised(level))


def _level_now(clock: Clock, today: date) -> str | None:
    """The card the clock deserves on ``today``, re-read under its lock."""
    level = clock_level(state=clock.state, due_on=clock.due_on, yellow_from=clock.yellow_from, today=today)
    if level is None and clock.kind == ClockKind.C1 and clock.state == ClockState.STOPPED and clock.due_on:
        if clock.application.deemed_accepted and clock.due_on < today:
            return WarningLevel.RED
    return None if level is None else str(level)


def _handling_officers(application: Application, kind: str) -> list[User]:
    """Who handles the clock: the examiner for the examination clocks, else the window clerks."""
    if kind in OFFICER_CLOCKS and application.examiner_id and application.examiner.is_active:
        return [application.examiner]
    return list(
        User.objects.filter(agency_id=application.agency_id, groups__name=Role.CLERK, is_active=True)
        .distinct()
        .order_by("pk")
    )


def _clock_label(kind: str) -> str:
    return str(ClockKind(kind).label)


def _raise_card(clock: Clock, level: str, today: date, supervisors: dict[int, list[User]]) -> SupervisionWarning:
    """Insert one card (and for a red card its supervision case), with its log entries and
    messages, inside the caller's savepoint. Raises ``IntegrityError`` if it exists already."""
    application = clock.application
    agency = application.agency
    cal = calendar_for_region(agency.region)
    if level == WarningLevel.RED:
        left = -working_days_between(clock.due_on, today, cal)
    else:
        left = working_days_between(today, clock.due_on, cal)
    basis = CLOCK_LEGAL_BASIS.get(clock.kind, "")
    warning = SupervisionWarning.objects.create(
        application=application,
        agency=agency,
        officer=application.examiner if clock.kind in OFFICER_CLOCKS else None,
        clock_kind=clock.kind,
        level=level,
        due_on=clock.due_on,
        raised_on=today,
        working_days_left=left,
        legal_basis=f"law.md §4; {basis}" if level == WarningLevel.YELLOW else f"Art. 74; {basis}",
    )
    facts = {"clock": clock.kind, "due_on": clock.due_on, "working_days_left": left}
    if level == WarningLevel.YELLOW:
        reason = _("%(clock)s of application %(number)s is due on %(due)s: %(left)d working day(s) left.") % {
            "clock": _clock_label(clock.kind), "number": application.number, "due": clock.due_on, "left": left
        }
        audit_record(
            actor=None,
            action=AuditAction.SUPERVISION_YELLOW,
            legal_basis=warning.legal_basis,
            reason=reason,
            application=application,
            changes={"warning": [None, Level.YELLOW], **{k: [None, v] for k, v in facts.items()}},
            agency=agency,
        )
        _notify(
            key=f"supervision-yellow:{warning.pk}",
            recipients=_handling_officers(application, clock.kind),
            subject=_("Yellow warning: application %(number)s is due on %(due)s")
            % {"number": application.number, "due": clock.due_on},
            body=reason + "\n\n" + _("Act before the limit runs out; when it does, a red card goes to the head of "
                                     "the agency and to the supervisors (e-supervision)."),
            application=application,
            link=_link("staff:application_audit", application.number),
        )
        return warning

    late = -left
    reason = _("%(clock)s of application %(number)s ran out on %(due)s: %(late)d working day(s) late.") % {
        "clock": _clock_label(clock.kind), "number": application.number, "due": clock.due_on, "late": late
    }
    if clock.kind == ClockKind.C1 and clock.state == ClockState.STOPPED:
        reason = _("Application %(number)s was deemed accepted on the expiry of the acceptance check on %(due)s "
                   "(Art. 32(4)): no acceptance decision or one-time notice was given in time.") % {
            "number": application.number, "due": clock.due_on
        }
    audit_record(
        actor=None,
        action=AuditAction.SUPERVISION_RED,
        legal_basis=warning.legal_basis,
        reason=reason,
        application=application,
        changes={"warning": [None, Level.RED], **{k: [None, v] for k, v in facts.items()}},
        agency=agency,
    )
    days = response_days()
    case = SupervisionCase.objects.create(
        warning=warning,
        application=application,
        agency=agency,
        clock_kind=clock.kind,
        opened_on=today,
        response_due_on=add_working_days(today, days, cal),
        calendar_version=cal.version,
    )
    audit_record(
        actor=None,
        action=AuditAction.SUPERVISION_OPEN,
        legal_basis="Art. 72; Art. 74",
        reason=_("Supervision case %(ref)s opened; the agency must respond by %(due)s (%(days)d working days).")
        % {"ref": case.reference, "due": case.response_due_on, "days": days},
        application=application,
        changes={"case": [None, case.pk], "response_due_on": [None, case.response_due_on]},
        agency=agency,
    )
    if agency.pk not in supervisors:
        supervisors[agency.pk] = supervisors_covering(agency.pk)
    recipients = ([agency.head] if agency.head_id else []) + supervisors[agency.pk]
    _notify(
        key=f"supervision-red:{warning.pk}",
        recipients=recipients,
        subject=_("Red card: application %(number)s is overdue — supervision case %(ref)s")
        % {"number": application.number, "ref": case.reference},
        body=reason
        + "\n\n"
        + _("Supervision case %(ref)s is open. %(agency)s must respond in writing by %(due)s.")
        % {"ref": case.reference, "agency": agency.name, "due": case.response_due_on},
        application=application,
        link=_link("supervision:case", case.pk),
    )
    return warning


def _raise_batch(pks: list[int], level: str, today: date, supervisors: dict[int, list[User]]) -> int:
    raised = 0
    with transaction.atomic():
        locked = (
            Clock.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=pks)
            .select_related("application", "application__agency", "application__examiner", "application__agency__head")
            .order_by("pk")
        )
        for clock in locked:
            if _level_now(clock, today) != level:
                continue  # the facts changed since the candidates were read
            if SupervisionWarning.objects.filter(
                application_id=clock.application_id, clock_kind=clock.kind, level=level, due_on=clock.due_on
            ).exists():
                continue
            try:
                with transaction.atomic():
                    _raise_card(clock, level, today, supervisors)
            except IntegrityError:
                continue  # raised at the same moment by another sweeper
            raised += 1
    return raised


@deadlines.register("supervision_warnings")
def supervision_warnings(now: datetime) -> int:
    """Raise the red cards, then the yellow warnings, due on ``now``'s Beijing date (module
    docstring). Idempotent and safe on several hosts at once. Returns the number of cards raised."""
    today = local_date(now)
    supervisors: dict[int, list[User]] = {}
    raised = 0
    for level in (WarningLevel.RED, WarningLevel.YELLOW):
        tried: set[int] = set()
        while raised < SWEEP_LIMIT:
            pks = list(
                _candidates(level, today)
                .exclude(pk__in=tried)
                .order_by("due_on", "pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not pks:
                break
            tried.update(pks)
            raised += _raise_batch(pks, level, today, supervisors)
    return raised


# --- supervision cases -----------------------------------------------------------------------------


def _lock_case(case: SupervisionCase) -> SupervisionCase:
    return (
        SupervisionCase.objects.select_for_update(of=("self",))
        .select_related("application", "agency", "agency__head")
        .get(pk=case.pk)
    )


def supervision_case_respond(*, case: SupervisionCase, actor: User, response: str) -> SupervisionCase:
    """The agency answers a supervision case in writing (Art. 72; law.md §4): its head or one of
    its officers, once, while the case is open. The supervisors covering the agency are told."""
    response = (response or "").strip()
    if not response:
        raise DomainError(_("Enter the agency's response"), code="invalid",
                          fields={"response": [_("Enter the agency's response")]})
    with transaction.atomic():
        case = _lock_case(case)
        if not is_case_staff(actor, case.agency_id):
            raise NotAllowed(_("Only the head or an officer of %(agency)s may respond to this case.")
                             % {"agency": case.agency.name})
        if case.status != SupervisionCaseStatus.OPEN:
            raise InvalidTransition(_("Supervision case %(ref)s has already been answered.") % {"ref": case.reference})
        case.status = SupervisionCaseStatus.RESPONDED
        case.response = response
        case.responded_by = actor
        case.responded_at = timezone.now()
        case.save(update_fields=["status", "response", "responded_by", "responded_at"])
        audit_record(
            actor=actor,
            action=AuditAction.SUPERVISION_RESPOND,
            legal_basis="Art. 72; Art. 74",
            reason=response,
            application=case.application,
            changes={"case": [case.pk, case.pk], "status": [SupervisionCaseStatus.OPEN, case.status]},
            role=Role.HEAD if actor.has_role(Role.HEAD) else None,
        )
        _notify(
            key=f"supervision-respond:{case.pk}",
            recipients=supervisors_covering(case.agency_id),
            subject=_("Supervision case %(ref)s: %(agency)s responded") % {"ref": case.reference,
                                                                           "agency": case.agency.name},
            body=response,
            application=case.application,
            link=_link("supervision:case", case.pk),
        )
    return case


def supervision_case_close(*, case: SupervisionCase, actor: User, conclusion: str) -> SupervisionCase:
    """A supervisor whose remit covers the agency closes the case with a written conclusion
    (Art. 72: the supervisory organ orders correction). The agency head and the responder are told."""
    conclusion = (conclusion or "").strip()
    if not conclusion:
        raise DomainError(_("Enter the conclusion"), code="invalid", fields={"conclusion": [_("Enter the conclusion")]})
    with transaction.atomic():
        case = _lock_case(case)
        remit = supervision_remit(actor) if actor.has_role(Role.SUPERVISOR) else None
        if remit is None or not remit.covers(case.agency_id):
            raise NotAllowed(_("Only a supervisor whose remit covers %(agency)s may close this case.")
                             % {"agency": case.agency.name})
        if case.status == SupervisionCaseStatus.CLOSED:
            raise InvalidTransition(_("Supervision case %(ref)s is already closed.") % {"ref": case.reference})
        before = case.status
        case.status = SupervisionCaseStatus.CLOSED
        case.conclusion = conclusion
        case.closed_by = actor
        case.closed_at = timezone.now()
        case.save(update_fields=["status", "conclusion", "closed_by", "closed_at"])
        audit_record(
            actor=actor,
            action=AuditAction.SUPERVISION_CLOSE,
            legal_basis="Art. 72; Art. 74",
            reason=conclusion,
            application=case.application,
            changes={"case": [case.pk, case.pk], "status": [before, case.status]},
            role=Role.SUPERVISOR,
        )
        recipients = [case.agency.head] if case.agency.head_id else []
        if case.responded_by_id:
            recipients.append(case.responded_by)
        _notify(
            key=f"supervision-close:{case.pk}",
            recipients=recipients,
            subject=_("Supervision case %(ref)s closed") % {"ref": case.reference},
            body=conclusion,
            application=case.application,
            link=_link("supervision:case", case.pk),
        )
    return case


# --- weekly statistics ------------------------------------------------------------------------------


def weekly_stats_compute(*, week: date, today: date) -> int:
    """Rewrite the statistics of the ISO week starting ``week`` as known on ``today``: per agency,
    item, examiner and clock, the clocks open and overdue at the end of the week's last day
    (``today`` for the current week) and the outcomes counted in the week
    (``licensing.rules.compliance``). Runs inside the caller's transaction; returns the rows written.

    The current week reads only index-reachable rows (open clocks, and clocks due since the day
    before the week began); a finished week is reconstructed from the start and stop dates of every
    clock, once, after it ended (an open clock's past pause state is not recorded, so a clock
    paused now counts as overdue at a past week's end if its due date had passed)."""
    last = min(week + timedelta(days=6), today)
    day_before = week - timedelta(days=1)
    met = Q(state=ClockState.STOPPED, stopped_on__gte=week, stopped_on__lte=last, due_on__gte=F("stopped_on"))
    missed = Q(due_on__gte=day_before, due_on__lt=last) & (
        Q(state=ClockState.RUNNING) | Q(state=ClockState.STOPPED, stopped_on__gt=F("due_on"))
    )
    clocks = Clock.objects.filter(kind__in=DASHBOARD_CLOCKS)
    if last >= today:
        open_q = Q(state__in=[ClockState.RUNNING, ClockState.PAUSED])
        overdue_q = Q(state=ClockState.RUNNING, due_on__lt=last)
        clocks = clocks.filter(open_q | Q(due_on__gte=day_before))
    else:
        open_q = Q(start_on__lte=last) & (Q(stopped_on__isnull=True) | Q(stopped_on__gt=last))
        overdue_q = open_q & Q(due_on__lt=last)
        clocks = clocks.filter(start_on__lte=last).filter(
            Q(stopped_on__isnull=True) | Q(stopped_on__gte=week) | Q(due_on__gte=day_before)
        )
    rows = (
        clocks.values("application__agency_id", "application__item_id", "application__examiner_id", "kind")
        .annotate(
            open=Count("pk", filter=open_q),
            overdue=Count("pk", filter=overdue_q),
            met=Count("pk", filter=met),
            missed=Count("pk", filter=missed),
        )
        .order_by()
    )
    stats = [
        SupervisionWeeklyStat(
            week=week,
            agency_id=r["application__agency_id"],
            item_id=r["application__item_id"],
            officer_id=r["application__examiner_id"],
            clock_kind=r["kind"],
            open_at_end=r["open"],
            overdue_at_end=r["overdue"],
            met=r["met"],
            missed=r["missed"],
        )
        for r in rows
        if r["open"] or r["overdue"] or r["met"] or r["missed"]
    ]
    SupervisionWeeklyStat.objects.filter(week=week).delete()
    SupervisionWeeklyStat.objects.bulk_create(stats, batch_size=2000)
    return len(stats)


def _stale(row: SupervisionStatWeek, today: date, now: datetime) -> bool:
    sunday = row.week + timedelta(days=6)
    if sunday < today:
        return row.computed_on <= sunday  # a finished week: computed once after it ended
    return row.computed_on < today or row.computed_at < now - STATS_REFRESH


@deadlines.register("supervision_weekly_stats")
def supervision_weekly_stats(now: datetime, *, weeks: int = STATS_WEEKS) -> int:
    """Keep the last ``weeks`` weeks of statistics current (see :func:`weekly_stats_compute`);
    each week is locked with ``SKIP LOCKED`` so several sweepers share the work. Returns the
    number of weeks recomputed."""
    today = local_date(now)
    done = 0
    for monday, _last in weeks_ending(today, weeks):
        # Another sweeper may create the week's row at the same moment: theirs is as good as ours.
        with contextlib.suppress(IntegrityError), transaction.atomic():
            SupervisionStatWeek.objects.get_or_create(week=monday, defaults={"computed_on": NEVER})
        with transaction.atomic():
            row = SupervisionStatWeek.objects.select_for_update(skip_locked=True).filter(week=monday).first()
            if row is None or not _stale(row, today, now):
                continue
            weekly_stats_compute(week=monday, today=today)
            row.computed_on = today
            row.save(update_fields=["computed_on", "computed_at"])
            done += 1
    return done
