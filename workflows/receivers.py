"""Following the legal state: the receivers that start and steer processes from licensing's
signals (licensing imports neither viewflow nor this package; design.md "Layout")."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from licensing.choices import ApplicationStatus as S
from licensing.models import SupplementNotice
from licensing.signals import application_status_changed
from workflows.services import process_start_for, process_sync_after_commit


@receiver(application_status_changed, dispatch_uid="workflows.follow_status")
def follow_status(sender, *, application, old_status, new_status, actor=None, **kwargs):
    """Submission starts the process in the same transaction (an application is never received
    without a step in some clerk's queue); every other change is followed after commit, without
    waiting for a process another officer holds (the sweep catches up on those)."""
    if old_status == S.DRAFT and new_status == S.RECEIVED:
        process_start_for(application)
    process_sync_after_commit(application.pk)


@receiver(post_save, sender=SupplementNotice, dispatch_uid="workflows.follow_supplement")
def follow_supplement(sender, *, instance, update_fields=None, **kwargs):
    """The applicant supplied every listed item (``answered_at`` set): the clerk reviews it."""
    if instance.answered_at is not None and (update_fields is None or "answered_at" in update_fields):
        process_sync_after_commit(instance.application_id)
