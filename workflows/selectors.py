"""Reads for the workbench and the task API: the officer's task lists with their deadlines, and
everything a task page shows about the application (the dossier).

The task lists are one query whatever the number of applications: the deadline of each task is
the due date of its clock (C1, C2 or C6, by step) joined in from the stored ``Clock`` rows, so
lists sort and colour by the statutory deadline in SQL (licensing keeps those rows current)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Case, CharField, F, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from licensing.audit import audit_application_timeline
from licensing.choices import ClockKind, ClockState
from licensing.models import Application, Clock, Material, MaterialRequirement
from licensing.services.clocks import clock_states_for
from workflows import scoping

LEVEL_NONE, LEVEL_YELLOW, LEVEL_RED = "none", "yellow", "red"


def _flow():
    from workflows.flows import LicensingFlow

    return LicensingFlow


def _staff_nodes():
    from workflows.nodes import StaffView

    return [node for node in _flow().instance.nodes() if isinstance(node, StaffView)]


def tasks_with_deadlines(queryset: QuerySet[Task]) -> QuerySet[Task]:
    """Annotate tasks with their clock (``clock_kind``, ``due_on``, ``yellow_from``,
    ``clock_state``), join in the application and item, and sort by the due date (earliest
    first, tasks without a running clock last, then oldest first)."""
    kind = Case(
        *[When(flow_task=node, then=Value(str(node.clock))) for node in _staff_nodes() if node.clock],
        default=Value(""),
        output_field=CharField(),
    )
    clock = Clock.objects.filter(
        application_id=OuterRef("process__licensingprocess__application_id"), kind=OuterRef("clock_kind")
    )
    return (
        queryset.annotate(
            clock_kind=kind,
            due_on=Subquery(clock.values("due_on")[:1]),
            yellow_from=Subquery(clock.values("yellow_from")[:1]),
            clock_state=Subquery(clock.values("state")[:1]),
        )
        .select_related("process__licensingprocess__application__item", "owner")
        .order_by(F("due_on").asc(nulls_last=True), "created", "pk")
    )


def task_level(task: Task, today: date | None = None) -> str:
    """The e-supervision card of a task's deadline (law.md §4): red once the running clock is
    past its due date, yellow inside its warning window."""
    today = today or timezone.localdate()
    due, yellow = getattr(task, "due_on", None), getattr(task, "yellow_from", None)
    if getattr(task, "clock_state", None) != ClockState.RUNNING or due is None:
        return LEVEL_NONE
    if today > due:
        return LEVEL_RED
    if yellow is not None and today >= yellow:
        return LEVEL_YELLOW
    return LEVEL_NONE


def task_application(task: Task) -> Application | None:
    process = getattr(task.process, "licensingprocess", None)
    return process.application if process is not None else None


def task_inbox(user) -> QuerySet[Task]:
    """Tasks the officer holds, in their agency, earliest deadline first."""
    tasks = Task.objects.inbox([_flow()], user)
    return tasks_with_deadlines(scoping.tasks_visible_to(user, tasks))


def task_queue(user) -> QuerySet[Task]:
    """Unassigned tasks the officer's role may take, in their agency, earliest deadline first."""
    tasks = Task.objects.queue([_flow()], user)
    return tasks_with_deadlines(scoping.tasks_visible_to(user, tasks))


def task_archive(user) -> QuerySet[Task]:
    tasks = Task.objects.archive([_flow()], user)
    return scoping.tasks_visible_to(user, tasks).select_related("process__licensingprocess__application__item", "owner")


def task_list_visible(user) -> QuerySet[Task]:
    """Every task of the user's agency's processes (the workbench's task list)."""
    tasks = Task.objects.filter_available([_flow()], user)
    return scoping.tasks_visible_to(user, tasks)


def open_tasks_of(application: Application) -> QuerySet[Task]:
    return Task.objects.filter(
        process__licensingprocess__application=application,
        flow_task_type="HUMAN",
        status__in=(STATUS.NEW, STATUS.ASSIGNED),
    ).select_related("owner")


# -- the dossier ------------------------------------------------------------------------------


@dataclass
class ClockView:
    kind: str
    label: str
    state: Any

    @property
    def level(self) -> str:
        return str(getattr(self.state, "level", LEVEL_NONE))

    @property
    def status(self) -> str:
        return str(getattr(self.state, "status", ""))


def application_clocks(application: Application, today: date | None = None) -> list[ClockView]:
    """Every clock with its level and the sentences explaining its due date (Art. 82)."""
    states = clock_states_for(application, today or timezone.localdate())
    order = list(ClockKind.values)
    return [
        ClockView(kind=kind, label=str(ClockKind(kind).label), state=state)
        for kind, state in sorted(states.items(), key=lambda pair: order.index(pair[0]) if pair[0] in order else 99)
    ]


def application_dossier(application_id: int) -> dict[str, Any]:
    """What every task page shows about an application: its data, the materials with the item's
    checklist, clocks, notices, decisions, documents and the audit timeline. A fixed number of
    queries whatever the number of applications."""
    application = Application.objects.select_related("item", "agency", "applicant", "agent", "examiner").get(
        pk=application_id
    )
    requirements = list(MaterialRequirement.objects.filter(item_id=application.item_id).order_by("order", "pk"))
    materials = list(
        Material.objects.filter(application=application).select_related("requirement").order_by("requirement_id", "pk")
    )
    by_requirement: dict[int, list[Material]] = {}
    for material in materials:
        by_requirement.setdefault(material.requirement_id, []).append(material)
    checklist = [
        {
            "requirement": requirement,
            "materials": by_requirement.get(requirement.pk, []),
            "submitted": any(not m.superseded for m in by_requirement.get(requirement.pk, [])),
        }
        for requirement in requirements
    ]
    notices = list(application.supplement_notices.order_by("pk").prefetch_related("items__requirement"))
    return {
        "application": application,
        "form_data": sorted((application.form_data or {}).items()) if isinstance(application.form_data, dict) else [],
        "checklist": checklist,
        "materials": materials,
        "clocks": application_clocks(application),
        "notices": notices,
        "decisions": list(application.decisions.order_by("pk")),
        "pauses": list(application.pauses.order_by("pk")),
        "verifications": list(application.verifications.order_by("pk").prefetch_related("officers")),
        "documents": list(application.documents.order_by("issued_at", "pk")),
        "timeline": list(audit_application_timeline(application=application)),
    }
