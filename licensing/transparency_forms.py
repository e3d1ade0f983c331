"""Forms of the public transparency pages (issue 7): the lookup box and the list filters.

Filters are validated against the choices shown (agencies, published items, legal states,
licence states); an invalid value is reported in the error summary and ignored."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from licensing.choices import LicenceStatus
from licensing.selectors_public import PUBLIC_STATUSES, ApplicationFilters, LicenceFilters

NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")


def normalise_number(raw: str) -> str:
    """An application number as people type it: spaces removed, upper case (XK-2025-000123)."""
    return "".join(raw.split()).upper()


class LookupForm(forms.Form):
    number = forms.CharField(
        label=_("Application number"),
        max_length=40,
        help_text=_("As printed on your acceptance notice, for example XK-2025-000123."),
    )

    def clean_number(self) -> str:
        number = normalise_number(self.cleaned_data["number"])
        if not NUMBER_RE.match(number):
            raise forms.ValidationError(
                _("Enter an application number of letters, digits and hyphens, like XK-2025-000123.")
            )
        return number


def _blank(label) -> list[tuple[str, str]]:
    return [("", label)]


class ApplicationFilterForm(forms.Form):
    agency = forms.ChoiceField(label=_("Agency"), required=False)
    item = forms.ChoiceField(label=_("Licence item"), required=False)
    status = forms.ChoiceField(label=_("Legal state"), required=False)
    year = forms.IntegerField(label=_("Year received"), required=False, min_value=2000, max_value=2100)
    overdue = forms.BooleanField(label=_("Only overdue applications"), required=False)

    def __init__(self, *args, choices: dict[str, list[tuple[str, str]]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = _blank(_("All agencies")) + choices["agencies"]
        self.fields["item"].choices = _blank(_("All items")) + choices["items"]
        self.fields["status"].choices = _blank(_("All states")) + [
            (s.value, s.label) for s in PUBLIC_STATUSES
        ]

    def filters(self) -> ApplicationFilters:
        """The valid filters (invalid fields are left out)."""
        data = self.cleaned_data if self.is_valid() else {
            name: value for name, value in getattr(self, "cleaned_data", {}).items() if name not in self.errors
        }
        return ApplicationFilters(
            agency=data.get("agency") or "",
            item=data.get("item") or "",
            status=data.get("status") or "",
            year=data.get("year") or None,
            overdue=bool(data.get("overdue")),
        )


class RegisterFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search the register"),
        required=False,
        max_length=100,
        help_text=_("Licence number, organisation name, item or scope. Names of persons are not searchable."),
    )
    agency = forms.ChoiceField(label=_("Agency"), required=False)
    item = forms.ChoiceField(label=_("Licence item"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    year = forms.IntegerField(label=_("Year issued"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, choices: dict[str, list[tuple[str, str]]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = _blank(_("All agencies")) + choices["agencies"]
        self.fields["item"].choices = _blank(_("All items")) + choices["items"]
        self.fields["status"].choices = _blank(_("All statuses")) + [(s.value, s.label) for s in LicenceStatus]

    def filters(self) -> LicenceFilters:
        data = self.cleaned_data if self.is_valid() else {
            name: value for name, value in getattr(self, "cleaned_data", {}).items() if name not in self.errors
        }
        return LicenceFilters(
            query=(data.get("q") or "").strip(),
            agency=data.get("agency") or "",
            item=data.get("item") or "",
            status=data.get("status") or "",
            year=data.get("year") or None,
        )


__all__ = [
    "ApplicationFilterForm",
    "LookupForm",
    "RegisterFilterForm",
    "normalise_number",
]
