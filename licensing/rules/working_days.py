"""Working-day arithmetic for the organ's time limits.

Art. 82 of the Administrative Licensing Law: the organ's time limits "以工作日计算，不含法定节假日"
(count in working days and exclude statutory holidays). The law is silent on the mechanics, so
this module implements law.md §3.6 and §3.7 [INT]:

* A day is a working day if it is a make-up working day (调休, a weekend day the State Council
  notice marks "上班"), or if it is Monday to Friday and not inside a rest block of the notice
  (swapped weekdays inside a block are rest days).
* The trigger day is not counted; counting starts the next day (Civil Code Art. 201 by analogy).
  A limit of N working days ends at the end of the Nth working day after the trigger.
* A year whose notice is not published is counted with the weekends-only rule, and any result
  that depends on such a year is *provisional* and must be recomputed when the notice arrives.

Everything is pure: the calendar is an immutable value and no function reads the system clock.
Counting uses a sorted array of working-day ordinals and :func:`bisect.bisect_right` inside the
indexed range and closed-form weekday arithmetic outside it, so no call loops day by day.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

__all__ = [
    "Calendar",
    "add_working_days",
    "calendar_version",
    "is_provisional",
    "is_working_day",
    "subtract_working_days",
    "unpublished_years",
    "working_days_between",
]

_ONE_DAY = timedelta(days=1)


def _weekdays_through(ordinal: int) -> int:
    """Number of Monday-to-Friday days with a proleptic ordinal in ``[1, ordinal]``.

    Ordinal 1 (0001-01-01) is a Monday, so ordinal ``o`` has weekday ``(o - 1) % 7``.
    """
    weeks, rest = divmod(ordinal, 7)
    return 5 * weeks + (rest if rest < 5 else 5)


def _nth_weekday(m: int) -> int:
    """Ordinal of the ``m``-th Monday-to-Friday day counted from ordinal 1 (``m >= 1``).

    Inverse of :func:`_weekdays_through`: the smallest ``o`` with ``_weekdays_through(o) >= m``.
    """
    weeks, rest = divmod(m, 5)
    if rest == 0:
        return 7 * weeks - 2  # the Friday of week ``weeks``
    return 7 * weeks + rest


def calendar_version(
    *,
    rest_days: Iterable[date],
    workdays: Iterable[date],
    published_years: Iterable[int],
) -> str:
    """Return a stable sha256 hex digest of everything that can change a working-day result.

    law.md §3.7 asks to store every deadline with the calendar version used, so that open
    deadlines can be recomputed when a holiday notice is loaded or corrected. Labels (holiday
    names, notice numbers) are presentation only and deliberately do not change the version.
    The digest does not depend on the order or container type of the inputs.
    """
    digest = hashlib.sha256()
    digest.update(b"xuke-calendar-v1\n")
    for tag, days in (("R", rest_days), ("W", workdays)):
        for day in sorted(set(days)):
            digest.update(f"{tag}{day.isoformat()}\n".encode("ascii"))
    for year in sorted(set(published_years)):
        digest.update(f"P{year}\n".encode("ascii"))
    return digest.hexdigest()


@dataclass(frozen=True)
class Calendar:
    """An immutable national (or regional) working-day calendar (Art. 82; law.md §3.6).

    Build it with :meth:`build` (which accepts any iterables) or call the class directly with
    frozensets. ``rest_days`` are all days inside State Council rest blocks, including swapped
    weekdays (e.g. 2025-02-03/04) and the weekend days inside a block. ``workdays`` are the
    make-up working days (调休 "上班"), normally weekend days. ``published_years`` are the years
    whose holiday notice has been loaded; every rest or make-up day must fall in one of them.
    ``labels`` maps a rest or make-up day to ``(holiday name, notice)`` for explanations only.
    ``version`` is an opaque identifier; when empty, :func:`calendar_version` fills it in.
    """

    rest_days: frozenset[date]
    workdays: frozenset[date]
    published_years: frozenset[int]
    labels: Mapping[date, tuple[str, str]] = field(default_factory=dict, hash=False)
    version: str = ""

    # Index (not part of the value): working-day ordinals in [_lo, _hi], sorted ascending.
    _lo: int = field(init=False, repr=False, compare=False, hash=False)
    _hi: int = field(init=False, repr=False, compare=False, hash=False)
    _ords: list[int] = field(init=False, repr=False, compare=False, hash=False)
    _base: int = field(init=False, repr=False, compare=False, hash=False)
    _top: int = field(init=False, repr=False, compare=False, hash=False)
    _weekdays_hi: int = field(init=False, repr=False, compare=False, hash=False)
    # Hot-path memo of the bisect: date -> bisect_right(_ords, ordinal), and _ords as dates.
    _pos: dict[date, int] = field(init=False, repr=False, compare=False, hash=False)
    _dates: list[date] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        rest = frozenset(self.rest_days)
        work = frozenset(self.workdays)
        published = frozenset(self.published_years)
        both = rest & work
        if both:
            raise ValueError(f"days cannot be both rest and make-up working days: {sorted(both)}")
        stray = sorted({d.year for d in rest | work} - published)
        if stray:
            raise ValueError(f"rest or make-up days given for unpublished years: {stray}")
        setattr_ = object.__setattr__
        setattr_(self, "rest_days", rest)
        setattr_(self, "workdays", work)
        setattr_(self, "published_years", published)
        setattr_(self, "labels", MappingProxyType(dict(self.labels)))
        if not self.version:
            version = calendar_version(rest_days=rest, workdays=work, published_years=published)
            setattr_(self, "version", version)
        self._build_index()

    def _build_index(self) -> None:
        """Precompute the sorted working-day ordinals from the year before the first published
        year to three years after the last one. Outside that range no rest or make-up day
        exists, so the weekends-only rule is applied arithmetically."""
        setattr_ = object.__setattr__
        if self.published_years:
            lo = date(max(min(self.published_years) - 1, 1), 1, 1).toordinal()
            hi = date(min(max(self.published_years) + 3, 9999), 12, 31).toordinal()
            weekdays = {o for o in range(lo, hi + 1) if (o - 1) % 7 < 5}
            ords = sorted(
                (weekdays - {d.toordinal() for d in self.rest_days})
                | {d.toordinal() for d in self.workdays}
            )
        else:
            lo, hi, ords = 1, 0, []
        # Memoise bisect_right(ords, o) for every day of the range, so that the hot path
        # (add_working_days) is two lookups; count_through keeps the bisect itself.
        pos: dict[date, int] = {}
        i = 0
        for o in range(lo, hi + 1):
            if i < len(ords) and ords[i] == o:
                i += 1
            pos[date.fromordinal(o)] = i
        base = _weekdays_through(lo - 1)
        setattr_(self, "_pos", pos)
        setattr_(self, "_dates", [date.fromordinal(o) for o in ords])
        setattr_(self, "_lo", lo)
        setattr_(self, "_hi", hi)
        setattr_(self, "_ords", ords)
        setattr_(self, "_base", base)
        setattr_(self, "_top", base + len(ords))
        setattr_(self, "_weekdays_hi", _weekdays_through(hi))

    def __reduce__(self) -> tuple[type[Calendar], tuple[object, ...]]:
        # The index and the read-only labels proxy are rebuilt on unpickling (e.g. from a cache).
        fields = (self.rest_days, self.workdays, self.published_years, dict(self.labels))
        return (type(self), (*fields, self.version))

    @classmethod
    def build(
        cls,
        *,
        rest_days: Iterable[date] = (),
        workdays: Iterable[date] = (),
        published_years: Iterable[int] = (),
        labels: Mapping[date, tuple[str, str]] | None = None,
        version: str | None = None,
    ) -> Calendar:
        """Build a calendar from any iterables (e.g. the rows of the ``PublicHoliday`` table).

        ``version`` defaults to :func:`calendar_version` of the inputs.
        """
        return cls(
            rest_days=frozenset(rest_days),
            workdays=frozenset(workdays),
            published_years=frozenset(published_years),
            labels=dict(labels or {}),
            version=version or "",
        )

    @classmethod
    def weekends_only(cls) -> Calendar:
        """A calendar with no published year: every result is provisional (law.md §3.6)."""
        return cls.build()

    def count_through(self, d: date) -> int:
        """Working days from the proleptic epoch up to and including ``d`` (an opaque index).

        Differences of this number give working-day spans; it is the primitive behind
        :func:`working_days_between` and :func:`add_working_days`.
        """
        o = d.toordinal()
        if o < self._lo:
            return _weekdays_through(o)
        if o <= self._hi:
            return self._base + bisect_right(self._ords, o)
        return self._top + _weekdays_through(o) - self._weekdays_hi

    def nth_working_day(self, k: int) -> date:
        """The working day ``d`` with ``count_through(d) == k``: the inverse of
        :meth:`count_through`."""
        if k <= self._base:
            return date.fromordinal(_nth_weekday(k))
        i = k - self._base
        if i <= len(self._ords):
            return date.fromordinal(self._ords[i - 1])
        return date.fromordinal(_nth_weekday(k - self._top + self._weekdays_hi))

    def is_published(self, year: int) -> bool:
        """Whether the State Council holiday notice for ``year`` is loaded (law.md §3.6)."""
        return year in self.published_years


def is_working_day(d: date, cal: Calendar) -> bool:
    """Whether ``d`` is a working day of the organ (Art. 82; law.md §3.6 [INT]).

    ``d in workdays OR (weekday(d) <= Friday AND d not in rest_days)``. Weekends are the weekly
    rest days (State Council Rules on Working Hours, Art. 7); a make-up day (调休) is a working
    day; every day of a rest block, including a swapped weekday, is not.
    """
    return d in cal.workdays or (d.weekday() < 5 and d not in cal.rest_days)


def add_working_days(start: date, n: int, cal: Calendar) -> date:
    """The end of a limit of ``n`` working days triggered on ``start`` (Art. 82; law.md §3.7).

    The trigger day is not counted (Civil Code Art. 201 by analogy), whether or not it is a
    working day; the result is the ``n``-th working day after ``start`` and is always a working
    day. So a limit that would end on a holiday ends on the next working day. ``n == 0``
    returns ``start`` unchanged; a negative ``n`` raises :class:`ValueError`.

    Example (2025 notice): 20 WD after 2025-01-24 is 2025-02-27; 5 WD after it is 2025-02-07.
    """
    if n <= 0:
        if n == 0:
            return start
        raise ValueError(f"n must be >= 0, got {n}")
    # Hot path (see bench/): the memoised bisect position of ``start`` plus n, read from the
    # working days of the indexed range. Falls back to the arithmetic below near its edges.
    try:
        return cal._dates[cal._pos[start] + n - 1]
    except (KeyError, IndexError):
        pass
    o = start.toordinal()
    if o < cal._lo:
        k = _weekdays_through(o) + n
    elif o <= cal._hi:
        k = cal._base + bisect_right(cal._ords, o) + n
    else:
        k = cal._top + _weekdays_through(o) - cal._weekdays_hi + n
    i = k - cal._base
    if 0 < i <= len(cal._ords):
        return date.fromordinal(cal._ords[i - 1])
    return cal.nth_working_day(k)


def subtract_working_days(end: date, n: int, cal: Calendar) -> date:
    """The working day ``d`` such that exactly ``n`` working days lie in ``(d, end]``.

    Used to answer "by when must the trigger have happened for the limit to end on ``end``"
    (Art. 82; law.md §3.7). Several days satisfy the count when non-working days precede the
    first counted day; this returns the only one that is a working day (the earliest of them).
    Hence ``add_working_days(subtract_working_days(end, n), n) == end`` whenever ``end`` is a
    working day, and ``subtract_working_days(add_working_days(s, n), n) == s`` whenever ``s`` is
    a working day. ``n == 0`` returns ``end`` unchanged (mirroring :func:`add_working_days`);
    a negative ``n`` raises :class:`ValueError`.
    """
    if n <= 0:
        if n == 0:
            return end
        raise ValueError(f"n must be >= 0, got {n}")
    return cal.nth_working_day(cal.count_through(end) - n)


def working_days_between(start: date, end: date, cal: Calendar) -> int:
    """Number of working days in ``(start, end]``: ``start`` is the uncounted trigger day.

    Returns 0 when ``end <= start`` (Art. 82; law.md §3.7).
    """
    if end <= start:
        return 0
    return cal.count_through(end) - cal.count_through(start)


def unpublished_years(start: date, end: date, cal: Calendar) -> tuple[int, ...]:
    """Years of the days in ``(start, end]`` whose holiday notice is not loaded (law.md §3.6)."""
    if end <= start:
        return ()
    first = (start + _ONE_DAY).year
    return tuple(y for y in range(first, end.year + 1) if y not in cal.published_years)


def is_provisional(start: date, end: date, cal: Calendar) -> bool:
    """Whether a span ``(start, end]`` touches a year with no published holiday notice.

    Such a span was counted with the weekends-only rule and must be recomputed once the notice
    is loaded (law.md §3.6). Only the counted days matter, so the trigger day's year is ignored.
    """
    return bool(unpublished_years(start, end, cal))
