"""Admin forms for the working-day calendar (Art. 82; law.md §3.5-§3.6).

* :class:`CalendarYearEntryFormSet` edits the entries of one ``CalendarYear`` inline. An entry is
  not linked to its year by a foreign key but by ``(region, date.year)``, so this formset
  selects the rows itself (the way Django's generic inlines do) and gives new rows the year's
  region.
* :class:`CalendarNoticeForm` takes a pasted notice or a CSV file and enters its days through
  ``licensing.services.calendar``.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.checks import InlineModelAdminChecks
from django.utils.translation import gettext_lazy as _

from licensing.choices import CalendarEntryKind
from licensing.models import NATIONAL
from licensing.services.calendar import (
    CalendarImportError,
    CalendarLine,
    calendar_lines_parse_csv,
    calendar_lines_parse_text,
)


class NoForeignKeyInlineChecks(InlineModelAdminChecks):
    """Admin checks for an inline whose rows are matched to the parent without a foreign key."""

    def _check_exclude_of_parent_model(self, obj, parent_model):
        return []

    def _check_relation(self, obj, parent_model):
        return []


class CalendarYearEntryFormSet(forms.BaseModelFormSet):
    """The rest days and make-up working days of one calendar year and region (law.md §3.5)."""

    def __init__(self, data=None, files=None, instance=None, save_as_new=False, prefix=None, queryset=None, **kwargs):
        self.instance = instance
        self.save_as_new = save_as_new
        if instance is None or instance.pk is None:
            qs = self.model._default_manager.none()
        else:
            qs = (queryset if queryset is not None else self.model._default_manager).filter(
                region=instance.region, date__year=instance.year
            )
        super().__init__(data=data, files=files, prefix=prefix, queryset=qs.order_by("date"), **kwargs)

    @classmethod
    def get_default_prefix(cls) -> str:
        return "entries"

    def initial_form_count(self) -> int:
        if self.save_as_new:
            return 0
        return super().initial_form_count()

    def clean(self) -> None:
        """Every day in the year edited, once, and make-up working days on weekends."""
        super().clean()
        year = getattr(self.instance, "year", None)
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or self._should_delete_form(form):
                continue
            day = form.cleaned_data.get("date")
            kind = form.cleaned_data.get("kind")
            if day is None:
                continue
            if year and day.year != year:
                form.add_error("date", _("This date is not in %(year)s.") % {"year": year})
            if day in seen:
                form.add_error("date", _("This date is entered twice."))
            seen.add(day)
            if kind == CalendarEntryKind.WORK and day.weekday() < 5:
                form.add_error("kind", _("A make-up working day (调休) is a Saturday or Sunday."))

    def save_new(self, form, commit=True):
        form.instance.region = self.instance.region or NATIONAL
        return super().save_new(form, commit=commit)


class CalendarNoticeForm(forms.Form):
    """Enter a year's State Council notice (or a region's additions) by pasting its days or
    uploading a CSV file (law.md §3.5); optionally publish the year at once (§3.6)."""

    region = forms.CharField(label=_("Region"), max_length=20, initial=NATIONAL)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    notice = forms.CharField(
        label=_("Source notice"),
        max_length=200,
        required=False,
        help_text=_("For example: 国办发明电〔2026〕5号. Used for lines that do not name their own notice."),
    )
    text = forms.CharField(
        label=_("Days of the notice"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 80}),
        help_text=_(
            "One day per line: “2027-01-01 rest New Year's Day” or “2027-02-07 work Spring Festival”, "
            "optionally followed by “| notice”. List every day of each rest block, weekends included."
        ),
    )
    csv_file = forms.FileField(
        label=_("or a CSV file"), required=False, help_text=_("Columns: date,kind,name,notice (UTF-8).")
    )
    publish = forms.BooleanField(
        label=_("Publish the year now"),
        required=False,
        help_text=_("Deadlines reaching into the year stop being provisional and are recounted."),
    )

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("text") or ""
        upload = cleaned.get("csv_file")
        if not text.strip() and upload is None:
            raise forms.ValidationError(_("Paste the days of the notice or choose a CSV file."))
        notice = cleaned.get("notice") or ""
        lines: list[CalendarLine] = []
        try:
            if text.strip():
                lines += calendar_lines_parse_text(text, notice=notice)
            if upload is not None:
                try:
                    content = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise forms.ValidationError(_("The CSV file is not UTF-8 text.")) from None
                lines += calendar_lines_parse_csv(content, notice=notice)
        except CalendarImportError as error:
            raise forms.ValidationError(error.errors) from None
        year = cleaned.get("year")
        stray = [f"{line.date} is not in {year}" for line in lines if year and line.date.year != year]
        dates = [line.date for line in lines]
        twice = sorted({d for d in dates if dates.count(d) > 1})
        problems = stray + [f"{d} is entered twice" for d in twice]
        if problems:
            raise forms.ValidationError(problems)
        cleaned["lines"] = lines
        return cleaned
