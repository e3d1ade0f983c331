"""The action log under /api/v1/audit/ (design.md principle 5): entries for staff, scoped to what
each may read, filtered like the supervisors' page; the daily digests for everyone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licensing.choices import Role
from licensing.models import ActionLogEntry, AuditAction
from tests.factories import ActionLogEntryFactory, ApplicationFactory, StaffFactory

pytestmark = pytest.mark.django_db

ENTRIES = "/api/v1/audit/entries/"
DIGESTS = "/api/v1/audit/digests/"


@pytest.fixture
def log(clerk, examiner, application, other_agency):
    """Two entries on this agency's application, one on another agency's, one by the system."""
    foreign_clerk = StaffFactory(username="foreign-clerk", agency=other_agency, roles=[Role.CLERK])
    foreign = ApplicationFactory(item__agency=other_agency, number="XK-2026-900001")
    with time_machine.travel(datetime(2026, 4, 1, 2, tzinfo=UTC), tick=False):
        ActionLogEntryFactory(actor=clerk, application=application, reason="materials complete")
        ActionLogEntryFactory(actor=foreign_clerk, application=foreign)
    with time_machine.travel(datetime(2026, 4, 2, 2, tzinfo=UTC), tick=False):
        ActionLogEntryFactory(
            actor=examiner, application=application, action=AuditAction.PAUSE_CLOCK, legal_basis="Art. 45"
        )
        ActionLogEntryFactory(actor=None, action=AuditAction.RECOMPUTE_CLOCKS)


def seqs(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["seq"] for row in response.json()["results"]]


class TestAuditEntriesApi:
    @pytest.mark.parametrize("persona", ["supervisor", "administrator"])
    def test_supervision_reads_every_entry_newest_first(self, client, request, persona, log):
        client.force_login(request.getfixturevalue(persona))
        response = client.get(ENTRIES)
        assert seqs(response) == [4, 3, 2, 1]
        assert response.json()["count"] == 4

    def test_an_entry_as_the_api_shows_it(self, client, supervisor, application, log):
        client.force_login(supervisor)
        row = client.get(ENTRIES, {"action": "pause_clock"}).json()["results"][0]
        entry = ActionLogEntry.objects.get(seq=3)
        assert row == {
            "seq": 3,
            "at": "2026-04-02T10:00:00+08:00",
            "actor": "examiner",
            "role": "examiner",
            "agency": "test-amr",
            "action": "pause_clock",
            "application": application.number,
            "legal_basis": "Art. 45",
            "reason": "",
            "changes": {},
            "prev_hash": entry.prev_hash,
            "hash": entry.hash,
        }

    @pytest.mark.parametrize("persona", ["clerk", "examiner", "head", "hearing_officer"])
    def test_other_staff_read_only_their_agencys_applications(self, client, request, persona, log):
        client.force_login(request.getfixturevalue(persona))
        assert seqs(client.get(ENTRIES)) == [3, 1]
        assert client.get(f"{ENTRIES}3/").status_code == 200
        assert client.get(f"{ENTRIES}2/").status_code == 404  # another agency's case
        assert client.get(f"{ENTRIES}4/").status_code == 404  # the system's, about no case

    def test_applicants_and_anonymous_visitors_are_refused(self, client, applicant, log):
        response = client.get(ENTRIES)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_authenticated"
        client.force_login(applicant)
        response = client.get(ENTRIES)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"

    def test_filters(self, client, supervisor, agency, application, log):
        client.force_login(supervisor)
        assert seqs(client.get(ENTRIES, {"actor": "clerk"})) == [1]
        assert seqs(client.get(ENTRIES, {"actor": "system"})) == [4]
        assert seqs(client.get(ENTRIES, {"action": "accept"})) == [2, 1]
        assert seqs(client.get(ENTRIES, {"agency": agency.code})) == [3, 1]
        assert seqs(client.get(ENTRIES, {"application": application.number})) == [3, 1]
        assert seqs(client.get(ENTRIES, {"from": "2026-04-02"})) == [4, 3]
        assert seqs(client.get(ENTRIES, {"to": "2026-04-01"})) == [2, 1]
        assert seqs(client.get(ENTRIES, {"from": "2026-04-01", "to": "2026-04-01", "actor": "foreign-clerk"})) == [2]

    def test_staff_filters_stay_inside_their_scope(self, client, clerk, log):
        client.force_login(clerk)
        assert seqs(client.get(ENTRIES, {"application": "XK-2026-900001"})) == []

    def test_bad_filters_get_the_uniform_error_body(self, client, supervisor):
        client.force_login(supervisor)
        response = client.get(ENTRIES, {"from": "someday", "action": "bribe", "agency": "nowhere"})
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert set(error["fields"]) == {"from", "action", "agency"}

    def test_pages(self, client, supervisor, clerk):
        for _ in range(7):
            ActionLogEntryFactory(actor=clerk)
        client.force_login(supervisor)
        response = client.get(ENTRIES, {"page_size": 5, "page": 2}).json()
        assert response["count"] == 7
        assert [row["seq"] for row in response["results"]] == [2, 1]

    def test_the_number_of_queries_does_not_grow_with_the_entries(self, client, supervisor, clerk, application):
        client.force_login(supervisor)

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(ENTRIES).status_code == 200
            return len(captured)

        ActionLogEntryFactory(actor=clerk, application=application)
        few = queries()
        for _ in range(30):
            ActionLogEntryFactory(actor=clerk, application=ApplicationFactory(item=application.item))
        assert queries() == few

    def test_the_api_cannot_write_the_log(self, client, administrator, log):
        client.force_login(administrator)
        assert client.post(ENTRIES, {"action": "accept"}).status_code == 405
        assert client.delete(f"{ENTRIES}1/").status_code == 405
        assert client.patch(f"{ENTRIES}1/", {"reason": "x"}, content_type="application/json").status_code == 405


class TestAuditDigestsApi:
    def test_anyone_reads_the_daily_chain_heads(self, client, log):
        response = client.get(DIGESTS)
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 2
        assert body["results"] == [
            {"day": "2026-04-02", "entries": 2, "head_seq": 4, "head_hash": ActionLogEntry.objects.get(seq=4).hash},
            {"day": "2026-04-01", "entries": 2, "head_seq": 2, "head_hash": ActionLogEntry.objects.get(seq=2).hash},
        ]

    def test_the_schema_documents_both_endpoints(self, client):
        schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
        assert "/api/v1/audit/entries/" in schema["paths"]
        assert "/api/v1/audit/digests/" in schema["paths"]
        names = {p["name"] for p in schema["paths"]["/api/v1/audit/entries/"]["get"]["parameters"]}
        assert {"actor", "action", "agency", "application", "from", "to", "page"} <= names
