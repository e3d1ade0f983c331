"""The public list of applications (Art. 5, 40): keyset pages newest first, and the overdue
filter (Art. 42, 74), listed by decision due date on the clocks' index, with a bounded count."""

from __future__ import annotations

from datetime import date

import pytest

from licensing import selectors_public as sel
from licensing.models import Clock
from tests.factories import LicenceItemFactory
from tests.supervision_helpers import accepted_case, ensure_calendar

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 30)


@pytest.fixture
def cases():
    ensure_calendar()
    item = LicenceItemFactory(code="list-food")
    slow = LicenceItemFactory(code="list-drugs", statutory_days=45)
    return {
        "long_overdue": accepted_case(item, date(2025, 3, 3)),  # due 03-31
        "slow": accepted_case(slow, date(2025, 3, 10)),  # received earlier, due later: 05-16
        "overdue": accepted_case(item, date(2025, 4, 1)),  # due 04-30
        "just_overdue": accepted_case(item, date(2025, 5, 6)),  # due 06-04
        "running": accepted_case(item, date(2025, 6, 20)),
    }


def numbers(page):
    return [row["number"] for row in page.rows]


def test_overdue_list_pages_by_due_date_most_recently_missed_first(cases):
    due = dict(Clock.objects.filter(kind="C2").values_list("application__number", "due_on"))
    overdue = sel.ApplicationFilters(overdue=True)
    first = sel.application_list_public(filters=overdue, today=TODAY, size=2)
    expected = [cases[k].number for k in ("just_overdue", "slow", "overdue", "long_overdue")]
    assert sorted(expected, key=lambda n: due[n], reverse=True) == expected
    assert numbers(first) == expected[:2] and all(row["overdue"] for row in first.rows)
    second = sel.application_list_public(filters=overdue, today=TODAY, after=first.next_cursor, size=2)
    assert numbers(second) == expected[2:] and second.next_cursor is None
    back = sel.application_list_public(filters=overdue, today=TODAY, before=second.prev_cursor, size=2)
    assert numbers(back) == expected[:2]


def test_the_whole_list_stays_newest_received_first(cases):
    page = sel.application_list_public(filters=sel.ApplicationFilters(), today=TODAY, size=10)
    order = ("running", "just_overdue", "overdue", "slow", "long_overdue")
    assert numbers(page) == [cases[k].number for k in order]


def test_overdue_count_on_the_clocks_matches_the_filtered_count(cases):
    assert sel.application_count_bounded(filters=sel.ApplicationFilters(overdue=True), today=TODAY) == (4, False)
    with_item = sel.ApplicationFilters(overdue=True, item="list-food")
    assert sel.application_count_bounded(filters=with_item, today=TODAY) == (3, False)
    assert sel.application_count_bounded(filters=sel.ApplicationFilters(overdue=True), today=TODAY, limit=2) == (
        2,
        True,
    )
