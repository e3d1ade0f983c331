"""``manage.py seed_bench`` (issue 7, bench/): a realistic mix of states with clocks, timelines,
documents and licences, a hash chain that still verifies, and a progress bar on stderr."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from licensing.audit import audit_verify
from licensing.models import ActionLogEntry, Application, Clock, Document, Licence
from licensing.selectors_public import application_get_public, public_today

pytestmark = pytest.mark.django_db


def test_seed_bench_fills_every_table_and_keeps_the_audit_chain_valid():
    err = io.StringIO()
    call_command("seed_bench", applications=300, batch=120, force=True, stdout=io.StringIO(), stderr=err)
    assert Application.objects.filter(number__startswith="BX-").count() == 300
    assert "100%" in err.getvalue() and "300/300" in err.getvalue()
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {"certificate_issued", "under_examination", "denied", "not_accepted"} <= statuses
    assert Clock.objects.filter(kind="C2").exists() and Licence.objects.exists() and Document.objects.exists()
    assert ActionLogEntry.objects.count() >= 300
    assert audit_verify().ok
    application = Application.objects.filter(status="certificate_issued").first()
    public = application_get_public(number=application.number, today=public_today())
    assert public.timeline and public.documents and public.clocks
    # a second run adds more, continuing the numbers and the chain
    call_command("seed_bench", applications=10, force=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert Application.objects.count() == 310
    assert audit_verify().ok


def test_seed_bench_refuses_a_database_that_is_not_a_bench_one():
    with pytest.raises(CommandError, match="bench"):
        call_command("seed_bench", applications=1, stdout=io.StringIO(), stderr=io.StringIO())
