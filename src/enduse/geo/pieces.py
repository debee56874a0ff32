"""An uncertain location cut into the pieces a policy can tell apart: one per country and region it touches.

A use located by a disc (a point ``within_km``) or by a region alone may be anywhere in that area. Packs read a
location only through its country, its region and its distance from the border (or a stretch of it), so the area
is cut by the same borders that ``locate`` uses — countries first (OpenStreetMap), then their regions, a part no
region outline covers going to the nearest region as ``locate`` does — and each piece answers how near and how far
from a border line its points can be. Nothing is sampled: a piece is the exact set of its points, so no band of a
zone can be missed.

Distances are measured in ``locate``'s projection and widened by ``DISTANCE_MARGIN_KM`` on the safe side, so a
piece may claim a band it only grazes, never miss one it reaches: an area near a band's edge gets INDETERMINATE,
never a confident verdict that one of its points would contradict.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from enduse.geo.areas import circle, region_code, region_shape
from enduse.geo.boundaries import COUNTRY_CODES, countries, regions
from enduse.geo.locate import PROJECTION, BorderStretch, border_stretch, places, project

#: Projected distances are within this of ``locate``'s geodesic ones (measured: <= 0.3 km out to 1,100 km).
DISTANCE_MARGIN_KM = 1.0
#: Lengths in the projection are within this factor of true ones over the area where zones lie (and beyond it
#: a piece is so far from every zone that only its nearest distance matters).
_SCALE_SLACK = 1.05
#: Pieces smaller than this (m²) are rounding slivers of the cuts, not places.
_MIN_AREA_M2 = 1.0
#: The country borders' own precision (OpenStreetMap, see geo/data/SOURCES.md): a strip outside every country that
#: is nowhere wider than twice this (a gap between two countries' outlines) is not a place of its own.
BORDER_PRECISION_M = 300.0


@dataclass(frozen=True)
class Piece:
    """The part of an area in one region (``place``: its row of ``places()``), in the projection's metres."""

    place: int
    geometry: BaseGeometry

    def nearest_km(self, stretch: BorderStretch) -> float:
        """At most the true distance from ``stretch`` of the piece's nearest point (0 where it touches it)."""
        return _nearest_km(self, stretch.codes)

    def all_within(self, stretch: BorderStretch, km: float) -> bool:
        """True only if every point of the piece is surely within ``km`` of ``stretch``."""
        return _farthest_km(self, stretch.codes) <= km


@lru_cache(maxsize=65536)
def _nearest_km(piece: Piece, codes: tuple[str, ...]) -> float:
    line = border_stretch(codes or None).line
    return max(0.0, shapely.distance(piece.geometry, line) / 1000.0 - DISTANCE_MARGIN_KM)


@lru_cache(maxsize=65536)
def _farthest_km(piece: Piece, codes: tuple[str, ...]) -> float:
    """At least the distance from the stretch of the piece's farthest point.

    Distance to a line changes by at most the distance moved, so no point of the piece is farther than its centre's
    distance (measured as ``locate`` measures it) plus the piece's radius around that centre (the farthest vertex:
    the piece lies in their convex hull), widened for the projection's scale and by the margin.
    """
    centre = piece.geometry.centroid
    lon, lat = _to_degrees().transform(centre.x, centre.y)
    radius_km = float(np.max(np.hypot(*(shapely.get_coordinates(piece.geometry) - [centre.x, centre.y]).T))) / 1000.0
    distance = border_stretch(codes or None).distance_km(np.array([lat]), np.array([lon]))[0]
    return float(distance + radius_km * _SCALE_SLACK + DISTANCE_MARGIN_KM)


@cache
def _to_degrees() -> Transformer:
    return Transformer.from_crs(PROJECTION, "EPSG:4326", always_xy=True)


@cache
def _place_of_region() -> dict[str, int]:
    return {code: row for row, code in enumerate(places().region) if code is not None}


