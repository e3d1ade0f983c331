"""Shared helpers and fixtures of the workflow, API and end-to-end tests.

Import the fixtures you use into the test module (``from tests.workflows.helpers import …``);
the persona fixtures (clerk, examiner, head, outsider, applicant, item…) come from
``tests/conftest.py``. Dates are fixed with time-machine on the 2025 State Council calendar,
as in ``tests/licensing/services/test_applications.py``: receipt on Monday 2025-01-20."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from licensing.choices import Role
from licensing.models import Application, MaterialRequirement
from licensing.services import applications as svc
from tests.factories import StaffFactory
from workflows.flows import LicensingFlow
from workflows.models import LicensingProcess

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def at(day: str, hour: int = 10):
    """Travel to ``day`` at ``hour`` in Shanghai (no ticking, so dates are exact)."""
    y, m, d = (int(p) for p in day.split("-"))
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=SHANGHAI), tick=False)


def make_requirements(item) -> list[MaterialRequirement]:
    """The item's materials list (Art. 31): three entries."""
    return [
        MaterialRequirement.objects.create(item=item, order=i, name=name)
        for i, name in enumerate(["申请书 Application form", "场所平面图 Floor plan", "管理制度 Rules"])
    ]


@pytest.fixture
def requirements(item):
    return make_requirements(item)


@pytest.fixture
def examiner2(agency):
    return StaffFactory(username="examiner2", agency=agency, roles=[Role.EXAMINER])


@pytest.fixture
def other_head(other_agency):
    return StaffFactory(username="other_head", agency=other_agency, roles=[Role.HEAD])


@pytest.fixture
def other_examiner(other_agency):
    return StaffFactory(username="other_examiner", agency=other_agency, roles=[Role.EXAMINER])


def submit(item, applicant, *, day: str = "2025-01-20", holder: str = "示例餐饮有限公司") -> Application:
    """An application filed and submitted through the services (the receiver starts its process)."""
    with at(day):
        application = svc.application_create(
            item=item, applicant=applicant, holder_name=holder, holder_is_organisation=True, form_data={"seats": 40}
        )
        return svc.application_submit(application=application, actor=applicant)


@pytest.fixture
def submitted(item, applicant, requirements, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit(item, applicant)


def process_of(application: Application) -> LicensingProcess:
    return LicensingProcess.objects.get(application=application)


def open_task(application: Application, node: str | None = None) -> Task:
    """The one open human task of the application's process (of ``node`` if given)."""
    tasks = Task.objects.filter(
        process__licensingprocess__application=application, status__in=OPEN, flow_task_type="HUMAN"
    )
    if node:
        tasks = tasks.filter(flow_task=getattr(LicensingFlow, node))
    found = list(tasks)
    assert len(found) == 1, f"expected one open {node or 'human'} task, found {found}"
    return found[0]


def open_nodes(application: Application) -> list[str]:
    tasks = Task.objects.filter(process__licensingprocess__application=application, status__in=OPEN)
    return sorted(t.flow_task.name for t in tasks)


def task_url(task: Task, name: str = "index") -> str:
    return task.flow_task.reverse(name, args=[task.process_id, task.pk])


def status_of(application: Application) -> str:
    return Application.objects.values_list("status", flat=True).get(pk=application.pk)


def act(client, task: Task, act_name: str, data: dict | None = None, *, follow: bool = False):
    """Post one act on a task page: form fields are prefixed with the act's name."""
    payload = {"_act": act_name}
    for key, value in (data or {}).items():
        payload[f"{act_name}-{key}"] = value
    return client.post(task_url(task, "execute"), payload, follow=follow)
