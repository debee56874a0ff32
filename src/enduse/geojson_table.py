"""GeoJSON (RFC 7946) as a table format: one feature per row, the row's columns as properties.

A row's geometry is where the use may be, from the same ``enduse.geo.areas.area`` that judging uses: a point
(``resolved_lat``/``resolved_lon`` when a place name was resolved, else ``lat``/``lon``), the disc of
``within_km`` around it, or the outline of ``region``. A row with no usable location (none given, out of range,
or unreadable) gets a null geometry: a point is never invented. Coordinates are [longitude, latitude].
Reading takes properties as columns and a point geometry as ``lat``/``lon`` when the properties lack them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import IO, Any

import polars as pl
from shapely.geometry import mapping

from enduse.errors import InputError
from enduse.geo.areas import area

POINTS = (("resolved_lat", "resolved_lon"), ("lat", "lon"))


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def geometry(row: dict[str, Any]) -> dict[str, Any] | None:
    """The GeoJSON geometry of where the use in ``row`` may be, or ``None`` when the row does not say."""
    lat = lon = None
    for lat_name, lon_name in POINTS:
        lat, lon = _number(row.get(lat_name)), _number(row.get(lon_name))
        if lat is not None and lon is not None:
            break
    region = _text(row.get("region"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
        if region is None:
            return None
    within_km = _number(row.get("within_km")) or None
    if lat is not None and within_km is None:
        return {"type": "Point", "coordinates": [lon, lat]}  # what ``area`` gives, without building a shape per row
    try:
        return mapping(area(lat, lon, within_km, region if lat is None else None))
    except InputError:
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class GeoJsonSink:
    """Streams features into a FeatureCollection: the header first, each batch's features, the closing brackets."""

    def __init__(self, path: Path) -> None:
        self._handle: IO[str] = path.open("w", encoding="utf-8")
        self._handle.write('{"type":"FeatureCollection","features":[\n')
        self._first = True

    def write(self, frame: pl.DataFrame) -> None:
        for row in frame.iter_rows(named=True):
            feature = {"type": "Feature", "properties": {k: _plain(v) for k, v in row.items()}, "geometry": geometry(row)}
            self._handle.write(("" if self._first else ",\n") + json.dumps(feature, default=str, ensure_ascii=False))
            self._first = False

    def close(self) -> None:
        self._handle.write("\n]}\n")
        self._handle.close()


def scan_geojson(path: Path) -> pl.LazyFrame:
    """The features of a GeoJSON FeatureCollection as a frame (properties as columns, a point as ``lat``/``lon``)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        features = document["features"] if document.get("type") == "FeatureCollection" else None
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, KeyError) as error:
        raise InputError(f"{path}: not a GeoJSON FeatureCollection ({error.__class__.__name__})") from None
    if not isinstance(features, list):
        raise InputError(f"{path}: not a GeoJSON FeatureCollection")
    rows = []
    for number, feature in enumerate(features, 1):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties") or {}, dict):
            raise InputError(f"{path}: feature {number} is not a GeoJSON feature")
        row = dict(feature.get("properties") or {})
        shape = feature.get("geometry") or {}
        if shape.get("type") == "Point" and "lat" not in row and "lon" not in row:
            row["lon"], row["lat"] = shape["coordinates"][:2]
        rows.append(row)
    return pl.from_dicts(rows, infer_schema_length=None).lazy() if rows else pl.LazyFrame()
