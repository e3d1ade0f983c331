"""Licence terms: validity periods in months (Art. 38(1) grant decisions state the term)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clipped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def validity_end(valid_from: date, months: int) -> date:
    """The last day of a term of ``months`` starting on ``valid_from`` (inclusive of both ends):
    a 60-month licence from 2026-03-01 is valid until 2031-02-28."""
    return add_months(valid_from, months) - timedelta(days=1)
