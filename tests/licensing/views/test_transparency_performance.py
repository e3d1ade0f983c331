"""Agency performance (issue 7 item 5): the on-time figures the page publishes are the ones the
pure definition gives on hand-made cases (paused, extended, deemed accepted); no share, median or
distribution for fewer than 20 cases; charts drawn on the server with a table behind each."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from licensing.calendar import calendar_for_region
from licensing.choices import ApplicationStatus, ClockKind, PauseReason, Role
from licensing.models import Application, Clock, ClockExtension, ClockPause
from licensing.rules.clocks import ClockFacts, Extension, Pause
from licensing.rules.statistics import decision_timeliness, working_days_to_decision
from licensing.selectors_public import performance_report
from licensing.services.clocks import application_clocks_recompute
from tests.factories import AgencyFactory, LicenceItemFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
D = date
SHANGHAI = ZoneInfo("Asia/Shanghai")
ACCEPTED = D(2025, 3, 3)
TODAY = D(2025, 12, 31)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def setting():
    agency = AgencyFactory(code="perf-amr", name="绩效市市场监督管理局")
    item = LicenceItemFactory(code="perf-item", name="绩效事项", agency=agency, statutory_days=20, promised_days=15)
    staff = StaffFactory(agency=agency, roles=[Role.EXAMINER, Role.HEAD])
    applicant = UserFactory(roles=[Role.APPLICANT])
    return {"agency": agency, "item": item, "staff": staff, "applicant": applicant}


_seq = iter(range(1, 10_000))


def decided(setting, *, decided_on: date, accepted_on: date = ACCEPTED, pause=None, extension=None,
            deemed_received: date | None = None) -> Application:
    received = deemed_received or accepted_on
    with transaction.atomic():
        application = Application.objects.create(
            number=f"XK-2025-{next(_seq):06d}", item=setting["item"], agency=setting["agency"],
            applicant=setting["applicant"], status=ApplicationStatus.GRANTED,
            received_at=datetime(received.year, received.month, received.day, 10, tzinfo=SHANGHAI),
            accepted_on=received if deemed_received else accepted_on, deemed_accepted=bool(deemed_received),
            triaged_on=None if deemed_received else accepted_on, decided_on=decided_on,
        )
        if pause:
            ClockPause.objects.create(
                application=application, reason=PauseReason.TESTING, started_on=pause[0], ended_on=pause[1],
                expected_end_on=pause[1], notice_text="notice",
            )
        if extension:
            ClockExtension.objects.create(
                application=application, days=extension[1], reason="复杂", requested_by=setting["staff"],
                approved_by=setting["staff"], approved_on=extension[0],
            )
        application_clocks_recompute(application=application, today=TODAY)
    return application


def agency_total(report):
    (agency,) = report.agencies
    return agency.total


class TestOnTimeOnHandMadeCases:
    def test_the_published_figures_follow_the_definition(self, setting):
        cal = calendar_for_region("CN")
        testing = (D(2025, 3, 10), D(2025, 3, 14))
        ext = (D(2025, 3, 28), 10)
        cases = {
            "plain, on time": (decided(setting, decided_on=D(2025, 3, 20)), ClockFacts(start=ACCEPTED, days=20)),
            "paused: on time only because the pause does not count": (
                decided(setting, decided_on=D(2025, 4, 3), pause=testing),
                ClockFacts(start=ACCEPTED, days=20, pauses=(Pause(*testing, reason=PauseReason.TESTING),)),
            ),
            "extended: on time only because of the extension": (
                decided(setting, decided_on=D(2025, 4, 11), extension=ext),
                ClockFacts(start=ACCEPTED, days=20, extension=Extension(approved_on=ext[0], days=ext[1])),
            ),
            "deemed accepted: counted from receipt, late": (
                decided(setting, decided_on=D(2025, 4, 3), deemed_received=ACCEPTED),
                ClockFacts(start=ACCEPTED, days=20),
            ),
            "plain, late": (decided(setting, decided_on=D(2025, 4, 10)), ClockFacts(start=ACCEPTED, days=20)),
        }
        expected = {
            name: decision_timeliness(facts, decided_on=application.decided_on, cal=cal)
            for name, (application, facts) in cases.items()
        }
        # the hand-made cases mean what their names say
        assert [e.on_time for e in expected.values()] == [True, True, True, False, False]
        unpaused_due = decision_timeliness(ClockFacts(start=ACCEPTED, days=20), decided_on=ACCEPTED, cal=cal).due_on
        assert D(2025, 4, 3) > unpaused_due and D(2025, 4, 11) > unpaused_due
        # the stored clocks agree with the pure definition, case by case
        for name, (application, _facts) in cases.items():
            c2 = Clock.objects.get(application=application, kind=ClockKind.C2)
            assert c2.due_on == expected[name].due_on, name
            assert (c2.stopped_on <= c2.due_on) == expected[name].on_time, name

        total = agency_total(performance_report(year=2025, today=TODAY))
        assert (total.statutory.numerator, total.statutory.denominator) == (3, 5)
        assert total.statutory.value is None  # fewer than 20 cases: not published
        assert total.decided == 5 and total.received == 5
        assert total.median_cases == 5 and total.median_working_days is None
        from_rows = sorted(
            working_days_to_decision(stopped_on=c.stopped_on, due_on=c.due_on, total_days=c.days, cal=cal)
            for c in Clock.objects.filter(kind=ClockKind.C2)
        )
        assert from_rows == sorted(e.working_days for e in expected.values())


class TestPublication:
    def make_many(self, setting, n: int, late: int = 0) -> None:
        for i in range(n):
            decided(setting, decided_on=D(2025, 4, 30) if i < late else D(2025, 3, 20))

    def test_fewer_than_twenty_cases_are_not_shown(self, client, setting):
        self.make_many(setting, 19)
        page = client.get(reverse("public:performance"), {"year": 2025}).content.decode()
        assert "fewer than 20 cases — not shown" in page
        body = page.split("Every agency and item")[1].split("<tbody>")[1].split("</tbody>")[0]
        assert "%" not in body and "19" in body  # the count is shown, the shares are not
        assert client.get(reverse("public:performance_chart", args=["on-time"]), {"year": 2025}).status_code == 404

    def test_twenty_cases_are_shown_with_charts_and_tables(self, client, setting):
        self.make_many(setting, 20, late=5)
        response = client.get(reverse("public:performance"), {"year": 2025})
        page = response.content.decode()
        assert "75.0%" in page  # 15 of 20 on time
        assert "15 of 20" in page
        assert '<img src="/performance/charts/on-time.png?year=2025"' in page
        chart = client.get(reverse("public:performance_chart", args=["on-time"]), {"year": 2025})
        assert chart.status_code == 200 and chart["Content-Type"] == "image/png"
        assert chart.content[:8] == b"\x89PNG\r\n\x1a\n"
        median = client.get(reverse("public:performance_chart", args=["median"]), {"year": 2025})
        assert median.status_code == 200
        # every definition is on the page
        for term in ("On time (statutory limit)", "On time (promised limit)", "Median working days to decision",
                     "Backlog", "Overdue", "Satisfaction", "Minimum number of cases"):
            assert f"<dt>{term}</dt>" in page

    def test_satisfaction_distribution_from_twenty_ratings(self, client, setting):
        from licensing.models import Rating

        self.make_many(setting, 20)
        for i, application in enumerate(Application.objects.all()):
            Rating.objects.create(application=application, rater=setting["applicant"], level=1 if i < 15 else 5)
        year = Rating.objects.first().created_at.year
        report = performance_report(year=year, today=TODAY)
        total = agency_total(report)
        assert total.satisfaction.percent_list == [75.0, 0.0, 0.0, 0.0, 25.0]
        chart = client.get(reverse("public:performance_chart", args=["satisfaction"]), {"year": year})
        assert chart.status_code == 200

    def test_backlog_and_overdue_are_counted_today(self, setting):
        with transaction.atomic():
            application = Application.objects.create(
                number="XK-2025-900001", item=setting["item"], agency=setting["agency"],
                applicant=setting["applicant"], status=ApplicationStatus.UNDER_EXAMINATION,
                received_at=datetime(2025, 3, 3, 10, tzinfo=SHANGHAI), accepted_on=ACCEPTED,
            )
            application_clocks_recompute(application=application, today=TODAY)
        total = agency_total(performance_report(year=2025, today=TODAY))
        assert (total.backlog, total.overdue) == (1, 1)
        assert agency_total(performance_report(year=2025, today=ACCEPTED + timedelta(days=1))).overdue == 0
