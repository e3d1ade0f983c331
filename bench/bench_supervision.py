"""Benchmark: the e-supervision dashboard against the same aggregates in raw SQL (issue 8).

The dashboard (``/supervision/``, rendered through the test client as a supervisor of the top
supervisory office, so its remit is every agency) runs a fixed number of queries: yellow and red
counts per clock, the same per agency, item and officer, the overdue queue, the open supervision
cases and the weekly statistics behind the two charts. This script times the whole page (HTTP,
session, template, the charts' SVG) and, in the same run on the same data, the same aggregates
written by hand in SQL, and prints both and their ratio (target: the page within 1.5× of the raw
SQL, and well under 250 ms at 1,000,000 applications).

The database must be a bench one (its name contains "bench"); it is seeded once with
``manage.py seed_bench`` (issue 7's seeder) and then re-used:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/xuke_bench_supervision_100k
    DEBUG=1 .venv/bin/python manage.py migrate && DEBUG=1 .venv/bin/python manage.py seed_bench --applications 100000
    .venv/bin/python bench/bench_supervision.py --runs 30

The preparation step (idempotent) gives the seeded applications examiners of their agency, marks
the top agency as the supervisory office, and lets the sweep raise the cards and compute the
weekly statistics; its times are printed too (the first sweep of an installation backfills twelve
weeks of statistics from every clock; later sweeps recompute only the current week).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")  # production settings, DEBUG off

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from licensing.choices import Role  # noqa: E402
from licensing.models import Agency, Application, Clock, SupervisionWarning, SupervisoryOffice, User  # noqa: E402
from licensing.rules.compliance import weeks_ending  # noqa: E402
from licensing.selectors_supervision import today_local  # noqa: E402
from licensing.services.supervision import supervision_warnings, supervision_weekly_stats  # noqa: E402

KINDS = ("C1", "C2", "C2P", "C6", "C8")


def prepare(examiners_per_agency: int = 6, sweeps: int = 1000) -> dict[str, float]:
    """Examiners, the supervisory office and its supervisor, the cards and the weekly figures."""
    timings = {}
    started = time.perf_counter()
    examiner_group, _ = Group.objects.get_or_create(name=Role.EXAMINER)
    for agency in Agency.objects.all():
        have = list(User.objects.filter(agency=agency, groups=examiner_group).order_by("pk"))
        for n in range(len(have), examiners_per_agency):
            user = User.objects.create(username=f"bench-ex-{agency.code}-{n}", agency=agency,
                                       staff_number=f"BX-{agency.pk}-{n}")
            user.groups.add(examiner_group)
    if Application.objects.filter(examiner__isnull=True).exists():
        with connection.cursor() as cursor:  # round robin over each agency's examiners
            cursor.execute(
                """
                WITH ex AS (
                    SELECT u.id, u.agency_id,
                           row_number() OVER (PARTITION BY u.agency_id ORDER BY u.id) - 1 AS k,
                           count(*) OVER (PARTITION BY u.agency_id) AS n
                    FROM licensing_user u JOIN licensing_user_groups g ON g.user_id = u.id
                    JOIN auth_group gr ON gr.id = g.group_id AND gr.name = %s
                )
                UPDATE licensing_application a SET examiner_id = ex.id
                FROM ex WHERE ex.agency_id = a.agency_id AND ex.k = a.id %% ex.n AND a.examiner_id IS NULL
                """,
                [Role.EXAMINER],
            )
    timings["examiners"] = time.perf_counter() - started

    office = Agency.objects.get_or_create(code="bench-supervision", defaults={"name": "政务服务监察办"})[0]
    SupervisoryOffice.objects.get_or_create(agency=office)
    chief, created = User.objects.get_or_create(username="bench-chief", defaults={"agency": office})
    if created:
        chief.groups.add(Group.objects.get_or_create(name=Role.SUPERVISOR)[0])

    now = timezone.now()
    started = time.perf_counter()
    raised = 0
    if not SupervisionWarning.objects.exists():
        for _ in range(sweeps):  # the first sweeps after installation: SWEEP_LIMIT cards each
            step = supervision_warnings(now)
            raised += step
            if not step:
                break
    timings["cards"] = time.perf_counter() - started
    timings["cards_raised"] = raised
    if raised:
        timings["per_card"] = timings["cards"] / raised
    started = time.perf_counter()
    timings["weeks_computed"] = supervision_weekly_stats(now)
    timings["weekly_stats"] = time.perf_counter() - started
    started = time.perf_counter()
    supervision_weekly_stats(now + timezone.timedelta(hours=2))  # a later sweep: the current week only
    timings["weekly_stats_current_week"] = time.perf_counter() - started
    return timings


RAW = {
    "warning groups": """
        SELECT c.kind, a.agency_id, a.item_id, a.examiner_id,
               COUNT(*) FILTER (WHERE c.yellow_from <= %(today)s AND c.due_on >= %(today)s),
               COUNT(*) FILTER (WHERE c.due_on < %(today)s)
        FROM licensing_clock c JOIN licensing_application a ON a.id = c.application_id
        WHERE c.kind IN ('C1','C2','C2P','C6','C8') AND c.state = 'running'
          AND (c.yellow_from <= %(today)s OR c.due_on < %(today)s)
        GROUP BY 1, 2, 3, 4""",
    "overdue queue": """
        SELECT c.id, c.application_id, c.kind, c.state, c.due_on, c.yellow_from,
               a.id, a.number, a.status, a.agency_id, a.item_id, a.examiner_id,
               ag.id, ag.code, ag.name, ag.region, i.id, i.code, i.name, u.id, u.username, u.staff_number
        FROM licensing_clock c JOIN licensing_application a ON a.id = c.application_id
        JOIN licensing_agency ag ON ag.id = a.agency_id JOIN licensing_licenceitem i ON i.id = a.item_id
        LEFT JOIN licensing_user u ON u.id = a.examiner_id
        WHERE c.kind IN ('C1','C2','C2P','C6','C8') AND c.state = 'running' AND c.due_on < %(today)s
        ORDER BY c.due_on, c.id LIMIT 25""",
    "cases": """
        SELECT COUNT(*) FILTER (WHERE status <> 'closed'),
               COUNT(*) FILTER (WHERE status = 'open' AND response_due_on < %(today)s)
        FROM licensing_supervisioncase""",
    "weekly figures": """
        SELECT week, clock_kind, SUM(met), SUM(missed), SUM(open_at_end), SUM(overdue_at_end)
        FROM licensing_supervisionweeklystat WHERE week >= %(first)s AND week <= %(last)s
        GROUP BY week, clock_kind""",
}


NAMES = {
    "agency names": ("SELECT id, code, name FROM licensing_agency WHERE id = ANY(%s)", 1),
    "item names": ("SELECT id, code, name FROM licensing_licenceitem WHERE id = ANY(%s)", 2),
    "officer names": ("SELECT id, username, staff_number FROM licensing_user WHERE id = ANY(%s)", 3),
}
"""The page looks the names of the grouped agencies, items and officers up by primary key."""


def time_raw(today, runs: int) -> tuple[list[float], dict[str, float]]:
    weeks = weeks_ending(today, 12)
    params = {"today": today, "first": weeks[0][0], "last": weeks[-1][0]}
    totals, per_query = [], {name: [] for name in [*RAW, *NAMES]}
    with connection.cursor() as cursor:
        for _ in range(runs):
            total = 0.0
            for name, sql in RAW.items():
                started = time.perf_counter()
                cursor.execute(sql, params)
                rows = cursor.fetchall()
                spent = time.perf_counter() - started
                per_query[name].append(spent)
                total += spent
                if name == "warning groups":
                    for lookup, (names_sql, column) in NAMES.items():
                        ids = sorted({row[column] for row in rows if row[column] is not None})
                        started = time.perf_counter()
                        cursor.execute(names_sql, [ids])
                        cursor.fetchall()
                        spent = time.perf_counter() - started
                        per_query[lookup].append(spent)
                        total += spent
            totals.append(total)
    return totals, {name: statistics.median(v) for name, v in per_query.items()}


def time_page(runs: int) -> tuple[list[float], int, float]:
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="bench-chief"))
    started = time.perf_counter()
    first = client.get("/supervision/")
    cold = time.perf_counter() - started
    assert first.status_code == 200, first.status_code
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/supervision/")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/supervision/")
    return times, len(queries), cold


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sweeps", type=int, default=1000,
                        help="Warning sweeps to run on a fresh database (each raises at most 2,000 cards).")
    args = parser.parse_args()
    name = settings.DATABASES["default"]["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        sys.exit("Point DATABASE_URL at a seeded PostgreSQL bench database (its name contains 'bench').")
    applications = Application.objects.count()
    clocks = Clock.objects.count()
    print(f"database {name}: {applications:,} applications, {clocks:,} clocks")
    for key, value in prepare(sweeps=args.sweeps).items():
        print(f"  prepare {key}: {ms(value) if isinstance(value, float) else value}")
    today = today_local()
    running = Clock.objects.filter(state="running").count()
    print(f"today {today}; running clocks {running:,}")

    raw, per_query = time_raw(today, args.runs)
    page, queries, cold = time_page(args.runs)
    raw_median, page_median = statistics.median(raw), statistics.median(page)
    print("raw SQL, median per query: " + ", ".join(f"{k} {ms(v)}" for k, v in per_query.items()))
    print(f"raw SQL aggregates ({len(RAW) + len(NAMES)} queries): median {ms(raw_median)}, "
          f"p90 {ms(sorted(raw)[int(len(raw) * .9)])}")
    print(f"dashboard page ({queries} queries): median {ms(page_median)}, "
          f"p90 {ms(sorted(page)[int(len(page) * .9)])}, first request {ms(cold)}")
    ratio = page_median / raw_median
    print(f"ratio page / raw SQL: {ratio:.2f}x (target <= 1.5x) {'OK' if ratio <= 1.5 else 'OVER'}")


if __name__ == "__main__":
    main()
