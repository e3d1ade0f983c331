"""Domain signals, so that orchestration (workflows) and notifications can follow the legal
state without licensing importing them (design.md "Layout").

``application_status_changed`` is sent by the services inside their transaction, after the new
status is saved, with keyword arguments ``application``, ``old_status``, ``new_status`` and
``actor`` (a user, or None for the system). Receivers that cause side effects outside the
database must defer them with ``transaction.on_commit``."""

from django.dispatch import Signal

application_status_changed = Signal()

document_issued = Signal()
"""Sent by ``licensing.documents.document_issue`` inside its transaction with ``document``."""
