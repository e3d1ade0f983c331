"""Telling applicants what happened and what is coming: every change of legal state, every
document issued, and deadlines that concern them (licence expiry and renewal, Art. 50; a decision
limit that ran out, Art. 42 and Reconsideration Law Art. 11(3)) — in the in-app inbox and by email.

**Never lost, never doubled.** A ``Notification`` row is the outbox entry. It is written in the
transaction of the change it reports (the signal receivers run inside the services' transactions),
so it exists exactly when the change committed: a change that rolls back leaves no row and sends
nothing. Its email goes out through the background task ``notification_deliver``:

* with the database task backend (``django_tasks_db``) the task row is enqueued in that same
  transaction, so it too commits or rolls back with the change;
* with any other backend (the immediate backend of the tests, or Redis/RQ) the task is enqueued
  once the transaction commits (``transaction.on_commit``), never before;
* if the process dies between commit and enqueue, or the worker dies mid-task, the sweep
  (``notification_redeliver``) enqueues every unsent email again after a grace period.

The task locks the row, re-checks ``email_sent_at`` and sets it in the transaction that sent the
email, so however often it runs for one row (a worker run twice, a redelivery) the email is sent
once. A failed send is recorded and retried with a growing delay, up to ``MAX_ATTEMPTS``.
``key`` is unique per event and recipient, so the same event never makes two rows."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, router, transaction
from django.db.models import F, Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task, task_backends

from licensing import deadlines
from licensing.choices import ApplicationStatus as S
from licensing.choices import ClockKind, ClockState, LicenceStatus, NotificationKind
from licensing.models import Application, Clock, Document, Licence, Notification, User
from licensing.services.clocks import clock_states_for, local_date
from licensing.signals import application_status_changed, document_issued

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
"""Attempts to send one email before giving up (recorded in ``email_failed_at``)."""
REDELIVER_GRACE = timedelta(minutes=10)
"""How long an email may wait in the queue before the sweep enqueues it again."""
RENEWAL_EARLY_DAYS = 30
"""The first renewal reminder comes this many days before the filing period of Art. 50 opens."""


def retry_delay(attempts: int) -> timedelta:
    """1, 4, 16, 64 … minutes after the 1st, 2nd, 3rd … failure, at most a day."""
    return timedelta(minutes=min(4 ** max(attempts - 1, 0), 24 * 60))


# -- creating notifications (inside the change's transaction) -------------------------------------


def _absolute(link: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{link}" if link.startswith("/") else link


def notify(
    *,
    key: str,
    recipient: User,
    kind: str,
    subject: str,
    body: str,
    application: Application | None = None,
    link: str = "",
) -> Notification | None:
    """Put one message in ``recipient``'s inbox and queue its email, as part of the caller's
    transaction. Returns None when a message with this ``key`` exists already (the event was
    reported before) or the recipient is inactive."""
    using = router.db_for_write(Notification)
    if not transaction.get_connection(using).in_atomic_block:
        raise transaction.TransactionManagementError(
            "notify() must run inside the transaction of the change it reports."
        )
    if recipient is None or not recipient.is_active:
        return None
    if Notification.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic(using=using):
            notification = Notification.objects.create(
                key=key[:200],
                recipient=recipient,
                application=application,
                kind=kind,
                subject=subject[:200],
                body=body,
                link=link,
                email_to=recipient.email or "",
                email_next_attempt_at=timezone.now() + REDELIVER_GRACE if recipient.email else None,
            )
    except IntegrityError:  # the same event reported at the same moment by another process
        return None
    if notification.email_to:
        _enqueue(notification.pk, using=using)
    return notification


def _transactional_backend(using: str) -> bool:
    """Does the task backend write its queue in our database, so that enqueueing is part of the
    caller's transaction?"""
    backend = task_backends[notification_deliver.backend]
    if type(backend).__module__ != "django_tasks_db.backend":
        return False
    from django_tasks_db.models import DBTaskResult

    return router.db_for_write(DBTaskResult) == using


def _enqueue(notification_id: int, *, using: str, run_after: datetime | None = None) -> None:
    task_ = notification_deliver.using(run_after=run_after) if run_after else notification_deliver
    if _transactional_backend(using):
        task_.enqueue(notification_id)
    else:
        transaction.on_commit(lambda: notification_deliver.enqueue(notification_id), using=using)


