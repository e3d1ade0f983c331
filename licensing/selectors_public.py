"""Public reads (issue 7; Art. 5, 40; design.md principle 4: every state is public, personal data
is not).

Every function here reads only public columns, named one by one (``values()`` / ``only()``):
the applicant, the agent, the holder of a pending application, the form data, the materials,
the Art. 45 notice texts, the decision reasons and the audit log's reasons and changes are never
selected, so no template or serializer can leak them by accident. Officials appear by staff
number only.

Lists use keyset pagination over ``(received_at, id)`` (applications) and ``(issued_on, id)``
(licences), newest first, with indexes from migration ``transparency`` and a count bounded at
``XUKE_PUBLIC_COUNT_LIMIT``, so a page costs the same at a thousand rows as at a million.
Each function issues a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, FilteredRelation, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from licensing.calendar import calendar_for_region
from licensing.choices import (
    ApplicationStatus,
    ClockKind,
    ClockState,
    LicenceStatus,
    PauseReason,
    RatingLevel,
    Role,
)
from licensing.models import (
    ActionLogEntry,
    Agency,
    Application,
    AuditAction,
    Clock,
    ClockPause,
    Document,
    Licence,
    LicenceItem,
)
from licensing.models.audit import SYSTEM_ACTOR
from licensing.rules import statistics
from licensing.rules.masking import mask_holder
from licensing.rules.working_days import Calendar

__all__ = [
    "PRE_DECISION_STATUSES",
    "PUBLIC_STATUSES",
    "PublicLicence",
    "licence_get_by_token",
    "ApplicationFilters",
    "KeysetPage",
    "LicenceFilters",
    "PublicApplication",
    "application_count_bounded",
    "application_export_rows",
    "application_get_public",
    "application_list_public",
    "filter_choices",
    "licence_count_bounded",
    "licence_export_rows",
    "licence_list_public",
    "licence_public_status",
    "performance_report",
    "performance_years",
    "public_today",
    "statistics_export_rows",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

PUBLIC_STATUSES = tuple(s for s in ApplicationStatus if s != ApplicationStatus.DRAFT)
"""A draft has not reached the organ (Art. 29): it has no legal state to publish."""

PRE_DECISION_STATUSES = frozenset(
    {
        ApplicationStatus.RECEIVED,
        ApplicationStatus.SUPPLEMENT_REQUIRED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.DEEMED_ACCEPTED,
        ApplicationStatus.UNDER_EXAMINATION,
        ApplicationStatus.EXCLUDED_PROCEDURE,
        ApplicationStatus.DECISION_PENDING,
    }
)
"""Received and neither decided, refused, withdrawn nor closed: the backlog."""

PUBLIC_LICENCE_STATUSES = tuple(LicenceStatus)


def public_today() -> date:
    """Today in Beijing, the day the public pages judge "overdue" and "expired" on."""
    return timezone.localdate(timezone.now(), SHANGHAI)


def count_limit() -> int:
    return int(getattr(settings, "XUKE_PUBLIC_COUNT_LIMIT", 10_000))


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, 1, 1), time.min, tzinfo=SHANGHAI)
    end = datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=SHANGHAI)
    return start, end


# ------------------------------------------------------------------------------------------------
# Keyset cursors


@dataclass(frozen=True)
class Cursor:
    """A position in a newest-first list: the sort value and the id of a row."""

    value: str
    pk: int

    def encode(self) -> str:
        raw = f"{self.value}|{self.pk}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str | None) -> Cursor | None:
        """The cursor in ``token``, or ``None`` for a missing or malformed one (page one)."""
        if not token or len(token) > 100:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            value, pk = raw.rsplit("|", 1)
            return cls(value=value, pk=int(pk))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None


@dataclass
class KeysetPage:
    """One page of a newest-first list, with the cursors of the pages before and after it."""

    rows: list[dict[str, Any]]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    is_first: bool = True


def _keyset(
    qs: QuerySet, *, key: str, parse, after: str | None, before: str | None, size: int, row_key
) -> KeysetPage:
    """Newest-first keyset pagination over ``(key, id)``.

    ``after`` continues after a row (older rows), ``before`` goes back (newer rows). The
    redundant ``key <= value`` bound lets the database start an index range scan at the cursor
    instead of filtering every newer row (no OFFSET anywhere)."""
    cursor_after = Cursor.decode(after)
    cursor_before = None if cursor_after else Cursor.decode(before)
    try:
        if cursor_after:
            value = parse(cursor_after.value)
            qs = qs.filter(**{f"{key}__lte": value}).filter(
                Q(**{f"{key}__lt": value}) | Q(**{key: value, "id__lt": cursor_after.pk})
            )
        elif cursor_before:
            value = parse(cursor_before.value)
            qs = qs.filter(**{f"{key}__gte": value}).filter(
                Q(**{f"{key}__gt": value}) | Q(**{key: value, "id__gt": cursor_before.pk})
            )
    except ValueError:
        cursor_after = cursor_before = None
    if cursor_before:
        rows = list(qs.order_by(key, "id")[: size + 1])
        has_more = len(rows) > size
        rows = list(reversed(rows[:size]))
        page = KeysetPage(rows=rows, is_first=not has_more)
        if has_more:
            page.prev_cursor = row_key(rows[0]).encode()
        if rows:
            page.next_cursor = row_key(rows[-1]).encode()
        return page
    rows = list(qs.order_by(f"-{key}", "-id")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    page = KeysetPage(rows=rows, is_first=cursor_after is None)
    if has_more and rows:
        page.next_cursor = row_key(rows[-1]).encode()
    if cursor_after is not None and rows:
        page.prev_cursor = row_key(rows[0]).encode()
    return page


# ------------------------------------------------------------------------------------------------
# Applications: the list


@dataclass(frozen=True)
class ApplicationFilters:
    """The public list's filters; empty values do not filter."""

    agency: str = ""
    item: str = ""
    status: str = ""
    year: int | None = None
    overdue: bool = False


