"""Settings come from the environment; a bad value is refused with the variable's name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bare_environment() -> dict:
    """This process's environment without any of the project's settings."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG")
    }


def run_check(env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = bare_environment()
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://root@localhost/xuke"),
        ("DATABASE_URL", "not a url"),
        ("TIME_ZONE", "Mars/Olympus"),
        ("EMAIL_URL", "pigeon://coop"),
        ("CACHE_URL", "memcached://cache:11211"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("ALLOWED_HOSTS", " , "),
    ],
)
def test_bad_environment_value_is_refused_with_its_name(variable, value):
    result = run_check({"DEBUG": "1", variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_production_without_secret_key_fails_the_deploy_check_and_does_not_serve():
    production = {"DEBUG": "0", "ALLOWED_HOSTS": "xuke.example.org"}
    result = run_check(production, "--deploy")
    assert result.returncode != 0 and "xuke.E001" in result.stderr and "SECRET_KEY" in result.stderr
    served = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"], cwd=ROOT, env={**bare_environment(), **production},
        capture_output=True, text=True, timeout=120,
    )
    assert served.returncode != 0 and "ImproperlyConfigured" in served.stderr and "SECRET_KEY" in served.stderr


def test_a_short_secret_key_is_refused_with_its_name():
    result = run_check({"DEBUG": "0", "ALLOWED_HOSTS": "xuke.example.org", "SECRET_KEY": "too-short"})
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


def test_a_bare_checkout_checks_its_migrations_without_any_secret():
    """makemigrations signs nothing: it runs with no environment at all (DEBUG off, no key)."""
    checked = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=ROOT, env=bare_environment(),
        capture_output=True, text=True, timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    result = run_check(
        {
            "DEBUG": "0",
            "SECRET_KEY": "k" * 20 + "-production-secret-for-the-deploy-check-only-0123456789",
            "ALLOWED_HOSTS": "xuke.example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_email_url_configures_smtp():
    from config.env import env_email

    os.environ["XUKE_TEST_EMAIL_URL"] = "smtp://user:p%40ss@mail.example.org:587?tls=1"
    try:
        conf = env_email("XUKE_TEST_EMAIL_URL", "console://")
    finally:
        del os.environ["XUKE_TEST_EMAIL_URL"]
    assert conf["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    assert (conf["EMAIL_HOST"], conf["EMAIL_PORT"], conf["EMAIL_HOST_PASSWORD"]) == ("mail.example.org", 587, "p@ss")
    assert conf["EMAIL_USE_TLS"] is True


def test_cache_url_redis_is_one_cache_for_every_worker():
    """With CACHE_URL=redis://…, what one process counts (a client's public lookups, for the rate
    limit) another sees: two separate cache objects stand for two gunicorn workers."""
    import socket
    import uuid

    from django.core.cache.backends.redis import RedisCache

    from config.env import env_cache

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("No Redis on 127.0.0.1:6379 to test CACHE_URL=redis:// against.")
    os.environ["XUKE_TEST_CACHE_URL"] = "redis://127.0.0.1:6379/0"
    try:
        conf = env_cache("XUKE_TEST_CACHE_URL", "locmem://")
    finally:
        del os.environ["XUKE_TEST_CACHE_URL"]
    assert conf["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    params = {k: v for k, v in conf.items() if k not in ("BACKEND", "LOCATION")}
    first, second = RedisCache(conf["LOCATION"], params), RedisCache(conf["LOCATION"], params)
    key = f"test-{uuid.uuid4().hex}"
    first.set(key, 1, 30)
    first.incr(key)
    assert second.get(key) == 2
    second.delete(key)
