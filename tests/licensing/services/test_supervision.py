"""E-supervision services (issue 8): yellow warnings and red cards raised on the right working day
of the 2025 calendar, exactly once across repeated and concurrent sweeps; the supervision case's
life cycle; the remit; the weekly statistics; the compliance figures on hand-made cases."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from licensing import deadlines
from licensing.choices import ApplicationStatus, ClockKind, ClockState, RatingLevel, Role
from licensing.errors import DomainError, InvalidTransition, NotAllowed
from licensing.models import (
    ActionLogEntry,
    Clock,
    Notification,
    Rating,
    Rectification,
    SupervisionCase,
    SupervisionCaseStatus,
    SupervisionWarning,
    SupervisionWeeklyStat,
)
from licensing.selectors_supervision import compliance_report, supervision_remit, supervisors_covering
from licensing.services.supervision import (
    supervision_case_close,
    supervision_case_respond,
    supervision_warnings,
    supervision_weekly_stats,
    weekly_stats_compute,
)
from tests.factories import StaffFactory
from tests.supervision_helpers import accepted_case, beijing, ensure_calendar, make_world, received_case

ACCEPTED = date(2025, 1, 24)  # Fri; 20 WD end 2025-02-27 across the Spring Festival (law.md §3.7)


@pytest.fixture
def world(db):
    ensure_calendar()
    return make_world()


def sweep_on(day: date, hour: int = 1) -> int:
    """Run the warning check as the sweep would at ``hour`` o'clock Beijing time on ``day``."""
    with time_machine.travel(beijing(day, hour), tick=False):
        return supervision_warnings(timezone.now())


class TestRegistration:
    def test_checks_are_registered_with_the_sweep(self):
        names = [name for name, _check in deadlines.CHECKS]
        assert "supervision_warnings" in names
        assert "supervision_weekly_stats" in names


class TestYellowWarning:
    def test_raised_on_the_first_day_with_three_working_days_left(self, world):
        application = accepted_case(world.item, ACCEPTED, examiner=world.examiner)
        c2 = Clock.objects.get(application=application, kind=ClockKind.C2)
        assert (c2.due_on, c2.yellow_from) == (date(2025, 2, 27), date(2025, 2, 24))

        assert sweep_on(date(2025, 2, 21)) == 0  # Friday: four working days left
        assert sweep_on(date(2025, 2, 23)) == 0  # Sunday: still four
        assert sweep_on(date(2025, 2, 24)) == 1  # Monday: three left

        warning = SupervisionWarning.objects.get()
        assert (warning.clock_kind, warning.level, warning.due_on) == ("C2", "yellow", date(2025, 2, 27))
        assert warning.working_days_left == 3
        assert warning.officer == world.examiner
        notes = Notification.objects.filter(key__startswith=f"supervision-yellow:{warning.pk}:")
        assert [n.recipient for n in notes] == [world.examiner]
        entry = ActionLogEntry.objects.get(action="supervision_yellow")
        assert entry.application == application and entry.actor is None and entry.role == "system"
        assert entry.agency_id == world.city.pk

    def test_never_repeated_by_later_sweeps(self, world):
        accepted_case(world.item, ACCEPTED, examiner=world.examiner)
        assert sweep_on(date(2025, 2, 24)) == 1
        assert sweep_on(date(2025, 2, 24), hour=12) == 0
        assert sweep_on(date(2025, 2, 25)) == 0
        assert sweep_on(date(2025, 2, 27)) == 0
        assert SupervisionWarning.objects.filter(level="yellow").count() == 1
        assert ActionLogEntry.objects.filter(action="supervision_yellow").count() == 1

    def test_acceptance_check_goes_to_the_window_clerks(self, world):
        # Received Mon 2025-03-03: C1 ends Mon 03-10, yellow from Wed 03-05 (3 WD left).
        received_case(world.item, date(2025, 3, 3))
        assert sweep_on(date(2025, 3, 4)) == 0
        assert sweep_on(date(2025, 3, 5)) == 1
        warning = SupervisionWarning.objects.get()
        assert warning.clock_kind == "C1" and warning.officer is None
        recipients = {n.recipient for n in Notification.objects.filter(key__startswith="supervision-yellow:")}
        assert recipients == {world.clerk}

    def test_email_goes_out_after_commit(self, world, django_capture_on_commit_callbacks):
        accepted_case(world.item, ACCEPTED, examiner=world.examiner)
        with django_capture_on_commit_callbacks(execute=True):
            sweep_on(date(2025, 2, 24))
        assert [m.to for m in mail.outbox] == [[world.examiner.email]]
        assert "XK-" in mail.outbox[0].subject


