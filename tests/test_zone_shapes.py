"""Zone polygons agree with the point classifier, react to the assumptions and serialise small."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from enduse.packs.params import with_checked_params
from enduse.geo.locate import locate_many
from enduse.packs.registry import bundled
from enduse.zone_shapes import coalition_zones_geojson, to_degrees, to_metres, zone_shapes, zones_geojson
from enduse.zones import Band, zone_bands

#: Where the policies' zones are drawn and sampled: Russia west of the Urals, Ukraine, Belarus.
WINDOW = shapely.box(20.0, 40.0, 60.0, 66.0)
INSIDE_MARGIN_M = 1_000.0  # buffers and region outlines agree with the classifier to well within this
OUTSIDE_MARGIN_M = 3_000.0  # Natural Earth region outlines can leave ~1 km gaps the classifier fills


def _sample(area: shapely.Geometry, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n`` uniform random points of ``area`` (lon/lat), as (lat, lon) arrays."""
    if area.is_empty:
        return np.empty(0), np.empty(0)
    minx, miny, maxx, maxy = area.bounds
    lon, lat = rng.uniform(minx, maxx, 40 * n), rng.uniform(miny, maxy, 40 * n)
    keep = shapely.contains_xy(area, lon, lat)
    return lat[keep][:n], lon[keep][:n]


def _shrunk(geometry: shapely.Geometry, metres: float) -> shapely.Geometry:
    return to_degrees(to_metres(shapely.intersection(geometry, WINDOW)).buffer(metres))


def _bands_of(pack, zone: str, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return zone_bands(pack, locate_many(lat, lon), lat, lon)[zone].bands


def _assert_agrees(pack, version, seed: int, n: int = 150) -> None:
    rng = np.random.default_rng(seed)
    shapes = zone_shapes(pack, version)
    for zone in version.zones:
        own = [s for s in shapes if s.zone == zone]
        for s in own:
            lat, lon = _sample(_shrunk(s.geometry, -INSIDE_MARGIN_M), n, rng)
            assert len(lat) > 0, f"{zone} {s.band}: no room to sample"
            bands = _bands_of(pack, zone, lat, lon)
            assert (bands == s.band.value).all(), (zone, s.band, lat[bands != s.band.value][:3], lon[bands != s.band.value][:3])
        drawn = shapely.union_all([_shrunk(s.geometry, OUTSIDE_MARGIN_M) for s in own]) if own else shapely.Polygon()
        lat, lon = _sample(shapely.difference(WINDOW, drawn), 4 * n, rng)
        bands = _bands_of(pack, zone, lat, lon)
        assert (bands == Band.OUTSIDE.value).all(), (zone, lat[bands != "outside"][:3], lon[bands != "outside"][:3])


@pytest.mark.parametrize("version_id", ["kharkiv", "whole-border", "atacms-kursk"])
def test_polygons_agree_with_the_classifier(pack, version_id):
    _assert_agrees(pack, pack.version(version_id), seed=len(version_id))


@settings(max_examples=4, deadline=None)
@given(inside=st.integers(5, 90), width=st.integers(5, 150), seed=st.integers(0, 2**16))
def test_polygons_agree_for_any_distances(pack, inside, width, seed):
    changed = with_checked_params(pack, {"near_border_inside_km": str(inside), "near_border_outside_km": str(inside + width)})
    _assert_agrees(changed, changed.version("kharkiv"), seed=seed, n=60)


def _area(pack, version_id: str, zone: str, band: Band) -> float:
    return sum(s.area_km2 for s in zone_shapes(pack, pack.version(version_id)) if s.zone == zone and s.band == band)


def test_vague_band_grows_with_the_outside_distance(pack):
    areas = [
        _area(with_checked_params(pack, {"near_border_outside_km": str(km)}), "whole-border", "russia_border", Band.VAGUE)
        for km in (60, 100, 150)
    ]
    assert 0 < areas[0] < areas[1] < areas[2]
    inside = _area(pack, "whole-border", "russia_border", Band.INSIDE)
    assert inside > 0 and inside == _area(with_checked_params(pack, {"near_border_outside_km": "150"}), "whole-border", "russia_border", Band.INSIDE)


def test_areas_are_plausible(pack):
    version = pack.version("atacms-kursk")
    areas = {(s.zone, s.band): s.area_km2 for s in zone_shapes(pack, version)}
    assert all(area > 0 for area in areas.values())
    assert 29_000 < areas["kursk_oblast", Band.INSIDE] < 31_000  # Kursk oblast is ~30,000 km²
    assert 16e6 < areas["russia_wider_scope", Band.VAGUE] < 17.2e6  # Russia without Crimea, ~17.1 million km²
    # 40 km of a ~2,000 km border, less what lies in Ukraine: about half of 2 × 40 × 2,000 km².
    assert 40_000 < areas["russia_border", Band.INSIDE] < 90_000


@pytest.mark.parametrize(("scope", "bands"), [("in", {Band.INSIDE, Band.VAGUE}), ("vague", {Band.VAGUE}), ("out", set())])
def test_scope_switches_the_zone(pack, scope, bands):
    changed = with_checked_params(pack, {"sumy_in_may_2024_scope": scope})
    assert {s.band for s in zone_shapes(changed, pack.version("kharkiv")) if s.zone == "sumy_border"} == bands


def test_no_zones_before_the_first_exception(pack):
    assert zone_shapes(pack, pack.version("baseline")) == []


@pytest.mark.parametrize("version_id", ["kharkiv", "whole-border", "atacms-kursk"])
def test_geojson_is_valid_small_and_close_to_the_shapes(pack, version_id):
    version = pack.version(version_id)
    collection = json.loads(json.dumps(zones_geojson(pack, version)))
    exact = zone_shapes(pack, version)
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == len(exact)
    for feature, s in zip(collection["features"], exact, strict=True):
        geometry = shape(feature["geometry"])
        assert geometry.is_valid and not geometry.is_empty
        window = shapely.intersection(s.geometry, WINDOW)
        moved = to_metres(shapely.symmetric_difference(window, shapely.intersection(geometry, WINDOW))).area
        assert moved < 0.02 * to_metres(window).area
        props = feature["properties"]
        assert (props["zone"], props["band"]) == (s.zone, s.band.value)
        assert props["area_km2"] == pytest.approx(s.area_km2, abs=0.1)
        assert set(props["parameters"]) == set(props["assumptions"]) == set(s.assumptions)
        assert props["sources"] and all({"id", "outlet", "date", "quote"} <= set(src) for src in props["sources"])
    size = len(json.dumps(collection))
    assert size < (450_000 if version_id == "atacms-kursk" else 300_000)


def test_coalition_zones_are_each_packs_zones_in_force_labelled_by_supplier():
    packs = bundled().packs
    day = dt.date(2024, 12, 1)
    collection = coalition_zones_geojson(packs, day)
    assert collection["type"] == "FeatureCollection"
    for pack in packs:
        version = pack.version_on(day)
        own = [f for f in collection["features"] if f["properties"]["supplier"] == pack.supplier]
        expected = zones_geojson(pack, version)["features"] if version else []
        assert [f["geometry"] for f in own] == [f["geometry"] for f in expected]
        assert {(f["properties"]["pack"], f["properties"]["version"]) for f in own} <= {(pack.name, version and version.id)}
    assert all(shape(f["geometry"]).is_valid and f["properties"]["band"] in ("inside", "vague") for f in collection["features"])
    assert len({f["properties"]["supplier"] for f in collection["features"]}) > 1
    assert coalition_zones_geojson(packs, dt.date(1990, 1, 1))["features"] == []
