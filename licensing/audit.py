"""The action log: the one write (``audit_record``), its check (``audit_verify``) and its reads.

Design.md principle 5 — every official action is accountable for ever — and Arts. 72–73 of the
Administrative Licensing Law (officials answer for what they did). The entry model and its
canonical, hash-chained form are in ``licensing.models.audit``.

Every service that changes legal state calls ``audit_record`` inside its own
``transaction.atomic()`` block, after the change: if the change rolls back, so does the entry,
and no change can commit without its entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import router, transaction
from django.db.models import Count, Max, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from licensing.choices import STAFF_ROLES, Role
from licensing.models import ActionLogEntry, ActionLogHead, Agency, Application, AuditAction, User
from licensing.models.audit import GENESIS_HASH, SYSTEM_ACTOR

ROLE_PRECEDENCE: tuple[str, ...] = (
    Role.CLERK,
    Role.EXAMINER,
    Role.HEAD,
    Role.HEARING_OFFICER,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
    Role.APPLICANT,
)
"""When a service does not say in which role its actor acted, the log records the first of the
actor's roles in this order: the procedure's roles from the front desk inwards, then oversight,
then the applicant. A service acting in a specific capacity (the head approving an extension)
passes ``role=`` explicitly."""

VERIFY_CHUNK = 2000


# --- the write -----------------------------------------------------------------------------------


def audit_record(
    *,
    actor: User | None,
    action: str,
    legal_basis: str = "",
    reason: str = "",
    application: Application | None = None,
    changes: dict[str, Any] | None = None,
    role: str | None = None,
    agency: Agency | None = None,
) -> ActionLogEntry:
    """Append one entry to the action log for an act just performed (principle 5; Arts. 72–73).

    Must run inside the caller's ``transaction.atomic()`` block, after the change it records, so
    that both commit or neither does; outside one it raises ``TransactionManagementError``.
    ``actor`` is ``None`` when the system acts (timers, deemed acceptance under Art. 32(4)).
    ``role`` defaults to the actor's first role in ``ROLE_PRECEDENCE`` ("system" for the system),
    ``agency`` to the actor's agency. ``changes`` is ``{field: [before, after]}``; dates, times,
    decimals and UUIDs are stored as strings (``DjangoJSONEncoder``).

    The chain head is locked (``SELECT … FOR UPDATE``), so concurrent acts on PostgreSQL get
    consecutive numbers and each links to the one committed before it. The lock is held until
    the caller's transaction commits and every audited act in the system waits for it: call
    ``audit_record`` as the last database step of the act, after slow work such as rendering
    documents.
    """
    using = router.db_for_write(ActionLogEntry)
    if not transaction.get_connection(using).in_atomic_block:
        raise transaction.TransactionManagementError(
            "audit_record() must be called inside the transaction.atomic() block of the change it records."
        )
    if action not in AuditAction.values:
        raise ValueError(f"Unknown action {action!r}: add the legal act to AuditAction first.")
    if actor is not None and actor.pk is None:
        raise ValueError("The actor must be a saved user.")
    if role is None:
        role = _role_of(actor)
    elif role not in Role.values and role != SYSTEM_ACTOR:
        raise ValueError(f"Unknown role {role!r}.")
    if actor is None and role != SYSTEM_ACTOR:
        raise ValueError('Without an actor the role is "system".')

    head = _lock_head(using)
    entry = ActionLogEntry(
        seq=head.seq + 1,
        at=timezone.now(),
        actor=actor,
        actor_label=actor.get_username() if actor is not None else SYSTEM_ACTOR,
        role=role,
        agency_id=agency.pk if agency is not None else getattr(actor, "agency_id", None),
        action=action,
        application=application,
        legal_basis=legal_basis,
        reason=reason,
        changes=_json_value(changes or {}),
        prev_hash=head.hash,
    )
    entry.clean_fields(exclude=["actor", "agency", "application", "hash"])
    entry.hash = entry.compute_hash()
    entry.save(using=using)
    head.seq, head.hash = entry.seq, entry.hash
    head.save(using=using, update_fields=["seq", "hash"])
    return entry


def _role_of(actor: User | None) -> str:
    if actor is None:
        return SYSTEM_ACTOR
    roles = actor.roles()
    return next((role for role in ROLE_PRECEDENCE if role in roles), "")


def _lock_head(using: str) -> ActionLogHead:
    """Lock the chain head, creating it on the first act (or after a test flush emptied it)."""
    heads = ActionLogHead.objects.using(using).select_for_update()
    head = heads.filter(pk=1).first()
    if head is None:
        last = ActionLogEntry.objects.using(using).order_by("-seq").values("seq", "hash").first()
        ActionLogHead.objects.using(using).get_or_create(pk=1, defaults=last or {})
        head = heads.get(pk=1)
    return head


def _json_value(value: Any) -> Any:
    """The value as the database will give it back, so the hash computed now still matches later.

    Non-JSON types become strings (``DjangoJSONEncoder``); floats with an integral value become
    integers, because PostgreSQL's ``jsonb`` prints ``1e16`` as ``10000000000000000``."""
    value = json.loads(json.dumps(value, cls=DjangoJSONEncoder, allow_nan=False))

    def normalise(v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, dict):
            return {k: normalise(x) for k, x in v.items()}
        if isinstance(v, list):
            return [normalise(x) for x in v]
        return v

    return normalise(value)


