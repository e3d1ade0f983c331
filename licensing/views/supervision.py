"""The e-supervision pages (电子监察) under /supervision/ (law.md §4; Arts. 72, 74).

* ``/supervision/`` — the dashboard: yellow and red counts per clock, breakdowns per agency, item
  and officer (each a drill-down), the overdue cases with working days late, and weekly charts of
  the on-time rate and the backlog, each with its table;
* ``/supervision/applications/<number>/`` — one case: its clocks, cards and supervision cases;
* ``/supervision/warnings/`` — every card raised;
* ``/supervision/cases/`` — supervision cases (督办), answered by the agency, closed by a supervisor;
* ``/supervision/compliance/`` — compliance records per agency and per officer, as CSV and PDF;
* ``/supervision/rectifications/`` — every rectification a bad rating opened, with its deadlines.

Supervisors read everything in their remit (``licensing.selectors_supervision.supervision_remit``)
and act only on supervision cases; administrators read everything; an agency's officers read and
answer their own agency's cases; anyone else gets 403, and anonymous visitors are sent to sign in.
Every page runs a fixed number of queries whatever the number of applications."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from licensing.choices import ClockKind, Role
from licensing.errors import DomainError
from licensing.models import (
    Application,
    SupervisionCase,
    SupervisionCaseStatus,
    SupervisionStatWeek,
    WarningLevel,
)
from licensing.rules.compliance import MIN_SAMPLE, OFFICER_CLOCKS, clock_level
from licensing.selectors_supervision import (
    DASHBOARD_CLOCKS,
    Remit,
    Scope,
    compliance_report,
    dashboard_warnings,
    is_case_staff,
    overdue_clocks,
    rectifications_filtered,
    rectifications_visible_to,
    supervision_cases_visible_to,
    supervision_remit,
    today_local,
    warnings_visible_to,
    weekly_series,
)
from licensing.services.supervision import supervision_case_close, supervision_case_respond
from licensing.supervision_charts import line_chart_svg
from licensing.supervision_forms import ComplianceForm, ConclusionForm, ResponseForm, ScopeForm
from licensing.supervision_report import compliance_csv_rows, compliance_pdf

PAGE_SIZE = 50


def require_remit(request: HttpRequest) -> Remit:
    """The signed-in user's supervisory remit, or 403."""
    remit = supervision_remit(request.user)
    if remit is None:
        raise PermissionDenied(_("Only supervisors and administrators may read the supervision pages."))
    return remit


def _can_close(user, case: SupervisionCase) -> bool:
    remit = supervision_remit(user) if user.has_role(Role.SUPERVISOR) else None
    return remit is not None and remit.covers(case.agency_id) and case.status != SupervisionCaseStatus.CLOSED


def _can_respond(user, case: SupervisionCase) -> bool:
    return is_case_staff(user, case.agency_id) and case.status == SupervisionCaseStatus.OPEN


# --- dashboard --------------------------------------------------------------------------------------


def _charts(weeks) -> dict:
    labels = tuple(w.week.strftime("%m-%d") for w in weeks)
    percent = tuple(None if w.on_time.rate is None else round(w.on_time.rate * 100, 1) for w in weeks)
    c2 = tuple(
        None if (r := w.by_kind.get(ClockKind.C2)) is None or r.rate is None else round(r.rate * 100, 1)
        for w in weeks
    )
    on_time = line_chart_svg(
        title=_("On-time rate per week"),
        labels=labels,
        series=((_("All clocks"), percent), (_("Decision (C2)"), c2)),
        # xgettext:no-python-format
        y_label=_("On-time rate (%)"),
        percent=True,
        salt="on-time",
    )
    backlog = line_chart_svg(
        title=_("Backlog at the end of each week"),
        labels=labels,
        series=(
            (_("Awaiting acceptance (C1)"), tuple(w.open_c1 for w in weeks)),
            (_("Awaiting decision (C2)"), tuple(w.open_c2 for w in weeks)),
            (_("Decision overdue (C2)"), tuple(w.overdue_c2 for w in weeks)),
        ),
        y_label=_("applications"),
        salt="backlog",
    )
    return {"on_time_svg": on_time, "backlog_svg": backlog}


