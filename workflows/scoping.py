"""Who may see which processes and tasks: the officers of the agency handling the application.

viewflow authorises its lists and process pages by model permission only (viewflow.md §6, ISSUE
#505), so every queryset the workbench and the API show goes through these filters."""

from __future__ import annotations

from django.db.models import QuerySet

from licensing.choices import Role

OFFICER_ROLES = (Role.CLERK, Role.EXAMINER, Role.HEAD)
"""The roles that work on the procedure's tasks."""


def is_officer(user) -> bool:
    """An active official of an agency holding one of the procedure's roles."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "agency_id", None)
        and any(user.has_role(role) for role in OFFICER_ROLES)
    )


def sees_every_agency(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def processes_visible_to(user, queryset: QuerySet) -> QuerySet:
    """Filter a queryset of ``Process`` or ``LicensingProcess`` rows to the user's agency."""
    if sees_every_agency(user):
        return queryset
    if not is_officer(user):
        return queryset.none()
    field = (
        "application__agency_id"
        if _is_licensing_process(queryset.model)
        else "licensingprocess__application__agency_id"
    )
    return queryset.filter(**{field: user.agency_id})


def tasks_visible_to(user, queryset: QuerySet) -> QuerySet:
    """Filter a queryset of ``Task`` rows to the tasks of the user's agency's applications."""
    if sees_every_agency(user):
        return queryset
    if not is_officer(user):
        return queryset.none()
    return queryset.filter(process__licensingprocess__application__agency_id=user.agency_id)


def process_agency_id(process) -> int | None:
    """The agency handling the process's application (one query at most, cached on the object)."""
    cached = getattr(process, "_xuke_agency_id", None)
    if cached is not None:
        return cached
    from workflows.models import LicensingProcess

    child = process if isinstance(process, LicensingProcess) else process._state.fields_cache.get("licensingprocess")
    if child is not None and "application" in child._state.fields_cache:  # joined in by select_related
        agency_id = child.application.agency_id
    else:
        agency_id = (
            LicensingProcess.objects.filter(pk=process.pk).values_list("application__agency_id", flat=True).first()
        )
    process._xuke_agency_id = agency_id
    return agency_id


def task_agency_id(task) -> int | None:
    return process_agency_id(task.process)


def may_view_process(user, process) -> bool:
    if sees_every_agency(user):
        return True
    return is_officer(user) and process_agency_id(process) == user.agency_id


def _is_licensing_process(model) -> bool:
    from workflows.models import LicensingProcess

    return issubclass(model, LicensingProcess)
