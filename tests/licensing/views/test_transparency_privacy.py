"""Every state is public, personal data is not (design.md principle 4; Art. 5, 40; issue 7).

Renders every public transparency page, every public API response and every open-data download
for applications in every public legal state, filed by a person with distinctive personal data
and materials, and asserts that none of it appears: not the applicant's name, ID number, phone,
email or address, not the materials' or form's content, not the Art. 45 notice text, not the
reasons in the action log, not officials' user names."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from licensing.choices import ApplicationStatus
from licensing.selectors_public import PUBLIC_STATUSES
from tests.transparency_data import (
    EXTENSION_REASON,
    MASKED_PERSON,
    ORGANISATION,
    PERSON_NAME,
    PERSONAL_STRINGS,
    build_public_world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    return build_public_world()


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def assert_no_personal_data(text: str, where: str) -> None:
    leaked = [s for s in PERSONAL_STRINGS if s in text]
    assert not leaked, f"{where} shows personal data: {leaked}"


def public_urls(world) -> list[str]:
    urls = [
        reverse("public:lookup"),
        reverse("public:application_list"),
        reverse("public:application_list") + "?overdue=on",
        reverse("public:application_list") + f"?agency={world.agency.code}&item={world.item.code}",
        reverse("public:register"),
        reverse("public:register") + f"?q={PERSON_NAME}",
        reverse("public:register") + "?q=欧阳",
        reverse("public:performance"),
        reverse("public:open_data"),
        reverse("public:verify", args=[world.person_licence.verification_token]),
        reverse("public:verify", args=[world.organisation_licence.verification_token]),
        reverse("public:verify", args=["forged-token-123"]),
        reverse("public:lookup_detail", args=["XK-0000-404404"]),
        "/api/v1/public/applications/",
        "/api/v1/public/applications/?overdue=true",
        "/api/v1/public/register/",
        f"/api/v1/public/register/?q={PERSON_NAME}",
        f"/api/v1/public/verify/{world.person_licence.verification_token}/",
        "/api/v1/public/verify/forged-token-123/",
        "/api/v1/public/statistics/",
    ]
    for status in PUBLIC_STATUSES:
        number = world.applications[status].number
        urls.append(reverse("public:lookup_detail", args=[number]))
        urls.append(f"/api/v1/public/applications/{number}/")
        urls.append(reverse("public:application_list") + f"?status={status.value}")
    for dataset in ("applications", "register", "statistics"):
        for fmt in ("csv", "json"):
            urls.append(reverse("public:open_data_download", kwargs={"dataset": dataset, "fmt": fmt}))
    return urls


class TestNoPersonalData:
    def test_every_public_page_api_response_and_download_is_free_of_personal_data(self, client, world, settings):
        settings.XUKE_PUBLIC_RATE_LIMITS = {"lookup": None, "verify": None, "download": None}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public": None}}
        for url in public_urls(world):
            response = client.get(url)
            assert response.status_code in (200, 404), f"{url} answered {response.status_code}"
            # A search box shows back what the visitor typed; that is not a disclosure.
            text = body(response).replace(f'value="{PERSON_NAME}"', 'value=""')
            assert_no_personal_data(text, url)

    def test_every_state_is_public(self, client, world):
        """Art. 5, 40: every received application's state has a public page and a list row."""
        listing = body(client.get(reverse("public:application_list")))
        for status in PUBLIC_STATUSES:
            application = world.applications[status]
            page = body(client.get(reverse("public:lookup_detail", args=[application.number])))
            assert str(ApplicationStatus(status).label) in page
            assert application.number in listing

    def test_the_register_masks_a_person_and_names_an_organisation(self, client, world):
        html = body(client.get(reverse("public:register")))
        assert MASKED_PERSON in html
        assert ORGANISATION in html

    def test_a_person_cannot_be_found_by_name_in_the_register(self, client, world):
        """Searching a person's name would confirm who holds a licence: it finds nothing."""
        html = body(client.get(reverse("public:register"), {"q": PERSON_NAME}))
        assert world.person_licence.number not in html
        html = body(client.get(reverse("public:register"), {"q": ORGANISATION[:6]}))
        assert world.organisation_licence.number in html

    def test_the_extension_reason_is_an_organs_reason_and_is_shown(self, client, world):
        application = world.applications[ApplicationStatus.DECISION_PENDING]
        assert EXTENSION_REASON in body(client.get(reverse("public:lookup_detail", args=[application.number])))
