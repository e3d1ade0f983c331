"""System checks of the deployment (``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs, **kwargs) -> list[Error]:
    """With DEBUG=0 the settings load without SECRET_KEY, so that commands which sign nothing
    (makemigrations, makemessages) run in a bare checkout; the web server refuses to start
    (``config/wsgi.py``), and this makes the deploy check fail instead of only warning."""
    try:
        settings.SECRET_KEY  # noqa: B018  Django refuses an empty key when it is read
        return []
    except ImproperlyConfigured:
        return [
            Error(
                "SECRET_KEY is not set.",
                hint="Set the environment variable SECRET_KEY to a random string of at least 50 characters.",
                id="xuke.E001",
            )
        ]
