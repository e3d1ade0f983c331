"""E-supervision (电子监察) definitions: warning levels, clock outcomes, on-time rates and weeks.

Pure definitions over dates and counts (style.md 11): the standard library only, ``today`` is a
parameter. The selectors turn each definition into the same SQL filter
(``licensing.selectors_supervision``); these functions are the reference those filters are tested
against and the words the pages print.

**Warning levels** (law.md §4: yellow near the limit, red when overdue; Art. 74(2)) of one clock on
``today``: only a *running* clock has a level — a paused clock (Art. 45) or a stopped one has none.

* red: ``due_on < today`` — the limit (the end of its last working day) has passed;
* yellow: ``yellow_from <= today <= due_on`` — at most ``item.yellow_days`` working days are left
  (``Clock.yellow_from`` is derived by the clock ledger, ``licensing.rules.clocks``).

**Outcome of a clock** (per-agency and per-officer statistics, design.md "honest statistics"):
every clock has at most one outcome, on one day, so that a clock is counted in exactly one period:

* *met* — it stopped on or before its due date; counted on its stop date;
* *missed* — it stopped after its due date, or it is still running and its due date has passed;
  counted on the first day after its due date (the day it became late), whether or not it
  stopped since;
* none yet — running within its limit, or paused (an Art. 45 procedure: nothing is due).

The on-time rate of a set of clocks over a period is ``met / (met + missed)`` of the outcomes
counted in that period. Below ``MIN_SAMPLE`` outcomes the rate is shown but marked as resting on too
few cases to compare agencies by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

__all__ = [
    "CLOCK_LEGAL_BASIS",
    "DEFAULT_RESPONSE_DAYS",
    "MIN_SAMPLE",
    "OFFICER_CLOCKS",
    "ClockOutcome",
    "Level",
    "OnTimeRate",
    "clock_level",
    "clock_outcome",
    "outcome_day",
    "week_start",
    "weeks_ending",
]

DEFAULT_RESPONSE_DAYS = 5
"""Working days an agency has to answer a supervision case (督办) opened by a red card; the
national rules set no number (law.md §4, §6.7 [UNCONF]); ``XUKE_SUPERVISION_RESPONSE_DAYS``."""

MIN_SAMPLE = 5
"""Fewest outcomes an on-time rate must rest on before it is compared across agencies or
officers (design.md: honest statistics with minimum sample sizes) [INT]."""

OFFICER_CLOCKS = ("C2", "C2P", "C8")
"""Clocks an officer answers for personally: the examiner of the application handles the decision
(C2, and the promised limit C2P) and the inspection dispatch (C8, Art. 55). The acceptance check
(C1, Art. 32) and the certificate (C6, Art. 44) are the window's work and are counted per agency."""

CLOCK_LEGAL_BASIS = {
    "C1": "Art. 32(4)",
    "C2": "Art. 42; Art. 74(2)",
    "C2P": "承诺时限 (Regulation on Optimising the Business Environment, Art. 35–37)",
    "C6": "Art. 44",
    "C8": "Art. 55",
}
"""The provision each clock's limit comes from, cited in warnings and red cards (law.md §2a, §4)."""


class Level(StrEnum):
    """E-supervision card (law.md §4)."""

    YELLOW = "yellow"
    RED = "red"


class ClockOutcome(StrEnum):
    MET = "met"
    MISSED = "missed"


def clock_level(*, state: str, due_on: date | None, yellow_from: date | None, today: date) -> Level | None:
    """The warning level of a clock on ``today`` (module docstring): red when a running clock's
    due date has passed, yellow from ``yellow_from`` up to and including the due date."""
    if state != "running" or due_on is None:
        return None
    if due_on < today:
        return Level.RED
    if yellow_from is not None and yellow_from <= today:
        return Level.YELLOW
    return None


def clock_outcome(
    *, state: str, due_on: date | None, stopped_on: date | None, today: date
) -> tuple[ClockOutcome, date] | None:
    """The clock's outcome and the day it is counted on, known on ``today`` (module docstring)."""
    if due_on is None:
        return None
    if state == "stopped" and stopped_on is not None:
        if stopped_on <= due_on:
            return ClockOutcome.MET, stopped_on
        return ClockOutcome.MISSED, due_on + timedelta(days=1)
    if state == "running" and due_on < today:
        return ClockOutcome.MISSED, due_on + timedelta(days=1)
    return None


def outcome_day(outcome: ClockOutcome, *, due_on: date, stopped_on: date | None) -> date:
    """The day an outcome is counted on: the stop date if met, the day after the due date if missed."""
    if outcome == ClockOutcome.MET:
        assert stopped_on is not None
        return stopped_on
    return due_on + timedelta(days=1)


@dataclass(frozen=True)
class OnTimeRate:
    """``met`` of ``met + missed`` outcomes; ``rate`` is ``None`` when there are none."""

    met: int
    missed: int

    @property
    def total(self) -> int:
        return self.met + self.missed

    @property
    def rate(self) -> float | None:
        return self.met / self.total if self.total else None

    @property
    def reliable(self) -> bool:
        """Enough outcomes to compare by (``MIN_SAMPLE``)."""
        return self.total >= MIN_SAMPLE

    def percent(self) -> str:
        """"87.5%", or "–" when nothing was due."""
        return "–" if self.rate is None else f"{self.rate * 100:.1f}%"


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (ISO weeks: Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def weeks_ending(today: date, count: int) -> list[tuple[date, date]]:
    """The last ``count`` ISO weeks up to and including ``today``'s, oldest first, as
    ``(monday, last_day)``; the current week ends on ``today`` (it is not over yet)."""
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    current = week_start(today)
    weeks = []
    for back in range(count - 1, -1, -1):
        monday = current - timedelta(weeks=back)
        weeks.append((monday, min(monday + timedelta(days=6), today)))
    return weeks
