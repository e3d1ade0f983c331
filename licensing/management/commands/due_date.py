"""``manage.py due_date START N [--region CODE]``: the end of a limit of N working days.

Prints the ISO due date on the first line, then the explanation: the trigger, each holiday
block skipped and each make-up working day counted with its notice (Art. 82; law.md §3.7)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from licensing.calendar import calendar_for_region
from licensing.models import NATIONAL, Agency, CalendarEntry, CalendarYear
from licensing.rules.clocks import explain_due
from licensing.rules.working_days import add_working_days

MAX_DAYS = 10_000


class Command(BaseCommand):
    help = "Print the date N working days after START (the trigger day is not counted), and why."

    def add_arguments(self, parser):
        parser.add_argument("start", help="Trigger date, YYYY-MM-DD (not counted).")
        parser.add_argument("n", help="Number of working days, 0 or more.")
        parser.add_argument("--region", default=NATIONAL, help="Calendar region code (default: CN, national).")

    def handle(self, *args, start: str, n: str, region: str, **options):
        try:
            start_date = date.fromisoformat(start.strip())
        except ValueError:
            raise CommandError(f"START must be a date written YYYY-MM-DD, got {start!r}.")
        try:
            days = int(n.strip())
        except ValueError:
            raise CommandError(f"N must be a whole number of working days, got {n!r}.")
        if not 0 <= days <= MAX_DAYS:
            raise CommandError(f"N must be between 0 and {MAX_DAYS} working days, got {days}.")
        region = region.strip() or NATIONAL
        if region != NATIONAL and not (
            CalendarYear.objects.filter(region=region).exists()
            or CalendarEntry.objects.filter(region=region).exists()
            or Agency.objects.filter(region=region).exists()
        ):
            raise CommandError(f"Unknown calendar region {region!r}: no calendar rows or agencies use it.")
        cal = calendar_for_region(region)
        try:
            due = add_working_days(start_date, days, cal)
            lines = explain_due(start_date, days, cal)
        except (OverflowError, ValueError) as error:
            raise CommandError(f"Cannot count {days} working days from {start_date}: {error}.")
        self.stdout.write(due.isoformat())
        for line in lines:
            self.stdout.write(line)
