"""The public API under /api/v1/public/ (issue 7 item 8): the same public reads as the pages,
without login, keyset-paginated, throttled, with the uniform error body."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from rest_framework.throttling import ScopedRateThrottle

from licensing.choices import ApplicationStatus
from licensing.models import LicenceVerification, VerificationResult
from licensing.selectors_public import PUBLIC_STATUSES
from tests.factories import ActionLogEntryFactory
from tests.transparency_data import EXTENSION_REASON, MASKED_PERSON, build_public_world

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    return build_public_world()


class TestApplicationLookup:
    def test_every_state_can_be_looked_up(self, client, world):
        for status in PUBLIC_STATUSES:
            application = world.applications[status]
            data = client.get(f"/api/v1/public/applications/{application.number}/").json()
            assert data["number"] == application.number
            assert data["status"] == status.value
            assert data["item_code"] == world.item.code and data["agency_code"] == world.agency.code

    def test_the_record_has_clocks_pauses_extension_timeline_and_documents(self, client, world):
        pending = client.get(f"/api/v1/public/applications/{world.applications[S.DECISION_PENDING].number}/").json()
        assert pending["extension"]["reason"] == EXTENSION_REASON and pending["extension"]["days"] == 10
        c2 = next(c for c in pending["clocks"] if c["kind"] == "C2")
        assert c2["due_on"] and c2["explanation"]
        granted = client.get(f"/api/v1/public/applications/{world.applications[S.GRANTED].number}/").json()
        assert [p["reason"] for p in granted["pauses"]] == ["expert_review"]
        assert "notice_text" not in granted["pauses"][0]
        steps = [(s["action"], s["role"], s["staff_number"]) for s in granted["timeline"]]
        assert ("submit", "applicant", "") in steps and ("decide", "head", "GH-1003") in steps
        assert granted["documents"][0]["title"] == "受理通知书 Acceptance voucher"
        overdue = client.get(f"/api/v1/public/applications/{world.applications[S.UNDER_EXAMINATION].number}/")
        assert overdue.json()["overdue"] is True

    def test_unknown_number_is_a_404_with_the_uniform_error_body(self, client, world):
        response = client.get("/api/v1/public/applications/XK-2099-999999/")
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["code"] == "not_found" and "XK-2099-999999" in error["message"]

    def test_query_count_does_not_grow_with_the_timeline(self, client, world, django_assert_max_num_queries):
        application = world.applications[S.ACCEPTED]
        url = f"/api/v1/public/applications/{application.number}/"
        with django_assert_max_num_queries(5) as short:
            client.get(url)
        for _ in range(15):
            ActionLogEntryFactory(actor=world.examiner, application=application, action="verify")
        with django_assert_max_num_queries(5) as long:
            client.get(url)
        assert len(long.captured_queries) == len(short.captured_queries)


class TestApplicationList:
    def test_filters_and_cursor_pagination(self, client, world):
        data = client.get("/api/v1/public/applications/", {"page_size": 5}).json()
        assert data["count"] == 14 and data["count_is_lower_bound"] is False
        numbers = [r["number"] for r in data["results"]]
        while data["next"]:
            data = client.get(data["next"]).json()
            numbers += [r["number"] for r in data["results"]]
        assert len(numbers) == len(set(numbers)) == 14
        back = client.get(data["previous"]).json()
        assert len(back["results"]) == 5
        overdue = client.get("/api/v1/public/applications/", {"overdue": "true"}).json()
        assert [r["number"] for r in overdue["results"]] == [world.applications[S.UNDER_EXAMINATION].number]
        assert client.get("/api/v1/public/applications/", {"status": "nonsense"}).status_code == 400

    def test_the_register_masks_persons(self, client, world):
        data = client.get("/api/v1/public/register/").json()
        holders = {r["number"]: (r["holder"], r["status"]) for r in data["results"]}
        assert holders[world.person_licence.number] == (MASKED_PERSON, "active")
        assert holders[world.organisation_licence.number][1] == "expired"


class TestVerification:
    def test_verify_and_log(self, client, world):
        data = client.get(f"/api/v1/public/verify/{world.person_licence.verification_token}/").json()
        assert data["valid"] is True and data["holder"] == MASKED_PERSON
        response = client.get("/api/v1/public/verify/forged-code-000/")
        assert response.status_code == 404 and "forged" in response.json()["error"]["message"]
        logs = list(LicenceVerification.objects.order_by("pk").values_list("result", "channel"))
        assert logs == [(VerificationResult.VALID, "api"), (VerificationResult.UNKNOWN, "api")]


class TestStatistics:
    def test_statistics(self, client, world):
        data = client.get("/api/v1/public/statistics/").json()
        assert data["minimum_cases"] == 20
        total = data["agencies"][0]["total"]
        assert total["agency_code"] == world.agency.code
        assert total["on_time_statutory"]["percent"] is None  # fewer than 20 cases
        assert client.get("/api/v1/public/statistics/", {"year": "x"}).status_code == 400


class TestThrottling:
    def test_the_public_scope_answers_429_with_the_uniform_body(self, client, world, monkeypatch):
        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"public": "2/min"})
        for _ in range(2):
            assert client.get("/api/v1/public/register/").status_code == 200
        response = client.get("/api/v1/public/register/")
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "throttled"
        assert "Retry-After" in response

    def test_the_pages_lookup_limit_applies_to_the_api_too(self, client, world, settings):
        settings.XUKE_PUBLIC_RATE_LIMITS = {"lookup": "1/min"}
        url = f"/api/v1/public/applications/{world.applications[S.ACCEPTED].number}/"
        assert client.get(url).status_code == 200
        assert client.get(url).status_code == 429


def test_the_fast_lookup_json_equals_the_serializer(world):
    """The lookup builds its JSON directly; it must say exactly what the documented serializer
    says (same keys, same values)."""
    from rest_framework.renderers import JSONRenderer

    from api.serializers.public import PublicApplicationSerializer
    from api.views.public import application_json
    from licensing.selectors_public import application_get_public, public_today

    for application in world.applications.values():
        public = application_get_public(number=application.number, today=public_today())
        fast = json.loads(JSONRenderer().render(application_json(public)))
        documented = json.loads(JSONRenderer().render(PublicApplicationSerializer(public).data))
        assert fast == documented


def test_postgresql_single_query_lookup_equals_the_orm_one(world):
    """On PostgreSQL the lookup is one query with JSON sub-selects; it reads the same rows as the
    five ORM queries used elsewhere."""
    from django.db import connection

    from licensing import selectors_public

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    for application in world.applications.values():
        assert selectors_public._lookup_rows_postgresql(application.number) == selectors_public._lookup_rows_orm(
            application.number
        )
