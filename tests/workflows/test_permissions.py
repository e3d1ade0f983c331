"""The role groups get the workflow's permissions on migrate (viewflow.md traps 3 and 4):
``view_licensingprocess`` for every officer role (or inbox and queue are silently empty) and the
auto-created ``can_<step>_licensingprocess`` of the steps each role does."""

import pytest
from django.contrib.auth.models import Group

from licensing.choices import Role
from licensing.roles import EXTRA_ROLE_PERMISSIONS

pytestmark = pytest.mark.django_db


def perms(role: str) -> set[str]:
    return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))


@pytest.mark.parametrize(
    ("role", "steps"),
    [
        (Role.CLERK, {"triage", "review_supplement", "assign_examiner", "issue_certificate"}),
        (Role.EXAMINER, {"examine"}),
        (Role.HEAD, {"assign_examiner", "decide_on_the_spot", "approve_extension", "sign"}),
    ],
)
def test_role_groups_hold_the_steps_they_do(role, steps):
    codenames = {f"can_{step}_licensingprocess" for step in steps}
    assert {"view_licensingprocess", *codenames} <= perms(role)
    others = {p for p in perms(role) if p.startswith("can_") and p.endswith("_licensingprocess")}
    assert others == codenames


def test_applicants_supervisors_and_administrators_get_no_workflow_permission():
    for role in (Role.APPLICANT, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.HEARING_OFFICER):
        assert not {p for p in perms(role) if p.endswith("licensingprocess")}, role
        assert not any(p.startswith("workflows.") for p in EXTRA_ROLE_PERMISSIONS.get(role, []))
