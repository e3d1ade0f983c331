"""The published performance figures (issue 7; licensing.rules.statistics): the on-time
definitions on hand-made cases — plain, paused (Art. 45), extended (Art. 42) and deemed accepted
(Art. 32(4)) — the median, and the 20-case minimum. Pure: no database.

Calendar: the State Council's 2025 notice. C2 accepted on Monday 2025-03-03 runs 20 working days
to Monday 2025-03-31; Qingming 2025 is a rest block on 4/4–4/6."""

from __future__ import annotations

from datetime import date

import pytest

from licensing.rules import statistics
from licensing.rules.calendar_data import national_calendar_from_package
from licensing.rules.clocks import ClockFacts, Extension, Pause, PauseReason, compute_clock
from licensing.rules.statistics import (
    MIN_CASES,
    decision_timeliness,
    is_on_time,
    median,
    median_figure,
    on_time_share,
    working_days_to_decision,
)

D = date
CAL = national_calendar_from_package(first_year=2024, last_year=2026)
ACCEPTED = D(2025, 3, 3)
PLAIN = ClockFacts(start=ACCEPTED, days=20)
TESTING = Pause(start=D(2025, 3, 10), end=D(2025, 3, 14), reason=PauseReason.TESTING)
"""Ordered Monday 3/10, result on Friday 3/14: 3/11–3/14, four working days, do not count."""


def timeliness(facts: ClockFacts, decided_on: date):
    return decision_timeliness(facts, decided_on=decided_on, cal=CAL)


class TestOnTimeDefinition:
    def test_minimum_is_twenty(self):
        assert MIN_CASES == 20

    def test_a_decision_on_the_due_date_is_on_time(self):
        result = timeliness(PLAIN, D(2025, 3, 31))
        assert result.due_on == D(2025, 3, 31)
        assert result.on_time is True
        assert result.working_days == 20

    def test_a_decision_the_day_after_the_due_date_is_late(self):
        result = timeliness(PLAIN, D(2025, 4, 1))
        assert result.on_time is False
        assert result.working_days == 21

    def test_paused_time_does_not_count_art_45(self):
        """Four working days of testing move the due date past Qingming to Monday 4/7: a decision
        on 4/7 is on time although 4/7 is after the unpaused limit (3/31)."""
        facts = ClockFacts(start=ACCEPTED, days=20, pauses=(TESTING,))
        result = timeliness(facts, D(2025, 4, 7))
        assert result.due_on == D(2025, 4, 7)
        assert result.on_time is True
        assert result.working_days == 20
        assert timeliness(facts, D(2025, 4, 8)).on_time is False

    def test_a_valid_extension_counts_art_42(self):
        """+10 working days approved on 3/28, before the limit ran out: due Tuesday 4/15."""
        facts = ClockFacts(start=ACCEPTED, days=20, extension=Extension(approved_on=D(2025, 3, 28), days=10))
        result = timeliness(facts, D(2025, 4, 15))
        assert result.due_on == D(2025, 4, 15)
        assert result.on_time is True
        assert result.working_days == 30

    def test_an_extension_approved_after_the_limit_ran_out_does_not_count(self):
        """Art. 42(1): the extension must be approved before the limit expires; one approved on
        4/1 is disregarded and the 4/15 decision is ten working days late."""
        facts = ClockFacts(start=ACCEPTED, days=20, extension=Extension(approved_on=D(2025, 4, 1), days=10))
        result = timeliness(facts, D(2025, 4, 15))
        assert result.due_on == D(2025, 3, 31)
        assert result.on_time is False
        assert result.working_days == 30

    def test_deemed_acceptance_counts_from_the_receipt_date_art_32_4(self):
        """Received Monday 3/3 and never triaged: C1 ran out on 3/10 and the application is
        accepted *as of 3/3*, so C2 ends on 3/31, not on 4/8 (20 WD after 3/10)."""
        received = D(2025, 3, 3)
        deemed = ClockFacts(start=received, days=20)
        from_c1_end = ClockFacts(start=D(2025, 3, 10), days=20)
        assert timeliness(from_c1_end, D(2025, 4, 3)).on_time is True
        result = timeliness(deemed, D(2025, 4, 3))
        assert result.due_on == D(2025, 3, 31)
        assert result.on_time is False
        assert result.working_days == 23

    def test_unknown_due_date_is_not_counted(self):
        assert is_on_time(D(2025, 3, 3), None) is None
        share = on_time_share([True, None, False])
        assert (share.numerator, share.denominator) == (1, 2)


class TestWorkingDaysToDecision:
    CASES = {
        "plain, on time": (PLAIN, D(2025, 3, 20)),
        "plain, late across Qingming": (PLAIN, D(2025, 4, 9)),
        "paused": (ClockFacts(start=ACCEPTED, days=20, pauses=(TESTING,)), D(2025, 4, 3)),
        "paused and late": (ClockFacts(start=ACCEPTED, days=20, pauses=(TESTING,)), D(2025, 4, 10)),
        "extended": (
            ClockFacts(start=ACCEPTED, days=20, extension=Extension(approved_on=D(2025, 3, 28), days=10)),
            D(2025, 4, 11),
        ),
        "decided on the acceptance day": (PLAIN, ACCEPTED),
    }

    @pytest.mark.parametrize(("facts", "decided_on"), CASES.values(), ids=CASES.keys())
    def test_stored_row_formula_equals_the_clock_count(self, facts, decided_on):
        """The figure computed from a stored Clock row (limit, due date, stop date) equals the
        working days the clock itself counted, pauses excluded."""
        from dataclasses import replace

        state = compute_clock(replace(facts, stopped_on=decided_on), today=decided_on, cal=CAL)
        assert working_days_to_decision(
            stopped_on=decided_on, due_on=state.due, total_days=state.total, cal=CAL
        ) == state.used


class TestShareAndMedian:
    def test_fewer_than_twenty_cases_are_not_published(self):
        share = on_time_share([True] * 19)
        assert share.denominator == 19
        assert share.published is False
        assert share.value is None and share.percent is None

    def test_twenty_cases_are_published(self):
        share = on_time_share([True] * 15 + [False] * 5)
        assert share.published is True
        assert share.value == 0.75
        assert share.percent == 75.0

    def test_median_of_odd_and_even_counts(self):
        assert median([5, 1, 3]) == 3
        assert median([4, 1, 3, 2]) == 2.5
        assert median([]) is None

    def test_median_figure_needs_twenty_values(self):
        assert median_figure(range(19)) == (None, 19)
        assert median_figure(range(20)) == (9.5, 20)

    def test_distribution_shares_only_from_twenty_ratings(self):
        few = statistics.distribution({1: 10, 5: 9}, levels=range(1, 6))
        assert few.total == 19 and few.shares is None and few.percent_list is None
        enough = statistics.distribution({1: 10, 2: 5, 5: 5}, levels=range(1, 6))
        assert enough.counts == {1: 10, 2: 5, 3: 0, 4: 0, 5: 5}
        assert enough.percent_list == [50.0, 25.0, 0.0, 0.0, 25.0]
