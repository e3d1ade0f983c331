"""``manage.py load_demo``: idempotent demo data for a local run, and the logins to use."""

from django.core.management.base import BaseCommand

from licensing import demo


class Command(BaseCommand):
    help = "Load demo agencies, staff for every role and licence items (safe to run again)."

    def handle(self, *args, **options):
        demo.load_catalogue()
        people = demo.load_people()
        for hook in demo.EXTRA_LOADERS:
            hook(self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Logins (password for all: {demo.DEMO_PASSWORD}):"))
        for username, role, where in people:
            self.stdout.write(f"  {username:<16} {role:<16} {where}")
