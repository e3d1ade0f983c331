"""The action log (design.md principle 5; Arts. 72–73): written with the change in one
transaction, append-only through the ORM and, on PostgreSQL, below it; hash-chained; never
cascade-deleted; published as daily digests."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import DatabaseError, connection, models, transaction
from django.db.models import ProtectedError

from licensing.audit import audit_daily_digests, audit_record, audit_verify
from licensing.choices import ApplicationStatus, Role
from licensing.models import (
    ActionLogEntry,
    ActionLogHead,
    Application,
    AuditAction,
    AuditLogAppendOnly,
    User,
    UserDeletionRefused,
)
from licensing.models.audit import GENESIS_HASH
from tests.factories import ActionLogEntryFactory, ApplicationFactory, StaffFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)
TABLE = ActionLogEntry._meta.db_table


def accept(*, application: Application, actor: User, crash: bool = False) -> None:
    """A stand-in for the acceptance service: change the legal state, record the act, in one
    transaction (style.md 7). ``crash`` fails after both, as a later step of a service might."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        before = locked.status
        locked.status = ApplicationStatus.ACCEPTED
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=AuditAction.ACCEPT,
            legal_basis="Art. 32(1)(5)",
            application=locked,
            changes={"status": [before, locked.status]},
        )
        if crash:
            raise RuntimeError("the acceptance voucher could not be generated")


class TestAuditRecord:
    def test_entry_records_who_when_role_agency_basis_and_changes(self, clerk, application):
        accept(application=application, actor=clerk)

        entry = ActionLogEntry.objects.get()
        assert entry.seq == 1
        assert entry.actor == clerk
        assert entry.actor_label == "clerk"
        assert entry.role == Role.CLERK
        assert entry.agency == clerk.agency
        assert entry.action == "accept"
        assert entry.application == application
        assert entry.legal_basis == "Art. 32(1)(5)"
        assert entry.changes == {"status": ["received", "accepted"]}
        assert entry.prev_hash == GENESIS_HASH
        assert entry.hash == entry.compute_hash()
        assert len(entry.hash) == 64

    def test_each_entry_links_to_the_one_before(self, clerk, application):
        first = ActionLogEntryFactory(actor=clerk, application=application)
        second = ActionLogEntryFactory(actor=clerk, application=application, action=AuditAction.PAUSE_CLOCK)
        third = ActionLogEntryFactory(actor=None, action=AuditAction.RECOMPUTE_CLOCKS)

        assert [first.seq, second.seq, third.seq] == [1, 2, 3]
        assert second.prev_hash == first.hash
        assert third.prev_hash == second.hash
        head = ActionLogHead.objects.get()
        assert (head.seq, head.hash) == (3, third.hash)

    def test_the_system_acts_as_system_without_agency(self, application):
        entry = ActionLogEntryFactory(
            actor=None, action=AuditAction.DEEM_ACCEPT, legal_basis="Art. 32(4)", application=application
        )
        assert entry.actor is None
        assert (entry.actor_label, entry.role, entry.agency_id) == ("system", "system", None)

    def test_role_defaults_to_the_first_staff_role_and_can_be_named(self, agency):
        official = StaffFactory(agency=agency, roles=[Role.HEAD, Role.EXAMINER])
        assert ActionLogEntryFactory(actor=official).role == Role.EXAMINER
        assert ActionLogEntryFactory(actor=official, action=AuditAction.EXTEND, role=Role.HEAD).role == Role.HEAD

    def test_role_and_agency_are_kept_as_they_were_at_the_time(self, clerk, other_agency):
        entry = ActionLogEntryFactory(actor=clerk)
        clerk.agency = other_agency
        clerk.save()
        clerk.groups.clear()
        entry.refresh_from_db()
        assert entry.role == Role.CLERK
        assert entry.agency_id != other_agency.pk
        assert audit_verify().ok

    def test_unknown_action_or_role_is_refused(self, clerk):
        with transaction.atomic():
            with pytest.raises(ValueError, match="Unknown action"):
                audit_record(actor=clerk, action="approve_everything")
            with pytest.raises(ValueError, match="Unknown role"):
                audit_record(actor=clerk, action=AuditAction.ACCEPT, role="king")
            with pytest.raises(ValueError, match="system"):
                audit_record(actor=None, action=AuditAction.ACCEPT, role=Role.CLERK)
        assert not ActionLogEntry.objects.exists()

    def test_changes_are_stored_as_json_and_still_match_the_hash(self, clerk):
        entry = ActionLogEntryFactory(
            actor=clerk,
            changes={
                "due_on": [date(2026, 1, 23), date(2026, 2, 6)],
                "fee": [Decimal("12.50"), None],
                "days": [20.0, 30],
                "ratio": [0.1, 1e16],
                "名称": ["旧", "新"],
            },
        )
        entry = ActionLogEntry.objects.get(pk=entry.pk)
        assert entry.changes == {
            "due_on": ["2026-01-23", "2026-02-06"],
            "fee": ["12.50", None],
            "days": [20, 30],
            "ratio": [0.1, 10**16],
            "名称": ["旧", "新"],
        }
        assert entry.compute_hash() == entry.hash

    def test_canonical_form_leaves_out_empty_optional_keys(self, clerk):
        """A nullable field added later (the licence concerned) does not change old hashes."""
        entry = ActionLogEntryFactory(actor=None, action=AuditAction.RECOMPUTE_CLOCKS)
        content = entry.canonical_content()
        assert "actor" not in content and "agency" not in content and "application" not in content
        assert content["v"] == 1
        assert content["at"].endswith("+00:00") and "." in content["at"]
        assert entry.canonical_json().startswith(b'{"action":"recompute_clocks","actor_label":"system"')


