"""Where a point is: country, admin-1 region, and distance to the Russia–Ukraine land border.

Offline, from the bundled geography (``enduse.geo.boundaries``). Callers may rely on:

* **Country** is decided by OpenStreetMap borders (~0.3 km along the RU–UA border) following internationally
  recognised borders: Crimea and Sevastopol, and the occupied parts of Donetsk, Luhansk, Zaporizhzhia and Kherson
  oblasts, are "UA". Anything outside Ukraine, Russia and Belarus — including the sea — is "other".
* **Region** is the Natural Earth admin-1 region *of that country* containing the point, or the nearest one when
  Natural Earth's coarser outline (~1 km) leaves the point outside all of them; ``None`` only for "other".
* **Distances** are geodesic (WGS84) kilometres from the point to the border line, >= 0. The nearest border point is
  found in a Lambert azimuthal equal-area projection centred 49°N 36°E, then measured geodesically. The result is
  exact to metres in the usual case; it can overstate the true distance where two parts of the border are almost
  equally far, by < 0.1% of the distance within ~1,000 km of the centre (measured: ≤ 0.3 km at 1,100 km) and ~1% at
  worst on the far side of the globe (South Pacific). Points on either side of the line get positive distances.
* ``locate`` and ``locate_many`` give identical answers: ``locate`` is ``locate_many`` on one point.

Everything works on whole arrays (no Python loop per point), repeated points are located once and large inputs are
split across threads, because bulk audits locate millions of points. The country and region of a point are looked
up in a precomputed grid (``enduse.geo.grid``) wherever no country or region edge crosses its cell, ~85% of points
in and around the theatre, with the polygon tests' own answers (``tests/geo/test_grid.py``); the grid is built
(~0.3 s) on the first input of ``GRID_MIN_POINTS`` points, or once smaller inputs' polygon tests have taken as long as
building it (``GRID_AFTER_S``), and used by every input after it. Border distances have
no such shortcut, since every point has its own: points are queried for their nearest border segment in spatial
order, which only makes the search faster.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from itertools import pairwise

import numpy as np
import polars as pl
import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

from enduse.cores import usable_cores
from enduse.geo.boundaries import COUNTRY_CODES, border_line, countries, regions
from enduse.geo.grid import CellGrid, build_grid

#: Lambert azimuthal equal-area centred on the RU–UA border area: ≤ ~90 m distance error within 100 km of it.
PROJECTION = "+proj=laea +lat_0=49 +lon_0=36 +datum=WGS84 +units=m +no_defs"
#: A stretch is the border line within this distance of a region: absorbs Natural Earth's ~1 km edge error.
STRETCH_MARGIN_M = 3_000.0
#: Regions whose stretch is shorter than this only touch the border at a corner (e.g. near the Belarus tripoint).
MIN_STRETCH_M = 5_000.0
#: Inputs larger than this are split into one chunk per core (shapely and pyproj release the GIL).
PARALLEL_MIN_POINTS = 50_000
#: Points are queried for their nearest border segment in the order of the square cells of this side they fall in.
QUERY_CELL_M = 10_000.0
#: Radius of the sphere the projection maps (its authalic sphere), metres.
_AUTHALIC_RADIUS_M = 6_371_007.0
#: Inputs whose first points repeat this often (distinct / points) are located once per distinct point.
DEDUP_BELOW = 0.9
DEDUP_SAMPLE = 20_000
#: Fewer points than this are located as they come: checking for repeats would cost more than it saves.
DEDUP_MIN_POINTS = 64
#: The lookup grid of places (``enduse.geo.grid``) covers this lon/lat window (west, south, east, north) ...
GRID_WINDOW = (20, 40, 60, 62)
#: ... down to cells of 2**-GRID_LEVELS degrees (1/16°: ~4.5 x 7 km).
GRID_LEVELS = 4
#: An input of this many (distinct) points builds the grid, once per process (~0.3 s); every input uses it after. Below
#: an audit's batch (``enduse.tables.BATCH_ROWS``, 100k rows), so that the build pays back over an audit's batches.
GRID_MIN_POINTS = 50_000
#: Smaller inputs build it once polygon tests have taken this long in all (seconds, about the build's cost): a process
#: that locates point after point (a server, a script of checks) then pays at most about twice the better choice.
GRID_AFTER_S = 0.3
_seconds_without_grid = 0.0

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Location:
    """Where one point is; see the module docstring for what each field guarantees."""

    country: str  # "RU", "UA", "BY" or "other"
    region: str | None  # ISO 3166-2, e.g. "UA-63", "RU-BEL"; None when country == "other"
    region_name: str | None  # English name, e.g. "Kharkiv", "Belgorod"
    border_distance_km: float  # distance to the RU–UA land border, km, >= 0


@dataclass(frozen=True)
class Places:
    """Every (country, region, region name) answer ``locate_many`` can give; row 0 is "other" (no region)."""

    country: np.ndarray  # dtype object (str)
    region: np.ndarray  # dtype object, None in row 0
    region_name: np.ndarray


@cache
def places() -> Places:
    """The table ``Locations.place`` indexes: "other", then the regions of each of ``COUNTRY_CODES`` in turn."""
    own = [r for code in COUNTRY_CODES for r in regions() if r.country == code]
    return Places(
        country=np.array(["other", *(r.country for r in own)], dtype=object),
        region=np.array([None, *(r.code for r in own)], dtype=object),
        region_name=np.array([None, *(r.name for r in own)], dtype=object),
    )


@dataclass(frozen=True)
class Locations:
    """The vectorised form of ``Location``, aligned with the input points.

    ``place`` (the row of ``places()`` for each point) is what bulk callers should work with: comparing or labelling
    small integers is much cheaper than the per-point strings ``country``, ``region`` and ``region_name`` (object
    arrays, made on each access).
    """

    place: np.ndarray  # int, indexes places()
    border_distance_km: np.ndarray  # float64

    def take(self, index: np.ndarray) -> Locations:
        """The locations of the points at ``index`` (an integer array), in that order."""
        return Locations(place=self.place[index], border_distance_km=self.border_distance_km[index])

    @property
    def country(self) -> np.ndarray:
        return places().country[self.place]

    @property
    def region(self) -> np.ndarray:
        return places().region[self.place]

    @property
    def region_name(self) -> np.ndarray:
        return places().region_name[self.place]


@cache
def _transformer() -> Transformer:
    return Transformer.from_crs("EPSG:4326", PROJECTION, always_xy=True)


def project(geometry: BaseGeometry) -> BaseGeometry:
    """``geometry`` (EPSG:4326) in the projection distances are measured in (``PROJECTION``, metres)."""
    return shapely.transform(geometry, lambda xy: np.column_stack(_transformer().transform(xy[:, 0], xy[:, 1])))


def _validate(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates as float64 1-D arrays; ValueError for shapes or values that are not latitudes/longitudes."""
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    if lat.ndim != 1 or lat.shape != lon.shape:
        raise ValueError(f"lat and lon must be 1-D arrays of equal length, got shapes {lat.shape} and {lon.shape}")
    for name, values, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        bad = ~(np.abs(values) <= limit)  # also catches NaN
        if bad.any():
            raise ValueError(
                f"{name} must be within [-{limit:g}, {limit:g}]: {bad.sum()} value(s) are not, e.g. {values[bad][0]!r}"
            )
    return lat, lon


