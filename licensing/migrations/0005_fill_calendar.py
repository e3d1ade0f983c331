"""Seed the national working-day calendar (Art. 82; law.md §3.5-§3.6) from ``chinesecalendar``.

Every year the package covers (2004-2026 in 1.11) becomes a published ``CalendarYear`` of region
"CN" with its State Council notice, and every rest day of a holiday block and every make-up
working day (调休) becomes a ``CalendarEntry`` with the holiday's name and the notice. Rows that
already exist are left alone, so the migration can run on a database seeded by
``manage.py load_calendar``. Later years are entered by administrators in the admin.
"""

from django.db import migrations
from django.utils import timezone

NATIONAL = "CN"


def fill(apps, schema_editor):
    from licensing.rules.calendar_data import national_calendar_inputs

    CalendarYear = apps.get_model("licensing", "CalendarYear")
    CalendarEntry = apps.get_model("licensing", "CalendarEntry")
    db = schema_editor.connection.alias
    rest, work, published, labels = national_calendar_inputs()
    now = timezone.now()

    notices = {}
    for day, (_name, notice) in labels.items():
        notices.setdefault(day.year, notice)
    have_years = set(CalendarYear.objects.using(db).filter(region=NATIONAL).values_list("year", flat=True))
    CalendarYear.objects.using(db).bulk_create(
        [
            CalendarYear(region=NATIONAL, year=year, notice=notices.get(year, ""), published=True, published_at=now)
            for year in sorted(published)
            if year not in have_years
        ]
    )

    have_days = set(CalendarEntry.objects.using(db).filter(region=NATIONAL).values_list("date", flat=True))
    entries = []
    for kind, days in (("rest", rest), ("work", work)):
        for day in sorted(days):
            if day in have_days:
                continue
            name, notice = labels[day]
            entries.append(CalendarEntry(region=NATIONAL, date=day, kind=kind, name=name, notice=notice))
    CalendarEntry.objects.using(db).bulk_create(entries, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0004_procedure"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
