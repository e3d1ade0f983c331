"""The workflow's permissions for the role groups (``licensing.roles.EXTRA_ROLE_PERMISSIONS``).

Each role may see the process list (``view_licensingprocess``; without it viewflow's inbox and
queue are silently empty, viewflow.md trap 3) and take the steps whose node names the role
(the auto-created ``can_<node>_licensingprocess``, trap 4)."""

from __future__ import annotations

from licensing.roles import EXTRA_ROLE_PERMISSIONS
from workflows.scoping import OFFICER_ROLES


def role_permissions() -> dict[str, list[str]]:
    from workflows.flows import LicensingFlow
    from workflows.nodes import StaffView

    opts = LicensingFlow.process_class._meta
    view = f"{opts.app_label}.view_{opts.model_name}"
    wanted: dict[str, list[str]] = {str(role): [view] for role in OFFICER_ROLES}
    for node in LicensingFlow.instance.nodes():
        if isinstance(node, StaffView) and node._owner_permission:
            for role in node.roles:
                wanted.setdefault(str(role), [view]).append(node._owner_permission)
    return wanted


def register_role_permissions() -> None:
    for role, perms in role_permissions().items():
        current = EXTRA_ROLE_PERMISSIONS.setdefault(role, [])
        current.extend(p for p in perms if p not in current)


def ensure_workflow_permissions(sender, using="default", **kwargs) -> None:
    """post_migrate of this app: create the flow's auto permissions now (viewflow's own
    post_migrate receiver is connected later, by ``migrate``, and would run after us), then give
    the role groups their permissions (``licensing.roles.ensure_role_groups``)."""
    from viewflow.management import create_permissions

    from licensing.roles import ensure_role_groups

    create_permissions(sender, verbosity=0, using=using)
    ensure_role_groups(sender=sender, using=using, **kwargs)