class TestRedCard:
    def test_raised_the_day_after_the_due_date_and_opens_a_case(self, world):
        application = accepted_case(world.item, ACCEPTED, examiner=world.examiner)
        sweep_on(date(2025, 2, 24))
        assert sweep_on(date(2025, 2, 27)) == 0  # the due date itself is still in time
        assert sweep_on(date(2025, 2, 28)) == 1

        red = SupervisionWarning.objects.get(level="red")
        assert (red.clock_kind, red.due_on, red.working_days_left) == ("C2", date(2025, 2, 27), -1)
        assert "Art. 74" in red.legal_basis
        case = SupervisionCase.objects.get()
        assert case.warning == red and case.application == application and case.agency == world.city
        assert case.status == SupervisionCaseStatus.OPEN
        assert (case.opened_on, case.response_due_on) == (date(2025, 2, 28), date(2025, 3, 7))  # 5 WD
        actions = list(ActionLogEntry.objects.filter(application=application).values_list("action", flat=True))
        assert actions[-2:] == ["supervision_red", "supervision_open"]
        recipients = {n.recipient for n in Notification.objects.filter(key__startswith=f"supervision-red:{red.pk}:")}
        assert recipients == {world.head, world.supervisor, world.chief}

    def test_skips_yellow_when_first_seen_overdue_and_is_raised_once(self, world):
        accepted_case(world.item, ACCEPTED, examiner=world.examiner)
        assert sweep_on(date(2025, 3, 4)) == 1  # the sweep was down: straight to red, 3 WD late
        assert SupervisionWarning.objects.get().working_days_left == -3
        for day in (date(2025, 3, 4), date(2025, 3, 5), date(2025, 4, 1)):
            assert sweep_on(day) == 0
        assert SupervisionCase.objects.count() == 1
        assert ActionLogEntry.objects.filter(action="supervision_red").count() == 1

    def test_a_paused_or_decided_clock_gets_no_card(self, world):
        application = accepted_case(world.item, ACCEPTED, examiner=world.examiner)
        Clock.objects.filter(application=application, kind=ClockKind.C2).update(state=ClockState.PAUSED)
        decided = accepted_case(world.item, ACCEPTED, examiner=world.examiner)
        Clock.objects.filter(application=decided, kind=ClockKind.C2).update(
            state=ClockState.STOPPED, stopped_on=date(2025, 2, 20)
        )
        assert sweep_on(date(2025, 2, 24)) == 0
        assert sweep_on(date(2025, 3, 3)) == 0

    def test_a_new_due_date_may_raise_a_new_card(self, world):
        application = accepted_case(world.item, ACCEPTED, examiner=world.examiner)
        assert sweep_on(date(2025, 2, 28)) == 1
        Clock.objects.filter(application=application, kind=ClockKind.C2).update(
            due_on=date(2025, 3, 13), yellow_from=date(2025, 3, 10)  # as after a 10-day extension
        )
        assert sweep_on(date(2025, 3, 10)) == 1
        assert sweep_on(date(2025, 3, 14)) == 1
        assert SupervisionWarning.objects.filter(level="red").count() == 2

    def test_deemed_acceptance_gets_a_red_card_on_the_acceptance_check(self, world):
        received_case(
            world.item,
            date(2025, 3, 3),
            status=ApplicationStatus.DEEMED_ACCEPTED,
            deemed_accepted=True,
            accepted_on=date(2025, 3, 3),
        )
        c1 = Clock.objects.get(kind=ClockKind.C1)
        assert (c1.state, c1.due_on) == (ClockState.STOPPED, date(2025, 3, 10))
        sweep_on(date(2025, 3, 11))
        red = SupervisionWarning.objects.get(clock_kind="C1", level="red")
        assert red.due_on == date(2025, 3, 10)
        assert sweep_on(date(2025, 3, 12)) == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers and has no row locks: "
                    "concurrent sweeps are only meaningful on PostgreSQL")
