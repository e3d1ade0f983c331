"""Domain errors: a refusal a person can understand, with the HTTP status it maps to."""

from __future__ import annotations


class DomainError(Exception):
    """A service refused an act. ``code`` is stable for clients; ``message`` is for people."""

    status_code = 400
    code = "refused"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        message = str(message)
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class NotAllowed(DomainError):
    """The actor may not do this (wrong role or agency)."""

    status_code = 403
    code = "permission_denied"


class Conflict(DomainError):
    """The case changed under the actor (another officer acted first, or it is locked)."""

    status_code = 409
    code = "conflict"


class InvalidTransition(DomainError):
    """The act is not allowed from the application's current legal state."""

    status_code = 409
    code = "invalid_state"
