"""Orchestration writes: start a process, perform an officer's act on its task, keep the flow
in step with the legal state, and the timer housekeeping viewflow leaves to us.

Locking: every write here runs under the flow lock of the process (``select_for_update`` on its
row, viewflow.md trap 1). Acts run the licensing service inside that lock, so two officers
acting on one task at once are serialised: the first wins, the second finds the task done and
gets ``licensing.errors.Conflict``. Code that does not hold the process lock (the sweep, the
applicant's withdrawal) never waits for it: it follows through ``process_sync`` after its own
commit, with a single no-wait attempt, and the sweep's reconciliation check retries."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow import lock as vf_lock
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.nodes.boundary import TimerBoundary
from viewflow.workflow.status import PROCESS, STATUS

from licensing.choices import ApplicationStatus as S
from licensing.choices import ClockState
from licensing.errors import Conflict, NotAllowed
from licensing.models import Application, Clock, SupplementNotice, User
from workflows.acts import Act
from workflows.models import LicensingProcess

log = logging.getLogger(__name__)

OPEN_TASK = (STATUS.NEW, STATUS.ASSIGNED)
ARMED_TIMER = (STATUS.NEW, STATUS.SCHEDULED)
UNKNOWN_DEADLINE = timedelta(days=366)
"""Timer horizon while a clock has no due date (paused without an expected end, not yet derived);
``process_reschedule_timers`` moves it as soon as the clock is known."""
CANCELS_PROCESS = frozenset({S.WITHDRAWN, S.CLOSED})
LOCK_BUSY = _("Another officer is acting on this application right now; try again in a moment.")


def _flow():
    from workflows.flows import LicensingFlow

    return LicensingFlow


def _try_lock(flow_class, process_pk: int):
    """The flow lock without waiting: one ``SELECT … FOR UPDATE NOWAIT`` attempt (sweep, hooks)."""
    return vf_lock.lock_scope(vf_lock.SelectForUpdateLock(nowait=True, attempts=1), flow_class, process_pk)


# -- deadlines ---------------------------------------------------------------------------------


def end_of_day(day: date) -> datetime:
    """The moment a limit ending on ``day`` has run out: the next midnight, local time."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone())


def clock_deadline(*, application_id: int, kind: str) -> datetime:
    """The task deadline from the stored clock (``Clock.due_on``, derived by licensing from the
    recorded facts): the end of the due day, or a far horizon while the clock is paused."""
    row = Clock.objects.filter(application_id=application_id, kind=kind).values("due_on", "state").first()
    if row and row["due_on"] and row["state"] == ClockState.RUNNING:
        return end_of_day(row["due_on"])
    return timezone.now() + UNKNOWN_DEADLINE


def process_reschedule_timers(process: LicensingProcess) -> int:
    """Move the armed ``__timeout`` timers of the process to the clocks' current due dates
    (pauses, the extension and acceptance all move them). Returns how many moved."""
    moved = 0
    timers = Task.objects.filter(process_id=process.pk, flow_task_type="TIMER", status=STATUS.SCHEDULED)
    for timer in timers:
        node = timer.flow_task
        if not isinstance(node, TimerBoundary) or not callable(node._delay):
            continue
        due = node._delay(node.activation_class(timer))
        if isinstance(due, datetime) and due != timer.scheduled:
            Task.objects.filter(pk=timer.pk).update(scheduled=due)
            moved += 1
    return moved


