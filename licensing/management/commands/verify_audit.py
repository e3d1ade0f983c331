"""``manage.py verify_audit``: walk the action log's hash chain (design.md principle 5).

Prints ``OK: N entries, chain head <hash>`` and exits 0, or ``FAILED at entry #seq: <problem>``
and exits 1, naming the first entry that was changed, removed or inserted. Run it from cron and
alert on a non-zero exit."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from licensing.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the action log's hash chain; exit 1 naming the first changed, removed or inserted entry."

    def handle(self, *args, **options):
        result = audit_verify()
        if result.ok:
            self.stdout.write(f"OK: {result.checked} entries, chain head {result.head_hash}")
            return
        where = f"at entry #{result.first_bad_seq}" if result.first_bad_seq is not None else "in the chain head"
        self.stderr.write(f"FAILED {where}: {result.problem}")
        sys.exit(1)
