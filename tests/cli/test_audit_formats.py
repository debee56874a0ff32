"""`enduse audit … -o out.geojson` through the entry point: a FeatureCollection QGIS can load, rejects beside it."""

from __future__ import annotations

import json
from importlib import resources

import polars as pl
from entry import run
from shapely.geometry import shape

INCIDENTS = resources.files("enduse.examples").joinpath("incidents.csv")


def test_audit_to_geojson_gives_one_feature_per_decided_row_with_valid_lon_lat_geometries(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(INCIDENTS.read_bytes())
    result = run("audit", str(source), "-o", str(tmp_path / "out.geojson"))
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "out.geojson").read_text(encoding="utf-8"))
    rejects = pl.read_csv(tmp_path / "out.rejects.csv")
    assert document["type"] == "FeatureCollection"
    assert len(document["features"]) + rejects.height == pl.read_csv(source).height
    geometries = [shape(f["geometry"]) for f in document["features"] if f["geometry"]]
    assert geometries and all(g.is_valid for g in geometries)
    for feature in document["features"]:
        if feature["geometry"] and feature["geometry"]["type"] == "Point":
            lon, lat = feature["geometry"]["coordinates"]
            assert (lat, lon) == (feature["properties"]["resolved_lat"], feature["properties"]["resolved_lon"])
