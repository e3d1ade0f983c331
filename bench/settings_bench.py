"""Settings for the load benchmarks in ``bench/`` (issue 7): production settings (DEBUG off,
persistent database connections, the same middleware), plus a bench-only URLconf with the
baseline view, and rate limits raised so the load generator measures the pages, not the 429s.

    DJANGO_SETTINGS_MODULE=bench.settings_bench DATABASE_URL=postgres://… gunicorn config.wsgi
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-in-production-" + "x" * 20)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from config.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls_bench"
# Templates use {% static %}; the bench serves no static files and runs no collectstatic.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Per-second windows: the throttles still run on every request, but DRF's throttle keeps one timestamp
# per request of the window, so a per-minute limit high enough for one load generator would make it
# pickle thousands of them per request, which no real client limit (120/min) ever does.
XUKE_PUBLIC_RATE_LIMITS = {"lookup": "100000/s", "verify": "100000/s", "download": "100000/s"}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public": "100000/s"}}  # noqa: F405
