"""The licensing flow walked through the real workbench URLs, role by role (style.md 22): take the
task (assign), do it (execute), and check the process, the tasks and the legal status; 403 for
the wrong role and for an officer of another agency. Each test names the transition and its
article (law.md §2b)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS
from viewflow.workflow.timers import fire_due_timers

from licensing.choices import ApplicationStatus as S
from licensing.choices import DecisionKind, NonAcceptanceGround, PauseReason, Role
from licensing.models import ActionLogEntry, Application, ClockExtension, Licence
from licensing.services import applications as svc
from tests.factories import LicenceItemFactory, StaffFactory
from tests.workflows.helpers import (
    SHANGHAI,
    act,
    at,
    open_nodes,
    open_task,
    process_of,
    status_of,
    submit,
    task_url,
)
from workflows.flows import LicensingFlow
from workflows.services import end_of_day, processes_follow_applications, task_cancel, task_revive

pytestmark = pytest.mark.django_db


def take(client, user, task):
    """The officer signs in and takes the task from the queue (viewflow's assign page)."""
    client.force_login(user)
    response = client.post(task_url(task, "assign"))
    assert response.status_code == 302, response
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and task.owner == user
    return task


def timers_of(task: Task):
    return Task.objects.filter(previous=task, flow_task_type="TIMER")


def accepted(client, clerk, application):
    with at("2025-01-21"):
        task = take(client, clerk, open_task(application, "triage"))
        assert act(client, task, "accept").status_code == 302
    return application


def examining(client, clerk, head, examiner, application):
    accepted(client, clerk, application)
    with at("2025-01-22"):
        task = take(client, head, open_task(application, "assign_examiner"))
        assert act(client, task, "assign-examiner", {"examiner": examiner.pk}).status_code == 302
    return open_task(application, "examine")


def drafted(client, clerk, head, examiner, application, kind=DecisionKind.GRANT):
    task = examining(client, clerk, head, examiner, application)
    client.force_login(examiner)
    with at("2025-02-05"):
        response = act(client, task, "draft-decision", {"kind": kind, "scope": "热食类食品制售", "reasons": "符合条件"})
        assert response.status_code == 302, response.content
    return open_task(application, "sign")


class TestSubmission:
    def test_submission_starts_the_process_with_triage_in_the_clerks_queue(self, submitted, clerk, client):
        """#1, Art. 29: the received application waits for a clerk's acceptance check."""
        process = process_of(submitted)
        assert process.status == PROCESS.NEW
        task = open_task(submitted, "triage")
        assert task.status == STATUS.NEW and task.owner is None
        assert task.owner_permission == "workflows.can_triage_licensingprocess"
        client.force_login(clerk)
        queue = client.get("/workbench/licensing/queue/")
        assert queue.status_code == 200 and submitted.number in queue.content.decode()

    def test_triage_deadline_is_the_end_of_c1(self, submitted):
        """Art. 32(4): C1 is 5 working days; receipt Mon 1/20 → due Sun 1/26 (a make-up working day)."""
        timer = timers_of(open_task(submitted, "triage")).get()
        assert timer.status == STATUS.SCHEDULED
        assert timer.scheduled == end_of_day(date(2025, 1, 26)) == datetime(2025, 1, 27, tzinfo=SHANGHAI)

    def test_starting_twice_is_idempotent(self, submitted):
        from workflows.services import process_start_for

        assert process_start_for(submitted) == process_of(submitted)


class TestTriage:
    def test_accept_art_32_5_moves_the_case_to_examiner_assignment(self, submitted, clerk, client):
        """#7, Art. 32(5): acceptance ends triage (its timer too) and opens the examiner assignment."""
        triage = open_task(submitted, "triage")
        accepted(client, clerk, submitted)
        triage.refresh_from_db()
        assert triage.status == STATUS.DONE and triage.owner == clerk
        assert set(timers_of(triage).values_list("status", flat=True)) == {STATUS.CANCELED}
        assert status_of(submitted) == S.ACCEPTED
        assert open_nodes(submitted) == ["assign_examiner"]

    def test_one_time_supplement_notice_art_32_4_waits_for_the_applicant(
        self, submitted, clerk, applicant, client, requirements, django_capture_on_commit_callbacks
    ):
        """#4–#5, Art. 32(4): the notice lists every item at once; the case waits for the applicant,
        then the clerk reviews the supplement and accepts."""
        with at("2025-01-22"):
            task = take(client, clerk, open_task(submitted, "triage"))
            response = act(
                client,
                task,
                "request-supplement",
                {f"req_{requirements[1].pk}": "平面图缺少比例尺", "how_to_submit": "在线补正"},
            )
            assert response.status_code == 302
        assert status_of(submitted) == S.SUPPLEMENT_REQUIRED
        assert open_nodes(submitted) == ["await_supplement"]
        with at("2025-01-23"), django_capture_on_commit_callbacks(execute=True):
            svc.supplement_mark_met(application=submitted, actor=applicant, requirement_ids=[requirements[1].pk])
        assert open_nodes(submitted) == ["review_supplement"]
        with at("2025-01-24"):
            task = take(client, clerk, open_task(submitted, "review_supplement"))
            assert act(client, task, "accept").status_code == 302
        application = Application.objects.get(pk=submitted.pk)
        assert application.status == S.ACCEPTED and application.accepted_on == date(2025, 1, 23)
        assert open_nodes(submitted) == ["assign_examiner"]

    def test_not_accept_art_32_2_ends_the_process(self, submitted, clerk, client):
        """#2, Art. 32(2): refused for lack of powers, naming the competent organ; the flow ends."""
        with at("2025-01-21"):
            task = take(client, clerk, open_task(submitted, "triage"))
            response = act(
                client,
                task,
                "not-accept",
                {
                    "ground": NonAcceptanceGround.OUTSIDE_POWERS,
                    "reasons": "属于区级事权",
                    "competent_organ": "浦东新区",
                },
            )
        assert response.status_code == 302
        assert status_of(submitted) == S.NOT_ACCEPTED
        assert process_of(submitted).status == PROCESS.DONE
        assert not Task.objects.filter(process=process_of(submitted), status__in=[STATUS.NEW, STATUS.SCHEDULED])

    def test_refusal_by_the_service_is_shown_on_the_form_art_32_2(self, submitted, clerk, client):
        """A DomainError is a form error, not a 500: outside powers needs the competent organ."""
        with at("2025-01-21"):
            task = take(client, clerk, open_task(submitted, "triage"))
            response = act(
                client, task, "not-accept", {"ground": NonAcceptanceGround.OUTSIDE_POWERS, "reasons": "属于区级事权"}
            )
        assert response.status_code == 200
        assert "Name the competent organ" in response.content.decode()
        assert status_of(submitted) == S.RECEIVED
        assert open_task(submitted, "triage").status == STATUS.ASSIGNED

    def test_correct_on_the_spot_art_32_3_keeps_the_triage_open(self, submitted, clerk, client):
        """#3, Art. 32(3): the correction is recorded; C1 runs on and the clerk still triages."""
        with at("2025-01-21"):
            task = take(client, clerk, open_task(submitted, "triage"))
            response = act(client, task, "correct-on-the-spot", {"correction": "更正了门牌号"})
        assert response.status_code == 302 and response["Location"] == task_url(task, "execute")
        assert open_task(submitted, "triage").status == STATUS.ASSIGNED
        assert ActionLogEntry.objects.filter(application=submitted, action="correct_on_spot").count() == 1

    def test_deemed_acceptance_art_32_4_by_the_sweep_moves_the_flow_on(self, submitted, clerk):
        """#8, Art. 32(4): no notice within C1 → the sweep deems it accepted on the working day
        after C1 ran out; the triage task and its timer are cancelled and the case goes on."""
        triage = open_task(submitted, "triage")
        with at("2025-01-26", hour=23):
            call_command("sweep", stdout=open("/dev/null", "w"))
        assert status_of(submitted) == S.RECEIVED and open_nodes(submitted) == ["triage"]
        with at("2025-01-27", hour=0):
            call_command("sweep", stdout=open("/dev/null", "w"))
        assert status_of(submitted) == S.DEEMED_ACCEPTED
        triage.refresh_from_db()
        assert triage.status == STATUS.CANCELED
        assert set(timers_of(triage).values_list("status", flat=True)) <= {STATUS.CANCELED, STATUS.DONE}
        assert open_nodes(submitted) == ["assign_examiner"]
        with at("2025-01-27", hour=1):
            assert processes_follow_applications(datetime.now(SHANGHAI)) == 0  # idempotent

    def test_supplement_request_refused_after_deemed_acceptance(self, submitted, clerk, client, requirements):
        """Art. 32(4): once deemed accepted, the triage page is gone and the act is refused (409)."""
        triage = open_task(submitted, "triage")
        take(client, clerk, triage)
        with at("2025-01-27", hour=0):
            call_command("sweep", stdout=open("/dev/null", "w"))
            response = act(
                client, triage, "request-supplement", {f"req_{requirements[0].pk}": "缺", "how_to_submit": "在线"}
            )
        assert response.status_code == 409
        assert "already been dealt with" in response.content.decode()
        assert status_of(submitted) == S.DEEMED_ACCEPTED


class TestExamination:
    def test_assign_examiner_art_34_puts_the_case_in_the_examiners_inbox(
        self, submitted, clerk, head, examiner, client
    ):
        """#11, Art. 34: the head hands the case to an examiner; examination lands in their inbox."""
        task = examining(client, clerk, head, examiner, submitted)
        assert status_of(submitted) == S.UNDER_EXAMINATION
        assert task.status == STATUS.ASSIGNED and task.owner == examiner
        client.force_login(examiner)
        inbox = client.get("/workbench/licensing/inbox/")
        assert submitted.number in inbox.content.decode()

    def test_verification_art_34_3_and_pause_art_45_are_steps_inside_examination(
        self, submitted, clerk, head, examiner, examiner2, client
    ):
        """#12, #14, Arts. 34(3), 45: two-officer verification; an excluded procedure pauses C2
        and its resumption moves the examination deadline."""
        task = examining(client, clerk, head, examiner, submitted)
        timer = timers_of(task).get()
        before = timer.scheduled
        client.force_login(examiner)
        with at("2025-01-23"):
            response = act(
                client, task, "verify", {"officers": [examiner.pk, examiner2.pk], "findings": "现场与材料一致"}
            )
            assert response.status_code == 302
            response = act(
                client,
                task,
                "pause",
                {
                    "reason": PauseReason.EXPERT_REVIEW,
                    "expected_end_on": "2025-02-10",
                    "notice_text": "专家评审约10个工作日",
                },
            )
            assert response.status_code == 302
        assert status_of(submitted) == S.EXCLUDED_PROCEDURE
        assert open_task(submitted, "examine").pk == task.pk
        with at("2025-02-12"):
            assert act(client, task, "resume").status_code == 302
        assert status_of(submitted) == S.UNDER_EXAMINATION
        timer.refresh_from_db()
        assert timer.scheduled > before  # the paused days moved the deadline

    def test_extension_art_42_goes_to_the_head_and_back(self, submitted, clerk, head, examiner, client):
        """#20, Art. 42: the examiner asks, the head approves (+10 WD, notice D5), examination resumes."""
        task = examining(client, clerk, head, examiner, submitted)
        client.force_login(examiner)
        with at("2025-02-10"):
            assert act(client, task, "request-extension", {"reason": "需要补充现场核查"}).status_code == 302
            assert open_nodes(submitted) == ["approve_extension"]
            approval = take(client, head, open_task(submitted, "approve_extension"))
            page = client.get(task_url(approval, "execute"))
            assert "需要补充现场核查" in page.content.decode()
            assert act(client, approval, "approve-extension", {"reason": "需要补充现场核查"}).status_code == 302
        extension = ClockExtension.objects.get(application=submitted)
        assert extension.requested_by == examiner and extension.approved_by == head and extension.days == 10
        again = open_task(submitted, "examine")
        assert again.owner == examiner and again.status == STATUS.ASSIGNED
        assert not process_of(submitted).extension_requested_by_id

    def test_head_may_decline_the_extension(self, submitted, clerk, head, examiner, client):
        task = examining(client, clerk, head, examiner, submitted)
        client.force_login(examiner)
        with at("2025-02-10"):
            act(client, task, "request-extension", {"reason": "需要补充现场核查"})
            approval = take(client, head, open_task(submitted, "approve_extension"))
            assert act(client, approval, "decline-extension", {"note": "期限内可完成"}).status_code == 302
        assert not ClockExtension.objects.filter(application=submitted).exists()
        assert open_task(submitted, "examine").owner == examiner
        approval.refresh_from_db()
        assert approval.data.get("note") == "期限内可完成"

    def test_head_returns_the_draft_and_the_examiner_redrafts(self, submitted, clerk, head, examiner, client):
        """Art. 38: the head sends the unsigned draft back; it returns to the same examiner."""
        sign = drafted(client, clerk, head, examiner, submitted)
        with at("2025-02-06"):
            take(client, head, sign)
            assert act(client, sign, "return-decision", {"note": "范围表述不准确"}).status_code == 302
        assert status_of(submitted) == S.UNDER_EXAMINATION
        assert open_task(submitted, "examine").owner == examiner

    def test_grant_signed_art_38_1_then_certificate_art_44_ends_the_process(
        self, submitted, clerk, head, examiner, client
    ):
        """#21, #25, Arts. 38(1), 44: the head signs the grant; a clerk issues the licence."""
        sign = drafted(client, clerk, head, examiner, submitted)
        with at("2025-02-06"):
            take(client, head, sign)
            page = client.get(task_url(sign, "execute"))
            assert "热食类食品制售" in page.content.decode()  # the draft is shown for signature
            assert act(client, sign, "sign-decision").status_code == 302
        assert status_of(submitted) == S.GRANTED
        certificate = open_task(submitted, "issue_certificate")
        assert timers_of(certificate).get().scheduled.date() > date(2025, 2, 6)  # C6
        with at("2025-02-07"):
            take(client, clerk, certificate)
            assert act(client, certificate, "issue-certificate").status_code == 302
        assert status_of(submitted) == S.CERTIFICATE_ISSUED
        assert Licence.objects.filter(application=submitted).exists()
        process = process_of(submitted)
        assert process.status == PROCESS.DONE
        assert not Task.objects.filter(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.SCHEDULED])

    def test_denial_art_38_2_ends_the_process(self, submitted, clerk, head, examiner, client):
        sign = drafted(client, clerk, head, examiner, submitted, kind=DecisionKind.DENIAL)
        with at("2025-02-06"):
            take(client, head, sign)
            assert act(client, sign, "sign-decision").status_code == 302
        assert status_of(submitted) == S.DENIED
        assert process_of(submitted).status == PROCESS.DONE


