"""The clock ledger (law.md §2a, §3.7, §3.9, §4): due dates, Art. 45 pauses, the Art. 42
extension and warning levels. Pure: no database, no Django, no system clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from licensing.rules import clocks
from licensing.rules.calendar_data import national_calendar_from_package
from licensing.rules.clocks import (
    ClockFacts,
    ClockStatus,
    Extension,
    ExtensionRefused,
    Pause,
    PauseReason,
    WarningLevel,
    check_extension,
    compute_clock,
)
from licensing.rules.working_days import (
    Calendar,
    add_working_days,
    is_working_day,
    working_days_between,
)

D = date
REAL = national_calendar_from_package()
PROPERTY = settings(database=None, deadline=None, max_examples=200)

# C2 accepted on Monday 2025-03-03: 20 WD end on Monday 2025-03-31 (no holiday in March 2025).
MARCH = ClockFacts(start=D(2025, 3, 3), days=clocks.DECISION_DAYS)


def clock(facts: ClockFacts, today: date, cal: Calendar = REAL):
    return compute_clock(facts, today=today, cal=cal)


# ---------------------------------------------------------------------------------------------
# Constants


def test_statutory_constants():
    """Arts. 32(4), 42(1)-(2), 44, 55 and law.md §4."""
    assert clocks.ACCEPTANCE_CHECK_DAYS == 5
    assert clocks.DECISION_DAYS == 20
    assert clocks.JOINT_DECISION_DAYS == 45
    assert clocks.EXTENSION_DAYS == 10
    assert clocks.JOINT_EXTENSION_DAYS == 15
    assert clocks.CERTIFICATE_DAYS == 10
    assert clocks.INSPECTION_DISPATCH_DAYS == 5
    assert clocks.DEFAULT_YELLOW_DAYS == 3


def test_pause_reasons_are_exactly_the_eight_of_art_45():
    """Art. 45: hearing, tendering, auction, inspection, testing, quarantine, appraisal, expert
    review. Supplementing materials is not a pause (law.md §3.9)."""
    assert {r.value for r in PauseReason} == {
        "hearing",
        "tendering",
        "auction",
        "inspection",
        "testing",
        "quarantine",
        "appraisal",
        "expert_review",
    }
    with pytest.raises(ValueError):
        PauseReason("supplement")
    with pytest.raises(ValueError):
        Pause(D(2025, 3, 5), None, "supplement")
    assert Pause(D(2025, 3, 5), None, "testing").reason is PauseReason.TESTING


# ---------------------------------------------------------------------------------------------
# Plain clocks (Art. 82; law.md §3.7)

DUE_CASES = {
    "C1 receipt on a Friday, 5 WD (Art. 32(4))": (
        D(2025, 3, 7),
        clocks.ACCEPTANCE_CHECK_DAYS,
        D(2025, 3, 14),
    ),
    "C2 accepted before Spring Festival 2025 (Arts. 42(1), 82)": (
        D(2025, 1, 24),
        clocks.DECISION_DAYS,
        D(2025, 2, 27),
    ),
    "C2 across National Day 2025, make-up 9/28 and 10/11 (Arts. 42(1), 82)": (
        D(2025, 9, 22),
        clocks.DECISION_DAYS,
        D(2025, 10, 24),
    ),
    "C2 joint handling, 45 WD (Art. 42(2))": (
        D(2025, 3, 3),
        clocks.JOINT_DECISION_DAYS,
        D(2025, 5, 8),
    ),
    "C6 certificate from a grant before Labour Day (Art. 44)": (
        D(2025, 4, 25),
        clocks.CERTIFICATE_DAYS,
        D(2025, 5, 13),
    ),
    "C8 inspection dispatch across the leap day (Art. 55)": (
        D(2024, 2, 26),
        clocks.INSPECTION_DISPATCH_DAYS,
        D(2024, 3, 4),
    ),
}


@pytest.mark.parametrize(("start", "days", "due"), DUE_CASES.values(), ids=DUE_CASES.keys())
def test_due_without_pauses(start, days, due):
    """Art. 82: a clock without pauses ends on add_working_days(start, days)."""
    state = clock(ClockFacts(start=start, days=days), today=start)
    assert state.due == state.projected_due == due
    assert state.status == ClockStatus.RUNNING
    assert state.used == 0 and state.left == days
    assert not state.provisional
    assert state.calendar_version == REAL.version


def test_explanation_of_a_plain_clock():
    """Art. 82, law.md §3.7: the explanation names the trigger rule, the block and its notice."""
    state = clock(ClockFacts(start=D(2025, 1, 24), days=20), today=D(2025, 1, 24))
    text = "\n".join(state.explanation)
    assert "the trigger day is not counted (Civil Code Art. 201" in text
    assert "Limit: 20 working days (Art. 82)." in text
    assert "Skipped 2025-01-28 to 2025-02-04 (Spring Festival, 国办发明电〔2024〕12号)." in text
    assert "Counted 2025-02-08 (Sat) as a working day" in text
    assert "Due at the end of 2025-02-27 (Thu), the 20th counted working day." in text


# ---------------------------------------------------------------------------------------------
# Warning levels (law.md §4; Art. 74(2))

LEVEL_CASES = {
    "four WD left: no warning": (D(2025, 3, 25), ClockStatus.RUNNING, WarningLevel.NONE, 4),
    "three WD left: yellow": (D(2025, 3, 26), ClockStatus.RUNNING, WarningLevel.YELLOW, 3),
    "weekend with one WD left: yellow": (
        D(2025, 3, 29),
        ClockStatus.RUNNING,
        WarningLevel.YELLOW,
        1,
    ),
    "due date itself: yellow, 0 left": (
        D(2025, 3, 31),
        ClockStatus.RUNNING,
        WarningLevel.YELLOW,
        0,
    ),
    "one WD late: red (Art. 74(2))": (D(2025, 4, 1), ClockStatus.OVERDUE, WarningLevel.RED, -1),
    "Qingming 4/4 is not a late working day: red, 3 late": (
        D(2025, 4, 6),
        ClockStatus.OVERDUE,
        WarningLevel.RED,
        -3,
    ),
    "before the trigger: nothing used": (D(2025, 3, 1), ClockStatus.RUNNING, WarningLevel.NONE, 20),
}


@pytest.mark.parametrize(
    ("today", "status", "level", "left"), LEVEL_CASES.values(), ids=LEVEL_CASES.keys()
)
def test_warning_levels(today, status, level, left):
    """law.md §4 e-supervision: yellow at <= 3 WD left while running, red when overdue."""
    state = clock(MARCH, today)
    assert (state.status, state.level, state.left) == (status, level, left)
    assert state.due == D(2025, 3, 31)
    assert state.yellow_from == D(2025, 3, 26)


def test_overdue_explained():
    """Art. 74(2): not deciding within the limit; the explanation says how late."""
    state = clock(MARCH, D(2025, 4, 2))
    assert "Overdue on 2025-04-02: 2 working days late (Art. 74(2))." in state.explanation


def test_custom_yellow_threshold():
    """law.md §4: the threshold is configurable per item; 0 means only the due day is yellow."""
    facts = replace(MARCH, yellow_days=0)
    assert clock(facts, D(2025, 3, 28)).level == WarningLevel.NONE
    assert clock(facts, D(2025, 3, 31)).level == WarningLevel.YELLOW
    assert clock(facts, D(2025, 3, 3)).yellow_from == D(2025, 3, 31)
    short = ClockFacts(start=D(2025, 3, 3), days=2, yellow_days=3)
    assert clock(short, D(2025, 3, 3)).yellow_from == D(2025, 3, 3)
    assert clock(short, D(2025, 3, 3)).level == WarningLevel.YELLOW


STOP_CASES = {
    "decided within the limit (Art. 42)": (D(2025, 3, 20), False, 7),
    "decided on the due date (Art. 42)": (D(2025, 3, 31), False, 0),
    "decided two WD late: stopped, not red (Art. 74(2))": (D(2025, 4, 2), True, -2),
}


@pytest.mark.parametrize(("stopped_on", "late", "left"), STOP_CASES.values(), ids=STOP_CASES.keys())
def test_stopped_clock(stopped_on, late, left):
    """A decision stops C2 (Art. 42); a late stop is flagged stopped_late but never red."""
    state = clock(replace(MARCH, stopped_on=stopped_on), today=D(2025, 6, 1))
    assert state.status == ClockStatus.STOPPED
    assert state.stopped_late is late
    assert state.level == WarningLevel.NONE
    assert state.left == left
    assert state.used == 20 - left


def test_stop_before_start_rejected():
    """A clock cannot stop before its trigger."""
    with pytest.raises(ValueError):
        replace(MARCH, stopped_on=D(2025, 3, 1))
    with pytest.raises(ValueError):
        ClockFacts(start=D(2025, 3, 3), days=0)


# ---------------------------------------------------------------------------------------------
# Pauses (Art. 45; law.md §3.9)

SPRING = ClockFacts(start=D(2025, 1, 20), days=20)  # due 2025-02-21 without pauses
TESTING_ACROSS_SPRING_FESTIVAL = Pause(D(2025, 1, 22), D(2025, 2, 10), PauseReason.TESTING)


def test_pause_across_a_holiday_block():
    """Art. 45: testing ordered 2025-01-22 and reported 2025-02-10 excludes the 9 working days
    in (1/22, 2/10] (incl. make-up days 1/26 and 2/8; the Spring Festival block is not a working
    day anyway), so the due date moves from 2025-02-21 by 9 WD to 2025-03-06."""
    assert clock(SPRING, D(2025, 1, 20)).due == D(2025, 2, 21)
    facts = replace(SPRING, pauses=(TESTING_ACROSS_SPRING_FESTIVAL,))
    state = clock(facts, D(2025, 2, 12))
    assert state.due == D(2025, 3, 6)
    assert state.status == ClockStatus.RUNNING
    assert state.paused_days == 9
    assert state.used == 4  # 1/21, 1/22 (the order day counts), 2/11, 2/12
    assert state.left == 16
    assert (
        "Paused for testing (检测) (Art. 45) from 2025-01-22 to 2025-02-10: 9 working days "
        "excluded; the order day counts and counting resumed on 2025-02-11." in state.explanation
    )
    assert any("but it fell inside a pause" in line for line in state.explanation)


def test_pause_ordered_on_the_due_date_does_not_extend():
    """Art. 45 [INT]: the order day still counts, so a pause ordered on the last day is too late
    to move the due date."""
    facts = replace(MARCH, pauses=(Pause(D(2025, 3, 31), D(2025, 4, 15), "expert_review"),))
    assert clock(facts, D(2025, 4, 16)).due == D(2025, 3, 31)


def test_pause_after_expiry_does_not_revive_the_clock():
    """Art. 45 cannot cure Art. 74(2) lateness: an open pause ordered after the due date leaves
    the clock overdue and red."""
    facts = replace(MARCH, pauses=(Pause(D(2025, 4, 2), None, "appraisal"),))
    state = clock(facts, D(2025, 4, 10))
    assert state.due == D(2025, 3, 31)
    assert state.status == ClockStatus.OVERDUE
    assert state.level == WarningLevel.RED
    assert state.left == -2  # 4/1 and 4/2 counted; the pause excludes what follows


def test_overlapping_pauses_are_merged():
    """Art. 45 [INT]: concurrent testing and expert review exclude their union once."""
    pauses = (
        TESTING_ACROSS_SPRING_FESTIVAL,
        Pause(D(2025, 2, 5), D(2025, 2, 12), PauseReason.EXPERT_REVIEW),
    )
    state = clock(replace(SPRING, pauses=pauses), D(2025, 3, 20))
    assert state.due == D(2025, 3, 10)  # 11 WD excluded: (1/22, 2/12]
    assert state.paused_days == 11
    assert any(line.startswith("Overlapping pauses were merged: 11") for line in state.explanation)


def test_back_to_back_pauses():
    """Art. 45 [INT]: inspection then quarantine, the second ordered when the first ends."""
    pauses = (
        Pause(D(2025, 3, 5), D(2025, 3, 7), "inspection"),
        Pause(D(2025, 3, 7), D(2025, 3, 11), "quarantine"),
    )
    state = clock(replace(MARCH, pauses=pauses), D(2025, 3, 12))
    assert state.paused_days == working_days_between(D(2025, 3, 5), D(2025, 3, 11), REAL) == 4
    assert state.due == add_working_days(D(2025, 3, 31), 4, REAL) == D(2025, 4, 7)


class TestOpenPause:
    def test_open_pause_with_expected_end(self):
        """Art. 45: the written notice states the time needed; the due date is projected on it."""
        pause = Pause(D(2025, 3, 10), None, "hearing", expected_end=D(2025, 3, 21))
        state = clock(replace(MARCH, pauses=(pause,)), D(2025, 3, 14))
        assert state.status == ClockStatus.PAUSED
        assert state.level == WarningLevel.NONE
        assert state.due == state.projected_due == D(2025, 4, 14)  # 3/31 + 9 WD, Qingming skipped
        assert state.paused_days == 4
        assert state.used == 5

    def test_open_pause_without_expected_end(self):
        """Art. 45: with no expected end the due date is open; projected as if resumed today."""
        pause = Pause(D(2025, 3, 10), None, "auction")
        state = clock(replace(MARCH, pauses=(pause,)), D(2025, 3, 14))
        assert state.due is None
        assert state.status == ClockStatus.PAUSED
        assert state.projected_due == add_working_days(D(2025, 3, 31), 4, REAL)
        assert state.yellow_from is None
        assert any("Due date unknown while paused" in line for line in state.explanation)

    def test_open_pause_past_its_expected_end(self):
        """law.md §3.9: alert when the expected end passes; project as if it resumed today."""
        pause = Pause(D(2025, 3, 10), None, "testing", expected_end=D(2025, 3, 12))
        state = clock(replace(MARCH, pauses=(pause,)), D(2025, 3, 14))
        assert state.due == add_working_days(D(2025, 3, 31), 4, REAL)
        assert any("has passed" in line for line in state.explanation)

    def test_open_pause_ends_when_the_clock_stops(self):
        """A decision during a pause stops the clock; the pause ends on the stop date."""
        pause = Pause(D(2025, 3, 10), None, "testing")
        state = clock(replace(MARCH, pauses=(pause,), stopped_on=D(2025, 3, 14)), D(2025, 5, 1))
        assert state.status == ClockStatus.STOPPED
        assert state.due == add_working_days(D(2025, 3, 31), 4, REAL)
        assert state.used == 5 and state.paused_days == 4

    def test_yellow_from_known_before_an_unbounded_pause(self):
        """The yellow date is known if the open pause started after it (law.md §4)."""
        pause = Pause(D(2025, 3, 27), None, "hearing")
        state = clock(replace(MARCH, pauses=(pause,)), D(2025, 3, 28))
        assert state.due is None
        assert state.yellow_from == D(2025, 3, 26)
        assert state.status == ClockStatus.PAUSED and state.level == WarningLevel.NONE


def test_pause_validation():
    """A pause cannot end before it starts or precede the clock's trigger (Art. 45)."""
    with pytest.raises(ValueError):
        Pause(D(2025, 3, 10), D(2025, 3, 9), "testing")
    with pytest.raises(ValueError):
        replace(MARCH, pauses=(Pause(D(2025, 3, 1), D(2025, 3, 9), "testing"),))