@pytest.mark.django_db(transaction=True)
class TestSameTransaction:
    def test_audit_record_refuses_to_run_outside_a_transaction(self, clerk):
        with pytest.raises(transaction.TransactionManagementError):
            audit_record(actor=clerk, action=AuditAction.ACCEPT)
        assert not ActionLogEntry.objects.exists()

    def test_a_failure_after_the_change_leaves_neither_change_nor_entry(self, clerk, application):
        with pytest.raises(RuntimeError):
            accept(application=application, actor=clerk, crash=True)

        application.refresh_from_db()
        assert application.status == ApplicationStatus.RECEIVED
        assert not ActionLogEntry.objects.exists()
        assert ActionLogHead.objects.filter(seq__gt=0).count() == 0

    def test_the_change_commits_with_its_entry_and_numbers_stay_gapless(self, clerk, application):
        with pytest.raises(RuntimeError):
            accept(application=application, actor=clerk, crash=True)
        accept(application=application, actor=clerk)
        other = ApplicationFactory(item=application.item)
        accept(application=other, actor=clerk)

        application.refresh_from_db()
        assert application.status == ApplicationStatus.ACCEPTED
        assert list(ActionLogEntry.objects.values_list("seq", "application")) == [
            (1, application.pk),
            (2, other.pk),
        ]
        assert audit_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writers anyway")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_gapless_numbers_and_one_chain(clerk, examiner, application):
    """Principle 6: officers acting at the same moment each get the next number and link to
    the entry committed before theirs."""
    actors, per_thread, errors = [clerk, examiner] * 4, 10, []
    barrier = threading.Barrier(len(actors))

    def work(actor):
        try:
            barrier.wait()
            for _ in range(per_thread):
                ActionLogEntryFactory(actor=actor, application=application)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert list(ActionLogEntry.objects.values_list("seq", flat=True)) == list(range(1, len(actors) * per_thread + 1))
    result = audit_verify()
    assert result.ok, result.problem
    assert result.checked == len(actors) * per_thread


