"""The applicant portal's forms: the account, the profile, the application form generated from the
licence item's configuration (Art. 29: the organ provides the form; nothing unrelated), and the
small forms of answering, withdrawing and rating.

Messages follow the GOV.UK pattern: they say what to do ("Enter your full name"), and every
field is described to assistive technology by its hint and its error (WCAG 2.2 SC 3.3.1, 3.3.2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from licensing.choices import ApplicantKind, RatingLevel
from licensing.errors import DomainError
from licensing.models import ApplicantProfile, LicenceItem, User
from licensing.rules.identifiers import is_valid_credit_code, is_valid_id_number

FIELD_TYPES = ("text", "textarea", "number", "date", "choice")
TEXT_MAX = 500
TEXTAREA_MAX = 5000


class AccessibleFormMixin:
    """Connect each input to its hint and error message (``aria-describedby``) and mark invalid
    inputs (``aria-invalid``); the templates render the hint as ``<id>-hint`` and the error as
    ``<id>-error``."""

    def describe_fields(self) -> None:
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}-hint")
            if self.is_bound and name in self.errors:
                ids.append(f"{bound.auto_id}-error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def full_clean(self) -> None:
        super().full_clean()
        self.describe_fields()


class PortalForm(AccessibleFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.describe_fields()


# -- identifiers ----------------------------------------------------------------------------------


def validate_credit_code(value: str) -> None:
    if not is_valid_credit_code(value):
        raise ValidationError(
            _("Enter a unified social credit code in the correct format, like 91350100M000100Y43"), code="credit_code"
        )


def validate_id_number(value: str) -> None:
    if not is_valid_id_number(value):
        raise ValidationError(
            _("Enter an 18-character resident identity card number in the correct format"), code="id_number"
        )


# -- accounts -------------------------------------------------------------------------------------


class SignUpForm(PortalForm):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=150,
        help_text=_("We will send a link to this address to confirm it is yours."),
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the correct format, like name@example.com"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label=_("Create a password"),
        strip=False,
        help_text=_("At least 8 characters; not only numbers, and not a common password."),
        error_messages={"required": _("Enter a password")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Confirm your password"),
        strip=False,
        error_messages={"required": _("Enter the password again")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The passwords do not match"))
        elif p1:
            user = User(username=data.get("email", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(p1, user)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class ProfileForm(AccessibleFormMixin, forms.ModelForm):
    """The applicant's profile: a person or an organisation, with contact details."""

    kind = forms.ChoiceField(
        label=_("Are you applying as a person or as an organisation?"),
        choices=ApplicantKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether you apply as a person or as an organisation")},
    )

    class Meta:
        model = ApplicantProfile
        fields = ["kind", "full_name", "id_number", "organisation_name", "credit_code", "contact_person", "phone",
                  "address"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "id_number": forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
            "organisation_name": forms.TextInput(attrs={"autocomplete": "organization"}),
            "credit_code": forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
            "contact_person": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
        }
        help_texts = {
            "full_name": _("If you apply as a person: your name as on your identity card."),
            "id_number": _("If you apply as a person: 18 characters."),
            "organisation_name": _("If you apply as an organisation: its registered name."),
            "credit_code": _("If you apply as an organisation: 18 characters, on its business licence."),
            "contact_person": _("If you apply as an organisation: who we should contact."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = True
        self.fields["phone"].error_messages["required"] = _("Enter a phone number")
        self.describe_fields()

    def clean_id_number(self) -> str:
        return self.cleaned_data["id_number"].strip().upper()

    def clean_credit_code(self) -> str:
        return self.cleaned_data["credit_code"].strip().upper()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == ApplicantKind.PERSON:
            if not data.get("full_name", "").strip():
                self.add_error("full_name", _("Enter your full name"))
            if not data.get("id_number"):
                self.add_error("id_number", _("Enter your resident identity card number"))
            elif not is_valid_id_number(data["id_number"]):
                self.add_error("id_number", _("Enter an 18-character resident identity card number in the correct "
                                              "format"))
        elif kind == ApplicantKind.ORGANISATION:
            if not data.get("organisation_name", "").strip():
                self.add_error("organisation_name", _("Enter the organisation's name"))
            if not data.get("credit_code"):
                self.add_error("credit_code", _("Enter the unified social credit code"))
            elif not is_valid_credit_code(data["credit_code"]):
                self.add_error("credit_code", _("Enter a unified social credit code in the correct format, like "
                                                "91350100M000100Y43"))
            if not data.get("contact_person", "").strip():
                self.add_error("contact_person", _("Enter the name of the contact person"))
        return data


# -- the application form -------------------------------------------------------------------------


def _choices(raw: Any) -> list[tuple[str, str]]:
    out = []
    for choice in raw or []:
        if isinstance(choice, list | tuple) and len(choice) == 2:
            out.append((str(choice[0]), str(choice[1])))
        elif isinstance(choice, dict):
            out.append((str(choice.get("value", "")), str(choice.get("label", choice.get("value", "")))))
        else:
            out.append((str(choice), str(choice)))
    return out


def schema_field(spec: dict) -> forms.Field:
    """One form field from one entry of ``LicenceItem.form_schema``."""
    label = str(spec.get("label") or spec["name"])
    kind = spec.get("type", "text")
    required = bool(spec.get("required", False))
    common = {"label": label, "required": required, "help_text": str(spec.get("help") or "")}
    missing = _("Enter %(label)s") % {"label": label}
    if kind == "textarea":
        field = forms.CharField(max_length=TEXTAREA_MAX, widget=forms.Textarea(attrs={"rows": 5}), **common)
    elif kind == "number":
        field = forms.DecimalField(max_digits=18, decimal_places=4, **common)
        field.error_messages["invalid"] = _("%(label)s must be a number") % {"label": label}
        field.widget.attrs["inputmode"] = "decimal"
        field.widget.input_type = "text"
    elif kind == "date":
        field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        field.error_messages["invalid"] = _("%(label)s must be a real date, like 2025-03-27") % {"label": label}
    elif kind == "choice":
        choices = _choices(spec.get("choices"))
        field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        missing = _("Select %(label)s") % {"label": label}
    else:
        field = forms.CharField(max_length=TEXT_MAX, **common)
    field.error_messages["required"] = missing
    if isinstance(field, forms.CharField):
        field.error_messages["max_length"] = _("%(label)s must be %(max)d characters or fewer") % {
            "label": label,
            "max": field.max_length or TEXT_MAX,
        }
    return field


def item_form_class(item: LicenceItem) -> type[forms.Form]:
    """A form class for the item's application form (``form_schema``); field names are the
    schema's names, prefixed ``f_`` so they cannot clash with anything else on the page."""
    fields = {
        f"f_{spec['name']}": schema_field(spec)
        for spec in item.form_schema or []
        if isinstance(spec, dict) and spec.get("name")
    }
    return type("ItemForm", (PortalForm,), fields)


def _to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def form_data_initial(form_data: dict) -> dict:
    return {f"f_{name}": value for name, value in (form_data or {}).items()}


def form_data_clean(item: LicenceItem, data: dict, *, partial: bool = False) -> dict:
    """Validate answers against the item's form (``{name: value}``); return them as JSON values,
    or raise ``DomainError`` whose ``fields`` are keyed by the schema's names. ``partial`` checks
    only the answers given (for saving a draft through the API)."""
    form_class = item_form_class(item)
    form = form_class(data={f"f_{k}": v for k, v in (data or {}).items()})
    unknown = sorted(set(data or {}) - {name[2:] for name in form.fields})
    errors: dict[str, list[str]] = {}
    if unknown:
        errors["form_data"] = [_("These fields are not on the form: %(names)s") % {"names": ", ".join(unknown)}]
    form.is_valid()
    for name, messages in form.errors.items():
        key = name[2:]
        if partial and key not in (data or {}):
            continue
        errors[key] = [str(m) for m in messages]
    if errors:
        raise DomainError(_("Some answers need correcting."), code="invalid", fields=errors)
    cleaned = form.cleaned_data
    return {
        name[2:]: _to_json(cleaned.get(name))
        for name in form.fields
        if (not partial or name[2:] in (data or {})) and cleaned.get(name) not in (None, "")
    }


def form_answers(item: LicenceItem, form_data: dict) -> list[tuple[str, str, str]]:
    """(name, label, answer shown) for each field of the item's form, in the form's order."""
    rows = []
    for spec in item.form_schema or []:
        if not isinstance(spec, dict) or not spec.get("name"):
            continue
        value = (form_data or {}).get(spec["name"], "")
        if spec.get("type") == "choice":
            value = dict(_choices(spec.get("choices"))).get(str(value), value)
        rows.append((spec["name"], str(spec.get("label") or spec["name"]), str(value)))
    return rows


class WhoForm(PortalForm):
    """Who is applying: the account holder for themselves, or as an agent (Art. 29)."""

    as_agent = forms.TypedChoiceField(
        label=_("Who are you applying for?"),
        choices=[("no", _("For myself, or for the organisation in my profile")),
                 ("yes", _("For someone else, as their agent"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Select who you are applying for")},
    )
    holder_name = forms.CharField(
        label=_("Name of the applicant you act for"),
        max_length=200,
        required=False,
        help_text=_("If you are an agent: the person or organisation that will hold the licence."),
    )
    holder_is_organisation = forms.TypedChoiceField(
        label=_("Is the applicant you act for an organisation?"),
        choices=[("no", _("No, a person")), ("yes", _("Yes, an organisation"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        required=False,
    )
    principal_id_number = forms.CharField(
        label=_("Their ID number or unified social credit code"),
        max_length=18,
        required=False,
        help_text=_("If you are an agent: 18 characters."),
    )

    def clean(self):
        data = super().clean()
        if data.get("as_agent"):
            if not data.get("holder_name", "").strip():
                self.add_error("holder_name", _("Enter the name of the applicant you act for"))
            if self.data.get("holder_is_organisation") not in ("yes", "no"):
                self.add_error("holder_is_organisation", _("Select whether the applicant is an organisation"))
            number = data.get("principal_id_number", "").strip().upper()
            data["principal_id_number"] = number
            if not number:
                self.add_error("principal_id_number", _("Enter their ID number or unified social credit code"))
            elif data.get("holder_is_organisation") and not is_valid_credit_code(number):
                self.add_error("principal_id_number", _("Enter a unified social credit code in the correct format, "
                                                        "like 91350100M000100Y43"))
            elif not data.get("holder_is_organisation") and not is_valid_id_number(number):
                self.add_error("principal_id_number", _("Enter an 18-character resident identity card number in the "
                                                        "correct format"))
        return data


DECLARATION_TEXT = _(
    "I declare that the information in this application and the materials I have uploaded are true, "
    "complete and accurate, and I answer for their truth (Administrative Licensing Law, Art. 31). "
    "I understand that an application with false information or materials is not accepted or is denied, "
    "and that a licence obtained by deception is revoked (Arts. 69, 78, 79)."
)


class DeclarationForm(PortalForm):
    confirm = forms.BooleanField(
        label=_("I confirm this declaration"),
        error_messages={"required": _("Confirm the declaration to continue")},
    )


class WithdrawForm(PortalForm):
    reason = forms.CharField(
        label=_("Why are you withdrawing? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RatingForm(PortalForm):
    level = forms.TypedChoiceField(
        label=_("How satisfied are you with how this application was handled?"),
        choices=RatingLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how satisfied you are")},
    )
    comment = forms.CharField(
        label=_("Tell us why (optional)"),
        required=False,
        max_length=2000,
        help_text=_("If you are dissatisfied, the agency must contact you and put things right."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class NoteForm(PortalForm):
    note = forms.CharField(
        label=_("Note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Enter a note")},
    )
