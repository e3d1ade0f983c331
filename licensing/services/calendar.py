"""Writes to the working-day calendar: enter a year's notice, publish it, re-seed (Art. 82).

law.md §3.5-§3.6: each November the State Council General Office publishes next year's rest
blocks and make-up working days (调休); an administrator enters them (a pasted list or a CSV
file), then publishes the year. Until then deadlines reaching into that year are counted with
weekends only and marked provisional; publishing recomputes the open clocks and records every
changed due date in the action log (Art. 82 is the legal basis of the recount).

Calendar rows are written with ``save()`` only, so that every process notices the change
(``licensing.calendar`` reads a change marker from the history tables)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from licensing.audit import audit_record
from licensing.choices import CalendarEntryKind, Role
from licensing.errors import DomainError
from licensing.models import NATIONAL, Application, AuditAction, CalendarEntry, CalendarYear, Clock, User
from licensing.rules.calendar_data import national_calendar_inputs
from licensing.services.clocks import OPEN_STATES, application_clocks_recompute, local_date

__all__ = [
    "CalendarImportError",
    "CalendarImportResult",
    "CalendarLine",
    "CalendarPublishResult",
    "calendar_entries_import",
    "calendar_lines_parse_csv",
    "calendar_lines_parse_text",
    "calendar_seed_from_package",
    "calendar_year_publish",
]

RECOMPUTE_BATCH = 200

_KINDS = {
    "rest": CalendarEntryKind.REST,
    "休": CalendarEntryKind.REST,
    "work": CalendarEntryKind.WORK,
    "班": CalendarEntryKind.WORK,
}
_CSV_HEADER = ["date", "kind", "name", "notice"]


class CalendarImportError(DomainError):
    """A pasted or uploaded calendar list has lines that cannot be entered; ``errors`` lists
    each of them as "line N: what is wrong" and nothing was saved."""

    code = "calendar_invalid"

    def __init__(self, errors: list[str]):
        super().__init__("The calendar list has errors:\n" + "\n".join(errors), fields={"lines": errors})
        self.errors = errors


@dataclass(frozen=True)
class CalendarLine:
    """One dated calendar entry as read from a notice: a rest day of a holiday block or a
    make-up working day (law.md §3.5), with the holiday's name and the notice."""

    date: date
    kind: str
    name: str
    notice: str
    line: int = 0


@dataclass
class CalendarImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    years: list[int] = field(default_factory=list)


@dataclass
class CalendarPublishResult:
    calendar_year: CalendarYear
    recomputed: int = 0
    """Applications whose clocks were recomputed."""
    changed: int = 0
    """Applications with at least one changed due date or provisional flag (one audit entry each)."""


# --------------------------------------------------------------------------------------------
# Parsing


def _check_line(number: int, raw_date: str, raw_kind: str, name: str, notice: str, errors: list[str]):
    """Validate one line; returns a :class:`CalendarLine` or appends to ``errors``."""
    problems = []
    try:
        day = date.fromisoformat(raw_date.strip())
    except ValueError:
        problems.append(f"{raw_date.strip()!r} is not a date (write YYYY-MM-DD)")
        day = None
    kind = _KINDS.get(raw_kind.strip().lower())
    if kind is None:
        problems.append(f"the kind must be 'rest' or 'work', not {raw_kind.strip()!r}")
    if not name.strip():
        problems.append("the holiday's name is missing")
    if not notice.strip():
        problems.append("the source notice is missing")
    if day is not None and kind == CalendarEntryKind.WORK and day.weekday() < 5:
        problems.append(f"{day} is a {day:%A}; a make-up working day (调休) is a Saturday or Sunday")
    if problems:
        errors.append(f"line {number}: " + "; ".join(problems))
        return None
    return CalendarLine(date=day, kind=kind, name=name.strip(), notice=notice.strip(), line=number)


def _no_duplicates(lines: list[CalendarLine], errors: list[str]) -> None:
    seen: dict[date, int] = {}
    for line in lines:
        if line.date in seen:
            errors.append(f"line {line.line}: {line.date} is already on line {seen[line.date]}")
        else:
            seen[line.date] = line.line


