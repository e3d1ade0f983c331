"""The clock ledger on the database (law.md §2a, §3): ``licensing.services.clocks``.

Scenarios run on the seeded national calendar (data migration ``fill_calendar``); 2025 is the
State Council notice 国办发明电〔2024〕12号: Spring Festival block 1/28-2/4 with make-up working
days Sunday 1/26 and Saturday 2/8. ``today`` is passed in, never read from the clock."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from licensing.calendar import calendar_for_region
from licensing.choices import ApplicationStatus as S
from licensing.choices import CalendarEntryKind, ClockKind, ClockState, PauseReason
from licensing.models import ActionLogEntry, CalendarEntry, Clock, ClockExtension, ClockPause
from licensing.rules.clocks import ClockStatus
from licensing.selectors_clocks import clocks_overdue, clocks_yellow
from licensing.services.calendar import calendar_entries_import, calendar_lines_parse_text, calendar_year_publish
from licensing.services.clocks import (
    ExtensionNotAllowed,
    application_clocks_recompute,
    clock_states_for,
    extension_check,
    recompute_stale_clocks,
)
from tests.factories import ApplicationFactory, LicenceItemFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def d(text: str) -> date:
    return date.fromisoformat(text)


def shanghai(text: str) -> datetime:
    """``"2025-03-07 01:00"`` as an aware datetime in Beijing time."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def accepted_application(item, applicant, accepted_on: str, **fields):
    """An application received and accepted on ``accepted_on`` (Art. 32(5)), under examination."""
    day = d(accepted_on)
    defaults = {
        "status": S.UNDER_EXAMINATION,
        "received_at": shanghai(f"{accepted_on} 09:30"),
        "triaged_on": day,
        "accepted_on": day,
    }
    return ApplicationFactory(item=item, applicant=applicant, **{**defaults, **fields})


def recompute(application, today: str):
    with transaction.atomic():
        return application_clocks_recompute(application=application, today=d(today))


def clock(application, kind: str) -> Clock:
    return Clock.objects.get(application=application, kind=kind)


class TestAcceptanceCheck:
    """C1: 5 working days from receipt, in Beijing time (Art. 32(4))."""

    @pytest.mark.parametrize(
        ("scenario", "received", "due"),
        [
            ("receipt on an ordinary Friday", "2025-03-07 16:00", "2025-03-14"),
            # 01:00 on Friday in Beijing is still Thursday in UTC: the Beijing date counts.
            ("receipt on Friday just after midnight, Thursday in UTC", "2025-03-07 01:00", "2025-03-14"),
            ("receipt on the Friday before Spring Festival", "2025-01-24 16:00", "2025-02-07"),
            ("receipt on a Saturday is counted from the Saturday", "2025-03-08 10:00", "2025-03-14"),
        ],
    )
    def test_receipt_on_a_friday(self, item, applicant, scenario, received, due):
        application = ApplicationFactory(item=item, applicant=applicant, received_at=shanghai(received))
        states = recompute(application, received[:10])
        row = clock(application, ClockKind.C1)
        assert states[ClockKind.C1].due == d(due), scenario
        assert row.due_on == d(due)
        assert row.start_on == d(received[:10])
        assert row.state == ClockState.RUNNING
        assert row.days == 5
        assert row.calendar_version == calendar_for_region("CN").version
        assert not row.provisional

    def test_stops_on_the_triage_date(self, item, applicant):
        application = ApplicationFactory(item=item, applicant=applicant, received_at=shanghai("2025-03-07 16:00"))
        application.triaged_on = d("2025-03-10")
        application.status = S.SUPPLEMENT_REQUIRED
        application.save()
        recompute(application, "2025-03-11")
        row = clock(application, ClockKind.C1)
        assert (row.state, row.stopped_on) == (ClockState.STOPPED, d("2025-03-10"))

    def test_deemed_acceptance_stops_c1_at_its_end_and_starts_c2_on_the_receipt_date(self, item, applicant):
        """Art. 32(4): no notice within 5 WD means accepted as of the receipt date."""
        application = ApplicationFactory(
            item=item,
            applicant=applicant,
            received_at=shanghai("2025-03-07 16:00"),
            status=S.DEEMED_ACCEPTED,
            deemed_accepted=True,
            accepted_on=d("2025-03-07"),
        )
        recompute(application, "2025-03-17")
        c1, c2 = clock(application, ClockKind.C1), clock(application, ClockKind.C2)
        assert (c1.state, c1.stopped_on) == (ClockState.STOPPED, d("2025-03-14"))
        assert (c2.start_on, c2.due_on) == (d("2025-03-07"), d("2025-04-07"))


