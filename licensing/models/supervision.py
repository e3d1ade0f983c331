"""E-supervision (电子监察): supervisory offices, warning cards and supervision cases (督办).

law.md §4 (yellow warning near a deadline, red card when it is missed), Art. 72 and Art. 74(2)
(the supervisory organ orders correction; not deciding within the statutory limit). The sweep
raises the cards (``licensing.services.supervision``); every card and every step of a case is
also an action-log entry (design.md principle 5).

The choices live here rather than in ``licensing.choices`` because they belong to this aggregate
only and no other module names them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from licensing.choices import ClockKind


class WarningLevel(models.TextChoices):
    """The e-supervision cards (law.md §4): yellow near the limit, red when it has run out."""

    YELLOW = "yellow", _("Yellow warning")
    RED = "red", _("Red card")


class SupervisionCaseStatus(models.TextChoices):
    """A supervision case is opened by a red card, answered by the agency, closed by a supervisor."""

    OPEN = "open", _("Awaiting the agency's response")
    RESPONDED = "responded", _("Responded, awaiting the supervisor")
    CLOSED = "closed", _("Closed")


class SupervisoryOffice(models.Model):
    """Marks an agency as a supervisory office (电子监察机构).

    The remit of a supervisor (``licensing.selectors_supervision.supervision_remit``) is the
    subtree of their own agency (the agency and every agency below it through ``Agency.parent``).
    A supervisor whose agency is marked here *and has no parent* supervises every agency: the
    supervisory office of the top-level government. Marking a lower agency changes nothing."""

    agency = models.OneToOneField(
        "licensing.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="supervisory_office",
    )
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("The instrument that set it up."))

    class Meta:
        verbose_name = _("supervisory office")
        verbose_name_plural = _("supervisory offices")

    def __str__(self) -> str:
        return str(self.agency)


class SupervisionWarning(models.Model):
    """One card raised by the sweep for one clock of one application (law.md §4).

    A yellow warning goes to the handling officer when a running clock enters its warning window;
    a red card goes to the agency head and the supervisors when the limit has run out, and opens
    a :class:`SupervisionCase`. Raised once per (application, clock, level, due date): a later
    extension or pause that moves the due date may raise a new card for the new date, a repeated
    or concurrent sweep never raises the same one twice (the unique constraint)."""

    application = models.ForeignKey(
        "licensing.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="supervision_warnings",
    )
    agency = models.ForeignKey(
        "licensing.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="supervision_warnings",
        help_text=_("The agency handling the application when the card was raised."),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handling officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_warnings",
        help_text=_("The examiner when the card was raised; empty for the window's clocks (C1, C6)."),
    )
    clock_kind = models.CharField(_("clock"), max_length=4, choices=ClockKind.choices)
    level = models.CharField(_("level"), max_length=6, choices=WarningLevel.choices)
    due_on = models.DateField(_("due date"))
    raised_on = models.DateField(_("raised on"), help_text=_("The sweep's working date (Beijing time)."))
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    working_days_left = models.SmallIntegerField(
        _("working days left"), help_text=_("On the day raised; negative: working days late.")
    )
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        ordering = ["-raised_on", "-pk"]
        verbose_name = _("supervision warning")
        verbose_name_plural = _("supervision warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "clock_kind", "level", "due_on"], name="supervision_warning_once"
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "raised_on"], name="supervision_warning_agency"),
            models.Index(fields=["raised_on"], name="supervision_warning_raised"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.clock_kind} {self.level} {self.due_on}"


class SupervisionCase(models.Model):
    """A supervision case (督办) opened by a red card (Art. 74(2); law.md §2b #24, §4).

    The agency (its head or one of its officers) answers in writing by ``response_due_on``
    (``XUKE_SUPERVISION_RESPONSE_DAYS`` working days, default 5); a supervisor whose remit covers
    the agency closes it with a conclusion. Open → responded → closed; a supervisor may also close
    a case the agency never answered."""

    warning = models.OneToOneField(
        SupervisionWarning,
        verbose_name=_("red card"),
        on_delete=models.PROTECT,
        related_name="case",
    )
    application = models.ForeignKey(
        "licensing.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="supervision_cases",
    )
    agency = models.ForeignKey(
        "licensing.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="supervision_cases",
    )
    clock_kind = models.CharField(_("clock"), max_length=4, choices=ClockKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=SupervisionCaseStatus.choices, default=SupervisionCaseStatus.OPEN
    )
    opened_on = models.DateField(_("opened on"))
    response_due_on = models.DateField(_("response due"))
    calendar_version = models.CharField(_("calendar version"), max_length=64, blank=True)
    response = models.TextField(_("agency's response"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    conclusion = models.TextField(_("supervisor's conclusion"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("supervision case (督办)")
        verbose_name_plural = _("supervision cases (督办)")
        indexes = [
            models.Index(fields=["agency", "status", "response_due_on"], name="supervision_case_agency"),
            models.Index(fields=["status", "response_due_on"], name="supervision_case_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(response_due_on__gte=models.F("opened_on")), name="supervision_case_due_after_open"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="supervision_case_closed_at"
            ),
        ]

    def __str__(self) -> str:
        return f"督办 #{self.pk} {self.application_id} {self.clock_kind}"

    @property
    def reference(self) -> str:
        """The number printed on screen and in messages: 督办-<year>-<id>."""
        return f"DB-{self.opened_on.year}-{self.pk:06d}"


class SupervisionStatWeek(models.Model):
    """One ISO week of the weekly statistics, with when they were last computed.

    The sweep (``supervision_weekly_stats``) recomputes a week's :class:`SupervisionWeeklyStat`
    rows under this row's lock: a finished week once after it ended, the current week once a day.
    The dashboard's charts read the statistics rather than every clock, so they cost the same
    whatever the number of applications."""

    week = models.DateField(_("week (Monday)"), unique=True)
    computed_on = models.DateField(_("computed on"))
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["-week"]
        verbose_name = _("statistics week")
        verbose_name_plural = _("statistics weeks")

    def __str__(self) -> str:
        return f"{self.week} ({self.computed_on})"


class SupervisionWeeklyStat(models.Model):
    """Per ISO week, agency, item, examiner and clock: the clocks open and overdue at the week's
    end (the backlog) and the outcomes counted in the week (``licensing.rules.compliance``: met on
    the stop date, missed on the day after the due date)."""

    week = models.DateField(_("week (Monday)"))
    agency = models.ForeignKey("licensing.Agency", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey("licensing.LicenceItem", on_delete=models.CASCADE, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    clock_kind = models.CharField(_("clock"), max_length=4, choices=ClockKind.choices)
    open_at_end = models.PositiveIntegerField(_("open at the end of the week"), default=0)
    overdue_at_end = models.PositiveIntegerField(_("overdue at the end of the week"), default=0)
    met = models.PositiveIntegerField(_("limits met"), default=0)
    missed = models.PositiveIntegerField(_("limits missed"), default=0)

    class Meta:
        verbose_name = _("weekly supervision statistic")
        verbose_name_plural = _("weekly supervision statistics")
        indexes = [
            models.Index(fields=["week", "agency"], name="supervision_stat_week_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.agency_id}/{self.item_id}/{self.officer_id} {self.clock_kind}"
