"""Reads over the stored clocks: the supervisor's overdue and yellow queues (law.md §2a, §4).

The services keep ``Clock.due_on`` and ``Clock.yellow_from`` current whenever a fact or the
calendar changes (``licensing.services.clocks``), so both queues are single indexed filters
(``clock_kind_state_due`` and ``clock_kind_state_yellow``) whatever the number of
applications — never a Python loop."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from licensing.choices import ClockState
from licensing.models import Clock

__all__ = ["clocks_overdue", "clocks_yellow"]


def clocks_overdue(kind: str, today: date) -> QuerySet[Clock]:
    """Running clocks of ``kind`` whose limit ended before ``today``: the red card (Art. 74(2);
    law.md §4). A paused or stopped clock is never overdue; the due date is the last day of the
    limit, so a clock due today is not yet overdue."""
    return Clock.objects.filter(kind=kind, state=ClockState.RUNNING, due_on__lt=today)


def clocks_yellow(kind: str, today: date) -> QuerySet[Clock]:
    """Running clocks of ``kind`` in their warning window on ``today``: from the day at most
    ``item.yellow_days`` working days are left up to and including the due date (law.md §4)."""
    return Clock.objects.filter(kind=kind, state=ClockState.RUNNING, yellow_from__lte=today, due_on__gte=today)