# ---------------------------------------------------------------------------------------------
# Extension (Art. 42(1)-(2); law.md §2b #20)


class TestExtension:
    def test_extension_approved_before_expiry_accepted(self):
        """Art. 42(1): +10 WD approved by the head on the last day is in time."""
        ext = check_extension(
            MARCH, D(2025, 3, 31), clocks.EXTENSION_DAYS, cal=REAL, max_days=clocks.EXTENSION_DAYS
        )
        assert ext == Extension(approved_on=D(2025, 3, 31), days=10)
        state = clock(replace(MARCH, extension=ext), D(2025, 4, 10))
        assert state.extension_applied and state.total == 30
        assert state.due == D(2025, 4, 15)  # Qingming 4/4 skipped
        assert state.status == ClockStatus.RUNNING and state.level == WarningLevel.YELLOW
        assert any(line.startswith("Extended by 10 working days") for line in state.explanation)

    def test_extension_approved_after_expiry_refused(self):
        """Art. 42(1) [INT]: once the 20 WD ran out (2025-03-31), no extension is possible."""
        with pytest.raises(ExtensionRefused) as refused:
            check_extension(MARCH, D(2025, 4, 1), 10, cal=REAL)
        assert refused.value.code == "after_expiry"
        assert refused.value.due_without_extension == D(2025, 3, 31)

    def test_late_extension_disregarded_by_compute_clock(self):
        """Art. 42(1): a recorded late extension does not move the due date; the explanation
        says why."""
        facts = replace(MARCH, extension=Extension(approved_on=D(2025, 4, 1), days=10))
        state = clock(facts, D(2025, 4, 2))
        assert not state.extension_applied
        assert state.due == D(2025, 3, 31)
        assert state.status == ClockStatus.OVERDUE and state.level == WarningLevel.RED
        assert any(
            "disregarded" in line and "ran out on 2025-03-31" in line for line in state.explanation
        )

    def test_only_one_extension(self):
        """Art. 42: one extension only."""
        facts = replace(MARCH, extension=Extension(approved_on=D(2025, 3, 20), days=10))
        with pytest.raises(ExtensionRefused) as refused:
            check_extension(facts, D(2025, 3, 25), 5, cal=REAL)
        assert refused.value.code == "already_extended"

    @pytest.mark.parametrize(
        ("approved_on", "days", "code"),
        [
            (D(2025, 3, 10), 11, "too_long"),
            (D(2025, 3, 10), 0, "non_positive"),
            (D(2025, 3, 1), 10, "before_start"),
        ],
        ids=["more than the 10 WD of Art. 42(1)", "zero days", "before acceptance"],
    )
    def test_invalid_extensions(self, approved_on, days, code):
        """Art. 42(1): +10 WD at most, approved while the clock runs."""
        with pytest.raises(ExtensionRefused) as refused:
            check_extension(MARCH, approved_on, days, cal=REAL, max_days=clocks.EXTENSION_DAYS)
        assert refused.value.code == code

    def test_extension_after_stop_refused(self):
        """Art. 42: nothing to extend once the decision stopped the clock."""
        facts = replace(MARCH, stopped_on=D(2025, 3, 20))
        with pytest.raises(ExtensionRefused) as refused:
            check_extension(facts, D(2025, 3, 21), 10, cal=REAL)
        assert refused.value.code == "clock_stopped"

    def test_extension_during_a_pause_that_began_in_time(self):
        """Arts. 42(1), 45: the limit cannot run out while paused, so an approval during a
        pause ordered before expiry is in time even after the original due date."""
        pause = Pause(D(2025, 3, 28), None, "expert_review", expected_end=D(2025, 4, 30))
        facts = replace(MARCH, pauses=(pause,))
        ext = check_extension(facts, D(2025, 4, 8), 10, cal=REAL)
        state = clock(replace(facts, extension=ext), D(2025, 4, 8))
        assert state.extension_applied and state.status == ClockStatus.PAUSED

    def test_joint_handling_extension(self):
        """Art. 42(2): 45 WD plus 15 WD approved by the head of the people's government."""
        facts = ClockFacts(start=D(2025, 3, 3), days=clocks.JOINT_DECISION_DAYS)
        ext = check_extension(
            facts,
            D(2025, 5, 8),
            clocks.JOINT_EXTENSION_DAYS,
            cal=REAL,
            max_days=clocks.JOINT_EXTENSION_DAYS,
        )
        state = clock(replace(facts, extension=ext), D(2025, 5, 8))
        assert state.due == add_working_days(D(2025, 5, 8), 15, REAL) == D(2025, 5, 29)


