"""One error body for every failure: ``{"error": {"code", "message", "fields"}}``.

Django's ``ValidationError`` and ``PermissionDenied`` and the domain's errors are mapped to
the HTTP status a client expects, so no domain failure ever becomes a 500."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from licensing.errors import DomainError

_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    429: "throttled",
}


def _flatten(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(_flatten(v) for v in detail.values())
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields = {}
    detail = response.data
    if isinstance(exc, exceptions.ValidationError) and isinstance(detail, dict):
        fields = {key: [str(m) for m in (val if isinstance(val, list) else [val])] for key, val in detail.items()}
        message = fields.pop("non_field_errors", None)
        message = " ".join(message) if message else "Some fields are not valid: see 'fields'."
    elif isinstance(detail, dict) and "detail" in detail:
        message = str(detail["detail"])
    else:
        message = _flatten(detail)
    code = getattr(exc, "default_code", None) or _CODES.get(response.status_code, "error")
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response


def domain_error_response(error: DomainError) -> Response:
    return Response(
        {"error": {"code": error.code, "message": error.message, "fields": error.fields}},
        status=error.status_code or status.HTTP_400_BAD_REQUEST,
    )
