"""``manage.py load_calendar [--region CN] [--file CSV] [--publish]``: load the working-day calendar.

Without ``--file``: (re-)seed the national calendar 2004-2026 from the ``chinesecalendar``
package, idempotently; unpublished years it covers are published and open clocks recounted.
With ``--file``: import a year's notice from a CSV file with the columns ``date,kind,name,notice``
(kind ``rest`` or ``work``) into ``--region``; ``--publish`` then publishes the years it touched
(law.md §3.5-§3.6; Art. 82). Any bad row stops the import, names the line, and exits non-zero."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from licensing.errors import DomainError
from licensing.models import NATIONAL
from licensing.services.calendar import (
    CalendarImportError,
    calendar_entries_import,
    calendar_lines_parse_csv,
    calendar_seed_from_package,
    calendar_year_publish,
)


class Command(BaseCommand):
    help = "Seed the national working-day calendar from chinesecalendar, or import a CSV notice."

    def add_arguments(self, parser):
        parser.add_argument("--region", default=NATIONAL, help="Calendar region (default: CN, national).")
        parser.add_argument("--file", help="CSV file with columns date,kind,name,notice (UTF-8).")
        parser.add_argument(
            "--publish", action="store_true", help="With --file: publish the years imported and recount deadlines."
        )

    def handle(self, *args, region: str, file: str | None, publish: bool, **options):
        region = (region or NATIONAL).strip()
        if file is None:
            if region != NATIONAL:
                raise CommandError(
                    f"The chinesecalendar package holds only the national calendar ({NATIONAL}); "
                    f"import {region}'s days with --file."
                )
            result = calendar_seed_from_package()
            self.stdout.write(
                self.style.SUCCESS(
                    f"National calendar {result.years[0]}-{result.years[-1]} from chinesecalendar: "
                    f"{result.created} days added, {result.updated} corrected, {result.unchanged} unchanged."
                )
            )
            return
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.")
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.")
        try:
            lines = calendar_lines_parse_csv(text)
            if not lines:
                raise CommandError(f"{file} has no calendar rows.")
            result = calendar_entries_import(region=region, lines=lines)
        except CalendarImportError as error:
            raise CommandError(f"{file} was not imported:\n" + "\n".join(error.errors))
        self.stdout.write(
            self.style.SUCCESS(
                f"{region} {', '.join(map(str, result.years))}: {result.created} days added, "
                f"{result.updated} corrected, {result.unchanged} unchanged."
            )
        )
        if publish:
            for year in result.years:
                try:
                    published = calendar_year_publish(year=year, region=region, actor=None)
                except DomainError as error:
                    raise CommandError(error.message)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{region} {year} published: {published.recomputed} applications recounted, "
                        f"{published.changed} with new due dates."
                    )
                )
        else:
            self.stdout.write("Not published yet: publish the year in the admin or run again with --publish.")
