"""Applications and the recorded facts their clocks are derived from (design.md principle 3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from licensing.choices import (
    ApplicationStatus,
    Channel,
    ClockKind,
    ClockState,
    PauseReason,
)


class Application(models.Model):
    """A licence application and its legal position (law.md §2b).

    ``number`` is public (Art. 5, 40); the applicant's identity and materials are not.
    Only the services in ``licensing.services`` change ``status``."""

    number = models.CharField(_("application number"), max_length=20, unique=True)
    item = models.ForeignKey(
        "licensing.LicenceItem", verbose_name=_("licence item"), on_delete=models.PROTECT, related_name="applications"
    )
    agency = models.ForeignKey(
        "licensing.Agency",
        verbose_name=_("handling agency"),
        on_delete=models.PROTECT,
        related_name="applications",
        help_text=_("The organ handling the case now (the item's agency, or the lower organ first)."),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications_as_agent",
        help_text=_("Art. 29: an agent filing for the applicant, with an authorisation document."),
    )
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("examiner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="examined_applications",
    )
    holder_name = models.CharField(
        _("applicant's name as it will appear on the licence"), max_length=200, blank=True
    )
    holder_is_organisation = models.BooleanField(_("applicant is an organisation"), default=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.ONLINE)
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    status = models.CharField(
        _("legal status"), max_length=30, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    accepted_on = models.DateField(
        _("accepted on"), null=True, blank=True, help_text=_("For deemed acceptance: the receipt date (Art. 32(4)).")
    )
    acceptance_seq = models.PositiveBigIntegerField(
        _("acceptance sequence (Art. 57)"), null=True, blank=True, unique=True
    )
    triaged_on = models.DateField(
        _("triaged on"),
        null=True,
        blank=True,
        help_text=_("The day clock C1 stopped: acceptance, non-acceptance or the one-time notice (Art. 32)."),
    )
    deemed_accepted = models.BooleanField(
        _("deemed accepted (Art. 32(4))"),
        default=False,
        help_text=_("No one-time notice within 5 working days: accepted as of the receipt date."),
    )
    inspection_dispatched_on = models.DateField(
        _("inspectors dispatched on (Art. 55)"), null=True, blank=True
    )
    decided_on = models.DateField(
        _("decided on"), null=True, blank=True, help_text=_("The day the grant or denial was signed (Art. 38).")
    )
    certificate_issued_on = models.DateField(_("certificate issued on (Art. 44)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["agency", "status"], name="app_agency_status"),
            models.Index(fields=["item", "status"], name="app_item_status"),
            models.Index(fields=["status", "received_at"], name="app_status_received"),
            # E-supervision groups the warning clocks by their application's agency, item and
            # examiner: on PostgreSQL this covering index answers that join without the table.
            models.Index(fields=["id"], include=["agency", "item", "examiner"], name="app_supervision_groups"),
        ]

    def __str__(self) -> str:
        return self.number


class Clock(models.Model):
    """The derived state of one statutory clock of one application (law.md §2a).

    This is a cache, never a counter: services rewrite it from the recorded facts (receipt,
    acceptance, pauses, the extension, decisions) and the calendar whenever either changes,
    so that "overdue" and "yellow" are indexed SQL filters."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(_("clock"), max_length=4, choices=ClockKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=ClockState.choices)
    start_on = models.DateField(_("trigger date"))
    days = models.PositiveSmallIntegerField(_("working days allowed"))
    due_on = models.DateField(_("due date"), null=True, blank=True)
    yellow_from = models.DateField(_("yellow from"), null=True, blank=True)
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    provisional = models.BooleanField(
        _("provisional"), default=False, help_text=_("Counted past the last published calendar year.")
    )
    calendar_version = models.CharField(_("calendar version"), max_length=64)
    explanation = models.JSONField(_("explanation"), default=list)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="clock_unique_kind")]
        indexes = [
            models.Index(fields=["kind", "state", "due_on"], name="clock_kind_state_due"),
            models.Index(fields=["kind", "state", "yellow_from"], name="clock_kind_state_yellow"),
            models.Index(fields=["state", "provisional"], name="clock_state_provisional"),
            # The running clocks only (a small share of all): the e-supervision dashboard's
            # yellow/red counts read this index alone, and its overdue queue walks the second
            # in due-date order.
            models.Index(
                fields=["kind"],
                include=["due_on", "yellow_from", "application"],
                condition=Q(state=ClockState.RUNNING),
                name="clock_running_kind",
            ),
            models.Index(fields=["due_on", "id"], condition=Q(state=ClockState.RUNNING), name="clock_running_due"),
            # Compliance records and the weekly statistics: the outcomes of the clocks due in a
            # period, read from the index alone.
            models.Index(
                fields=["due_on"], include=["kind", "state", "stopped_on", "application"], name="clock_due_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind} due {self.due_on}"


class ClockPause(models.Model):
    """An Art. 45 excluded procedure: the time it takes does not count toward C2.

    Valid only with its written notice (D6) stating the expected duration."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="pauses")
    reason = models.CharField(_("procedure"), max_length=20, choices=PauseReason.choices)
    started_on = models.DateField(_("started on"))
    expected_end_on = models.DateField(_("expected end"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    notice_text = models.TextField(_("written notice to the applicant (Art. 45)"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["application", "started_on", "pk"]
        verbose_name = _("clock pause (Art. 45)")
        verbose_name_plural = _("clock pauses (Art. 45)")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="pause_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(expected_end_on__gte=models.F("started_on")),
                name="pause_expected_after_start",
            ),
            models.UniqueConstraint(
                fields=["application"], condition=Q(ended_on__isnull=True), name="pause_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.started_on}–{self.ended_on or '…'}"


class ClockExtension(models.Model):
    """The one extension of the decision limit (Art. 42): +10 working days (+15 under joint
    handling), approved by the head of the organ before the clock runs out, reason told."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="extension")
    days = models.PositiveSmallIntegerField(_("working days added"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_on = models.DateField(_("approved on"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("extension (Art. 42)")
        verbose_name_plural = _("extensions (Art. 42)")

    def __str__(self) -> str:
        return f"+{self.days} WD approved {self.approved_on}"
