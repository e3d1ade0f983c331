"""Benchmark: the action-log export streams with flat memory (design.md principle 5; issue 4).

Fills a throw-away test database with action-log entries (bulk inserts, computing the hash chain
as ``audit_record`` does), then consumes the supervisors' streamed CSV and JSON exports and
measures the peak Python memory (``tracemalloc``) while doing so, at 10,000 and at 100,000
entries. Flat memory means a ratio near 1 between the two peaks, although ten times as many
bytes went through. For contrast it also measures loading the same 10,000 rows into a list.

    .venv/bin/python bench/bench_audit_export.py                # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_audit_export.py

On PostgreSQL it works in its own database, ``test_xuke_bench_audit``, dropped at the end.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402

from licensing.audit import audit_entry_list, audit_verify  # noqa: E402
from licensing.choices import ApplicationStatus, Role  # noqa: E402
from licensing.models import (  # noqa: E402
    ActionLogEntry,
    ActionLogHead,
    Agency,
    Application,
    AuditAction,
    LicenceItem,
    User,
)
from licensing.views.audit import official_audit_export  # noqa: E402

BATCH = 5_000
YEAR = timedelta(days=365)
ACTS = [
    (AuditAction.ACCEPT, Role.CLERK, "Art. 32(1)(5)", "材料齐全，符合法定形式，予以受理。"),
    (AuditAction.PAUSE_CLOCK, Role.EXAMINER, "Art. 45", "需要专家评审，评审所需时间不计入审查期限。"),
    (AuditAction.EXTEND, Role.HEAD, "Art. 42", "案情复杂，经本机关负责人批准延长十个工作日。"),
    (AuditAction.DECIDE, Role.HEAD, "Art. 38(1)", "申请人符合法定条件、标准，准予行政许可。"),
]


def seed() -> dict:
    """Agencies, officials and applications for the entries to point at."""
    agencies = [Agency.objects.create(code=f"bench-{i}", name=f"基准测试局{i}") for i in range(3)]
    staff = {}
    for agency in agencies:
        for role in (Role.CLERK, Role.EXAMINER, Role.HEAD):
            staff[(agency.pk, role)] = User.objects.create_user(
                username=f"{role}-{agency.code}", agency=agency, password=None
            )
    supervisor = User.objects.create_user(username="bench-supervisor", password=None)
    supervisor.groups.add(*Group.objects.filter(name=Role.SUPERVISOR))
    applicant = User.objects.create_user(username="bench-applicant", password=None)
    applications = []
    for agency in agencies:
        item = LicenceItem.objects.create(
            code=f"item-{agency.code}",
            name="食品经营许可",
            agency=agency,
            legal_basis="《食品安全法》",
            legal_articles="第35条",
            conditions="符合条件",
            published=True,
        )
        applications += Application.objects.bulk_create(
            Application(
                number=f"XK-2026-{agency.pk:02d}{n:04d}",
                item=item,
                agency=agency,
                applicant=applicant,
                status=ApplicationStatus.RECEIVED,
                received_at=timezone.now(),
            )
            for n in range(300)
        )
    return {"staff": staff, "applications": applications, "supervisor": supervisor}


def append(count: int, world: dict, *, start, total: int) -> None:
    """Append ``count`` entries spread over a year, chained exactly as ``audit_record`` chains them."""
    with transaction.atomic():
        head, _ = ActionLogHead.objects.select_for_update().get_or_create(pk=1)
        seq, prev_hash = head.seq, head.hash
        applications, batch = world["applications"], []
        for _ in range(count):
            seq += 1
            application = applications[seq % len(applications)]
            action, role, basis, reason = ACTS[seq % len(ACTS)]
            actor = world["staff"][(application.agency_id, role)]
            entry = ActionLogEntry(
                seq=seq,
                at=start + YEAR * seq / total,
                actor=actor,
                actor_label=actor.username,
                role=role,
                agency_id=actor.agency_id,
                action=action,
                application=application,
                legal_basis=basis,
                reason=reason,
                changes={"status": ["received", "accepted"], "due_on": [None, "2026-05-06"]},
                prev_hash=prev_hash,
            )
            entry.hash = prev_hash = entry.compute_hash()
            batch.append(entry)
            if len(batch) == BATCH:
                ActionLogEntry.objects.bulk_create(batch)
                batch = []
        ActionLogEntry.objects.bulk_create(batch)
        head.seq, head.hash = seq, prev_hash
        head.save()


def download(fmt: str, supervisor: User) -> int:
    """Consume one export the way a WSGI server does, piece by piece; return the bytes sent."""
    request = RequestFactory().get(f"/staff/audit/export.{fmt}")
    request.user = supervisor
    response = official_audit_export(request, fmt=fmt)
    streamed = sum(len(chunk) for chunk in response.streaming_content)
    response.close()
    return streamed


def measure_export(fmt: str, supervisor: User) -> tuple[int, int, float]:
    """(bytes streamed, peak traced memory in bytes, seconds untraced) for one full export."""
    started = time.perf_counter()
    download(fmt, supervisor)
    elapsed = time.perf_counter() - started
    gc.collect()
    tracemalloc.start()
    streamed = download(fmt, supervisor)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return streamed, peak, elapsed


def measure_list() -> int:
    """Peak memory of loading the same rows into a list: what streaming avoids."""
    gc.collect()
    tracemalloc.start()
    rows = list(audit_entry_list())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del rows
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000, help="the larger size (default 100,000)")
    parser.add_argument("--small", type=int, default=10_000, help="the smaller size (default 10,000)")
    args = parser.parse_args()

    connection.settings_dict.setdefault("TEST", {})["NAME"] = (
        "test_xuke_bench_audit" if connection.vendor == "postgresql" else None
    )
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(f"database: {connection.vendor}")
        world = seed()
        start = timezone.now() - YEAR
        results = {}
        done = 0
        for size in (args.small, args.entries):
            began = time.perf_counter()
            append(size - done, world, start=start, total=args.entries)
            done = size
            print(f"  {size:>9,} entries in the log (appended in {time.perf_counter() - began:.1f} s)")
            for fmt in ("csv", "json"):
                results[(fmt, size)] = measure_export(fmt, world["supervisor"])
            if size == args.small:
                results[("list", size)] = (0, measure_list(), 0.0)
        verified = audit_verify()
        print(f"  verify_audit: {'OK' if verified.ok else 'FAILED'}, {verified.checked:,} entries\n")

        print(f"{'export':<8}{'entries':>10}{'streamed':>12}{'peak memory':>14}{'time':>9}")
        for (fmt, size), (streamed, peak, elapsed) in results.items():
            if fmt == "list":
                continue
            print(f"{fmt:<8}{size:>10,}{streamed / 2**20:>10.1f} MB{peak / 2**10:>11,.0f} KiB{elapsed:>8.1f}s")
        print()
        for fmt in ("csv", "json"):
            small, large = results[(fmt, args.small)][1], results[(fmt, args.entries)][1]
            print(
                f"{fmt}: peak memory at {args.entries:,} / at {args.small:,} entries = {large / small:.2f} "
                f"(entries x{args.entries / args.small:.0f}; flat memory = ratio near 1)"
            )
        listed = results[("list", args.small)][1]
        print(f"for contrast, list() of the same {args.small:,} rows peaks at {listed / 2**20:,.1f} MB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