class TestDecisionClock:
    """C2: the statutory limit from acceptance (Art. 42), paused by Art. 45 procedures."""

    def test_twenty_working_days_across_spring_festival(self, item, applicant):
        """Art. 42, 82: 20 WD from Friday 2025-01-24 end on 2025-02-27 (law.md §3.7)."""
        application = accepted_application(item, applicant, "2025-01-24")
        recompute(application, "2025-01-24")
        row = clock(application, ClockKind.C2)
        assert (row.due_on, row.days, row.state) == (d("2025-02-27"), 20, ClockState.RUNNING)
        text = "\n".join(row.explanation)
        assert "Spring Festival" in text and "国办发明电〔2024〕12号" in text
        assert "2025-02-08 (Sat) as a working day" in text

    def test_pause_across_a_holiday_block(self, item, applicant):
        """Art. 45: expert review ordered Friday 1/24, result received Monday 2/10. The 7 working
        days in (1/24, 2/10] — including both make-up days — are excluded, so the due date moves
        from 2025-02-21 to 2025-03-04."""
        application = accepted_application(item, applicant, "2025-01-20")
        assert recompute(application, "2025-01-20")[ClockKind.C2].due == d("2025-02-21")
        ClockPause.objects.create(
            application=application,
            reason=PauseReason.EXPERT_REVIEW,
            started_on=d("2025-01-24"),
            expected_end_on=d("2025-02-07"),
            notice_text="专家评审约需10个工作日。",
        )
        application.status = S.EXCLUDED_PROCEDURE
        application.save()
        paused = recompute(application, "2025-02-05")[ClockKind.C2]
        assert paused.status == ClockStatus.PAUSED
        assert clock(application, ClockKind.C2).state == ClockState.PAUSED

        ClockPause.objects.filter(application=application).update(ended_on=d("2025-02-10"))
        application.status = S.UNDER_EXAMINATION
        application.save()
        state = recompute(application, "2025-02-11")[ClockKind.C2]
        row = clock(application, ClockKind.C2)
        assert state.due == row.due_on == d("2025-03-04")
        assert row.state == ClockState.RUNNING
        assert state.paused_days == 7
        assert any("expert review" in line and "7 working days excluded" in line for line in row.explanation)

    def test_promised_limit_has_its_own_due_date(self, applicant, agency):
        """承诺时限: a shorter published limit, counted from the same facts, never extended."""
        item = LicenceItemFactory(agency=agency, promised_days=10)
        application = accepted_application(item, applicant, "2025-03-03")
        states = recompute(application, "2025-03-03")
        assert states[ClockKind.C2].due == d("2025-03-31")
        assert states[ClockKind.C2_PROMISED].due == d("2025-03-17")
        item.promised_days = None
        item.save()
        application.refresh_from_db()
        recompute(application, "2025-03-04")
        assert not Clock.objects.filter(application=application, kind=ClockKind.C2_PROMISED).exists()

    def test_decision_stops_c2_and_starts_the_certificate_clock(self, item, applicant):
        """Art. 38, 44: the grant stops C2 and starts C6 (10 WD); the certificate stops C6."""
        application = accepted_application(item, applicant, "2025-03-03", status=S.GRANTED, decided_on=d("2025-03-20"))
        recompute(application, "2025-03-20")
        c2, c6 = clock(application, ClockKind.C2), clock(application, ClockKind.C6)
        assert (c2.state, c2.stopped_on) == (ClockState.STOPPED, d("2025-03-20"))
        assert (c6.state, c6.start_on, c6.due_on) == (ClockState.RUNNING, d("2025-03-20"), d("2025-04-03"))
        application.status = S.CERTIFICATE_ISSUED
        application.certificate_issued_on = d("2025-03-25")
        application.save()
        recompute(application, "2025-03-25")
        c6.refresh_from_db()
        assert (c6.state, c6.stopped_on) == (ClockState.STOPPED, d("2025-03-25"))

    def test_inspection_dispatch_clock(self, applicant, agency):
        """Art. 55: inspectors go out within 5 WD of acceptance (C8); the dispatch stops it."""
        item = LicenceItemFactory(agency=agency, inspection_required=True)
        application = accepted_application(item, applicant, "2025-03-03")
        recompute(application, "2025-03-03")
        assert clock(application, ClockKind.C8).due_on == d("2025-03-10")
        application.inspection_dispatched_on = d("2025-03-05")
        application.save()
        recompute(application, "2025-03-05")
        assert clock(application, ClockKind.C8).state == ClockState.STOPPED

    def test_withdrawal_stops_every_clock_on_the_day_it_happened(self, item, applicant):
        """law.md #23 [INT]: a withdrawn application's clocks stop; the stop date stays put."""
        application = accepted_application(item, applicant, "2025-03-03")
        recompute(application, "2025-03-03")
        application.status = S.WITHDRAWN
        application.save()
        recompute(application, "2025-03-05")
        row = clock(application, ClockKind.C2)
        assert (row.state, row.stopped_on) == (ClockState.STOPPED, timezone.localdate(application.updated_at))
        stopped_on = row.stopped_on
        Clock.objects.filter(pk=row.pk).update(stopped_on=d("2025-03-04"))  # as stored earlier
        application.save()  # a later save moves updated_at …
        recompute(application, "2025-03-06")
        assert clock(application, ClockKind.C2).stopped_on == d("2025-03-04")  # … but not the stop
        assert stopped_on is not None

    def test_display_reads_without_writing(self, item, applicant):
        application = accepted_application(item, applicant, "2025-03-03")
        states = clock_states_for(application, d("2025-04-01"))
        assert states[ClockKind.C2].status == ClockStatus.OVERDUE
        assert not Clock.objects.filter(application=application).exists()