def _applications_public() -> QuerySet[Application]:
    """Received applications with their decision clock C2 joined (one row each)."""
    return Application.objects.filter(received_at__isnull=False).annotate(
        c2=FilteredRelation("clocks", condition=Q(clocks__kind=ClockKind.C2))
    )


def _filtered(filters: ApplicationFilters, today: date) -> QuerySet[Application]:
    qs = _applications_public()
    if filters.agency:
        qs = qs.filter(agency__code=filters.agency)
    if filters.item:
        qs = qs.filter(item__code=filters.item)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.year:
        start, end = _year_bounds(filters.year)
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
    if filters.overdue:
        qs = qs.filter(c2__state=ClockState.RUNNING, c2__due_on__lt=today)
    return qs


APPLICATION_LIST_FIELDS = (
    "id",
    "number",
    "status",
    "received_at",
    "accepted_on",
    "deemed_accepted",
    "decided_on",
    "item__code",
    "item__name",
    "agency__code",
    "agency__name",
)


def _application_row(row: dict[str, Any], today: date) -> dict[str, Any]:
    row["status_label"] = ApplicationStatus(row["status"]).label
    row["c2_due_on"] = row.pop("c2__due_on")
    c2_state = row.pop("c2__state")
    row["overdue"] = bool(c2_state == ClockState.RUNNING and row["c2_due_on"] and row["c2_due_on"] < today)
    return row


def _parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value)


def application_list_public(
    *,
    filters: ApplicationFilters,
    today: date,
    after: str | None = None,
    before: str | None = None,
    size: int = 25,
) -> KeysetPage:
    """One page of received applications, newest first (Art. 5, 40): number, item, agency,
    legal state, receipt, decision clock due date and the overdue flag. One query.

    Overdue applications are listed by their decision due date, the most recently missed first:
    that order walks the clocks' ``(kind, state, due_on)`` index, where newest-received-first
    would scan every recent application (not yet overdue) to find a page of old ones."""
    qs = _filtered(filters, today).values(*APPLICATION_LIST_FIELDS, "c2__due_on", "c2__state")
    if filters.overdue:
        key, parse, value = "c2__due_on", date.fromisoformat, "c2__due_on"
    else:
        key, parse, value = "received_at", _parse_datetime, "received_at"
    page = _keyset(
        qs,
        key=key,
        parse=parse,
        after=after,
        before=before,
        size=size,
        row_key=lambda r: Cursor(r[value].isoformat(), r["id"]),
    )
    page.rows = [_application_row(row, today) for row in page.rows]
    return page


def application_count_bounded(
    *, filters: ApplicationFilters, today: date, limit: int | None = None
) -> tuple[int, bool]:
    """``(count, more)``: the number of matching applications counted up to ``limit`` rows
    (``XUKE_PUBLIC_COUNT_LIMIT``); ``more`` when there are more than that. Never a full
    ``COUNT(*)`` over a million rows."""
    limit = limit or count_limit()
    if filters == ApplicationFilters(overdue=True):
        # Every decision clock belongs to a received application (C2 starts at acceptance), so
        # the overdue ones are counted on the clocks' index alone, without the join.
        rows = Clock.objects.filter(kind=ClockKind.C2, state=ClockState.RUNNING, due_on__lt=today)
    else:
        rows = _filtered(filters, today)
    n = rows.order_by()[: limit + 1].count()
    return min(n, limit), n > limit


