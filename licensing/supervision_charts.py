"""Charts of the supervision dashboard as inline SVG, drawn by matplotlib (Agg/SVG backends, no
pyplot, no CDN: government intranets are often offline — design.md "Stack").

Each chart is a pure function of the numbers it shows; the same numbers give the same SVG, which is
kept in a small in-process cache, so a dashboard refreshed during the day does not redraw it. The
page always prints the same numbers in a table beside the chart (WCAG: the chart is not the only
way to read them)."""

from __future__ import annotations

import re
import warnings
from functools import lru_cache
from io import StringIO

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

__all__ = ["line_chart_svg"]

PALETTE = ("#1d70b8", "#d4351c", "#f47738", "#00703c", "#4c2c92")
_HEADER = re.compile(r"^.*?(?=<svg)", re.S)
_SIZE = re.compile(r'\s(width|height)="[^"]*pt"')


@lru_cache(maxsize=256)
def line_chart_svg(
    *,
    title: str,
    labels: tuple[str, ...],
    series: tuple[tuple[str, tuple[float | None, ...]], ...],
    y_label: str,
    percent: bool = False,
    salt: str = "",
) -> str:
    """A line chart with one line per ``(name, values)`` over the x ``labels`` (``None`` leaves a
    gap), as an ``<svg>`` element for inline use: no XML header, scalable (``viewBox`` only),
    ``role="img"`` with the title as its accessible name. ``salt`` keeps the element ids of two
    charts on one page apart."""
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"xuke-{salt}", "font.size": 9}):
        figure = Figure(figsize=(7.2, 2.8), dpi=100)
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        x = list(range(len(labels)))
        for index, (name, values) in enumerate(series):
            axes.plot(
                x,
                [float("nan") if v is None else v for v in values],
                marker="o",
                markersize=3.5,
                linewidth=1.8,
                color=PALETTE[index % len(PALETTE)],
                label=name,
            )
        axes.set_xticks(x, labels, rotation=0)
        step = max(1, len(labels) // 6)
        for index, tick in enumerate(axes.get_xticklabels()):
            tick.set_visible(index % step == 0 or index == len(labels) - 1)
        axes.set_ylabel(y_label)
        if percent:
            axes.set_ylim(0, 100)
        else:
            axes.set_ylim(bottom=0)
        axes.grid(axis="y", color="#b1b4b6", linewidth=0.5)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        if len(series) > 1:
            axes.legend(loc="upper left", frameon=False, fontsize=8, ncols=len(series))
        figure.tight_layout()
        out = StringIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # glyphs missing from the measuring font (CJK labels)
            figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    svg = _HEADER.sub("", out.getvalue(), count=1)
    svg = _SIZE.sub("", svg, count=2)
    title_tag = f"<title>{_escape(title)}</title>"
    return svg.replace("<svg ", '<svg role="img" class="chart" ', 1).replace(">", ">" + title_tag, 1)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
