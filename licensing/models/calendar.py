"""The working-day calendar (Art. 82; law.md §3): dated exceptions to the Monday–Friday week.

Rest days inside holiday blocks and make-up working days (调休) are rows, each citing the
State Council notice that set it; a year counts as known only once it is published."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from licensing.choices import CalendarEntryKind

NATIONAL = "CN"


class CalendarYear(models.Model):
    """One year of one region's calendar. Deadlines past the last published year are
    provisional (law.md §3.6) and are recomputed when the year is published."""

    region = models.CharField(_("region"), max_length=20, default=NATIONAL)
    year = models.PositiveSmallIntegerField(_("year"))
    notice = models.CharField(_("source notice"), max_length=200, blank=True)
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="calendar_year_unique")]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"


class CalendarEntry(models.Model):
    """A rest day in a holiday block, or a weekend day that is a make-up working day."""

    region = models.CharField(_("region"), max_length=20, default=NATIONAL)
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=CalendarEntryKind.choices)
    name = models.CharField(_("holiday"), max_length=100, help_text=_("For example: Spring Festival."))
    notice = models.CharField(_("source notice"), max_length=200, help_text=_("For example: 国办发明电〔2025〕7号."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "date"]
        verbose_name = _("calendar entry")
        verbose_name_plural = _("calendar entries")
        constraints = [models.UniqueConstraint(fields=["region", "date"], name="calendar_entry_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} ({self.name})"

    @property
    def year(self) -> int:
        return self.date.year
