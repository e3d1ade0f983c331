"""The applicant portal's records: who the applicant is, what they declared, the agent's
authorisation, the notifications they are sent, and their rating of the service (好差评) with the
rectification a bad rating opens.

Personal data (names, ID numbers, contact details) lives only here and in the materials; the
public pages never read these tables (design.md principle 4)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from licensing.choices import BAD_RATING_LEVELS, ApplicantKind, NotificationKind, RatingLevel


def authorisation_upload_to(instance: AgentAuthorisation, filename: str) -> str:
    return f"authorisations/{instance.application_id}/{secrets.token_hex(8)}-{filename[-80:]}"


class ApplicantProfile(models.Model):
    """Who an applicant is: a person (name, ID number) or an organisation (name, unified social
    credit code, contact person), with contact details. One per user account.

    Visible only to its owner and to the staff of an agency handling one of their applications
    (``licensing.services.portal.profile_visible_to``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applicant_profile", verbose_name=_("user")
    )
    kind = models.CharField(_("applying as"), max_length=20, choices=ApplicantKind.choices, blank=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    id_number = models.CharField(_("resident identity card number"), max_length=18, blank=True)
    organisation_name = models.CharField(_("organisation name"), max_length=200, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("18 characters with the check character of GB 32100-2015."),
    )
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("postal address"), max_length=300, blank=True)
    email_verified_at = models.DateTimeField(_("email address verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("applicant profile")
        verbose_name_plural = _("applicant profiles")

    def __str__(self) -> str:
        return self.display_name or str(self.user)

    @property
    def display_name(self) -> str:
        """The name the applicant applies under (the licence holder when filing for themselves)."""
        return self.organisation_name if self.kind == ApplicantKind.ORGANISATION else self.full_name

    @property
    def is_complete(self) -> bool:
        if self.kind == ApplicantKind.PERSON:
            return bool(self.full_name and self.id_number and self.phone)
        if self.kind == ApplicantKind.ORGANISATION:
            return bool(self.organisation_name and self.credit_code and self.contact_person and self.phone)
        return False


class Declaration(models.Model):
    """The truthfulness declaration (Art. 31): the applicant answers for the truth of the
    application and its materials. Recorded with its exact wording before submission."""

    application = models.OneToOneField(
        "licensing.Application", on_delete=models.PROTECT, related_name="declaration", verbose_name=_("application")
    )
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(_("declared at"))
    text = models.TextField(_("wording declared"))

    class Meta:
        verbose_name = _("truthfulness declaration (Art. 31)")
        verbose_name_plural = _("truthfulness declarations (Art. 31)")

    def __str__(self) -> str:
        return f"{self.application} {self.declared_at:%Y-%m-%d %H:%M}"


class AgentAuthorisation(models.Model):
    """Art. 29: an agent may apply for the applicant, with the principal's written authorisation.

    When an agent files through the portal the account that files is the agent
    (``Application.agent``) and the application's holder is the principal, identified here."""

    application = models.OneToOneField(
        "licensing.Application", on_delete=models.PROTECT, related_name="authorisation", verbose_name=_("application")
    )
    principal_id_number = models.CharField(
        _("principal's ID number or unified social credit code"), max_length=18, blank=True
    )
    file = models.FileField(_("authorisation document"), upload_to=authorisation_upload_to, max_length=255, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agent authorisation (Art. 29)")
        verbose_name_plural = _("agent authorisations (Art. 29)")

    def __str__(self) -> str:
        return f"{self.application} {self.original_name}"


class Notification(models.Model):
    """One message to one user: an entry of their in-app inbox and, through the background task
    ``licensing.notifications.notification_deliver``, one email.

    The row is the outbox: it is written in the transaction of the change it reports, so it
    exists if and only if the change committed. ``key`` is unique, so the same event never makes
    two rows; ``email_sent_at`` is set under a row lock by the task that sends it, so the email
    goes out once however many times the task runs."""

    key = models.CharField(_("event key"), max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications", verbose_name=_("recipient")
    )
    application = models.ForeignKey(
        "licensing.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("application"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_to = models.EmailField(_("email address"), blank=True)
    email_sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    email_next_attempt_at = models.DateTimeField(
        _("email due to be (re)tried at"),
        null=True,
        blank=True,
        help_text=_("If the email is still unsent after this moment, the sweep enqueues it again."),
    )
    email_last_error = models.TextField(_("last email error"), blank=True)
    email_failed_at = models.DateTimeField(
        _("email given up at"), null=True, blank=True, help_text=_("Set after the last retry failed.")
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["created_at"],
                name="notification_email_pending",
                condition=Q(email_sent_at__isnull=True, email_failed_at__isnull=True) & ~Q(email_to=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.subject}"


class Rating(models.Model):
    """The applicant's rating of the service for one application (好差评, 国办发〔2019〕51号: one
    rating per matter online, 一事一评), on the five national levels, with an optional comment."""

    application = models.OneToOneField(
        "licensing.Application", on_delete=models.PROTECT, related_name="rating", verbose_name=_("application")
    )
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(
        _("rating"),
        choices=RatingLevel.choices,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating (好差评)")
        verbose_name_plural = _("ratings (好差评)")
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_level_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.get_level_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_RATING_LEVELS


class Rectification(models.Model):
    """What the agency owes after a bad rating (不满意, 非常不满意): contact the rater within
    ``XUKE_RECTIFY_CONTACT_DAYS`` working days (default 1: Shanghai Business Environment
    Regulation Art. 30) and rectify within ``XUKE_RECTIFY_DAYS`` (default 15: Zhejiang and
    Sichuan practice), with the follow-up shown to the applicant (law.md §4 [UNCONF])."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification")
    application = models.ForeignKey(
        "licensing.Application", on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("application")
    )
    agency = models.ForeignKey(
        "licensing.Agency", on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("agency")
    )
    opened_on = models.DateField(_("opened on"))
    contact_due_on = models.DateField(_("contact the applicant by"))
    rectify_due_on = models.DateField(_("rectify by"))
    calendar_version = models.CharField(_("calendar version"), max_length=64, blank=True)
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    contact_note = models.TextField(_("contact note"), blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    rectification_note = models.TextField(_("what was rectified"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["rectify_due_on", "pk"]
        verbose_name = _("rectification after a bad rating")
        verbose_name_plural = _("rectifications after bad ratings")
        indexes = [models.Index(fields=["agency", "rectified_at", "rectify_due_on"], name="rectification_open")]

    def __str__(self) -> str:
        return f"{self.application} {self.rectify_due_on}"

    @property
    def is_open(self) -> bool:
        return self.rectified_at is None

    def contact_late_on(self, today) -> bool:
        """Not contacted and past the contact due date on ``today`` (the ``late`` filter of
        ``selectors_supervision.rectifications_filtered`` is the same rule in SQL)."""
        return self.contacted_at is None and self.contact_due_on < today

    def rectify_late_on(self, today) -> bool:
        """Not rectified and past the rectification due date on ``today``."""
        return self.rectified_at is None and self.rectify_due_on < today