def timer_escalate(activation) -> None:
    """A task's deadline passed (non-interrupting ``.OnTimeout``): if the clock really ran out,
    report it to the head of the agency and the task's owner; if the clock moved since the
    timer was armed (a pause or the extension), arm a fresh timer for the new due moment."""
    from workflows.nodes import StaffView

    timer = activation.task.previous.first()
    host = timer.previous.first() if timer is not None else None
    if host is None or host.status not in OPEN_TASK or not isinstance(host.flow_task, StaffView):
        return
    node = host.flow_task
    process = activation.process
    row = Clock.objects.filter(application_id=process.application_id, kind=node.clock).first()
    today = timezone.localdate()
    if row is None or row.state != ClockState.RUNNING or row.due_on is None or row.due_on >= today:
        for boundary in node._boundary_events:
            boundary._arm(node.activation_class(host))
        return
    application = Application.objects.select_related("agency__head").get(pk=process.application_id)
    activation.task.data = {**(activation.task.data or {}), "overdue": row.kind, "due_on": row.due_on.isoformat()}
    log.warning("%s: %s overdue since %s (task %s)", application.number, row.kind, row.due_on, host.pk)
    recipients = sorted(
        {u.email for u in (application.agency.head, host.owner) if u is not None and u.is_active and u.email}
    )
    if recipients:
        subject = _("Overdue: %(number)s, %(task)s") % {"number": application.number, "task": node.task_title}
        body = _(
            "Clock %(kind)s of application %(number)s ran out on %(due)s and the step “%(task)s” is still open."
        ) % {
            "kind": row.kind,
            "number": application.number,
            "due": row.due_on.isoformat(),
            "task": node.task_title,
        }
        transaction.on_commit(partial(send_mail, subject, body, None, recipients, fail_silently=True))


# -- starting, cancelling, reviving --------------------------------------------------------------


def process_start_for(application: Application) -> LicensingProcess:
    """Start the licensing process of a submitted application (idempotent: an application has
    one process). Called from the ``application_status_changed`` receiver on submission."""
    existing = LicensingProcess.objects.filter(application_id=application.pk).first()
    if existing is not None:
        return existing
    return _flow().start.run(application=application)


def _cancel_timers(host: Task) -> None:
    for timer in Task.objects.filter(process_id=host.process_id, previous=host, status__in=ARMED_TIMER):
        activation = timer.flow_task.activation_class(timer)
        if activation.cancel.can_proceed():
            activation.cancel()


def task_cancel(task: Task) -> None:
    """Cancel an open task and its armed ``__timeout`` timer; viewflow leaves the timer
    scheduled (viewflow.md trap 9), and it would later fire for a task that no longer exists."""
    activation = task.flow_task.activation_class(task)
    activation.cancel()
    _cancel_timers(task)


def task_revive(task: Task) -> Task:
    """Revive a cancelled task with a fresh ``__timeout`` timer; viewflow's revive arms none
    and leaves the old one scheduled (trap 9)."""
    activation = task.flow_task.activation_class(task)
    new_task = activation.revive()
    _cancel_timers(task)
    for boundary in getattr(new_task.flow_task, "_boundary_events", []):
        boundary._arm(new_task.flow_task.activation_class(new_task))
    return new_task


def _continue_from(task: Task) -> None:
    """After cancelling a step the law or another channel made moot, let the router pick the
    next one, as if the step had led there (its previous link keeps the history)."""
    flow = _flow()
    activation = task.flow_task.activation_class(task)
    activation._activate_next({flow.route._create(activation, task.token)})


# -- following the legal state -----------------------------------------------------------------


def _notice_open(application: Application) -> bool:
    return SupplementNotice.objects.filter(application=application, answered_at__isnull=True).exists()


def _sync_locked(process: LicensingProcess) -> bool:
    from workflows.nodes import StaffView

    flow = _flow()
    if process.status != PROCESS.NEW:
        return False
    application = process.application
    if application.status in CANCELS_PROCESS:
        flow.instance.cancel(process)
        log.info("%s: %s, workflow process %s cancelled", application.number, application.status, process.pk)
        return True
    open_tasks = list(Task.objects.filter(process_id=process.pk, status__in=OPEN_TASK))
    stale, ran = [], []
    for task in open_tasks:
        node = task.flow_task
        if node == flow.await_supplement:
            if application.status != S.SUPPLEMENT_REQUIRED:
                stale.append(task)
            elif not _notice_open(application):
                flow.await_supplement.run(task)
                ran.append(task)
        elif isinstance(node, StaffView) and application.status not in node.expects:
            stale.append(task)
    for task in stale:
        task_cancel(task)
        log.debug("%s is %s: task %s (%s) cancelled", application.number, application.status, task.pk, task.flow_task)
    remaining = [t for t in open_tasks if t not in stale and t not in ran]
    if stale and not remaining and not ran:
        _continue_from(Task.objects.get(pk=stale[-1].pk))
    moved = process_reschedule_timers(process)
    return bool(stale or ran or moved)


