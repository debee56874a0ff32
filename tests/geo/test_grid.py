"""The lookup grid of places (``enduse.geo.grid``) gives exactly the answers of the point-in-polygon tests.

Each test locates the same points through ``_locate_chunk`` twice in one process, without the grid (the exact
path) and with it, and requires equal arrays: places equal, border distances equal bit for bit (the grid only
decides places; distances must not be touched). The points are where a grid would go wrong: on and within
centimetres of country and region edges in the grid's window (any vertex, nudged, and a sample of vertices and edge
midpoints), on cell edges and corners (and one float step either side), just outside the window, along the RU–UA
border line, and spread at random.
"""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from enduse.geo import locate as L
from enduse.geo.boundaries import border_line, countries, regions
from enduse.geo.grid import CellGrid, build_grid


def _both_ways(lat: np.ndarray, lon: np.ndarray, grid: CellGrid | None = None) -> tuple[np.ndarray, ...]:
    border = L.border_stretch()._nearest
    exact = L._locate_chunk(border, None, lat, lon)
    gridded = L._locate_chunk(border, grid or L._place_grid(), lat, lon)
    return exact[0], gridded[0], exact[1], gridded[1]


def _assert_same(lat: np.ndarray, lon: np.ndarray) -> None:
    exact_place, grid_place, exact_km, grid_km = _both_ways(lat, lon)
    wrong = np.flatnonzero(exact_place != grid_place)
    assert not len(wrong), f"{len(wrong)} points differ, e.g. lat={lat[wrong[0]]!r} lon={lon[wrong[0]]!r}"
    np.testing.assert_array_equal(grid_km, exact_km)


def _in_window(xy: np.ndarray) -> np.ndarray:
    west, south, east, north = L.GRID_WINDOW
    return xy[(xy[:, 0] > west) & (xy[:, 0] < east) & (xy[:, 1] > south) & (xy[:, 1] < north)]