def application_export_rows(*, filters: ApplicationFilters, today: date, chunk_size: int = 2000) -> Iterator[dict]:
    """Every matching application for the open data, streamed from a server-side cursor
    (``.iterator()``), oldest first."""
    qs = _filtered(filters, today).values(*APPLICATION_LIST_FIELDS, "c2__due_on", "c2__state").order_by(
        "received_at", "id"
    )
    for row in qs.iterator(chunk_size=chunk_size):
        yield _application_row(row, today)


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Agencies and published items for the filter menus (two small queries)."""
    agencies = list(Agency.objects.order_by("code").values_list("code", "name"))
    items = list(LicenceItem.objects.filter(published=True).order_by("code").values_list("code", "name"))
    return {"agencies": agencies, "items": items}


# ------------------------------------------------------------------------------------------------
# Applications: one lookup


@dataclass
class PublicClock:
    kind: str
    label: str
    state: str
    start_on: date
    days: int
    due_on: date | None
    stopped_on: date | None
    provisional: bool
    explanation: list[str]
    overdue: bool
    stopped_late: bool


@dataclass
class PublicApplication:
    """What anyone may know about one application (Art. 5, 40; design.md principle 4)."""

    number: str
    status: str
    status_label: str
    item_code: str
    item_name: str
    item_statutory_days: int
    item_promised_days: int | None
    agency_code: str
    agency_name: str
    received_at: datetime | None
    accepted_on: date | None
    deemed_accepted: bool
    decided_on: date | None
    certificate_issued_on: date | None
    clocks: dict[str, PublicClock] = field(default_factory=dict)
    pauses: list[dict[str, Any]] = field(default_factory=list)
    extension: dict[str, Any] | None = None
    timeline: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        """The decision limit (C2) ran out with no decision (Art. 74(2)): the red card."""
        c2 = self.clocks.get(ClockKind.C2)
        return bool(c2 and c2.overdue)

    @property
    def promised_exceeded(self) -> bool:
        c2p = self.clocks.get(ClockKind.C2_PROMISED)
        return bool(c2p and (c2p.overdue or c2p.stopped_late))

    @property
    def statutory_clock(self) -> PublicClock | None:
        return self.clocks.get(ClockKind.C2)

    @property
    def promised_clock(self) -> PublicClock | None:
        return self.clocks.get(ClockKind.C2_PROMISED)

    @property
    def decision_clocks(self) -> list[PublicClock]:
        """The statutory decision clock, then the promised one (承诺时限), those that exist."""
        return [c for c in (self.statutory_clock, self.promised_clock) if c is not None]


CLOCK_ORDER = [ClockKind.C1, ClockKind.C2, ClockKind.C2_PROMISED, ClockKind.C8, ClockKind.C6]


ROLE_LABELS = {value: label for value, label in Role.choices}
ACTION_LABELS = {value: label for value, label in AuditAction.choices}
PAUSE_LABELS = {value: label for value, label in PauseReason.choices}
CLOCK_LABELS = {value: label for value, label in ClockKind.choices}
STATUS_LABELS = {value: label for value, label in ApplicationStatus.choices}
"""Labels by value, built once: ``TextChoices.values`` builds a new list on every call, and the
lookup page asks for a label per step of the timeline (lazy: translated when shown)."""


def _label(labels: dict, value: str) -> str:
    """The translated label of a choice value; an unknown value (an older code) as it is."""
    label = labels.get(value)
    return str(label) if label is not None else value


def _role_label(role: str) -> str:
    return gettext("System") if role == SYSTEM_ACTOR else _label(ROLE_LABELS, role)


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment, SHANGHAI) if moment else None


def application_get_public(*, number: str, today: date) -> PublicApplication:
    """The public record of one received application: item, agency, legal state, the clocks with
    their due dates and explanations, the Art. 45 pauses (procedure and dates; not the notice,
    which may name people), the Art. 42 extension with the organ's reason, the timeline of acts
    (date, act, role, legal basis and the official's staff number) and the documents' titles.

    On PostgreSQL one query (the clocks, pauses, timeline and documents aggregated as JSON in
    sub-selects: the lookup is the most frequent public request); elsewhere five. Raises
    ``Application.DoesNotExist`` for an unknown number or a draft."""
    if connection.vendor == "postgresql":
        row, clocks, pauses, steps, documents = _lookup_rows_postgresql(number)
    else:
        row, clocks, pauses, steps, documents = _lookup_rows_orm(number)
    public = PublicApplication(
        number=row["number"],
        status=row["status"],
        status_label=_label(STATUS_LABELS, row["status"]),
        item_code=row["item__code"],
        item_name=row["item__name"],
        item_statutory_days=row["item__statutory_days"],
        item_promised_days=row["item__promised_days"],
        agency_code=row["agency__code"],
        agency_name=row["agency__name"],
        received_at=_local(row["received_at"]),
        accepted_on=row["accepted_on"],
        deemed_accepted=row["deemed_accepted"],
        decided_on=row["decided_on"],
        certificate_issued_on=row["certificate_issued_on"],
    )
    if row["extension__approved_on"] is not None:
        public.extension = {
            "days": row["extension__days"],
            "reason": row["extension__reason"],
            "approved_on": row["extension__approved_on"],
        }
    by_kind = {}
    for c in clocks:
        running = c["state"] == ClockState.RUNNING
        by_kind[c["kind"]] = PublicClock(
            kind=c["kind"],
            label=_label(CLOCK_LABELS, c["kind"]),
            state=c["state"],
            start_on=c["start_on"],
            days=c["days"],
            due_on=c["due_on"],
            stopped_on=c["stopped_on"],
            provisional=c["provisional"],
            explanation=[str(line) for line in (c["explanation"] or [])],
            overdue=bool(running and c["due_on"] and c["due_on"] < today),
            stopped_late=bool(c["stopped_on"] and c["due_on"] and c["stopped_on"] > c["due_on"]),
        )
    public.clocks = {kind: by_kind[kind] for kind in CLOCK_ORDER if kind in by_kind}
    public.pauses = [
        {
            "reason": p["reason"],
            "reason_label": _label(PAUSE_LABELS, p["reason"]),
            "started_on": p["started_on"],
            "expected_end_on": p["expected_end_on"],
            "ended_on": p["ended_on"],
        }
        for p in pauses
    ]
    public.timeline = [
        {
            "at": _local(e["at"]),
            "action": e["action"],
            "action_label": _label(ACTION_LABELS, e["action"]),
            "role": e["role"],
            "role_label": _role_label(e["role"]),
            "staff_number": _staff_number(e["role"], e["actor__staff_number"]),
            "legal_basis": e["legal_basis"],
        }
        for e in steps
    ]
    public.documents = [
        {
            "kind": d["kind"],
            "title": d["title"],
            "version": d["version"],
            "issued_on": timezone.localdate(d["issued_at"], SHANGHAI) if d["issued_at"] else None,
        }
        for d in documents
    ]
    return public


LOOKUP_FIELDS = (
    "id",
    "number",
    "status",
    "received_at",
    "accepted_on",
    "deemed_accepted",
    "decided_on",
    "certificate_issued_on",
    "item__code",
    "item__name",
    "item__statutory_days",
    "item__promised_days",
    "agency__code",
    "agency__name",
    "extension__days",
    "extension__reason",
    "extension__approved_on",
)
CLOCK_FIELDS = ("kind", "state", "start_on", "days", "due_on", "stopped_on", "provisional", "explanation")
PAUSE_FIELDS = ("reason", "started_on", "expected_end_on", "ended_on")
STEP_FIELDS = ("at", "action", "role", "legal_basis", "actor__staff_number")
DOCUMENT_FIELDS = ("kind", "title", "version", "issued_at")


def _lookup_rows_orm(number: str):
    """The lookup's rows in five ORM queries (any database)."""
    row = Application.objects.filter(number=number, received_at__isnull=False).values(*LOOKUP_FIELDS).first()
    if row is None:
        raise Application.DoesNotExist(number)
    pk = row["id"]
    clocks = list(Clock.objects.filter(application_id=pk).values(*CLOCK_FIELDS))
    pauses = list(ClockPause.objects.filter(application_id=pk).order_by("started_on", "pk").values(*PAUSE_FIELDS))
    steps = list(ActionLogEntry.objects.filter(application_id=pk).order_by("seq").values(*STEP_FIELDS))
    documents = list(Document.objects.filter(application_id=pk).order_by("issued_at", "pk").values(*DOCUMENT_FIELDS))
    return row, clocks, pauses, steps, documents


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def _lookup_sql() -> str:
    from licensing.models import ClockExtension, User

    return f"""
SELECT a.id, a.number, a.status, a.received_at, a.accepted_on, a.deemed_accepted, a.decided_on,
       a.certificate_issued_on, i.code, i.name, i.statutory_days, i.promised_days, g.code, g.name,
       e.days, e.reason, e.approved_on,
       (SELECT coalesce(json_agg(json_build_object(
                 'kind', c.kind, 'state', c.state, 'start_on', c.start_on, 'days', c.days, 'due_on', c.due_on,
                 'stopped_on', c.stopped_on, 'provisional', c.provisional, 'explanation', c.explanation)), '[]')
          FROM {_table(Clock)} c WHERE c.application_id = a.id),
       (SELECT coalesce(json_agg(json_build_object(
                 'reason', p.reason, 'started_on', p.started_on, 'expected_end_on', p.expected_end_on,
                 'ended_on', p.ended_on) ORDER BY p.started_on, p.id), '[]')
          FROM {_table(ClockPause)} p WHERE p.application_id = a.id),
       (SELECT coalesce(json_agg(json_build_object(
                 'at', l.at, 'action', l.action, 'role', l.role, 'legal_basis', l.legal_basis,
                 'actor__staff_number', u.staff_number) ORDER BY l.seq), '[]')
          FROM {_table(ActionLogEntry)} l LEFT JOIN {_table(User)} u ON u.id = l.actor_id
         WHERE l.application_id = a.id),
       (SELECT coalesce(json_agg(json_build_object(
                 'kind', d.kind, 'title', d.title, 'version', d.version, 'issued_at', d.issued_at)
                 ORDER BY d.issued_at, d.id), '[]')
          FROM {_table(Document)} d WHERE d.application_id = a.id)
  FROM {_table(Application)} a
  JOIN {_table(LicenceItem)} i ON i.id = a.item_id
  JOIN {_table(Agency)} g ON g.id = a.agency_id
  LEFT JOIN {_table(ClockExtension)} e ON e.application_id = a.id
 WHERE a.number = %s AND a.received_at IS NOT NULL
"""


def _dates(rows: list[dict], *names: str) -> list[dict]:
    for r in rows:
        for name in names:
            if r.get(name) is not None:
                r[name] = date.fromisoformat(r[name])
    return rows


def _datetimes(rows: list[dict], *names: str) -> list[dict]:
    for r in rows:
        for name in names:
            if r.get(name) is not None:
                r[name] = datetime.fromisoformat(r[name])
    return rows


def _lookup_rows_postgresql(number: str):
    """The lookup's rows in one PostgreSQL query; JSON values turned back into dates and times.

    The statement is sent with server-side binding, so psycopg prepares it after a few runs on a
    (persistent) connection and PostgreSQL stops planning it on every lookup: planning these
    four sub-selects costs more than running them (``bench/bench_public.py``)."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    with connection._prepare_cursor(ServerBindingCursor(connection.connection)) as cursor:
        cursor.execute(_lookup_sql(), [number])
        found = cursor.fetchone()
    if found is None:
        raise Application.DoesNotExist(number)
    row = dict(zip(LOOKUP_FIELDS, found[:17], strict=True))
    clocks, pauses, steps, documents = (
        value if isinstance(value, list) else json.loads(value) for value in found[17:]
    )
    _dates(clocks, "start_on", "due_on", "stopped_on")
    _dates(pauses, "started_on", "expected_end_on", "ended_on")
    _datetimes(steps, "at")
    _datetimes(documents, "issued_at")
    return row, clocks, pauses, steps, documents


def _staff_number(role: str, staff_number: str | None) -> str:
    """An official's staff number; nothing for the applicant or the system (an applicant's
    identity is never public)."""
    if role in (Role.APPLICANT, SYSTEM_ACTOR, "", None):
        return ""
    return staff_number or ""


# ------------------------------------------------------------------------------------------------
# The register of licences (双公示)


def licence_public_status(status: str, valid_until: date | None, today: date) -> str:
    """The licence's public status on ``today``: an active licence past its validity is shown
    as expired even before the sweep cancels it (law.md §2c, Art. 70(1))."""
    if status == LicenceStatus.ACTIVE and valid_until is not None and valid_until < today:
        return LicenceStatus.EXPIRED
    return status


@dataclass(frozen=True)
class LicenceFilters:
    """The register's search and filters; empty values do not filter."""

    query: str = ""
    agency: str = ""
    item: str = ""
    status: str = ""
    year: int | None = None


