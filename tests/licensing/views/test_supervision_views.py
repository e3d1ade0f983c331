"""The e-supervision pages (issue 8): who may read and act, what the dashboard, compliance and
rectification pages show, the CSV and PDF exports, and a fixed number of queries whatever the
number of cases (N and 3N)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from licensing.choices import ClockKind, ClockState, RatingLevel
from licensing.models import Clock, Rating, Rectification, SupervisionCase, SupervisionCaseStatus
from licensing.services.supervision import supervision_warnings, supervision_weekly_stats
from tests.supervision_helpers import accepted_case, beijing, ensure_calendar, make_world, received_case

TODAY = date(2025, 3, 20)


@pytest.fixture
def world(db):
    ensure_calendar()
    return make_world()


@pytest.fixture
def on_today():
    with time_machine.travel(beijing(TODAY, 10), tick=False):
        yield


def seed(world, n: int) -> None:
    """``n`` cases of each kind: red and yellow decisions, a case awaiting acceptance, one of the
    district, one of the unrelated bureau; then the sweep's cards and weekly figures."""
    for _ in range(n):
        accepted_case(world.item, date(2025, 2, 10), examiner=world.examiner)  # C2 due 03-10: red
        accepted_case(world.item, date(2025, 2, 24), examiner=world.examiner)  # due 03-24: yellow on 03-19
        received_case(world.item, date(2025, 3, 17))  # C1 due 03-24, yellow from 03-19
        accepted_case(world.district_item, date(2025, 2, 10), examiner=world.district_examiner)
        accepted_case(world.other_item, date(2025, 2, 10))
    supervision_warnings(beijing(TODAY, 1))
    supervision_weekly_stats(beijing(TODAY, 1), weeks=12)


def login(client, user):
    client.force_login(user)
    return client


PAGES = [
    ("supervision:dashboard", ()),
    ("supervision:warnings", ()),
    ("supervision:compliance", ()),
    ("supervision:compliance_csv", ()),
    ("supervision:compliance_pdf", ()),
    ("supervision:rectifications", ()),
]


class TestPermissions:
    @pytest.mark.parametrize(("name", "args"), PAGES + [("supervision:cases", ())])
    def test_anonymous_is_sent_to_sign_in(self, client, world, name, args):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize(("name", "args"), PAGES)
    def test_agency_staff_and_applicants_get_403(self, client, world, applicant, name, args):
        for user in (world.clerk, world.head, world.examiner, applicant):
            assert login(client, user).get(reverse(name, args=args)).status_code == 403

    @pytest.mark.parametrize(("name", "args"), PAGES)
    def test_supervisors_and_administrators_read(self, client, world, administrator, on_today, name, args):
        for user in (world.chief, world.supervisor, administrator):
            assert login(client, user).get(reverse(name, args=args)).status_code == 200

    def test_applicants_cannot_read_cases(self, client, world, applicant):
        assert login(client, applicant).get(reverse("supervision:cases")).status_code == 403

    def test_an_application_outside_the_remit_is_refused(self, client, world, on_today):
        outside = accepted_case(world.other_item, date(2025, 3, 3))
        inside = accepted_case(world.district_item, date(2025, 3, 3))
        login(client, world.supervisor)
        assert client.get(reverse("supervision:application", args=[outside.number])).status_code == 403
        assert client.get(reverse("supervision:application", args=[inside.number])).status_code == 200
        assert login(client, world.chief).get(reverse("supervision:application", args=[outside.number])).status_code \
            == 200


