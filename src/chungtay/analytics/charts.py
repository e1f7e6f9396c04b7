"""Charts of a figure's breakdown, drawn on the server by matplotlib as SVG: no JavaScript and nothing
from a CDN, a few kilobytes each, the same picture on a phone, in a browser and in a report. Colours are
the Okabe–Ito palette (safe for colour-blind readers); numbers use the Vietnamese separators."""

from __future__ import annotations

import io
import threading
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure as Canvas  # noqa: E402 - the backend is chosen first
from matplotlib.ticker import FuncFormatter  # noqa: E402

from chungtay.analytics.figures import AREA, MONTH, YEAR, Figure  # noqa: E402
from chungtay.core.text import vietnamese_number  # noqa: E402

BLUE, ORANGE, GREEN, GREY = "#0072B2", "#E69F00", "#009E73", "#999999"
AREA_COLOURS = {"inner": BLUE, "outer": ORANGE}
# matplotlib's state is not thread-safe; one chart at a time per process is plenty (a few ms each).
_LOCK = threading.Lock()
_STYLE: Any = {
    "svg.fonttype": "none",  # text stays text: the browser's fonts draw the Vietnamese diacritics
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def number(value: float, decimals: int = 0) -> str:
    """12.345 and 3,5 as a Vietnamese reader writes them."""
    return vietnamese_number(value, decimals)


def _save(canvas: Canvas, fmt: str) -> bytes:
    """The chart as SVG (pages: text stays text) or PNG at print resolution (Word documents)."""
    buffer = io.BytesIO()
    if fmt == "png":
        canvas.savefig(buffer, format="png", dpi=200, metadata={"Software": None}, bbox_inches="tight")
    else:
        canvas.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def chart_svg(figure: Figure, *, title: str = "", suppressed: str = "< 5", fmt: str = "svg") -> bytes:
    """The figure's breakdown as an SVG: columns over time for months and school years, horizontal bars
    for categories (inner/outer city in their own colours). Suppressed or missing values are drawn as
    nothing and labelled `suppressed` ("< 5") or "—", never as zero."""
    rows = figure.rows
    labels = [row.label for row in rows]
    values = [row.value if isinstance(row.value, int | float) else 0 for row in rows]
    over_time = figure.breakdown in (MONTH, YEAR)
    with _LOCK, matplotlib.rc_context(_STYLE):
        if over_time:
            width = max(4.0, min(10.0, 0.35 * len(rows) + 2))
            canvas = Canvas(figsize=(width, 2.8))
            axes = canvas.subplots()
            axes.bar(range(len(rows)), values, color=BLUE)
            step = max(1, len(rows) // 12)
            axes.set_xticks(
                range(0, len(rows), step),
                labels[::step],
                rotation=45 if step > 1 or len(rows) > 3 else 0,
                ha="right" if step > 1 or len(rows) > 3 else "center",
                fontsize=8,
            )
            axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v)))
            if len(rows) <= 8:
                top = max(values, default=0) or 1
                for position, row, value in zip(range(len(rows)), rows, values, strict=True):
                    shown = number(row.value) if isinstance(row.value, int | float) else suppressed
                    axes.text(position, value + top * 0.02, shown, ha="center", fontsize=8)
                axes.set_ylim(0, top * 1.15)
        else:
            height = max(1.4, 0.32 * len(rows) + 0.6)
            canvas = Canvas(figsize=(6.0, height))
            axes = canvas.subplots()
            colours = [AREA_COLOURS.get(row.key, GREY) if figure.breakdown == AREA else BLUE for row in rows]
            positions = list(range(len(rows)))[::-1]
            axes.barh(positions, values, color=colours)
            axes.set_yticks(positions, [_short(label) for label in labels])
            axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v)))
            top = max(values, default=0) or 1
            for position, row, value in zip(positions, rows, values, strict=True):
                shown = (
                    number(row.value)
                    if isinstance(row.value, int | float)
                    else (suppressed if row.value is None else "—")
                )
                axes.text(value + top * 0.01, position, shown, va="center", fontsize=8)
            axes.set_xlim(0, top * 1.15)
        if title:
            axes.set_title(title, loc="left", fontsize=10)
        canvas.tight_layout()
        return _save(canvas, fmt)


