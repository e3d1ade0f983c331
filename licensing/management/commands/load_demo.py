"""``manage.py load_demo``: idempotent demo data for a local run, and the logins to use.

The catalogue and the users load at once; the demo history (a few hundred applications worked
day by day through the real services) is replayed once, and ``make run`` replays it in the
background (``--history-only``) so that the site answers while it loads."""

from django.core.management.base import BaseCommand

from licensing import demo
from licensing.demo_history import load_history


class Command(BaseCommand):
    help = "Load demo agencies, staff for every role, licence items and a demo history (safe to run again)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--no-history", action="store_true", help="Skip replaying the demo applications.")
        group.add_argument("--history-only", action="store_true", help="Only replay the demo applications.")

    def handle(self, *args, no_history=False, history_only=False, **options):
        if not history_only:
            demo.load_catalogue()
            people = demo.load_people()
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Logins (password for all: {demo.DEMO_PASSWORD}):"))
            for username, role, where in people:
                self.stdout.write(f"  {username:<16} {role:<16} {where}")
        if not no_history:
            load_history(self.stdout)
