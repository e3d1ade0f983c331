"""Reads for the applicant portal. Every list issues a fixed number of queries whatever the number
of rows; every read of one application is scoped to its owner, so another user's id is simply
"not found" (404), never "forbidden" — nothing about it leaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from licensing.choices import TERMINAL_STATUSES, ClockKind, Role
from licensing.choices import ApplicationStatus as S
from licensing.choices import ClockState as RowState
from licensing.models import ActionLogEntry, Application, Clock, Document, Notification, User
from licensing.models.audit import SYSTEM_ACTOR

PUBLIC_REASON_ACTIONS = frozenset(
    {
        "not_accept",
        "request_supplement",
        "correct_on_spot",
        "deem_accept",
        "pause_clock",
        "resume_clock",
        "extend",
        "decide",
        "withdraw",
        "rate",
        "rectification_contact",
        "rectification_complete",
    }
)
"""Acts whose stated reason is addressed to the applicant; the reasons of internal acts
(drafting, returning a draft, assignment) stay inside the agency."""

APPLICANT_EVENT_LABELS = {
    "submit": gettext_lazy("Application submitted (Art. 29)"),
    "supply_materials": gettext_lazy("Materials supplied (Art. 32(4))"),
    "withdraw": gettext_lazy("Application withdrawn"),
    "rate": gettext_lazy("Service rated"),
}


def my_applications(user: User) -> QuerySet[Application]:
    """The applications the user filed or files as an agent, newest first, with what the list
    shows (item, agency, clocks) in three queries."""
    return (
        Application.objects.filter(Q(applicant=user) | Q(agent=user))
        .select_related("item", "agency")
        .prefetch_related(Prefetch("clocks", queryset=Clock.objects.order_by("kind")))
        .order_by("-created_at", "-pk")
    )


def application_for_owner(user: User, pk: int | str, *, for_update: bool = False) -> Application:
    """The user's own application ``pk``, or ``Http404`` — the same answer whether it does not
    exist or belongs to someone else."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such application.") from None
    application = (
        Application.objects.filter(Q(applicant=user) | Q(agent=user), pk=pk)
        .select_related("item", "agency", "applicant", "agent")
        .first()
    )
    if application is None:
        raise Http404("No such application.")
    return application


@dataclass(frozen=True)
class DueDate:
    """One due date as the applicant sees it."""

    label: str
    due: date | None
    level: str
    """"none", "yellow" or "red" (law.md §4: yellow near the limit, red when overdue)."""
    state: str
    explanation: tuple[str, ...]
    days_left: int | None = None


def _level(clock: Clock, today: date) -> str:
    if clock.state != RowState.RUNNING or clock.due_on is None:
        return "none"
    if clock.due_on < today:
        return "red"
    if clock.yellow_from and clock.yellow_from <= today:
        return "yellow"
    return "none"


CLOCK_LABELS = {
    ClockKind.C1: gettext_lazy("Acceptance decision due (Art. 32)"),
    ClockKind.C2: gettext_lazy("Decision due by law (Art. 42)"),
    ClockKind.C2_PROMISED: gettext_lazy("Decision promised by"),
    ClockKind.C6: gettext_lazy("Licence due to be issued (Art. 44)"),
}


def due_dates(application: Application, today: date) -> list[DueDate]:
    """The statutory and promised due dates that matter now, from the stored clock rows (kept
    current by the services), with their explanations and warning colours. Uses the prefetched
    ``clocks`` when present, so a list of applications costs no extra query per row."""
    if application.status in TERMINAL_STATUSES or application.status == S.DRAFT:
        return []
    wanted = {
        S.RECEIVED: (ClockKind.C1,),
        S.ACCEPTED: (ClockKind.C2, ClockKind.C2_PROMISED),
        S.DEEMED_ACCEPTED: (ClockKind.C2, ClockKind.C2_PROMISED),
        S.UNDER_EXAMINATION: (ClockKind.C2, ClockKind.C2_PROMISED),
        S.EXCLUDED_PROCEDURE: (ClockKind.C2, ClockKind.C2_PROMISED),
        S.DECISION_PENDING: (ClockKind.C2, ClockKind.C2_PROMISED),
        S.GRANTED: (ClockKind.C6,),
    }.get(application.status, ())
    clocks = {c.kind: c for c in application.clocks.all()}
    out = []
    for kind in wanted:
        clock = clocks.get(kind)
        if clock is None:
            continue
        out.append(
            DueDate(
                label=str(CLOCK_LABELS.get(kind, kind)),
                due=clock.due_on,
                level=_level(clock, today),
                state=clock.state,
                explanation=tuple(clock.explanation or ()),
                days_left=(clock.due_on - today).days if clock.due_on else None,
            )
        )
    return out


@dataclass(frozen=True)
class TimelineEvent:
    at: object
    what: str
    who: str
    legal_basis: str
    reason: str


def _who(entry: ActionLogEntry, application: Application) -> str:
    if entry.role == SYSTEM_ACTOR or entry.actor_id is None:
        return _("The system (automatic)")
    if entry.actor_id == application.agent_id and entry.actor_id != application.applicant_id:
        return _("The agent")
    if entry.actor_id == application.applicant_id or entry.role == Role.APPLICANT:
        return _("The applicant")
    role = Role(entry.role).label if entry.role in Role.values else _("Official")
    number = getattr(entry.actor, "staff_number", "") if entry.actor_id else ""
    if number:
        return _("%(role)s, staff number %(number)s") % {"role": role, "number": number}
    return str(role)


def timeline_for_applicant(application: Application) -> list[TimelineEvent]:
    """The application's action log as the applicant may read it: what happened, when, on which
    legal basis and by whom — officials by role and staff number, never by name (principle 4)."""
    entries = (
        ActionLogEntry.objects.filter(application=application)
        .select_related("actor")
        .order_by("seq")
    )
    events = []
    for entry in entries:
        what = APPLICANT_EVENT_LABELS.get(entry.action) or entry.action_label
        events.append(
            TimelineEvent(
                at=entry.at,
                what=str(what),
                who=_who(entry, application),
                legal_basis=entry.legal_basis,
                reason=entry.reason if entry.action in PUBLIC_REASON_ACTIONS else "",
            )
        )
    return events


def documents_for_applicant(application: Application) -> QuerySet[Document]:
    return Document.objects.filter(application=application).order_by("issued_at", "pk")


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("application").order_by("-created_at", "-pk")
