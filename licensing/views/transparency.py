"""Public transparency pages (issue 7; Art. 5, 38–40; law.md §4 e-supervision; design.md
principle 4): any application's state and timeline by its number, the list of all applications,
the register of grant decisions (双公示), licence verification by QR code, each agency's
performance and the open data. No login, no personal data, no JavaScript needed.

The reads are in ``licensing.selectors_public``; the one write (the verification log) is in
``licensing.services.transparency``. Lookups, verifications and downloads are rate-limited per
client (``licensing.ratelimit``)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from licensing import selectors_public as sel
from licensing.choices import RatingLevel
from licensing.models import Application
from licensing.ratelimit import client_hash, rate_limited
from licensing.rules.statistics import MIN_CASES
from licensing.services.transparency import licence_verify
from licensing.transparency_forms import ApplicationFilterForm, LookupForm, RegisterFilterForm, normalise_number

PAGE_SIZE = 25
EXPORT_BATCH = 200
"""Rows joined into one piece of a streamed download."""

APPLICATION_COLUMNS = [
    "number",
    "item_code",
    "item_name",
    "agency_code",
    "agency_name",
    "status",
    "received_at",
    "accepted_on",
    "deemed_accepted",
    "decided_on",
    "decision_due_on",
    "overdue",
]
LICENCE_COLUMNS = [
    "number",
    "holder",
    "holder_is_organisation",
    "item_code",
    "item_name",
    "agency_code",
    "agency_name",
    "scope",
    "valid_from",
    "valid_until",
    "status",
    "issued_on",
]
STATISTICS_COLUMNS = [
    "year",
    "agency_code",
    "agency_name",
    "item_code",
    "item_name",
    "received",
    "decided",
    "on_time_statutory_cases",
    "on_time_statutory_percent",
    "on_time_promised_cases",
    "on_time_promised_percent",
    "median_working_days_to_decision",
    "median_cases",
    "backlog_today",
    "overdue_today",
    "ratings",
    *(f"rating_{int(level)}_percent" for level in RatingLevel),
]


# ------------------------------------------------------------------------------------------------
# Status lookup


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """The lookup box: an application number in, its public page out (a GET form, so it works
    without JavaScript and the result can be bookmarked)."""
    if "number" in request.GET:
        form = LookupForm(request.GET)
        if form.is_valid():
            return redirect("public:lookup_detail", number=form.cleaned_data["number"])
        return render(request, "public/lookup_form.html", {"form": form}, status=400)
    return render(request, "public/lookup_form.html", {"form": LookupForm()})


@require_GET
@rate_limited("lookup")
def lookup_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One application's public record (Art. 5, 40): item, agency, legal state, the time limits
    with their due dates and how they were calculated, pauses and the extension with their
    reasons, the timeline of acts by role and staff number, the documents served (titles only)
    and whether the decision is overdue. An unknown number gets a 404 page that says so."""
    normalised = normalise_number(number)
    if normalised != number:
        return redirect("public:lookup_detail", number=normalised)
    today = sel.public_today()
    try:
        application = sel.application_get_public(number=number, today=today)
    except Application.DoesNotExist:
        return render(
            request,
            "public/lookup_not_found.html",
            {"number": number, "form": LookupForm(initial={"number": number})},
            status=404,
        )
    return render(request, "public/lookup_detail.html", {"application": application, "today": today})


# ------------------------------------------------------------------------------------------------
# All applications


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    """Every received application, newest first, filterable by agency, item, legal state, year
    of receipt and overdue (Art. 5, 40). Keyset pages: as fast on page 1,000 as on page 1."""
    today = sel.public_today()
    choices = sel.filter_choices()
    form = ApplicationFilterForm(request.GET or None, choices=choices)
    filters = form.filters() if request.GET else sel.ApplicationFilters()
    page = sel.application_list_public(
        filters=filters, today=today, after=request.GET.get("after"), before=request.GET.get("before"), size=PAGE_SIZE
    )
    count, more = sel.application_count_bounded(filters=filters, today=today)
    return render(
        request,
        "public/application_list.html",
        {
            "form": form if request.GET else ApplicationFilterForm(choices=choices),
            "page": page,
            "count": count,
            "more": more,
            "today": today,
            "base_query": _query_without(request, "after", "before"),
            "filtered": any([filters.agency, filters.item, filters.status, filters.year, filters.overdue]),
        },
    )


# ------------------------------------------------------------------------------------------------
# The register of grant decisions


@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """The register of licences granted (双公示; Art. 40), published as soon as the licence is
    issued: number, holder (a person's name masked, Art. 5), item, scope, validity and status
    (an active licence past its validity shows as expired). Searchable; persons' names are not."""
    today = sel.public_today()
    choices = sel.filter_choices()
    form = RegisterFilterForm(request.GET or None, choices=choices)
    filters = form.filters() if request.GET else sel.LicenceFilters()
    page = sel.licence_list_public(
        filters=filters, today=today, after=request.GET.get("after"), before=request.GET.get("before"), size=PAGE_SIZE
    )
    count, more = sel.licence_count_bounded(filters=filters, today=today)
    return render(
        request,
        "public/register.html",
        {
            "form": form if request.GET else RegisterFilterForm(choices=choices),
            "page": page,
            "count": count,
            "more": more,
            "today": today,
            "base_query": _query_without(request, "after", "before"),
            "filtered": any([filters.query, filters.agency, filters.item, filters.status, filters.year]),
        },
    )


# ------------------------------------------------------------------------------------------------
# Verification


