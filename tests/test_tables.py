"""The table registry: every format round-trips rows and values; GeoJSON features carry honest geometries."""

from __future__ import annotations

import json

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape

from enduse.errors import InputError
from enduse.geo.areas import region_shape
from enduse.tables import BY_SUFFIX, FORMATS, TableWriter, file_format, read_batches

NAMES = ("weapon", "target", "note", "n", "Ü ber", "x,y")
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)


@st.composite
def frames(draw):
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    height = draw(st.integers(1, 8))
    columns = {name: draw(st.lists(st.none() | (st.integers(-10**9, 10**9) if name == "n" else text),
                                   min_size=height, max_size=height)) for name in names}
    return pl.DataFrame(columns, schema={n: pl.Int64 if n == "n" else pl.String for n in names})


def _as_text(frame: pl.DataFrame) -> list[dict]:
    return frame.select(pl.all().cast(pl.String)).to_dicts()


@pytest.mark.parametrize("suffix", sorted(BY_SUFFIX))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames(), split=st.integers(1, 8))
def test_every_format_round_trips_rows_and_values_in_batches(tmp_path, suffix, frame, split):
    target = tmp_path / f"t{suffix}"
    with TableWriter(target) as writer:
        for start in range(0, frame.height, split):
            writer.write(frame.slice(start, split))
    back = pl.concat(list(read_batches(target, batch_size=3)))
    assert back.columns == frame.columns
    assert _as_text(back) == _as_text(frame)


def test_registry_chooses_by_suffix_and_refuses_others(tmp_path):
    assert file_format("a.x.GeoJSON") is FORMATS["geojson"] and file_format("b.pq") is FORMATS["parquet"]
    with pytest.raises(InputError, match=r"unknown table format '.txt'.*\.geojson"):
        file_format(tmp_path / "a.txt")


def test_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "out.geojson"
    with pytest.raises(RuntimeError), TableWriter(target) as writer:
        writer.write(pl.DataFrame({"a": ["1"]}))
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


ROWS = [
    {"lat": "50.6", "lon": "36.6", "resolved_lat": None, "resolved_lon": None, "within_km": None, "region": None},
    {"lat": None, "lon": None, "resolved_lat": 51.73, "resolved_lon": 36.19, "within_km": None, "region": None},
    {"lat": "51.2", "lon": "35.3", "resolved_lat": None, "resolved_lon": None, "within_km": "10", "region": None},
    {"lat": None, "lon": None, "resolved_lat": None, "resolved_lon": None, "within_km": None, "region": "RU-BEL"},
    {"lat": None, "lon": None, "resolved_lat": None, "resolved_lon": None, "within_km": None, "region": None},
    {"lat": "200", "lon": "36", "resolved_lat": None, "resolved_lon": None, "within_km": None, "region": None},
    {"lat": "north", "lon": "36", "resolved_lat": None, "resolved_lon": None, "within_km": None, "region": None},
]


def test_geojson_geometries_are_points_discs_regions_or_null_never_invented(tmp_path):
    target = tmp_path / "out.geojson"
    with TableWriter(target) as writer:
        writer.write(pl.DataFrame(ROWS, schema={k: pl.String if k in ("lat", "lon", "within_km", "region") else pl.Float64 for k in ROWS[0]}))
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["type"] == "FeatureCollection" and len(document["features"]) == len(ROWS)
    assert [f["properties"] for f in document["features"]] == ROWS
    shapes = [shape(f["geometry"]) if f["geometry"] else None for f in document["features"]]
    assert all(s is None or s.is_valid for s in shapes)
    assert shapes[0].equals(Point(36.6, 50.6)) and shapes[1].equals(Point(36.19, 51.73))  # [lon, lat]
    assert shapes[2].geom_type == "Polygon" and shapes[2].contains(Point(35.3, 51.2))
    south, north = shapes[2].bounds[1], shapes[2].bounds[3]
    assert (north - south) * 111.2 == pytest.approx(20, rel=0.02)  # a 10 km radius, north to south
    assert shapes[3].geom_type in ("Polygon", "MultiPolygon") and shapes[3].equals(region_shape("RU-BEL"))
    assert shapes[4:] == [None, None, None]


def test_geojson_reader_takes_points_as_lat_lon(tmp_path):
    target = tmp_path / "in.geojson"
    target.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"weapon": "storm_shadow"}, "geometry": {"type": "Point", "coordinates": [36.6, 50.6]}},
        {"type": "Feature", "properties": {"weapon": "atacms"}, "geometry": None},
    ]}), encoding="utf-8")
    frame = pl.concat(list(read_batches(target)))
    assert frame.to_dicts() == [{"weapon": "storm_shadow", "lon": 36.6, "lat": 50.6}, {"weapon": "atacms", "lon": None, "lat": None}]


def test_geojson_reader_refuses_other_json_in_one_line(tmp_path):
    target = tmp_path / "in.geojson"
    target.write_text('{"type": "Point"}', encoding="utf-8")
    with pytest.raises(InputError, match="not a GeoJSON FeatureCollection"):
        list(read_batches(target))
