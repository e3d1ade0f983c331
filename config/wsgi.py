"""WSGI entry point (gunicorn, sync workers). Refuses to start without SECRET_KEY (Django raises
``ImproperlyConfigured`` naming it when an empty key is read)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
settings.SECRET_KEY  # noqa: B018  read once at start-up, not at the first signed cookie
