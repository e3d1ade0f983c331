"""The working-day calendar in the database (Art. 82; law.md §3.5-§3.6): the seeded rows, the
``calendar_for_region`` selector and its cache, regional additions, ``manage.py load_calendar``
and the admin screens (the inline days, "paste the notice", "publish")."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from licensing.calendar import calendar_cache_clear, calendar_for_region
from licensing.choices import CalendarEntryKind
from licensing.models import CalendarEntry, CalendarYear
from licensing.rules.calendar_data import national_calendar_from_package
from licensing.rules.working_days import add_working_days, is_working_day
from licensing.services.calendar import (
    CalendarImportError,
    calendar_entries_import,
    calendar_lines_parse_csv,
    calendar_lines_parse_text,
)

pytestmark = pytest.mark.django_db


def d(text: str) -> date:
    return date.fromisoformat(text)


class TestSeededCalendar:
    """Data migration ``fill_calendar``: 2004-2026 from the State Council notices."""

    def test_years_are_published_with_their_notice(self):
        years = CalendarYear.objects.filter(region="CN")
        assert sorted(years.values_list("year", flat=True)) == list(range(2004, 2027))
        assert all(years.values_list("published", flat=True))
        assert years.get(year=2025).notice == "国办发明电〔2024〕12号"
        assert years.get(year=2026).notice == "国办发明电〔2025〕7号"

    def test_entries_name_the_holiday_and_the_notice(self):
        entry = CalendarEntry.objects.get(region="CN", date=d("2025-01-28"))
        assert (entry.kind, entry.name, entry.notice) == ("rest", "Spring Festival", "国办发明电〔2024〕12号")
        make_up = CalendarEntry.objects.get(region="CN", date=d("2025-02-08"))
        assert (make_up.kind, make_up.name) == ("work", "Spring Festival")
        assert CalendarEntry.objects.filter(region="CN", date__year__lt=2004).count() == 0

    def test_twenty_working_days_after_2025_01_24_is_2025_02_27(self):
        """law.md §3.7's worked example, through the database calendar (Art. 82)."""
        cal = calendar_for_region("CN")
        assert add_working_days(d("2025-01-24"), 20, cal) == d("2025-02-27")
        assert add_working_days(d("2025-01-24"), 5, cal) == d("2025-02-07")
        assert cal.labels[d("2025-01-28")] == ("Spring Festival", "国办发明电〔2024〕12号")

    def test_same_calendar_as_the_package(self):
        cal = calendar_for_region("CN")
        package = national_calendar_from_package()
        assert (cal.rest_days, cal.workdays, cal.published_years) == (
            package.rest_days,
            package.workdays,
            package.published_years,
        )
        assert cal.version == package.version


class TestCalendarForRegion:
    def test_cached_until_a_row_changes(self):
        calendar_cache_clear()
        first = calendar_for_region("CN")
        assert calendar_for_region("CN") is first
        assert is_working_day(d("2025-10-11"), first)  # Saturday, make-up working day
        entry = CalendarEntry.objects.get(region="CN", date=d("2025-10-11"))
        entry.kind = CalendarEntryKind.REST
        entry.name = "National Day (corrected)"
        entry.save()
        second = calendar_for_region("CN")
        assert second is not first and second.version != first.version
        assert not is_working_day(d("2025-10-11"), second)
        assert second.labels[d("2025-10-11")][0] == "National Day (corrected)"
        entry.delete()
        third = calendar_for_region("CN")
        assert third.version not in (first.version, second.version)
        assert d("2025-10-11") not in third.labels

    def test_a_published_year_change_is_seen(self):
        calendar_for_region("CN")
        year = CalendarYear.objects.get(region="CN", year=2026)
        year.published = False
        year.save()
        cal = calendar_for_region("CN")
        assert 2026 not in cal.published_years
        assert d("2026-02-16") not in cal.rest_days  # unpublished years count weekends only

    def test_regional_additions(self):
        """law.md §3.4: a local holiday adds to the national calendar of that region only."""
        CalendarEntry(region="XJ", date=d("2025-03-31"), kind="rest", name="Corban (local)", notice="新政办").save()
        national, regional = calendar_for_region("CN"), calendar_for_region("XJ")
        assert is_working_day(d("2025-03-31"), national)
        assert not is_working_day(d("2025-03-31"), regional)
        assert not is_working_day(d("2025-01-28"), regional)  # national holidays apply too
        assert regional.labels[d("2025-03-31")] == ("Corban (local)", "新政办")

    def test_an_unpublished_regional_year_is_provisional_there(self):
        CalendarYear.objects.create(region="XJ", year=2025, published=False)
        assert 2025 not in calendar_for_region("XJ").published_years
        assert 2025 in calendar_for_region("CN").published_years


