"""``manage.py due_date START N [--region CODE]`` (issue #3, item 6; Art. 82, law.md §3.7)."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from licensing.models import CalendarEntry

ROOT = Path(__file__).resolve().parents[3]


def due_date(*args: str) -> list[str]:
    out = StringIO()
    call_command("due_date", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.django_db
class TestDueDateCommand:
    def test_across_spring_festival(self):
        """20 WD after Friday 2025-01-24 is 2025-02-27 (law.md §3.7's worked example)."""
        lines = due_date("2025-01-24", "20")
        assert lines[0] == "2025-02-27"
        text = "\n".join(lines[1:])
        assert "Triggered on 2025-01-24 (Fri); the trigger day is not counted" in text
        assert "Skipped 2025-01-28 to 2025-02-04 (Spring Festival, 国办发明电〔2024〕12号)." in text
        assert "Counted 2025-01-26 (Sun) as a working day: make-up working day (调休)" in text
        assert "Counted 2025-02-08 (Sat) as a working day" in text
        assert lines[-2] == "Due at the end of 2025-02-27 (Thu), the 20th working day."

    def test_ending_on_a_holiday_moves_to_the_next_working_day(self):
        """From Thursday 2025-09-25, 4 working days (with make-up Sunday 9/28) reach 9/30; the
        5th cannot be in the National Day block 10/1-10/8, so it is Thursday 10/9."""
        lines = due_date("2025-09-25", "5")
        assert lines[0] == "2025-10-09"
        assert "Skipped 2025-10-01 to 2025-10-08 (National Day" in "\n".join(lines)

    def test_past_the_published_years_is_provisional(self):
        lines = due_date("2026-12-15", "20")
        assert lines[0] == "2027-01-12"
        assert any(line.startswith("Provisional: counted with weekends only because 2027") for line in lines)

    def test_region(self):
        CalendarEntry(region="XJ", date="2025-03-31", kind="rest", name="Corban (local)", notice="新政办").save()
        assert due_date("2025-03-28", "1")[0] == "2025-03-31"
        lines = due_date("2025-03-28", "1", "--region", "XJ")
        assert lines[0] == "2025-04-01"
        assert any("Corban (local), 新政办" in line for line in lines)

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("2025-02-30", "5"), "START must be a date written YYYY-MM-DD, got '2025-02-30'"),
            (("24/01/2025", "5"), "START must be a date written YYYY-MM-DD"),
            (("2025-01-24", "five"), "N must be a whole number of working days, got 'five'"),
            (("2025-01-24", "2.5"), "N must be a whole number"),
            (("2025-01-24", "-1"), "N must be between 0 and 10000 working days, got -1"),
            (("9999-12-30", "5"), "Cannot count 5 working days from 9999-12-30"),
            (("2025-01-24", "5", "--region", "ZZ"), "Unknown calendar region 'ZZ'"),
        ],
    )
    def test_bad_input_is_a_clear_error(self, args, message):
        with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
            call_command("due_date", *args, stdout=StringIO())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2025-13-01", "5"], "START must be a date written YYYY-MM-DD, got '2025-13-01'."),
        (["2025-01-24", "x"], "N must be a whole number of working days, got 'x'."),
    ],
)
def test_bad_input_exits_non_zero(args, message):
    """Run as a real process: the error goes to stderr and the exit status is non-zero."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "due_date", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert message in result.stderr