def _in_chunks(func: Callable[..., tuple[np.ndarray, ...]], lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, ...]:
    """``func(lat, lon)`` on one chunk per core for large inputs, results concatenated in order."""
    if len(lat) < PARALLEL_MIN_POINTS:
        return func(lat, lon)
    workers = usable_cores()
    if workers == 1:
        return func(lat, lon)
    bounds = np.linspace(0, len(lat), workers + 1).astype(int)
    chunks = [(lat[a:b], lon[a:b]) for a, b in pairwise(bounds)]
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda chunk: func(*chunk), chunks))
    return tuple(np.concatenate(parts) for parts in zip(*results, strict=True))


class _NearestSegment:
    """Geodesic distance from points to a projected line, via an STRtree of its segments."""

    def __init__(self, line: BaseGeometry) -> None:
        starts, ends = [], []
        for part in shapely.get_parts(line):
            xy = shapely.get_coordinates(part)
            starts.append(xy[:-1])
            ends.append(xy[1:])
        a, ab = np.concatenate(starts), np.concatenate(ends) - np.concatenate(starts)
        keep = (ab != 0).any(axis=1)  # a repeated vertex would divide by zero below
        self._a, self._ab = a[keep], ab[keep]
        # A small node capacity makes nearest queries ~40% faster than the default on this line.
        self._tree = shapely.STRtree(shapely.linestrings(np.stack([self._a, self._a + self._ab], axis=1)), 4)
        self._tree.query_nearest(shapely.points(self._a[:1]))  # make sure it is built before threads share it
        xy = shapely.get_coordinates(line)
        self._vertices = np.column_stack(_transformer().transform(xy[:, 0], xy[:, 1], direction="INVERSE"))

    def distance_km(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        x, y = _transformer().transform(lon, lat)
        projected = np.isfinite(x) & np.isfinite(y)  # not the projection's antipode
        distance = np.empty(len(lat))
        if projected.any():
            distance[projected] = self._via_projection(lat[projected], lon[projected], x[projected], y[projected])
        if not projected.all():
            distance[~projected] = self._to_vertices(lat[~projected], lon[~projected])
        return distance

    def _via_projection(self, lat: np.ndarray, lon: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        # Neighbours queried one after another find the tree's nodes in the cache: ~30% faster on scattered points.
        order = np.lexsort((np.floor(y / QUERY_CELL_M), np.floor(x / QUERY_CELL_M)))
        points, nearest = self._tree.query_nearest(shapely.points(x[order], y[order]), all_matches=False)
        segment = np.empty(len(x), dtype=nearest.dtype)
        segment[order[points]] = nearest  # one match per point
        a, ab = self._a[segment], self._ab[segment]
        p = np.column_stack([x, y])
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
        q = a + t[:, None] * ab
        q_lon, q_lat = _transformer().transform(q[:, 0], q[:, 1], direction="INVERSE")
        return _GEOD.inv(lon, lat, q_lon, q_lat)[2] / 1000.0

    def _to_vertices(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Brute force over the line's vertices, for the few points the projection cannot map (its antipode)."""
        n, k = len(lat), len(self._vertices)
        lons, lats = np.repeat(lon, k), np.repeat(lat, k)
        v_lon, v_lat = np.tile(self._vertices[:, 0], n), np.tile(self._vertices[:, 1], n)
        return (_GEOD.inv(lons, lats, v_lon, v_lat)[2] / 1000.0).reshape(n, k).min(axis=1)


class BorderStretch:
    """The part of the RU–UA border adjacent to some regions (both sides' codes allowed), or the whole border.

    Obtain one from ``border_stretch``. ``codes`` is the sorted tuple of region codes, empty for the whole border.
    """

    def __init__(self, codes: tuple[str, ...], line: BaseGeometry) -> None:
        self.codes = codes
        self.line = line  # in the projection's metres
        self._nearest = _NearestSegment(line)

    def __repr__(self) -> str:
        return f"BorderStretch({list(self.codes) or 'whole border'}, {self.line.length / 1000:.0f} km)"

    def distance_km(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Distance in km from each point to this stretch (float64 array, >= 0); ValueError for bad coordinates."""
        lat, lon = _validate(lat, lon)
        if len(lat) == 0:
            return np.empty(0)
        return _in_chunks(lambda la, lo: (self._nearest.distance_km(la, lo),), lat, lon)[0]

    def surely_beyond(self, lat: np.ndarray, lon: np.ndarray, km: float) -> np.ndarray:
        """True where ``distance_km`` is certainly more than ``km``; False where it may not be. Cheap: no search.

        The projection's distance to the stretch's bounding box is at most that distance times the projection's
        largest scale factor on the way, 1/cos(c/2) at angular distance c from its centre on the sphere (the way
        stays within the larger c where c < 90°); 2% and 1 km more absorb the ellipsoid and rounding.
        """
        x, y = _transformer().transform(*_validate(lat, lon)[::-1])
        minx, miny, maxx, maxy = self.line.bounds
        to_box = np.hypot(np.maximum(0.0, np.maximum(minx - x, x - maxx)), np.maximum(0.0, np.maximum(miny - y, y - maxy)))
        corner = np.hypot(max(abs(minx), abs(maxx)), max(abs(miny), abs(maxy)))
        half_sine = np.maximum(np.hypot(x, y), corner) / (2 * _AUTHALIC_RADIUS_M)  # sin(c/2)
        with np.errstate(invalid="ignore"):
            scale = 1.02 / np.sqrt(1.0 - half_sine**2)
            return (half_sine < np.sin(np.radians(40.0))) & (to_box / scale > (km + 1.0) * 1000.0)  # NaN: False


@cache
def _projected_border() -> BaseGeometry:
    return project(border_line())


@cache
def _corridor() -> BaseGeometry:
    """Every point within STRETCH_MARGIN_M of the border, and a little more (lon/lat).

    Only a region's part near the border can come within the margin of it; cutting that part out first spares
    projecting and buffering whole oblasts (0.4 s). A degree is over 60 km below 57° N, and the simplified line
    strays 0.01° at most, so the corridor holds every point within the margin: the stretches are exact.
    """
    return border_line().simplify(0.01).buffer(STRETCH_MARGIN_M / 60_000 + 0.02)


@cache
def _stretch_of(code: str) -> BaseGeometry | None:
    """The projected border line within STRETCH_MARGIN_M of region ``code``; ``None`` for a region not along it."""
    region = next((r for r in regions() if r.code == code), None)
    if region is None or region.country not in ("UA", "RU") or not region.geometry.intersects(_corridor()):
        return None
    zone = project(shapely.intersection(region.geometry, _corridor())).buffer(STRETCH_MARGIN_M)
    stretch = shapely.line_merge(shapely.intersection(_projected_border(), zone))
    return stretch if stretch.length >= MIN_STRETCH_M else None


@cache
def _adjacent_stretches() -> dict[str, BaseGeometry]:
    """Region code -> projected border line within STRETCH_MARGIN_M of it, for UA and RU regions along the border."""
    return {r.code: stretch for r in regions() if (stretch := _stretch_of(r.code)) is not None}


def adjacent_regions() -> list[str]:
    """Codes of the UA and RU regions along the RU–UA border: the codes ``border_stretch`` accepts."""
    return sorted(_adjacent_stretches())


@cache
def _border_stretch(codes: tuple[str, ...]) -> BorderStretch:
    if not codes:
        return BorderStretch(codes, _projected_border())
    stretches = [_stretch_of(code) for code in codes]  # only these: a check needs a few of the regions
    unknown = [code for code, stretch in zip(codes, stretches) if stretch is None]
    if unknown:
        raise ValueError(
            f"not a region along the RU–UA border: {', '.join(unknown)}; valid codes: {', '.join(adjacent_regions())}"
        )
    return BorderStretch(codes, shapely.line_merge(shapely.union_all(stretches)))


def border_stretch(adjacent_to: Sequence[str] | None = None) -> BorderStretch:
    """The border stretch along the given regions (ISO 3166-2 codes, UA or RU side), or the whole border for None.

    ``["UA-63"]`` is the border line along Kharkiv oblast, extended ~3 km past its ends to absorb Natural Earth's edge
    error. Cached per set of codes. Raises ValueError naming the valid codes for a code that is not along the border.
    """
    if isinstance(adjacent_to, str):
        adjacent_to = [adjacent_to]
    return _border_stretch(tuple(sorted(set(adjacent_to or ()))))


@dataclass(frozen=True)
class _CountryIndex:
    """Point-in-polygon data for one country and its regions, for the exclusive use of one thread at a time.

    GEOS prepared geometries build their point-in-polygon indexes lazily and are not thread-safe, so each thread
    borrows its own index, made of private copies of the geometries (``_borrowed_index``).
    """

    geometry: BaseGeometry  # prepared
    first_place: int  # row of the country's first region in places()
    region_geometries: np.ndarray  # prepared
    region_tree: shapely.STRtree


def _private_copies(geometries: list[BaseGeometry]) -> np.ndarray:
    copies = shapely.from_wkb(shapely.to_wkb(geometries))
    shapely.prepare(copies)
    return copies


def _build_index() -> tuple[_CountryIndex, ...]:
    polygons = countries()
    index = []
    first_place = 1
    for code in COUNTRY_CODES:
        geometries = _private_copies([r.geometry for r in regions() if r.country == code])
        index.append(
            _CountryIndex(
                geometry=_private_copies([polygons[code]])[0],
                first_place=first_place,
                region_geometries=geometries,
                region_tree=shapely.STRtree(geometries),
            )
        )
        first_place += len(geometries)
    return tuple(index)


_spare_indexes: queue.SimpleQueue[tuple[_CountryIndex, ...]] = queue.SimpleQueue()


@contextmanager
def _borrowed_index() -> Iterator[tuple[_CountryIndex, ...]]:
    """An index no other thread is using; built on demand, kept for reuse (one per concurrent caller)."""
    try:
        index = _spare_indexes.get_nowait()
    except queue.Empty:
        index = _build_index()
    try:
        yield index
    finally:
        _spare_indexes.put(index)


def _within_bounds(bounds: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon >= bounds[0]) & (lon <= bounds[2]) & (lat >= bounds[1]) & (lat <= bounds[3])


def _regions_of(country: _CountryIndex, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Region index for points known to lie in the country: the first region containing it, else the nearest one.

    Candidates come from the regions' tree (bounding boxes), so one point costs a few tests, not one per region.
    """
    found = np.full(len(lat), len(country.region_geometries))
    points, regions_hit = country.region_tree.query(shapely.points(lon, lat))
    inside = shapely.contains_xy(country.region_geometries[regions_hit], lon[points], lat[points])
    np.minimum.at(found, points[inside], regions_hit[inside])
    missing = np.flatnonzero(found == len(country.region_geometries))
    if len(missing):
        points = shapely.points(lon[missing], lat[missing])
        found_in, nearest = country.region_tree.query_nearest(points, all_matches=False)
        found[missing[found_in]] = nearest
    return found


def _places(index: tuple[_CountryIndex, ...], lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Row of ``places()`` for each point, by point-in-polygon tests: the exact answer the grid reproduces."""
    place = np.zeros(len(lat), dtype=np.int32)
    undecided = np.ones(len(lat), dtype=bool)
    for c in index:
        candidates = np.flatnonzero(undecided & _within_bounds(shapely.bounds(c.geometry), lon, lat))
        inside = candidates[shapely.contains_xy(c.geometry, lon[candidates], lat[candidates])]
        undecided[inside] = False
        place[inside] = c.first_place + _regions_of(c, lat[inside], lon[inside])
    return place


def _contained_places(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """``_places``, or -1 where the region was the nearest one rather than one containing the point.

    Elsewhere the answer depends only on which polygons contain the point, as ``build_grid`` requires.
    """
    with _borrowed_index() as index:
        place = _places(index, lat, lon)
        region_geometries = np.concatenate([c.region_geometries for c in index])  # row p of places() is p - 1 here
        in_country = np.flatnonzero(place > 0)
        nearest_only = ~shapely.contains_xy(region_geometries[place[in_country] - 1], lon[in_country], lat[in_country])
    place[in_country[nearest_only]] = -1
    return place


@cache
def _place_grid() -> CellGrid:
    """The grid of places over ``GRID_WINDOW``, down to cells of 2**-GRID_LEVELS degrees (~0.3 s, once)."""
    polygons = [*countries().values(), *(r.geometry for r in regions())]
    return build_grid(polygons, _contained_places, GRID_WINDOW, GRID_LEVELS)


def _located_places(grid: CellGrid | None, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """``_places``; with ``grid``, the places it decides are looked up, not tested (the same answers)."""
    global _seconds_without_grid
    with _borrowed_index() as index:
        if grid is None:
            start = time.perf_counter()
            place = _places(index, lat, lon)
            _seconds_without_grid += time.perf_counter() - start  # threads may lose a little of it: harmless
            return place
        place = grid.lookup(lat, lon)
        open_ = np.flatnonzero(place < 0)
        if len(open_):
            place[open_] = _places(index, lat[open_], lon[open_])
        return place


def _locate_chunk(
    border: _NearestSegment, grid: CellGrid | None, lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, ...]:
    return _located_places(grid, lat, lon), border.distance_km(lat, lon)


def _distinct(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(first index of each distinct point, index of each point's distinct point), or None if points rarely repeat.

    Points are compared bit for bit, so a point gets exactly the answer it would get on its own. The check on a
    sample keeps the cost for inputs of unique points to a few milliseconds.
    """
    if len(lat) < DEDUP_MIN_POINTS:
        return None
    step = max(1, len(lat) // DEDUP_SAMPLE)
    sample = pl.DataFrame({"lat": lat[::step].view(np.int64), "lon": lon[::step].view(np.int64)})
    if sample.n_unique() >= DEDUP_BELOW * sample.height:
        return None
    points = pl.DataFrame({"lat": lat.view(np.int64), "lon": lon.view(np.int64)})
    distinct = points.with_row_index("first").unique(["lat", "lon"], keep="first", maintain_order=True)
    inverse = points.join(distinct.with_row_index("distinct"), on=["lat", "lon"], how="left", maintain_order="left")
    return distinct["first"].to_numpy(), inverse["distinct"].to_numpy()


def locate_many(lat: np.ndarray, lon: np.ndarray) -> Locations:
    """Country, region and border distance of every point (1-D arrays of equal length, degrees WGS84).

    Raises ValueError for mismatched shapes or coordinates out of range (or NaN).
    """
    lat, lon = _validate(lat, lon)
    distinct = _distinct(lat, lon)
    if distinct is not None:
        lat, lon = lat[distinct[0]], lon[distinct[0]]
    border = border_stretch()._nearest  # built here, not racing in the worker threads
    built = _place_grid.cache_info().currsize
    grid = _place_grid() if built or len(lat) >= GRID_MIN_POINTS or _seconds_without_grid >= GRID_AFTER_S else None
    place, distance = _in_chunks(partial(_locate_chunk, border, grid), lat, lon)
    if distinct is not None:
        place, distance = place[distinct[1]], distance[distinct[1]]
    return Locations(place=place, border_distance_km=distance)


def prepare() -> None:
    """Build now what locating point after point gains from (the grid of places, ~0.3 s), for a process that will
    serve for long: otherwise the call that crosses ``GRID_AFTER_S`` pays for it, a spike in a server's latency."""
    border_stretch()
    _place_grid()


def locate(lat: float, lon: float) -> Location:
    """Country, region and border distance of one point; ValueError for coordinates out of range."""
    located = locate_many(np.array([lat], dtype=np.float64), np.array([lon], dtype=np.float64))
    return Location(
        country=str(located.country[0]),
        region=located.region[0],
        region_name=located.region_name[0],
        border_distance_km=float(located.border_distance_km[0]),
    )
