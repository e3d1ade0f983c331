"""The working-day calendar at the edge: database rows in, a pure :class:`Calendar` out.

Art. 82 counts the organ's time limits in working days, excluding statutory holidays; law.md §3
says how (weekends, rest blocks, make-up working days 调休, regional holidays, provisional years).
The rows live in :class:`~licensing.models.CalendarYear` and :class:`~licensing.models.CalendarEntry`;
this selector turns them into the immutable value the rules in ``licensing.rules`` compute with
(style.md 14: a selector builds the holiday set at the edge, the rules never touch the database).

**A region's calendar** is the national calendar (region ``"CN"``) plus the region's own
entries (e.g. a minority nationality holiday set by the local government, law.md §3.4); on a
date both list, the regional entry wins. A year counts as published when the national year is
published and, if the region has its own row for that year, that row is published too. Entries
of unpublished years are ignored: such years are counted with weekends only and every deadline
that touches them is provisional (law.md §3.6) until an administrator publishes them.

**Caching across processes.** Building a calendar reads ~800 rows and indexes ~10,000 days, so
each process keeps the calendars it built, keyed by region, together with a *change marker*
read from the database in a single query on every call:

* the largest ``history_id`` and ``history_date`` of the django-simple-history tables of both
  models — every ``save()`` and ``delete()`` through the ORM (the admin, the services,
  ``manage.py load_calendar``, the data migration aside) appends a history row, so any edit made
  by any process moves the marker, and a rolled-back edit whose id is reused later still
  differs by its timestamp;
* the row count and largest primary key of both tables, which also catch ``bulk_create`` and a
  flushed or re-seeded database.

So a gunicorn worker, a sweep on another host and a shell all see a committed calendar change on
their next call, without signals, a cache server or a restart. The one thing the marker cannot
see is an in-place ``QuerySet.update()`` on these tables, which nothing in Xuke does: change
calendar rows with ``save()`` (or call :func:`calendar_cache_clear` in the process that did it).
"""

from __future__ import annotations

import threading
from datetime import date

from django.db import connection

from licensing.choices import CalendarEntryKind
from licensing.models import NATIONAL, CalendarEntry, CalendarYear
from licensing.rules.working_days import Calendar

__all__ = ["calendar_cache_clear", "calendar_for_region", "calendar_marker"]

_lock = threading.Lock()
_cache: dict[str, tuple[tuple[object, ...], Calendar]] = {}


def calendar_marker() -> tuple[object, ...]:
    """A value that changes whenever any calendar row changes (see the module docstring).

    One query, eight index look-ups or counts over two small tables and their history tables.
    """
    quote = connection.ops.quote_name
    parts = []
    for model in (CalendarEntry, CalendarYear):
        table = quote(model._meta.db_table)
        history = quote(model.history.model._meta.db_table)
        parts += [
            f"(SELECT MAX(history_id) FROM {history})",
            f"(SELECT MAX(history_date) FROM {history})",
            f"(SELECT COUNT(*) FROM {table})",
            f"(SELECT MAX(id) FROM {table})",
        ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return tuple(str(value) for value in row)


def calendar_cache_clear() -> None:
    """Forget the calendars this process built (they are rebuilt on the next call)."""
    with _lock:
        _cache.clear()


def calendar_for_region(region: str = NATIONAL) -> Calendar:
    """The working-day calendar of ``region`` as the rules use it (Art. 82; law.md §3.4, §3.6).

    National entries plus the region's own, only for published years, with each rest or
    make-up day labelled ``(holiday name, notice)`` for explanations. Cached per process and
    rebuilt when :func:`calendar_marker` changes, so the answer always reflects the committed
    rows (and the caller's own uncommitted changes inside its transaction).
    """
    region = (region or NATIONAL).strip() or NATIONAL
    marker = calendar_marker()
    cached = _cache.get(region)
    if cached is not None and cached[0] == marker:
        return cached[1]
    cal = _build(region)
    with _lock:
        _cache[region] = (marker, cal)
    return cal


def _build(region: str) -> Calendar:
    """Read the rows of the national calendar and of ``region`` and build the value."""
    regions = {NATIONAL, region}
    years: dict[str, dict[int, bool]] = {r: {} for r in regions}
    for row_region, year, published in CalendarYear.objects.filter(region__in=regions).values_list(
        "region", "year", "published"
    ):
        years[row_region][year] = published
    national = {year for year, published in years[NATIONAL].items() if published}
    if region == NATIONAL:
        published_years = national
    else:
        own = years[region]
        published_years = {year for year in national if own.get(year, True)}

    entries: dict[date, tuple[str, str, str]] = {}
    # National rows first, then the region's, so that a regional entry wins on the same date.
    rows = CalendarEntry.objects.filter(region__in=regions).values_list("region", "date", "kind", "name", "notice")
    for _region, day, kind, name, notice in sorted(rows, key=lambda r: (r[0] != NATIONAL, r[1])):
        if day.year in published_years:
            entries[day] = (kind, name, notice)
    rest = [day for day, (kind, _, _) in entries.items() if kind == CalendarEntryKind.REST]
    work = [day for day, (kind, _, _) in entries.items() if kind == CalendarEntryKind.WORK]
    labels = {day: (name, notice) for day, (_, name, notice) in entries.items()}
    return Calendar.build(rest_days=rest, workdays=work, published_years=published_years, labels=labels)
