"""Reading settings from the environment.

Every setting comes from an environment variable; a value that cannot be used raises
``ImproperlyConfigured`` naming the variable, so a mistyped deployment fails at start-up
instead of running with a silent default.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} must be a comma-separated list; got {raw!r}.")
    return items


def env_database(name: str, default: str) -> dict:
    raw = os.environ.get(name) or default
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several types for bad URLs
        raise ImproperlyConfigured(f"{name} is not a usable database URL: {exc}") from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"{name} names an unknown database scheme: {raw!r}.")
    if config["ENGINE"] not in (
        "django.db.backends.sqlite3",
        "django.db.backends.postgresql",
    ):
        raise ImproperlyConfigured(f"{name} must be a sqlite:// or postgres:// URL; got {raw!r}.")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.pop("CONN_HEALTH_CHECKS", None)
        config["CONN_MAX_AGE"] = 0
        # WAL lets the web server read while the sweep and the task worker write; NORMAL
        # synchronisation is durable in WAL mode except for the last commits on power loss,
        # which is right for the embedded demo database (production runs PostgreSQL).
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        name = str(config.get("NAME") or "")
        if name and name != ":memory:" and not name.startswith("file:"):
            os.makedirs(os.path.dirname(os.path.abspath(name)), exist_ok=True)
    else:
        # Queries stay bound on the client (Django's default), so nothing changes for them; the
        # few hot statements that ask for server-side binding (the public status lookup) are
        # prepared by psycopg after five runs on a connection and no longer planned on each
        # request. Behind a pooler in transaction mode, that needs PgBouncer 1.21 or later with
        # max_prepared_statements set (docs/deployment.md).
        config.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
        # No JIT compilation: it adds tens of milliseconds to the dashboards' grouped counts over
        # index-only scans and pays off only for long analytical queries, which we do not run.
        config["OPTIONS"].setdefault("options", "-c jit=off")
    return config


def env_timezone(name: str, default: str) -> str:
    value = os.environ.get(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name} is not a known time zone: {value!r}.") from None
    return value


def env_cache(name: str, default: str) -> dict:
    """Parse ``CACHE_URL`` into the default cache: ``locmem://`` (one process: development, tests)
    or ``redis://host:6379/0`` / ``rediss://…`` (shared by every worker and host: the rate limits
    of the public pages count per client across the whole web tier)."""
    raw = os.environ.get(name) or default
    parts = urlsplit(raw)
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if parts.scheme in ("redis", "rediss"):
        if not parts.hostname:
            raise ImproperlyConfigured(f"{name} needs a host, as in redis://127.0.0.1:6379/0.")
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": raw, "KEY_PREFIX": "xuke"}
    raise ImproperlyConfigured(f"{name} must start with locmem://, redis:// or rediss://; got {raw!r}.")


EMAIL_SCHEMES = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
}


def env_email(name: str, default: str) -> dict:
    """Parse ``EMAIL_URL``: ``console://``, ``locmem://``, ``file:///path``,
    ``smtp://user:pass@host:587?tls=1`` or ``smtps://user:pass@host:465``."""
    raw = os.environ.get(name) or default
    parts = urlsplit(raw)
    backend = EMAIL_SCHEMES.get(parts.scheme)
    if backend is None:
        raise ImproperlyConfigured(
            f"{name} must start with one of {', '.join(sorted(EMAIL_SCHEMES))}://; got {raw!r}."
        )
    settings: dict = {"EMAIL_BACKEND": backend}
    if parts.scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured(f"{name} needs a folder, as in file:///var/mail/xuke.")
        settings["EMAIL_FILE_PATH"] = parts.path
    if parts.scheme in ("smtp", "smtps"):
        if not parts.hostname:
            raise ImproperlyConfigured(f"{name} needs a host, as in smtp://mail.example.org:587.")
        query = parse_qs(parts.query)
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name} has a bad port: {raw!r}.") from None
        settings.update(
            EMAIL_HOST=parts.hostname,
            EMAIL_PORT=port or (465 if parts.scheme == "smtps" else 25),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_SSL=parts.scheme == "smtps",
            EMAIL_USE_TLS=query.get("tls", ["0"])[0] in TRUE,
        )
    return settings
