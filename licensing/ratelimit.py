"""A small per-client rate limiter for the public pages (issue 7 item 7: abuse resistance).

Fixed windows counted in Django's cache, keyed by scope and by a keyed hash of the client
address (the raw address is never stored, not even in the cache). Configured in settings::

    XUKE_PUBLIC_RATE_LIMITS = {"lookup": "60/min", "verify": "30/min", "download": "10/min"}
    XUKE_TRUSTED_PROXY_COUNT = 0   # reverse proxies in front of Django that append X-Forwarded-For

Each value is ``N/second``, ``N/min``, ``N/hour`` or ``N/day``; ``None`` or a missing scope means
no limit. With several web hosts, point ``CACHES["default"]`` at a shared cache (Redis) so the
hosts count together; with the per-process default each worker counts on its own, which still
bounds a client to N × workers per window.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "RateDecision",
    "client_address",
    "client_hash",
    "rate_check",
    "rate_limited",
]

DEFAULT_RATE_LIMITS = {"lookup": "60/min", "verify": "30/min", "download": "10/min"}

_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
            "d": 86400, "day": 86400}


def _parse(rate: str | None) -> tuple[int, int] | None:
    if not rate:
        return None
    count, _, period = str(rate).partition("/")
    try:
        return int(count), _PERIODS[period.strip().lower()]
    except (KeyError, ValueError):
        raise ValueError(f"rate {rate!r} is not of the form N/min") from None


def _rate_for(scope: str) -> tuple[int, int] | None:
    limits = {**DEFAULT_RATE_LIMITS, **getattr(settings, "XUKE_PUBLIC_RATE_LIMITS", {})}
    return _parse(limits.get(scope))


def client_address(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or with ``XUKE_TRUSTED_PROXY_COUNT`` = n > 0 the
    n-th address from the right of ``X-Forwarded-For`` (the one the nearest trusted proxy saw)."""
    proxies = int(getattr(settings, "XUKE_TRUSTED_PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def client_hash(request: HttpRequest) -> str:
    """A keyed hash of the client address (HMAC-SHA-256 with ``SECRET_KEY``, 32 hex digits):
    lets requests from one client be counted together without keeping the address."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, client_address(request).encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int = 0
    retry_after: int = 0


def rate_check(request: HttpRequest, scope: str) -> RateDecision:
    """Count one request of this client in ``scope`` and say whether it is within the limit."""
    rate = _rate_for(scope)
    if rate is None:
        return RateDecision(allowed=True)
    limit, period = rate
    now = int(time.time())
    window = now // period
    key = f"xuke:rl:{scope}:{client_hash(request)}:{window}"
    # add() is atomic and sets the expiry once; incr() is atomic in every cache backend.
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=period + 1)
        count = 1
    if count <= limit:
        return RateDecision(allowed=True, limit=limit)
    return RateDecision(allowed=False, limit=limit, retry_after=(window + 1) * period - now)


def too_many_requests(request: HttpRequest, decision: RateDecision) -> HttpResponse:
    """HTTP 429 with a page that says what happened and when to try again."""
    response = TemplateResponse(
        request,
        "public/too_many_requests.html",
        {"retry_after": max(decision.retry_after, 1), "limit": decision.limit},
        status=429,
    )
    response["Retry-After"] = str(max(decision.retry_after, 1))
    return response


def rate_limited(scope: str) -> Callable:
    """Decorate a view: over the limit, answer 429 instead of calling it."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            decision = rate_check(request, scope)
            if not decision.allowed:
                return too_many_requests(request, decision)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
