"""The applicant portal in a real browser: Playwright drives Debian's chromium (headless) against
the live server. An applicant signs up (the confirmation link comes from the outbox), files an
application with uploads, sees it received with its due date, answers a one-time supplement notice
a clerk issues, and downloads a document — and axe-core checks every page visited for WCAG 2.2 A
and AA violations."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core import mail

from licensing.choices import ApplicationStatus as S
from licensing.models import Application, Document
from licensing.services import applications as procedure
from licensing.services.applications import SupplementItem
from tests.factories import PDF_BYTES, PNG_BYTES, VALID_CREDIT_CODE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "a long enough passphrase"


@pytest.fixture(scope="module")
def browser():
    """Chromium through Playwright's sync API. That API runs an event loop in this thread, so Django
    must be told the ORM calls made meanwhile are safe (only while this module runs: the variable
    would otherwise reach ``manage.py check --deploy`` in later tests)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"No browser: {CHROMIUM} is missing (install Debian's chromium: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        pytest.skip("Playwright is not installed")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def server(request):
    """pytest-django's live server. Xuke sets ``MEDIA_URL = None`` (stored files are never served),
    which Django's live-server media handler cannot parse; while it starts, give it a URL on
    another host, which it never serves either."""
    from django.conf import settings

    old = settings.MEDIA_URL
    settings.MEDIA_URL = "http://media.invalid/"
    try:
        return request.getfixturevalue("live_server")
    finally:
        settings.MEDIA_URL = old


class Visit:
    """The browser page, checking every page it lands on with axe-core."""

    def __init__(self, page, base_url: str):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.base = base_url
        self.axe = Axe()
        self.checked: list[str] = []

    def check(self) -> None:
        self.page.wait_for_load_state("load")
        results = self.axe.run(self.page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                                   "resultTypes": ["violations"]})
        assert results.violations_count == 0, f"{self.page.url}\n{results.generate_report()}"
        self.checked.append(self.page.url)

    def go(self, path: str) -> None:
        self.page.goto(path if path.startswith("http") else self.base + path)
        self.check()

    def submit(self, button: str) -> None:
        self.page.get_by_role("button", name=button).click()
        self.check()

    def follow(self, link: str) -> None:
        self.page.get_by_role("link", name=link).first.click()
        self.check()


def test_sign_up_file_answer_and_download(browser, server, portal_item, clerk, tmp_path):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    visit = Visit(page, server.url)

    # Sign up, confirm the address by the emailed link, sign in.
    visit.go("/accounts/signup/")
    page.get_by_label("Email address").fill("chen@example.org")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    visit.submit("Create account")
    assert page.get_by_role("heading", name="Check your email").is_visible()
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    visit.go(link)
    page.get_by_label("Username").fill("chen@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    visit.submit("Sign in")

    # Who I am: a company clerk for an organisation. First an error, then the right code.
    assert page.get_by_role("heading", name="Your details").is_visible()
    page.get_by_label("An organisation").check()
    page.get_by_label("Organisation name").fill("示例餐饮有限公司")
    page.get_by_label("Unified social credit code").fill("91350100M000100Y44")
    page.get_by_label("Contact person").fill("陈一")
    page.get_by_label("Phone").fill("13800000000")
    visit.submit("Save your details")
    assert page.get_by_role("link", name=re.compile("unified social credit code in the correct format")).is_visible()
    page.get_by_label("Unified social credit code").fill(VALID_CREDIT_CODE)
    visit.submit("Save your details")

    # File: choose the item, then one question group per page.
    visit.follow("Start a new application")
    page.get_by_label(re.compile("Food business licence")).check()
    visit.submit("Start application")
    visit.follow("Who is applying")
    page.get_by_label("For myself, or for the organisation in my profile").check()
    visit.submit("Save and continue")
    visit.submit("Save and continue")  # nothing answered: the error summary links to each field
    assert page.get_by_role("link", name="Enter Business premises address").is_visible()
    page.get_by_label("Business premises address").fill("1 Renmin Road, Test City")
    page.get_by_label("Floor area in square metres").fill("85")
    page.get_by_label("Catering service").check()
    visit.submit("Save and continue")
    plan = tmp_path / "plan.png"
    plan.write_bytes(PNG_BYTES)
    rules = tmp_path / "rules.pdf"
    rules.write_bytes(PDF_BYTES)
    page.get_by_label("Floor plan of the premises").set_input_files(str(plan))
    page.get_by_label("Food safety rules").set_input_files(str(rules))
    visit.submit("Save and continue")
    page.get_by_label("I confirm this declaration").check()
    visit.submit("Save and continue")
    assert page.get_by_role("heading", name="Check your answers before submitting your application").is_visible()
    visit.submit("Submit application")

    # Received, with the number and the acceptance due date.
    application = Application.objects.get()
    c1 = application.clocks.get(kind="C1")
    assert application.status == S.RECEIVED
    assert page.get_by_role("heading", name="Application submitted").is_visible()
    assert application.number in page.content() and c1.due_on.isoformat() in page.content()
    visit.follow("See your application")
    assert "Received" in page.content() and c1.due_on.isoformat() in page.content()

    # The clerk asks once for a better floor plan; the applicant answers exactly that.
    requirement = portal_item.requirements.get(name="Floor plan of the premises")
    procedure.application_request_supplement(
        application=application, actor=clerk,
        items=[SupplementItem(requirement.pk, "The plan must show the kitchen.")],
        how_to_submit="Upload it in Xuke.",
    )
    visit.go(f"/my/applications/{application.pk}/")
    assert "The plan must show the kitchen." in page.content()
    visit.follow("Upload the listed materials")
    better = tmp_path / "plan-with-kitchen.pdf"
    better.write_bytes(PDF_BYTES)
    page.get_by_label("Floor plan of the premises").set_input_files(str(better))
    visit.submit("Send the materials")
    assert "Your materials were sent" in page.content()

    # Accepted: the acceptance voucher can be downloaded.
    procedure.application_accept(application=application, actor=clerk)
    visit.go(f"/my/applications/{application.pk}/")
    document = Document.objects.get(application=application, kind="D2")
    with page.expect_download() as download:
        page.get_by_role("link", name=document.title).click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")

    visit.follow("Messages")
    assert "received" in page.content()
    assert len(visit.checked) >= 20
    context.close()