def _licences_filtered(filters: LicenceFilters, today: date) -> QuerySet[Licence]:
    qs = Licence.objects.all()
    if filters.agency:
        qs = qs.filter(agency__code=filters.agency)
    if filters.item:
        qs = qs.filter(item__code=filters.item)
    if filters.year:
        qs = qs.filter(issued_on__gte=date(filters.year, 1, 1), issued_on__lt=date(filters.year + 1, 1, 1))
    if filters.status == LicenceStatus.EXPIRED:
        qs = qs.filter(Q(status=LicenceStatus.EXPIRED) | Q(status=LicenceStatus.ACTIVE, valid_until__lt=today))
    elif filters.status == LicenceStatus.ACTIVE:
        qs = qs.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today), status=LicenceStatus.ACTIVE)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    for word in filters.query.split()[:5]:
        # A person's name is never searchable: matching it would confirm who holds a licence.
        qs = qs.filter(
            Q(number__iexact=word)
            | Q(number__istartswith=word)
            | Q(holder_is_organisation=True, holder_name__icontains=word)
            | Q(item__name__icontains=word)
            | Q(scope__icontains=word)
        )
    return qs


LICENCE_FIELDS = (
    "id",
    "number",
    "holder_name",
    "holder_is_organisation",
    "scope",
    "valid_from",
    "valid_until",
    "status",
    "issued_on",
    "item__code",
    "item__name",
    "agency__code",
    "agency__name",
)


