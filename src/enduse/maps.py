"""Maps of a pack on a day: the zones in force, drawn as their bands, and judged events coloured by verdict.

A map answers "where did the policy in force on that day apply?" at a glance: each zone of the version in force is
filled where its clauses apply (inside band) and hatched where the policy is vague (the verdict there is
INDETERMINATE); outside bands are not drawn. Bands come from ``enduse.zone_shapes``, so they agree with the verdicts.
The caption names the assumptions (parameters and values) that drew them.

Maps are drawn in the equal-area ``PROJECTION`` centred 49°N 36°E, so areas compare honestly and the scale bar is
true to ~0.5% across the default extent (Ukraine, Belarus and western Russia). Zones reaching far beyond it (all of
Russia) are cut at its edge. Figures are built without pyplot (no display, no global state); colours of verdicts are
those of the terminal and the HTML report.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
import polars as pl
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.patheffects import withStroke
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from enduse.decisions import Verdict
from enduse.errors import InputError
from enduse.files import write_atomic
from enduse.geo.areas import area
from enduse.geo.boundaries import border_line, countries, regions
from enduse.geo.gazetteer import resolve_place
from enduse.geo.locate import border_stretch
from enduse.packs.model import Pack, Version
from enduse.packs.registry import PackSet
from enduse.zone_shapes import ZoneShape, to_degrees, to_metres, zone_shapes
from enduse.zones import Band

FORMATS = (".png", ".svg")
FIGURE_SIZE = (16.0, 10.5)  # inches, at 100 dpi
MAP_TOP = 0.865  # figure fraction

#: Overview extent, lon/lat: Ukraine, Belarus and western Russia.
EXTENT = (21.0, 43.0, 48.0, 57.0)
#: The overview grows to show whole bands that fit in this box; larger ones (all of Russia) are cut at its edge.
MAX_EXTENT = (14.0, 38.0, 62.0, 64.0)
#: Margin of the close-up around the border and the bands, metres.
CLOSE_UP_PAD_M = 40_000.0

#: Zone colours in the order of the pack's zones; none close to a verdict colour.
ZONE_COLOURS = ("#762a83", "#b35806", "#c51b7d", "#5e3c99", "#737373")
COUNTRY_FILL = {"UA": "#fbf6df", "RU": "#ebe8e4", "BY": "#f2f2f2"}
SEA = "#dbe9f4"
#: Events are dots of this area (points²) up to CROWDED of them on a map; smaller and translucent beyond.
DOT_SIZE, CROWDED = 34.0, 300

REFERENCE_CITIES = ("Kyiv", "Kharkiv", "Sumy", "Chernihiv", "Belgorod", "Kursk", "Bryansk", "Voronezh",
                    "Rostov-on-Don", "Moscow", "Minsk", "Dnipro", "Donetsk", "Odesa")
COUNTRY_NAMES = {"UA": "UKRAINE", "RU": "RUSSIA", "BY": "BELARUS"}
#: Where to write country names, lon/lat: the first place inside the map.
COUNTRY_LABELS = {"UA": ((31.0, 48.7), (33.2, 48.3)), "RU": ((42.0, 54.3), (39.3, 52.9)), "BY": ((27.9, 52.9),)}


def _path(geometry: BaseGeometry) -> MplPath | None:
    """The polygons of ``geometry`` as one matplotlib path (holes kept), or None when it has none."""
    vertices, codes = [], []
    for part in shapely.get_parts(shapely.get_parts(geometry)):  # twice: collections may hold multipolygons
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        polygon = orient(part)
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)
            vertices.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _lines(geometry: BaseGeometry) -> MplPath | None:
    """The lines of ``geometry`` (or its polygons' outlines) as one matplotlib path, or None when it has none."""
    vertices, codes = [], []
    for part in shapely.get_parts(shapely.boundary(geometry) if geometry.area else geometry):
        for line in shapely.get_parts(part):
            xy = shapely.get_coordinates(line)
            if len(xy) > 1:
                vertices.append(xy)
                codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 1))
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _add(ax: Axes, path: MplPath | None, gid: str | None = None, **style) -> PathPatch | None:
    """Draw ``path`` (if any) as a patch with ``style``."""
    if path is None:
        return None
    patch = PathPatch(path, gid=gid, **style)
    ax.add_patch(patch)
    return patch