# --- the check -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    """What ``audit_verify`` found: ``ok``, how many entries were checked before it stopped, and
    on failure the first bad entry's number and what is wrong with it."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_hash: str = GENESIS_HASH


def audit_verify() -> VerifyResult:
    """Walk the whole chain in ``seq`` order and report the first entry that was changed, removed
    or inserted (principle 5: any edit is detectable).

    * changed — the entry's content no longer hashes to its ``hash``;
    * removed — a number is missing, or the chain head records more entries than there are;
    * inserted — an entry's ``prev_hash`` skips its predecessor (it links to the entry before),
      or an entry exists past the chain head.

    On PostgreSQL the walk reads one snapshot (``REPEATABLE READ``), so acts committed meanwhile
    are not mistaken for tampering. Memory stays flat: entries are streamed in chunks."""
    using = router.db_for_write(ActionLogEntry)
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        return _walk(using)
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _walk(using)


def _walk(using: str) -> VerifyResult:
    head = ActionLogHead.objects.using(using).filter(pk=1).first()
    checked = 0
    prev_hash, before_prev = GENESIS_HASH, None

    def failed(seq: int | None, problem: str) -> VerifyResult:
        return VerifyResult(ok=False, checked=checked, first_bad_seq=seq, problem=problem, head_hash=prev_hash)

    entries = ActionLogEntry.objects.using(using).order_by("seq").iterator(chunk_size=VERIFY_CHUNK)
    for entry in entries:
        expected = checked + 1
        if entry.seq != expected:
            return failed(
                expected,
                f"entry #{expected} is missing: the chain goes from #{expected - 1} to #{entry.seq} "
                "(an entry was removed)",
            )
        if entry.prev_hash != prev_hash:
            if before_prev is not None and entry.prev_hash == before_prev:
                return failed(
                    entry.seq - 1,
                    f"entry #{entry.seq - 1} was inserted: entry #{entry.seq} links to entry #{entry.seq - 2}",
                )
            return failed(
                entry.seq,
                f"entry #{entry.seq} does not link to entry #{entry.seq - 1} (its prev_hash is not that entry's "
                "hash): an entry was changed, removed or inserted there",
            )
        if entry.compute_hash() != entry.hash:
            return failed(entry.seq, f"entry #{entry.seq} was changed: its content does not match its hash")
        checked += 1
        before_prev, prev_hash = prev_hash, entry.hash

    if head is None:
        if checked:
            return failed(None, "the chain head record is missing")
    elif head.seq > checked:
        return failed(
            checked + 1,
            f"entries #{checked + 1} to #{head.seq} are missing from the end of the log "
            f"(the chain head records #{head.seq})",
        )
    elif head.seq < checked:
        return failed(
            head.seq + 1,
            f"entry #{head.seq + 1} was inserted after the chain head (the chain head records #{head.seq})",
        )
    elif head.hash != prev_hash:
        return failed(checked, f"entry #{checked} does not match the hash the chain head records")
    return VerifyResult(ok=True, checked=checked, head_hash=prev_hash)


# --- reads ---------------------------------------------------------------------------------------


def audit_can_view_all(user: User) -> bool:
    """Supervisors (电子监察) and administrators may read everyone's actions (principle 5)."""
    return bool(user.is_authenticated and (user.has_role(Role.SUPERVISOR) or user.has_role(Role.ADMINISTRATOR)))


def audit_is_agency_staff(user: User) -> bool:
    """Staff with any staff role in an agency may read the log of their agency's applications."""
    return bool(user.is_authenticated and user.agency_id and any(user.has_role(r) for r in STAFF_ROLES))


def audit_can_view_application(user: User, application: Application) -> bool:
    """May ``user`` read this application's audit timeline? Supervisors and administrators, and
    the staff of the agency handling it (principle 4: names of officials stay inside)."""
    return audit_can_view_all(user) or (audit_is_agency_staff(user) and user.agency_id == application.agency_id)