def notify_each(
    *,
    key: str,
    recipients,
    kind: str,
    subject: str,
    body: str,
    application: Application | None = None,
    link: str = "",
) -> int:
    """:func:`notify` every person of ``recipients`` once (``None`` and repeats skipped), each
    under ``key:<their id>``; returns how many messages were new."""
    sent = 0
    seen: set[int] = set()
    for person in recipients:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        if notify(
            key=f"{key}:{person.pk}",
            recipient=person,
            kind=kind,
            subject=subject,
            body=body,
            application=application,
            link=link,
        ):
            sent += 1
    return sent


def owners(application: Application) -> list[User]:
    """Who hears about an application: the applicant and the agent filing for them."""
    people = [application.applicant]
    if application.agent_id and application.agent_id != application.applicant_id:
        people.append(application.agent)
    return people


def application_link(application: Application) -> str:
    return reverse("portal:application", args=[application.pk])


def notify_owners(*, application: Application, key: str, kind: str, subject: str, body: str, link: str = "") -> int:
    link = link or application_link(application)
    return notify_each(
        key=key,
        recipients=owners(application),
        kind=kind,
        subject=subject,
        body=f"{body}\n\n{_('See your application:')} {_absolute(link)}",
        application=application,
        link=link,
    )


# -- what the messages say ------------------------------------------------------------------------


def _date(value) -> str:
    return value.isoformat() if value else "—"


def status_message(application: Application, new_status: str) -> str:
    """What a change to ``new_status`` means for the applicant, in plain words."""
    states = clock_states_for(application) if new_status in (S.RECEIVED, S.ACCEPTED, S.DEEMED_ACCEPTED) else {}
    if new_status == S.RECEIVED:
        c1 = states.get(ClockKind.C1)
        return _(
            "We received your application on %(received)s. The agency will tell you by %(due)s whether it "
            "accepts it or needs more materials (Administrative Licensing Law, Art. 32). If it does not, the "
            "application counts as accepted from the day it was received."
        ) % {"received": timezone.localtime(application.received_at).strftime("%Y-%m-%d %H:%M"),
             "due": _date(c1.due if c1 else None)}
    if new_status in (S.ACCEPTED, S.DEEMED_ACCEPTED):
        c2, promised = states.get(ClockKind.C2), states.get(ClockKind.C2_PROMISED)
        text = _("Your application has been accepted. The agency must decide by %(due)s (Art. 42).") % {
            "due": _date(c2.due if c2 else None)
        }
        if new_status == S.DEEMED_ACCEPTED:
            text = _(
                "The agency did not answer within 5 working days, so by law your application counts as accepted "
                "from the day it was received (Art. 32(4)). The agency must decide by %(due)s (Art. 42)."
            ) % {"due": _date(c2.due if c2 else None)}
        if promised and promised.due:
            text += " " + _("It has promised to decide by %(due)s.") % {"due": _date(promised.due)}
        return text
    messages = {
        S.SUPPLEMENT_REQUIRED: _(
            "The agency needs more materials before it can accept your application. Read the one-time supplement "
            "notice and upload every listed item (Art. 32(4))."
        ),
        S.NOT_ACCEPTED: _(
            "The agency did not accept your application. The decision gives the reasons and says how you can ask "
            "for administrative reconsideration or go to court."
        ),
        S.UNDER_EXAMINATION: _("An examiner is now examining your application."),
        S.EXCLUDED_PROCEDURE: _(
            "A procedure such as testing, inspection or expert review has started. Its time does not count "
            "towards the decision time limit (Art. 45); the agency will tell you in writing how long it needs."
        ),
        S.DECISION_PENDING: _("A decision on your application has been drafted and awaits signature."),
        S.GRANTED: _("Your application has been granted. The agency will issue the licence within 10 working days "
                     "(Art. 44)."),
        S.DENIED: _(
            "Your application has been denied. The decision gives the reasons and says how you can ask for "
            "administrative reconsideration or go to court (Art. 38)."
        ),
        S.CERTIFICATE_ISSUED: _("Your licence has been issued. You can download it from your application page."),
        S.WITHDRAWN: _("Your application has been withdrawn."),
        S.CLOSED: _("Your application has been closed."),
    }
    return str(messages.get(new_status, _("The state of your application changed.")))


