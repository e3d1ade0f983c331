"""The officer workbench: viewflow's Material UI (viewflow.md §6), with every list and page
limited to the officer's agency, and the inbox and queue sorted by the statutory deadline of
each task, showing its yellow and red warnings (law.md §4).

viewflow authorises its lists by model permission only; these subclasses filter every
queryset through ``workflows.scoping`` and refuse other agencies' processes (403)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site
from viewflow.utils import viewprop
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.flow.viewset import FlowAppViewset
from viewflow.workflow.status import STATUS

from workflows import scoping, selectors
from workflows.flows import LicensingFlow

LEVEL_LABELS = {
    selectors.LEVEL_RED: _("overdue"),
    selectors.LEVEL_YELLOW: _("due soon"),
}
LEVEL_COLOURS = {selectors.LEVEL_RED: "#b3261e", selectors.LEVEL_YELLOW: "#8a5a00"}


class TaskColumnsMixin:
    """Columns shared by the inbox and the queue: the task, the application, the deadline."""

    columns = ("task_link", "application_number", "item_name", "task_title", "deadline", "created")
    object_link_columns = ()

    def task_link(self, task):
        url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        return format_html('<a href="{}">#{}/{}</a>', url, task.process_id, task.pk)

    task_link.short_description = _("Task")

    def application_number(self, task):
        application = selectors.task_application(task)
        return application.number if application else ""

    application_number.short_description = _("Application")

    def item_name(self, task):
        application = selectors.task_application(task)
        return application.item.name if application else ""

    item_name.short_description = _("Licence item")

    def task_title(self, task):
        return task.flow_task.task_title

    task_title.short_description = _("Step")

    def deadline(self, task):
        due = getattr(task, "due_on", None)
        if due is None:
            return ""
        level = selectors.task_level(task)
        if level in LEVEL_LABELS:
            return format_html(
                '<span class="xuke-level xuke-level--{}" style="color:{};font-weight:600">{} {} ({})</span>',
                level,
                LEVEL_COLOURS[level],
                task.clock_kind,
                due.isoformat(),
                LEVEL_LABELS[level],
            )
        return format_html('<span class="xuke-level xuke-level--none">{} {}</span>', task.clock_kind, due.isoformat())

    deadline.short_description = _("Due")


class WorkbenchInboxView(TaskColumnsMixin, flow_views.FlowInboxListView):
    @viewprop
    def queryset(self):
        return selectors.task_inbox(self.request.user)


class WorkbenchQueueView(TaskColumnsMixin, flow_views.FlowQueueListView):
    @viewprop
    def queryset(self):
        return selectors.task_queue(self.request.user)


class WorkbenchArchiveView(TaskColumnsMixin, flow_views.FlowArchiveListView):
    columns = ("task_link", "application_number", "item_name", "task_title", "created", "finished")

    @viewprop
    def queryset(self):
        return selectors.task_archive(self.request.user).order_by("-finished")


class WorkbenchTaskListView(flow_views.DashboardTaskListView):
    columns = ("task_id", "step", "application_number", "status", "created", "owner")

    def step(self, task):
        return task.flow_task.task_title

    step.short_description = _("Step")

    def application_number(self, task):
        application = selectors.task_application(task)
        return application.number if application else ""

    application_number.short_description = _("Application")

    @viewprop
    def queryset(self):
        return selectors.task_list_visible(self.request.user).select_related(
            "process__licensingprocess__application", "owner"
        )


class WorkbenchProcessListView(flow_views.DashboardProcessListView):
    ordering = ("-created",)

    @viewprop
    def queryset(self):
        processes = self.flow_class.process_class._default_manager.all()
        return scoping.processes_visible_to(self.request.user, processes).select_related("application")


class LoginRequiredMixin:
    """Anonymous visitors are sent to sign in (the workbench app lets them through, below)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


class WorkbenchProcessDetailView(LoginRequiredMixin, flow_views.DetailProcessView):
    def get_queryset(self):
        return super().get_queryset().select_related("application")


class WorkbenchChartView(LoginRequiredMixin, flow_views.FlowChartView):
    def dispatch(self, request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        if process_pk is not None:
            process = self.flow_class.process_class._default_manager.filter(pk=process_pk).first()
            if process is None or not self.flow_class.instance.has_view_permission(request.user, obj=process):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class WorkbenchCancelProcessView(flow_views.CancelProcessView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        process = self.get_object()
        if not scoping.may_view_process(request.user, process):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class WorkbenchDashboardView(flow_views.DashboardView):
    """The per-step overview, limited to the officer's agency."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = selectors.task_list_visible(self.request.user).select_related(
            "process__licensingprocess__application", "owner"
        )
        for column in context.get("columns", []):
            column["tasks"] = visible.filter(
                Q(finished__isnull=True) | Q(status=STATUS.ERROR), flow_task=column["node"]
            )[: self.MAX_ROWS]
        end_nodes = context.get("end_nodes", [])
        context["finished"] = visible.filter(finished__isnull=False, flow_task__in=end_nodes)[: self.MAX_ROWS]
        return context


class WorkbenchBulkAssignView(flow_views.BulkAssignTasksActionView):
    """Bulk take: only tasks of the officer's own queue ("select all" included); each is
    re-checked by its node under the flow lock."""

    def get_queryset(self):
        self.queryset = selectors.task_queue(self.request.user)
        return super().get_queryset()


class WorkbenchBulkUnassignView(flow_views.BulkUnassignTasksActionView):
    """Bulk return: only tasks of the officer's own inbox."""

    def get_queryset(self):
        self.queryset = selectors.task_inbox(self.request.user)
        return super().get_queryset()


class LicensingWorkbench(FlowAppViewset):
    """The licensing flow as an app of the workbench site."""

    inbox_view_class = WorkbenchInboxView
    queue_view_class = WorkbenchQueueView
    archive_view_class = WorkbenchArchiveView
    task_list_view_class = WorkbenchTaskListView
    process_list_view_class = WorkbenchProcessListView
    process_detail_view_class = WorkbenchProcessDetailView
    process_cancel_view_class = WorkbenchCancelProcessView
    chart_view_class = WorkbenchChartView
    dashboard_view_class = WorkbenchDashboardView
    tasks_assign_view_class = WorkbenchBulkAssignView
    tasks_unassign_view_class = WorkbenchBulkUnassignView

    def has_view_permission(self, user, obj=None):
        """Let anonymous visitors through to the views, which send them to sign in (viewflow's
        site middleware would answer 403)."""
        return not user.is_authenticated or super().has_view_permission(user, obj=obj)

    def get_context_data(self, request):
        """Menu badges: counts of the officer's scoped inbox and queue."""
        return {
            "user_inbox": selectors.task_inbox(request.user),
            "user_queue": selectors.task_queue(request.user),
        }


def workbench_site() -> Site:
    return Site(
        title=str(_("Xuke workbench")),
        viewsets=[LicensingWorkbench(LicensingFlow, icon="assignment")],
    )


site = workbench_site()
