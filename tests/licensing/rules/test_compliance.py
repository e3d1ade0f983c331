"""The e-supervision definitions (licensing.rules.compliance): pure, no database (SimpleTestCase)."""

from datetime import date

from django.test import SimpleTestCase

from licensing.rules.compliance import (
    MIN_SAMPLE,
    ClockOutcome,
    Level,
    OnTimeRate,
    clock_level,
    clock_outcome,
    week_start,
    weeks_ending,
)

DUE = date(2025, 2, 27)
YELLOW = date(2025, 2, 24)


class ClockLevelTests(SimpleTestCase):
    def test_levels_of_a_running_clock(self):
        for today, expected in (
            (date(2025, 2, 21), None),  # before the yellow window
            (YELLOW, Level.YELLOW),  # first day of the window
            (DUE, Level.YELLOW),  # the due date itself is still in time
            (date(2025, 2, 28), Level.RED),  # the day after
        ):
            with self.subTest(today=today):
                self.assertEqual(clock_level(state="running", due_on=DUE, yellow_from=YELLOW, today=today), expected)

    def test_paused_and_stopped_clocks_have_no_level(self):
        for state in ("paused", "stopped"):
            with self.subTest(state=state):
                self.assertIsNone(clock_level(state=state, due_on=DUE, yellow_from=YELLOW, today=date(2025, 3, 31)))

    def test_no_due_date_no_level(self):
        self.assertIsNone(clock_level(state="running", due_on=None, yellow_from=None, today=DUE))


class ClockOutcomeTests(SimpleTestCase):
    def test_met_on_the_stop_date(self):
        self.assertEqual(
            clock_outcome(state="stopped", due_on=DUE, stopped_on=DUE, today=date(2025, 3, 5)),
            (ClockOutcome.MET, DUE),
        )

    def test_stopped_late_is_missed_the_day_after_the_due_date(self):
        self.assertEqual(
            clock_outcome(state="stopped", due_on=DUE, stopped_on=date(2025, 3, 5), today=date(2025, 3, 10)),
            (ClockOutcome.MISSED, date(2025, 2, 28)),
        )

    def test_running_past_the_due_date_is_missed(self):
        self.assertEqual(
            clock_outcome(state="running", due_on=DUE, stopped_on=None, today=date(2025, 2, 28)),
            (ClockOutcome.MISSED, date(2025, 2, 28)),
        )

    def test_no_outcome_yet(self):
        for state, today in (("running", DUE), ("paused", date(2025, 3, 31))):
            with self.subTest(state=state):
                self.assertIsNone(clock_outcome(state=state, due_on=DUE, stopped_on=None, today=today))

    def test_the_outcome_day_does_not_depend_on_when_the_clock_stopped(self):
        # A clock counts in exactly one period: missed stays counted on 02-28 after it stops.
        running = clock_outcome(state="running", due_on=DUE, stopped_on=None, today=date(2025, 3, 3))
        stopped = clock_outcome(state="stopped", due_on=DUE, stopped_on=date(2025, 4, 1), today=date(2025, 4, 2))
        self.assertEqual(running, stopped)


class OnTimeRateTests(SimpleTestCase):
    def test_rate_and_sample(self):
        rate = OnTimeRate(met=7, missed=1)
        self.assertEqual((rate.total, rate.rate, rate.percent(), rate.reliable), (8, 0.875, "87.5%", True))
        small = OnTimeRate(met=1, missed=MIN_SAMPLE - 2)
        self.assertFalse(small.reliable)

    def test_nothing_due(self):
        self.assertIsNone(OnTimeRate(0, 0).rate)
        self.assertEqual(OnTimeRate(0, 0).percent(), "–")


class WeekTests(SimpleTestCase):
    def test_week_start_is_monday(self):
        self.assertEqual(week_start(date(2025, 3, 23)), date(2025, 3, 17))  # Sunday
        self.assertEqual(week_start(date(2025, 3, 17)), date(2025, 3, 17))

    def test_weeks_ending_today(self):
        weeks = weeks_ending(date(2025, 3, 20), 3)
        self.assertEqual(
            weeks,
            [
                (date(2025, 3, 3), date(2025, 3, 9)),
                (date(2025, 3, 10), date(2025, 3, 16)),
                (date(2025, 3, 17), date(2025, 3, 20)),  # the current week ends today
            ],
        )
        with self.assertRaises(ValueError):
            weeks_ending(date(2025, 3, 20), 0)
