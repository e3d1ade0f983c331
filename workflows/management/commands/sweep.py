"""The periodic sweep: viewflow's due timers first, then licensing's deadline checks.

Run it every minute from cron, a systemd timer or a Kubernetes CronJob; ``--loop N`` keeps it
running in the foreground (``make run`` does so). Safe on several hosts at once."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.urls import get_resolver
from django.utils import timezone
from viewflow.workflow.timers import fire_due_conditions, fire_due_start_timers, fire_due_timers

from licensing import deadlines


class Command(BaseCommand):
    help = "Fire due workflow timers and run the statutory deadline checks (once, or every N seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, metavar="SECONDS", help="Repeat every SECONDS seconds.")

    def handle(self, *args, loop=None, **options):
        _ = get_resolver().url_patterns  # flow node URLs must be importable before timers fire
        while True:
            self.sweep_once()
            if not loop:
                return
            time.sleep(loop)

    def sweep_once(self) -> None:
        fired = fire_due_timers() or 0
        fire_due_start_timers()
        fire_due_conditions()
        results = deadlines.run_checks(now=timezone.now())
        acted = ", ".join(f"{k}={v}" for k, v in results.items() if v) or "nothing due"
        self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} sweep: {fired} timer(s) fired; {acted}")