def _licence_row(row: dict[str, Any], today: date) -> dict[str, Any]:
    row["holder"] = mask_holder(row.pop("holder_name"), is_organisation=row["holder_is_organisation"])
    row["status"] = licence_public_status(row["status"], row["valid_until"], today)
    row["status_label"] = str(LicenceStatus(row["status"]).label)
    return row


def licence_list_public(
    *, filters: LicenceFilters, today: date, after: str | None = None, before: str | None = None, size: int = 25
) -> KeysetPage:
    """One page of the register of grant decisions (Art. 40), newest first: licence number,
    holder (a person's name masked, Art. 5), item, agency, scope, validity and status. One
    query."""
    qs = _licences_filtered(filters, today).values(*LICENCE_FIELDS)
    page = _keyset(
        qs,
        key="issued_on",
        parse=date.fromisoformat,
        after=after,
        before=before,
        size=size,
        row_key=lambda r: Cursor(r["issued_on"].isoformat(), r["id"]),
    )
    page.rows = [_licence_row(row, today) for row in page.rows]
    return page


def licence_count_bounded(*, filters: LicenceFilters, today: date, limit: int | None = None) -> tuple[int, bool]:
    limit = limit or count_limit()
    n = _licences_filtered(filters, today).order_by()[: limit + 1].count()
    return min(n, limit), n > limit


