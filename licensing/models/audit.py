"""The action log: one append-only, hash-chained entry per official act (design.md principle 5).

Every act by a person or by the system (deemed acceptance, timers) is one ``ActionLogEntry``,
written by the service that performs the act, in the same transaction (``licensing.audit``).
Art. 72 and Art. 73 of the Administrative Licensing Law make officials answerable for what they
did or failed to do; the log is the record that makes them so, for ever:

* **append-only** — ``save()`` only inserts, ``delete()`` and the queryset's ``update()`` /
  ``delete()`` refuse; on PostgreSQL a trigger refuses ``UPDATE``, ``DELETE`` and ``TRUNCATE``
  (migration ``0003_audit_log_trigger``);
* **tamper-evident** — each entry stores the SHA-256 of its canonical content and of the
  previous entry's hash, so changing, removing or inserting an entry breaks the chain
  (``manage.py verify_audit``), and the daily chain head is published (``/audit/digests/``);
* **never cascade-deleted** — every foreign key out of the log is ``PROTECT``: a user, agency or
  application that has entries cannot be deleted.

The canonical form (``canonical_json``) is, precisely::

    json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    encoded as UTF-8, hashed with SHA-256, written as 64 lowercase hex digits

where ``content`` holds ``"v": 1`` (the form's version), ``seq``, ``at`` (UTC, ISO 8601 with
microseconds and ``+00:00``), ``actor`` / ``agency`` / ``application`` (primary keys),
``actor_label``, ``role``, ``action``, ``legal_basis``, ``reason``, ``changes`` and
``prev_hash`` — **keys whose value is ``None`` are left out**. A field added later (the licence
concerned, say) must be nullable: old entries have ``None`` there, so their hashes stay valid, and
new entries that set it are covered by their hash. Changing what an existing key means needs a
new ``v``. The first entry's ``prev_hash`` is ``GENESIS_HASH``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from licensing.choices import Role

CANONICAL_VERSION = 1
GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of entry #1: the chain starts from nothing."""

SYSTEM_ACTOR = "system"
"""``actor_label`` and ``role`` of entries the system writes on its own (timers, deemed acceptance)."""


class AuditAction(models.TextChoices):
    """The legal acts the log records, named as the procedure names them (style.md 10, 18).

    One vocabulary for services, log entries, filters and exports; ``licensing.audit.audit_record``
    accepts only these values, so a new service adds its act here."""

    SUBMIT = "submit", _("Submit an application (Art. 29)")
    ACCEPT = "accept", _("Accept (Art. 32(1)(5))")
    NOT_ACCEPT = "not_accept", _("Not accept (Art. 32(1)(1)–(2))")
    REQUEST_SUPPLEMENT = "request_supplement", _("Request a one-time supplement (Art. 32(1)(4))")
    DEEM_ACCEPT = "deem_accept", _("Deemed acceptance (Art. 32(4))")
    CORRECT_ON_SPOT = "correct_on_spot", _("Correct an error on the spot (Art. 32(1)(3))")
    SUPPLY_MATERIALS = "supply_materials", _("Supply listed materials (Art. 32(1)(4))")
    ASSIGN_EXAMINER = "assign_examiner", _("Assign the examiner (Art. 34)")
    VERIFY = "verify", _("Verify the substance with two officers (Art. 34(3))")
    INSPECT = "inspect", _("Inspect on site (Art. 55)")
    REQUEST_EXTENSION = "request_extension", _("Ask the head for an extension (Art. 42)")
    DRAFT_DECISION = "draft_decision", _("Draft the decision (Art. 38)")
    RETURN_DECISION = "return_decision", _("Return the draft decision unsigned")
    PAUSE_CLOCK = "pause_clock", _("Pause the clock for an excluded procedure (Art. 45)")
    RESUME_CLOCK = "resume_clock", _("Resume the clock (Art. 45)")
    EXTEND = "extend", _("Extend the decision limit (Art. 42)")
    DECIDE = "decide", _("Decide (Arts. 37–38)")
    ISSUE_CERTIFICATE = "issue_certificate", _("Issue the certificate (Art. 44)")
    WITHDRAW = "withdraw", _("Withdraw the application")
    RECOMPUTE_CLOCKS = "recompute_clocks", _("Recompute the clocks (Art. 82)")
    RATE = "rate", _("Rate the service (好差评)")
    RECTIFICATION_CONTACT = "rectification_contact", _("Contact the applicant after a bad rating")
    RECTIFICATION_COMPLETE = "rectification_complete", _("Rectify after a bad rating")
    SUPERVISION_YELLOW = "supervision_yellow", _("Yellow warning: a deadline is near (e-supervision)")
    SUPERVISION_RED = "supervision_red", _("Red card: a deadline was missed (Art. 74(2), e-supervision)")
    SUPERVISION_OPEN = "supervision_open", _("Open a supervision case (督办)")
    SUPERVISION_RESPOND = "supervision_respond", _("Respond to a supervision case")
    SUPERVISION_CLOSE = "supervision_close", _("Close a supervision case")


class AuditLogAppendOnly(Exception):
    """Raised on any attempt to change or delete an action-log entry through the ORM
    (design.md principle 5: the log is append-only)."""