class TestAppendOnly:
    def test_an_entry_cannot_be_changed_through_the_orm(self, clerk):
        entry = ActionLogEntryFactory(actor=clerk, reason="on time")
        entry.reason = "backdated"
        with pytest.raises(AuditLogAppendOnly):
            entry.save()
        with pytest.raises(AuditLogAppendOnly):
            ActionLogEntry.objects.filter(pk=entry.pk).update(reason="backdated")
        with pytest.raises(AuditLogAppendOnly):
            ActionLogEntry.objects.bulk_update([entry], ["reason"])
        assert ActionLogEntry.objects.get().reason == "on time"

    def test_an_entry_cannot_be_deleted_through_the_orm(self, clerk):
        entry = ActionLogEntryFactory(actor=clerk)
        with pytest.raises(AuditLogAppendOnly):
            entry.delete()
        with pytest.raises(AuditLogAppendOnly):
            ActionLogEntry.objects.filter(pk=entry.pk).delete()
        with pytest.raises(AuditLogAppendOnly):
            ActionLogEntry.objects.all().delete()
        assert ActionLogEntry.objects.count() == 1

    @on_postgresql
    @pytest.mark.parametrize(
        "sql",
        [
            f"UPDATE {TABLE} SET reason = 'backdated'",
            f"UPDATE {TABLE} SET hash = hash",
            f"DELETE FROM {TABLE}",
            f"TRUNCATE {TABLE}",
            f"TRUNCATE {TABLE}, licensing_application CASCADE",
        ],
    )
    def test_raw_sql_cannot_change_or_remove_entries_on_postgresql(self, clerk, application, sql):
        ActionLogEntryFactory(actor=clerk, application=application)
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL xuke.allow_audit_truncate = 'off'")  # tests/conftest.py set it on
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE needs no pending FK checks
                cursor.execute(sql)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        assert ActionLogEntry.objects.get().reason == ""


class TestNothingCascadesIntoTheLog:
    def test_deleting_a_user_with_entries_is_refused(self, clerk):
        ActionLogEntryFactory(actor=clerk)
        with pytest.raises(UserDeletionRefused):
            clerk.delete()
        with pytest.raises(UserDeletionRefused):
            User.objects.filter(pk=clerk.pk).delete()
        with pytest.raises(ProtectedError):  # the foreign key guards even Django's base delete
            models.QuerySet.delete(User.objects.filter(pk=clerk.pk))
        assert User.objects.filter(pk=clerk.pk).exists()

    def test_deleting_an_application_with_entries_is_refused(self, clerk, application):
        entry = ActionLogEntryFactory(actor=clerk, application=application)
        with pytest.raises(ProtectedError) as refused:
            application.delete()
        assert entry in refused.value.protected_objects
        assert Application.objects.filter(pk=application.pk).exists()


class TestDailyDigests:
    def test_one_digest_per_local_day_with_the_chain_head_at_its_end(self, clerk):
        # 2026-03-01 23:30 and 2026-03-02 00:30 in Beijing time (UTC+8).
        with time_machine.travel(datetime(2026, 3, 1, 15, 30, tzinfo=UTC), tick=False):
            first = ActionLogEntryFactory(actor=clerk)
            second = ActionLogEntryFactory(actor=clerk)
        with time_machine.travel(datetime(2026, 3, 1, 16, 30, tzinfo=UTC), tick=False):
            third = ActionLogEntryFactory(actor=clerk)

        digests = list(audit_daily_digests())

        assert [(d.day, d.entries, d.head_seq, d.head_hash) for d in digests] == [
            (date(2026, 3, 2), 1, third.seq, third.hash),
            (date(2026, 3, 1), 2, second.seq, second.hash),
        ]
        assert first.seq == 1

    def test_digests_page_in_a_fixed_number_of_queries(self, clerk, django_assert_num_queries):
        for day in range(1, 8):
            with time_machine.travel(datetime(2026, 3, day, 4, tzinfo=UTC), tick=False):
                ActionLogEntryFactory(actor=clerk)
        digests = audit_daily_digests()
        with django_assert_num_queries(3):  # count, one page of days, their hashes
            assert digests.count() == 7
            assert [d.day.day for d in digests[2:5]] == [5, 4, 3]