class TestConcurrentSweep:
    def test_two_sweeps_at_once_raise_each_card_once(self):
        ensure_calendar()
        world = make_world()
        for _n in range(30):
            accepted_case(world.item, ACCEPTED, examiner=world.examiner)
        for _n in range(30):
            accepted_case(world.item, date(2025, 1, 27), examiner=world.examiner)  # due 03-03: yellow on 03-03
        barrier = threading.Barrier(2)
        results, errors = [], []
        now = beijing(date(2025, 3, 3), 1)

        def run():
            try:
                barrier.wait(timeout=10)
                results.append(supervision_warnings(now))
            except Exception as error:  # surfaced below
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors
        assert sum(results) == 60
        assert SupervisionWarning.objects.filter(level="red").count() == 30
        assert SupervisionWarning.objects.filter(level="yellow").count() == 30
        assert SupervisionCase.objects.count() == 30
        assert ActionLogEntry.objects.filter(action="supervision_red").count() == 30
        assert ActionLogEntry.objects.filter(action="supervision_open").count() == 30
        assert ActionLogEntry.objects.filter(action="supervision_yellow").count() == 30
        assert supervision_warnings(now) == 0


class TestRemit:
    def test_remit_of_each_role(self, world, administrator):
        chief = supervision_remit(world.chief)
        assert chief.all
        city = supervision_remit(world.supervisor)
        assert not city.all and city.agency_ids == {world.city.pk, world.district.pk}
        assert supervision_remit(administrator).all
        assert supervision_remit(world.clerk) is None
        assert supervision_remit(world.head) is None

    def test_an_unmarked_root_supervises_only_its_subtree(self, world):
        lone = StaffFactory(username="sv-lone", agency=world.other, roles=[Role.SUPERVISOR])
        assert supervision_remit(lone).agency_ids == {world.other.pk}

    def test_a_marked_office_below_the_top_does_not_see_everything(self, world):
        from licensing.models import SupervisoryOffice

        SupervisoryOffice.objects.create(agency=world.district)
        low = StaffFactory(username="sv-low", agency=world.district, roles=[Role.SUPERVISOR])
        assert supervision_remit(low).agency_ids == {world.district.pk}

    def test_supervisors_covering_an_agency(self, world):
        assert set(supervisors_covering(world.district.pk)) == {world.supervisor, world.chief}
        assert set(supervisors_covering(world.other.pk)) == {world.chief}


@pytest.fixture
def case(world):
    accepted_case(world.item, ACCEPTED, examiner=world.examiner)
    sweep_on(date(2025, 2, 28))
    return SupervisionCase.objects.get()


class TestSupervisionCaseLifeCycle:
    def test_answered_by_the_agency_and_closed_by_the_supervisor(self, world, case):
        case = supervision_case_respond(case=case, actor=world.examiner, response="已作出决定，今后加强时限管理。")
        assert case.status == SupervisionCaseStatus.RESPONDED
        assert case.responded_by == world.examiner and case.responded_at is not None
        told = {n.recipient for n in Notification.objects.filter(key__startswith=f"supervision-respond:{case.pk}:")}
        assert told == {world.supervisor, world.chief}

        case = supervision_case_close(case=case, actor=world.supervisor, conclusion="责令改正，已整改。")
        assert case.status == SupervisionCaseStatus.CLOSED and case.closed_by == world.supervisor
        entries = ActionLogEntry.objects.filter(application=case.application).order_by("seq")
        respond, close = entries.filter(action="supervision_respond").get(), entries.filter(
            action="supervision_close"
        ).get()
        assert respond.actor == world.examiner and respond.reason == "已作出决定，今后加强时限管理。"
        assert close.actor == world.supervisor and close.role == Role.SUPERVISOR
        assert close.changes["status"] == ["responded", "closed"]
        told = {n.recipient for n in Notification.objects.filter(key__startswith=f"supervision-close:{case.pk}:")}
        assert told == {world.head, world.examiner}

    def test_the_head_responds_in_the_head_role(self, world, case):
        supervision_case_respond(case=case, actor=world.head, response="说明情况")
        assert ActionLogEntry.objects.get(action="supervision_respond").role == Role.HEAD

    def test_only_the_agency_responds(self, world, case):
        for actor in (world.outsider, world.supervisor, world.district_examiner):
            with pytest.raises(NotAllowed):
                supervision_case_respond(case=case, actor=actor, response="x")
        with pytest.raises(DomainError):
            supervision_case_respond(case=case, actor=world.examiner, response="   ")

    def test_responds_once(self, world, case):
        supervision_case_respond(case=case, actor=world.examiner, response="first")
        with pytest.raises(InvalidTransition):
            supervision_case_respond(case=case, actor=world.head, response="second")

    def test_only_a_supervisor_covering_the_agency_closes(self, world, case):
        elsewhere = StaffFactory(username="sv-elsewhere", agency=world.other, roles=[Role.SUPERVISOR])
        for actor in (world.examiner, world.head, elsewhere):
            with pytest.raises(NotAllowed):
                supervision_case_close(case=case, actor=actor, conclusion="x")
        with pytest.raises(DomainError):
            supervision_case_close(case=case, actor=world.chief, conclusion="")

    def test_an_unanswered_case_can_be_closed_once(self, world, case):
        supervision_case_close(case=case, actor=world.chief, conclusion="申请已决定，结案。")
        with pytest.raises(InvalidTransition):
            supervision_case_close(case=case, actor=world.chief, conclusion="again")
        with pytest.raises(InvalidTransition):
            supervision_case_respond(case=case, actor=world.examiner, response="late")

    def test_response_days_are_configurable(self, world, settings):
        settings.XUKE_SUPERVISION_RESPONSE_DAYS = 2
        accepted_case(world.item, ACCEPTED, examiner=world.examiner)
        sweep_on(date(2025, 2, 28))
        assert SupervisionCase.objects.get().response_due_on == date(2025, 3, 4)