def _edge_points(step: int, offsets_deg: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Every ``step``-th vertex and edge midpoint of the countries and regions in the window, shifted by each offset
    in each of eight directions (and not shifted)."""
    polygons = [*countries().values(), *(r.geometry for r in regions())]
    xy = shapely.get_coordinates(shapely.get_rings(shapely.get_parts(np.asarray(polygons, dtype=object))))
    base = _in_window(np.concatenate([xy[::step], (xy[:-1:step] + xy[1::step]) / 2]))
    directions = np.array([(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)], float)
    shifts = np.concatenate([[(0.0, 0.0)], *(directions[1:] * offset for offset in offsets_deg)])
    points = (base[:, None, :] + shifts[None, :, :]).reshape(-1, 2)
    return points[:, 1], points[:, 0]


def test_points_on_and_near_country_and_region_edges():
    lat, lon = _edge_points(step=61, offsets_deg=(1e-7, 1e-4))  # ~1 cm, ~10 m
    assert len(lat) > 50_000
    _assert_same(lat, lon)


def test_points_on_cell_edges_and_corners_and_one_step_either_side():
    grid = L._place_grid()
    rng = np.random.default_rng(21)
    rows, cols = grid.answer.shape
    row, col = rng.integers(0, rows + 1, 20_000), rng.integers(0, cols + 1, 20_000)
    lat = grid.south + row / grid.cells_per_degree
    lon = grid.west + col / grid.cells_per_degree
    along_lat = grid.south + (row + rng.random(20_000)) / grid.cells_per_degree  # on a meridian cell edge
    along_lon = grid.west + (col + rng.random(20_000)) / grid.cells_per_degree  # on a parallel cell edge
    lat = np.concatenate([lat, np.nextafter(lat, -90), np.nextafter(lat, 90), along_lat, lat])
    lon = np.concatenate([lon, np.nextafter(lon, 180), np.nextafter(lon, -180), lon, along_lon])
    keep = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    _assert_same(lat[keep], lon[keep])


def test_points_at_random_in_and_around_the_window():
    west, south, east, north = L.GRID_WINDOW
    rng = np.random.default_rng(22)
    lat = np.concatenate([rng.uniform(south - 2, north + 2, 150_000), rng.uniform(-90, 90, 10_000)])
    lon = np.concatenate([rng.uniform(west - 2, east + 2, 150_000), rng.uniform(-180, 180, 10_000)])
    _assert_same(lat, lon)
    decided = L._place_grid().lookup(lat, lon) >= 0
    assert decided.mean() > 0.6  # the test compares looked-up answers, not only the exact path with itself
    assert set(L.places().country[L._place_grid().lookup(lat, lon)[decided]]) == {"other", "UA", "RU", "BY"}


def test_points_along_the_border_line():
    rng = np.random.default_rng(23)
    line = border_line()
    along = shapely.line_interpolate_point(line, rng.random(5_000), normalized=True)
    xy = np.repeat(shapely.get_coordinates(along), 4, axis=0)
    xy += rng.normal(size=xy.shape) * np.tile([0.0, 1e-6, 1e-4, 1e-2], 5_000)[:, None]  # on it, ~10 cm, 10 m, 1 km
    _assert_same(xy[:, 1], xy[:, 0])


@settings(max_examples=200, deadline=None)
@given(
    vertex=st.integers(0, 10**9),
    dx=st.sampled_from([0.0, 1e-9, -1e-9, 1e-6, -1e-6, 1e-4, -1e-4]),
    dy=st.sampled_from([0.0, 1e-9, -1e-9, 1e-6, -1e-6, 1e-4, -1e-4]),
)
def test_any_edge_vertex_nudged(vertex, dx, dy):
    polygons = [*countries().values(), *(r.geometry for r in regions())]
    xy = _in_window(shapely.get_coordinates(np.asarray(polygons, dtype=object)))
    lon, lat = xy[vertex % len(xy)] + (dx, dy)
    _assert_same(np.array([lat]), np.array([lon]))


def test_a_grid_that_ignores_region_edges_is_caught():
    """The checks above can fail: a grid built from the countries alone answers wrongly near region edges."""
    wrong = build_grid(list(countries().values()), L._contained_places, L.GRID_WINDOW, L.GRID_LEVELS)
    lat, lon = _edge_points(step=61, offsets_deg=(1e-3,))
    exact_place, grid_place, _, _ = _both_ways(lat, lon, wrong)
    assert (exact_place != grid_place).sum() > 100


def test_large_inputs_use_the_grid_and_get_the_exact_answers():
    rng = np.random.default_rng(24)
    lat, lon = rng.uniform(44, 56, L.GRID_MIN_POINTS), rng.uniform(28, 46, L.GRID_MIN_POINTS)
    located = L.locate_many(lat, lon)
    exact_place, _, exact_km, _ = _both_ways(lat, lon)
    np.testing.assert_array_equal(located.place, exact_place)
    np.testing.assert_array_equal(located.border_distance_km, exact_km)


def test_point_after_point_builds_the_grid_once_polygon_tests_cost_as_much(monkeypatch):
    """Small inputs use polygon tests until those have taken GRID_AFTER_S in all; the grid is built then, and the
    answers stay those of the polygon tests."""
    rng = np.random.default_rng(25)
    lat, lon = rng.uniform(44, 56, 40), rng.uniform(28, 46, 40)
    monkeypatch.setattr(L, "_seconds_without_grid", 0.0)
    monkeypatch.setattr(L, "GRID_AFTER_S", 3600.0)
    L._place_grid.cache_clear()
    before = [L.locate(a, b) for a, b in zip(lat, lon)]
    assert L._place_grid.cache_info().currsize == 0 and L._seconds_without_grid > 0
    monkeypatch.setattr(L, "GRID_AFTER_S", L._seconds_without_grid)
    after = [L.locate(a, b) for a, b in zip(lat, lon)]
    assert L._place_grid.cache_info().currsize == 1
    assert after == before


def test_lookup_outside_the_grid_is_undecided():
    grid = CellGrid(west=30, south=50, cells_per_degree=2, answer=np.arange(4, dtype=np.int32).reshape(2, 2))
    lat = np.array([50.0, 50.0, 50.5, 50.99, 51.0, 49.999, 50.0, 50.0])
    lon = np.array([30.0, 30.5, 30.0, 30.99, 30.0, 30.0, 31.0, 29.999])
    np.testing.assert_array_equal(grid.lookup(lat, lon), [0, 1, 2, 3, -1, -1, -1, -1])


def test_places_from_the_nearest_region_are_left_to_the_exact_path():
    """Hoptivka and Dobrianka are in Ukraine but outside Natural Earth's Ukrainian regions: their region is the
    nearest one, which varies within a cell, so the grid must not take it from a cell's centre."""
    lat, lon = np.array([50.28360, 52.06238, 49.98177]), np.array([36.26798, 31.18264, 36.25475])  # ..., Kharkiv
    with L._borrowed_index() as index:
        exact = L._places(index, lat, lon)
    assert list(L.places().region[exact]) == ["UA-63", "UA-74", "UA-63"]
    np.testing.assert_array_equal(L._contained_places(lat, lon), [-1, -1, exact[2]])


def test_build_grid_decides_only_cells_no_edge_meets_and_keeps_undecided_answers():
    square = shapely.box(30.25, 50.25, 31.5, 51.5)  # its edges on cell edges of the 1/4° grid below

    def answer(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        inside = shapely.contains_xy(square, lon, lat)
        return np.where(inside & (lat > 51.0), -1, inside)

    cells = build_grid([square], answer, (30, 50, 32, 52), levels=2).answer  # rows: latitude, from 50°
    assert cells.shape == (8, 8)
    assert (cells[7, :] == 0).all() and (cells[:, 7] == 0).all()  # no edge meets these: outside
    assert (cells[2:4, 2:5] == 1).all()  # inside, no edge meets them
    assert (cells[4, 2:5] == -1).all()  # inside, no edge meets them, but the answer there is -1
    assert (cells[1, 1:7] == -1).all() and (cells[1:6, 5:7] == -1).all()  # the south and east edges meet these
