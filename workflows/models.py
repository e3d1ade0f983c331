"""The viewflow process of one application: *who must act next* (style.md 8).

The legal position stays in ``licensing.Application.status``; this row only links the process
to its application and carries the routing facts that are not legal acts (an extension request
waiting for the head)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


class LicensingProcess(Process):
    """A multi-table ``Process`` subclass with a real foreign key to the application
    (viewflow.md §3 (b); integer primary keys, trap 8). One process per application."""

    application = models.OneToOneField(
        "licensing.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="licensing_process",
    )
    extension_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("extension requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Set while an Art. 42 extension request waits for the head's approval."),
    )
    extension_reason = models.TextField(_("reason given for the extension"), blank=True)

    class Meta:
        verbose_name = _("licensing process")
        verbose_name_plural = _("licensing processes")

    def __str__(self) -> str:
        return f"{self.application_id and self.application.number} #{self.pk}"
