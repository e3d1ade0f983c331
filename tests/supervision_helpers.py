"""Builders shared by the e-supervision tests (issue 8): agencies in a tree, supervisors, and
applications whose clocks are derived by the real clock ledger on the seeded 2025 calendar."""

from __future__ import annotations

import importlib
from datetime import date, datetime, time
from types import SimpleNamespace

from django.apps import apps
from django.db import connection, transaction

from licensing.calendar import calendar_cache_clear
from licensing.choices import ApplicationStatus, Role
from licensing.models import Application, CalendarYear, SupervisoryOffice
from licensing.services.clocks import SHANGHAI, application_clocks_recompute
from tests.factories import AgencyFactory, ApplicationFactory, LicenceItemFactory, StaffFactory


def ensure_calendar() -> None:
    """The national calendar as migration 0005 seeds it (a transactional test's flush empties it)."""
    if not CalendarYear.objects.filter(region="CN", year=2025).exists():
        fill = importlib.import_module("licensing.migrations.0005_fill_calendar").fill
        fill(apps, SimpleNamespace(connection=connection))
    calendar_cache_clear()


def beijing(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def make_world():
    """A supervisory office at the top, a city bureau under it with a district office below,
    and an unrelated bureau; one supervisor at the office, one at the city, staff in the city."""
    office = AgencyFactory(code="sv-office", name="省政务服务监察办")
    SupervisoryOffice.objects.create(agency=office)
    city = AgencyFactory(code="sv-city", name="市市场监督管理局")
    district = AgencyFactory(code="sv-district", name="区市场监督管理局", parent=city)
    other = AgencyFactory(code="sv-other", name="邻市市场监督管理局")
    head = StaffFactory(username="sv-head", agency=city, roles=[Role.HEAD])
    city.head = head
    city.save()
    world = SimpleNamespace(
        office=office,
        city=city,
        district=district,
        other=other,
        head=head,
        chief=StaffFactory(username="sv-chief", agency=office, roles=[Role.SUPERVISOR]),
        supervisor=StaffFactory(username="sv-city-supervisor", agency=city, roles=[Role.SUPERVISOR]),
        clerk=StaffFactory(username="sv-clerk", agency=city, roles=[Role.CLERK]),
        examiner=StaffFactory(username="sv-examiner", agency=city, roles=[Role.EXAMINER]),
        district_examiner=StaffFactory(username="sv-district-examiner", agency=district, roles=[Role.EXAMINER]),
        outsider=StaffFactory(username="sv-outsider", agency=other, roles=[Role.CLERK]),
        item=LicenceItemFactory(code="sv-food", name="食品经营许可", agency=city),
        district_item=LicenceItemFactory(code="sv-district-food", name="区食品经营许可", agency=district),
        other_item=LicenceItemFactory(code="sv-other-food", name="邻市食品经营许可", agency=other),
    )
    return world


def accepted_case(item, accepted_on: date, *, examiner=None, today: date | None = None, **fields) -> Application:
    """An application accepted on ``accepted_on`` (C1 stopped that day, C2 running from it)."""
    values = {
        "item": item,
        "status": ApplicationStatus.ACCEPTED,
        "received_at": beijing(accepted_on, 9),
        "accepted_on": accepted_on,
        "triaged_on": accepted_on,
        "examiner": examiner,
    }
    values.update(fields)
    application = ApplicationFactory(**values)
    recompute(application, today or accepted_on)
    return application


def received_case(item, received_on: date, **fields) -> Application:
    """An application received on ``received_on`` and not yet triaged (C1 running)."""
    application = ApplicationFactory(item=item, received_at=beijing(received_on, 9), **fields)
    recompute(application, received_on)
    return application


def recompute(application: Application, today: date) -> None:
    with transaction.atomic():
        application_clocks_recompute(application=Application.objects.get(pk=application.pk), today=today)
