"""Deadline checks run by the periodic sweep (``manage.py sweep``).

Each check is idempotent and safe to run on several hosts at once: it selects the rows it
acts on with ``select_for_update(skip_locked=True)`` and re-checks them under the lock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

log = logging.getLogger(__name__)

CHECKS: list[tuple[str, Callable[[datetime], int]]] = []
"""(name, check(now) -> number of cases acted on), in the order they run."""


def register(name: str):
    def decorator(func: Callable[[datetime], int]):
        CHECKS.append((name, func))
        return func

    return decorator


def run_checks(*, now: datetime) -> dict[str, int]:
    """Run every registered deadline check once; return how many cases each acted on."""
    results = {}
    for name, check in CHECKS:
        results[name] = check(now)
        if results[name]:
            log.info("deadline check %s acted on %d case(s)", name, results[name])
    return results