class _Frame:
    """The drawn area: a box in projected metres and the lon/lat area that covers it (to cut geometries first)."""

    def __init__(self, bounds: tuple[float, float, float, float]) -> None:
        self.bounds = bounds
        self._cut = to_degrees(shapely.box(*bounds).segmentize(20_000.0)).buffer(1.0)

    @classmethod
    def around(cls, *geometries: BaseGeometry, pad_m: float = 0.0) -> _Frame:
        """The projected bounds of ``geometries`` (lon/lat), padded."""
        minx, miny, maxx, maxy = to_metres(shapely.union_all(geometries).segmentize(0.5)).bounds
        return cls((minx - pad_m, miny - pad_m, maxx + pad_m, maxy + pad_m))

    @property
    def width_m(self) -> float:
        return self.bounds[2] - self.bounds[0]

    def project(self, geometry: BaseGeometry, tolerance_m: float = 0.0) -> BaseGeometry:
        """``geometry`` (lon/lat) cut to the frame, projected and simplified (at most ``tolerance_m`` off)."""
        return shapely.simplify(to_metres(shapely.intersection(geometry, self._cut)), tolerance_m)


def _frames(pack: Pack) -> tuple[_Frame, _Frame]:
    """The overview and the close-up of every map of ``pack`` (the same on every day, so maps compare).

    The overview is ``EXTENT`` grown to whole bands of every version that fit in ``MAX_EXTENT``; the close-up
    frames those bands and the RU–UA border.
    """
    fits = shapely.box(*MAX_EXTENT)
    bands = [s.geometry.envelope for v in pack.versions for s in zone_shapes(pack, v) if fits.contains(s.geometry.envelope)]
    return _Frame.around(shapely.box(*EXTENT), *bands), _Frame.around(border_line().envelope, *bands, pad_m=CLOSE_UP_PAD_M)


@cache
def _base(bounds: tuple[float, float, float, float]) -> tuple[dict[str, BaseGeometry], BaseGeometry]:
    """Projected countries and region outlines within a frame (the slow part of a map, shared by frames)."""
    frame = _Frame(bounds)
    tolerance = frame.width_m / 1500  # about a pixel of a 1500-pixel-wide map
    lands = {code: frame.project(geometry, tolerance) for code, geometry in countries().items()}
    outlines = shapely.line_merge(shapely.union_all([frame.project(shapely.boundary(r.geometry), tolerance) for r in regions()]))
    return lands, outlines


def _label(ax: Axes, x: float, y: float, text: str, **style) -> None:
    ax.annotate(text, (x, y), zorder=9, path_effects=[withStroke(linewidth=2.5, foreground="white")], **style)


def _draw_base(ax: Axes, frame: _Frame) -> None:
    lands, outlines = _base(frame.bounds)
    ax.set_facecolor(SEA)
    for code, land in lands.items():
        _add(ax, _path(land), facecolor=COUNTRY_FILL[code], edgecolor="none", zorder=1)
    _add(ax, _lines(outlines), fill=False, edgecolor="#a8a8a8", linewidth=0.4, zorder=3)
    for land in lands.values():
        _add(ax, _lines(land), fill=False, edgecolor="#555555", linewidth=0.9, zorder=3)
    inside = shapely.box(*frame.bounds)
    for code, places in COUNTRY_LABELS.items():
        points = [to_metres(shapely.Point(lon, lat)) for lon, lat in places]
        for point in [p for p in points if inside.contains(p)][:1]:
            ax.text(point.x, point.y, COUNTRY_NAMES[code], fontsize=13, color="#8a8a8a", ha="center", va="center",
                    zorder=2, fontweight="bold")
    for name in REFERENCE_CITIES:
        place = resolve_place(name)
        point = to_metres(shapely.Point(place.lon, place.lat))
        if inside.contains(point):
            ax.plot([point.x], [point.y], marker="o", markersize=3, color="#333333", zorder=9)
            _label(ax, point.x, point.y, name, xytext=(4, 3), textcoords="offset points", fontsize=8, color="#222222")