class TestParsing:
    def test_pasted_notice(self):
        lines = calendar_lines_parse_text(
            "# 2027\n2027-01-01 rest New Year's Day\n\n2027-02-07 work Spring Festival | 国办发明电〔2026〕9号\n",
            notice="国办发明电〔2026〕1号",
        )
        assert [(x.date, x.kind, x.name, x.notice) for x in lines] == [
            (d("2027-01-01"), "rest", "New Year's Day", "国办发明电〔2026〕1号"),
            (d("2027-02-07"), "work", "Spring Festival", "国办发明电〔2026〕9号"),
        ]

    def test_every_bad_line_is_named(self):
        with pytest.raises(CalendarImportError) as error:
            calendar_lines_parse_text(
                "2027-02-30 rest Nothing\n2027-01-04 work Monday\n2027-01-01 holiday X\n2027-01-01\n"
                "2027-01-02 rest A\n2027-01-02 rest B",
                notice="N",
            )
        text = "\n".join(error.value.errors)
        assert "line 1: '2027-02-30' is not a date" in text
        assert "line 2: 2027-01-04 is a Monday" in text
        assert "line 3: the kind must be 'rest' or 'work'" in text
        assert "line 4: write 'YYYY-MM-DD rest|work Holiday name'" in text
        assert "line 6: 2027-01-02 is already on line 5" in text

    def test_csv_with_header(self):
        lines = calendar_lines_parse_csv("date,kind,name,notice\n2027-01-01,rest,New Year's Day,N1\n")
        assert [(x.date, x.notice) for x in lines] == [(d("2027-01-01"), "N1")]

    def test_csv_without_a_notice_is_refused(self):
        with pytest.raises(CalendarImportError, match="line 1: the source notice is missing"):
            calendar_lines_parse_csv("2027-01-01,rest,New Year's Day,\n")

    def test_import_keeps_the_year_unpublished(self):
        result = calendar_entries_import(
            region="CN", lines=calendar_lines_parse_text("2027-01-01 rest New Year's Day", notice="N"), year=2027
        )
        assert (result.created, result.years) == (1, [2027])
        assert not CalendarYear.objects.get(region="CN", year=2027).published
        assert 2027 not in calendar_for_region("CN").published_years

    def test_import_refuses_days_of_another_year(self):
        with pytest.raises(CalendarImportError, match="2026-12-31 is not in 2027"):
            calendar_entries_import(
                region="CN", lines=calendar_lines_parse_text("2026-12-31 rest X", notice="N"), year=2027
            )


