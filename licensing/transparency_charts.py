"""Charts of the agencies' published performance (issue 7 item 5), drawn on the server with
matplotlib (Agg canvas, no pyplot, no JavaScript, no CDN) as PNG images. Every chart is followed
on the page by the table of the figures it draws, which is the accessible form of the same data.

Only published figures are drawn (20 cases or more, ``licensing.rules.statistics``). Agencies are
labelled by their code (ASCII), because the server's fonts may lack CJK glyphs; the table next to
each chart gives the names."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from licensing.choices import RatingLevel
from licensing.selectors_public import PerformanceReport, PerformanceRow

__all__ = ["CHARTS", "chart_png", "median_rows", "on_time_rows", "satisfaction_rows"]

CHARTS = ("on-time", "median", "satisfaction")

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies; bars also
# carry hatching so the chart reads in greyscale.
_BLUE, _ORANGE, _GREEN, _YELLOW, _SKY, _VERMILION = "#0072B2", "#E69F00", "#009E73", "#F0E442", "#56B4E9", "#D55E00"
_LEVEL_COLOURS = [_GREEN, _SKY, _YELLOW, _ORANGE, _VERMILION]
_LEVEL_HATCH = ["", "//", "..", "\\\\", "xx"]


def _figure(rows: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, max(2.0, 0.55 * rows + 1.4)), dpi=96)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def on_time_rows(report: PerformanceReport) -> list[PerformanceRow]:
    """Agency totals with a published on-time share (statutory or promised)."""
    return [a.total for a in report.agencies if a.total.statutory.published or a.total.promised.published]


def median_rows(report: PerformanceReport) -> list[PerformanceRow]:
    return [a.total for a in report.agencies if a.total.median_working_days is not None]


def satisfaction_rows(report: PerformanceReport) -> list[PerformanceRow]:
    return [a.total for a in report.agencies if a.total.satisfaction.published]


def _on_time(report: PerformanceReport) -> bytes | None:
    rows = on_time_rows(report)
    if not rows:
        return None
    fig = _figure(len(rows))
    ax = fig.add_subplot()
    positions = list(range(len(rows)))
    statutory = [r.statutory.percent or 0 for r in rows]
    promised = [r.promised.percent or 0 for r in rows]
    ax.barh([p - 0.2 for p in positions], statutory, height=0.38, color=_BLUE, label=_("Statutory limit"))
    ax.barh(
        [p + 0.2 for p in positions], promised, height=0.38, color=_ORANGE, hatch="//", label=_("Promised limit")
    )
    ax.set_yticks(positions, [r.agency_code for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(_("Decisions on time (%)"))
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def _median(report: PerformanceReport) -> bytes | None:
    rows = median_rows(report)
    if not rows:
        return None
    fig = _figure(len(rows))
    ax = fig.add_subplot()
    positions = list(range(len(rows)))
    ax.barh(positions, [r.median_working_days for r in rows], height=0.6, color=_GREEN)
    ax.set_yticks(positions, [r.agency_code for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel(_("Median working days from acceptance to decision"))
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def _satisfaction(report: PerformanceReport) -> bytes | None:
    rows = satisfaction_rows(report)
    if not rows:
        return None
    fig = _figure(len(rows))
    ax = fig.add_subplot()
    positions = list(range(len(rows)))
    left = [0.0] * len(rows)
    for index, level in enumerate(RatingLevel):
        values = [100 * (r.satisfaction.shares or {}).get(int(level), 0) for r in rows]
        ax.barh(
            positions,
            values,
            left=left,
            height=0.6,
            color=_LEVEL_COLOURS[index],
            hatch=_LEVEL_HATCH[index],
            edgecolor="#333333",
            linewidth=0.3,
            label=str(int(level)),
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(positions, [r.agency_code for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(_("Share of ratings (%); 1 = very satisfied … 5 = very dissatisfied"))
    ax.legend(title=_("Level"), ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    return _png(fig)


_DRAW = {"on-time": _on_time, "median": _median, "satisfaction": _satisfaction}


def chart_png(name: str, report: PerformanceReport) -> bytes | None:
    """The PNG of chart ``name`` (one of :data:`CHARTS`), or ``None`` when no agency has a
    published figure to draw."""
    return _DRAW[name](report)
