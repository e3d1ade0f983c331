"""Records of the public transparency features (issue 7): the log of licence verifications.

Not the action log: a verification is a member of the public reading the register, not an
official act (design.md principle 5 covers officials). It is kept so that agencies can see how
often, and with which results, their certificates are checked — and notice forged certificates
circulating — without keeping personal data: no token and no IP address is stored, only a
prefix of the token's SHA-256 and a keyed hash of the client address."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VerificationResult(models.TextChoices):
    """What a verification found (the licence's state on the day, law.md §2c)."""

    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")
    UNKNOWN = "unknown", _("Unknown or forged code")


class LicenceVerification(models.Model):
    """One public verification of a licence by its QR code (Art. 39, 40; issue 7 item 4)."""

    licence = models.ForeignKey(
        "licensing.Licence",
        verbose_name=_("licence"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="verifications",
        help_text=_("Empty when the code matched no licence."),
    )
    token_hash_prefix = models.CharField(
        _("token hash prefix"),
        max_length=16,
        help_text=_("The first 16 hex digits of the SHA-256 of the code presented; never the code itself."),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    result = models.CharField(_("result"), max_length=10, choices=VerificationResult.choices)
    client_hash = models.CharField(
        _("client hash"),
        max_length=32,
        blank=True,
        help_text=_("A keyed hash of the client address (HMAC-SHA-256 with the secret key); no raw address."),
    )
    channel = models.CharField(_("channel"), max_length=4, default="web", help_text=_('"web" or "api".'))

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("licence verification")
        verbose_name_plural = _("licence verifications")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["at"], name="verification_at"),
            models.Index(fields=["licence", "at"], name="verification_licence_at"),
            models.Index(fields=["result", "at"], name="verification_result_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.result} {self.token_hash_prefix}"