def calendar_lines_parse_text(text: str, *, notice: str = "") -> list[CalendarLine]:
    """Read a pasted notice, one day per line: ``2027-01-01 rest New Year's Day`` or
    ``2027-02-07 work Spring Festival``, optionally followed by ``| notice``; ``notice`` is used
    for lines without one. Blank lines and ``#`` comments are skipped (law.md §3.5).

    Raises :class:`CalendarImportError` listing every bad line.
    """
    lines: list[CalendarLine] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        body, _, line_notice = raw.partition("|")
        parts = body.split(None, 2)
        if len(parts) < 3:
            errors.append(f"line {number}: write 'YYYY-MM-DD rest|work Holiday name', got {raw!r}")
            continue
        line = _check_line(number, parts[0], parts[1], parts[2], line_notice.strip() or notice, errors)
        if line is not None:
            lines.append(line)
    _no_duplicates(lines, errors)
    if errors:
        raise CalendarImportError(errors)
    return lines


def calendar_lines_parse_csv(text: str, *, notice: str = "") -> list[CalendarLine]:
    """Read CSV rows ``date,kind,name,notice`` (a header row with these names is optional; an
    empty notice falls back to ``notice``). Raises :class:`CalendarImportError` listing every
    bad row (law.md §3.5)."""
    lines: list[CalendarLine] = []
    errors: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and [c.lower() for c in cells[:4]] == _CSV_HEADER[: len(cells[:4])]:
            continue
        if len(cells) not in (3, 4):
            errors.append(f"line {number}: expected 4 columns date,kind,name,notice, got {len(cells)}")
            continue
        row_notice = cells[3] if len(cells) == 4 else ""
        line = _check_line(number, cells[0], cells[1], cells[2], row_notice or notice, errors)
        if line is not None:
            lines.append(line)
    _no_duplicates(lines, errors)
    if errors:
        raise CalendarImportError(errors)
    return lines


# --------------------------------------------------------------------------------------------
# Entering, seeding and publishing


def calendar_entries_import(
    *, region: str, lines: Iterable[CalendarLine], year: int | None = None
) -> CalendarImportResult:
    """Enter the days of a holiday notice for ``region`` (Art. 82; law.md §3.5-§3.6): create or update
    one ``CalendarEntry`` per line and a ``CalendarYear`` for each year met (unpublished when
    new). With ``year``, every line must fall in it. All or nothing.

    Entries of a published year take effect at once (every process sees the change and the
    sweep recounts the affected clocks); entries of an unpublished year wait for
    :func:`calendar_year_publish`.
    """
    lines = list(lines)
    region = region.strip() or NATIONAL
    if year is not None:
        stray = [f"line {line.line}: {line.date} is not in {year}" for line in lines if line.date.year != year]
        if stray:
            raise CalendarImportError(stray)
    result = CalendarImportResult()
    with transaction.atomic():
        existing = {
            entry.date: entry
            for entry in CalendarEntry.objects.select_for_update().filter(
                region=region, date__in=[line.date for line in lines]
            )
        }
        for line in lines:
            entry = existing.get(line.date)
            if entry is None:
                CalendarEntry(region=region, date=line.date, kind=line.kind, name=line.name, notice=line.notice).save()
                result.created += 1
            elif (entry.kind, entry.name, entry.notice) != (line.kind, line.name, line.notice):
                entry.kind, entry.name, entry.notice = line.kind, line.name, line.notice
                entry.save()
                result.updated += 1
            else:
                result.unchanged += 1
        years = sorted({line.date.year for line in lines})
        for y in years:
            notice = next(line.notice for line in lines if line.date.year == y)
            calendar_year, created = CalendarYear.objects.get_or_create(
                region=region, year=y, defaults={"notice": notice}
            )
            if not created and not calendar_year.notice:
                calendar_year.notice = notice
                calendar_year.save()
        result.years = years
    return result