def process_sync(*, application_id: int, wait: bool = False) -> bool:
    """Bring the process of an application in step with its legal status: cancel steps that
    became moot (with their timers) and route on; run the supplement handle once the notice is
    answered; cancel the process of a withdrawn application; move timers to the current due
    dates. Idempotent. With ``wait=False`` a locked process raises ``FlowLockFailed`` at once."""
    process_pk = LicensingProcess.objects.filter(application_id=application_id).values_list("pk", flat=True).first()
    if process_pk is None:
        return False
    flow = _flow()
    scope = flow.lock(process_pk) if wait else _try_lock(flow, process_pk)
    with scope, transaction.atomic():
        process = LicensingProcess.objects.select_related("application").get(pk=process_pk)
        return _sync_locked(process)


def process_sync_after_commit(application_id: int) -> None:
    """``transaction.on_commit`` hook: follow the legal state; leave a busy process to the sweep."""

    def follow():
        try:
            process_sync(application_id=application_id, wait=False)
        except FlowLockFailed:
            log.info("process of application %s is busy; the sweep will follow up", application_id)
        except Exception:  # never fail the request that already committed its legal act
            log.exception("could not bring the process of application %s in step", application_id)

    transaction.on_commit(follow)


def stale_application_ids(limit: int = 500) -> list[int]:
    """Applications whose open process disagrees with their legal status (one indexed query)."""
    from workflows.nodes import StaffView

    flow = _flow()
    app_status = "process__licensingprocess__application__status"
    moot = Q()
    for node in flow.instance.nodes():
        if isinstance(node, StaffView):
            moot |= Q(flow_task=node) & ~Q(**{f"{app_status}__in": list(node.expects)})
    unanswered = SupplementNotice.objects.filter(
        application_id=OuterRef("process__licensingprocess__application_id"), answered_at__isnull=True
    )
    moot |= Q(flow_task=flow.await_supplement) & (~Q(**{app_status: S.SUPPLEMENT_REQUIRED}) | ~Exists(unanswered))
    from_tasks = Task.objects.filter(process__flow_class=flow, status__in=OPEN_TASK).filter(moot)
    ids = set(from_tasks.values_list("process__licensingprocess__application_id", flat=True)[:limit])
    cancelled = LicensingProcess.objects.filter(status=PROCESS.NEW, application__status__in=list(CANCELS_PROCESS))
    ids |= set(cancelled.values_list("application_id", flat=True)[:limit])
    return sorted(ids)[:limit]


def processes_follow_applications(now: datetime) -> int:
    """The sweep's check: bring every out-of-step process in line (after the deemed-acceptance
    check in the same sweep). Busy processes are skipped; the next sweep retries them. Safe on
    several hosts: each process is handled under its no-wait row lock and re-checked there."""
    acted = 0
    for application_id in stale_application_ids():
        try:
            if process_sync(application_id=application_id, wait=False):
                acted += 1
        except FlowLockFailed:
            continue
        except Exception:
            log.exception("could not bring the process of application %s in step", application_id)
    return acted


# -- officers' acts ------------------------------------------------------------------------------


def act_run(*, act: Act, activation, actor: User, data: dict[str, Any], note: str = "") -> Any:
    """Perform ``act`` on a started (or, for a step inside a task, assigned) task activation,
    under the flow lock the caller holds: call the one licensing service, then complete the task
    if the act finishes it, then move the timers to the new due dates."""
    process = activation.process
    application = Application.objects.get(pk=process.application_id)
    result = act.perform(application=application, actor=actor, data=data, process=process)
    if act.completes:
        if note:
            activation.task.data = {**(activation.task.data or {}), "note": note}
        activation.execute()
    process_reschedule_timers(process)
    return result