class TestDashboard:
    def test_counts_drill_down_and_charts(self, client, world, on_today):
        seed(world, 2)
        response = login(client, world.supervisor).get(reverse("supervision:dashboard"))
        page = response.content.decode()
        rows = {row["kind"]: row for row in response.context["rows"]}
        assert rows[ClockKind.C2]["red"] == 4  # city and district; the other bureau is outside the remit
        assert rows[ClockKind.C2]["yellow"] == 2
        assert rows[ClockKind.C1]["yellow"] == 2
        assert page.count("<svg") == 2 and "<title>" in page
        assert "cdn" not in page.lower()
        overdue = response.context["overdue"]
        assert len(overdue) == 4 and all(o.working_days_late == 8 for o in overdue)  # 03-11 … 03-20
        assert {a["code"] for a in response.context["by_agency"]} == {"sv-city", "sv-district"}

        drilled = client.get(reverse("supervision:dashboard"), {"agency": "sv-district"})
        assert {r["kind"]: r for r in drilled.context["rows"]}[ClockKind.C2]["red"] == 2
        by_officer = client.get(reverse("supervision:dashboard"), {"officer": world.examiner.username})
        assert {r["kind"]: r for r in by_officer.context["rows"]}[ClockKind.C2]["red"] == 2
        by_item = client.get(reverse("supervision:dashboard"), {"item": "sv-food"})
        assert {r["kind"]: r for r in by_item.context["rows"]}[ClockKind.C2]["yellow"] == 2

    def test_an_agency_outside_the_remit_is_an_error(self, client, world, on_today):
        response = login(client, world.supervisor).get(reverse("supervision:dashboard"), {"agency": "sv-other"})
        assert response.status_code == 200 and response.context["form"].errors["agency"]
        assert response.context["scope"].empty

    def test_weekly_tables_match_the_charts(self, client, world, on_today):
        seed(world, 1)
        response = login(client, world.chief).get(reverse("supervision:dashboard"))
        weeks = response.context["weeks"]
        assert len(weeks) == 12 and weeks[-1].week == date(2025, 3, 17)
        # Week of 03-10: the three decisions due 03-10 are missed on 03-11.
        assert {w.week: w.missed for w in weeks}[date(2025, 3, 10)] == 3
        assert weeks[-1].open_c2 == 4 and weeks[-1].overdue_c2 == 3

    def test_a_fixed_number_of_queries_whatever_the_number_of_cases(self, client, world, on_today):
        login(client, world.supervisor)
        url = reverse("supervision:dashboard")

        def count() -> int:
            client.get(url)  # warm the calendar and chart caches
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            return len(queries)

        seed(world, 3)
        small = count()
        seed(world, 6)
        assert count() == small
        assert small <= 16


class TestApplicationPage:
    def test_clocks_cards_and_cases(self, client, world, on_today):
        application = accepted_case(world.item, date(2025, 2, 10), examiner=world.examiner)
        supervision_warnings(beijing(TODAY, 1))
        page = login(client, world.chief).get(reverse("supervision:application", args=[application.number]))
        assert page.status_code == 200
        text = page.content.decode()
        assert "2025-03-10" in text and "tag-red" in text
        assert SupervisionCase.objects.get().reference in text


class TestCasePages:
    @pytest.fixture
    def case(self, world):
        accepted_case(world.item, date(2025, 2, 10), examiner=world.examiner)
        supervision_warnings(beijing(TODAY, 1))
        return SupervisionCase.objects.get()

    def test_agency_staff_read_and_answer_their_own_cases(self, client, world, case, on_today):
        login(client, world.examiner)
        listing = client.get(reverse("supervision:cases"))
        assert listing.status_code == 200 and case.reference in listing.content.decode()
        detail = client.get(reverse("supervision:case", args=[case.pk]))
        assert detail.context["can_respond"] and not detail.context["can_close"]
        empty = client.post(reverse("supervision:case_respond", args=[case.pk]), {"response": ""})
        assert empty.status_code == 400
        done = client.post(reverse("supervision:case_respond", args=[case.pk]), {"response": "已于3月18日作出决定。"})
        assert done.status_code == 302
        case.refresh_from_db()
        assert case.status == SupervisionCaseStatus.RESPONDED
        assert client.post(reverse("supervision:case_close", args=[case.pk]), {"conclusion": "x"}).status_code == 403

    def test_other_agencies_do_not_see_the_case(self, client, world, case, on_today):
        login(client, world.outsider)
        assert case.reference not in client.get(reverse("supervision:cases")).content.decode()
        assert client.get(reverse("supervision:case", args=[case.pk])).status_code == 404
        assert client.post(reverse("supervision:case_respond", args=[case.pk]), {"response": "x"}).status_code == 404

    def test_the_supervisor_closes(self, client, world, case, on_today):
        login(client, world.supervisor)
        detail = client.get(reverse("supervision:case", args=[case.pk]))
        assert detail.context["can_close"] and not detail.context["can_respond"]
        assert client.post(reverse("supervision:case_respond", args=[case.pk]), {"response": "x"}).status_code == 403
        response = client.post(reverse("supervision:case_close", args=[case.pk]), {"conclusion": "责令改正。"})
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == SupervisionCaseStatus.CLOSED

    def test_administrators_read_but_do_not_act(self, client, world, case, administrator, on_today):
        login(client, administrator)
        detail = client.get(reverse("supervision:case", args=[case.pk]))
        assert detail.status_code == 200 and not detail.context["can_close"]
        assert client.post(reverse("supervision:case_close", args=[case.pk]), {"conclusion": "x"}).status_code == 403