# ---------------------------------------------------------------------------------------------
# Provisional (law.md §3.6)


def test_provisional_clock_recomputed_when_2027_is_published():
    """law.md §3.6: a clock reaching into unpublished 2027 is provisional; loading the notice
    (here a 2027-01-01 rest day) moves the due date and clears the flag (Arts. 42, 82)."""
    facts = ClockFacts(start=D(2026, 12, 20), days=20)
    before = clock(facts, D(2026, 12, 21))
    assert before.due == D(2027, 1, 15)
    assert before.provisional
    assert any(
        "Provisional: counted with weekends only because 2027's holiday notice is not published"
        in line
        for line in before.explanation
    )
    cal_2027 = Calendar.build(
        rest_days=REAL.rest_days | {D(2027, 1, 1)},
        workdays=REAL.workdays,
        published_years=REAL.published_years | {2027},
        labels=REAL.labels,
    )
    after = clock(facts, D(2026, 12, 21), cal_2027)
    assert after.due == D(2027, 1, 18)
    assert not after.provisional
    assert after.calendar_version != before.calendar_version


def test_hand_made_calendar_clock():
    """A tiny calendar: rest 2030-01-01/02, make-up 2030-01-05 (Art. 82; law.md §3.6)."""
    cal = Calendar.build(
        rest_days=[D(2030, 1, 1), D(2030, 1, 2)], workdays=[D(2030, 1, 5)], published_years=[2030]
    )
    facts = ClockFacts(
        start=D(2029, 12, 31), days=5, pauses=(Pause(D(2030, 1, 3), D(2030, 1, 5), "quarantine"),)
    )
    state = clock(facts, D(2030, 1, 7), cal)
    # Counted: 1/3 (order day); excluded 1/4 and make-up 1/5; then 1/7, 1/8, 1/9, 1/10.
    assert state.due == D(2030, 1, 10)
    assert state.paused_days == 2 and state.used == 2


# ---------------------------------------------------------------------------------------------
# Properties


starts = st.dates(min_value=D(2004, 1, 1), max_value=D(2034, 12, 31))
lengths = st.integers(min_value=1, max_value=60)


@st.composite
def pause_lists(draw, start):
    pauses = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        a = start + timedelta(days=draw(st.integers(min_value=0, max_value=90)))
        b = a + timedelta(days=draw(st.integers(min_value=0, max_value=40)))
        pauses.append(Pause(a, b, draw(st.sampled_from(list(PauseReason)))))
    return tuple(pauses)


@PROPERTY
@given(data=st.data(), start=starts, days=lengths)
def test_property_pause_never_moves_due_earlier(data, start, days):
    """Art. 45: excluded time can only push the due date later, and the due date is a working
    day with exactly `days` counted working days outside the pauses."""
    pauses = data.draw(pause_lists(start))
    plain = clock(ClockFacts(start=start, days=days), start)
    paused = clock(ClockFacts(start=start, days=days, pauses=pauses), start)
    assert paused.due >= plain.due == add_working_days(start, days, REAL)
    assert is_working_day(paused.due, REAL)
    after_due = clock(ClockFacts(start=start, days=days, pauses=pauses), paused.due)
    assert after_due.used == days and after_due.left == 0