# -- signal receivers -----------------------------------------------------------------------------


@receiver(application_status_changed, dispatch_uid="portal_notify_status")
def on_status_changed(sender, application: Application, old_status: str, new_status: str, actor=None, **kwargs):
    """Every change of legal state is reported to the applicant and their agent."""
    if new_status == S.DRAFT or old_status == new_status:
        return
    label = S(new_status).label if new_status in S.values else new_status
    moment = (application.updated_at or timezone.now()).isoformat()
    notify_owners(
        application=application,
        key=f"status:{application.pk}:{old_status}>{new_status}:{moment}",
        kind=NotificationKind.STATUS,
        subject=_("Application %(number)s: %(status)s") % {"number": application.number, "status": str(label).lower()},
        body=status_message(application, new_status),
    )


@receiver(document_issued, dispatch_uid="portal_notify_document")
def on_document_issued(sender, document: Document, **kwargs):
    """Every document served in writing is announced (law.md §5), with where to download it."""
    application = document.application
    notify_owners(
        application=application,
        key=f"document:{document.pk}",
        kind=NotificationKind.DOCUMENT,
        subject=_("Application %(number)s: %(title)s") % {"number": application.number, "title": document.title},
        body=_("The agency issued a document for your application: %(title)s (version %(version)d). "
               "You can download it from your application page.")
        % {"title": document.title, "version": document.version},
    )


# -- the background task --------------------------------------------------------------------------


@task()
def notification_deliver(notification_id: int) -> str:
    """Send the email of one notification, once.

    The row is locked for the whole attempt (on SQLite, whose ``select_for_update`` is a no-op,
    a write first takes the database's write lock), ``email_sent_at`` is re-checked under the
    lock and set in the same transaction: a second run, concurrent or later, finds it set and
    sends nothing. A failure is recorded and retried after ``retry_delay``."""
    using = router.db_for_write(Notification)
    with transaction.atomic(using=using):
        rows = Notification.objects.using(using).select_for_update().filter(pk=notification_id)
        if transaction.get_connection(using).vendor == "sqlite":
            rows.update(email_attempts=F("email_attempts"))
        notification = rows.first()
        if notification is None:
            return "missing"
        if notification.email_sent_at is not None:
            return "already sent"
        if notification.email_failed_at is not None:
            return "given up"
        if not notification.email_to:
            return "no address"
        now = timezone.now()
        notification.email_attempts += 1
        try:
            send_mail(
                subject=notification.subject,
                message=notification.body,
                from_email=None,
                recipient_list=[notification.email_to],
                fail_silently=False,
            )
        except Exception as error:  # any failure of the mail system: record it, retry later
            log.warning("email of notification %s failed (attempt %d): %r", notification.pk,
                        notification.email_attempts, error)
            notification.email_last_error = repr(error)[:2000]
            if notification.email_attempts >= MAX_ATTEMPTS:
                notification.email_failed_at = now
                notification.email_next_attempt_at = None
            else:
                notification.email_next_attempt_at = now + retry_delay(notification.email_attempts)
                backend = task_backends[notification_deliver.backend]
                if backend.supports_defer and _transactional_backend(using):
                    _enqueue(notification.pk, using=using, run_after=notification.email_next_attempt_at)
            notification.save(update_fields=["email_attempts", "email_last_error", "email_failed_at",
                                              "email_next_attempt_at"])
            return "failed"
        notification.email_sent_at = now
        notification.email_next_attempt_at = None
        notification.save(update_fields=["email_attempts", "email_sent_at", "email_next_attempt_at"])
    return "sent"


# -- deadline checks run by the sweep -------------------------------------------------------------


@deadlines.register("notification_redeliver")
def notification_redeliver(now: datetime) -> int:
    """Enqueue again every email still unsent after its retry time plus a grace period — lost
    between commit and enqueue, or its worker died. Duplicates are harmless (see the task)."""
    using = router.db_for_write(Notification)
    pending = Notification.objects.filter(
        email_sent_at__isnull=True, email_failed_at__isnull=True, email_next_attempt_at__lt=now - REDELIVER_GRACE
    ).exclude(email_to="")
    count = 0
    for pk in list(pending.order_by("pk").values_list("pk", flat=True)[:500]):
        with transaction.atomic(using=using):
            updated = Notification.objects.filter(
                pk=pk, email_sent_at__isnull=True, email_next_attempt_at__lt=now - REDELIVER_GRACE
            ).update(email_next_attempt_at=now)
            if updated:
                _enqueue(pk, using=using)
                count += 1
    return count