def open_task_for(*, process: LicensingProcess, act: Act) -> Task | None:
    flow = _flow()
    nodes = [getattr(flow, name) for name in act.nodes]
    return (
        Task.objects.filter(process_id=process.pk, flow_task__in=nodes, status__in=OPEN_TASK)
        .select_related("owner")
        .order_by("-pk")
        .first()
    )


def act_perform(*, act: Act, application: Application, actor: User, data: dict[str, Any]) -> tuple[Any, Task]:
    """Perform an officer's act from code (the API): find the open task of the act under the flow
    lock, check that this officer may do it (viewflow does not check from code, trap 2), take
    the task if nobody has, run the service and complete the task — all in one transaction.

    Raises ``Conflict`` when the task is done or taken by someone else or the process is busy,
    ``NotAllowed`` for the wrong role or agency, and lets the service's ``DomainError`` through."""
    process_pk = LicensingProcess.objects.filter(application_id=application.pk).values_list("pk", flat=True).first()
    if process_pk is None:
        raise Conflict(_("Application %(number)s has no workflow process.") % {"number": application.number})
    flow = _flow()
    try:
        with flow.lock(process_pk), transaction.atomic():
            process = LicensingProcess.objects.select_related("application").get(pk=process_pk)
            task = open_task_for(process=process, act=act)
            if task is None:
                raise Conflict(
                    _("%(act)s is not possible now: application %(number)s is %(status)s.")
                    % {
                        "act": act.label,
                        "number": application.number,
                        "status": process.application.get_status_display().lower(),
                    }
                )
            node = task.flow_task
            if not node.staff_may_act(actor, task):
                raise NotAllowed(_("Only %(roles)s of the handling agency may do this.") % {"roles": _roles(node)})
            if task.owner_id and task.owner_id != actor.pk:
                raise Conflict(_("%(owner)s has already taken this task.") % {"owner": task.owner})
            activation = node.activation_class(task)
            activation.process = process
            if task.status == STATUS.NEW:
                activation.assign(actor)
            if act.completes:
                activation.start(None)
            result = act_run(act=act, activation=activation, actor=actor, data=data, note=data.get("note") or "")
            return result, task
    except FlowLockFailed:
        raise Conflict(LOCK_BUSY)


def _roles(node) -> str:
    from licensing.choices import Role

    return ", ".join(str(Role(role).label).lower() for role in node.roles)


def task_assign(*, task: Task, actor: User) -> Task:
    """Take a task from the queue (API), under the flow lock, with our own checks."""
    flow = _flow()
    try:
        with flow.lock(task.process_id), transaction.atomic():
            task = Task.objects.select_related("owner").get(pk=task.pk)
            node = task.flow_task
            if not hasattr(node, "staff_may_act") or not node.staff_may_act(actor, task):
                raise NotAllowed(_("Your role or agency does not allow this task."))
            if task.status != STATUS.NEW or task.owner_id:
                raise Conflict(_("This task has already been taken or dealt with."))
            node.activation_class(task).assign(actor)
            return task
    except FlowLockFailed:
        raise Conflict(LOCK_BUSY)


def task_unassign(*, task: Task, actor: User) -> Task:
    """Put a task one holds back in the queue (API)."""
    flow = _flow()
    try:
        with flow.lock(task.process_id), transaction.atomic():
            task = Task.objects.select_related("owner").get(pk=task.pk)
            node = task.flow_task
            if task.status != STATUS.ASSIGNED:
                raise Conflict(_("This task is not assigned."))
            if not hasattr(node, "can_unassign") or not node.can_unassign(actor, task):
                raise NotAllowed(_("Only the officer holding the task may put it back."))
            node.activation_class(task).unassign()
            return task
    except FlowLockFailed:
        raise Conflict(LOCK_BUSY)
