"""Working-day rules (Art. 82; law.md §3.5-3.7). Pure: no database, no Django, no system clock."""

from __future__ import annotations

import pickle
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from licensing.rules.calendar_data import (
    holiday_notice,
    national_calendar_from_package,
    national_calendar_inputs,
)
from licensing.rules.clocks import explain_due
from licensing.rules.working_days import (
    Calendar,
    add_working_days,
    calendar_version,
    is_provisional,
    is_working_day,
    subtract_working_days,
    unpublished_years,
    working_days_between,
)

D = date
ONE_DAY = timedelta(days=1)
REAL = national_calendar_from_package()
WEEKENDS_ONLY = Calendar.weekends_only()
PROPERTY = settings(database=None, deadline=None, max_examples=300)


def tiny(rest=(), work=(), years=(2030,), labels=None) -> Calendar:
    """A hand-made calendar; by default a fictitious 2030 notice (1/1-1/2 rest, 1/5 work)."""
    return Calendar.build(rest_days=rest, workdays=work, published_years=years, labels=labels)


TINY = tiny(rest=[D(2030, 1, 1), D(2030, 1, 2)], work=[D(2030, 1, 5)])


def naive_add(start: date, n: int, cal: Calendar) -> date:
    """Oracle: walk day by day (law.md §3.7: the trigger day is not counted)."""
    d, counted = start, 0
    while counted < n:
        d += ONE_DAY
        if is_working_day(d, cal):
            counted += 1
    return d


def naive_between(start: date, end: date, cal: Calendar) -> int:
    return sum(
        is_working_day(start + timedelta(days=i), cal) for i in range(1, (end - start).days + 1)
    )


def days_in(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# ---------------------------------------------------------------------------------------------
# The calendar data and the day rule


class TestNationalCalendar:
    def test_package_2025_matches_notice(self):
        """国办发明电〔2024〕12号 as transcribed in law.md §3.5 (Art. 82 excludes these days)."""
        rest = (
            [D(2025, 1, 1)]
            + days_in(D(2025, 1, 28), D(2025, 2, 4))
            + days_in(D(2025, 4, 4), D(2025, 4, 6))
            + days_in(D(2025, 5, 1), D(2025, 5, 5))
            + days_in(D(2025, 5, 31), D(2025, 6, 2))
            + days_in(D(2025, 10, 1), D(2025, 10, 8))
        )
        work = [D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)]
        assert {d for d in REAL.rest_days if d.year == 2025} == set(rest)
        assert {d for d in REAL.workdays if d.year == 2025} == set(work)
        assert REAL.labels[D(2025, 1, 28)] == ("Spring Festival", "国办发明电〔2024〕12号")
        assert REAL.labels[D(2025, 2, 8)] == ("Spring Festival", "国办发明电〔2024〕12号")

    def test_package_2026_matches_notice(self):
        """国办发明电〔2025〕7号 as transcribed in law.md §3.5 (Art. 82)."""
        rest = (
            days_in(D(2026, 1, 1), D(2026, 1, 3))
            + days_in(D(2026, 2, 15), D(2026, 2, 23))
            + days_in(D(2026, 4, 4), D(2026, 4, 6))
            + days_in(D(2026, 5, 1), D(2026, 5, 5))
            + days_in(D(2026, 6, 19), D(2026, 6, 21))
            + days_in(D(2026, 9, 25), D(2026, 9, 27))
            + days_in(D(2026, 10, 1), D(2026, 10, 7))
        )
        work = [
            D(2026, 1, 4),
            D(2026, 2, 14),
            D(2026, 2, 28),
            D(2026, 5, 9),
            D(2026, 9, 20),
            D(2026, 10, 10),
        ]
        assert {d for d in REAL.rest_days if d.year == 2026} == set(rest)
        assert {d for d in REAL.workdays if d.year == 2026} == set(work)
        assert holiday_notice(2026) == "国办发明电〔2025〕7号"

    def test_published_years_and_fallback_notice(self):
        """The package covers 2004-2026; other years are unpublished (law.md §3.6)."""
        assert REAL.published_years == frozenset(range(2004, 2027))
        assert holiday_notice(2010) == "State Council holiday notice for 2010"
        assert REAL.labels[D(2010, 10, 1)] == (
            "National Day",
            "State Council holiday notice for 2010",
        )

    def test_make_up_days_are_weekend_days(self):
        """调休 "上班" days are weekend days; weekdays never need listing (law.md §3.6)."""
        assert all(d.weekday() >= 5 for d in REAL.workdays)
        assert not REAL.rest_days & REAL.workdays

    def test_year_subset(self):
        """A loader restricted to some years leaves the others unpublished (law.md §3.6)."""
        rest, work, published, _ = national_calendar_inputs(first_year=2025, last_year=2027)
        assert published == frozenset({2025, 2026})
        assert {d.year for d in rest | work} == {2025, 2026}


DAY_RULE_CASES = {
    "ordinary Monday": (D(2025, 3, 10), True),
    "ordinary Saturday": (D(2025, 3, 8), False),
    "New Year's Day (Wed)": (D(2025, 1, 1), False),
    "swapped weekday inside Spring Festival block": (D(2025, 2, 3), False),
    "make-up Sunday before Spring Festival": (D(2025, 1, 26), True),
    "make-up Saturday after Spring Festival": (D(2025, 2, 8), True),
    "make-up Saturday after National Day": (D(2025, 10, 11), True),
    "leap day 2024 (Thu)": (D(2024, 2, 29), True),
    "unpublished year weekday (2027-01-01)": (D(2027, 1, 1), True),
    "unpublished year Sunday": (D(2027, 1, 3), False),
}


@pytest.mark.parametrize(("day", "expected"), DAY_RULE_CASES.values(), ids=DAY_RULE_CASES.keys())
def test_is_working_day(day, expected):
    """law.md §3.6: in workdays OR (Mon-Fri AND not in a rest block); Art. 82."""
    assert is_working_day(day, REAL) is expected


class TestCalendarValue:
    def test_rest_and_make_up_day_conflict(self):
        """A day cannot be both a rest day and a make-up working day (law.md §3.6)."""
        with pytest.raises(ValueError, match="both"):
            tiny(rest=[D(2030, 1, 5)], work=[D(2030, 1, 5)])

    def test_data_for_unpublished_year_rejected(self):
        """Rest days need a published notice for their year (law.md §3.6)."""
        with pytest.raises(ValueError, match="unpublished"):
            tiny(rest=[D(2031, 1, 1)], years=(2030,))

    def test_version_is_stable_and_content_based(self):
        """law.md §3.7: store the calendar version with every deadline."""
        again = tiny(rest=[D(2030, 1, 2), D(2030, 1, 1)], work=[D(2030, 1, 5)])
        assert again.version == TINY.version
        assert len(TINY.version) == 64
        assert again == TINY and hash(again) == hash(TINY)
        relabelled = tiny(
            rest=[D(2030, 1, 1), D(2030, 1, 2)],
            work=[D(2030, 1, 5)],
            labels={D(2030, 1, 1): ("New Year's Day", "test notice")},
        )
        assert relabelled.version == TINY.version
        changed = tiny(rest=[D(2030, 1, 1)], work=[D(2030, 1, 5)])
        assert changed.version != TINY.version
        assert calendar_version(rest_days=[], workdays=[], published_years=[2030]) != (
            calendar_version(rest_days=[], workdays=[], published_years=[2031])
        )

    def test_pickles_for_caching(self):
        """The calendar can be cached (pickled) and keeps its value and index."""
        clone = pickle.loads(pickle.dumps(REAL))
        assert clone == REAL and clone.version == REAL.version
        assert add_working_days(D(2025, 1, 24), 20, clone) == D(2025, 2, 27)

    def test_explicit_version_kept(self):
        """An opaque version (e.g. a table revision id) is kept as given."""
        cal = Calendar.build(published_years=[2030], version="rev-7")
        assert cal.version == "rev-7"


# ---------------------------------------------------------------------------------------------
# Counting (law.md §3.7)

ADD_CASES = {
    # name: (calendar, trigger, n, due)
    "C1 receipt on an ordinary Friday, 5 WD (Art. 32(4))": (REAL, D(2025, 3, 7), 5, D(2025, 3, 14)),
    "C1 receipt on the Friday before Spring Festival 2025 (Art. 32(4))": (
        REAL,
        D(2025, 1, 24),
        5,
        D(2025, 2, 7),
    ),
    "C2 20 WD across Spring Festival 2025 with make-up 1/26 and 2/8 (Arts. 42, 82)": (
        REAL,
        D(2025, 1, 24),
        20,
        D(2025, 2, 27),
    ),
    "C2 20 WD across National Day 2025 with make-up 9/28 and 10/11 (Arts. 42, 82)": (
        REAL,
        D(2025, 9, 22),
        20,
        D(2025, 10, 24),
    ),
    "Limit ending on New Year's Day 2025 moves to 2025-01-02 (Art. 82)": (
        REAL,
        D(2024, 12, 25),
        5,
        D(2025, 1, 2),
    ),
    "Limit ending inside National Day 2025 moves to 2025-10-09 (Art. 82)": (
        REAL,
        D(2025, 9, 25),
        5,
        D(2025, 10, 9),
    ),
    "Trigger on a holiday: counting starts after the block (Art. 82)": (
        REAL,
        D(2025, 10, 1),
        1,
        D(2025, 10, 9),
    ),
    "Trigger on a Saturday (Art. 82)": (REAL, D(2025, 3, 8), 1, D(2025, 3, 10)),
    "Trigger on a make-up Sunday is still not counted (Civil Code Art. 201)": (
        REAL,
        D(2025, 1, 26),
        1,
        D(2025, 1, 27),
    ),
    "Leap year: the day after 2024-02-28 is 2024-02-29 (Art. 82)": (
        REAL,
        D(2024, 2, 28),
        1,
        D(2024, 2, 29),
    ),
    "Leap year: 5 WD across 2024-02-29 (Art. 82)": (REAL, D(2024, 2, 26), 5, D(2024, 3, 4)),
    "C6 certificate 10 WD from a grant before Labour Day 2025 (Art. 44)": (
        REAL,
        D(2025, 4, 25),
        10,
        D(2025, 5, 13),
    ),
    "Unpublished 2027: weekends only (law.md §3.6)": (REAL, D(2026, 12, 20), 20, D(2027, 1, 15)),
    "Zero days returns the trigger day": (REAL, D(2025, 3, 8), 0, D(2025, 3, 8)),
    "Tiny calendar: rest 1/1-1/2 skipped": (TINY, D(2029, 12, 31), 1, D(2030, 1, 3)),
    "Tiny calendar: make-up Saturday counted": (TINY, D(2029, 12, 31), 3, D(2030, 1, 5)),
    "Tiny calendar: after the make-up Saturday": (TINY, D(2029, 12, 31), 4, D(2030, 1, 7)),
    "Weekends-only calendar": (WEEKENDS_ONLY, D(2029, 12, 31), 1, D(2030, 1, 1)),
    "Year 2004, first year of the data (Art. 82)": (REAL, D(2004, 1, 20), 3, D(2004, 1, 30)),
    "Year 2035, beyond the index: weekends only": (REAL, D(2035, 12, 28), 2, D(2036, 1, 1)),
}


@pytest.mark.parametrize(("cal", "start", "n", "due"), ADD_CASES.values(), ids=ADD_CASES.keys())
def test_add_working_days(cal, start, n, due):
    """Art. 82 and law.md §3.7: the Nth working day after the (uncounted) trigger day."""
    assert add_working_days(start, n, cal) == due
    assert naive_add(start, n, cal) == due
    assert is_working_day(due, cal) or n == 0
    assert working_days_between(start, due, cal) == n


def test_weekends_only_would_end_on_the_holiday():
    """Counterfactual for the holiday case: without the notice the limit ends on 1/1 (Art. 82)."""
    assert add_working_days(D(2024, 12, 25), 5, WEEKENDS_ONLY) == D(2025, 1, 1)


def test_negative_days_rejected():
    """A time limit is never negative (Art. 82)."""
    with pytest.raises(ValueError):
        add_working_days(D(2025, 1, 1), -1, REAL)
    with pytest.raises(ValueError):
        subtract_working_days(D(2025, 1, 1), -1, REAL)


BETWEEN_CASES = {
    "Spring Festival 2025: 20 WD from 1/24 to 2/27": (D(2025, 1, 24), D(2025, 2, 27), 20),
    "Same day counts nothing": (D(2025, 3, 3), D(2025, 3, 3), 0),
    "End before start counts nothing": (D(2025, 3, 5), D(2025, 3, 3), 0),
    "One day, a Saturday": (D(2025, 3, 7), D(2025, 3, 8), 0),
    "National Day block only": (D(2025, 9, 30), D(2025, 10, 8), 0),
    "Leap February 2024 with make-up 2/4 and 2/18": (D(2024, 2, 1), D(2024, 2, 29), 17),
}


@pytest.mark.parametrize(("start", "end", "n"), BETWEEN_CASES.values(), ids=BETWEEN_CASES.keys())
def test_working_days_between(start, end, n):
    """Working days in (start, end] (Art. 82; law.md §3.7)."""
    assert working_days_between(start, end, REAL) == n
    assert naive_between(start, end, REAL) == n


SUBTRACT_CASES = {
    "Latest trigger for C2 ending 2025-02-27 is 2025-01-24 (Art. 42)": (
        D(2025, 2, 27),
        20,
        D(2025, 1, 24),
    ),
    "Across the make-up Saturday 2025-02-08": (D(2025, 2, 10), 2, D(2025, 2, 7)),
    "From a holiday: count back to the last working day before the block": (
        D(2025, 10, 3),
        1,
        D(2025, 9, 29),
    ),
    "Zero days returns the end": (D(2025, 10, 3), 0, D(2025, 10, 3)),
}


@pytest.mark.parametrize(("end", "n", "start"), SUBTRACT_CASES.values(), ids=SUBTRACT_CASES.keys())
def test_subtract_working_days(end, n, start):
    """The working day d with exactly n working days in (d, end] (Art. 82; law.md §3.7)."""
    assert subtract_working_days(end, n, REAL) == start
    assert working_days_between(start, end, REAL) == n


# ---------------------------------------------------------------------------------------------
# Provisional results (law.md §3.6)


class TestProvisional:
    def test_span_into_unpublished_year(self):
        """2027's notice is not published: the span is counted with weekends only (law.md §3.6)."""
        assert is_provisional(D(2026, 12, 20), D(2027, 1, 15), REAL)
        assert unpublished_years(D(2026, 12, 20), D(2028, 1, 15), REAL) == (2027, 2028)

    def test_span_inside_published_years(self):
        """Only counted days matter: the trigger day's year is irrelevant (law.md §3.7)."""
        assert not is_provisional(D(2025, 1, 24), D(2025, 2, 27), REAL)
        assert not is_provisional(D(2003, 12, 31), D(2004, 1, 5), REAL)
        assert is_provisional(D(2026, 12, 31), D(2027, 1, 1), REAL)
        assert not is_provisional(D(2027, 1, 5), D(2027, 1, 1), REAL)

    def test_recomputed_when_2027_is_published(self):
        """Art. 82, law.md §3.6: loading the 2027 notice moves the due date and clears the flag."""
        start = D(2026, 12, 20)
        assert add_working_days(start, 20, REAL) == D(2027, 1, 15)
        explanation = explain_due(start, 20, REAL)
        assert any(
            "counted with weekends only because 2027's holiday notice is not published" in line
            for line in explanation
        )
        with_2027 = Calendar.build(
            rest_days=REAL.rest_days | {D(2027, 1, 1)},
            workdays=REAL.workdays,
            published_years=REAL.published_years | {2027},
            labels={**REAL.labels, D(2027, 1, 1): ("New Year's Day", "2027 test notice")},
        )
        assert with_2027.version != REAL.version
        assert add_working_days(start, 20, with_2027) == D(2027, 1, 18)
        assert not is_provisional(start, D(2027, 1, 18), with_2027)
        assert not any("Provisional" in line for line in explain_due(start, 20, with_2027))


# ---------------------------------------------------------------------------------------------
# Explanations


def test_explain_due_spring_festival_2025():
    """Art. 82 and law.md §3.7, worked example: 20 WD after 2025-01-24 end on 2025-02-27."""
    lines = explain_due(D(2025, 1, 24), 20, REAL)
    assert lines[0].startswith("Triggered on 2025-01-24 (Fri); the trigger day is not counted")
    assert "Civil Code Art. 201" in lines[0]
    assert "Skipped 2025-01-28 to 2025-02-04 (Spring Festival, 国办发明电〔2024〕12号)." in lines
    assert (
        "Counted 2025-01-26 (Sun) as a working day: make-up working day (调休) for "
        "Spring Festival, 国办发明电〔2024〕12号." in lines
    )
    assert any(line.startswith("Counted 2025-02-08 (Sat)") for line in lines)
    assert "Skipped 6 ordinary weekend days." in lines
    assert "Due at the end of 2025-02-27 (Thu), the 20th working day." in lines
    assert not any("Provisional" in line for line in lines)