def licence_export_rows(*, today: date, chunk_size: int = 2000) -> Iterator[dict]:
    """The whole register for the open data, streamed, oldest first."""
    qs = Licence.objects.values(*LICENCE_FIELDS).order_by("issued_on", "id")
    for row in qs.iterator(chunk_size=chunk_size):
        yield _licence_row(row, today)


# ------------------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True)
class PublicLicence:
    """What a verification shows: enough to compare with the certificate in hand."""

    number: str
    holder: str
    holder_is_organisation: bool
    item_name: str
    agency_name: str
    valid_from: date
    valid_until: date | None
    issued_on: date
    status: str
    status_label: str
    pk: int

    @property
    def valid(self) -> bool:
        """Active and within its validity today."""
        return self.status == LicenceStatus.ACTIVE


def licence_get_by_token(*, token: str, today: date) -> PublicLicence | None:
    """The licence whose QR code carries ``token``, or ``None`` (one indexed query)."""
    if not token or len(token) > 64:
        return None
    row = (
        Licence.objects.filter(verification_token=token)
        .values(
            "id",
            "number",
            "holder_name",
            "holder_is_organisation",
            "valid_from",
            "valid_until",
            "issued_on",
            "status",
            "item__name",
            "agency__name",
        )
        .first()
    )
    if row is None:
        return None
    status = licence_public_status(row["status"], row["valid_until"], today)
    return PublicLicence(
        number=row["number"],
        holder=mask_holder(row["holder_name"], is_organisation=row["holder_is_organisation"]),
        holder_is_organisation=row["holder_is_organisation"],
        item_name=row["item__name"],
        agency_name=row["agency__name"],
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        issued_on=row["issued_on"],
        status=status,
        status_label=str(LicenceStatus(status).label),
        pk=row["id"],
    )



# ------------------------------------------------------------------------------------------------
# Agency performance (Art. 5; law.md §4; definitions in licensing.rules.statistics)


