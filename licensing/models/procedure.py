"""The recorded acts of the procedure: materials, the one-time supplement notice, verification,
decisions, licences and the documents served (law.md §2b, §5). Rows are facts: once issued they
are not edited; a correction is a new row (a document re-issued is a new version)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from licensing.choices import DecisionKind, DocumentKind, LicenceStatus, NonAcceptanceGround


def material_upload_to(instance: Material, filename: str) -> str:
    return f"materials/{instance.application_id}/{secrets.token_hex(8)}-{filename[-80:]}"


def document_upload_to(instance: Document, filename: str) -> str:
    return f"documents/{instance.application_id}/{filename}"


class Material(models.Model):
    """A file the applicant submitted for one entry of the item's materials list (Art. 31)."""

    application = models.ForeignKey("licensing.Application", on_delete=models.PROTECT, related_name="materials")
    requirement = models.ForeignKey(
        "licensing.MaterialRequirement", on_delete=models.PROTECT, related_name="materials"
    )
    file = models.FileField(_("file"), upload_to=material_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    answers_notice = models.ForeignKey(
        "licensing.SupplementNotice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="materials",
        help_text=_("Set when the file answers a one-time supplement notice."),
    )
    superseded = models.BooleanField(_("superseded by a later file"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["application", "requirement__order", "pk"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.original_name


class SupplementNotice(models.Model):
    """The one-time supplement notice (D4, Art. 32(4)): every missing or defective item at once,
    only from the item's materials list (Art. 31). A later notice may only repeat items of the
    first that are still unmet [INT]."""

    application = models.ForeignKey(
        "licensing.Application", on_delete=models.PROTECT, related_name="supplement_notices"
    )
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    how_to_submit = models.TextField(_("how and where to submit"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["application", "issued_on", "pk"]
        verbose_name = _("one-time supplement notice")
        verbose_name_plural = _("one-time supplement notices")

    def __str__(self) -> str:
        return f"{self.application} {self.issued_on}"


class SupplementNoticeItem(models.Model):
    """One listed item of a supplement notice, and whether it has been met."""

    notice = models.ForeignKey(SupplementNotice, on_delete=models.PROTECT, related_name="items")
    requirement = models.ForeignKey("licensing.MaterialRequirement", on_delete=models.PROTECT, related_name="+")
    what_is_needed = models.TextField(_("what is needed"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)

    class Meta:
        ordering = ["notice", "requirement__order"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "requirement"], name="supplement_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.requirement}: {self.what_is_needed}"


class Verification(models.Model):
    """Verification of the substance of materials by two or more officers (Art. 34(3)), or the
    on-site inspection of Art. 55 (dispatched within 5 working days of acceptance)."""

    application = models.ForeignKey("licensing.Application", on_delete=models.PROTECT, related_name="verifications")
    is_inspection = models.BooleanField(_("on-site inspection (Art. 55)"), default=False)
    findings = models.TextField(_("findings"))
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="verifications")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    performed_on = models.DateField(_("performed on"))
    history = HistoricalRecords(m2m_fields=[officers])

    class Meta:
        ordering = ["application", "performed_on", "pk"]
        verbose_name = _("verification record")
        verbose_name_plural = _("verification records")

    def __str__(self) -> str:
        return f"{self.application} {self.performed_on}"


class Decision(models.Model):
    """A written decision: non-acceptance (D3), grant (D12) or denial (D13).

    A denial needs reasons and the remedy block (Art. 38(2), 72(7)); a denial resting on
    testing cites the technical standard (Art. 55). Grants and denials are drafted by the
    examiner and signed by the head (law.md #21–22)."""

    application = models.ForeignKey("licensing.Application", on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("kind"), max_length=20, choices=DecisionKind.choices)
    on_the_spot = models.BooleanField(_("decided on the spot (Art. 34(2))"), default=False)
    non_acceptance_ground = models.CharField(
        _("ground for non-acceptance"), max_length=30, choices=NonAcceptanceGround.choices, blank=True
    )
    competent_organ = models.CharField(_("competent organ to apply to (Art. 32(2))"), max_length=200, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    technical_standard = models.CharField(_("technical standard relied on (Art. 55)"), max_length=300, blank=True)
    scope = models.TextField(_("licensed scope"), blank=True)
    conditions = models.TextField(_("conditions attached"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    remedy = models.TextField(_("remedy block"), blank=True)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    returned = models.BooleanField(_("returned to the examiner unsigned"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["application", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="denial") | ~Q(reasons="") | Q(signed_on__isnull=True),
                name="decision_denial_has_reasons",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.get_kind_display()}"


def new_verification_token() -> str:
    return secrets.token_urlsafe(24)


class Licence(models.Model):
    """The licence granted (Art. 39), served within 10 working days of the grant (Art. 44).

    ``verification_token`` is printed as a QR code; it is unguessable and verifies the licence
    publicly without login (design: what peers' users ask for, #10)."""

    number = models.CharField(_("licence number"), max_length=40, unique=True)
    application = models.OneToOneField("licensing.Application", on_delete=models.PROTECT, related_name="licence")
    item = models.ForeignKey("licensing.LicenceItem", on_delete=models.PROTECT, related_name="licences")
    agency = models.ForeignKey("licensing.Agency", on_delete=models.PROTECT, related_name="licences")
    holder_name = models.CharField(_("holder"), max_length=200)
    holder_is_organisation = models.BooleanField(_("holder is an organisation"), default=False)
    scope = models.TextField(_("scope"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=LicenceStatus.choices, default=LicenceStatus.ACTIVE)
    verification_token = models.CharField(max_length=64, unique=True, default=new_verification_token, editable=False)
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(excluded_fields=["verification_token"])

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        indexes = [models.Index(fields=["status", "valid_until"], name="licence_status_until")]

    def __str__(self) -> str:
        return self.number


class DocumentQuerySet(models.QuerySet):
    """Refuses bulk changes and deletes, like ``Document.save`` and ``Document.delete`` do for one
    document: what was served stays as it was served."""

    def _refuse(self, what: str):
        from licensing.documents import DocumentImmutable

        raise DocumentImmutable(f"Issued documents cannot be {what}; issue a new version instead.")

    def update(self, **kwargs):
        self._refuse("changed")

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse("changed")

    def delete(self):
        self._refuse("deleted")

    delete.alters_data = True
    delete.queryset_only = True


class Document(models.Model):
    """A document served in writing with the organ's seal and date (law.md §5), stored as a
    PDF. Its content is fixed once issued: re-issuing creates a new version."""

    application = models.ForeignKey("licensing.Application", on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=4, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    history = HistoricalRecords()

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["application", "issued_at", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(fields=["application", "kind", "version"], name="document_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def save(self, *args, **kwargs):
        """Insert only: an issued document is never changed (its file and SHA-256 are what was
        served, sealed and dated, Art. 32(2), 38). Re-issuing is a new version through
        ``licensing.documents.document_issue``."""
        from licensing.documents import DocumentImmutable

        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields") is not None:
            raise DocumentImmutable("An issued document cannot be changed; issue a new version instead.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        """Refused: what was served stays on the record for ever (design principle 5)."""
        from licensing.documents import DocumentImmutable

        raise DocumentImmutable("An issued document cannot be deleted.")