class TestOnTheSpot:
    @pytest.fixture
    def spot_item(self, agency):
        return LicenceItemFactory(code="spot-item", agency=agency, on_the_spot=True)

    def test_on_the_spot_decision_art_34_2(self, spot_item, applicant, clerk, head, client):
        """#9, Art. 34(2): where the item allows, the head decides at once after acceptance."""
        application = submit(spot_item, applicant)
        accepted(client, clerk, application)
        assert open_nodes(application) == ["decide_on_the_spot"]
        with at("2025-01-21", hour=11):
            task = take(client, head, open_task(application, "decide_on_the_spot"))
            assert (
                act(client, task, "decide-on-the-spot", {"kind": DecisionKind.GRANT, "scope": "当场许可"}).status_code
                == 302
            )
        assert status_of(application) == S.GRANTED
        assert open_nodes(application) == ["issue_certificate"]

    def test_head_may_send_an_on_the_spot_case_to_examination(
        self, spot_item, applicant, clerk, head, examiner, client
    ):
        application = submit(spot_item, applicant)
        accepted(client, clerk, application)
        with at("2025-01-21", hour=11):
            task = take(client, head, open_task(application, "decide_on_the_spot"))
            assert act(client, task, "assign-examiner", {"examiner": examiner.pk}).status_code == 302
        assert open_task(application, "examine").owner == examiner


