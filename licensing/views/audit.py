"""The action log on screen (design.md principle 5; Arts. 72–73): an application's audit timeline
for its agency's staff, everything one official did for supervisors, streamed CSV and JSON exports,
and the public daily digests of the chain head.

Who may read what is decided by the predicates in ``licensing.audit``; anonymous visitors are sent
to sign in, signed-in users without the right role get 403."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from licensing.audit import (
    AuditEntryFilterForm,
    audit_application_timeline,
    audit_can_view_all,
    audit_can_view_application,
    audit_daily_digests,
    audit_entry_list,
)
from licensing.models import ActionLogEntry, Application

PAGE_SIZE = 50
EXPORT_CHUNK = 2000
"""Rows fetched per database round trip while exporting; memory stays flat whatever the period."""
EXPORT_BATCH = 200
"""Rows joined into one piece of the streamed response."""
EXPORT_COLUMNS = [
    "seq",
    "at",
    "actor",
    "actor_id",
    "role",
    "agency",
    "agency_id",
    "action",
    "application",
    "application_id",
    "legal_basis",
    "reason",
    "changes",
    "prev_hash",
    "hash",
]


@login_required
@require_GET
def application_audit(request: HttpRequest, number: str) -> HttpResponse:
    """Everything done on one application, in order, with names and reasons: for the staff of
    the agency handling it, supervisors and administrators (principle 5)."""
    application = get_object_or_404(Application.objects.select_related("agency", "item"), number=number)
    if not audit_can_view_application(request.user, application):
        raise PermissionDenied(_("Only the handling agency's staff and supervisors may read this audit trail."))
    page = Paginator(audit_application_timeline(application=application), 100).get_page(request.GET.get("page"))
    _add_change_rows(page)
    return render(request, "supervision/application_audit.html", {"application": application, "page": page})


def change_rows(changes: dict, prefix: str = "") -> list[tuple[str, object, object]]:
    """``{field: [before, after]}`` as ``(field, before, after)`` rows for people to read; nested
    groups (``{"C2": {"due_on": [...]}}``) become ``C2.due_on``, any other value shows as is."""
    rows: list[tuple[str, object, object]] = []
    for field, value in changes.items():
        name = f"{prefix}{field}"
        if isinstance(value, dict):
            rows += change_rows(value, prefix=f"{name}.")
        elif isinstance(value, list) and len(value) == 2:
            rows.append((name, value[0], value[1]))
        else:
            rows.append((name, None, value))
    return rows


def _add_change_rows(page) -> None:
    for entry in page:
        entry.change_rows = change_rows(entry.changes) if isinstance(entry.changes, dict) else []


def _require_supervision(request: HttpRequest) -> None:
    if not audit_can_view_all(request.user):
        raise PermissionDenied(_("Only supervisors and administrators may read every official's actions."))


@login_required
@require_GET
def official_audit(request: HttpRequest) -> HttpResponse:
    """Supervision (电子监察): everything one official, or everyone, did in a period, filtered by
    action, agency and application, newest first, with CSV and JSON exports of the same filter."""
    _require_supervision(request)
    form = AuditEntryFilterForm(request.GET)
    entries = audit_entry_list(**form.filters()) if form.is_valid() else ActionLogEntry.objects.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    _add_change_rows(page)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/official_audit.html",
        {"form": form, "page": page, "export_query": query.urlencode()},
    )


@login_required
@require_GET
def official_audit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The supervisors' filter as a CSV or JSON download, oldest first, streamed row by row from a
    database cursor so that a year of the log never sits in memory. Each row carries the ids the
    hash covers, so the chain can be re-checked from a JSON export."""
    _require_supervision(request)
    form = AuditEntryFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(
            json.dumps({"errors": form.errors.get_json_data()}, ensure_ascii=False),
            content_type="application/json",
        )
    entries = audit_entry_list(**form.filters()).order_by("seq")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(entries), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json_stream(entries), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="xuke-audit-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


def export_row(entry: ActionLogEntry) -> dict:
    """One entry as exported: names for people, ids for re-computing the hash."""
    return {
        "seq": entry.seq,
        "at": timezone.localtime(entry.at).isoformat(timespec="microseconds"),
        "actor": entry.actor_label,
        "actor_id": entry.actor_id,
        "role": entry.role,
        "agency": entry.agency.code if entry.agency_id else None,
        "agency_id": entry.agency_id,
        "action": entry.action,
        "application": entry.application.number if entry.application_id else None,
        "application_id": entry.application_id,
        "legal_basis": entry.legal_basis,
        "reason": entry.reason,
        "changes": entry.changes,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _batched(entries: QuerySet[ActionLogEntry]) -> Iterator[list[ActionLogEntry]]:
    batch = []
    for entry in entries.iterator(chunk_size=EXPORT_CHUNK):
        batch.append(entry)
        if len(batch) == EXPORT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class _Echo:
    """A file-like object whose ``write`` returns what it was given, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe (OWASP CSV
    injection); the JSON export keeps values exactly as stored."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_stream(entries: QuerySet[ActionLogEntry]) -> Iterable[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)  # the BOM lets spreadsheet programs read UTF-8
    for batch in _batched(entries):
        yield "".join(writer.writerow([_csv_cell(v) for v in export_row(e).values()]) for e in batch)


def _json_stream(entries: QuerySet[ActionLogEntry]) -> Iterable[str]:
    """A JSON array, written one batch of entries at a time."""
    yield "["
    separator = "\n"
    for batch in _batched(entries):
        pieces = []
        for entry in batch:
            pieces.append(separator + json.dumps(export_row(entry), ensure_ascii=False, cls=DjangoJSONEncoder))
            separator = ",\n"
        yield "".join(pieces)
    yield "\n]\n"


@require_GET
def digests(request: HttpRequest) -> HttpResponse:
    """Public: per day, the number of action-log entries and the chain head at the day's end, so
    that outsiders can keep them and later hold the log to them (principle 5). No personal data."""
    page = Paginator(audit_daily_digests(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "public/audit_digests.html", {"page": page, "today": timezone.localdate()})