def renewal_thresholds(licence: Licence) -> tuple[int, ...]:
    """Days before expiry at which the holder is reminded, largest first: a month before the
    renewal filing period ends, and when it ends (Art. 50: apply 30 days before expiry unless
    the item's law says otherwise)."""
    filing = licence.item.renewal_notice_days
    early = int(getattr(settings, "XUKE_RENEWAL_REMINDER_EARLY_DAYS", RENEWAL_EARLY_DAYS))
    return tuple(sorted({filing + early, filing}, reverse=True))


@deadlines.register("licence_renewal_reminders")
def licence_renewal_reminders(now: datetime) -> int:
    """Remind the holder of an active licence before it expires (Art. 50), once per licence and
    threshold; when the sweep first sees a licence past several thresholds only the nearest one
    is sent. Returns the number of reminders created."""
    today = local_date(now)
    horizon = today + timedelta(days=400)
    licences = (
        Licence.objects.filter(status=LicenceStatus.ACTIVE, valid_until__gte=today, valid_until__lte=horizon)
        .select_related("item", "application__applicant", "application__agent")
        .order_by("valid_until", "pk")
    )
    created = 0
    for licence in licences.iterator(chunk_size=500):
        left = (licence.valid_until - today).days
        crossed = [t for t in renewal_thresholds(licence) if left <= t]
        if not crossed:
            continue
        threshold = min(crossed)
        filing = licence.item.renewal_notice_days
        last_day = licence.valid_until - timedelta(days=filing)
        with transaction.atomic():
            created += notify_owners(
                application=licence.application,
                key=f"renewal:{licence.pk}:{threshold}",
                kind=NotificationKind.DEADLINE,
                subject=_("Licence %(number)s expires on %(date)s") % {"number": licence.number,
                                                                       "date": licence.valid_until.isoformat()},
                body=_(
                    "Your licence %(number)s (%(item)s) expires on %(date)s, in %(left)d days. To renew it, apply "
                    "at least %(filing)d days before it expires, that is by %(last)s (Administrative Licensing "
                    "Law, Art. 50)."
                )
                % {
                    "number": licence.number,
                    "item": licence.item.name,
                    "date": licence.valid_until.isoformat(),
                    "left": left,
                    "filing": filing,
                    "last": last_day.isoformat(),
                },
            )
    return created


@deadlines.register("decision_overdue_notices")
def decision_overdue_notices(now: datetime) -> int:
    """Tell the applicant once when the decision limit ran out without a decision (Art. 42):
    there is no deemed grant, but they may seek reconsideration for failure to act
    (Reconsideration Law Art. 11(3)). Candidates come from the indexed clock columns."""
    today = local_date(now)
    clocks = (
        Clock.objects.filter(kind=ClockKind.C2, state=ClockState.RUNNING, due_on__lt=today)
        .filter(~Q(application__status__in=[S.GRANTED, S.DENIED, S.CERTIFICATE_ISSUED, S.WITHDRAWN, S.CLOSED]))
        .select_related("application__applicant", "application__agent")
        .order_by("due_on", "pk")
    )
    created = 0
    for clock in clocks[:500]:
        application = clock.application
        key = f"c2-overdue:{application.pk}:{clock.due_on.isoformat()}"
        if Notification.objects.filter(key__startswith=key).exists():
            continue
        with transaction.atomic():
            created += notify_owners(
                application=application,
                key=key,
                kind=NotificationKind.DEADLINE,
                subject=_("Application %(number)s: the decision is overdue") % {"number": application.number},
                body=_(
                    "The time limit for deciding your application ended on %(due)s and the agency has not decided "
                    "yet (Art. 42). This does not mean the licence is granted. You may apply for administrative "
                    "reconsideration because the agency failed to act (Administrative Reconsideration Law, "
                    "Art. 11(3))."
                )
                % {"due": clock.due_on.isoformat()},
            )
    return created


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
