"""Uses located by an area, checked against exhaustive checks of points in the area.

An area's verdict must never be confident where one of its points disagrees, and where its points disagree it must
be INDETERMINATE naming ``location``. Points are a dense grid over the area plus its outline, judged by the same
judge as exact uses; areas are random discs along the border (where bands and countries change) and whole regions.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import shapely

from enduse.geo.areas import area, circle
from enduse.geo.boundaries import border_line, countries
from enduse.geo.locate import project
from enduse.geo.pieces import BORDER_PRECISION_M, disc_pieces
from enduse.judge import Judge
from enduse.packs.registry import pack_set
from enduse.vocab import PURPOSES, TARGETS

SUPPLIERS = sorted({pack.supplier for pack in pack_set(None).packs})
DATES = ["2023-06-01", "2024-05-29", "2024-06-05", "2024-06-20", "2024-08-20", "2024-11-20", "2025-01-15", "2025-06-01"]


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge.create()


def _points_in(shape, spacing_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """A grid of points inside ``shape`` plus points along its outline (both inside it)."""
    minx, miny, maxx, maxy = shape.bounds
    xs, ys = np.meshgrid(np.arange(minx, maxx, spacing_deg), np.arange(miny, maxy, spacing_deg))
    xs, ys = xs.ravel(), ys.ravel()
    inside = shapely.contains_xy(shape, xs, ys)
    ring = shapely.get_coordinates(shapely.segmentize(shape.boundary, spacing_deg / 4))
    shrunk = shapely.get_coordinates(shapely.segmentize(shape.buffer(-spacing_deg / 50).boundary, spacing_deg / 4))
    outline = np.concatenate([ring, shrunk]) if len(shrunk) else ring
    keep = shapely.contains_xy(shape, outline[:, 0], outline[:, 1])
    return np.concatenate([ys[inside], outline[keep, 1]]), np.concatenate([xs[inside], outline[keep, 0]])


def _in_a_gap(points: pl.DataFrame) -> pl.Series:
    """Points outside every country but within the borders' precision of one: gaps between two outlines, which
    ``enduse.geo.pieces`` does not count as places (``BORDER_PRECISION_M``)."""
    other = (points["__country"] == "other").to_numpy()
    gap = np.zeros(points.height, dtype=bool)
    if other.any():
        xy = shapely.get_parts(project(shapely.multipoints(
            np.column_stack([points["lon"].to_numpy()[other], points["lat"].to_numpy()[other]]))))
        box = shapely.box(*shapely.total_bounds(xy)).buffer(10_000)
        land = [shapely.make_valid(shapely.intersection(project(g), box)) for g in countries().values()]
        near = np.min([shapely.distance(g, xy) for g in land], axis=0) <= 2 * BORDER_PRECISION_M
        gap[np.flatnonzero(other)[near]] = True
    return pl.Series(gap)


def _uses(rng: np.random.Generator, n: int) -> list[dict]:
    return [
        {"date": str(rng.choice(DATES)), "supplier": str(rng.choice(SUPPLIERS)), "weapon": "unknown",
         "target": str(rng.choice(TARGETS)), "purpose": str(rng.choice(PURPOSES))}
        for _ in range(n)
    ]


def _check_against_points(judge: Judge, uses: list[dict], shapes: list, spacing_deg: float, *, country: bool = False) -> int:
    """Judge each area use and every point of its shape; assert the area verdict is what the points allow.

    ``country``: the areas are regions stated alone, which are in their own country: points of the outline that
    rounding puts across a country border are not in them.
    """
    area_rows = judge.table(pl.DataFrame(uses, infer_schema_length=None)).rows
    assert area_rows.height == len(uses)
    point_frames = []
    for index, (use, shape) in enumerate(zip(uses, shapes, strict=True)):
        lat, lon = _points_in(shape, spacing_deg)
        assert len(lat) > 20
        base = {k: v for k, v in use.items() if k not in ("lat", "lon", "within_km", "place")}
        base["region_stated"] = base.pop("region", None)
        point_frames.append(pl.DataFrame({**{k: [v] * len(lat) for k, v in base.items()}, "lat": lat, "lon": lon,
                                          "use": [index] * len(lat)}, schema_overrides={"region_stated": pl.String}))
    points = judge.table(pl.concat(point_frames)).rows
    assert points.height == sum(f.height for f in point_frames)
    if country:
        points = points.filter(pl.col("__country") == pl.col("region_stated").str.slice(0, 2))
    points = points.filter(~_in_a_gap(points))
    seen = points.group_by("use").agg(pl.col("__verdict").unique().alias("verdicts"))
    disagreeing = 0
    for index, verdicts in seen.iter_rows():
        row = area_rows.row(index, named=True)
        if row["__verdict"] != "INDETERMINATE":
            assert verdicts == [row["__verdict"]], (uses[index], verdicts, row["__verdict"])
        if len(verdicts) > 1:
            disagreeing += 1
            assert row["__verdict"] == "INDETERMINATE" and "location" in row["__missing"], (uses[index], verdicts, row)
    return disagreeing


def test_discs_along_the_border_agree_with_every_point_in_them(judge):
    rng = np.random.default_rng(7)
    border = shapely.get_coordinates(border_line())
    uses, shapes = [], []
    for use in _uses(rng, 40):
        lon, lat = border[rng.integers(len(border))] + rng.normal(0, 0.3, 2)
        km = float(rng.choice([2.0, 8.0, 25.0, 60.0]))
        uses.append({**use, "lat": float(lat), "lon": float(lon), "within_km": km})
        shapes.append(circle(float(lat), float(lon), km))
    disagreeing = _check_against_points(judge, uses, shapes, spacing_deg=0.02)
    assert disagreeing >= 5  # the sample does reach areas whose places are judged differently


def test_regions_agree_with_every_point_in_them(judge):
    rng = np.random.default_rng(11)
    codes = ["RU-BEL", "RU-KRS", "RU-BRY", "UA-63", "UA-59", "RU-ROS"]
    uses, shapes = [], []
    for code, use in zip(codes, _uses(rng, len(codes)), strict=True):
        uses.append({**use, "region": code})
        shape = area(None, None, region=code)
        shapes.append(shape.intersection(countries()[code[:2]]))
    _check_against_points(judge, uses, shapes, spacing_deg=0.06, country=True)


def test_a_small_disc_away_from_every_edge_is_judged_like_its_centre(judge):
    """Not needlessly vague: deep inside one country and band, the area's verdict is its centre's."""
    rng = np.random.default_rng(3)
    uses = _uses(rng, 30)
    centres = [(49.0, 31.0), (55.75, 37.6), (53.9, 27.56), (50.45, 30.52), (51.5, 39.2)]
    rows = []
    for use in uses:
        lat, lon = centres[rng.integers(len(centres))]
        rows += [{**use, "lat": lat, "lon": lon, "within_km": 3.0}, {**use, "lat": lat, "lon": lon}]
    judged = judge.table(pl.DataFrame(rows, infer_schema_length=None)).rows
    verdicts = judged["__verdict"].to_list()
    assert verdicts[0::2] == verdicts[1::2]
    assert not any("location" in m for m in judged["__missing"].to_list())


def test_the_pieces_of_a_disc_cover_it():
    """Every point of a disc is in a piece, but for gaps between two countries' outlines narrower than the borders'
    precision: no place of an area is lost. Pieces may overlap where region outlines do, which only adds
    alternatives."""
    rng = np.random.default_rng(5)
    border = shapely.get_coordinates(border_line())
    for _ in range(60):
        lon, lat = border[rng.integers(len(border))] + rng.normal(0, 0.5, 2)
        km = float(rng.uniform(0.5, 120))
        disc = project(circle(float(lat), float(lon), km))
        covered = shapely.union_all([p.geometry for p in disc_pieces(float(lat), float(lon), km)])
        lost = disc.difference(covered)
        assert lost.buffer(-BORDER_PRECISION_M).area <= 1e-5 * disc.area
