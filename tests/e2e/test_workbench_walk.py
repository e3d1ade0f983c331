"""End to end through the officer workbench: one application from submission to the certificate,
each officer signing in with the real login form and finding their work in the queue or inbox
pages, as a person would (Django's test client following the links the pages show).

The applicant's side (filing, submitting) goes through the services: the applicant portal's own
walk belongs to the portal's tests."""

from __future__ import annotations

import re

import pytest

from licensing.choices import ApplicationStatus as S
from licensing.choices import DecisionKind, Role
from licensing.models import Licence
from tests.factories import TEST_PASSWORD, StaffFactory
from tests.workflows.helpers import at, make_requirements, process_of, status_of, submit

pytestmark = pytest.mark.django_db

TASK_LINK = re.compile(r'href="(/workbench/licensing/\d+/(\w+)/\d+/)"')


def sign_in(client, user):
    client.logout()
    response = client.post("/accounts/login/", {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302, "sign-in failed"


def find_task(client, listing: str, number: str, step: str) -> str:
    """The link to ``step`` of application ``number`` on the queue or inbox page."""
    html = client.get(f"/workbench/licensing/{listing}/").content.decode()
    for row in html.split("<tr")[1:]:
        if number in row:
            for url, node in TASK_LINK.findall(row):
                if node == step:
                    return url
    raise AssertionError(f"{step} of {number} not in the {listing}")


def take_from_queue(client, number: str, step: str) -> str:
    """Open the task from the queue (index → assign page), take it, return its execute URL."""
    index = find_task(client, "queue", number, step)
    assign_url = client.get(index)["Location"]
    assert assign_url.endswith("/assign/")
    assert client.post(assign_url).status_code == 302
    execute_url = client.get(index)["Location"]
    assert execute_url.endswith("/execute/")
    return execute_url


def open_from_inbox(client, number: str, step: str) -> str:
    execute_url = client.get(find_task(client, "inbox", number, step))["Location"]
    assert execute_url.endswith("/execute/")
    return execute_url


def do(client, url: str, act_name: str, fields: dict | None = None):
    page = client.get(url)
    assert page.status_code == 200 and f'data-act="{act_name}"' in page.content.decode()
    payload = {"_act": act_name, **{f"{act_name}-{k}": v for k, v in (fields or {}).items()}}
    response = client.post(url, payload)
    assert response.status_code == 302, response.content.decode()[-2000:]
    return response


def test_one_application_from_submission_to_certificate_through_the_workbench(
    client, item, applicant, clerk, head, examiner, agency
):
    colleague = StaffFactory(username="examiner2", agency=agency, roles=[Role.EXAMINER])
    make_requirements(item)
    application = submit(item, applicant)
    number = application.number

    with at("2025-01-21"):
        sign_in(client, clerk)
        url = take_from_queue(client, number, "triage")
        page = client.get(url).content.decode()
        assert "Floor plan" in page and "Due at the end of 2025-01-26" in page  # checklist and C1 explained
        do(client, url, "accept")
        assert status_of(application) == S.ACCEPTED

    with at("2025-01-22"):
        sign_in(client, head)
        url = take_from_queue(client, number, "assign_examiner")
        do(client, url, "assign-examiner", {"examiner": examiner.pk})

    with at("2025-01-23"):
        sign_in(client, examiner)
        url = open_from_inbox(client, number, "examine")
        do(client, url, "verify", {"officers": [examiner.pk, colleague.pk], "findings": "经营场所与平面图一致"})
        do(client, url, "draft-decision", {"kind": DecisionKind.GRANT, "scope": "热食类食品制售", "conditions": ""})
        assert status_of(application) == S.DECISION_PENDING

    with at("2025-01-24"):
        sign_in(client, head)
        url = take_from_queue(client, number, "sign")
        assert "热食类食品制售" in client.get(url).content.decode()
        do(client, url, "sign-decision")
        assert status_of(application) == S.GRANTED

    with at("2025-01-27"):
        sign_in(client, clerk)
        url = take_from_queue(client, number, "issue_certificate")
        do(client, url, "issue-certificate")

        assert status_of(application) == S.CERTIFICATE_ISSUED
        licence = Licence.objects.get(application=application)
        assert licence.holder_name == "示例餐饮有限公司" and licence.scope == "热食类食品制售"
        process = process_of(application)
        assert process.status == "DONE"
        page = client.get(f"/workbench/licensing/{process.pk}/").content.decode()
        for title in ("Acceptance voucher", "Decision to grant", "Administrative licence certificate"):
            assert title in page, title
        archive = client.get("/workbench/licensing/archive/").content.decode()
        assert number in archive
