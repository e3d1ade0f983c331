"""Benchmark: add_working_days (bisect over precomputed ordinals) vs a naive day-by-day loop.

Run from anywhere with plain Python (needs ``chinesecalendar`` for the real calendar):

    python bench/bench_working_days.py

Both implementations are measured in the same run on the same calendar and the same random
trigger dates (2005-2026, published years), and their results are cross-checked first.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from licensing.rules.calendar_data import national_calendar_from_package  # noqa: E402
from licensing.rules.working_days import Calendar, add_working_days  # noqa: E402

ONE_DAY = timedelta(days=1)
N_VALUES = (5, 20, 60, 250)
SAMPLE = 2_000
MILLION = 1_000_000


def naive_add_working_days(start: date, n: int, cal: Calendar) -> date:
    """Reference implementation: walk day by day applying the law.md §3.6 rule inline."""
    workdays, rest_days = cal.workdays, cal.rest_days
    d, counted = start, 0
    while counted < n:
        d += ONE_DAY
        if d in workdays or (d.weekday() < 5 and d not in rest_days):
            counted += 1
    return d


def bisect_only_add(start: date, n: int, cal: Calendar) -> date:
    """The un-memoised path: one bisect (count_through) plus one index (nth_working_day)."""
    return cal.nth_working_day(cal.count_through(start) + n)


def calls_per_second(func, starts: list[date], n: int, cal: Calendar, min_time: float) -> float:
    """Best-of-3 throughput over the sample of trigger dates, each round at least min_time."""
    best = 0.0
    for _ in range(3):
        calls, elapsed = 0, 0.0
        t0 = time.perf_counter()
        while elapsed < min_time:
            for s in starts:
                func(s, n, cal)
            calls += len(starts)
            elapsed = time.perf_counter() - t0
        best = max(best, calls / elapsed)
    return best


def main() -> None:
    t0 = time.perf_counter()
    cal = national_calendar_from_package()
    build_ms = (time.perf_counter() - t0) * 1000
    rng = random.Random(82)
    first, last = date(2005, 1, 1).toordinal(), date(2026, 6, 30).toordinal()
    starts = [date.fromordinal(rng.randint(first, last)) for _ in range(SAMPLE)]

    for n in N_VALUES:  # cross-check before timing
        for s in starts:
            expected = naive_add_working_days(s, n, cal)
            assert add_working_days(s, n, cal) == bisect_only_add(s, n, cal) == expected, (s, n)

    print(
        f"Python {sys.version.split()[0]}; calendar {cal.version[:12]} "
        f"({len(cal.published_years)} published years, built in {build_ms:.1f} ms)"
    )
    print()
    header = (
        f"{'N (WD)':>7} | {'add_working_days/s':>18} | {'bisect-only/s':>13} | "
        f"{'naive loop/s':>12} | {'ratio':>7} | {'bisect ratio':>12}"
    )
    print(header)
    print("-" * len(header))
    for n in N_VALUES:
        fast = calls_per_second(add_working_days, starts, n, cal, min_time=0.3)
        bisect = calls_per_second(bisect_only_add, starts, n, cal, min_time=0.3)
        slow = calls_per_second(naive_add_working_days, starts, n, cal, min_time=0.3)
        print(
            f"{n:>7} | {fast:>18,.0f} | {bisect:>13,.0f} | {slow:>12,.0f} | "
            f"{fast / slow:>6.1f}x | {bisect / slow:>11.1f}x"
        )
    print("ratio = add_working_days / naive loop (target >= 10x at N = 20, flat as N grows)")

    ns = [rng.choice(N_VALUES) for _ in range(SAMPLE)]
    pairs = [(starts[i], ns[i]) for i in range(SAMPLE)] * (MILLION // SAMPLE)
    t0 = time.perf_counter()
    for s, n in pairs:
        add_working_days(s, n, cal)
    elapsed = time.perf_counter() - t0
    print()
    print(
        f"{len(pairs):,} due dates (N drawn from {N_VALUES}): {elapsed:.2f} s "
        f"({elapsed / len(pairs) * 1e9:.0f} ns per due date)"
    )


if __name__ == "__main__":
    main()
