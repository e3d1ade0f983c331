"""The demo (``load_demo``): the catalogue, the people and a replayed history made by the real
services, so that what ``make run`` shows is what the system itself produces — states, clocks,
documents, ratings and the rectifications bad ones open, and an intact audit chain."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from licensing import demo
from licensing.choices import BAD_RATING_LEVELS
from licensing.choices import ApplicationStatus as S
from licensing.demo_history import Simulation, ensure_agency_staff
from licensing.models import ActionLogEntry, Application, Document, Rating, Rectification

pytestmark = pytest.mark.django_db


def test_three_weeks_of_demo_history_through_the_services():
    demo.load_catalogue()
    demo.load_people()
    ensure_agency_staff()
    sim = Simulation(seed=7, out=lambda message: None)
    count = sim.run(date(2025, 6, 27), days=21)
    assert count == Application.objects.count() > 30
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {S.RECEIVED, S.UNDER_EXAMINATION, S.CERTIFICATE_ISSUED} <= statuses
    assert Document.objects.exists() and Rating.objects.exists()
    assert Rectification.objects.count() == Rating.objects.filter(level__in=BAD_RATING_LEVELS).count()
    assert ActionLogEntry.objects.filter(action="rate").count() == Rating.objects.count()
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "OK" in out.getvalue()


def test_load_demo_twice_changes_nothing_the_second_time():
    call_command("load_demo", "--no-history", stdout=StringIO())
    before = {m: m.objects.count() for m in (Application, ActionLogEntry)}
    out = StringIO()
    call_command("load_demo", "--no-history", stdout=out)
    assert {m: m.objects.count() for m in (Application, ActionLogEntry)} == before
    assert "applicant" in out.getvalue()