@PROPERTY
@given(data=st.data(), start=starts, days=lengths, offset=st.integers(min_value=0, max_value=200))
def test_property_ledger_adds_up(data, start, days, offset):
    """law.md §3.9: used + paused = working days elapsed; left = total - used."""
    pauses = data.draw(pause_lists(start))
    today = start + timedelta(days=offset)
    state = clock(ClockFacts(start=start, days=days, pauses=pauses), today)
    assert state.used + state.paused_days == working_days_between(start, today, REAL)
    assert state.left == days - state.used
    assert (state.status == ClockStatus.OVERDUE) == (today > state.due)
    assert (state.level == WarningLevel.RED) == (state.status == ClockStatus.OVERDUE)


@PROPERTY
@given(start=starts, days=lengths, offset=st.integers(min_value=0, max_value=120))
def test_property_extension_valid_iff_approved_by_due_date(start, days, offset):
    """Art. 42(1) [INT]: an extension is valid exactly when approved on or before the due date."""
    facts = ClockFacts(start=start, days=days)
    approved_on = start + timedelta(days=offset)
    due = add_working_days(start, days, REAL)
    try:
        check_extension(facts, approved_on, 10, cal=REAL)
        accepted = True
    except ExtensionRefused:
        accepted = False
    assert accepted == (approved_on <= due)
    state = clock(replace(facts, extension=Extension(approved_on, 10)), approved_on)
    assert state.extension_applied == accepted
    assert state.due == (add_working_days(due, 10, REAL) if accepted else due)
