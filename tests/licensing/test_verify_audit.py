"""``manage.py verify_audit`` (design.md principle 5: any edit of the log is detectable): OK on an
intact chain, and otherwise the first entry that was changed, removed or inserted, exit status 1.

The tampering below goes around the ORM guard with raw SQL; on PostgreSQL it first disables the
append-only trigger inside the test's transaction, which is rolled back with the test."""

from __future__ import annotations

from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from licensing.audit import audit_verify
from licensing.models import ActionLogEntry, ActionLogHead, AuditAction
from tests.factories import ActionLogEntryFactory

pytestmark = pytest.mark.django_db

TABLE = ActionLogEntry._meta.db_table


@pytest.fixture
def chain(clerk, examiner, application):
    """Five entries by two officials and the system."""
    return [
        ActionLogEntryFactory(actor=clerk, application=application, reason="materials complete"),
        ActionLogEntryFactory(actor=examiner, application=application, action=AuditAction.PAUSE_CLOCK),
        ActionLogEntryFactory(actor=examiner, application=application, action=AuditAction.RESUME_CLOCK),
        ActionLogEntryFactory(actor=None, action=AuditAction.RECOMPUTE_CLOCKS),
        ActionLogEntryFactory(actor=examiner, application=application, action=AuditAction.DECIDE),
    ]


@contextmanager
def tampering():
    """A cursor that can change the log behind the ORM's back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE needs no pending FK checks
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def verify() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, err.getvalue().strip()
    return 0, out.getvalue().strip()


def forge(**fields) -> ActionLogEntry:
    """An entry made by someone who knows the canonical form and computes a valid hash."""
    entry = ActionLogEntry(**fields)
    entry.hash = entry.compute_hash()
    entry.save()
    return entry


class TestVerifyAudit:
    def test_an_empty_log_is_intact(self):
        assert verify() == (0, "OK: 0 entries, chain head " + "0" * 64)

    def test_an_intact_log_passes_and_prints_the_chain_head(self, chain):
        assert verify() == (0, f"OK: 5 entries, chain head {chain[-1].hash}")

    @pytest.mark.parametrize(
        "column, value",
        [
            ("reason", "'materials incomplete'"),
            ("at", "at"),  # replaced below by a timestamp one second later
            ("role", "'head'"),
            ("legal_basis", "'Art. 42'"),
        ],
    )
    def test_a_changed_field_is_found(self, chain, column, value):
        with tampering() as cursor:
            if column == "at":
                cursor.execute(f"SELECT at FROM {TABLE} WHERE seq = 3")
                value = "%s"
                params = [cursor.fetchone()[0].replace(microsecond=0)]
            else:
                params = []
            cursor.execute(f"UPDATE {TABLE} SET {column} = {value} WHERE seq = 3", params)

        assert verify() == (1, "FAILED at entry #3: entry #3 was changed: its content does not match its hash")

    def test_a_changed_actor_is_found(self, chain, head):
        with tampering() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET actor_id = %s WHERE seq = 1", [head.pk])
        code, message = verify()
        assert code == 1
        assert message.startswith("FAILED at entry #1: entry #1 was changed")

    def test_a_change_with_a_recomputed_hash_breaks_the_next_link(self, chain):
        tampered = ActionLogEntry.objects.get(seq=2)
        tampered.reason = "rewritten"
        with tampering() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET reason = %s, hash = %s WHERE seq = 2", ["rewritten", tampered.compute_hash()]
            )
        code, message = verify()
        assert code == 1
        assert message.startswith("FAILED at entry #3: entry #3 does not link to entry #2")

    def test_a_removed_entry_is_found(self, chain):
        with tampering() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE seq = 3")
        assert verify() == (
            1,
            "FAILED at entry #3: entry #3 is missing: the chain goes from #2 to #4 (an entry was removed)",
        )

    def test_a_removed_last_entry_is_found_through_the_chain_head(self, chain):
        with tampering() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE seq = 5")
        code, message = verify()
        assert code == 1
        assert message.startswith("FAILED at entry #5: entries #5 to #5 are missing from the end of the log")

    def test_an_entry_inserted_in_the_middle_is_found(self, chain, head, application):
        """The forger renumbers the later entries to make room and gives the forged entry a valid
        hash linked to its predecessor; the next entry still links to the old predecessor."""
        second = ActionLogEntry.objects.get(seq=2)
        with tampering() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET seq = seq + 1000 WHERE seq >= 3")
            cursor.execute(f"UPDATE {TABLE} SET seq = seq - 999 WHERE seq >= 1000")
        forge(
            seq=3,
            at=second.at,
            actor=head,
            actor_label=head.username,
            role="head",
            agency=head.agency,
            action=AuditAction.EXTEND,
            application=application,
            legal_basis="Art. 42",
            reason="approved in time",
            prev_hash=second.hash,
        )

        assert verify() == (1, "FAILED at entry #3: entry #3 was inserted: entry #4 links to entry #2")

    def test_an_entry_appended_behind_the_services_back_is_found(self, chain):
        last = chain[-1]
        forge(
            seq=6,
            at=last.at,
            actor=None,
            actor_label="system",
            role="system",
            action=AuditAction.DEEM_ACCEPT,
            prev_hash=last.hash,
        )
        code, message = verify()
        assert code == 1
        assert message == ("FAILED at entry #6: entry #6 was inserted after the chain head (the chain head records #5)")

    def test_verify_result_names_the_first_bad_entry(self, chain):
        with tampering() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET reason = 'x' WHERE seq IN (2, 4)")
        result = audit_verify()
        assert (result.ok, result.checked, result.first_bad_seq) == (False, 1, 2)

    def test_the_next_act_continues_the_chain_after_a_lost_head_row(self, chain, clerk):
        ActionLogHead.objects.all().delete()
        assert verify()[0] == 1
        entry = ActionLogEntryFactory(actor=clerk)
        assert (entry.seq, entry.prev_hash) == (6, chain[-1].hash)
        assert verify() == (0, f"OK: 6 entries, chain head {entry.hash}")
