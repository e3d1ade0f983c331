"""The service catalogue: licence items and their service guides (办事指南).

The item record is the executable configuration (design.md principle 1): the public guide is
rendered from it, the clerk's checklist is generated from it and the clocks run on it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from licensing.choices import (
    CertificateType,
    HandlingMode,
    ItemCategory,
    MaterialForm,
    RequirementKind,
    TopicKind,
)
from licensing.rules import clocks


class Topic(models.Model):
    """A life event (for citizens) or a business topic, used to browse the catalogue."""

    kind = models.CharField(_("kind"), max_length=20, choices=TopicKind.choices)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "order", "name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name


class LicenceItemQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class LicenceItem(models.Model):
    """A licensing item (行政许可事项) with every element Art. 30 requires to be published:
    item, legal basis, conditions, quantity, procedure, time limits, materials and forms."""

    code = models.SlugField(_("item code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    agency = models.ForeignKey(
        "licensing.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="items"
    )
    lower_agency = models.ForeignKey(
        "licensing.Agency",
        verbose_name=_("lower organ (two-tier review)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="preliminary_items",
        help_text=_("For two-tier items (Art. 35): the organ that reviews first."),
    )
    category = models.CharField(
        _("kind of licence"), max_length=20, choices=ItemCategory.choices, default=ItemCategory.GENERAL
    )
    summary = models.TextField(_("summary"), blank=True)
    legal_basis = models.TextField(
        _("legal basis"), help_text=_("Laws and regulations this item rests on (Art. 30).")
    )
    legal_articles = models.CharField(
        _("article references"),
        max_length=300,
        help_text=_("For example: 《食品安全法》第35条; 《食品经营许可和备案管理办法》第10条."),
    )
    conditions = models.TextField(_("conditions"), help_text=_("Conditions the applicant must meet."))
    applicant_scope = models.TextField(_("who may apply"), blank=True)
    quantity_limit = models.PositiveIntegerField(
        _("quantity limit"),
        null=True,
        blank=True,
        help_text=_("Number of licences available, if limited (Art. 57: granted in acceptance order)."),
    )
    procedure = models.TextField(_("procedure"), blank=True, help_text=_("Steps, in plain words."))
    statutory_days = models.PositiveSmallIntegerField(
        _("statutory time limit (working days)"),
        default=clocks.DECISION_DAYS,
        validators=[MinValueValidator(1)],
        help_text=_("Art. 42: 20 working days unless a law or regulation sets another; 45 for joint handling."),
    )
    promised_days = models.PositiveSmallIntegerField(
        _("promised time limit (working days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("承诺时限: the published shorter limit; at most the statutory limit."),
    )
    extension_days = models.PositiveSmallIntegerField(
        _("extension (working days)"),
        default=clocks.EXTENSION_DAYS,
        help_text=_("Art. 42: 10 working days, 15 under joint or centralised handling."),
    )
    yellow_days = models.PositiveSmallIntegerField(
        _("yellow warning at (working days left)"), default=clocks.DEFAULT_YELLOW_DAYS
    )
    handling_mode = models.CharField(
        _("handling mode"), max_length=20, choices=HandlingMode.choices, default=HandlingMode.SINGLE
    )
    on_the_spot = models.BooleanField(_("on-the-spot decision possible (Art. 34(2))"), default=False)
    hearing_mandatory = models.BooleanField(_("hearing required by law (Art. 46)"), default=False)
    verification_required = models.BooleanField(
        _("substantive verification by two officers (Art. 34(3))"), default=False
    )
    inspection_required = models.BooleanField(
        _("on-site inspection or testing dispatch (Art. 55)"), default=False
    )
    two_tier = models.BooleanField(_("two-tier review (Art. 35)"), default=False)
    in_person_required = models.BooleanField(_("applicant must apply in person (Art. 29)"), default=False)
    online_available = models.BooleanField(_("can be filed online (Art. 33)"), default=True)
    certificate_type = models.CharField(
        _("certificate type"), max_length=20, choices=CertificateType.choices, default=CertificateType.PERMIT
    )
    certificate_name = models.CharField(_("certificate name"), max_length=120, blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"), null=True, blank=True, help_text=_("Empty means no expiry.")
    )
    renewal_notice_days = models.PositiveSmallIntegerField(
        _("renewal filing period (calendar days before expiry)"),
        default=30,
        help_text=_("Art. 50: apply 30 days before expiry unless a law, regulation or rule says otherwise."),
    )
    territorial_scope = models.CharField(_("territorial scope (Art. 41)"), max_length=120, blank=True)
    form_schema = models.JSONField(
        _("application form fields"),
        default=list,
        blank=True,
        help_text=_(
            "A list of fields: {name, label, type (text|textarea|number|date|choice), required, "
            "choices, help}. Only content directly related to the item (Art. 29)."
        ),
    )
    consultation = models.TextField(_("where to ask"), blank=True)
    complaint_channel = models.TextField(_("where to complain"), blank=True)
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="items")
    published = models.BooleanField(
        _("published"), default=False, help_text=_("Unpublished rules cannot be applied (Art. 5).")
    )
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[topics])

    objects = LicenceItemQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("licence item")
        verbose_name_plural = _("licence items")
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_days__isnull=True) | Q(promised_days__lte=models.F("statutory_days")),
                name="item_promised_within_statutory",
                violation_error_message=_("The promised limit may not exceed the statutory limit."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("public:item", kwargs={"code": self.code})

    @property
    def is_free(self) -> bool:
        return not any(fee.amount for fee in self.fees.all())

    def clean(self) -> None:
        errors = {}
        if self.promised_days and self.promised_days > self.statutory_days:
            errors["promised_days"] = _("The promised limit may not exceed the statutory limit.")
        if self.two_tier and not self.lower_agency_id:
            errors["lower_agency"] = _("A two-tier item needs the lower organ.")
        if self.lower_agency_id and self.lower_agency_id == self.agency_id:
            errors["lower_agency"] = _("The lower organ must differ from the deciding organ.")
        if errors:
            raise ValidationError(errors)


class MaterialRequirement(models.Model):
    """One entry of the full list of materials (Art. 30, Art. 31: nothing unrelated may be asked)."""

    item = models.ForeignKey(LicenceItem, on_delete=models.CASCADE, related_name="requirements")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("required"), max_length=20, choices=RequirementKind.choices, default=RequirementKind.REQUIRED
    )
    condition = models.CharField(_("when required"), max_length=300, blank=True)
    form = models.CharField(_("form"), max_length=20, choices=MaterialForm.choices, default=MaterialForm.ELECTRONIC)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    accepted_types = models.CharField(
        _("accepted file types"), max_length=100, default="pdf,jpg,png", help_text=_("Comma-separated extensions.")
    )
    max_size_mb = models.PositiveSmallIntegerField(_("size limit (MB)"), default=10)
    sample_available = models.BooleanField(_("sample form available (free, Art. 58)"), default=False)
    shared_data_source = models.CharField(
        _("obtained by data sharing from"),
        max_length=200,
        blank=True,
        help_text=_("Decree 716 Art. 7: information the organ can obtain by sharing is not asked for."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "order", "pk"]
        verbose_name = _("material requirement")
        verbose_name_plural = _("material requirements")

    def __str__(self) -> str:
        return self.name

    @property
    def accepted_type_list(self) -> list[str]:
        return [t.strip().lower().lstrip(".") for t in self.accepted_types.split(",") if t.strip()]

    def clean(self) -> None:
        if self.kind == RequirementKind.CONDITIONAL and not self.condition:
            raise ValidationError({"condition": _("Say when a conditional material is required.")})
        if not self.accepted_type_list:
            raise ValidationError({"accepted_types": _("List at least one accepted file type.")})


class Fee(models.Model):
    """A fee from the statutory schedule (Arts. 58–59). No rows means the item is free."""

    item = models.ForeignKey(LicenceItem, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=10, decimal_places=2)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "pk"]
        verbose_name = _("fee")
        verbose_name_plural = _("fees")

    def __str__(self) -> str:
        return f"{self.name}: {self.amount}"