class TestWithdrawal:
    def test_withdrawal_cancels_the_process_and_its_timers(
        self, submitted, clerk, head, examiner, applicant, client, django_capture_on_commit_callbacks
    ):
        """#23: the applicant withdraws before the decision; every open step and timer is cancelled."""
        task = examining(client, clerk, head, examiner, submitted)
        with at("2025-01-23"), django_capture_on_commit_callbacks(execute=True):
            svc.application_withdraw(application=submitted, actor=applicant, reason="不再经营")
        process = process_of(submitted)
        assert process.status == PROCESS.CANCELED
        task.refresh_from_db()
        assert task.status == STATUS.CANCELED
        assert not Task.objects.filter(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.SCHEDULED])

    def test_withdrawal_is_followed_by_the_sweep_when_the_process_was_busy(self, submitted, applicant):
        with at("2025-01-21"):
            svc.application_withdraw(application=submitted, actor=applicant)  # on_commit hooks not run here
        assert process_of(submitted).status == PROCESS.NEW
        with at("2025-01-21", hour=11):
            assert processes_follow_applications(datetime.now(SHANGHAI)) == 1
        assert process_of(submitted).status == PROCESS.CANCELED


class TestPermission:
    def test_wrong_role_may_not_take_or_do_the_task(self, submitted, examiner, head, client):
        task = open_task(submitted, "triage")
        for user in (examiner, head):
            client.force_login(user)
            assert client.post(task_url(task, "assign")).status_code == 403
            assert act(client, task, "accept").status_code == 403
        assert status_of(submitted) == S.RECEIVED

    def test_officer_of_another_agency_gets_403_everywhere(self, submitted, outsider, clerk, client):
        task = open_task(submitted, "triage")
        process = process_of(submitted)
        client.force_login(outsider)  # a clerk, but of the neighbouring agency
        for name in ("index", "detail", "assign", "execute"):
            assert client.get(task_url(task, name)).status_code == 403, name
        assert client.post(task_url(task, "assign")).status_code == 403
        assert client.get(f"/workbench/licensing/{process.pk}/").status_code == 403
        assert client.get(f"/workbench/licensing/{process.pk}/chart/").status_code == 403
        for listing in ("queue", "inbox", "tasks", "flows", ""):
            page = client.get(f"/workbench/licensing/{listing}/" if listing else "/workbench/licensing/")
            assert page.status_code == 200 and submitted.number not in page.content.decode(), listing
        take(client, clerk, task)
        client.force_login(outsider)
        assert act(client, task, "accept").status_code == 403
        assert status_of(submitted) == S.RECEIVED

    def test_task_of_one_process_cannot_be_reached_through_another(self, item, applicant, requirements, clerk, client):
        first, second = submit(item, applicant), submit(item, applicant)
        task = open_task(second, "triage")
        client.force_login(clerk)
        url = task.flow_task.reverse("assign", args=[process_of(first).pk, task.pk])
        assert client.post(url).status_code == 404

    def test_another_officer_holding_the_task_gets_a_conflict_page(self, submitted, clerk, agency, client):
        colleague = StaffFactory(username="clerk2", agency=agency, roles=[Role.CLERK])
        task = take(client, clerk, open_task(submitted, "triage"))
        client.force_login(colleague)
        response = client.post(task_url(task, "assign"))
        assert response.status_code == 409 and "already taken" in response.content.decode()

    def test_anonymous_is_sent_to_sign_in(self, submitted, client):
        response = client.get(task_url(open_task(submitted, "triage"), "detail"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class TestTimer:
    def test_overdue_triage_is_reported_to_the_head_without_interrupting(
        self, submitted, agency, django_capture_on_commit_callbacks
    ):
        """The non-interrupting C1 timer fires at the end of the due day and tells the head; the
        legal effect (deemed acceptance) is the licensing sweep's."""
        agency.head = StaffFactory(username="boss", agency=agency, roles=[Role.HEAD], email="boss@example.org")
        agency.save()
        with at("2025-01-27", hour=0), django_capture_on_commit_callbacks(execute=True):
            assert fire_due_timers() == 1
        assert open_task(submitted, "triage").status == STATUS.NEW
        assert [m.to for m in mail.outbox if "Overdue" in m.subject] == [["boss@example.org"]]

    def test_cancel_and_revive_handle_the_timeout_task(self, submitted):
        """viewflow.md trap 9: our cancel also cancels the timer; revive arms a fresh one."""
        triage = open_task(submitted, "triage")
        task_cancel(triage)
        assert set(timers_of(triage).values_list("status", flat=True)) == {STATUS.CANCELED}
        triage.refresh_from_db()
        revived = task_revive(triage)
        assert revived.status == STATUS.NEW
        assert timers_of(revived).get().status == STATUS.SCHEDULED
        scheduled = Task.objects.filter(process=revived.process, flow_task=LicensingFlow.triage__timeout)
        assert scheduled.filter(status=STATUS.SCHEDULED).count() == 1

    def test_timer_that_fires_early_after_a_pause_rearms(self, submitted, clerk, head, examiner, client):
        task = examining(client, clerk, head, examiner, submitted)
        timer = timers_of(task).get()
        Task.objects.filter(pk=timer.pk).update(scheduled=datetime(2025, 1, 23, tzinfo=SHANGHAI))
        with at("2025-01-23", hour=12):
            assert fire_due_timers() == 1
        armed = timers_of(task).filter(status=STATUS.SCHEDULED).get()
        assert armed.scheduled > datetime(2025, 1, 24, tzinfo=SHANGHAI) + timedelta(days=10)


GRANT_DRAFT = svc.DecisionDraft(kind=DecisionKind.GRANT, scope="经营")


def _advance(application, step, *, clerk, head, examiner, capture):
    """Bring the application to ``step`` through the services, the flow following each act after
    its commit (``capture`` runs the on-commit hooks)."""
    from workflows.acts import ACTS
    from workflows.services import act_perform

    acts = [
        lambda: svc.application_accept(application=application, actor=clerk),
        lambda: svc.application_assign_examiner(application=application, actor=head, examiner=examiner),
    ]
    if step == "approve_extension":
        acts.append(
            lambda: act_perform(
                act=ACTS["request-extension"], application=application, actor=examiner, data={"reason": "复核"}
            )
        )
    else:
        acts += [
            lambda: svc.decision_draft(application=application, actor=examiner, draft=GRANT_DRAFT),
            lambda: svc.decision_sign(application=application, actor=head),
        ]
    stop = {"triage": 0, "assign_examiner": 1, "examine": 2, "approve_extension": 3, "sign": 3, "issue_certificate": 4}
    for perform in acts[: stop[step]]:
        with capture(execute=True):
            perform()


class TestStepPermissions:
    """Every step: its role in the agency may act; another role of the agency and the same role
    in another agency get 403 — on the task pages and through the API."""

    STEPS = {
        "triage": (Role.CLERK, Role.EXAMINER, "accept"),
        "assign_examiner": (Role.HEAD, Role.EXAMINER, "assign-examiner"),
        "examine": (Role.EXAMINER, Role.CLERK, "draft-decision"),
        "approve_extension": (Role.HEAD, Role.CLERK, "approve-extension"),
        "sign": (Role.HEAD, Role.EXAMINER, "sign-decision"),
        "issue_certificate": (Role.CLERK, Role.HEAD, "issue-certificate"),
    }

    @pytest.mark.parametrize("step", list(STEPS))
    def test_only_the_steps_role_in_the_handling_agency(
        self, step, submitted, clerk, head, examiner, agency, other_agency, client, django_capture_on_commit_callbacks
    ):
        from rest_framework.test import APIClient

        role, wrong_role, act_name = self.STEPS[step]
        with at("2025-01-22"):
            _advance(
                submitted, step, clerk=clerk, head=head, examiner=examiner, capture=django_capture_on_commit_callbacks
            )
        task = open_task(submitted, step)
        wrong = StaffFactory(agency=agency, roles=[wrong_role])
        foreign = StaffFactory(agency=other_agency, roles=[role])
        before = status_of(submitted)
        with at("2025-01-23"):
            for user in (wrong, foreign):
                client.force_login(user)
                for name in ("assign", "execute"):
                    assert client.get(task_url(task, name)).status_code == 403, (user, name)
                assert client.post(task_url(task, "assign")).status_code == 403
                api = APIClient()
                api.force_authenticate(user)
                response = api.post(f"/api/v1/applications/{submitted.number}/{act_name}/", {}, format="json")
                assert response.status_code == 403, (user, response.json())
            right = task.owner or StaffFactory(agency=agency, roles=[role])
            client.force_login(right)
            url = task_url(task, "execute" if task.owner else "assign")
            assert client.get(url).status_code == 200
        assert status_of(submitted) == before