@dataclass
class PerformanceRow:
    """The figures of one agency, or of one item at one agency, for one year.

    ``received``, ``decided``, ``backlog`` and ``overdue`` are counts (every application is
    public anyway); the shares, the median and the satisfaction distribution are published only
    for :data:`~licensing.rules.statistics.MIN_CASES` cases or more."""

    agency_code: str
    agency_name: str
    item_code: str = ""
    item_name: str = ""
    has_promised_limit: bool = True
    received: int = 0
    decided: int = 0
    statutory: statistics.Share = field(default_factory=lambda: statistics.Share(0, 0))
    promised: statistics.Share = field(default_factory=lambda: statistics.Share(0, 0))
    median_working_days: float | None = None
    median_cases: int = 0
    backlog: int = 0
    overdue: int = 0
    satisfaction: statistics.Distribution = field(
        default_factory=lambda: statistics.distribution({}, levels=RATING_LEVELS)
    )

    @property
    def label(self) -> str:
        return self.item_name or self.agency_name


@dataclass
class AgencyPerformance:
    total: PerformanceRow
    items: list[PerformanceRow]


@dataclass
class PerformanceReport:
    year: int
    today: date
    computed_at: datetime
    agencies: list[AgencyPerformance]
    minimum: int = statistics.MIN_CASES


RATING_LEVELS = tuple(int(level) for level in RatingLevel)


def _rating_model():
    """The 好差评 rating model, if this installation has it (licensing.models.portal)."""
    try:
        from licensing.models import Rating
    except ImportError:  # pragma: no cover - the portal's models are optional here
        return None
    return Rating