def hand_made(world):
    """Four C2 clocks of the city bureau examined by ``world.examiner`` and one of the district,
    built directly so the figures can be checked by hand for March 2025:

    * a: due 03-07, stopped 03-05: met, counted 03-05;
    * b: due 03-10, stopped 03-12: missed, counted 03-11;
    * c: due 03-12, still running on 03-20: missed, counted 03-13, overdue now;
    * d: due 04-10, running: nothing yet;
    * e (district, no examiner): due 02-27, stopped 03-03: missed, counted 02-28 (before March).
    """
    cases = {}
    for name, due, stopped, state, item, examiner in (
        ("a", date(2025, 3, 7), date(2025, 3, 5), ClockState.STOPPED, world.item, world.examiner),
        ("b", date(2025, 3, 10), date(2025, 3, 12), ClockState.STOPPED, world.item, world.examiner),
        ("c", date(2025, 3, 12), None, ClockState.RUNNING, world.item, world.examiner),
        ("d", date(2025, 4, 10), None, ClockState.RUNNING, world.item, world.examiner),
        ("e", date(2025, 2, 27), date(2025, 3, 3), ClockState.STOPPED, world.district_item, None),
    ):
        application = accepted_case(item, date(2025, 2, 10), examiner=examiner)
        Clock.objects.filter(application=application, kind=ClockKind.C2).update(
            due_on=due, stopped_on=stopped, state=state, yellow_from=due
        )
        cases[name] = application
    return cases