def _zone_colours(pack: Pack) -> dict[str, str]:
    return {name: ZONE_COLOURS[i % len(ZONE_COLOURS)] for i, name in enumerate(pack.zones)}


def _value(value: float | str) -> str:
    return f"{value:g}" if isinstance(value, float) else value


def _band_label(pack: Pack, shape: ZoneShape) -> str:
    zone = pack.zones[shape.zone]
    scope = f"{zone.scope} = {pack.param(zone.scope)}" if zone.scope and pack.param(zone.scope) != "in" else None
    if shape.band == Band.INSIDE:
        reach = f" (up to {_value(pack.param(zone.inside_km))} km)" if zone.inside_km else ""
        return f"{zone.title}: the clauses apply{reach}"
    if scope and zone.inside_km is None:
        reach = f" ({scope})"
    elif scope:
        reach = f" (up to {_value(pack.param(zone.outside_km))} km; {scope})"
    else:
        reach = f" ({_value(pack.param(zone.inside_km))}–{_value(pack.param(zone.outside_km))} km)"
    return f"{zone.title}: vague, verdict INDETERMINATE{reach}"


def _stretch_label(codes: tuple[str, ...]) -> str:
    if not codes:
        return "The whole Russia–Ukraine border: distances measured from here"
    names = {r.code: r.name for r in regions()}
    return "The border along " + " and ".join(f"{names[c]} oblast" for c in codes) + ": distances measured from here"


def _draw_zones(ax: Axes, pack: Pack, shapes: list[ZoneShape], frame: _Frame, gid: str) -> list[PathPatch]:
    """Zone bands (largest first, so small ones stay visible) and their border stretches; legend handles in the
    order of the pack's zones, inside band first."""
    colours, order, handles = _zone_colours(pack), list(pack.zones), []
    for shape in sorted(shapes, key=lambda s: -s.area_km2):
        colour = colours[shape.zone]
        if shape.band == Band.INSIDE:
            style = {"facecolor": colour, "alpha": 0.55, "edgecolor": colour, "linewidth": 1.0}
        else:
            style = {"facecolor": colour + "22", "hatch": "///", "edgecolor": colour, "linewidth": 0.6,
                     "hatch_linewidth": 0.6}
        patch = _add(ax, _path(frame.project(shape.geometry, frame.width_m / 3000)),
                     f"{gid}zone-{shape.zone}-{shape.band.value}", zorder=2, label=_band_label(pack, shape), **style)
        if patch is not None:
            handles.append(((order.index(shape.zone), shape.band != Band.INSIDE), patch))
    for name in {s.zone for s in shapes}:
        zone = pack.zones[name]
        if zone.inside_km is not None:
            stretch = border_stretch(zone.measured_from)
            line = _add(ax, _lines(stretch.line), f"{gid}stretch-{name}", fill=False, edgecolor=colours[name],
                        linewidth=3.2, zorder=4, capstyle="round", label=_stretch_label(stretch.codes))
            handles.append(((order.index(name), 2), line))
    return [handle for _, handle in sorted(handles, key=lambda pair: pair[0])]


def _result(events: pl.DataFrame, name: str) -> str | None:
    """The column of an audit output holding result ``name``: ``enduse_<name>`` where the input had its own."""
    return next((c for c in (f"enduse_{name}", name) if c in events.columns), None)