class TestExtensionCheck:
    """Art. 42: one extension, approved before the decision limit runs out."""

    @pytest.fixture
    def application(self, item, applicant):
        application = accepted_application(item, applicant, "2025-01-20")  # C2 due 2025-02-21
        recompute(application, "2025-01-20")
        return application

    def test_extension_approved_on_the_last_day_is_in_time(self, application):
        assert extension_check(application=application, approved_on=d("2025-02-21")) == 10

    def test_extension_refused_after_expiry(self, application):
        with pytest.raises(ExtensionNotAllowed) as refused:
            extension_check(application=application, approved_on=d("2025-02-24"))
        assert refused.value.code == "extension_after_expiry"
        assert "ran out on 2025-02-21" in refused.value.message
        assert "Art. 42(1)" in refused.value.message

    def test_only_one_extension(self, application, head, examiner):
        ClockExtension.objects.create(
            application=application,
            days=10,
            reason="需要补充现场核查。",
            requested_by=examiner,
            approved_by=head,
            approved_on=d("2025-02-20"),
        )
        state = recompute(application, "2025-02-20")[ClockKind.C2]
        assert (state.due, state.total) == (d("2025-03-07"), 30)
        with pytest.raises(ExtensionNotAllowed) as refused:
            extension_check(application=application, approved_on=d("2025-02-21"))
        assert refused.value.code == "extension_already_extended"

    def test_no_extension_before_acceptance(self, item, applicant):
        application = ApplicationFactory(item=item, applicant=applicant, received_at=shanghai("2025-03-07 16:00"))
        with pytest.raises(ExtensionNotAllowed, match="not been accepted"):
            extension_check(application=application, approved_on=d("2025-03-10"))


class TestProvisionalDeadline:
    """law.md §3.6: past the last published year a deadline is provisional, and publishing the
    year recounts it and records the change (Art. 82)."""

    def test_recomputed_when_the_year_is_published(self, item, applicant, administrator):
        application = accepted_application(item, applicant, "2026-12-15")
        state = recompute(application, "2026-12-15")[ClockKind.C2]
        row = clock(application, ClockKind.C2)
        assert (row.due_on, row.provisional) == (d("2027-01-12"), True)
        assert state.provisional
        old_version = row.calendar_version

        lines = calendar_lines_parse_text("2027-01-01 rest New Year's Day", notice="国办发明电〔2026〕1号")
        calendar_entries_import(region="CN", lines=lines, year=2027)
        assert clock(application, ClockKind.C2).due_on == d("2027-01-12")  # not effective until published
        result = calendar_year_publish(year=2027, region="CN", actor=administrator, today=d("2026-12-20"))

        row = clock(application, ClockKind.C2)
        assert (row.due_on, row.provisional) == (d("2027-01-13"), False)
        assert row.calendar_version != old_version
        assert (result.recomputed, result.changed) == (1, 1)
        assert result.calendar_year.published and result.calendar_year.notice == "国办发明电〔2026〕1号"
        entry = ActionLogEntry.objects.get(application=application, action="recompute_clocks")
        assert entry.legal_basis == "Art. 82"
        assert entry.actor == administrator
        assert entry.changes["C2"] == {"due_on": ["2027-01-12", "2027-01-13"], "provisional": [True, False]}

        again = calendar_year_publish(year=2027, region="CN", actor=administrator, today=d("2026-12-20"))
        assert again.changed == 0
        assert ActionLogEntry.objects.filter(action="recompute_clocks").count() == 1

    def test_a_national_year_without_rest_days_cannot_be_published(self, administrator):
        from licensing.errors import DomainError

        with pytest.raises(DomainError, match="rest days"):
            calendar_year_publish(year=2028, region="CN", actor=administrator)