def _year_dates(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def performance_years(*, today: date) -> list[int]:
    """The years with received applications, newest first (one indexed query)."""
    first = Application.objects.filter(received_at__isnull=False).order_by("received_at").values_list(
        "received_at", flat=True
    ).first()
    start = timezone.localtime(first, SHANGHAI).year if first else today.year
    return list(range(today.year, start - 1, -1))


def _compute_performance(*, year: int, today: date) -> PerformanceReport:
    start, end = _year_bounds(year)
    day_start, day_end = _year_dates(year)
    agencies = {a["id"]: a for a in Agency.objects.values("id", "code", "name", "region")}
    items = {i["id"]: i for i in LicenceItem.objects.values("id", "code", "name", "promised_days")}
    rows: dict[tuple[int, int], PerformanceRow] = {}
    c2_outcomes: dict[tuple[int, int], list[bool]] = {}
    c2p_outcomes: dict[tuple[int, int], list[bool]] = {}
    working_days: dict[tuple[int, int], list[int]] = {}
    ratings: dict[tuple[int, int], dict[int, int]] = {}

    def row(agency_id: int, item_id: int) -> PerformanceRow:
        key = (agency_id, item_id)
        if key not in rows:
            agency, item = agencies[agency_id], items[item_id]
            rows[key] = PerformanceRow(
                agency_code=agency["code"],
                agency_name=agency["name"],
                item_code=item["code"],
                item_name=item["name"],
                has_promised_limit=bool(item["promised_days"]),
            )
        return rows[key]

    received = Application.objects.filter(received_at__gte=start, received_at__lt=end)
    for r in received.values("agency_id", "item_id").annotate(n=Count("id")).order_by():
        row(r["agency_id"], r["item_id"]).received = r["n"]
    decided = Application.objects.filter(decided_on__gte=day_start, decided_on__lt=day_end)
    for r in decided.values("agency_id", "item_id").annotate(n=Count("id")).order_by():
        row(r["agency_id"], r["item_id"]).decided = r["n"]
    backlog = Application.objects.filter(status__in=PRE_DECISION_STATUSES)
    for r in backlog.values("agency_id", "item_id").annotate(n=Count("id")).order_by():
        row(r["agency_id"], r["item_id"]).backlog = r["n"]
    overdue = Clock.objects.filter(kind=ClockKind.C2, state=ClockState.RUNNING, due_on__lt=today)
    for r in overdue.values("application__agency_id", "application__item_id").annotate(n=Count("id")).order_by():
        row(r["application__agency_id"], r["application__item_id"]).overdue = r["n"]

    calendars: dict[str, Calendar] = {}
    decided_clocks = Clock.objects.filter(
        kind__in=(ClockKind.C2, ClockKind.C2_PROMISED),
        application__decided_on__gte=day_start,
        application__decided_on__lt=day_end,
        stopped_on__isnull=False,
        due_on__isnull=False,
    ).values_list("application__agency_id", "application__item_id", "kind", "stopped_on", "due_on", "days")
    for agency_id, item_id, kind, stopped_on, due_on, days in decided_clocks.iterator(chunk_size=5000):
        key = (agency_id, item_id)
        row(agency_id, item_id)
        on_time = statistics.is_on_time(stopped_on, due_on)
        if kind == ClockKind.C2_PROMISED:
            c2p_outcomes.setdefault(key, []).append(on_time)
            continue
        c2_outcomes.setdefault(key, []).append(on_time)
        region = agencies[agency_id]["region"]
        if region not in calendars:
            calendars[region] = calendar_for_region(region)
        working_days.setdefault(key, []).append(
            statistics.working_days_to_decision(
                stopped_on=stopped_on, due_on=due_on, total_days=days, cal=calendars[region]
            )
        )

    rating_model = _rating_model()
    if rating_model is not None:
        rated = rating_model.objects.filter(created_at__gte=start, created_at__lt=end)
        for r in (
            rated.values("application__agency_id", "application__item_id", "level")
            .annotate(n=Count("id"))
            .order_by()
        ):
            key = (r["application__agency_id"], r["application__item_id"])
            row(*key)
            ratings.setdefault(key, {})[r["level"]] = r["n"]

    for key, item_row in rows.items():
        item_row.statutory = statistics.on_time_share(c2_outcomes.get(key, ()))
        item_row.promised = statistics.on_time_share(c2p_outcomes.get(key, ()))
        item_row.median_working_days, item_row.median_cases = statistics.median_figure(working_days.get(key, ()))
        item_row.satisfaction = statistics.distribution(ratings.get(key, {}), levels=RATING_LEVELS)

    report_agencies = []
    for agency_id in sorted({a for a, _ in rows}, key=lambda a: agencies[a]["code"]):
        keys = sorted((k for k in rows if k[0] == agency_id), key=lambda k: items[k[1]]["code"])
        agency = agencies[agency_id]
        counts: dict[int, int] = {}
        for k in keys:
            for level, n in ratings.get(k, {}).items():
                counts[level] = counts.get(level, 0) + n
        total = PerformanceRow(
            agency_code=agency["code"],
            agency_name=agency["name"],
            has_promised_limit=any(rows[k].has_promised_limit for k in keys),
            received=sum(rows[k].received for k in keys),
            decided=sum(rows[k].decided for k in keys),
            statutory=statistics.on_time_share(o for k in keys for o in c2_outcomes.get(k, ())),
            promised=statistics.on_time_share(o for k in keys for o in c2p_outcomes.get(k, ())),
            backlog=sum(rows[k].backlog for k in keys),
            overdue=sum(rows[k].overdue for k in keys),
            satisfaction=statistics.distribution(counts, levels=RATING_LEVELS),
        )
        total.median_working_days, total.median_cases = statistics.median_figure(
            v for k in keys for v in working_days.get(k, ())
        )
        report_agencies.append(AgencyPerformance(total=total, items=[rows[k] for k in keys]))
    return PerformanceReport(year=year, today=today, computed_at=timezone.now(), agencies=report_agencies)


def performance_report(*, year: int, today: date) -> PerformanceReport:
    """Every agency's and item's figures for ``year`` (see ``licensing.rules.statistics`` for
    the definitions), cached for ``XUKE_PUBLIC_STATS_CACHE_SECONDS`` (default 600): the
    figures scan a year of applications, so they are computed at most once per period per
    process, whatever the traffic. Backlog and overdue counts are as of ``today``."""
    timeout = int(getattr(settings, "XUKE_PUBLIC_STATS_CACHE_SECONDS", 600))
    key = f"xuke:public:performance:v1:{year}:{today.isoformat()}"
    if timeout > 0:
        report = cache.get(key)
        if report is not None:
            return report
    report = _compute_performance(year=year, today=today)
    if timeout > 0:
        cache.set(key, report, timeout)
    return report


def statistics_export_rows(report: PerformanceReport) -> Iterator[dict[str, Any]]:
    """The report as flat rows for the open data: one per agency total and per item."""
    for agency in report.agencies:
        for r in (agency.total, *agency.items):
            shares = r.satisfaction.shares
            yield {
                "year": report.year,
                "agency_code": r.agency_code,
                "agency_name": r.agency_name,
                "item_code": r.item_code,
                "item_name": r.item_name,
                "received": r.received,
                "decided": r.decided,
                "on_time_statutory_cases": r.statutory.denominator,
                "on_time_statutory_percent": r.statutory.percent,
                "on_time_promised_cases": r.promised.denominator,
                "on_time_promised_percent": r.promised.percent if r.has_promised_limit else None,
                "median_working_days_to_decision": r.median_working_days,
                "median_cases": r.median_cases,
                "backlog_today": r.backlog,
                "overdue_today": r.overdue,
                "ratings": r.satisfaction.total,
                **{
                    f"rating_{level}_percent": (round(100 * shares[level], 1) if shares else None)
                    for level in RATING_LEVELS
                },
            }
