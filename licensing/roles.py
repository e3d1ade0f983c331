"""Role groups and their model permissions, kept in step with the code on every migrate.

Roles are Django groups named after ``Role`` values. Model permissions only gate the admin
and generic screens; every view and service also checks the actor's role *and agency*."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from licensing.choices import Role

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.APPLICANT: [],
    Role.CLERK: ["licensing.view_licenceitem", "licensing.view_application"],
    Role.EXAMINER: ["licensing.view_licenceitem", "licensing.view_application"],
    Role.HEAD: ["licensing.view_licenceitem", "licensing.view_application"],
    Role.HEARING_OFFICER: ["licensing.view_application"],
    Role.SUPERVISOR: [
        "licensing.view_actionlogentry",
        "licensing.view_agency",
        "licensing.view_licenceitem",
        "licensing.view_application",
    ],
    Role.ADMINISTRATOR: [
        f"licensing.{action}_{model}"
        for model in (
            "agency",
            "user",
            "topic",
            "licenceitem",
            "materialrequirement",
            "fee",
            "calendaryear",
            "calendarentry",
        )
        for action in ("view", "add", "change")
    ]
    + [
        "licensing.delete_materialrequirement",
        "licensing.delete_fee",
        "licensing.delete_calendarentry",
        "licensing.view_actionlogentry",
        "licensing.view_application",
    ],
}

EXTRA_ROLE_PERMISSIONS: dict[str, list[str]] = {}
"""Other packages (the workflow) register their permissions here before migrate finishes."""


def _resolve(perm: str) -> Permission | None:
    app_label, codename = perm.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def ensure_role_groups(**kwargs) -> None:
    """Create one group per role and give it exactly its permissions (idempotent)."""
    for role in Role.values:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [*ROLE_PERMISSIONS.get(role, []), *EXTRA_ROLE_PERMISSIONS.get(role, [])]
        perms = [p for p in (_resolve(name) for name in wanted) if p is not None]
        group.permissions.set(perms)