def dashboard_context(*, remit: Remit, scope: Scope, today) -> dict:
    """Everything the dashboard shows, in a fixed number of queries (the bench measures this)."""
    warnings = dashboard_warnings(remit=remit, scope=scope, today=today)
    rows = [
        {"kind": kind, "label": ClockKind(kind).label, **warnings.counts[str(kind)]} for kind in DASHBOARD_CLOCKS
    ]
    weeks = weekly_series(remit=remit, scope=scope, today=today)
    cases = scope.apply(remit.filter(SupervisionCase.objects.all())).aggregate(
        open=Count("pk", filter=~Q(status=SupervisionCaseStatus.CLOSED)),
        late=Count("pk", filter=Q(status=SupervisionCaseStatus.OPEN, response_due_on__lt=today)),
    )
    stats = SupervisionStatWeek.objects.aggregate(at=Max("computed_at"))
    return {
        "today": today,
        "scope": scope,
        "rows": rows,
        "total_yellow": sum(r["yellow"] for r in rows),
        "total_red": sum(r["red"] for r in rows),
        "by_agency": warnings.by_agency,
        "by_item": warnings.by_item,
        "by_officer": warnings.by_officer,
        "overdue": overdue_clocks(remit=remit, scope=scope, today=today),
        "weeks": weeks,
        "cases": cases,
        "stats_at": stats["at"],
        **_charts(weeks),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every running clock in the remit at a glance (law.md §4), narrowed by ``?agency=``,
    ``?item=`` and ``?officer=``."""
    remit = require_remit(request)
    form = ScopeForm(request.GET or None, remit=remit)
    scope = form.scope() if request.GET else Scope()
    context = dashboard_context(remit=remit, scope=scope, today=today_local())
    query = request.GET.copy()
    context.update({"form": form, "remit": remit, "query": query})
    return render(request, "supervision/dashboard.html", context)


@login_required
@require_GET
def application_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One case as the supervisor sees it: its clocks with their levels and how each due date was
    counted, the cards raised and the supervision cases opened (principle 3: every due date is
    explained)."""
    remit = require_remit(request)
    application = get_object_or_404(
        Application.objects.select_related("agency", "item", "examiner"), number=number
    )
    if not remit.covers(application.agency_id):
        raise PermissionDenied(_("This application is outside your remit."))
    today = today_local()
    clocks = []
    for clock in application.clocks.order_by("kind"):
        level = clock_level(state=clock.state, due_on=clock.due_on, yellow_from=clock.yellow_from, today=today)
        clocks.append({"clock": clock, "level": level})
    context = {
        "application": application,
        "today": today,
        "clocks": clocks,
        "warnings": application.supervision_warnings.select_related("officer").order_by("raised_on", "pk"),
        "cases": application.supervision_cases.order_by("opened_on", "pk"),
    }
    return render(request, "supervision/application.html", context)


@login_required
@require_GET
def warning_list(request: HttpRequest) -> HttpResponse:
    """Every card raised in the remit, newest first; ``?level=yellow|red``."""
    require_remit(request)
    warnings = warnings_visible_to(request.user)
    level = request.GET.get("level", "")
    if level in WarningLevel.values:
        warnings = warnings.filter(level=level)
    page = Paginator(warnings.order_by("-raised_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/warnings.html", {"page": page, "level": level, "levels": WarningLevel})


# --- supervision cases ------------------------------------------------------------------------------


def _case_reader(request: HttpRequest) -> None:
    user = request.user
    if supervision_remit(user) is None and not (user.agency_id and is_case_staff(user, user.agency_id)):
        raise PermissionDenied(_("Only supervisors and the agency's officers may read supervision cases."))


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """Supervision cases: open ones first, by response deadline; ``?status=``."""
    _case_reader(request)
    cases = supervision_cases_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in SupervisionCaseStatus.values:
        cases = cases.filter(status=status)
    cases = cases.order_by("status", "response_due_on", "pk")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/cases.html",
        {
            "page": page,
            "status": status,
            "statuses": SupervisionCaseStatus,
            "today": today_local(),
            "show_nav": supervision_remit(request.user) is not None,
        },
    )


def _visible_case(request: HttpRequest, pk: int) -> SupervisionCase:
    _case_reader(request)
    case = supervision_cases_visible_to(request.user).filter(pk=pk).first()
    if case is None:
        raise Http404(_("No such supervision case."))
    return case


def _case_page(request, case, *, response_form=None, conclusion_form=None, status=200) -> HttpResponse:
    context = {
        "case": case,
        "today": today_local(),
        "can_respond": _can_respond(request.user, case),
        "can_close": _can_close(request.user, case),
        "response_form": response_form or ResponseForm(),
        "conclusion_form": conclusion_form or ConclusionForm(),
    }
    return render(request, "supervision/case.html", context, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, _visible_case(request, pk))


@login_required
@require_POST
def case_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The agency's written response (its head or an officer)."""
    case = _visible_case(request, pk)
    if not is_case_staff(request.user, case.agency_id):
        raise PermissionDenied(_("Only the head or an officer of the agency may respond."))
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            supervision_case_respond(case=case, actor=request.user, response=form.cleaned_data["response"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your response has been recorded and the supervisors told."))
            return redirect("supervision:case", pk=case.pk)
    return _case_page(request, case, response_form=form, status=400)


@login_required
@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervisor's conclusion, which closes the case."""
    case = _visible_case(request, pk)
    if not request.user.has_role(Role.SUPERVISOR):
        raise PermissionDenied(_("Only a supervisor may close a supervision case."))
    form = ConclusionForm(request.POST)
    if form.is_valid():
        try:
            supervision_case_close(case=case, actor=request.user, conclusion=form.cleaned_data["conclusion"])
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(error.message)
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The case is closed and the agency told."))
            return redirect("supervision:case", pk=case.pk)
    return _case_page(request, case, conclusion_form=form, status=400)


# --- compliance records ---------------------------------------------------------------------------


def _compliance(request: HttpRequest):
    remit = require_remit(request)
    today = today_local()
    form = ComplianceForm(request.GET, remit=remit, today=today)
    report = None
    if form.is_valid():
        data = form.cleaned_data
        report = compliance_report(
            remit=remit,
            start=data["start"],
            end=data["end"],
            today=today,
            agency=data.get("agency"),
            officer=data.get("officer"),
        )
    return form, report


@login_required
@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    """Compliance records per agency and per officer for a period (``?agency=&officer=&from=&to=``)."""
    form, report = _compliance(request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/compliance.html",
        {
            "form": form,
            "report": report,
            "query": query.urlencode(),
            "kinds": DASHBOARD_CLOCKS,
            "officer_kinds": OFFICER_CLOCKS,
            "min_sample": MIN_SAMPLE,
        },
        status=200 if report is not None else 400,
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(rows: Iterable[list[str]]) -> Iterable[str]:
    writer = csv.writer(_Echo())
    first = True
    for row in rows:
        line = writer.writerow(row)
        yield ("\ufeff" + line) if first else line  # the BOM lets spreadsheet programs read UTF-8
        first = False


def _filename(report, ext: str) -> str:
    return f"xuke-compliance-{report.start:%Y%m%d}-{report.end:%Y%m%d}.{ext}"


@login_required
@require_GET
def compliance_csv(request: HttpRequest) -> HttpResponse:
    """The compliance records as CSV, streamed."""
    form, report = _compliance(request)
    if report is None:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(_csv_stream(compliance_csv_rows(report)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def compliance_pdf_view(request: HttpRequest) -> HttpResponse:
    """The compliance records as a PDF report (STSong-Light for Chinese)."""
    form, report = _compliance(request)
    if report is None:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    data = form.cleaned_data
    scope = ", ".join(
        part
        for part in (
            _("agency %(code)s") % {"code": data["agency"].code} if data.get("agency") else "",
            _("officer %(name)s") % {"name": data["officer"].username} if data.get("officer") else "",
        )
        if part
    ) or _("All agencies in the remit.")
    response = HttpResponse(compliance_pdf(report, title_scope=scope), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "pdf")}"'
    response["Cache-Control"] = "no-store"
    return response


# --- rectifications ---------------------------------------------------------------------------------


@login_required
@require_GET
def rectification_list(request: HttpRequest) -> HttpResponse:
    """Every rectification a bad rating opened (好差评, law.md §4) in the remit, open ones first by
    their deadline, with the contact and rectification due dates and where each stands;
    ``?status=open|late|done`` and ``?agency=``."""
    require_remit(request)
    today = today_local()
    status = request.GET.get("status", "")
    agency = request.GET.get("agency", "").strip()
    rows = rectifications_filtered(
        rectifications_visible_to(request.user), today=today, status=status, agency=agency
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row.contact_late, row.rectify_late = row.contact_late_on(today), row.rectify_late_on(today)
    return render(
        request,
        "supervision/rectification_tasks.html",
        {"page": page, "status": status, "agency": agency, "today": today},
    )