@require_GET
@rate_limited("verify")
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """The page the certificate's QR code opens (Art. 39): confirms the licence and its status
    today with partial data, or says clearly (404) that the code matches no licence. Every
    verification is logged (``LicenceVerification``), without the code or the address."""
    today = sel.public_today()
    licence = licence_verify(token=token, today=today, client_hash=client_hash(request))
    if licence is None:
        return render(request, "public/verify_not_found.html", {}, status=404)
    return render(request, "public/verify.html", {"licence": licence, "today": today, "checked_at": timezone.now()})


# ------------------------------------------------------------------------------------------------
# Performance


def _year(request: HttpRequest, years: list[int], today: date) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return today.year
    return year if year in years else today.year


@require_GET
def performance(request: HttpRequest) -> HttpResponse:
    """Each agency's and item's published record for a year (Art. 5; law.md §4): received,
    decided, on time against the statutory and the promised limit, median working days to
    decision, backlog, overdue and the satisfaction distribution — each defined on the page, no
    share for fewer than 20 cases — with server-drawn charts and the table behind each."""
    from licensing import transparency_charts as charts

    today = sel.public_today()
    years = sel.performance_years(today=today)
    year = _year(request, years, today)
    report = sel.performance_report(year=year, today=today)
    return render(
        request,
        "public/performance.html",
        {
            "report": report,
            "years": years,
            "year": year,
            "minimum": MIN_CASES,
            "rating_levels": list(RatingLevel),
            "on_time_rows": charts.on_time_rows(report),
            "median_rows": charts.median_rows(report),
            "satisfaction_rows": charts.satisfaction_rows(report),
        },
    )


@require_GET
def performance_chart(request: HttpRequest, name: str) -> HttpResponse:
    """One chart of the performance page as a PNG (matplotlib, drawn here)."""
    from licensing import transparency_charts as charts

    if name not in charts.CHARTS:
        raise Http404(_("No such chart."))
    today = sel.public_today()
    years = sel.performance_years(today=today)
    report = sel.performance_report(year=_year(request, years, today), today=today)
    png = charts.chart_png(name, report)
    if png is None:
        raise Http404(_("No agency has enough cases for this chart."))
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "public, max-age=600"
    return response


# ------------------------------------------------------------------------------------------------
# Open data


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    """What can be downloaded, in which formats, with the meaning of every column."""
    today = sel.public_today()
    return render(
        request,
        "public/open_data.html",
        {
            "years": sel.performance_years(today=today),
            "application_columns": APPLICATION_COLUMNS,
            "licence_columns": LICENCE_COLUMNS,
            "statistics_columns": STATISTICS_COLUMNS,
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(columns: list[str], rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a BOM, so spreadsheet programs read the Chinese text as UTF-8
    yield writer.writerow(columns)
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow([_cell(row.get(column)) for column in columns]))
        if len(batch) >= EXPORT_BATCH:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timezone.localtime(value, sel.SHANGHAI).isoformat()
    return str(value)


def _json_stream(columns: list[str], rows: Iterable[dict]) -> Iterator[str]:
    yield "["
    first = True
    batch: list[str] = []
    for row in rows:
        item = {column: row.get(column) for column in columns}
        if isinstance(item.get("received_at"), datetime):
            item["received_at"] = timezone.localtime(item["received_at"], sel.SHANGHAI)
        text = json.dumps(item, cls=DjangoJSONEncoder, ensure_ascii=False)
        batch.append(text if first else "," + text)
        first = False
        if len(batch) >= EXPORT_BATCH:
            yield "\n".join(batch)
            batch = []
    if batch:
        yield "\n".join(batch)
    yield "]\n"


def _application_export(row: dict) -> dict:
    return {
        "number": row["number"],
        "item_code": row["item__code"],
        "item_name": row["item__name"],
        "agency_code": row["agency__code"],
        "agency_name": row["agency__name"],
        "status": row["status"],
        "received_at": row["received_at"],
        "accepted_on": row["accepted_on"],
        "deemed_accepted": row["deemed_accepted"],
        "decided_on": row["decided_on"],
        "decision_due_on": row["c2_due_on"],
        "overdue": row["overdue"],
    }


def _licence_export(row: dict) -> dict:
    return {
        "number": row["number"],
        "holder": row["holder"],
        "holder_is_organisation": row["holder_is_organisation"],
        "item_code": row["item__code"],
        "item_name": row["item__name"],
        "agency_code": row["agency__code"],
        "agency_name": row["agency__name"],
        "scope": row["scope"],
        "valid_from": row["valid_from"],
        "valid_until": row["valid_until"],
        "status": row["status"],
        "issued_on": row["issued_on"],
    }


def _export_year(request: HttpRequest) -> int | None:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return None
    return year if 2000 <= year <= 2100 else None


@require_GET
@rate_limited("download")
def open_data_download(request: HttpRequest, dataset: str, fmt: str) -> StreamingHttpResponse:
    """A streamed CSV or JSON download of the register, the application list (optionally one
    year of receipt) or the statistics of one year. Rows are read from a server-side cursor and
    sent as they come, so memory stays flat at a million rows."""
    today = sel.public_today()
    year = _export_year(request)
    if dataset == "applications":
        columns = APPLICATION_COLUMNS
        rows: Iterable[dict] = map(
            _application_export,
            sel.application_export_rows(filters=sel.ApplicationFilters(year=year), today=today),
        )
    elif dataset == "register":
        columns = LICENCE_COLUMNS
        rows = map(_licence_export, sel.licence_export_rows(today=today))
    elif dataset == "statistics":
        columns = STATISTICS_COLUMNS
        report = sel.performance_report(year=year or today.year, today=today)
        rows = sel.statistics_export_rows(report)
    else:
        raise Http404(_("No such data set."))
    suffix = f"-{year}" if year and dataset != "register" else ""
    if dataset == "statistics" and not year:
        suffix = f"-{today.year}"
    filename = f"xuke-{dataset}{suffix}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(columns, rows), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json_stream(columns, rows), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
