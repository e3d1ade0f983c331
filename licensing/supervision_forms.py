"""Forms of the e-supervision pages and API (电子监察): the drill-down scope, the compliance
period, and the two acts on a supervision case (the agency's response, the supervisor's
conclusion). Shared by ``licensing.views.supervision`` and ``api.views.supervision``."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from licensing.models import Agency, LicenceItem, User
from licensing.selectors_supervision import Remit, Scope

MAX_PERIOD_DAYS = 366
"""Longest compliance period one report covers."""


def _agency(code: str, remit: Remit) -> Agency:
    agency = Agency.objects.filter(code=code).first() if code else None
    if agency is None or not remit.covers(agency.pk):
        raise forms.ValidationError(_("No agency with this code in your remit."), code="unknown_agency")
    return agency


def _officer(value: str, remit: Remit) -> User:
    officer = (
        User.objects.filter(Q(username=value) | Q(staff_number=value), agency__isnull=False).first() if value else None
    )
    if officer is None or not remit.covers(officer.agency_id):
        raise forms.ValidationError(_("No officer with this username or staff number in your remit."),
                                    code="unknown_officer")
    return officer


class ScopeForm(forms.Form):
    """The dashboard's drill-down: an agency code, an item code and an officer (username or
    staff number); each only within the remit."""

    agency = forms.CharField(label=_("Agency code"), required=False, max_length=40)
    item = forms.CharField(label=_("Licence item code"), required=False, max_length=60)
    officer = forms.CharField(label=_("Officer (username or staff number)"), required=False, max_length=150)

    def __init__(self, *args, remit: Remit, **kwargs):
        super().__init__(*args, **kwargs)
        self.remit = remit

    def clean_agency(self):
        code = self.cleaned_data["agency"].strip()
        return _agency(code, self.remit) if code else None

    def clean_item(self):
        code = self.cleaned_data["item"].strip()
        if not code:
            return None
        item = LicenceItem.objects.filter(code=code).first()
        if item is None:
            raise forms.ValidationError(_("No licence item with this code."), code="unknown_item")
        return item

    def clean_officer(self):
        value = self.cleaned_data["officer"].strip()
        return _officer(value, self.remit) if value else None

    def scope(self) -> Scope:
        data = self.cleaned_data if self.is_valid() else {}
        return Scope(agency=data.get("agency"), item=data.get("item"), officer=data.get("officer"))


class ComplianceForm(forms.Form):
    """The compliance records' filter: agency, officer and the period (both days included;
    default: the 30 days up to today)."""

    agency = forms.CharField(label=_("Agency code"), required=False, max_length=40)
    officer = forms.CharField(label=_("Officer (username or staff number)"), required=False, max_length=150)
    from_ = forms.DateField(label=_("From"), required=False, help_text=_("For example 2025-01-01."))
    to = forms.DateField(label=_("To"), required=False, help_text=_("Included."))

    def __init__(self, data=None, *, remit: Remit, today: date, **kwargs):
        if data is not None and "from" in data:
            data = data.copy()
            data["from_"] = data.get("from")
        super().__init__(data, **kwargs)
        self.remit = remit
        self.today = today

    def clean_agency(self):
        code = self.cleaned_data["agency"].strip()
        return _agency(code, self.remit) if code else None

    def clean_officer(self):
        value = self.cleaned_data["officer"].strip()
        return _officer(value, self.remit) if value else None

    def clean(self):
        data = super().clean()
        end = data.get("to") or self.today
        start = data.get("from_") or end - timedelta(days=29)
        if start > end:
            raise forms.ValidationError(_("The start of the period must not be after its end."), code="period")
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("A report covers at most 366 days."), code="period_too_long")
        data["start"], data["end"] = start, end
        return data


class ResponseForm(forms.Form):
    response = forms.CharField(
        label=_("The agency's response"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=_("What went wrong, what has been done, and when the application will be decided."),
    )


class ConclusionForm(forms.Form):
    conclusion = forms.CharField(
        label=_("Conclusion"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=_("The supervisor's finding, and any correction ordered (Art. 72)."),
    )