class TestOverdueAndYellowQueue:
    """The supervisor's queues are SQL filters over the stored columns (law.md §4, Art. 74(2)).

    C2 accepted Monday 2025-03-03: due Monday 3/31; 3 WD left from Wednesday 3/26."""

    @pytest.fixture
    def running(self, item, applicant):
        application = accepted_application(item, applicant, "2025-03-03")
        recompute(application, "2025-03-03")
        return clock(application, ClockKind.C2)

    @pytest.fixture
    def stopped(self, item, applicant):
        application = accepted_application(item, applicant, "2025-03-03", status=S.DENIED, decided_on=d("2025-03-04"))
        recompute(application, "2025-03-04")
        return clock(application, ClockKind.C2)

    @pytest.fixture
    def paused(self, item, applicant):
        application = accepted_application(item, applicant, "2025-03-03", status=S.EXCLUDED_PROCEDURE)
        ClockPause.objects.create(
            application=application,
            reason=PauseReason.TESTING,
            started_on=d("2025-03-04"),
            expected_end_on=d("2025-03-05"),
            notice_text="检测约需1个工作日。",
        )
        recompute(application, "2025-03-05")
        return clock(application, ClockKind.C2)

    @pytest.mark.parametrize(
        ("today", "overdue", "yellow"),
        [
            ("2025-03-25", False, False),  # 4 working days left
            ("2025-03-26", False, True),  # 3 left: yellow
            ("2025-03-31", False, True),  # the due date itself: still yellow, not late
            ("2025-04-01", True, False),  # one working day late: red
        ],
    )
    def test_queues_at_given_today(self, running, stopped, paused, today, overdue, yellow):
        assert (running.due_on, running.yellow_from) == (d("2025-03-31"), d("2025-03-26"))
        assert paused.state == ClockState.PAUSED
        assert list(clocks_overdue(ClockKind.C2, d(today))) == ([running] if overdue else [])
        assert list(clocks_yellow(ClockKind.C2, d(today))) == ([running] if yellow else [])
        assert not clocks_overdue(ClockKind.C1, d(today)).filter(pk=running.pk).exists()


class TestStaleClockSweep:
    """A calendar edit made anywhere is picked up by the sweep (Art. 82; law.md §3.7)."""

    def test_recomputes_clocks_counted_with_an_older_calendar(self, item, applicant):
        application = accepted_application(item, applicant, "2025-03-03")
        recompute(application, "2025-03-03")
        assert clock(application, ClockKind.C2).due_on == d("2025-03-31")
        # A correction: an extra national rest day on Friday 2025-03-14 (through save(), as the admin does).
        CalendarEntry(region="CN", date=d("2025-03-14"), kind=CalendarEntryKind.REST, name="Test", notice="X").save()
        now = shanghai("2025-03-05 02:00")
        assert recompute_stale_clocks(now) == 1
        row = clock(application, ClockKind.C2)
        assert row.due_on == d("2025-04-01")
        assert row.calendar_version == calendar_for_region("CN").version
        assert recompute_stale_clocks(now) == 0

    def test_regional_holiday_only_moves_that_regions_clocks(self, applicant, agency, other_agency):
        other_agency.region = "XJ"
        other_agency.save()
        here = accepted_application(LicenceItemFactory(agency=agency), applicant, "2025-03-03")
        there = accepted_application(LicenceItemFactory(agency=other_agency), applicant, "2025-03-03")
        recompute(here, "2025-03-03")
        recompute(there, "2025-03-03")
        CalendarEntry(region="XJ", date=d("2025-03-14"), kind=CalendarEntryKind.REST, name="Local", notice="Y").save()
        assert recompute_stale_clocks(shanghai("2025-03-05 02:00")) == 1
        assert clock(here, ClockKind.C2).due_on == d("2025-03-31")
        assert clock(there, ClockKind.C2).due_on == d("2025-04-01")