def _coordinate(events: pl.DataFrame, resolved: str, given: str) -> np.ndarray:
    """The resolved coordinate of each event, else the given one; NaN where neither is a number."""
    columns = [c for c in (_result(events, resolved), given if given in events.columns else None) if c]
    values = pl.coalesce([pl.col(c).cast(pl.Float64, strict=False) for c in columns]) if columns else pl.lit(None)
    return events.select(values.cast(pl.Float64).fill_null(np.nan)).to_series().to_numpy()


def _event_points(events: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Projected x, y (NaN where unknown) and verdict of every event."""
    verdict = _result(events, "verdict")
    if verdict is None:
        raise InputError("events: not an audit output (no verdict column); run `enduse audit` first")
    lat, lon = _coordinate(events, "resolved_lat", "lat"), _coordinate(events, "resolved_lon", "lon")
    placed = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    x, y = np.full(len(lat), np.nan), np.full(len(lat), np.nan)
    if placed.any():
        x[placed], y[placed] = shapely.get_coordinates(to_metres(shapely.points(lon[placed], lat[placed]))).T
    return x, y, events[verdict].cast(pl.String).to_numpy()


def _draw_events(ax: Axes, points: tuple[np.ndarray, np.ndarray, np.ndarray], frame: _Frame, gid: str) -> tuple[list, int]:
    """Events as dots coloured by verdict; legend handles and how many fall outside the map (or nowhere)."""
    from enduse.report.charts import VERDICT_HEX  # here: enduse.report draws these maps

    x, y, verdicts = points
    minx, miny, maxx, maxy = frame.bounds
    with np.errstate(invalid="ignore"):
        shown = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    handles, crowded = [], shown.sum() > CROWDED
    size = float(np.clip(DOT_SIZE * (CROWDED / max(shown.sum(), 1)) ** 0.5, 2.0, DOT_SIZE))  # area shrinks with crowds
    for verdict in Verdict:
        mine = shown & (verdicts == verdict.value)
        if mine.any():
            dots = ax.scatter(x[mine], y[mine], s=size, color=VERDICT_HEX[verdict.value], edgecolors="white",
                              linewidths=0 if crowded else 0.8, alpha=0.75 if crowded else 1.0, zorder=8,
                              label=f"{verdict.value} ({mine.sum():,})")
            dots.set_gid(f"{gid}events-{verdict.value}")
            handles.append(dots)
    return handles, int(len(x) - shown.sum())


@dataclass(frozen=True)
class _Area:
    """Where an event located by an area may have been, as the judge saw it, and its verdict."""

    shape: BaseGeometry
    verdict: str
    region_only: bool  # no point: the event is nowhere else on the map


def _event_areas(events: pl.DataFrame) -> list[_Area]:
    """The area of every event located by one: the disc of its ``within_km`` around its point, or the outline of
    its ``region`` stated alone — the same geometry the judge used (``enduse.geo.areas.area``)."""
    verdict = _result(events, "verdict")
    if verdict is None or not ({"within_km", "region"} & set(events.columns)):
        return []
    lat, lon = _coordinate(events, "resolved_lat", "lat"), _coordinate(events, "resolved_lon", "lon")
    nan = np.full(len(lat), np.nan)
    within = events["within_km"].cast(pl.Float64, strict=False).fill_null(np.nan).to_numpy() if "within_km" in events.columns else nan
    region = events["region"].cast(pl.String).to_list() if "region" in events.columns else [None] * len(lat)
    verdicts = events[verdict].cast(pl.String).to_list()
    point = np.isfinite(lat) & np.isfinite(lon)
    found = []
    for i in np.flatnonzero(np.isfinite(within) & point | ~point & np.array([r is not None for r in region], dtype=bool)):
        try:
            shape = area(None, None, region=region[i]) if not point[i] else area(float(lat[i]), float(lon[i]), float(within[i]))
        except InputError:
            continue  # not a usable location (the audit would have rejected the row): not drawn
        found.append(_Area(shape, verdicts[i], not point[i]))
    return found


def _draw_areas(ax: Axes, areas: list[_Area], frame: _Frame, gid: str) -> int:
    """Outlines of the events' areas in their verdict's colour: dashed circles for radii, solid outlines for
    regions. Returns how many region-only events were drawn (they have no dot)."""
    from enduse.report.charts import VERDICT_HEX

    regions_drawn = 0
    for index, event in enumerate(areas):
        path = _path(frame.project(event.shape, frame.width_m / 3000))
        if path is None:
            continue
        _add(ax, path, f"{gid}area-{'region' if event.region_only else 'disc'}-{index}", fill=False,
             edgecolor=VERDICT_HEX.get(event.verdict, "#333333"), linewidth=1.4 if event.region_only else 1.0,
             linestyle="-" if event.region_only else "--", zorder=7)
        regions_drawn += event.region_only
    return regions_drawn


def _scale_bar(ax: Axes, frame: _Frame) -> None:
    minx, miny = frame.bounds[:2]
    length = max(step for step in (25, 50, 100, 200, 250, 500, 1000) if step <= frame.width_m / 5000)
    x0, y0, height = minx + 0.04 * frame.width_m, miny + 0.04 * frame.width_m, 0.008 * frame.width_m
    for i in range(4):
        ax.add_patch(Rectangle((x0 + i * length * 250, y0), length * 250, height, zorder=9, linewidth=0.6,
                               facecolor="#333333" if i % 2 == 0 else "white", edgecolor="#333333"))
    for km in (0, length / 2, length):
        _label(ax, x0 + km * 1000, y0 + 1.6 * height, f"{km:g}", ha="center", va="bottom", fontsize=8)
    _label(ax, x0 + length * 1000 + 0.015 * frame.width_m, y0 + height / 2, "km", va="center", fontsize=8)


def _change(pack: Pack, version: Version) -> str:
    """What changed on the map since the previous version."""
    index = pack.versions.index(version)
    if index == 0:
        return "The first version of the pack."
    previous = pack.versions[index - 1]
    added = [z for z in version.zones if z not in previous.zones]
    ended = [z for z in previous.zones if z not in version.zones]
    changes = [f"{what}: {', '.join(zones)}" for what, zones in (("zones added", added), ("zones ended", ended)) if zones]
    return f"Since the previous version {previous.id!r}: {'; '.join(changes) or 'the same zones'}."


def _titles(figure: Figure, pack: Pack, day: dt.date, version: Version | None) -> None:
    figure.text(0.015, 0.978, pack.title, fontsize=15, fontweight="bold", va="top")
    if version is None:
        first = min(v.effective_from for v in pack.versions)
        lines = [f"{day:%d %B %Y}: no version of {pack.name} in force",
                 f"The pack starts on {first:%d %B %Y}; nothing is mapped before.", ""]
    else:
        until = f"to {version.effective_to:%d %b %Y}" if version.effective_to else "to date"
        lines = [f"{day:%d %B %Y}: version {version.id!r}: {version.title}",
                 (f"In force from {version.effective_from:%d %b %Y} {until}; confidence {version.confidence}, "
                  f"start date confidence {version.date_confidence}  (pack {pack.name})"),
                 _change(pack, version)]
    figure.text(0.015, 0.942, lines[0], fontsize=12.5, va="top")
    figure.text(0.015, 0.913, lines[1], fontsize=10, va="top", color="#444444")
    figure.text(0.015, 0.892, lines[2], fontsize=10, va="top", color="#222222", fontweight="bold")


def _caption(pack: Pack, shapes: list[ZoneShape], version: Version | None, unplaced: int) -> str:
    parts = []
    names = sorted({name for s in shapes for name in s.assumptions})
    if names:
        values = ", ".join(f"{n} = {_value(pack.param(n))}" for n in names)
        parts.append(f"Bands drawn with the assumptions {values} (change with --param name=value).")
    if version is not None and version.date_confidence != "high" and version.date_note:
        parts.append(f"Start date: {version.date_note}")
    parts.append("Filled: the version's clauses apply; hatched: the sources are vague there and verdicts are "
                 "INDETERMINATE; undrawn: outside every zone. Zones follow public reporting, not official maps.")
    if unplaced:
        parts.append(f"{unplaced:,} event(s) without coordinates or outside the overview map are not shown.")
    parts.append("Boundaries © OpenStreetMap contributors (ODbL), Natural Earth. Lambert azimuthal equal-area "
                 "projection centred 49°N 36°E.")
    return "\n".join(textwrap.fill(p, 190) for p in parts)


def _map(figure: Figure, rect: tuple[float, ...], frame: _Frame) -> Axes:
    ax = figure.add_axes(rect)
    _draw_base(ax, frame)
    minx, miny, maxx, maxy = frame.bounds
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", anchor="NW")
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax, frame)
    return ax


def _legends(figure: Figure, top: float, zones: list[PathPatch], events: list) -> None:
    """The zones legend under the maps (or a note that there is none) and, beside it, the events legend."""
    labels = [textwrap.fill(h.get_label(), 62) for h in zones]
    if not zones:
        zones = [Patch(facecolor="none", edgecolor="none")]
        labels = ["No zone in force: no verdict on this day turns on distance from the border."]
    style = {"loc": "upper left", "fontsize": 9.5, "frameon": False, "alignment": "left",
             "title_fontproperties": {"weight": "bold"}}
    legend = figure.legend(zones, labels, bbox_to_anchor=(0.01, top), title="Zones in force", ncols=2,
                           labelspacing=0.8, handlelength=2.6, handleheight=1.6, columnspacing=2.0, **style)
    legend.set_gid("legend-zones")
    if events:
        legend = figure.legend(events, [h.get_label() for h in events], bbox_to_anchor=(0.8, top),
                               title="Events, by verdict", **style)
        legend.set_gid("legend-events")
        for handle in legend.legend_handles:  # full-size dots, whatever the crowd on the map
            handle.set_sizes([DOT_SIZE])
            handle.set_alpha(1.0)


def render_map(pack: Pack, day: dt.date, events: pl.DataFrame | None = None) -> Figure:
    """The zones of the version of ``pack`` in force on ``day``, with ``events`` (an audit output) if given.

    Two maps: an overview (``figure.axes[0]``) and a close-up of the border (``figure.axes[1]``), framed the same
    on every day so that maps of different days compare. All events given are drawn, at ``resolved_lat`` /
    ``resolved_lon`` (else ``lat``/``lon``), coloured by verdict (``verdict``, or ``enduse_verdict`` where the input
    had its own); filter them first (``events_under``) to show only those judged under that version. The overview's
    artists carry ids (``zone-<zone>-<band>``, ``stretch-<zone>``, ``events-<VERDICT>``; ``closeup-`` prefixed in
    the close-up) that survive into SVG output. Raises ``InputError`` for events that are not an audit output.
    """
    version = pack.version_on(day)
    shapes = zone_shapes(pack, version) if version else []
    overview, close_up = _frames(pack)
    points = _event_points(events) if events is not None else None
    width, height = FIGURE_SIZE
    tall = min(0.6, 0.57 * width / height * (overview.bounds[3] - overview.bounds[1]) / overview.width_m)
    figure = Figure(figsize=FIGURE_SIZE, dpi=100)
    main = _map(figure, (0.015, MAP_TOP - tall, 0.57, tall), overview)
    zoom = _map(figure, (0.6, MAP_TOP - tall, 0.385, tall), close_up)
    main.add_patch(Rectangle(close_up.bounds[:2], close_up.width_m, close_up.bounds[3] - close_up.bounds[1],
                             fill=False, linestyle="--", linewidth=0.8, edgecolor="#333333", zorder=9))
    _label(main, close_up.bounds[0], close_up.bounds[3], "close-up", xytext=(3, -11), textcoords="offset points",
           fontsize=8, color="#333333")
    zone_handles = _draw_zones(main, pack, shapes, overview, "")
    _draw_zones(zoom, pack, shapes, close_up, "closeup-")
    event_handles, unplaced = [], 0
    if points is not None:
        event_handles, unplaced = _draw_events(main, points, overview, "")
        _draw_events(zoom, points, close_up, "closeup-")
        areas = _event_areas(events)
        unplaced -= _draw_areas(main, areas, overview, "")
        _draw_areas(zoom, areas, close_up, "closeup-")
    _titles(figure, pack, day, version)
    _legends(figure, MAP_TOP - tall - 0.01, zone_handles, event_handles)
    figure.text(0.015, 0.015, _caption(pack, shapes, version, unplaced), fontsize=8, va="bottom", color="#333333")
    return figure


#: Panels per row of a coalition map.
PANEL_COLUMNS = 4


def render_coalition(packs: PackSet, day: dt.date, events: pl.DataFrame | None = None) -> Figure:
    """Small multiples: one panel per supplier with a pack, on the same extent, with the zones of its version in
    force on ``day``, the events its pack judged under that version, and a legend saying in words where its weapons
    could be used that day — from its version's level (``enduse.chronology``) and zones, never typed by hand.

    ``figure.axes`` holds one map per pack, in supplier order; each axes' title starts with the supplier code.
    """
    from enduse.chronology import LEVEL_WORDS, levels_on
    from enduse.report.charts import LEVEL_HEX

    chosen = sorted(packs.packs, key=lambda p: p.supplier)
    levels = levels_on(packs, day)
    frame = _Frame.around(shapely.box(*EXTENT))
    rows = -(-len(chosen) // PANEL_COLUMNS)
    panel_w, panel_h = 0.96 / PANEL_COLUMNS, 0.86 / rows
    figure = Figure(figsize=(4.2 * PANEL_COLUMNS, 3.9 * rows + 1.0), dpi=100)
    figure.text(0.015, 0.99, f"Where each supplier's weapons could be used on {day:%d %B %Y}", fontsize=15,
                fontweight="bold", va="top")
    figure.text(0.015, 0.965, "One panel per supplier's policy pack, the same map for all: its zones in force (filled: "
                "its clauses apply; hatched: vague) and the events its pack judged that day.", fontsize=10, va="top")
    for index, pack in enumerate(chosen):
        row, column = divmod(index, PANEL_COLUMNS)
        left, bottom = 0.015 + column * panel_w, 0.94 - (row + 1) * panel_h
        ax = _map(figure, (left, bottom + 0.055 * panel_h * rows / 4, panel_w - 0.01, panel_h * 0.72), frame)
        version = pack.version_on(day)
        shapes = zone_shapes(pack, version) if version else []
        _draw_zones(ax, pack, shapes, frame, f"{pack.supplier}-")
        if events is not None and version is not None:
            judged = events_under(events, pack, version)
            _draw_events(ax, _event_points(judged), frame, f"{pack.supplier}-")
            _draw_areas(ax, _event_areas(judged), frame, f"{pack.supplier}-")
        level = levels.get(pack.name)
        ax.set_title(f"{pack.supplier} · {version.id if version else 'no version in force'}", loc="left", fontsize=10,
                     fontweight="bold", color="#222222")
        if level is not None:
            ax.add_patch(Rectangle((0, 0.96), 0.04, 0.04, transform=ax.transAxes, facecolor=LEVEL_HEX[level],
                                   edgecolor="#333333", linewidth=0.5, zorder=10))
        zones = ", ".join(sorted({s.zone for s in shapes}))
        words = f"Usable {LEVEL_WORDS[level]}" if level else "No version of its policy in force"
        figure.text(left, bottom + 0.02 * panel_h, textwrap.fill(words + (f" (zones: {zones})" if zones else "") + ".", 62),
                    fontsize=7.5, va="bottom", color="#222222", gid=f"words-{pack.supplier}")
    figure.text(0.015, 0.005, "Levels are read from each pack under its default assumptions (enduse.chronology): the "
                "supplier's weapons judged against military targets near the border, ~90 km in and deep inside Russia. "
                "Boundaries © OpenStreetMap contributors (ODbL), Natural Earth.", fontsize=7.5, va="bottom", color="#333333")
    return figure


def events_under(events: pl.DataFrame, pack: Pack, version: Version | None) -> pl.DataFrame:
    """The rows of an audit output judged under ``version`` of ``pack`` (none for ``None``)."""
    column = _result(events, "version")
    if column is None:
        raise InputError("events: not an audit output (no version column); run `enduse audit` first")
    judged = events.filter(pl.col(column) == version.id if version else pl.col(column).is_null())
    by = _result(judged, "pack")
    return judged if by is None else judged.filter(pl.col(by) == pack.name)


def map_format(path: str | Path, formats: tuple[str, ...] = FORMATS) -> str:
    """The format (``png``, ``svg``…) of a map to write at ``path``; ``InputError`` for another extension or a
    missing folder."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in formats:
        raise InputError(f"{target}: unknown map format {suffix or '(none)'!r}; use {' or '.join(formats)}")
    if not target.parent.is_dir():
        raise InputError(f"{target}: folder {target.parent} does not exist")
    return suffix[1:]


def _encode(figure: Figure, kind: str) -> bytes:
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "enduse-map"}):
        figure.savefig(buffer, format=kind, metadata={"Date": None} if kind == "svg" else None)
    return buffer.getvalue()