def calendar_seed_from_package(*, actor: User | None = None, today: date | None = None) -> CalendarImportResult:
    """Load the national calendar from ``chinesecalendar`` (2004-2026), idempotently: missing
    years and days are added, days that differ from the package are corrected, a year not yet
    published is published through :func:`calendar_year_publish` (so open clocks are recounted
    and logged). Entries an administrator added beyond the package are kept (Art. 82; law.md
    §3.5-§3.6)."""
    rest, work, published, labels = national_calendar_inputs()
    lines = [
        CalendarLine(date=day, kind=kind, name=labels[day][0], notice=labels[day][1])
        for kind, days in ((CalendarEntryKind.REST, rest), (CalendarEntryKind.WORK, work))
        for day in sorted(days)
    ]
    with transaction.atomic():
        result = calendar_entries_import(region=NATIONAL, lines=lines)
        for year in sorted(published):
            calendar_year, created = CalendarYear.objects.get_or_create(region=NATIONAL, year=year)
            if not calendar_year.notice:
                calendar_year.notice = next((n for d, (_, n) in labels.items() if d.year == year), "")
                calendar_year.save()
            if not calendar_year.published:
                calendar_year_publish(year=year, region=NATIONAL, actor=actor, today=today)
        result.years = sorted(published)
    return result


def calendar_year_publish(
    *, year: int, region: str = NATIONAL, actor: User | None, today: date | None = None
) -> CalendarPublishResult:
    """Publish ``year`` of ``region``'s calendar and recount the open clocks it affects (Art. 82).

    law.md §3.6: once the State Council notice is entered, deadlines reaching into the year stop
    being provisional; every open clock that is provisional or whose span touches the year is
    recomputed, and each application whose due dates or provisional flags changed gets one
    action-log entry "recompute_clocks" (legal basis Art. 82) with ``{kind: {"due_on": [old,
    new], "provisional": [old, new]}}``. Publishing the national calendar affects every region;
    a region's year only that region's agencies. A national year needs at least one rest day.
    Idempotent: publishing again recounts and logs nothing new.
    """
    region = region.strip() or NATIONAL
    today = today or local_date(timezone.now())
    with transaction.atomic():
        calendar_year, _ = CalendarYear.objects.select_for_update().get_or_create(region=region, year=year)
        entries = CalendarEntry.objects.filter(region=region, date__year=year)
        if region == NATIONAL and not entries.filter(kind=CalendarEntryKind.REST).exists():
            raise DomainError(
                f"Enter the rest days of the {year} State Council holiday notice before publishing the year.",
                code="calendar_year_empty",
            )
        if not calendar_year.published:
            calendar_year.published = True
            calendar_year.published_at = timezone.now()
            if not calendar_year.notice:
                first = entries.exclude(notice="").order_by("date").first()
                calendar_year.notice = first.notice if first else ""
            calendar_year.save()
        result = CalendarPublishResult(calendar_year=calendar_year)

        clocks = Clock.objects.filter(state__in=OPEN_STATES).filter(
            Q(provisional=True)
            | Q(start_on__lte=date(year, 12, 31), due_on__gte=date(year, 1, 1))
            | Q(start_on__lte=date(year, 12, 31), due_on__isnull=True)
        )
        if region != NATIONAL:
            clocks = clocks.filter(application__agency__region=region)
        pks = sorted(set(clocks.values_list("application_id", flat=True)))
        reason = f"Calendar {region} {year} published ({calendar_year.notice or 'no notice number'})."
        for start in range(0, len(pks), RECOMPUTE_BATCH):
            batch = (
                Application.objects.select_for_update(of=("self",))
                .filter(pk__in=pks[start : start + RECOMPUTE_BATCH])
                .select_related("item", "agency", "extension")
                .prefetch_related("pauses", "clocks")
                .order_by("pk")
            )
            for application in batch:
                before = {c.kind: (c.due_on, c.provisional) for c in application.clocks.all()}
                states = application_clocks_recompute(application=application, today=today)
                after = {kind: (s.due, s.provisional) for kind, s in states.items()}
                changes = {
                    str(kind): {
                        "due_on": [before.get(kind, (None, None))[0], after.get(kind, (None, None))[0]],
                        "provisional": [before.get(kind, (None, None))[1], after.get(kind, (None, None))[1]],
                    }
                    for kind in sorted(set(before) | set(after))
                    if before.get(kind) != after.get(kind)
                }
                result.recomputed += 1
                if changes:
                    result.changed += 1
                    audit_record(
                        actor=actor,
                        action=AuditAction.RECOMPUTE_CLOCKS,
                        legal_basis="Art. 82",
                        reason=reason,
                        application=application,
                        changes=changes,
                        role=Role.ADMINISTRATOR if actor is not None else None,
                        agency=application.agency,
                    )
    return result
