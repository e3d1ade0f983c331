"""Load the national working-day calendar from the PyPI package ``chinesecalendar``.

This is a data loader, not a rule: it turns the package's tables (transcribed from the yearly
State Council General Office notices, 国务院办公厅关于部分节假日安排的通知) into the inputs of
:class:`licensing.rules.working_days.Calendar`. It seeds the ``PublicHoliday`` table and builds
test calendars; production code should read the table, which an admin can correct.

What the rule needs (law.md §3.6): every day of a rest block is a rest day (the package's
``holidays`` already contains the weekend days and swapped weekdays, i.e. ``in_lieu_days``, of
each block), and every weekend day the notice marks "上班" is a make-up working day (the
package's ``workdays``). Ordinary weekends are not listed; the weekday rule covers them.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import chinese_calendar

from licensing.rules.working_days import Calendar

__all__ = [
    "NOTICE_NUMBERS",
    "holiday_notice",
    "national_calendar_from_package",
    "national_calendar_inputs",
    "package_years",
]

NOTICE_NUMBERS: dict[int, str] = {
    2025: "国办发明电〔2024〕12号",
    2026: "国办发明电〔2025〕7号",
}
"""Document numbers of the State Council notices checked against a published text (law.md §3.5
and §7). Other years fall back to a descriptive reference (see :func:`holiday_notice`)."""


def holiday_notice(year: int) -> str:
    """The notice that sets the holidays and make-up days of ``year`` (law.md §3.5)."""
    return NOTICE_NUMBERS.get(year, f"State Council holiday notice for {year}")


def package_years() -> range:
    """The years covered by the installed ``chinesecalendar`` data (2004-2026 in 1.11.0)."""
    years = {d.year for d in chinese_calendar.holidays} | {
        d.year for d in chinese_calendar.workdays
    }
    return range(min(years), max(years) + 1)


def national_calendar_inputs(
    *, first_year: int | None = None, last_year: int | None = None
) -> tuple[frozenset[date], frozenset[date], frozenset[int], dict[date, tuple[str, str]]]:
    """``(rest_days, workdays, published_years, labels)`` for the years requested.

    Years outside the package's data are not published and so stay provisional.
    """
    covered = package_years()
    first = covered.start if first_year is None else first_year
    last = covered.stop - 1 if last_year is None else last_year
    published = frozenset(y for y in range(first, last + 1) if y in covered)
    rest: set[date] = set()
    work: set[date] = set()
    labels: dict[date, tuple[str, str]] = {}
    for source, target in ((chinese_calendar.holidays, rest), (chinese_calendar.workdays, work)):
        for day, name in source.items():
            if day.year in published:
                target.add(day)
                labels[day] = (str(name), holiday_notice(day.year))
    return frozenset(rest), frozenset(work), published, labels


@cache
def national_calendar_from_package(
    *, first_year: int | None = None, last_year: int | None = None
) -> Calendar:
    """The national calendar (Art. 82) from ``chinesecalendar``, 2004-2026 by default.

    Labels map each rest or make-up day to ``(holiday name, notice)``, e.g.
    ``date(2025, 1, 28) -> ("Spring Festival", "国办发明电〔2024〕12号")``.
    """
    rest, work, published, labels = national_calendar_inputs(
        first_year=first_year, last_year=last_year
    )
    return Calendar.build(rest_days=rest, workdays=work, published_years=published, labels=labels)
