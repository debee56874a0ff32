"""The report's charts: matplotlib figures rendered to inline SVG.

Colours follow ``enduse.render.COLOURS`` (the terminal output), so a verdict
looks the same everywhere: green ALLOWED, red FORBIDDEN, amber INDETERMINATE,
blue NOT_GOVERNED. Figures are built without pyplot. Text stays text in the SVG (searchable, readable by screen
readers) and every chart carries an accessible label.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

import matplotlib
import polars as pl
from markupsafe import Markup, escape
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from enduse.decisions import Verdict
from enduse.render import COLOURS
from enduse.chronology import Lane
from enduse.report.summary import VERDICTS, counts
from enduse.vocab import UNKNOWN

# The terminal colour names of ``COLOURS`` as print-friendly hex (yellow is drawn amber).
HEX = {"green": "#1a9641", "red": "#d7191c", "yellow": "#f0a202", "blue": "#2b83ba"}
VERDICT_HEX = {v.value: HEX[COLOURS[v].split()[-1]] for v in Verdict}
MAX_BARS = 15


def svg(figure: Figure, label: str, salt: str) -> Markup:
    """``figure`` as an inline ``<svg>`` element labelled ``label``; ``salt`` prefixes its ids, unique on the page."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text[text.index("<svg"):], flags=re.DOTALL)
    text = _prefix_ids(text, salt)
    text = re.sub(r"<svg ", f'<svg role="img" aria-label="{escape(label)}" ', text, count=1)
    return Markup(text)


def png(figure: Figure, label: str, dpi: int = 110) -> Markup:
    """``figure`` as an ``<img>`` with a PNG ``data:`` URI: for drawings too heavy as SVG (thousands of points)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Markup('<img src="data:image/png;base64,{}" alt="{}">').format(Markup(data), label)


def _prefix_ids(text: str, prefix: str) -> str:
    """Every ``id`` of the SVG, and each ``#id`` reference to it, prefixed: matplotlib reuses ``figure_1``, ``axes_1``..."""
    ids = set(re.findall(r'\sid="([^"]+)"', text))
    text = re.sub(r'(\sid=")([^"]+)"', lambda m: f'{m[1]}{prefix}-{m[2]}"', text)
    return re.sub(r"#([\w.-]+)(?=[\"')])", lambda m: f"#{prefix}-{m[1]}" if m[1] in ids else m[0], text)


def _stacked(frame: pl.DataFrame, key: str, *, horizontal: bool, title: str, axis_label: str) -> Figure:
    """Bars of ``frame`` (a ``counts`` table keyed on ``key``) stacked by verdict."""
    labels = [str(v) for v in frame[key]]
    size = (10, 4.2) if not horizontal else (10, 1.2 + 0.38 * len(labels))
    figure = Figure(figsize=size, layout="constrained")  # no pyplot: no global state, no display
    axes = figure.subplots()
    base = [0] * len(labels)
    positions = range(len(labels))
    for verdict in VERDICTS:
        values = frame[verdict].to_list()
        draw = axes.barh if horizontal else axes.bar
        draw(positions, values, 0.8, base, color=VERDICT_HEX[verdict], label=verdict.replace("_", " "))
        base = [b + v for b, v in zip(base, values)]
    if horizontal:
        axes.set_yticks(list(positions), labels)
        axes.invert_yaxis()
        axes.set_xlabel("uses (rows)")
        axes.set_ylabel(axis_label)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        step = max(1, len(labels) // 24)
        axes.set_xticks(list(positions)[::step], labels[::step], rotation=60, ha="right")
        axes.set_ylabel("uses (rows)")
        axes.set_xlabel(axis_label)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title, loc="left", fontsize=12)
    axes.spines[["top", "right"]].set_visible(False)
    figure.legend(ncols=len(VERDICTS), loc="outside lower center", frameon=False)
    return figure


def monthly_chart(frame: pl.DataFrame) -> Markup:
    """Verdicts per month, stacked bars, oldest first; months without uses drawn empty, undated uses last."""
    table = counts(frame, ["month"], "", sort_by_total=False).frame
    days = frame["day"].drop_nulls()
    if len(days):
        months = pl.date_range(days.min().replace(day=1), days.max(), "1mo", eager=True).dt.strftime("%Y-%m")
        every = pl.concat([months, table["month"].filter(table["month"] == UNKNOWN)]).to_frame("month")
        table = every.join(table, on="month", how="left").fill_null(0)
    title = "Verdicts per month"
    return svg(_stacked(table, "month", horizontal=False, title=title, axis_label="month of the use"),
               f"{title}: stacked bars, one per month, coloured by verdict", "monthly")


def category_chart(frame: pl.DataFrame, column: str, what: str) -> Markup:
    """Verdicts per value of ``column`` (the ``MAX_BARS`` most frequent, the rest summed as ``other``)."""
    table = counts(frame, [column], "").frame
    if table.height > MAX_BARS:
        rest = table.slice(MAX_BARS).select(pl.lit("(all others)").alias(column), *(pl.col(c).sum() for c in [*VERDICTS, "total"]))
        table = pl.concat([table.head(MAX_BARS), rest.cast(table.schema)])
    table = table.with_columns(pl.col(column).str.replace_all("_", " "))
    title = f"Verdicts by {what}"
    return svg(_stacked(table, column, horizontal=True, title=title, axis_label=what),
               f"{title}: horizontal stacked bars, one per {what}, coloured by verdict", column)


#: Colours of the chronology's levels (``enduse.chronology.LEVELS``), light to dark as more is allowed.
LEVEL_HEX = {"none": "#e0e0e0", "vague": "#f6d08a", "border area": "#9ecae1", "~90 km in": "#4292c6",
             "deep inside": "#08306b"}


def chronology_chart(lanes: list[Lane]) -> Markup:
    """One lane per supplier, a bar per version of its pack, coloured by how far inside Russia it allowed use."""
    figure = Figure(figsize=(10, 1.0 + 0.42 * len(lanes)), layout="constrained")
    axes = figure.subplots()
    for row, lane in enumerate(lanes):
        for span in lane.spans:
            start = mdates.date2num(span.start)
            axes.broken_barh([(start, mdates.date2num(span.end) - start)], (row - 0.38, 0.76),
                             facecolors=LEVEL_HEX[span.level], edgecolors="white", linewidth=1.2)
    axes.set_yticks(range(len(lanes)), [f"{lane.supplier}" for lane in lanes])
    axes.invert_yaxis()
    axes.xaxis_date()
    first = max(min(s.start for lane in lanes for s in lane.spans), dt.date(2023, 1, 1))
    axes.set_xlim(mdates.date2num(first), mdates.date2num(max(s.end for lane in lanes for s in lane.spans)))
    axes.set_xlabel("date (versions starting earlier are drawn from the left edge)")
    title = "Where inside Russia each supplier's weapons could be used, version by version"
    axes.set_title(title, loc="left", fontsize=12)
    axes.spines[["top", "right"]].set_visible(False)
    handles = [Patch(facecolor=colour, label=level) for level, colour in LEVEL_HEX.items()]
    figure.legend(handles=handles, ncols=len(handles), loc="outside lower center", frameon=False)
    return svg(figure, f"{title}: one lane per supplier, a bar per policy version coloured by level", "chronology")
