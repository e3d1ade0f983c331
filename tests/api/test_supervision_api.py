"""/api/v1/supervision/… (issue 8): the same figures and the same rules as the pages."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from rest_framework.test import APIClient

from licensing.models import SupervisionCase, SupervisionCaseStatus
from licensing.services.supervision import supervision_warnings
from tests.supervision_helpers import accepted_case, beijing, ensure_calendar, make_world

TODAY = date(2025, 3, 20)
BASE = "/api/v1/supervision"


@pytest.fixture
def world(db):
    ensure_calendar()
    world = make_world()
    accepted_case(world.item, date(2025, 2, 10), examiner=world.examiner)  # C2 due 03-10: red
    accepted_case(world.item, date(2025, 2, 24), examiner=world.examiner)  # due 03-24: yellow
    accepted_case(world.other_item, date(2025, 2, 10))  # outside the city supervisor's remit
    supervision_warnings(beijing(TODAY, 1))
    return world


@pytest.fixture(autouse=True)
def on_today():
    with time_machine.travel(beijing(TODAY, 10), tick=False):
        yield


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


READS = ["/dashboard/", "/overdue/", "/warnings/", "/compliance/"]


class TestPermissions:
    @pytest.mark.parametrize("path", READS + ["/cases/"])
    def test_anonymous_is_refused_with_the_uniform_body(self, world, path):
        response = api().get(BASE + path)
        assert response.status_code in (401, 403)
        assert set(response.json()["error"]) == {"code", "message", "fields"}

    @pytest.mark.parametrize("path", READS)
    def test_agency_staff_and_applicants_get_403(self, world, applicant, path):
        for user in (world.clerk, world.examiner, world.head, applicant):
            response = api(user).get(BASE + path)
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "permission_denied"

    def test_applicants_cannot_read_cases(self, world, applicant):
        assert api(applicant).get(BASE + "/cases/").status_code == 403


class TestReads:
    def test_dashboard_counts_within_the_remit(self, world):
        body = api(world.supervisor).get(BASE + "/dashboard/").json()
        c2 = next(c for c in body["clocks"] if c["kind"] == "C2")
        assert (c2["yellow"], c2["red"]) == (1, 1)
        assert body["cases_open"] == 1 and body["today"] == "2025-03-20"
        everything = api(world.chief).get(BASE + "/dashboard/").json()
        assert next(c for c in everything["clocks"] if c["kind"] == "C2")["red"] == 2

    def test_dashboard_scope_errors(self, world):
        response = api(world.supervisor).get(BASE + "/dashboard/", {"agency": "sv-other"})
        assert response.status_code == 400 and "agency" in response.json()["error"]["fields"]

    def test_overdue_list_with_working_days_late(self, world):
        rows = api(world.supervisor).get(BASE + "/overdue/").json()
        assert len(rows) == 1
        assert rows[0]["clock"] == "C2" and rows[0]["working_days_late"] == 8 and rows[0]["examiner"]

    def test_warnings(self, world):
        body = api(world.chief).get(BASE + "/warnings/", {"level": "red"}).json()
        assert body["count"] == 2 and all(w["case"] for w in body["results"])
        assert api(world.chief).get(BASE + "/warnings/", {"level": "blue"}).status_code == 400

    def test_compliance(self, world):
        body = api(world.chief).get(BASE + "/compliance/", {"from": "2025-03-01", "to": "2025-03-31"}).json()
        city = next(r for r in body["agencies"] if r["code"] == "sv-city")
        assert city["clocks"]["C2"] == {"met": 0, "missed": 1, "rate": 0.0, "reliable": False}
        assert city["overdue_now"] == 1 and city["red_cards"] == 1
        assert body["officers"][0]["code"] == "sv-examiner"
        bad = api(world.chief).get(BASE + "/compliance/", {"from": "2025-03-31", "to": "2025-03-01"})
        assert bad.status_code == 400


class TestCases:
    def test_life_cycle(self, world):
        case = SupervisionCase.objects.get(agency=world.city)
        listing = api(world.examiner).get(BASE + "/cases/").json()
        assert [c["id"] for c in listing["results"]] == [case.pk]
        assert api(world.outsider).get(f"{BASE}/cases/{case.pk}/").status_code == 404

        refused = api(world.supervisor).post(f"{BASE}/cases/{case.pk}/respond/", {"response": "x"}, format="json")
        assert refused.status_code == 403
        empty = api(world.examiner).post(f"{BASE}/cases/{case.pk}/respond/", {"response": ""}, format="json")
        assert empty.status_code == 400 and "response" in empty.json()["error"]["fields"]
        done = api(world.examiner).post(f"{BASE}/cases/{case.pk}/respond/", {"response": "已决定"}, format="json")
        assert done.status_code == 200 and done.json()["status"] == SupervisionCaseStatus.RESPONDED
        again = api(world.head).post(f"{BASE}/cases/{case.pk}/respond/", {"response": "again"}, format="json")
        assert again.status_code == 409

        not_theirs = api(world.head).post(f"{BASE}/cases/{case.pk}/close/", {"conclusion": "x"}, format="json")
        assert not_theirs.status_code == 403
        closed = api(world.supervisor).post(f"{BASE}/cases/{case.pk}/close/", {"conclusion": "结案"}, format="json")
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert closed.json()["reference"].startswith("DB-2025-")

    def test_status_filter(self, world):
        assert api(world.chief).get(BASE + "/cases/", {"status": "closed"}).json()["count"] == 0
        assert api(world.chief).get(BASE + "/cases/", {"status": "open"}).json()["count"] == 2
        assert api(world.chief).get(BASE + "/cases/", {"status": "nope"}).status_code == 400

    def test_schema_lists_the_endpoints(self, world):
        schema = api().get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
        for path in ("/api/v1/supervision/dashboard/", "/api/v1/supervision/cases/{id}/respond/"):
            assert path in schema


class TestRectifications:
    """/api/v1/supervision/rectifications/: bad-rating rectifications (好差评, law.md §4) with their
    working-day deadlines; supervisors read their remit, the agency's officers read and act."""

    @pytest.fixture
    def open_rectifications(self, world):
        from licensing.choices import RatingLevel
        from licensing.models import Rating, Rectification
        from tests.supervision_helpers import accepted_case

        made = {}
        for name, item in (("city", world.item), ("other", world.other_item)):
            application = accepted_case(item, date(2025, 2, 10))
            rating = Rating.objects.create(
                application=application, rater=application.applicant, level=RatingLevel.DISSATISFIED, comment="Slow."
            )
            made[name] = Rectification.objects.create(
                rating=rating, application=application, agency=item.agency, opened_on=date(2025, 3, 12),
                contact_due_on=date(2025, 3, 13), rectify_due_on=date(2025, 4, 2),
            )
        return made

    def test_supervisor_reads_only_the_remit_with_deadlines_and_lateness(self, world, open_rectifications):
        body = api(world.supervisor).get(BASE + "/rectifications/").json()
        (row,) = body["results"]
        assert row["application"] == open_rectifications["city"].application.number
        assert (row["contact_due_on"], row["rectify_due_on"]) == ("2025-03-13", "2025-04-02")
        assert row["contact_late"] is True and row["rectify_late"] is False and row["rating"] == 4
        assert api(world.chief).get(BASE + "/rectifications/").json()["count"] == 2
        assert api(world.chief).get(BASE + "/rectifications/", {"status": "done"}).json()["count"] == 0
        assert api(world.chief).get(BASE + "/rectifications/", {"agency": "sv-other"}).json()["count"] == 1
        bad = api(world.chief).get(BASE + "/rectifications/", {"status": "someday"})
        assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]

    def test_officers_read_their_agency_and_applicants_nothing(self, world, open_rectifications, applicant):
        body = api(world.clerk).get(BASE + "/rectifications/").json()
        assert [r["agency"] for r in body["results"]] == ["sv-city"]
        other = open_rectifications["other"].pk
        assert api(world.clerk).get(f"{BASE}/rectifications/{other}/").status_code == 404
        assert api(applicant).get(BASE + "/rectifications/").status_code == 403

    def test_the_agency_contacts_then_rectifies_and_the_supervisor_cannot(self, world, open_rectifications):
        from licensing.models import ActionLogEntry

        pk = open_rectifications["city"].pk
        refused = api(world.supervisor).post(f"{BASE}/rectifications/{pk}/contact/", {"note": "I called."})
        assert refused.status_code == 403
        too_early = api(world.head).post(f"{BASE}/rectifications/{pk}/complete/", {"note": "Fixed."})
        assert too_early.status_code in (400, 409) and too_early.json()["error"]["message"]
        empty = api(world.clerk).post(f"{BASE}/rectifications/{pk}/contact/", {"note": ""})
        assert empty.status_code == 400 and "note" in empty.json()["error"]["fields"]
        contacted = api(world.clerk).post(f"{BASE}/rectifications/{pk}/contact/", {"note": "Called the applicant."})
        assert contacted.status_code == 200 and contacted.json()["contacted_by"] == "sv-clerk"
        done = api(world.head).post(f"{BASE}/rectifications/{pk}/complete/", {"note": "Counter hours extended."})
        assert done.status_code == 200
        assert done.json()["rectification_note"] == "Counter hours extended." and done.json()["rectify_late"] is False
        actions = ActionLogEntry.objects.filter(application=open_rectifications["city"].application)
        assert list(actions.values_list("action", flat=True)) == ["rectification_contact", "rectification_complete"]
        outsider = api(world.outsider).post(f"{BASE}/rectifications/{pk}/contact/", {"note": "x"})
        assert outsider.status_code == 404