class ActionLogEntryQuerySet(models.QuerySet):
    """Refuses bulk changes: entries are only ever inserted (principle 5)."""

    def update(self, **kwargs):
        raise AuditLogAppendOnly(_("Action-log entries cannot be changed."))

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogAppendOnly(_("Action-log entries cannot be changed."))

    def delete(self):
        raise AuditLogAppendOnly(_("Action-log entries cannot be deleted."))

    delete.alters_data = True
    delete.queryset_only = True

    def _raw_delete(self, using):
        raise AuditLogAppendOnly(_("Action-log entries cannot be deleted."))

    def _update(self, values):
        raise AuditLogAppendOnly(_("Action-log entries cannot be changed."))


class ActionLogEntry(models.Model):
    """One official act: who, when, in which role and agency, on which legal basis, why, and
    what changed (design.md principle 5; Arts. 72–73). Written only by
    ``licensing.audit.audit_record``, in the transaction of the act it records.

    Not under django-simple-history: an entry never changes, so it has no history to keep."""

    seq = models.PositiveBigIntegerField(
        _("sequence number"), unique=True, help_text=_("1, 2, 3 … without gaps, in the order acts committed.")
    )
    at = models.DateTimeField(_("at"), help_text=_("When the act was recorded."))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        db_index=False,  # the (actor, at) index below serves look-ups by actor
        help_text=_("Empty when the system acted (timers, deemed acceptance)."),
    )
    actor_label = models.CharField(
        _("actor label"), max_length=150, help_text=_('The username at the time, or "system".')
    )
    role = models.CharField(
        _("role"), max_length=30, blank=True, help_text=_('The role the actor acted in, or "system".')
    )
    agency = models.ForeignKey(
        "licensing.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        db_index=False,  # the (agency, at) index below serves look-ups by agency
        help_text=_("The actor's agency at the time."),
    )
    action = models.CharField(_("action"), max_length=40, help_text=_("The legal act, e.g. accept, decide."))
    application = models.ForeignKey(
        "licensing.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        db_index=False,  # the (application, seq) index below serves the timeline
    )
    legal_basis = models.CharField(
        _("legal basis"), max_length=200, blank=True, help_text=_('The article acted on, e.g. "Art. 32(4)".')
    )
    reason = models.TextField(_("reason"), blank=True)
    changes = models.JSONField(
        _("changes"), default=dict, blank=True, help_text=_("Changed fields: {field: [before, after]}.")
    )
    prev_hash = models.CharField(_("previous entry's hash"), max_length=64)
    hash = models.CharField(
        _("hash"), max_length=64, unique=True, help_text=_("SHA-256 of the canonical content and prev_hash.")
    )

    objects = ActionLogEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("action-log entry")
        verbose_name_plural = _("action log")
        base_manager_name = "objects"  # so Django's internal updates meet the guard too
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            models.Index(fields=["agency", "at"], name="audit_agency_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["application", "seq"], name="audit_application_seq"),
            models.Index(fields=["at"], name="audit_at"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_label}"

    def save(self, *args, **kwargs):
        """Insert only: an entry that exists can never be saved again (principle 5)."""
        if not self._state.adding:
            raise AuditLogAppendOnly(_("Action-log entries cannot be changed."))
        kwargs["force_insert"] = True
        kwargs.pop("force_update", None)
        kwargs.pop("update_fields", None)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogAppendOnly(_("Action-log entries cannot be deleted."))

    @property
    def action_label(self) -> str:
        """The legal act in words (the value itself for an act no longer in ``AuditAction``)."""
        return AuditAction(self.action).label if self.action in AuditAction.values else self.action

    @property
    def role_label(self) -> str:
        if self.role == SYSTEM_ACTOR:
            return _("System")
        return Role(self.role).label if self.role in Role.values else self.role

    def canonical_content(self) -> dict[str, Any]:
        """The hashed content (see the module docstring): every field but ``hash``, ids for
        foreign keys, ``at`` in UTC; keys whose value is ``None`` left out."""
        content = {
            "v": CANONICAL_VERSION,
            "seq": self.seq,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds") if self.at else None,
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "role": self.role,
            "agency": self.agency_id,
            "action": self.action,
            "application": self.application_id,
            "legal_basis": self.legal_basis,
            "reason": self.reason,
            "changes": self.changes,
            "prev_hash": self.prev_hash,
        }
        return {key: value for key, value in content.items() if value is not None}

    def canonical_json(self) -> bytes:
        return json.dumps(
            self.canonical_content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")

    def compute_hash(self) -> str:
        """SHA-256 hex of ``canonical_json()``: what ``hash`` must be for an unaltered entry."""
        return hashlib.sha256(self.canonical_json()).hexdigest()


class ActionLogHead(models.Model):
    """The chain head: one row (pk 1) holding the last entry's ``seq`` and ``hash``.

    Writers lock it (``SELECT … FOR UPDATE``) before appending, so on PostgreSQL concurrent acts
    get consecutive sequence numbers and link to each other in commit order (principle 6); a
    rolled-back act rolls back its head update too, so no number is lost. It also lets
    ``verify_audit`` notice entries removed from the end of the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(_("last sequence number"), default=0)
    hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("action-log head")
        verbose_name_plural = _("action-log head")
        default_permissions = ()
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_singleton")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash}"
