"""Design principle 6, on PostgreSQL: two officers acting on one task at the same moment — exactly
one wins, the other gets the conflict (HTTP 409), and the action log holds one entry for the act.

Real threads with their own database connections, in transactional tests; SQLite serialises
writes and ignores ``SELECT … FOR UPDATE``, so these run on PostgreSQL only."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from rest_framework.test import APIClient
from viewflow.workflow.status import STATUS

from licensing.choices import ApplicationStatus as S
from licensing.choices import Role
from licensing.models import ActionLogEntry
from tests.factories import StaffFactory
from tests.workflows.helpers import act, at, make_requirements, open_task, status_of, submit, task_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL: SQLite serialises writes and ignores SELECT … FOR UPDATE.")


def race(*calls):
    """Run the calls in threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001  (reported by the assertion below)
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def received(item, applicant):
    make_requirements(item)
    return submit(item, applicant)


def test_two_clerks_accepting_through_the_api_one_wins_one_conflict(received, clerk, agency):
    colleague = StaffFactory(username="clerk2", agency=agency, roles=[Role.CLERK])

    def accept(user):
        client = APIClient()
        client.force_authenticate(user)
        return client.post(f"/api/v1/applications/{received.number}/accept/", {}, format="json")

    with at("2025-01-21"):
        responses = race(lambda: accept(clerk), lambda: accept(colleague))
    assert sorted(getattr(r, "status_code", r) for r in responses) == [200, 409], responses
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["error"]["code"] == "conflict"
    assert status_of(received) == S.ACCEPTED
    assert ActionLogEntry.objects.filter(application=received, action="accept").count() == 1
    assert open_task(received, "assign_examiner").status == STATUS.NEW


def test_the_same_task_completed_twice_at_once_in_the_workbench(received, clerk):
    """The clerk's two browser tabs post the same acceptance: one completes, the other sees 409."""
    task = open_task(received, "triage")
    with task.activation() as activation:
        activation.assign(clerk)

    def post():
        client = Client()
        client.force_login(clerk)
        return act(client, task, "accept")

    with at("2025-01-21"):
        responses = race(post, post)
    assert sorted(getattr(r, "status_code", r) for r in responses) == [302, 409], responses
    assert ActionLogEntry.objects.filter(application=received, action="accept").count() == 1
    assert status_of(received) == S.ACCEPTED


def test_two_clerks_taking_the_same_task_at_once(received, clerk, agency):
    colleague = StaffFactory(username="clerk2", agency=agency, roles=[Role.CLERK])
    task = open_task(received, "triage")

    def take(user):
        client = Client()
        client.force_login(user)
        return client.post(task_url(task, "assign"))

    responses = race(lambda: take(clerk), lambda: take(colleague))
    assert sorted(getattr(r, "status_code", r) for r in responses) == [302, 409], responses
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and task.owner in (clerk, colleague)


def test_two_sweeps_follow_a_deemed_acceptance_once(received, monkeypatch):
    """Two hosts sweeping at once: the process moves past triage exactly once (no-wait row lock,
    re-checked under it)."""
    from datetime import datetime

    from licensing.services import applications as svc
    from tests.workflows.helpers import SHANGHAI, open_nodes
    from workflows.services import processes_follow_applications

    monkeypatch.setattr("workflows.receivers.process_sync_after_commit", lambda application_id: None)
    # Well past C1 whatever calendar is loaded (transactional tests run after others emptied the tables).
    with at("2025-02-10"):
        assert svc.deem_overdue_acceptances(datetime.now(SHANGHAI)) == 1
    assert open_nodes(received) == ["triage"]  # out of step until a sweep follows
    with at("2025-02-10", hour=11):
        results = race(
            lambda: processes_follow_applications(datetime.now(SHANGHAI)),
            lambda: processes_follow_applications(datetime.now(SHANGHAI)),
        )
    assert sorted(results) == [0, 1], results
    assert open_nodes(received) == ["assign_examiner"]
