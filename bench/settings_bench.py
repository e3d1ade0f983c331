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
XUKE_PUBLIC_RATE_LIMITS = {"lookup": "100000000/min", "verify": "100000000/min", "download": "100000000/min"}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public": "100000000/min"}}  # noqa: F405
