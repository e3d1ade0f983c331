"""The officer workbench in a real browser: Playwright drives Debian's chromium (headless) through
viewflow's Material UI against the live server — each officer signs in, takes the step from
the queue (or finds it in the inbox), and performs the act on the task page, from the clerk's
acceptance to the licence."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from licensing.choices import ApplicationStatus as S
from licensing.choices import Role
from licensing.models import Application, Licence
from tests.factories import TEST_PASSWORD, StaffFactory
from tests.workflows.helpers import make_requirements
from workflows.models import LicensingProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"No browser: {CHROMIUM} is missing (install Debian's chromium: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        pytest.skip("Playwright is not installed")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the sync API runs an event loop in this thread
    try:
        with sync_playwright() as playwright:
            try:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            except Exception as exc:  # pragma: no cover - a broken browser install
                pytest.skip(f"No browser: chromium at {CHROMIUM} did not start ({exc})")
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def server(request, settings):
    settings.MEDIA_URL = "http://media.invalid/"  # the live server's media handler cannot parse None
    return request.getfixturevalue("live_server")


def sign_in(browser, base: str, user):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("main form").locator("button[type=submit], input[type=submit]").last.click()
    return context, page


def open_step(page, base: str, listing: str, number: str, step: str):
    """Open the application's step from the queue or inbox (taking it from the queue)."""
    page.goto(f"{base}/workbench/licensing/{listing}/")
    row = page.locator("tr", has_text=number)
    row.locator(f"a[href*='/{step}/']").first.click()
    page.wait_for_url(re.compile(r".*/(assign|execute)/$"))
    if "/assign/" in page.url:
        page.get_by_role("button", name="Assign and continue").click()
        page.wait_for_url("**/execute/")
    assert page.url.endswith("/execute/"), page.url


def perform(page, act_name: str, fill: dict | None = None, select: dict | None = None):
    form = page.locator(f'form[data-act="{act_name}"]')
    for name, value in (fill or {}).items():
        form.locator(f'[name="{act_name}-{name}"]').fill(value)
    for name, value in (select or {}).items():
        form.locator(f'[name="{act_name}-{name}"]').select_option(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_officers_take_an_application_to_its_licence_in_the_browser(browser, server, item, applicant, agency):
    from licensing.services import applications as svc

    clerk = StaffFactory(username="clerk_b", agency=agency, roles=[Role.CLERK])
    head = StaffFactory(username="head_b", agency=agency, roles=[Role.HEAD])
    examiner = StaffFactory(username="examiner_b", agency=agency, roles=[Role.EXAMINER])
    make_requirements(item)
    draft = svc.application_create(item=item, applicant=applicant, holder_name="示例餐饮有限公司")
    number = svc.application_submit(application=draft, actor=applicant).number
    base = server.url

    context, page = sign_in(browser, base, clerk)
    open_step(page, base, "queue", number, "triage")
    assert page.locator('[data-testid="dossier"]').is_visible()
    assert page.locator('[data-testid="clock-C1"]').is_visible()
    perform(page, "accept")
    context.close()
    assert Application.objects.get(number=number).status == S.ACCEPTED

    context, page = sign_in(browser, base, head)
    open_step(page, base, "queue", number, "assign_examiner")
    perform(page, "assign-examiner", select={"examiner": str(examiner.pk)})
    context.close()

    context, page = sign_in(browser, base, examiner)
    open_step(page, base, "inbox", number, "examine")
    perform(page, "draft-decision", fill={"scope": "热食类食品制售"}, select={"kind": "grant"})
    context.close()
    assert Application.objects.get(number=number).status == S.DECISION_PENDING

    context, page = sign_in(browser, base, head)
    open_step(page, base, "queue", number, "sign")
    assert "热食类食品制售" in page.locator('[data-testid="draft"]').inner_text()
    perform(page, "sign-decision")
    context.close()

    context, page = sign_in(browser, base, clerk)
    open_step(page, base, "queue", number, "issue_certificate")
    perform(page, "issue-certificate")
    context.close()

    application = Application.objects.get(number=number)
    assert application.status == S.CERTIFICATE_ISSUED
    assert Licence.objects.get(application=application).scope == "热食类食品制售"
    assert LicensingProcess.objects.get(application=application).status == "DONE"
