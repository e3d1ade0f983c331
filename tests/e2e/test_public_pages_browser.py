"""The public transparency pages in a real browser (issue 7): Playwright drives Debian's chromium
(headless) against the live server; axe-core checks every public page for WCAG 2.2 A and AA
violations, and a second browser context with JavaScript disabled uses each page's forms and
links — lookup, filters, search, pagination, the year menu and the "how this date was calculated"
disclosure — to show they work without JavaScript."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from licensing.choices import ApplicationStatus
from licensing.models import Application
from licensing.selectors_public import PUBLIC_STATUSES
from licensing.services.clocks import application_clocks_recompute
from tests.transparency_data import MASKED_PERSON, ORGANISATION, build_public_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
S = ApplicationStatus


@pytest.fixture(scope="module")
def browser():
    """Chromium through Playwright's sync API. That API runs an event loop in this thread, so
    Django is told the ORM calls made meanwhile are safe — only while this module runs: set at the
    module's top, the variable would reach every test collected with it."""
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
def server(request):
    """pytest-django's live server (with the media-URL workaround: Xuke sets ``MEDIA_URL = None``,
    which the live server's media handler cannot parse)."""
    from django.conf import settings

    old = settings.MEDIA_URL
    settings.MEDIA_URL = "http://media.invalid/"
    try:
        return request.getfixturevalue("live_server")
    finally:
        settings.MEDIA_URL = old


@pytest.fixture
def world(settings):
    from django.core.cache import cache

    cache.clear()
    settings.XUKE_PUBLIC_RATE_LIMITS = {"lookup": None, "verify": None, "download": None}
    settings.XUKE_PUBLIC_STATS_CACHE_SECONDS = 0
    world = build_public_world()
    add_decided(world, 24)
    return world


def add_decided(world, n: int) -> None:
    """Enough decided and rated cases this year for the performance page to draw its charts."""
    from licensing.models import Rating

    today = timezone.localdate()
    start = today.replace(month=1, day=2) if today.month > 2 else today - timedelta(days=40)
    for i in range(n):
        with transaction.atomic():
            application = Application.objects.create(
                number=f"XK-2097-{i + 1:06d}", item=world.item, agency=world.agency, applicant=world.applicant,
                status=S.GRANTED, received_at=timezone.now() - timedelta(days=(today - start).days),
                accepted_on=start, triaged_on=start, decided_on=min(start + timedelta(days=14 + i), today),
            )
            application_clocks_recompute(application=application)
        Rating.objects.create(application=application, rater=world.applicant, level=1 + i % 5)


class Axe:
    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe as AxeRunner

        self.runner = AxeRunner()
        self.checked: list[str] = []

    def check(self, page) -> None:
        page.wait_for_load_state("load")
        results = self.runner.run(
            page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
        )
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
        self.checked.append(page.url)


def public_paths(world) -> list[tuple[str, int]]:
    paths = [
        ("/lookup/", 200),
        ("/lookup/XK-0000-404404/", 404),
        ("/applications/", 200),
        ("/applications/?overdue=on", 200),
        ("/applications/?agency=nope", 200),  # the error summary
        ("/register/", 200),
        (f"/verify/{world.person_licence.verification_token}/", 200),
        (f"/verify/{world.organisation_licence.verification_token}/", 200),
        ("/verify/forged-code-0000/", 404),
        ("/performance/", 200),
        ("/open-data/", 200),
    ]
    paths += [(f"/lookup/{world.applications[status].number}/", 200) for status in PUBLIC_STATUSES]
    return paths


def test_every_public_page_passes_axe(browser, server, world, settings):
    context = browser.new_context()
    page = context.new_page()
    axe = Axe()
    for path, status in public_paths(world):
        response = page.goto(server.url + path)
        assert response.status == status, path
        axe.check(page)
    # the "how this date was calculated" disclosure, opened
    page.goto(server.url + f"/lookup/{world.applications[S.DECISION_PENDING].number}/")
    page.get_by_text("How this date was calculated").first.click()
    axe.check(page)
    # the 429 page
    settings.XUKE_PUBLIC_RATE_LIMITS = {"lookup": "1/min"}
    url = server.url + f"/lookup/{world.applications[S.ACCEPTED].number}/"
    page.goto(url)
    response = page.goto(url)
    assert response.status == 429
    axe.check(page)
    assert len(axe.checked) == len(public_paths(world)) + 2
    context.close()


def test_the_public_pages_work_without_javascript(browser, server, world):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    base = server.url

    # Track an application by typing its number (lower case, with spaces).
    granted = world.applications[S.GRANTED]
    page.goto(base + "/lookup/")
    page.get_by_label("Application number").fill(f" {granted.number.lower()} ")
    page.get_by_role("button", name="Look up").click()
    assert page.url == f"{base}/lookup/{granted.number}/"
    assert page.get_by_role("heading", name=f"Application {granted.number}").is_visible()
    summary = page.get_by_text("How this date was calculated").first
    summary.click()  # <details> opens without JavaScript
    assert page.locator("details[open] li").first.is_visible()

    # An unknown number: a clear page with the box to try again.
    page.goto(base + "/lookup/")
    page.get_by_label("Application number").fill("XK-0000-000000")
    page.get_by_role("button", name="Look up").click()
    assert page.get_by_role("heading", name="Application not found").is_visible()

    # Filter the list: overdue only, then a state; page through.
    page.goto(base + "/applications/")
    page.get_by_label("Only overdue applications").check()
    page.get_by_role("button", name="Apply filters").click()
    assert "overdue=on" in page.url
    assert page.get_by_role("link", name=world.applications[S.UNDER_EXAMINATION].number).is_visible()
    assert page.get_by_role("link", name=world.applications[S.ACCEPTED].number).count() == 0
    page.goto(base + "/applications/")
    page.get_by_label("Legal state").select_option(S.DENIED.value)
    page.get_by_role("button", name="Apply filters").click()
    assert page.get_by_role("link", name=world.applications[S.DENIED].number).is_visible()
    page.goto(base + "/applications/")
    page.get_by_role("link", name="Older").click()
    assert "after=" in page.url
    page.get_by_role("link", name="Newer").click()
    assert "before=" in page.url

    # Search the register: the organisation by name; a person is masked.
    page.goto(base + "/register/")
    assert page.get_by_role("cell", name=MASKED_PERSON).is_visible()
    page.get_by_label("Search the register").fill(ORGANISATION[:6])
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("rowheader", name=world.organisation_licence.number).is_visible()

    # Verify by the QR code's link.
    page.goto(base + f"/verify/{world.person_licence.verification_token}/")
    assert page.get_by_text("This licence is genuine and valid today.").is_visible()

    # Performance: the year menu is a plain form; the charts are images with tables.
    page.goto(base + "/performance/")
    year = timezone.localdate().year
    page.get_by_label("Year").select_option(str(year))
    page.get_by_role("button", name="Show").click()
    assert f"year={year}" in page.url
    chart = page.locator("figure.chart img").first
    assert chart.is_visible()
    image = page.request.get(base + chart.get_attribute("src"))
    assert image.status == 200 and image.headers["content-type"] == "image/png"
    assert page.get_by_role("table", name="Decisions on time, by agency").is_visible()

    # Open data: a download link works without a script.
    page.goto(base + "/open-data/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Register (CSV)").click()
    assert download.value.suggested_filename == "xuke-register.csv"
    context.close()