class TestComplianceFigure:
    def test_per_agency_and_per_officer(self, world):
        cases = hand_made(world)
        application = cases["b"]
        application.decided_on = date(2025, 3, 12)
        application.deemed_accepted = True
        application.save()
        with time_machine.travel(beijing(date(2025, 3, 13)), tick=False):
            rating = Rating.objects.create(application=application, rater=application.applicant,
                                           level=RatingLevel.VERY_DISSATISFIED)
            Rectification.objects.create(rating=rating, application=application, agency=world.city,
                                         opened_on=date(2025, 3, 13), contact_due_on=date(2025, 3, 14),
                                         rectify_due_on=date(2025, 3, 14))
            Rating.objects.create(application=cases["a"], rater=cases["a"].applicant, level=RatingLevel.SATISFIED)
        with time_machine.travel(beijing(date(2025, 3, 20)), tick=False):
            report = compliance_report(
                remit=supervision_remit(world.chief), start=date(2025, 3, 1), end=date(2025, 3, 31),
                today=date(2025, 3, 20),
            )
        by_code = {row.code: row for row in report.agencies}
        city = by_code["sv-city"]
        assert (city.clocks["C2"].met, city.clocks["C2"].missed) == (1, 2)
        assert city.clocks["C2"].percent() == "33.3%" and not city.clocks["C2"].reliable
        assert city.overdue_now == 1
        assert city.decided == 1
        assert city.bad_ratings == 1 and city.rectifications_open == 1 and city.rectifications_late == 1
        district = by_code["sv-district"]
        assert "C2" not in district.clocks or district.clocks["C2"].total == 0  # counted on 02-28
        assert by_code["sv-other"].clocks == {}
        officer = {row.code: row for row in report.officers}["sv-examiner"]
        assert (officer.clocks["C2"].met, officer.clocks["C2"].missed, officer.overdue_now) == (1, 2, 1)
        assert officer.bad_ratings == 1
        assert [o.clock.application for o in report.overdue] == [cases["c"]]
        assert report.overdue[0].working_days_late == 6  # 03-13 … 03-20

    def test_an_agency_sums_its_officers_and_the_unassigned(self, world):
        """Two examiners of the city and a case nobody examines yet: each officer answers for their
        own clocks, the agency for all three (the window's C1 counts for the agency only)."""
        hand_made(world)
        second = StaffFactory(username="sv-examiner-2", agency=world.city, roles=[Role.EXAMINER])
        for examiner, due, stopped in ((second, date(2025, 3, 6), date(2025, 3, 4)), (None, date(2025, 3, 7), None)):
            application = accepted_case(world.item, date(2025, 2, 10), examiner=examiner)
            Clock.objects.filter(application=application, kind=ClockKind.C2).update(
                due_on=due, stopped_on=stopped, state=ClockState.STOPPED if stopped else ClockState.RUNNING
            )
        report = compliance_report(
            remit=supervision_remit(world.chief), start=date(2025, 3, 1), end=date(2025, 3, 31),
            today=date(2025, 3, 20),
        )
        city = {row.code: row for row in report.agencies}["sv-city"]
        assert (city.clocks["C2"].met, city.clocks["C2"].missed, city.overdue_now) == (2, 3, 2)
        officers = {row.code: row for row in report.officers}
        first, other = officers["sv-examiner"], officers["sv-examiner-2"]
        assert (first.clocks["C2"].met, first.clocks["C2"].missed, first.overdue_now) == (1, 2, 1)
        assert (other.clocks["C2"].met, other.clocks["C2"].missed, other.overdue_now) == (1, 0, 0)
        assert "C1" not in first.clocks and "C1" not in other.clocks

    def test_february_counts_the_district_miss(self, world):
        hand_made(world)
        report = compliance_report(
            remit=supervision_remit(world.supervisor), start=date(2025, 2, 1), end=date(2025, 2, 28),
            today=date(2025, 3, 20),
        )
        by_code = {row.code: row for row in report.agencies}
        assert set(by_code) == {"sv-city", "sv-district"}  # the remit
        assert (by_code["sv-district"].clocks["C2"].met, by_code["sv-district"].clocks["C2"].missed) == (0, 1)

    def test_deemed_acceptances_count_by_receipt_date(self, world):
        received_case(world.item, date(2025, 3, 3), status=ApplicationStatus.DEEMED_ACCEPTED,
                      deemed_accepted=True, accepted_on=date(2025, 3, 3))
        received_case(world.item, date(2025, 3, 4))
        report = compliance_report(remit=supervision_remit(world.chief), start=date(2025, 3, 1),
                                   end=date(2025, 3, 31), today=date(2025, 3, 20), agency=world.city)
        (city,) = report.agencies
        assert (city.received, city.deemed_accepted) == (2, 1)


class TestWeeklyStatistics:
    def test_outcomes_and_backlog_of_a_week(self, world):
        hand_made(world)
        # Week of Mon 2025-03-10: a is met on 03-05 (the week before); b missed on 03-11; c missed on 03-13.
        weekly_stats_compute(week=date(2025, 3, 10), today=date(2025, 3, 20))
        rows = SupervisionWeeklyStat.objects.filter(week=date(2025, 3, 10), clock_kind="C2")
        assert sum(r.met for r in rows) == 0 and sum(r.missed for r in rows) == 2
        # Open at the end of Sunday 03-16: c and d (b stopped 03-12); c overdue.
        assert sum(r.open_at_end for r in rows) >= 2
        assert sum(r.overdue_at_end for r in rows) == 1

        weekly_stats_compute(week=date(2025, 3, 3), today=date(2025, 3, 20))
        rows = SupervisionWeeklyStat.objects.filter(week=date(2025, 3, 3), clock_kind="C2")
        assert sum(r.met for r in rows) == 1 and sum(r.missed for r in rows) == 0

    def test_the_sweep_keeps_the_weeks_current_once(self, world):
        hand_made(world)
        now = beijing(date(2025, 3, 20), 3)
        assert supervision_weekly_stats(now, weeks=4) == 4
        assert supervision_weekly_stats(now, weeks=4) == 0
        assert supervision_weekly_stats(beijing(date(2025, 3, 21), 3), weeks=4) == 1  # only the current week
