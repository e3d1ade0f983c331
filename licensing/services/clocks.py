"""The clock ledger on the database: recorded facts in, ``Clock`` rows out (law.md §2a, §3).

Design principle 3: clocks are computed from recorded facts, never mutated counters. This module
reads an application's facts (receipt, triage, acceptance, Art. 45 pauses, the Art. 42
extension, the decision, the certificate, the inspection dispatch), turns them into
:class:`~licensing.rules.clocks.ClockFacts`, lets :func:`~licensing.rules.clocks.compute_clock`
derive each clock with the calendar of the application's region, and stores the result in one
``Clock`` row per clock kind, so that "overdue" and "yellow" are indexed SQL filters
(``licensing.selectors_clocks``).

Which clocks an application has (law.md §2a):

* **C1** acceptance check, 5 WD from the receipt date in Asia/Shanghai time (Art. 32(4)); stops
  on the triage date (acceptance, non-acceptance or the one-time notice), or, for a deemed
  acceptance, at the end of its own limit.
* **C2** decision, ``item.statutory_days`` WD from acceptance — for a deemed acceptance the
  receipt date (Art. 32(4), 42); paused by the Art. 45 procedures; extended once (Art. 42);
  stops on the decision date.
* **C2P** the promised limit (承诺时限), ``item.promised_days`` from the same facts, only when
  the item sets one; no extension.
* **C6** certificate, 10 WD from the grant decision (Art. 44); stops on issue.
* **C8** inspection dispatch, 5 WD from acceptance when the item needs one (Art. 55); stops on
  the dispatch.

Interpretations [INT]: a withdrawn or closed application (a terminal status without the clock's
own stop fact) stops its clocks on the day of that status change — the stored stop date once
known, else the local date of ``Application.updated_at``; C1 also stops on acceptance and C8 on
the decision when no earlier stop was recorded (the act they lead to has happened).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from licensing import deadlines
from licensing.calendar import calendar_for_region
from licensing.choices import TERMINAL_STATUSES, ApplicationStatus, ClockKind, HandlingMode
from licensing.choices import ClockState as ClockRowState
from licensing.errors import DomainError
from licensing.models import Application, Clock
from licensing.rules.clocks import (
    ACCEPTANCE_CHECK_DAYS,
    CERTIFICATE_DAYS,
    EXTENSION_DAYS,
    INSPECTION_DISPATCH_DAYS,
    JOINT_EXTENSION_DAYS,
    ClockFacts,
    ClockState,
    ClockStatus,
    Extension,
    ExtensionRefused,
    Pause,
    PauseReason,
    check_extension,
    compute_clock,
)
from licensing.rules.working_days import Calendar, add_working_days

__all__ = [
    "OPEN_STATES",
    "SHANGHAI",
    "ExtensionNotAllowed",
    "application_clocks_recompute",
    "clock_facts_for",
    "clock_states_for",
    "extension_check",
    "local_date",
    "recompute_stale_clocks",
]

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
"""Receipt times are the moment a data message enters the system, in Beijing time (issue #3)."""

OPEN_STATES = (ClockRowState.RUNNING, ClockRowState.PAUSED)
"""Stored states of a clock that has not stopped."""

SWEEP_BATCH = 200
"""Applications recomputed per transaction by :func:`recompute_stale_clocks`."""

_ROW_STATE = {
    ClockStatus.RUNNING: ClockRowState.RUNNING,
    ClockStatus.OVERDUE: ClockRowState.RUNNING,  # overdue is ``due_on < today``, an SQL filter
    ClockStatus.PAUSED: ClockRowState.PAUSED,
    ClockStatus.STOPPED: ClockRowState.STOPPED,
}


class ExtensionNotAllowed(DomainError):
    """The Art. 42 extension cannot be granted: no decision clock, a second extension, or the
    limit already ran out (an extension must be approved before it expires)."""

    status_code = 409
    code = "extension_not_allowed"


def local_date(moment: datetime) -> date:
    """The calendar day of ``moment`` in Asia/Shanghai: the day a receipt counts from (Art. 32(4))
    and the "today" of every clock (Art. 82 counts whole working days)."""
    return timezone.localdate(moment, SHANGHAI)


def _today() -> date:
    return local_date(timezone.now())


# --------------------------------------------------------------------------------------------
# Facts


def _pauses(application: Application) -> tuple[Pause, ...]:
    """The Art. 45 pauses recorded for the application (prefetched ``pauses`` are used)."""
    return tuple(
        Pause(
            start=row.started_on,
            end=row.ended_on,
            reason=PauseReason(row.reason),
            expected_end=row.expected_end_on,
        )
        for row in application.pauses.all()
    )


def _extension(application: Application) -> Extension | None:
    """The one recorded Art. 42 extension, if any."""
    try:
        row = application.extension
    except ObjectDoesNotExist:
        return None
    if row is None:
        return None
    return Extension(approved_on=row.approved_on, days=row.days)


def _existing_clocks(application: Application) -> dict[str, Clock]:
    return {clock.kind: clock for clock in application.clocks.all()}


def _terminal_stop(
    application: Application, existing: Clock | None, start: date, pauses: Iterable[Pause]
) -> date | None:
    """Stop date of a clock whose application ended without the clock's own stop fact
    (withdrawn, closed…): the day of the status change [INT, see the module docstring]."""
    if application.status not in TERMINAL_STATUSES:
        return None
    if existing is not None and existing.stopped_on is not None:
        stop = existing.stopped_on
    elif application.updated_at is not None:
        stop = local_date(application.updated_at)
    else:
        stop = start
    # A clock cannot stop before it started or before a pause it contains was ordered.
    return max([stop, start, *(p.start for p in pauses)])


def _acceptance_date(application: Application) -> date | None:
    """The day C2 and C8 count from: acceptance, or for a deemed acceptance the receipt date
    (Art. 32(4))."""
    if application.accepted_on is not None:
        return application.accepted_on
    if application.deemed_accepted and application.received_at is not None:
        return local_date(application.received_at)
    return None


def clock_facts_for(
    application: Application, *, cal: Calendar | None = None, existing: dict[str, Clock] | None = None
) -> dict[str, ClockFacts]:
    """The recorded facts of every clock the application has, keyed by ``ClockKind`` value.

    law.md §2a: C1 (Art. 32(4)), C2 and C2P (Arts. 42, 45), C6 (Art. 44), C8 (Art. 55); see
    the module docstring for when each applies and stops. ``cal`` is only needed to find the
    end of C1 for a deemed acceptance; by default the region's calendar is read. ``existing``
    (the stored rows by kind, read when omitted) supplies the stop date of a terminal case.
    """
    item = application.item
    if existing is None:
        existing = _existing_clocks(application)
    yellow = item.yellow_days
    facts: dict[str, ClockFacts] = {}

    if application.received_at is not None:
        received_on = local_date(application.received_at)
        if application.triaged_on is not None:
            c1_stop = application.triaged_on
        elif application.deemed_accepted:
            cal = cal or calendar_for_region(application.agency.region)
            c1_stop = add_working_days(received_on, ACCEPTANCE_CHECK_DAYS, cal)
        elif application.accepted_on is not None:
            c1_stop = application.accepted_on
        else:
            c1_stop = _terminal_stop(application, existing.get(ClockKind.C1), received_on, ())
        facts[ClockKind.C1] = ClockFacts(
            start=received_on,
            days=ACCEPTANCE_CHECK_DAYS,
            stopped_on=max(c1_stop, received_on) if c1_stop else None,
            yellow_days=min(yellow, ACCEPTANCE_CHECK_DAYS),
        )

    accepted_on = _acceptance_date(application)
    if accepted_on is not None:
        pauses = _pauses(application)
        for kind, days, extension in (
            (ClockKind.C2, item.statutory_days, _extension(application)),
            (ClockKind.C2_PROMISED, item.promised_days, None),
        ):
            if not days:
                continue
            stop = application.decided_on or _terminal_stop(application, existing.get(kind), accepted_on, pauses)
            facts[kind] = ClockFacts(
                start=accepted_on,
                days=days,
                pauses=pauses,
                extension=extension,
                stopped_on=stop,
                yellow_days=yellow,
            )
        if item.inspection_required:
            stop = (
                application.inspection_dispatched_on
                or application.decided_on
                or _terminal_stop(application, existing.get(ClockKind.C8), accepted_on, ())
            )
            facts[ClockKind.C8] = ClockFacts(
                start=accepted_on,
                days=INSPECTION_DISPATCH_DAYS,
                stopped_on=max(stop, accepted_on) if stop else None,
                yellow_days=min(yellow, INSPECTION_DISPATCH_DAYS),
            )

    granted = application.status in (ApplicationStatus.GRANTED, ApplicationStatus.CERTIFICATE_ISSUED)
    if granted and application.decided_on is not None:
        stop = application.certificate_issued_on
        facts[ClockKind.C6] = ClockFacts(
            start=application.decided_on,
            days=CERTIFICATE_DAYS,
            stopped_on=max(stop, application.decided_on) if stop else None,
            yellow_days=min(yellow, CERTIFICATE_DAYS),
        )
    return facts


# --------------------------------------------------------------------------------------------
# Reading and writing the ledger


def clock_states_for(application: Application, today: date | None = None) -> dict[str, ClockState]:
    """Every clock of the application derived for ``today`` (default: today in Beijing), for
    display; nothing is written (law.md §2a; Art. 82 counting, Art. 45 pauses, Art. 42)."""
    today = today or _today()
    cal = calendar_for_region(application.agency.region)
    return {
        kind: compute_clock(facts, today=today, cal=cal)
        for kind, facts in clock_facts_for(application, cal=cal).items()
    }


def _row_values(facts: ClockFacts, state: ClockState) -> dict[str, object]:
    return {
        "state": _ROW_STATE[state.status],
        "start_on": facts.start,
        "days": state.total,
        "due_on": state.due,
        "yellow_from": state.yellow_from,
        "stopped_on": facts.stopped_on,
        "provisional": state.provisional,
        "calendar_version": state.calendar_version,
        "explanation": list(state.explanation),
    }


def application_clocks_recompute(*, application: Application, today: date | None = None) -> dict[str, ClockState]:
    """Derive every clock of the application from its recorded facts and rewrite its ``Clock``
    rows: one per kind, kinds that no longer apply deleted (design principle 3; law.md §2a:
    Arts. 32(4), 42, 44, 45, 55, counted in working days under Art. 82).

    Call it after recording any fact, inside the same ``transaction.atomic()`` block and with
    the application row locked, so the stored due dates never disagree with the facts; outside
    a transaction it raises ``TransactionManagementError``. Rows whose values did not change
    are not written. Returns the derived states keyed by ``ClockKind`` value.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "application_clocks_recompute() must run inside the transaction that recorded the fact."
        )
    today = today or _today()
    cal = calendar_for_region(application.agency.region)
    existing = _existing_clocks(application)
    facts_by_kind = clock_facts_for(application, cal=cal, existing=existing)
    states: dict[str, ClockState] = {}
    for kind, facts in facts_by_kind.items():
        state = compute_clock(facts, today=today, cal=cal)
        states[kind] = state
        values = _row_values(facts, state)
        row = existing.get(kind)
        if row is None:
            Clock.objects.create(application=application, kind=kind, **values)
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
    stale = [row.pk for kind, row in existing.items() if kind not in facts_by_kind]
    if stale:
        Clock.objects.filter(pk__in=stale).delete()
    if hasattr(application, "_prefetched_objects_cache"):
        application._prefetched_objects_cache.pop("clocks", None)
    return states


# --------------------------------------------------------------------------------------------
# The Art. 42 extension guard


def extension_check(*, application: Application, approved_on: date, days: int | None = None) -> int:
    """Refuse an extension the law does not allow, else return its length in working days.

    Art. 42(1)-(2): one extension only (+10 WD, or +15 WD under joint or centralised handling;
    ``item.extension_days`` as configured), approved before the decision limit C2 runs out
    [INT: approval on the due date itself is in time]. Raises :class:`ExtensionNotAllowed` with
    a message for people when the application has no running decision clock, was already
    extended, or the limit has expired.
    """
    item = application.item
    days = item.extension_days if days is None else days
    facts = clock_facts_for(application).get(ClockKind.C2)
    if facts is None:
        raise ExtensionNotAllowed(
            f"Application {application.number} has no decision limit to extend: it has not been accepted.",
            code="extension_no_clock",
        )
    joint = item.handling_mode in (HandlingMode.JOINT, HandlingMode.CENTRALISED)
    legal_max = JOINT_EXTENSION_DAYS if joint else EXTENSION_DAYS
    cal = calendar_for_region(application.agency.region)
    try:
        check_extension(facts, approved_on, days, cal=cal, max_days=max(item.extension_days, legal_max))
    except ExtensionRefused as refused:
        if refused.code == "after_expiry":
            message = (
                f"The decision limit of application {application.number} ran out on "
                f"{refused.due_without_extension}; Art. 42(1) allows an extension only before the "
                f"limit expires (approval dated {approved_on})."
            )
        elif refused.code == "already_extended":
            message = (
                f"Application {application.number} was already extended on {facts.extension.approved_on}; "
                "Art. 42 allows one extension."
            )
        else:
            message = f"The extension cannot be granted: {refused}."
        raise ExtensionNotAllowed(message, code=f"extension_{refused.code}") from refused
    return days


# --------------------------------------------------------------------------------------------
# The sweep: clocks counted with an older calendar


def _locked_batch(pks: list[int]):
    """The applications ``pks`` that no other transaction holds, locked (PostgreSQL: FOR UPDATE
    SKIP LOCKED; SQLite serialises writers and ignores the clause), with what recompute reads."""
    return (
        Application.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=pks)
        .select_related("item", "agency", "extension")
        .prefetch_related("pauses", "clocks")
        .order_by("pk")
    )


@deadlines.register("recompute_stale_clocks")
def recompute_stale_clocks(now: datetime) -> int:
    """Recompute every open clock counted with another calendar version than its region's
    current one — after a holiday notice was loaded or corrected in any process (Art. 82;
    law.md §3.6-§3.7: every deadline is stored with the calendar version used).

    Idempotent and safe on several hosts at once: candidates come from the indexed clock
    columns, each batch is locked with ``SELECT … FOR UPDATE SKIP LOCKED`` and recomputed in
    its own transaction; a case another sweeper holds is left to it. Returns how many
    applications were recomputed.
    """
    today = local_date(now)
    regions = set(
        Clock.objects.filter(state__in=OPEN_STATES).values_list("application__agency__region", flat=True).distinct()
    )
    done = 0
    for region in sorted(regions):
        version = calendar_for_region(region).version
        tried: set[int] = set()
        while True:
            pks = list(
                Clock.objects.filter(state__in=OPEN_STATES, application__agency__region=region)
                .exclude(calendar_version=version)
                .exclude(application_id__in=tried)
                .order_by("application_id")
                .values_list("application_id", flat=True)
                .distinct()[:SWEEP_BATCH]
            )
            if not pks:
                break
            tried.update(pks)
            with transaction.atomic():
                for application in _locked_batch(pks):
                    try:
                        with transaction.atomic():
                            application_clocks_recompute(application=application, today=today)
                    except Exception:  # one case's bad facts must not stop the sweep
                        log.exception("could not recompute the clocks of application %s", application.pk)
                        continue
                    done += 1
    return done