class TestLoadCalendarCommand:
    def test_reseeding_is_idempotent(self, capsys):
        call_command("load_calendar")
        assert "0 days added, 0 corrected, 771 unchanged" in capsys.readouterr().out

    def test_reseeding_restores_a_deleted_day(self, capsys):
        CalendarEntry.objects.get(region="CN", date=d("2025-01-28")).delete()
        call_command("load_calendar")
        assert "1 days added" in capsys.readouterr().out
        assert CalendarEntry.objects.filter(region="CN", date=d("2025-01-28")).exists()

    def test_csv_import_and_publish(self, tmp_path, capsys):
        path = tmp_path / "2027.csv"
        path.write_text(
            "date,kind,name,notice\n2027-01-01,rest,New Year's Day,国办发明电〔2026〕1号\n"
            "2027-02-07,work,Spring Festival,国办发明电〔2026〕1号\n",
            encoding="utf-8",
        )
        call_command("load_calendar", "--file", str(path), "--publish")
        out = capsys.readouterr().out
        assert "CN 2027: 2 days added" in out and "CN 2027 published" in out
        assert CalendarYear.objects.get(region="CN", year=2027).published
        assert not is_working_day(d("2027-01-01"), calendar_for_region("CN"))

    def test_bad_rows_are_named_and_nothing_is_saved(self, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_text("2027-01-01,rest,New Year's Day,N\n2027-13-01,rest,X,N\n2027-01-02,sleep,Y,N\n")
        with pytest.raises(CommandError) as error:
            call_command("load_calendar", "--file", str(path))
        assert "line 2: '2027-13-01' is not a date" in str(error.value)
        assert "line 3: the kind must be 'rest' or 'work'" in str(error.value)
        assert not CalendarEntry.objects.filter(date__year=2027).exists()

    def test_package_seed_is_national_only(self):
        with pytest.raises(CommandError, match="only the national calendar"):
            call_command("load_calendar", "--region", "XJ")

    def test_missing_file(self, tmp_path):
        with pytest.raises(CommandError, match="Cannot read"):
            call_command("load_calendar", "--file", str(tmp_path / "none.csv"))


class TestCalendarAdmin:
    def test_year_page_lists_its_days_inline(self, admin_client):
        year = CalendarYear.objects.get(region="CN", year=2025)
        response = admin_client.get(reverse("admin:licensing_calendaryear_change", args=[year.pk]))
        assert response.status_code == 200
        assert "2025-01-28" in response.content.decode()
        formset = response.context["inline_admin_formsets"][0].formset
        assert formset.queryset.count() == 33  # 28 rest days + 5 make-up days (law.md §3.5)

    def test_inline_adds_a_day_to_the_years_region(self, admin_client):
        year = CalendarYear.objects.create(region="XJ", year=2025, notice="新政办", published=True)
        url = reverse("admin:licensing_calendaryear_change", args=[year.pk])
        data = {
            "region": "XJ",
            "year": "2025",
            "notice": "新政办",
            "entries-TOTAL_FORMS": "1",
            "entries-INITIAL_FORMS": "0",
            "entries-MIN_NUM_FORMS": "0",
            "entries-MAX_NUM_FORMS": "1000",
            "entries-0-date": "2025-03-31",
            "entries-0-kind": "rest",
            "entries-0-name": "Corban",
            "entries-0-notice": "新政办",
        }
        response = admin_client.post(url, data)
        assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
        assert CalendarEntry.objects.get(region="XJ", date=d("2025-03-31")).name == "Corban"

        data["entries-0-date"] = "2024-03-31"
        data["entries-0-kind"] = "rest"
        response = admin_client.post(url, data)
        assert response.status_code == 200
        assert "This date is not in 2025." in response.content.decode()

    def test_paste_the_notice_and_publish(self, admin_client, admin_user):
        url = reverse("admin:licensing_calendaryear_enter_notice")
        assert admin_client.get(url + "?region=CN&year=2027").status_code == 200
        response = admin_client.post(
            url,
            {
                "region": "CN",
                "year": "2027",
                "notice": "国办发明电〔2026〕1号",
                "text": "2027-01-01 rest New Year's Day\n2027-02-07 work Spring Festival",
                "publish": "on",
            },
        )
        assert response.status_code == 302
        year = CalendarYear.objects.get(region="CN", year=2027)
        assert year.published and year.notice == "国办发明电〔2026〕1号"
        assert CalendarEntry.objects.filter(region="CN", date__year=2027).count() == 2

    def test_paste_errors_are_shown(self, admin_client):
        url = reverse("admin:licensing_calendaryear_enter_notice")
        response = admin_client.post(url, {"region": "CN", "year": "2027", "notice": "N", "text": "2027-01-04 work X"})
        assert response.status_code == 200
        assert "is a Monday" in response.content.decode()
        assert not CalendarEntry.objects.filter(date__year=2027).exists()

    def test_publish_action(self, admin_client):
        CalendarEntry(region="CN", date=d("2027-01-01"), kind="rest", name="New Year's Day", notice="N").save()
        year = CalendarYear.objects.create(region="CN", year=2027, notice="N")
        response = admin_client.post(
            reverse("admin:licensing_calendaryear_changelist"),
            {"action": "publish", "_selected_action": [year.pk]},
            follow=True,
        )
        assert response.status_code == 200
        year.refresh_from_db()
        assert year.published and year.published_at is not None
        assert "CN 2027 published" in response.content.decode()
