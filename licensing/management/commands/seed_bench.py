"""``manage.py seed_bench --applications N``: fill a benchmark database with N applications.

For the load tests in ``bench/`` (issue 7: up to 1,000,000 applications). A realistic mix, not
a legal history: receipts spread over the last three years; older cases mostly decided (granted
and certified, denied, not accepted, withdrawn, closed) and a few stuck past their limit; recent
ones in every open state. Each case gets its Clock rows (C1, C2, C2P, C6) with due dates counted
in working days on the national calendar, Art. 45 pauses and Art. 42 extensions on a few, a
timeline of action-log entries (hash-chained, as ``audit_record`` writes them), the titles of the
documents served, a licence for every certified case and ratings for some.

Rows are written in batches (one transaction each) with ``bulk_create``, or on PostgreSQL with
``COPY`` (``--copy``, the default there: about ten times faster, which a million rows need), and a
progress bar goes to stderr. Services are bypassed for speed, so no history rows or notifications are written; that
is why the command refuses to run unless the database's name contains "bench" (or ``--force``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from licensing.calendar import calendar_for_region
from licensing.choices import (
    ApplicationStatus,
    ClockKind,
    ClockState,
    DocumentKind,
    LicenceStatus,
    PauseReason,
    RatingLevel,
    Role,
)
from licensing.models import (
    ActionLogEntry,
    ActionLogHead,
    Agency,
    Application,
    Clock,
    ClockExtension,
    ClockPause,
    Document,
    Licence,
    LicenceItem,
    User,
)
from licensing.models.audit import GENESIS_HASH
from licensing.rules.working_days import add_working_days

S = ApplicationStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")

OLD_MIX = [  # cases received more than 60 days ago
    (S.CERTIFICATE_ISSUED, 72),
    (S.DENIED, 9),
    (S.NOT_ACCEPTED, 6),
    (S.WITHDRAWN, 5),
    (S.CLOSED, 3),
    (S.GRANTED, 1),
    (S.UNDER_EXAMINATION, 2),  # stuck: overdue
    (S.EXCLUDED_PROCEDURE, 2),
]
RECENT_MIX = [
    (S.RECEIVED, 10),
    (S.SUPPLEMENT_REQUIRED, 6),
    (S.ACCEPTED, 10),
    (S.DEEMED_ACCEPTED, 2),
    (S.UNDER_EXAMINATION, 30),
    (S.EXCLUDED_PROCEDURE, 6),
    (S.DECISION_PENDING, 8),
    (S.GRANTED, 6),
    (S.CERTIFICATE_ISSUED, 10),
    (S.DENIED, 4),
    (S.NOT_ACCEPTED, 4),
    (S.WITHDRAWN, 4),
]
DECIDED = {S.GRANTED, S.DENIED, S.CERTIFICATE_ISSUED}
ACCEPTED = DECIDED | {S.ACCEPTED, S.DEEMED_ACCEPTED, S.UNDER_EXAMINATION, S.EXCLUDED_PROCEDURE, S.DECISION_PENDING}
TITLES = {
    DocumentKind.ACCEPTANCE_VOUCHER: "受理通知书 Acceptance voucher",
    DocumentKind.NON_ACCEPTANCE: "不予受理决定书 Non-acceptance decision",
    DocumentKind.SUPPLEMENT_NOTICE: "补正材料一次性告知书 One-time supplement notice",
    DocumentKind.EXCLUDED_TIME_NOTICE: "特别程序所需时间告知书 Excluded-time notice",
    DocumentKind.EXTENSION_NOTICE: "延长期限告知书 Extension notice",
    DocumentKind.GRANT_DECISION: "准予行政许可决定书 Grant decision",
    DocumentKind.DENIAL_DECISION: "不予行政许可决定书 Denial decision",
    DocumentKind.LICENCE_CERTIFICATE: "许可证 Licence certificate",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def _pick(rng: random.Random, mix):
    statuses, weights = zip(*mix, strict=True)
    return rng.choices(statuses, weights=weights)[0]


class Progress:
    """A progress bar on stderr: ``[#####-----] 52% 520,000/1,000,000  41.2 s  ETA 38 s``."""

    def __init__(self, total: int, stream=sys.stderr, width: int = 30):
        self.total, self.stream, self.width = total, stream, width
        self.start = time.monotonic()

    def update(self, done: int) -> None:
        elapsed = time.monotonic() - self.start
        share = done / self.total if self.total else 1
        filled = int(self.width * share)
        eta = elapsed / share - elapsed if share else 0
        self.stream.write(
            f"\r[{'#' * filled}{'-' * (self.width - filled)}] {share:4.0%} {done:,}/{self.total:,}"
            f"  {elapsed:6.1f} s  ETA {eta:5.0f} s "
        )
        self.stream.flush()

    def finish(self) -> None:
        self.update(self.total)
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Seed N benchmark applications with clocks, timelines, documents and licences (bench/ only)."

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, required=True, help="How many applications to add.")
        parser.add_argument("--batch", type=int, default=5000, help="Rows per bulk insert and transaction.")
        parser.add_argument("--agencies", type=int, default=8)
        parser.add_argument("--items", type=int, default=4, help="Licence items per agency.")
        parser.add_argument("--seed", type=int, default=20251)
        parser.add_argument("--force", action="store_true", help="Seed even if the database is not a bench one.")
        parser.add_argument(
            "--copy", action=argparse.BooleanOptionalAction, default=None,
            help="Write with PostgreSQL COPY instead of bulk_create (default: on PostgreSQL).",
        )

    def handle(self, *args, **options):
        name = str(connection.settings_dict.get("NAME") or "")
        if "bench" not in name and not options["force"]:
            raise CommandError(
                f"Refusing to seed {name!r}: use a database whose name contains 'bench' (or --force). "
                "seed_bench bypasses the services and writes no history."
            )
        n = options["applications"]
        if n < 1:
            raise CommandError("--applications must be at least 1.")
        self.rng = random.Random(options["seed"])
        copy = options["copy"]
        self.copy = (connection.vendor == "postgresql") if copy is None else copy
        if self.copy and connection.vendor != "postgresql":
            raise CommandError("--copy needs PostgreSQL.")
        self.today = timezone.localdate(timezone.now(), SHANGHAI)
        self.cal = calendar_for_region("CN")
        self._setup(options["agencies"], options["items"])
        start_seq = (Application.objects.filter(number__startswith="BX-").count()) + 1
        progress = Progress(n, stream=self.stderr._out)
        done = 0
        while done < n:
            size = min(options["batch"], n - done)
            with transaction.atomic():
                self._batch(start_seq + done, size)
            done += size
            progress.update(done)
        progress.finish()
        self.stdout.write(self.style.SUCCESS(f"Seeded {n:,} applications ({Application.objects.count():,} in all)."))

    # -- fixtures -------------------------------------------------------------------------------

    def _setup(self, agencies: int, items: int) -> None:
        groups = {role: Group.objects.get_or_create(name=str(role))[0] for role in Role}
        self.agencies, self.items, self.staff = [], [], {}
        for a in range(agencies):
            agency, _ = Agency.objects.get_or_create(
                code=f"bench-ag-{a:02d}",
                defaults={"name": f"基准市第{a + 1}行政审批局", "name_en": f"Bench City Approval Bureau {a + 1}"},
            )
            self.agencies.append(agency)
            staff = {}
            for role, prefix in ((Role.CLERK, "C"), (Role.EXAMINER, "E"), (Role.HEAD, "H")):
                user, created = User.objects.get_or_create(
                    username=f"bench-{prefix.lower()}-{a:02d}",
                    defaults={"agency": agency, "staff_number": f"BX{prefix}{a:03d}"},
                )
                if created:
                    user.set_unusable_password()
                    user.save()
                    user.groups.add(groups[role])
                staff[role] = user
            self.staff[agency.pk] = staff
            for i in range(items):
                item, _ = LicenceItem.objects.get_or_create(
                    code=f"bench-item-{a:02d}-{i}",
                    defaults={
                        "name": f"基准许可事项{a + 1}-{i + 1}",
                        "agency": agency,
                        "legal_basis": "《中华人民共和国行政许可法》",
                        "legal_articles": "第12条",
                        "conditions": "符合法定条件。",
                        "statutory_days": 20,
                        "promised_days": (10, 15, None, 5)[i % 4],
                        "published": True,
                    },
                )
                self.items.append(item)
        self.applicant, created = User.objects.get_or_create(username="bench-applicant")
        if created:
            self.applicant.set_unusable_password()
            self.applicant.save()
            self.applicant.groups.add(groups[Role.APPLICANT])
        head = ActionLogHead.objects.filter(pk=1).first()
        if head is None:
            last = ActionLogEntry.objects.order_by("-seq").values("seq", "hash").first()
            head = ActionLogHead.objects.create(pk=1, **(last or {}))
        self.head = head

    # -- one batch ------------------------------------------------------------------------------

    def _wd(self, start: date, n: int) -> date:
        return add_working_days(start, n, self.cal)

    def _batch(self, first_seq: int, size: int) -> None:
        rng, today = self.rng, self.today
        plans = []
        apps = []
        for k in range(size):
            seq = first_seq + k
            age = rng.randint(0, 3 * 365)
            received_at = timezone.now() - timedelta(days=age, seconds=rng.randint(0, 86_399))
            received_on = timezone.localdate(received_at, SHANGHAI)
            status = _pick(rng, OLD_MIX if age > 60 else RECENT_MIX)
            item = rng.choice(self.items)
            plan = {"status": status, "item": item, "received_on": received_on, "received_at": received_at}
            fields = {
                "number": f"BX-{received_on.year}-{seq:07d}",
                "item": item,
                "agency_id": item.agency_id,
                "applicant": self.applicant,
                "holder_name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "holder_is_organisation": False,
                "status": status,
                "received_at": received_at,
            }
            if status in (S.NOT_ACCEPTED, S.SUPPLEMENT_REQUIRED, S.CLOSED):
                fields["triaged_on"] = min(self._wd(received_on, rng.randint(1, 4)), today)
            if status in ACCEPTED:
                if status == S.DEEMED_ACCEPTED or rng.random() < 0.01:
                    fields["accepted_on"], fields["deemed_accepted"] = received_on, True
                else:
                    fields["accepted_on"] = min(self._wd(received_on, rng.randint(0, 4)), today)
                    fields["triaged_on"] = fields["accepted_on"]
                plan["paused"] = status == S.EXCLUDED_PROCEDURE or rng.random() < 0.05
                plan["extended"] = rng.random() < 0.03
            if status == S.WITHDRAWN:
                fields["accepted_on"] = min(self._wd(received_on, 2), today)
            if status in DECIDED:
                limit = 20 + (10 if plan.get("extended") else 0)
                used = rng.choices([rng.randint(3, limit), rng.randint(limit + 1, limit + 15)], weights=[9, 1])[0]
                fields["decided_on"] = min(self._wd(fields["accepted_on"], used), today)
                plan["pause_wd"] = 0
            if status == S.CERTIFICATE_ISSUED:
                fields["certificate_issued_on"] = min(self._wd(fields["decided_on"], rng.randint(1, 9)), today)
            plans.append(plan)
            apps.append(Application(**fields))
        if self.copy:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence('licensing_application', 'id')) "
                    "FROM generate_series(1, %s)",
                    [len(apps)],
                )
                for app, (pk,) in zip(apps, cursor.fetchall(), strict=True):
                    app.pk = app.id = pk
            self._insert(Application, apps)
        else:
            Application.objects.bulk_create(apps, batch_size=len(apps))
        if connection.vendor != "postgresql":  # SQLite before 3.35 returns no ids
            by_number = dict(
                Application.objects.filter(number__in=[a.number for a in apps]).values_list("number", "id")
            )
            for a in apps:
                a.pk = a.id = by_number[a.number]
        self._children(apps, plans)

    def _children(self, apps: list[Application], plans: list[dict]) -> None:
        rng, today = self.rng, self.today
        clocks, pauses, extensions, documents, licences, entries = [], [], [], [], [], []
        for app, plan in zip(apps, plans, strict=True):
            staff = self.staff[app.agency_id]
            status, item, received_on = plan["status"], plan["item"], plan["received_on"]
            c1_due = self._wd(received_on, 5)
            c1_stop = app.triaged_on or (c1_due if app.deemed_accepted else None)
            clocks.append(self._clock(app, ClockKind.C1, received_on, 5, c1_due, c1_stop))
            steps = [(app.received_at, "submit", None, "applicant", "Art. 29")]
            docs = []
            if app.triaged_on and status in (S.NOT_ACCEPTED,):
                steps.append((self._at(app.triaged_on), "not_accept", staff[Role.CLERK], "clerk", "Art. 32(2)"))
                docs.append((DocumentKind.NON_ACCEPTANCE, app.triaged_on))
            if app.triaged_on and status in (S.SUPPLEMENT_REQUIRED, S.CLOSED):
                steps.append(
                    (self._at(app.triaged_on), "request_supplement", staff[Role.CLERK], "clerk", "Art. 32(1)(4)")
                )
                docs.append((DocumentKind.SUPPLEMENT_NOTICE, app.triaged_on))
            if app.accepted_on and status != S.WITHDRAWN:
                start = app.accepted_on
                if app.deemed_accepted:
                    steps.append((self._at(c1_due), "deem_accept", None, "system", "Art. 32(4)"))
                else:
                    steps.append((self._at(start), "accept", staff[Role.CLERK], "clerk", "Art. 32(1)(5)"))
                docs.append((DocumentKind.ACCEPTANCE_VOUCHER, c1_due if app.deemed_accepted else start))
                extra = 0
                if plan.get("paused"):
                    p_start = min(self._wd(start, rng.randint(1, 8)), app.decided_on or today, today)
                    length = rng.randint(3, 15)
                    expected = self._wd(p_start, length)
                    still_open = status == S.EXCLUDED_PROCEDURE
                    ended = None if still_open else min(expected, app.decided_on or today)
                    if ended is not None and ended < p_start:
                        ended = p_start
                    pauses.append(
                        ClockPause(
                            application=app, reason=rng.choice(list(PauseReason)), started_on=p_start,
                            expected_end_on=expected, ended_on=ended, notice_text="(bench)",
                            started_by=staff[Role.EXAMINER],
                        )
                    )
                    extra = length
                    steps.append((self._at(p_start), "pause_clock", staff[Role.EXAMINER], "examiner", "Art. 45"))
                    docs.append((DocumentKind.EXCLUDED_TIME_NOTICE, p_start))
                total = 20
                if plan.get("extended"):
                    approved = min(self._wd(start, 15), today)
                    extensions.append(
                        ClockExtension(
                            application=app, days=10, reason="案情复杂，需进一步核查。",
                            requested_by=staff[Role.EXAMINER], approved_by=staff[Role.HEAD], approved_on=approved,
                        )
                    )
                    total += 10
                    steps.append((self._at(approved), "extend", staff[Role.HEAD], "head", "Art. 42"))
                    docs.append((DocumentKind.EXTENSION_NOTICE, approved))
                due = self._wd(start, total + extra)
                clocks.append(self._clock(app, ClockKind.C2, start, total, due, app.decided_on))
                if item.promised_days:
                    p_due = self._wd(start, item.promised_days + extra)
                    clocks.append(self._clock(app, ClockKind.C2_PROMISED, start, item.promised_days, p_due,
                                              app.decided_on))
            if app.decided_on:
                granted = status != S.DENIED
                steps.append((self._at(app.decided_on), "decide", staff[Role.HEAD], "head",
                              "Art. 38(1)" if granted else "Art. 38(2)"))
                docs.append((DocumentKind.GRANT_DECISION if granted else DocumentKind.DENIAL_DECISION, app.decided_on))
                if granted:
                    c6_due = self._wd(app.decided_on, 10)
                    clocks.append(self._clock(app, ClockKind.C6, app.decided_on, 10, c6_due,
                                              app.certificate_issued_on))
            if app.certificate_issued_on:
                issued = app.certificate_issued_on
                steps.append((self._at(issued), "issue_certificate", staff[Role.CLERK], "clerk", "Art. 44"))
                docs.append((DocumentKind.LICENCE_CERTIFICATE, issued))
                until = issued.replace(year=issued.year + 3) if not (issued.month == 2 and issued.day == 29) else (
                    issued + timedelta(days=365 * 3))
                licence_status = LicenceStatus.ACTIVE
                roll = rng.random()
                if roll < 0.02:
                    licence_status = LicenceStatus.REVOKED
                elif roll < 0.04:
                    licence_status = LicenceStatus.CANCELLED
                licences.append(
                    Licence(
                        number=f"BXL-{issued.year}-{app.pk:08d}", application=app, item_id=app.item_id,
                        agency_id=app.agency_id, holder_name=app.holder_name, holder_is_organisation=False,
                        scope="许可范围（基准数据）", valid_from=app.decided_on, valid_until=until,
                        status=licence_status, issued_on=issued, issued_by=staff[Role.CLERK],
                    )
                )
            if status == S.WITHDRAWN:
                steps.append((self._at(min(received_on + timedelta(days=3), today)), "withdraw", None, "applicant",
                              ""))
            for kind, day in docs:
                documents.append(
                    Document(
                        application=app, kind=kind, title=TITLES[kind], version=1, file=f"bench/{app.pk}-{kind}.pdf",
                        sha256="0" * 64, issued_at=self._at(day),
                    )
                )
            for at, action, actor, role, basis in sorted(steps, key=lambda s: s[0]):
                entries.append((at, action, actor, role, basis, app))
        for model, rows in ((Clock, clocks), (ClockPause, pauses), (ClockExtension, extensions),
                            (Document, documents), (Licence, licences)):
            self._insert(model, rows)
        self._audit(entries)
        self._ratings(apps)

    def _at(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)

    def _clock(self, app, kind, start, days, due, stopped_on) -> Clock:
        if stopped_on is not None and stopped_on < start:
            stopped_on = start
        state = ClockState.STOPPED if stopped_on or app.status in (S.WITHDRAWN, S.CLOSED, S.NOT_ACCEPTED) else (
            ClockState.PAUSED if app.status == S.EXCLUDED_PROCEDURE and kind != ClockKind.C1 else ClockState.RUNNING)
        if state == ClockState.STOPPED and stopped_on is None:
            stopped_on = min(self._wd(start, 3), self.today)
        return Clock(
            application=app, kind=kind, state=state, start_on=start, days=days, due_on=due,
            yellow_from=self._wd(start, max(days - 3, 0)), stopped_on=stopped_on, provisional=False,
            calendar_version=self.cal.version,
            explanation=[
                f"Counted from {start.isoformat()}; the trigger day is not counted (Art. 82).",
                f"Limit: {days} working days (Art. 82).",
                "Weekends and the State Council holiday blocks are skipped.",
                f"Due at the end of {due.isoformat()}.",
                f"Calendar version {self.cal.version[:12]}.",
            ],
        )

    def _audit(self, steps) -> None:
        """Append the entries to the hash chain exactly as ``audit_record`` would."""
        head = ActionLogHead.objects.select_for_update().get(pk=1)
        seq, prev = head.seq, head.hash or GENESIS_HASH
        rows = []
        for at, action, actor, role, basis, app in steps:
            seq += 1
            entry = ActionLogEntry(
                seq=seq, at=at.astimezone(UTC), actor=actor, actor_label=actor.username if actor else "system",
                role=role, agency_id=actor.agency_id if actor else None, action=action, application=app,
                legal_basis=basis, reason="", changes={}, prev_hash=prev,
            )
            entry.hash = entry.compute_hash()
            prev = entry.hash
            rows.append(entry)
        self._insert(ActionLogEntry, rows)
        ActionLogHead.objects.filter(pk=1).update(seq=seq, hash=prev)

    def _ratings(self, apps) -> None:
        try:
            from licensing.models import Rating
        except ImportError:  # pragma: no cover
            return
        levels = [int(level) for level in RatingLevel]
        ratings = [
            Rating(application=a, rater=self.applicant, level=self.rng.choices(levels, weights=[50, 30, 10, 6, 4])[0])
            for a in apps
            if a.decided_on and self.rng.random() < 0.3
        ]
        self._insert(Rating, ratings)

    def _insert(self, model, objs: list) -> None:
        """``bulk_create``, or PostgreSQL ``COPY`` of the same rows (primary keys from the table's
        sequence unless set, ``auto_now_add`` filled, JSON dumped, files by name)."""
        if not objs:
            return
        if not self.copy:
            model.objects.bulk_create(objs, batch_size=5000)
            return
        with_pk = getattr(objs[0], "pk", None) is not None
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        now = timezone.now()
        getters = []
        for f in fields:
            name = f.attname
            if isinstance(f, models.JSONField):
                getters.append(lambda o, n=name: json.dumps(getattr(o, n), ensure_ascii=False))
            elif isinstance(f, models.FileField):
                getters.append(lambda o, n=name: getattr(o, n).name)
            elif getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
                getters.append(lambda o, n=name: getattr(o, n) or now)
            else:
                getters.append(lambda o, n=name: getattr(o, n))
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for obj in objs:
                    copy.write_row([get(obj) for get in getters])