def _short(label: str, limit: int = 38) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def gap_svg(result: Any, *, distribution: bool = True, fmt: str = "svg") -> bytes:
    """A gap over the school years (`analytics.gap.Gap`): on the left each group's mean with its 95 %
    interval, on the right the distribution of the schools' values (boxes), in the groups' colours. The
    public page draws the means alone (`distribution=False`): a box's whisker is one school's value."""
    years = result.years
    labels = [year.label for year in years]
    colours = [BLUE, ORANGE]
    decimals = 2 if result.indicator.value_type == "score" else 1
    with _LOCK, matplotlib.rc_context(_STYLE):
        canvas = Canvas(figsize=(8.0, 3.0) if distribution else (5.0, 3.0))
        means, boxes = canvas.subplots(1, 2) if distribution else (canvas.subplots(), None)
        for g, colour in enumerate(colours):
            xs = [i + (g - 0.5) * 0.12 for i in range(len(years))]
            ys = [year.groups[g].mean for year in years]
            shown = [(x, y, yr.groups[g]) for x, y, yr in zip(xs, ys, years, strict=True) if y is not None]
            if not shown:
                continue
            errors = [
                [y - (grp.low if grp.low is not None else y) for _x, y, grp in shown],
                [(grp.high if grp.high is not None else y) - y for _x, y, grp in shown],
            ]
            means.errorbar(
                [x for x, _y, _g in shown],
                [y for _x, y, _g in shown],
                yerr=errors,
                color=colour,
                marker="o",
                capsize=3,
                label=f"{years[0].groups[g].label}",
            )
            if boxes is None:
                continue
            positions = [i * 3 + g for i in range(len(years))]
            data = [year.groups[g].values or [float("nan")] for year in years]
            parts = boxes.boxplot(data, positions=positions, widths=0.8, patch_artist=True, showfliers=False)
            for patch in parts["boxes"]:
                patch.set_facecolor(colour)
                patch.set_alpha(0.6)
        tilt = 30 if len(years) > 4 else 0
        means.set_xticks(range(len(years)), labels, fontsize=8, rotation=tilt)
        means.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v, decimals)))
        if means.get_legend_handles_labels()[0]:  # a scope without values draws empty axes
            means.legend(fontsize=8, frameon=False)
        if boxes is not None:
            boxes.set_xticks(
                [i * 3 + 0.5 for i in range(len(years))],
                labels,
                fontsize=8,
                rotation=30 if len(years) > 4 else 0,
            )
            boxes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v, decimals)))
        canvas.tight_layout()
        return _save(canvas, fmt)


def event_study_svg(result: Any, *, years_label: str, effect_label: str) -> bytes:
    """An impact estimate's event study (`analytics.impact.Impact`): the change associated with joining,
    year by year from joining (0 = the school year it joined), each with its 95 % interval; the years
    before joining in grey (they should sit on zero), the reference year (−1) as a hollow point."""
    points = [p for p in result.event_study if p.att is not None]
    decimals = 2 if result.indicator.value_type == "score" else 1
    with _LOCK, matplotlib.rc_context(_STYLE):
        canvas = Canvas(figsize=(6.4, 3.0))
        axes = canvas.subplots()
        axes.axhline(0, color=GREY, linewidth=0.8)
        axes.axvline(-0.5, color=GREY, linewidth=0.8, linestyle="--")
        for before, colour in ((True, GREY), (False, BLUE)):
            shown = [p for p in points if (p.e < 0) == before and not p.reference]
            if not shown:
                continue
            axes.errorbar(
                [p.e for p in shown],
                [p.att for p in shown],
                yerr=[
                    [p.att - (p.low if p.low is not None else p.att) for p in shown],
                    [(p.high if p.high is not None else p.att) - p.att for p in shown],
                ],
                color=colour,
                marker="o",
                linestyle="none",
                capsize=3,
            )
        for p in points:
            if p.reference:
                axes.plot([p.e], [0], marker="o", markerfacecolor="white", color=GREY)
        axes.set_xticks([p.e for p in points], [number(p.e) if p.e >= 0 else f"−{-p.e}" for p in points])
        axes.set_xlabel(years_label)
        axes.set_ylabel(effect_label)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v, decimals)))
        canvas.tight_layout()
        return _save(canvas, "svg")