def compliance_cases(world):
    met = accepted_case(world.item, date(2025, 2, 10), examiner=world.examiner)
    Clock.objects.filter(application=met, kind=ClockKind.C2).update(state=ClockState.STOPPED,
                                                                    stopped_on=date(2025, 3, 5))
    accepted_case(world.item, date(2025, 2, 10), examiner=world.examiner)  # missed on 03-11, overdue
    with time_machine.travel(beijing(date(2025, 3, 12)), tick=False):
        rating = Rating.objects.create(application=met, rater=met.applicant, level=RatingLevel.DISSATISFIED)
        Rectification.objects.create(rating=rating, application=met, agency=world.city, opened_on=date(2025, 3, 12),
                                     contact_due_on=date(2025, 3, 13), rectify_due_on=date(2025, 4, 2))


class TestCompliance:
    params = {"from": "2025-03-01", "to": "2025-03-31"}

    def test_page_shows_the_figures(self, client, world, on_today):
        compliance_cases(world)
        response = login(client, world.chief).get(reverse("supervision:compliance"), self.params)
        assert response.status_code == 200
        report = response.context["report"]
        city = {r.code: r for r in report.agencies}["sv-city"]
        assert (city.clocks["C2"].met, city.clocks["C2"].missed, city.overdue_now, city.bad_ratings) == (1, 1, 1, 1)
        assert "50.0%" in response.content.decode()

    def test_bad_filters_are_reported(self, client, world, on_today):
        login(client, world.supervisor)
        response = client.get(reverse("supervision:compliance"), {"from": "2025-04-01", "to": "2025-03-01"})
        assert response.status_code == 400 and response.context["report"] is None
        response = client.get(reverse("supervision:compliance"), {"agency": "sv-other"})
        assert response.status_code == 400
        assert client.get(reverse("supervision:compliance_csv"), {"agency": "nope"}).status_code == 400

    def test_csv_export_is_streamed(self, client, world, on_today):
        compliance_cases(world)
        response = login(client, world.chief).get(reverse("supervision:compliance_csv"), self.params)
        assert response.status_code == 200 and response.streaming
        assert response["Content-Disposition"].endswith('xuke-compliance-20250301-20250331.csv"')
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        city = next(r for r in rows if r["scope"] == "agency" and r["code"] == "sv-city")
        assert (city["C2_met"], city["C2_missed"], city["C2_on_time_rate"]) == ("1", "1", "0.5000")
        assert city["name"] == "市市场监督管理局" and city["bad_ratings"] == "1"
        officer = next(r for r in rows if r["scope"] == "officer")
        assert officer["code"] == "sv-examiner" and officer["agency"] == "sv-city" and officer["C1_met"] == ""

    def test_pdf_report_reads_back_with_chinese(self, client, world, on_today):
        compliance_cases(world)
        response = login(client, world.chief).get(reverse("supervision:compliance_pdf"), self.params)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        assert "合规记录" in text and "市市场监督管理局" in text and "2025-03-01" in text

    def test_queries_fixed(self, client, world, on_today):
        login(client, world.chief)
        url = reverse("supervision:compliance")

        def count() -> int:
            client.get(url, self.params)
            with CaptureQueriesContext(connection) as queries:
                client.get(url, self.params)
            return len(queries)

        seed(world, 2)
        small = count()
        seed(world, 6)
        assert count() == small


class TestRectifications:
    def test_list_with_deadlines_and_status(self, client, world, on_today):
        compliance_cases(world)
        response = login(client, world.supervisor).get(reverse("supervision:rectifications"))
        assert response.status_code == 200
        (row,) = response.context["page"]
        assert row.contact_late and not row.rectify_late
        text = response.content.decode()
        assert "2025-03-13" in text and "2025-04-02" in text
        assert login(client, world.chief).get(reverse("supervision:rectifications"), {"status": "done"}).context[
            "page"
        ].paginator.count == 0
        lone = response = client.get(reverse("supervision:rectifications"), {"status": "late"})
        assert lone.context["page"].paginator.count == 1