def audit_entries_visible_to(user: User) -> QuerySet[ActionLogEntry]:
    """The entries ``user`` may read: all for supervisors and administrators, those about their
    agency's applications for other staff, none for anyone else."""
    entries = ActionLogEntry.objects.all()
    if audit_can_view_all(user):
        return entries
    if audit_is_agency_staff(user):
        return entries.filter(application__agency_id=user.agency_id)
    return entries.none()


def audit_entry_list(
    *,
    entries: QuerySet[ActionLogEntry] | None = None,
    actor: str = "",
    action: str = "",
    agency: str = "",
    application: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[ActionLogEntry]:
    """Entries filtered by actor (username, or "system"), action, agency code, application
    number and an inclusive range of local dates, newest first, with what a list shows joined in."""
    entries = ActionLogEntry.objects.all() if entries is None else entries
    if actor == SYSTEM_ACTOR:
        entries = entries.filter(actor__isnull=True)
    elif actor:
        entries = entries.filter(actor__username=actor)
    if action:
        entries = entries.filter(action=action)
    if agency:
        entries = entries.filter(agency__code=agency)
    if application:
        entries = entries.filter(application__number=application)
    if date_from:
        entries = entries.filter(at__gte=_start_of(date_from))
    if date_to:
        entries = entries.filter(at__lt=_start_of(date_to + timedelta(days=1)))
    return entries.select_related("agency", "application").order_by("-seq")


def audit_application_timeline(*, application: Application) -> QuerySet[ActionLogEntry]:
    """One application's entries in the order they happened."""
    return application.audit_entries.select_related("agency").order_by("seq")


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_local_zone())


@dataclass(frozen=True)
class DailyDigest:
    """One published day: how many entries were written and the chain head at the day's end.

    Anyone who kept ``head_hash`` can later check that the log up to ``head_seq`` is unchanged."""

    day: date
    entries: int
    head_seq: int
    head_hash: str


class DailyDigestList:
    """The daily digests, newest day first; sliceable and countable, so a ``Paginator`` can page
    it in two queries per page whatever the size of the log."""

    def __init__(self, days: QuerySet):
        self._days = days

    def count(self) -> int:
        return self._days.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        rows = list(self._days[key]) if isinstance(key, slice) else [self._days[key]]
        digests = self._with_hashes(rows)
        return digests if isinstance(key, slice) else digests[0]

    def __iter__(self):
        return iter(self[:])

    @staticmethod
    def _with_hashes(rows: Iterable[dict]) -> list[DailyDigest]:
        rows = list(rows)
        hashes = dict(ActionLogEntry.objects.filter(seq__in=[r["head_seq"] for r in rows]).values_list("seq", "hash"))
        return [
            DailyDigest(day=r["day"], entries=r["entries"], head_seq=r["head_seq"], head_hash=hashes[r["head_seq"]])
            for r in rows
        ]


def audit_daily_digests() -> DailyDigestList:
    """Per local day (``TIME_ZONE``): the number of entries and the last entry's ``seq`` and
    ``hash`` — the chain head at the day's end — for publication (principle 5: outsiders can
    hold us to it). Carries no personal data."""
    days = (
        ActionLogEntry.objects.annotate(day=TruncDate("at", tzinfo=_local_zone()))
        .values("day")
        .annotate(entries=Count("pk"), head_seq=Max("seq"))
        .order_by("-day")
    )
    return DailyDigestList(days)


class AuditEntryFilterForm(forms.Form):
    """The filter of the supervisors' view, its exports and the API: actor, action, agency,
    application and a date range. The date fields are named ``from`` and ``to`` in the query."""

    actor = forms.CharField(label=_("Official (username)"), max_length=150, required=False, help_text=_('Or "system".'))
    action = forms.ChoiceField(label=_("Action"), choices=[("", _("Any action")), *AuditAction.choices], required=False)
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All agencies"),
    )
    application = forms.CharField(label=_("Application number"), max_length=20, required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    QUERY_NAMES = {"date_from": "from", "date_to": "to"}

    def add_prefix(self, field_name: str) -> str:
        return self.QUERY_NAMES.get(field_name, field_name)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """The keyword arguments of ``audit_entry_list`` (call after ``is_valid()``)."""
        data = self.cleaned_data
        return {
            "actor": data["actor"].strip(),
            "action": data["action"],
            "agency": data["agency"].code if data["agency"] else "",
            "application": data["application"].strip(),
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }
