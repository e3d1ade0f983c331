"""The human task node of this procedure, scoped to one agency and to the roles that may act.

viewflow 2.4 checks model permissions only (viewflow.md trap 2 and §6: object scoping is ours):
any holder of ``can_triage_licensingprocess`` could take any agency's task. ``StaffView``
adds, on every task URL, that the officer belongs to the agency handling the application and
holds one of the node's roles; it also

- locks the process named by the task itself, not the one in the URL (viewflow's wrapper
  locks the URL's ``process_pk`` and never checks that the task belongs to it);
- turns a lost race (``FlowLockFailed``, or a task that moved on while the officer was
  looking at it) into an HTTP 409 page with a clear message instead of a 403 or a 500;
- cancels a task together with its ``__timeout`` timer and re-arms the timer on revive
  (viewflow.md trap 9)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow import flow
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.status import STATUS

from workflows import scoping


def conflict_response(request, message: str, *, status: int = 409):
    """The page an officer sees when someone else acted first or the case is locked."""
    return render(request, "workflows/conflict.html", {"message": message}, status=status)


LOCK_FAILED = gettext_lazy(
    "Another officer is acting on this application right now. Wait a moment, reload the page and try again."
)


def _scoped_task_view(node, origin_view, *, permission=None, start=False, conflicts=False):
    """Wrap a task URL: load the task (re-read under the flow lock on POST), check it belongs to
    this node and process, check the officer's agency and roles, then call the view. With
    ``conflicts``, an officer who may do the step but finds it taken or done gets the 409 page."""

    def view(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        process_pk, task_pk = kwargs["process_pk"], kwargs["task_pk"]

        def call():
            task_class = node.flow_class.task_class
            task = task_class._default_manager.select_related("process").filter(pk=task_pk).first()
            if task is None or task.process_id != process_pk or task.flow_task != node:
                raise Http404(_("No such task."))
            if not node.can_view(request.user, task):
                raise PermissionDenied(_("This task belongs to another agency's case."))
            request.activation = node.activation_class(task)
            if permission is not None and not permission(request.user, task):
                if conflicts and node.staff_may_act(request.user, task):
                    # The officer may do this step, but someone took or finished it first.
                    return conflict_response(request, node.moved_on_message(task))
                raise PermissionDenied(_("Your role does not allow this task."))
            if start:
                request.activation.start(request)
            return origin_view(request, *args, **kwargs)

        try:
            if request.method == "POST":
                with node.flow_class.lock(process_pk), transaction.atomic():
                    return call()
            return call()
        except FlowLockFailed:
            return conflict_response(request, str(LOCK_FAILED))
        except TransitionNotAllowed:
            return conflict_response(request, _("This task has already been dealt with."))

    view.__name__ = getattr(origin_view, "__name__", "task_view")
    view.__doc__ = origin_view.__doc__
    return view


class ScopedCancelTaskView(flow_views.CancelTaskView):
    """Cancel a task and its armed ``__timeout`` timer (viewflow.md trap 9)."""

    def form_valid(self, form):
        from workflows.services import task_cancel

        task_cancel(self.request.activation.task)
        return super(flow_views.CancelTaskView, self).form_valid(form)


class ScopedReviveTaskView(flow_views.ReviveTaskView):
    """Revive a cancelled task and arm a fresh ``__timeout`` timer for it (trap 9)."""

    def form_valid(self, form):
        from workflows.services import task_revive

        self.new_task = task_revive(self.request.activation.task)
        return super(flow_views.ReviveTaskView, self).form_valid(form)


class StaffView(flow.View):
    """A human task for the staff of the agency handling the application.

    ``roles``: who may take and do it (on top of the node's auto-created permission).
    ``clock``: the statutory clock whose due date is this task's deadline (``ClockKind``).
    ``expects``: the legal statuses in which the task makes sense; when the application
    leaves them by another route (deemed acceptance, withdrawal, an act through another
    channel) the sweep cancels the task and lets the router pick the next one."""

    cancel_view_class = ScopedCancelTaskView
    revive_view_class = ScopedReviveTaskView
    undo_path = None  # a legal act cannot be undone by rewinding the workflow

    def __init__(self, view, *, roles: Iterable[str], clock: str | None = None, expects: Iterable[str] = (), **kwargs):
        super().__init__(view, **kwargs)
        self.roles = tuple(roles)
        self.clock = clock
        self.expects = frozenset(expects)

    # -- who may do what ----------------------------------------------------------------------

    def staff_may_act(self, user, task) -> bool:
        """The officer is active, holds one of the node's roles and works in the agency
        handling the application."""
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        if not any(user.has_role(role) for role in self.roles):
            return False
        return user.agency_id is not None and user.agency_id == scoping.task_agency_id(task)

    def can_view(self, user, task) -> bool:
        return self.flow_class.instance.has_view_permission(user, obj=task.process)

    def can_assign(self, user, task) -> bool:
        return super().can_assign(user, task) and self.staff_may_act(user, task)

    def can_execute(self, user, task) -> bool:
        return super().can_execute(user, task) and self.staff_may_act(user, task)

    def can_unassign(self, user, task) -> bool:
        if not super().can_unassign(user, task):
            return False
        return task.owner_id == user.pk or user.is_superuser or scoping.task_agency_id(task) == user.agency_id

    def moved_on_message(self, task) -> str:
        if task.status in (STATUS.NEW, STATUS.ASSIGNED) and task.owner_id:
            return _("%(owner)s has already taken this task.") % {"owner": task.owner}
        return _("This task has already been dealt with (it is now %(status)s); the case has moved on.") % {
            "status": task.get_status_display().lower()
        }

    # -- URLs: every task URL goes through the scoped wrapper ---------------------------------

    @property
    def index_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/",
            _scoped_task_view(self, self.index_view),
            name="index",
        )

    @property
    def detail_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/detail/",
            _scoped_task_view(self, self.detail_view),
            name="detail",
        )

    @property
    def view_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/execute/",
            _scoped_task_view(self, self.view, permission=self.can_execute, start=True, conflicts=True),
            name="execute",
        )

    @property
    def assign_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/assign/",
            _scoped_task_view(self, self.assign_view, permission=self.can_assign, conflicts=True),
            name="assign",
        )

    @property
    def unassign_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/unassign/",
            _scoped_task_view(self, self.unassign_view, permission=self.can_unassign, conflicts=True),
            name="unassign",
        )

    @property
    def cancel_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/cancel/",
            _scoped_task_view(self, self.cancel_view, permission=self.can_cancel),
            name="cancel",
        )

    @property
    def revive_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/revive/",
            _scoped_task_view(self, self.revive_view, permission=self.can_revive),
            name="revive",
        )
