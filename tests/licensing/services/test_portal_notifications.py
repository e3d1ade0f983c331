"""Notifications (licensing.notifications): the outbox never loses a message for a committed change,
never sends one for a rolled-back change, and sends each email exactly once however often the
worker runs; plus what is announced (state changes, documents, deadlines)."""

from __future__ import annotations

import signal
import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from licensing import notifications
from licensing.choices import ApplicationStatus as S
from licensing.choices import ClockKind, ClockState, NotificationKind
from licensing.models import Application, Clock, Licence, Notification
from licensing.services import applications as procedure
from licensing.services import portal as svc
from tests.licensing.services.test_portal import complete_draft

SHANGHAI = ZoneInfo("Asia/Shanghai")
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class Boom(Exception):
    """A crash after the state change but before the commit."""


def run_worker() -> None:
    """One batch of ``manage.py db_worker``: run every ready task, then exit (the signal handlers
    the command installs are put back afterwards)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.mark.django_db(transaction=True)
class TestOutbox:
    @pytest.mark.parametrize("tasks", [DATABASE_TASKS, None], ids=["database-backend", "immediate-backend"])
    def test_an_exception_before_commit_sends_nothing(self, portal_item, portal_applicant, tasks, settings):
        if tasks:
            settings.TASKS = tasks
        application = complete_draft(portal_item, portal_applicant)
        with pytest.raises(Boom):
            with transaction.atomic():
                svc.application_file(application=application, actor=portal_applicant)
                assert Notification.objects.filter(application=application).exists()  # written, not committed
                raise Boom
        assert Application.objects.get(pk=application.pk).status == S.DRAFT
        assert not Notification.objects.exists()
        assert not DBTaskResult.objects.exists()
        if tasks:
            run_worker()
        assert mail.outbox == []

    @override_settings(TASKS=DATABASE_TASKS)
    def test_a_committed_change_is_delivered_exactly_once_even_if_the_worker_runs_twice(
        self, portal_item, portal_applicant
    ):
        application = complete_draft(portal_item, portal_applicant)
        svc.application_file(application=application, actor=portal_applicant)
        notification = Notification.objects.get(application=application, kind=NotificationKind.STATUS)
        assert notification.email_sent_at is None and mail.outbox == []
        assert DBTaskResult.objects.count() == 1  # enqueued in the same transaction as the change

        run_worker()
        run_worker()
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["wang@example.org"]
        assert application.number in mail.outbox[0].subject

        # A redelivery (the sweep re-enqueueing, or a duplicate task) finds the email sent.
        notifications.notification_deliver.enqueue(notification.pk)
        run_worker()
        assert notifications.notification_deliver.call(notification.pk) == "already sent"
        assert len(mail.outbox) == 1
        notification.refresh_from_db()
        assert notification.email_sent_at is not None and notification.email_attempts == 1

    def test_immediate_backend_sends_once_on_commit(self, portal_item, portal_applicant):
        application = complete_draft(portal_item, portal_applicant)
        svc.application_file(application=application, actor=portal_applicant)
        assert len(mail.outbox) == 1
        assert Notification.objects.get(application=application).email_sent_at is not None

    @override_settings(TASKS=DATABASE_TASKS)
    def test_a_failed_send_is_retried_later(self, portal_item, portal_applicant, monkeypatch):
        calls = []
        real = notifications.send_mail

        def flaky(**kwargs):
            calls.append(kwargs)
            if len(calls) == 1:
                raise ConnectionRefusedError("SMTP server down")
            return real(**kwargs)

        monkeypatch.setattr(notifications, "send_mail", flaky)
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            application = complete_draft(portal_item, portal_applicant)
            svc.application_file(application=application, actor=portal_applicant)
            run_worker()
        notification = Notification.objects.get(application=application)
        assert notification.email_sent_at is None and notification.email_attempts == 1
        assert "SMTP server down" in notification.email_last_error
        assert notification.email_next_attempt_at == start + timedelta(minutes=1)
        assert mail.outbox == []
        with time_machine.travel(start + timedelta(minutes=2), tick=False):
            run_worker()
        notification.refresh_from_db()
        assert notification.email_sent_at is not None and notification.email_attempts == 2
        assert len(mail.outbox) == 1

    @override_settings(TASKS=DATABASE_TASKS)
    def test_the_sweep_enqueues_an_email_whose_task_was_lost(self, portal_item, portal_applicant):
        application = complete_draft(portal_item, portal_applicant)
        svc.application_file(application=application, actor=portal_applicant)
        DBTaskResult.objects.all().delete()  # the queue lost it (a crashed worker, a restored backup …)
        later = timezone.now() + notifications.REDELIVER_GRACE * 3
        assert notifications.notification_redeliver(later) == 1
        assert notifications.notification_redeliver(later) == 0  # not re-enqueued again at once
        run_worker()
        assert len(mail.outbox) == 1

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers")
    def test_two_workers_at_once_send_one_email(self, portal_item, portal_applicant, monkeypatch):
        with override_settings(TASKS=DATABASE_TASKS):
            application = complete_draft(portal_item, portal_applicant)
            svc.application_file(application=application, actor=portal_applicant)
        notification = Notification.objects.get(application=application)
        real = notifications.send_mail

        def slow(**kwargs):
            time.sleep(0.3)
            return real(**kwargs)

        monkeypatch.setattr(notifications, "send_mail", slow)
        results = []

        def worker():
            try:
                results.append(notifications.notification_deliver.call(notification.pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == ["already sent", "sent"]
        assert len(mail.outbox) == 1


@pytest.mark.django_db
class TestWhatIsAnnounced:
    def test_receipt_announces_the_acceptance_due_date(self, portal_item, portal_applicant):
        with time_machine.travel(datetime(2025, 3, 3, 10, tzinfo=SHANGHAI), tick=False):
            application = complete_draft(portal_item, portal_applicant)
            svc.application_file(application=application, actor=portal_applicant)
        message = Notification.objects.get(application=application)
        assert message.recipient == portal_applicant and message.read_at is None
        assert message.subject == f"Application {application.number}: received"
        assert "by 2025-03-10" in message.body  # 5 working days after Monday 3 March

    def test_every_state_change_and_document_is_announced(self, portal_item, portal_applicant, clerk):
        application = complete_draft(portal_item, portal_applicant)
        svc.application_file(application=application, actor=portal_applicant)
        procedure.application_accept(application=application, actor=clerk)
        kinds = list(Notification.objects.filter(application=application).order_by("pk").values_list("kind",
                                                                                                     flat=True))
        assert kinds == [NotificationKind.STATUS, NotificationKind.STATUS, NotificationKind.DOCUMENT]
        document = Notification.objects.filter(kind=NotificationKind.DOCUMENT).get()
        assert "受理通知书" in document.subject

    def test_the_agent_hears_too(self, portal_item, portal_applicant):
        from tests.factories import ApplicantFactory

        agent = ApplicantFactory(username="agent@example.org", email="agent@example.org")
        application = complete_draft(portal_item, portal_applicant)
        Application.objects.filter(pk=application.pk).update(agent=agent)
        application.refresh_from_db()
        with transaction.atomic():
            notifications.notify_owners(application=application, key="test", kind=NotificationKind.STATUS,
                                        subject="s", body="b")
        assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
            "wang@example.org", "agent@example.org"}

    def test_notify_refuses_to_run_outside_a_transaction(self, portal_applicant):
        # pytest-django wraps the test in a transaction; leave it to prove the guard.
        atomic = connection.in_atomic_block
        connection.in_atomic_block = False
        try:
            with pytest.raises(transaction.TransactionManagementError):
                notifications.notify(key="k", recipient=portal_applicant, kind="status", subject="s", body="b")
        finally:
            connection.in_atomic_block = atomic

    def _licence(self, application, clerk, valid_until):
        return Licence.objects.create(
            number="FOOD-2025-000001", application=application, item=application.item, agency=application.agency,
            holder_name=application.holder_name, scope="Catering", valid_from=date(2020, 1, 1),
            valid_until=valid_until, issued_on=date(2020, 1, 1), issued_by=clerk,
        )

    def test_renewal_reminders_once_per_threshold(self, portal_item, portal_applicant, clerk):
        application = complete_draft(portal_item, portal_applicant)
        self._licence(application, clerk, date(2025, 6, 30))  # 30 days' filing period (Art. 50) + 30 early

        def sweep(day):
            return notifications.licence_renewal_reminders(datetime.combine(day, datetime.min.time(), SHANGHAI))

        assert sweep(date(2025, 4, 30)) == 0  # 61 days before expiry
        assert sweep(date(2025, 5, 1)) == 1  # 60 days: "apply by 2025-05-31"
        assert sweep(date(2025, 5, 2)) == 0
        assert sweep(date(2025, 5, 31)) == 1  # 30 days: the filing period ends
        assert sweep(date(2025, 6, 1)) == 0
        reminders = Notification.objects.filter(kind=NotificationKind.DEADLINE).order_by("pk")
        assert [r.key.split(":")[2] for r in reminders] == ["60", "30"]
        assert "by 2025-05-31" in reminders[0].body and "Art. 50" in reminders[0].body

    def test_a_late_first_sweep_sends_only_the_nearest_reminder(self, portal_item, portal_applicant, clerk):
        application = complete_draft(portal_item, portal_applicant)
        self._licence(application, clerk, date(2025, 6, 30))
        now = datetime(2025, 6, 10, tzinfo=SHANGHAI)
        assert notifications.licence_renewal_reminders(now) == 1
        assert Notification.objects.get().key.startswith("renewal:") and ":30:" in Notification.objects.get().key

    def test_an_overdue_decision_is_announced_once(self, portal_item, portal_applicant, clerk):
        application = complete_draft(portal_item, portal_applicant)
        svc.application_file(application=application, actor=portal_applicant)
        procedure.application_accept(application=application, actor=clerk)
        Notification.objects.all().delete()
        c2 = Clock.objects.get(application=application, kind=ClockKind.C2)
        assert c2.state == ClockState.RUNNING
        late = datetime.combine(c2.due_on + timedelta(days=1), datetime.min.time(), SHANGHAI)
        assert notifications.decision_overdue_notices(late) == 1
        assert notifications.decision_overdue_notices(late + timedelta(days=1)) == 0
        assert "Art. 11(3)" in Notification.objects.get().body