def save_figure(figure: Figure, path: str | Path) -> Path:
    """Write ``figure`` as PNG or SVG (by extension), atomically; SVG text stays text. Returns the path."""
    target = Path(path)
    write_atomic(target, _encode(figure, map_format(target)))
    return target


def _frame(subject: Pack | PackSet, day: dt.date, events: pl.DataFrame | None) -> tuple[str, Figure]:
    """The name and map of one frame: one pack's map, or every supplier's panels."""
    if isinstance(subject, PackSet):
        return str(day), render_coalition(subject, day, events)
    version = subject.version_on(day)
    judged = events_under(events, subject, version) if events is not None else None
    return version.id if version else "none", render_map(subject, day, judged)


def animate(
    subject: Pack | PackSet, start: dt.date, end: dt.date, path: str | Path, events: pl.DataFrame | None = None
) -> list[Path]:
    """One map per change of policy between ``start`` and ``end`` (inclusive): of one pack (each version in force,
    on the later of ``start`` and its first day, with the events judged under it), or of every supplier of a pack
    set (small multiples, a frame on each day any supplier's version changes).

    A path ending in ``.gif`` gets an animated GIF (2.5 s a frame, looping); a path without extension is a folder
    (created if needed) of ``NN-<version or day>.png`` frames. Returns the files written. ``InputError`` for another
    extension or ``end`` before ``start``.
    """
    from PIL import Image

    target = Path(path)
    if target.suffix:
        map_format(target, (".gif",))
    if end < start:
        raise InputError(f"the end {end} is before the start {start}")
    packs = subject.packs if isinstance(subject, PackSet) else (subject,)
    days = [start] + sorted({v.effective_from for p in packs for v in p.versions if start < v.effective_from <= end})
    frames = []
    for day in days:
        name, figure = _frame(subject, day, events)
        frames.append((f"{len(frames) + 1:02d}-{name}", _encode(figure, "png")))
    if target.suffix:
        images = [Image.open(io.BytesIO(png)).convert("RGB") for _, png in frames]
        buffer = io.BytesIO()
        images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=2500, loop=0)
        write_atomic(target, buffer.getvalue())
        return [target]
    target.mkdir(parents=True, exist_ok=True)
    for name, png in frames:
        write_atomic(target / f"{name}.png", png)
    return [target / f"{name}.png" for name, _ in frames]
