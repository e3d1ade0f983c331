"""The clock ledger: due dates, pauses, extensions and warning levels (law.md §2a, §3, §4).

Pure maths over recorded facts (style.md items 11-13): a clock is described by a
:class:`ClockFacts` value (start, statutory days, Art. 45 pauses, one Art. 42 extension, the stop
date) and :func:`compute_clock` derives everything else for a given ``today`` and
:class:`~licensing.rules.working_days.Calendar`. Nothing is mutated and nothing reads the clock.

Interpretations [INT] (law.md is silent; they need legal sign-off):

* Counting: the trigger day is not counted (Civil Code Art. 201 by analogy); a limit of N
  working days ends at the end of the Nth working day after the trigger (law.md §3.7).
* Pauses (Art. 45): a procedure ordered on S and ended on E excludes the working days in
  ``(S, E]``. S itself still counts and counting resumes the day after E, the same "trigger day
  not counted" rule. Overlapping pauses are merged. A pause ordered after the limit ran out
  cannot revive it (it never moves the due date).
* Open pauses: while a pause has no end the due date depends on when it ends. With an
  ``expected_end`` (the duration announced in the D6 notice) the due date is projected with it;
  if that date has passed, the pause is projected to end today. Without one, ``due`` is
  ``None`` and ``projected_due`` is the due date if the clock resumed today (the earliest
  possible). A pause still open when the clock stops ends on the stop date.
* Extension (Art. 42(1)): at most one; valid only if approved on or before the due date
  computed without it, i.e. before the limit ran out (law.md §2b #20). :func:`check_extension`
  refuses a late one; :func:`compute_clock` disregards a late one and says so.
* ``used`` counts working days up to and including ``today`` (or the stop date), so ``left`` is
  what remains after today: 0 on the due date, negative (working days late) afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from licensing.rules.working_days import (
    Calendar,
    add_working_days,
    is_provisional,
    is_working_day,
    unpublished_years,
    working_days_between,
)

__all__ = [
    "ACCEPTANCE_CHECK_DAYS",
    "CERTIFICATE_DAYS",
    "DECISION_DAYS",
    "DEFAULT_YELLOW_DAYS",
    "EXTENSION_DAYS",
    "INSPECTION_DISPATCH_DAYS",
    "JOINT_DECISION_DAYS",
    "JOINT_EXTENSION_DAYS",
    "ClockFacts",
    "ClockState",
    "ClockStatus",
    "Extension",
    "ExtensionRefused",
    "Pause",
    "PauseReason",
    "WarningLevel",
    "check_extension",
    "compute_clock",
    "explain_due",
]

ACCEPTANCE_CHECK_DAYS = 5
"""C1: decide acceptance or send the one-time supplement notice within 5 working days of
receipt, or the application is deemed accepted from receipt (Art. 32(4))."""

DECISION_DAYS = 20
"""C2: decide within 20 working days of acceptance (Art. 42(1)); also C3, the lower organ's
review in two-tier licensing (Art. 43)."""

JOINT_DECISION_DAYS = 45
"""C2 for joint or centralised handling (Arts. 26, 42(2)): at most 45 working days."""

EXTENSION_DAYS = 10
"""One extension of 10 working days approved by the head of the organ (Art. 42(1))."""

JOINT_EXTENSION_DAYS = 15
"""One extension of 15 working days approved by the head of the people's government for
joint or centralised handling (Art. 42(2))."""

CERTIFICATE_DAYS = 10
"""C6: issue and serve the certificate within 10 working days of the grant (Art. 44)."""

INSPECTION_DISPATCH_DAYS = 5
"""C8: send two or more staff to inspect within 5 working days of acceptance (Art. 55)."""

DEFAULT_YELLOW_DAYS = 3
"""Yellow warning at 3 or fewer working days left: the e-supervision recommendation of law.md §4
(local yellow/red card practice; the national threshold is [UNCONF])."""


class PauseReason(StrEnum):
    """The eight procedures whose time is not counted (Art. 45). Nothing else pauses a clock:
    supplementing materials happens before acceptance (Art. 32(4)) and Art. 36 consultations
    run on the clock (law.md §3.9)."""

    HEARING = "hearing"
    TENDERING = "tendering"
    AUCTION = "auction"
    INSPECTION = "inspection"
    TESTING = "testing"
    QUARANTINE = "quarantine"
    APPRAISAL = "appraisal"
    EXPERT_REVIEW = "expert_review"

    @property
    def label(self) -> str:
        """English and Chinese name as written in Art. 45."""
        return _REASON_LABELS[self]


_REASON_LABELS = {
    PauseReason.HEARING: "hearing (听证)",
    PauseReason.TENDERING: "tendering (招标)",
    PauseReason.AUCTION: "auction (拍卖)",
    PauseReason.INSPECTION: "inspection (检验)",
    PauseReason.TESTING: "testing (检测)",
    PauseReason.QUARANTINE: "quarantine (检疫)",
    PauseReason.APPRAISAL: "appraisal (鉴定)",
    PauseReason.EXPERT_REVIEW: "expert review (专家评审)",
}


class ClockStatus(StrEnum):
    """Where a clock stands on ``today``."""

    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    OVERDUE = "overdue"


class WarningLevel(StrEnum):
    """E-supervision warning card (law.md §4): yellow near the limit, red when overdue."""

    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


class ExtensionRefused(ValueError):
    """An Art. 42 extension that the law does not allow (late, second, or after the stop).

    ``code`` is one of ``"already_extended"``, ``"non_positive"``, ``"too_long"``,
    ``"before_start"``, ``"clock_stopped"``, ``"after_expiry"``; ``due_without_extension`` is
    the due date the approval was measured against, when it was computed.
    """

    def __init__(self, message: str, *, code: str, due_without_extension: date | None = None):
        super().__init__(message)
        self.code = code
        self.due_without_extension = due_without_extension


@dataclass(frozen=True)
class Pause:
    """An Art. 45 procedure ordered on ``start`` and ended on ``end`` (``None`` while open).

    The working days in ``(start, end]`` are excluded; ``start`` counts (module docstring).
    ``expected_end`` is the end announced in the written notice (D6) that Art. 45 requires.
    """

    start: date
    end: date | None
    reason: PauseReason
    expected_end: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", PauseReason(self.reason))
        if self.end is not None and self.end < self.start:
            raise ValueError(f"pause ends ({self.end}) before it starts ({self.start})")
        if self.expected_end is not None and self.expected_end < self.start:
            raise ValueError(f"expected end ({self.expected_end}) before start ({self.start})")


@dataclass(frozen=True)
class Extension:
    """The one extension of the decision limit (Art. 42: +10 WD, or +15 WD for joint handling),
    approved on ``approved_on`` by the head of the organ (or of the government)."""

    approved_on: date
    days: int


@dataclass(frozen=True)
class ClockFacts:
    """Recorded facts of one clock (law.md §2a): trigger date, statutory working days, pauses,
    the extension and the date the clock stopped (decision, voucher, certificate...)."""

    start: date
    days: int
    pauses: tuple[Pause, ...] = ()
    extension: Extension | None = None
    stopped_on: date | None = None
    yellow_days: int = DEFAULT_YELLOW_DAYS

    def __post_init__(self) -> None:
        object.__setattr__(self, "pauses", tuple(self.pauses))
        if self.days < 1:
            raise ValueError(f"a clock needs at least 1 working day, got {self.days}")
        if self.yellow_days < 0:
            raise ValueError(f"yellow_days must be >= 0, got {self.yellow_days}")
        if self.stopped_on is not None and self.stopped_on < self.start:
            raise ValueError(f"clock stopped ({self.stopped_on}) before it started ({self.start})")
        for pause in self.pauses:
            if pause.start < self.start:
                raise ValueError(f"pause ordered on {pause.start}, before the clock started")
            if self.stopped_on is not None and pause.start > self.stopped_on:
                raise ValueError(f"pause ordered on {pause.start}, after the clock stopped")


@dataclass(frozen=True)
class ClockState:
    """Everything :func:`compute_clock` derives from :class:`ClockFacts` for one ``today``."""

    due: date | None
    """End of the limit; ``None`` only while an open pause with no expected end affects it."""
    projected_due: date
    """``due`` if known, else the due date if the clock resumed today."""
    status: ClockStatus
    stopped_late: bool
    """The clock stopped after its due date (Art. 74(2) exposure); such a clock is not red."""
    used: int
    """Counted working days in ``(start, min(today, stopped_on)]``, pauses excluded."""
    left: int
    """``total - used``: negative when overdue (working days late)."""
    level: WarningLevel
    yellow_from: date | None
    """The day ``left`` first drops to ``yellow_days`` or fewer under the current facts."""
    paused_days: int
    """Working days excluded by pauses up to ``min(today, stopped_on)``."""
    total: int
    """Statutory days plus the extension if it is valid."""
    extension_applied: bool
    provisional: bool
    calendar_version: str
    explanation: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# Helpers

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ONE_DAY = timedelta(days=1)

Interval = tuple[date, date]
"""A pause as the half-open span ``(a, b]`` of excluded days."""


def _fmt(d: date) -> str:
    return f"{d.isoformat()} ({_WEEKDAYS[d.weekday()]})"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _pause_end(pause: Pause, *, stopped_on: date | None, horizon: date) -> date:
    """Effective end of a pause: its recorded end; if open, the stop date, else the expected
    end but never before ``horizon`` (today: an open pause lasts at least until today)."""
    if pause.end is not None:
        return pause.end
    if stopped_on is not None:
        return stopped_on
    expected = pause.expected_end or horizon
    return max(expected, horizon, pause.start)


def _merged(facts: ClockFacts, *, horizon: date) -> tuple[list[Interval], bool]:
    """The pauses as sorted, merged ``(a, b]`` intervals, and whether any two overlapped."""
    spans = sorted(
        (p.start, _pause_end(p, stopped_on=facts.stopped_on, horizon=horizon)) for p in facts.pauses
    )
    merged: list[Interval] = []
    overlapped = False
    for a, b in spans:
        if b <= a:
            continue
        if merged and a < merged[-1][1]:
            overlapped = True
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        elif merged and a == merged[-1][1]:
            merged[-1] = (merged[-1][0], b)  # back to back: (a, b] and (b, c] form (a, c]
        else:
            merged.append((a, b))
    return merged, overlapped


def _nth_counted(start: date, n: int, intervals: list[Interval], cal: Calendar) -> date:
    """The ``n``-th working day after ``start`` (n >= 1) not inside a pause interval."""
    cursor, remaining = start, n
    for a, b in intervals:
        available = working_days_between(cursor, a, cal)
        if available >= remaining:
            break
        remaining -= available
        cursor = b
    return add_working_days(cursor, remaining, cal)


def _counted_between(start: date, end: date, intervals: list[Interval], cal: Calendar) -> int:
    """Working days in ``(start, end]`` outside the pause intervals."""
    total = working_days_between(start, end, cal)
    for a, b in intervals:
        lo, hi = max(a, start), min(b, end)
        if hi > lo:
            total -= working_days_between(lo, hi, cal)
    return total


def _unknown_pause_starts(facts: ClockFacts) -> list[date]:
    """Start dates of open pauses with no expected end (only relevant while not stopped)."""
    if facts.stopped_on is not None:
        return []
    return [p.start for p in facts.pauses if p.end is None and p.expected_end is None]


def _extension_problem(
    facts: ClockFacts, approved_on: date, days: int, cal: Calendar, *, max_days: int | None
) -> ExtensionRefused | None:
    """Why an extension approved on ``approved_on`` would be invalid, or ``None`` (Art. 42)."""
    if days < 1:
        return ExtensionRefused(
            f"an extension must add at least 1 working day, got {days}", code="non_positive"
        )
    if max_days is not None and days > max_days:
        return ExtensionRefused(
            f"an extension of {days} working days exceeds the {max_days} allowed (Art. 42)",
            code="too_long",
        )
    if approved_on < facts.start:
        return ExtensionRefused(
            f"approved on {approved_on}, before the clock started on {facts.start}",
            code="before_start",
        )
    if facts.stopped_on is not None and approved_on > facts.stopped_on:
        return ExtensionRefused(
            f"approved on {approved_on}, after the clock stopped on {facts.stopped_on}",
            code="clock_stopped",
        )
    # Any end of an open pause at or after approved_on gives the same answer: if the pause
    # began before the limit ran out, the limit ends after the pause, hence after approval.
    intervals, _ = _merged(facts, horizon=approved_on)
    base_due = _nth_counted(facts.start, facts.days, intervals, cal)
    if approved_on > base_due:
        return ExtensionRefused(
            f"approved on {approved_on}, after the limit ran out on {base_due}; Art. 42(1) "
            "allows an extension only before the limit expires",
            code="after_expiry",
            due_without_extension=base_due,
        )
    return None


def check_extension(
    facts: ClockFacts,
    approved_on: date,
    days: int,
    *,
    cal: Calendar,
    max_days: int | None = None,
) -> Extension:
    """Validate an extension before recording it and return it (Art. 42(1)-(2); law.md #20).

    Refuses with :class:`ExtensionRefused` a second extension, a non-positive length (or one
    above ``max_days``, e.g. :data:`EXTENSION_DAYS`), an approval before the clock started or
    after it stopped, and an approval after the due date computed without the extension [INT:
    "approved before the clock runs out"; approval on the due date itself is in time].
    """
    if facts.extension is not None:
        raise ExtensionRefused(
            f"the limit was already extended on {facts.extension.approved_on}; Art. 42 allows "
            "one extension",
            code="already_extended",
        )
    problem = _extension_problem(facts, approved_on, days, cal, max_days=max_days)
    if problem is not None:
        raise problem
    return Extension(approved_on=approved_on, days=days)


# --------------------------------------------------------------------------------------------
# Explanations


def _label_text(days: list[date], cal: Calendar) -> str:
    names: list[str] = []
    notices: list[str] = []
    for d in days:
        label = cal.labels.get(d)
        if label is None:
            continue
        if label[0] not in names:
            names.append(label[0])
        if label[1] not in notices:
            notices.append(label[1])
    if not names:
        return "statutory holiday"
    return f"{' / '.join(names)}, {'; '.join(notices)}"


def _describe_span(
    start: date, end: date, cal: Calendar, intervals: Sequence[Interval] = ()
) -> list[str]:
    """Sentences on the non-working and make-up days in ``(start, end]`` (explanations only;
    this walks the span day by day, which is fine for one human-readable explanation)."""
    lines: list[str] = []
    weekend_days = 0
    run: list[date] = []

    def close_run() -> None:
        nonlocal weekend_days
        holidays = [d for d in run if d in cal.rest_days]
        if holidays:
            first, last = run[0].isoformat(), run[-1].isoformat()
            span = first if len(run) == 1 else f"{first} to {last}"
            lines.append(f"Skipped {span} ({_label_text(holidays, cal)}).")
        else:
            weekend_days += len(run)
        run.clear()

    d = start + _ONE_DAY
    while d <= end:
        if is_working_day(d, cal):
            if run:
                close_run()
            if d in cal.workdays:
                paused = any(a < d <= b for a, b in intervals)
                verb = "Treated" if paused else "Counted"
                note = ", but it fell inside a pause and was excluded" if paused else ""
                lines.append(
                    f"{verb} {_fmt(d)} as a working day: make-up working day (调休) for "
                    f"{_label_text([d], cal)}{note}."
                )
        else:
            run.append(d)
        d += _ONE_DAY
    if run:
        close_run()
    if weekend_days:
        lines.append(f"Skipped {_plural(weekend_days, 'ordinary weekend day')}.")
    return lines


def _trigger_line(start: date) -> str:
    return (
        f"Triggered on {_fmt(start)}; the trigger day is not counted (Civil Code Art. 201, by "
        f"analogy; law.md §3.7), so counting starts on {(start + _ONE_DAY).isoformat()}."
    )


def _provisional_lines(start: date, end: date, cal: Calendar) -> list[str]:
    return [
        f"Provisional: counted with weekends only because {year}'s holiday notice is not "
        "published; recompute when it is (law.md §3.6)."
        for year in unpublished_years(start, end, cal)
    ]


def explain_due(start: date, n: int, cal: Calendar) -> tuple[str, ...]:
    """Plain-English explanation of ``add_working_days(start, n, cal)`` (Art. 82; law.md §3.7):
    the trigger, the N working days, each holiday block skipped with its notice, the ordinary
    weekends, each make-up working day counted, the due date and any provisional year."""
    due = add_working_days(start, n, cal)
    lines = [_trigger_line(start), f"Limit: {_plural(n, 'working day')} (Art. 82)."]
    lines += _describe_span(start, due, cal)
    if n:
        lines.append(f"Due at the end of {_fmt(due)}, the {_ordinal(n)} working day.")
    else:
        lines.append(f"A limit of 0 working days ends on the trigger day, {_fmt(due)}.")
    lines += _provisional_lines(start, due, cal)
    lines.append(f"Calendar version {cal.version[:12]}.")
    return tuple(lines)


# --------------------------------------------------------------------------------------------
# The ledger


def compute_clock(facts: ClockFacts, *, today: date, cal: Calendar) -> ClockState:
    """Derive due date, status, working days used and left, warning level and an explanation.

    Articles: Art. 82 and law.md §3.7 (counting), Art. 45 (pauses), Art. 42 (one extension,
    approved before expiry), Art. 74(2) and law.md §4 (overdue = red; yellow at
    ``yellow_days`` or fewer left while running). See the module docstring for the [INT] rules.
    """
    stop = facts.stopped_on
    evaluated_on = min(today, stop) if stop is not None else today
    intervals, overlapped = _merged(facts, horizon=today)

    lines = [_trigger_line(facts.start), f"Limit: {_plural(facts.days, 'working day')} (Art. 82)."]

    # Extension (Art. 42): one, and only if approved before the limit ran out.
    total = facts.days
    extension_applied = False
    ext = facts.extension
    if ext is not None:
        problem = _extension_problem(facts, ext.approved_on, ext.days, cal, max_days=None)
        if problem is None:
            total += ext.days
            extension_applied = True
            lines.append(
                f"Extended by {_plural(ext.days, 'working day')} approved on "
                f"{ext.approved_on.isoformat()} (Art. 42): {total} working days in all."
            )
        else:
            lines.append(f"Extension of {_plural(ext.days, 'working day')} disregarded: {problem}.")

    projected_due = _nth_counted(facts.start, total, intervals, cal)
    unknown = [s for s in _unknown_pause_starts(facts) if s < projected_due]
    due = None if unknown else projected_due

    # Pauses (Art. 45).
    for pause in sorted(facts.pauses, key=lambda p: p.start):
        reason = pause.reason.label
        if pause.end is not None:
            excluded = working_days_between(pause.start, pause.end, cal)
            lines.append(
                f"Paused for {reason} (Art. 45) from {pause.start.isoformat()} to "
                f"{pause.end.isoformat()}: {_plural(excluded, 'working day')} excluded; the "
                f"order day counts and counting resumed on {(pause.end + _ONE_DAY).isoformat()}."
            )
        elif stop is not None:
            excluded = working_days_between(pause.start, stop, cal)
            lines.append(
                f"Paused for {reason} (Art. 45) from {pause.start.isoformat()} until the clock "
                f"stopped on {stop.isoformat()}: {_plural(excluded, 'working day')} excluded."
            )
        else:
            so_far = working_days_between(pause.start, today, cal)
            if pause.expected_end is None:
                outlook = "no expected end was notified, so the due date is open"
            elif pause.expected_end < today:
                outlook = (
                    f"the expected end {pause.expected_end.isoformat()} has passed, so the "
                    "projection assumes it resumes after today"
                )
            else:
                outlook = f"expected to end on {pause.expected_end.isoformat()}"
            lines.append(
                f"Paused for {reason} (Art. 45) since {pause.start.isoformat()}, still open: "
                f"{_plural(so_far, 'working day')} excluded so far; {outlook}."
            )
    if overlapped:
        merged_days = sum(working_days_between(a, b, cal) for a, b in intervals)
        lines.append(
            f"Overlapping pauses were merged: {_plural(merged_days, 'working day')} excluded "
            "in all."
        )

    lines += _describe_span(facts.start, projected_due, cal, intervals)
    if due is not None:
        lines.append(f"Due at the end of {_fmt(due)}, the {_ordinal(total)} counted working day.")
    else:
        lines.append(
            f"Due date unknown while paused; if the clock resumed today it would be "
            f"{_fmt(projected_due)}."
        )

    used = _counted_between(facts.start, evaluated_on, intervals, cal)
    paused_days = working_days_between(facts.start, evaluated_on, cal) - used
    left = total - used

    open_now = any(p.end is None and p.start <= today for p in facts.pauses)
    stopped_late = False
    if stop is not None:
        status = ClockStatus.STOPPED
        stopped_late = stop > projected_due
        if stopped_late:
            late = _counted_between(projected_due, stop, intervals, cal)
            lines.append(
                f"Stopped on {_fmt(stop)}, after the due date "
                f"({_plural(late, 'working day')} late)."
            )
        else:
            lines.append(f"Stopped on {_fmt(stop)}, within the limit.")
    elif today > projected_due:
        status = ClockStatus.OVERDUE
        lines.append(
            f"Overdue on {today.isoformat()}: {_plural(-left, 'working day')} late (Art. 74(2))."
        )
    elif open_now:
        status = ClockStatus.PAUSED
    else:
        status = ClockStatus.RUNNING

    if status == ClockStatus.OVERDUE:
        level = WarningLevel.RED
    elif status == ClockStatus.RUNNING and 0 <= left <= facts.yellow_days:
        level = WarningLevel.YELLOW
    else:
        level = WarningLevel.NONE

    before_yellow = total - facts.yellow_days
    if before_yellow <= 0:
        yellow_from: date | None = facts.start
    else:
        yellow_from = _nth_counted(facts.start, before_yellow, intervals, cal)
        if any(s < yellow_from for s in unknown):
            yellow_from = None

    provisional = is_provisional(facts.start, max(projected_due, evaluated_on), cal)
    lines += _provisional_lines(facts.start, max(projected_due, evaluated_on), cal)
    lines.append(f"Calendar version {cal.version[:12]}.")

    return ClockState(
        due=due,
        projected_due=projected_due,
        status=status,
        stopped_late=stopped_late,
        used=used,
        left=left,
        level=level,
        yellow_from=yellow_from,
        paused_days=paused_days,
        total=total,
        extension_applied=extension_applied,
        provisional=provisional,
        calendar_version=cal.version,
        explanation=tuple(lines),
    )