def test_explain_due_national_day_merges_mid_autumn():
    """The 2025 National Day block includes Mid-Autumn (10/6): one range, both names (Art. 82)."""
    lines = explain_due(D(2025, 9, 22), 20, REAL)
    assert any(
        line.startswith("Skipped 2025-10-01 to 2025-10-08 (National Day / Mid-autumn Festival")
        for line in lines
    )
    assert any(line.startswith("Counted 2025-10-11 (Sat)") for line in lines)


def test_explain_due_unlabelled_tiny_calendar():
    """Hand-made calendars without labels still explain the skip (Art. 82)."""
    lines = explain_due(D(2029, 12, 31), 1, TINY)
    assert "Skipped 2030-01-01 to 2030-01-02 (statutory holiday)." in lines


# ---------------------------------------------------------------------------------------------
# Properties (law.md §3.7)

any_day = st.dates(min_value=D(2004, 1, 1), max_value=D(2035, 12, 31))
any_n = st.integers(min_value=1, max_value=300)
tiny_years = st.sets(st.integers(min_value=2028, max_value=2032), max_size=3)


@st.composite
def random_calendars(draw):
    """Random hand-made calendars: random rest weekdays and make-up weekends in random years."""
    years = draw(tiny_years)
    days = st.dates(min_value=D(2028, 1, 1), max_value=D(2032, 12, 31)).filter(
        lambda d: d.year in years
    )
    rest = draw(st.sets(days, max_size=40)) if years else set()
    work = (
        {d for d in draw(st.sets(days, max_size=15)) if d.weekday() >= 5} - rest if years else set()
    )
    return tiny(rest=rest, work=work, years=years)


@PROPERTY
@given(start=any_day, n=any_n)
def test_property_due_is_a_working_day_with_exactly_n_before_it(start, n):
    """Art. 82: the due date is a working day and exactly N working days lie in (start, due]."""
    due = add_working_days(start, n, REAL)
    assert is_working_day(due, REAL)
    assert working_days_between(start, due, REAL) == n
    assert working_days_between(start, due - ONE_DAY, REAL) == n - 1


@PROPERTY
@given(start=any_day, n=st.integers(min_value=0, max_value=120))
def test_property_matches_day_by_day_count(start, n):
    """The bisect implementation equals the naive day-by-day count (Art. 82)."""
    assert add_working_days(start, n, REAL) == naive_add(start, n, REAL)


@PROPERTY
@given(
    cal=random_calendars(),
    start=st.dates(min_value=D(2026, 6, 1), max_value=D(2034, 6, 1)),
    n=st.integers(min_value=0, max_value=400),
)
def test_property_random_calendars_match_naive(cal, start, n):
    """Any calendar, across the index edges: bisect == day-by-day (Art. 82; law.md §3.6)."""
    due = add_working_days(start, n, cal)
    assert due == naive_add(start, n, cal)
    assert working_days_between(start, due, cal) == naive_between(start, due, cal)


@PROPERTY
@given(start=any_day, n=any_n, more=st.integers(min_value=0, max_value=60))
def test_property_more_days_never_earlier(start, n, more):
    """A longer limit never ends earlier (Art. 82)."""
    assert add_working_days(start, n + more, REAL) >= add_working_days(start, n, REAL)


@PROPERTY
@given(start=any_day, later=st.integers(min_value=0, max_value=30), n=any_n)
def test_property_later_trigger_never_earlier(start, later, n):
    """A later trigger never gives an earlier due date (Art. 82)."""
    assert add_working_days(start + timedelta(days=later), n, REAL) >= add_working_days(
        start, n, REAL
    )


@PROPERTY
@given(day=any_day, n=any_n)
def test_property_subtract_add_round_trip(day, n):
    """subtract is the inverse of add on working days (Art. 82; law.md §3.7)."""
    end = add_working_days(day, 1, REAL)  # a working day
    assert add_working_days(subtract_working_days(end, n, REAL), n, REAL) == end
    start = subtract_working_days(day, 1, REAL) if not is_working_day(day, REAL) else day
    assert is_working_day(start, REAL)
    assert subtract_working_days(add_working_days(start, n, REAL), n, REAL) == start
    assert working_days_between(subtract_working_days(day, n, REAL), day, REAL) == n
