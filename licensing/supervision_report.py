"""The compliance records (licensing.selectors_supervision.compliance_report) as CSV rows and as a
PDF report: per agency and per officer, for a period (law.md §4; Arts. 72, 74).

The PDF uses reportlab's built-in CID font STSong-Light for Chinese and Helvetica for Latin text,
through the helpers of ``licensing.documents`` (one font switch per run of characters)."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from licensing.documents import STYLES, _text
from licensing.rules.compliance import MIN_SAMPLE, OFFICER_CLOCKS
from licensing.selectors_supervision import DASHBOARD_CLOCKS, ComplianceReport, ComplianceRow

__all__ = ["CSV_COLUMNS", "compliance_csv_rows", "compliance_pdf"]


def _clock_columns() -> list[str]:
    columns = []
    for kind in DASHBOARD_CLOCKS:
        columns += [f"{kind}_met", f"{kind}_missed", f"{kind}_on_time_rate"]
    return columns


CSV_COLUMNS = [
    "scope",
    "code",
    "name",
    "agency",
    "period_from",
    "period_to",
    "received",
    "decided",
    "deemed_accepted",
    *_clock_columns(),
    "on_time_rate",
    "overdue_now",
    "red_cards",
    "supervision_cases_open",
    "bad_ratings",
    "rectifications_open",
    "rectifications_late",
    "rectified",
]


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def row_values(scope: str, row: ComplianceRow, report: ComplianceReport) -> list:
    values: list = [
        scope,
        row.code,
        row.name,
        row.agency_code if scope == "officer" else row.code,
        report.start.isoformat(),
        report.end.isoformat(),
        row.received,
        row.decided,
        row.deemed_accepted,
    ]
    for kind in DASHBOARD_CLOCKS:
        rate = row.clocks.get(kind)
        if scope == "officer" and kind not in OFFICER_CLOCKS:
            values += ["", "", ""]  # the window's clocks are counted per agency only
        elif rate is None:
            values += [0, 0, ""]
        else:
            values += [rate.met, rate.missed, _rate(rate.rate)]
    values += [
        _rate(row.on_time.rate),
        row.overdue_now,
        row.red_cards,
        row.cases_open,
        row.bad_ratings,
        row.rectifications_open,
        row.rectifications_late,
        row.rectified,
    ]
    return values


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_START) else text


def compliance_csv_rows(report: ComplianceReport) -> Iterator[list[str]]:
    """The header, one row per agency, then one per officer."""
    yield CSV_COLUMNS
    for row in report.agencies:
        yield [_cell(v) for v in row_values("agency", row, report)]
    for row in report.officers:
        yield [_cell(v) for v in row_values("officer", row, report)]


# --- PDF -------------------------------------------------------------------------------------------

GRID = colors.HexColor("#9A9A9A")
HEAD_BG = colors.HexColor("#E8E8E8")


def _p(text, style: str = "cell") -> Paragraph:
    return Paragraph(_text(text), STYLES[style])


def _table(header: list[str], rows: list[list], widths: list[float]) -> Table:
    data = [[_p(h, "label") for h in header]] + [[_p(v, "label") for v in r] for r in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _rate_cell(rate) -> str:
    if rate is None or rate.total == 0:
        return "–"
    text = f"{rate.percent()} ({rate.met}/{rate.total})"
    return text if rate.reliable else text + " *"


def _summary_rows(rows: list[ComplianceRow], kinds) -> list[list]:
    out = []
    for row in rows:
        out.append(
            [
                f"{row.name} ({row.code})",
                row.received,
                row.decided,
                row.deemed_accepted,
                *[_rate_cell(row.clocks.get(kind)) for kind in kinds],
                row.overdue_now,
                row.red_cards,
                row.cases_open,
                f"{row.bad_ratings} / {row.rectifications_open} / {row.rectifications_late} / {row.rectified}",
            ]
        )
    return out


def compliance_pdf(report: ComplianceReport, *, title_scope: str = "") -> bytes:
    """The compliance records as an A4 landscape PDF: per agency, per officer, the overdue cases
    and the definitions used. Chinese names print in STSong-Light."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title="电子监察 合规记录 Compliance records",
        author="Xuke",
        invariant=1,
    )
    width = landscape(A4)[0] - 24 * mm
    story = [
        _p("电子监察 · 合规记录", "title"),
        _p(_("Compliance records, %(start)s to %(end)s") % {"start": report.start, "end": report.end}, "title_en"),
        _p(
            _("Figures as of %(today)s. %(scope)s") % {"today": report.today, "scope": title_scope},
            "meta",
        ),
        Spacer(1, 4 * mm),
    ]
    header_common = [_("Received"), _("Decided"), _("Deemed accepted")]
    tail = [_("Overdue now"), _("Red cards"), _("Cases open"), _("Bad ratings / open / late / rectified")]

    kinds = list(DASHBOARD_CLOCKS)
    story.append(_p(_("By agency"), "section"))
    header = [_("Agency"), *header_common, *[f"{k} " + _("on time") for k in kinds], *tail]
    first = 42 * mm
    rest = (width - first) / (len(header) - 1)
    story.append(_table(header, _summary_rows(report.agencies, kinds), [first] + [rest] * (len(header) - 1)))

    story.append(_p(_("By officer (examiner)"), "section"))
    officer_kinds = list(OFFICER_CLOCKS)
    header = [_("Officer"), *header_common, *[f"{k} " + _("on time") for k in officer_kinds], *tail]
    rest = (width - first) / (len(header) - 1)
    officer_rows = _summary_rows(report.officers, officer_kinds)
    if officer_rows:
        story.append(_table(header, officer_rows, [first] + [rest] * (len(header) - 1)))
    else:
        story.append(_p(_("No officer had cases in this period."), "zh_flat"))

    story.append(_p(_("Overdue cases on %(today)s") % {"today": report.today}, "section"))
    if report.overdue:
        rows = [
            [
                o.clock.application.number,
                o.clock.application.agency.name,
                o.clock.application.item.name,
                o.clock.kind,
                o.clock.due_on.isoformat(),
                o.working_days_late,
                (o.clock.application.examiner.staff_number or o.clock.application.examiner.username)
                if o.clock.application.examiner_id
                else "–",
            ]
            for o in report.overdue
        ]
        header = [_("Application"), _("Agency"), _("Item"), _("Clock"), _("Due"), _("Working days late"),
                  _("Examiner")]
        story.append(_table(header, rows, [32 * mm, 60 * mm, 70 * mm, 16 * mm, 24 * mm, 25 * mm, width - 227 * mm]))
    else:
        story.append(_p(_("No case is overdue."), "zh_flat"))

    story += [
        Spacer(1, 4 * mm),
        _p(_("Definitions"), "section"),
        _p(
            _(
                "A limit is met when its clock stopped on or before the due date (counted on the stop date) and "
                "missed when it stopped later or is still running past the due date (counted on the day after the "
                "due date). On-time rate = met / (met + missed) of the outcomes counted in the period; * marks a "
                "rate resting on fewer than %(min)d outcomes. Officers answer for the decision (C2, C2P) and the "
                "inspection dispatch (C8); the acceptance check (C1) and the certificate (C6) are counted per agency. "
                "Deemed acceptances (Art. 32(4)) are counted by receipt date, bad ratings by rating date."
            )
            % {"min": MIN_SAMPLE},
            "en",
        ),
        _p(_("Generated %(at)s by Xuke.") % {"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}, "footer"),
    ]
    doc.build(story)
    return buffer.getvalue()