def _parts(geometry: BaseGeometry) -> list[BaseGeometry]:
    """The polygons of ``geometry``, however nested (``make_valid`` may give collections of multipolygons)."""
    parts = []
    for part in shapely.get_parts(shapely.make_valid(geometry)):
        if isinstance(part, shapely.Polygon):
            parts += [] if part.is_empty else [part]
        elif isinstance(part, shapely.MultiPolygon | shapely.GeometryCollection):
            parts += _parts(part)
    return parts


def _cut(area: BaseGeometry) -> list[tuple[int, BaseGeometry]]:
    """(place, polygon) for every connected part of ``area`` (EPSG:4326), by country and then by region."""
    rows = _place_of_region()
    minx, miny, maxx, maxy = area.bounds
    cut: list[tuple[int, BaseGeometry]] = []
    within_countries = []
    for code in COUNTRY_CODES:
        inside = shapely.intersection(area, shapely.clip_by_rect(countries()[code], minx, miny, maxx, maxy))
        if inside.is_empty:
            continue
        within_countries.append(inside)
        own = [r for r in regions() if r.country == code and r.geometry.intersects(inside)]
        covered = []
        for region in own:
            part = shapely.intersection(inside, region.geometry)
            covered.append(part)
            cut.extend((rows[region.code], p) for p in _parts(part))
        rest = shapely.difference(inside, shapely.union_all(covered)) if covered else inside
        candidates = own or [r for r in regions() if r.country == code]
        for p in _parts(rest):
            nearest = min(candidates, key=lambda r: r.geometry.distance(p))
            cut.append((rows[nearest.code], p))
    outside = shapely.difference(area, shapely.union_all(within_countries)) if within_countries else area
    cut.extend((0, p) for p in _parts(outside))
    return cut


def _pieces(cut: list[tuple[int, BaseGeometry]]) -> tuple[Piece, ...]:
    """One piece per connected part of each place's share (cuts of the same place that touch are one part), without
    slivers outside every country that are narrower than the borders' precision."""
    by_place: dict[int, list[BaseGeometry]] = {}
    for place, polygon in cut:
        by_place.setdefault(place, []).append(polygon)
    return tuple(
        Piece(place, part)
        for place, polygons in by_place.items()
        for part in _parts(project(shapely.union_all(polygons)))
        if part.area >= _MIN_AREA_M2 and not (place == 0 and part.buffer(-BORDER_PRECISION_M).is_empty)
    )


@lru_cache(maxsize=4096)
def disc_pieces(lat: float, lon: float, within_km: float) -> tuple[Piece, ...]:
    """The pieces of the disc of radius ``within_km`` around (lat, lon) (``InputError`` for a bad radius)."""
    pieces = _pieces(_cut(circle(lat, lon, within_km)))
    return pieces or _pieces([(0, circle(lat, lon, within_km))])


@lru_cache(maxsize=512)
def region_pieces(region: str) -> tuple[Piece, ...]:
    """The pieces of a region stated alone: the region itself, within its own country's borders.

    A use "in Belgorod oblast" is in Russia and in that region; Natural Earth's outline straying ~1 km over the
    border does not make it possibly Ukrainian, so only its distances vary.
    """
    code = region_code(region)
    country = next(r.country for r in regions() if r.code == code)
    shape = region_shape(code)
    within = shapely.intersection(shape, shapely.clip_by_rect(countries()[country], *shape.bounds))
    row = _place_of_region()[code]
    return _pieces([(row, p) for p in _parts(within)]) or _pieces([(row, p) for p in _parts(shape)])


def region_place(region: str) -> int:
    """The row of ``places()`` of a region (code or English name)."""
    return _place_of_region()[region_code(region)]


def common_place(pieces: tuple[Piece, ...]) -> tuple[str | None, str | None, str | None]:
    """(country, region, region name) shared by every piece, each None where the pieces differ."""
    table = places()
    rows = np.array([p.place for p in pieces])

    def shared(values: np.ndarray) -> str | None:
        distinct = set(values[rows].tolist())
        return distinct.pop() if len(distinct) == 1 else None

    return shared(table.country), shared(table.region), shared(table.region_name)
