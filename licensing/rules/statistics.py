"""The published performance figures of each agency (Art. 5, 40; law.md §4 e-supervision;
design.md "what users of peer systems ask for" #8: honest statistics with precise definitions
and minimum sample sizes).

Pure: stdlib and :mod:`licensing.rules` only, no Django, no system clock. The public pages and
the open data compute their figures with these functions (or with SQL that a test proves equal
to them), and print the definitions written here.

Definitions [INT] (law.md is silent on statistics; they need sign-off):

* **On time against the statutory limit.** A decided application is on time when its decision
  date is on or before the due date of the decision clock C2 (Art. 42): C2 counts from
  acceptance — for a deemed acceptance from the receipt date (Art. 32(4)) — in working days
  (Art. 82), with the working days of Art. 45 excluded procedures left out and one valid Art. 42
  extension added (an extension approved after the limit ran out does not count). In the
  ledger's terms: ``C2.stopped_on <= C2.due_on``. A decision on the due date itself is on time.
* **On time against the promised limit (承诺时限).** The same with the promised clock C2P,
  which has no extension (law.md §4).
* **Working days to decision.** The working days clock C2 counted up to and including the
  decision date: its limit (with a valid extension) minus the working days left after the
  decision date, or plus the working days it was late. Pauses are therefore not counted, and
  the acceptance day is not counted (Art. 82; law.md §3.7).
* **Minimum sample.** No share, median or distribution is published for fewer than
  :data:`MIN_CASES` cases: it would say little and could point at individuals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from licensing.rules.clocks import ClockFacts, compute_clock
from licensing.rules.working_days import Calendar, working_days_between

__all__ = [
    "MIN_CASES",
    "Distribution",
    "Share",
    "Timeliness",
    "decision_timeliness",
    "distribution",
    "is_on_time",
    "median",
    "median_figure",
    "on_time_share",
    "working_days_to_decision",
]

MIN_CASES = 20
"""No figure is published for fewer than 20 cases (issue 7)."""


def is_on_time(decided_on: date, due_on: date | None) -> bool | None:
    """Whether a decision on ``decided_on`` met a limit ending on ``due_on`` (inclusive).

    ``None`` when the due date is unknown (a clock with no due date is not counted either way).
    """
    if due_on is None:
        return None
    return decided_on <= due_on


def working_days_to_decision(*, stopped_on: date, due_on: date, total_days: int, cal: Calendar) -> int:
    """Working days the decision clock counted up to ``stopped_on`` (see the module docstring).

    ``total_days`` is the clock's limit including a valid extension (``Clock.days``); ``due_on``
    its due date (pauses already moved it). The days between the decision and the due date hold
    no pause (a pause still open when the clock stops ends on the stop date), so the count is
    ``total - WD(stop, due]`` when on time and ``total + WD(due, stop]`` when late.
    """
    if stopped_on <= due_on:
        return total_days - working_days_between(stopped_on, due_on, cal)
    return total_days + working_days_between(due_on, stopped_on, cal)


@dataclass(frozen=True)
class Timeliness:
    """How one decided application fared against one limit."""

    due_on: date | None
    on_time: bool | None
    working_days: int


def decision_timeliness(facts: ClockFacts, *, decided_on: date, cal: Calendar) -> Timeliness:
    """The reference definition: derive the clock from its recorded facts stopped on
    ``decided_on`` (Art. 42, 45, 82; deemed acceptance starts on receipt, Art. 32(4)), then
    judge it. The database figures use the stored ``Clock`` rows, which the services derive
    from the same facts with the same :func:`~licensing.rules.clocks.compute_clock`."""
    if facts.stopped_on != decided_on:
        facts = replace(facts, stopped_on=decided_on)
    state = compute_clock(facts, today=decided_on, cal=cal)
    return Timeliness(due_on=state.due, on_time=is_on_time(decided_on, state.due), working_days=state.used)


@dataclass(frozen=True)
class Share:
    """``numerator`` of ``denominator`` cases; ``value`` (0..1) only when published."""

    numerator: int
    denominator: int
    minimum: int = MIN_CASES

    @property
    def published(self) -> bool:
        return self.denominator >= self.minimum

    @property
    def value(self) -> float | None:
        if not self.published:
            return None
        return self.numerator / self.denominator

    @property
    def percent(self) -> float | None:
        value = self.value
        return None if value is None else round(100 * value, 1)


def on_time_share(outcomes: Iterable[bool | None], *, minimum: int = MIN_CASES) -> Share:
    """The share of on-time decisions among ``outcomes`` (``True`` on time, ``False`` late,
    ``None`` not counted), published only for ``minimum`` or more counted cases."""
    counted = [o for o in outcomes if o is not None]
    return Share(numerator=sum(1 for o in counted if o), denominator=len(counted), minimum=minimum)


def median(values: Iterable[float]) -> float | None:
    """The median (the mean of the two middle values for an even count); ``None`` if empty."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    if n % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def median_figure(values: Iterable[float], *, minimum: int = MIN_CASES) -> tuple[float | None, int]:
    """``(median, n)``: the median only for ``minimum`` or more values, else ``(None, n)``."""
    values = list(values)
    if len(values) < minimum:
        return None, len(values)
    return median(values), len(values)


@dataclass(frozen=True)
class Distribution:
    """Counts per level (every level present, zeros included) and the shares when published."""

    counts: Mapping[int, int]
    minimum: int = MIN_CASES

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def published(self) -> bool:
        return self.total >= self.minimum

    @property
    def shares(self) -> dict[int, float] | None:
        if not self.published:
            return None
        return {level: count / self.total for level, count in self.counts.items()}

    @property
    def percent_list(self) -> list[float] | None:
        """The shares in percent, one decimal, in the order of the levels; ``None`` if not
        published."""
        shares = self.shares
        if shares is None:
            return None
        return [round(100 * share, 1) for share in shares.values()]


def distribution(
    counts: Mapping[int, int], *, levels: Iterable[int], minimum: int = MIN_CASES
) -> Distribution:
    """A distribution over ``levels`` (e.g. the five 好差评 levels) from partial ``counts``."""
    return Distribution(counts={level: int(counts.get(level, 0)) for level in levels}, minimum=minimum)
