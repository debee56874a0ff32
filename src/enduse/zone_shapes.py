"""Zones of a pack as polygons: the area each band covers, for maps and the web app.

``enduse.zones`` classifies points; this module draws the same bands as shapes, built the same way: eligible land
(the country, cut to the zone's regions if it names any), then distance bands around the zone's border stretch, then
the zone's scope switch. Callers may rely on:

* A point well inside a band's polygon (more than ~1 km from its edge) is classified in that band by
  ``enduse.zones.zone_bands``, and a point well outside all polygons of a zone is OUTSIDE it. Near edges the two
  can differ slightly: buffers are drawn in the ``PROJECTION`` metres (whose distances agree with the classifier's
  geodesic ones to ~0.1% near the border), and regions are cut by their Natural Earth outlines (~1 km).
* Geometries are in EPSG:4326 (x = longitude, y = latitude) and valid; empty bands are omitted.
* ``area_km2`` is measured in the equal-area ``PROJECTION``.

Shapes are cached per zone definition and parameter values, so changed assumptions (``with_checked_params``) give
new shapes and unchanged ones cost nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from enduse.geo.boundaries import countries, regions
from enduse.geo.locate import PROJECTION, border_stretch
from enduse.packs.model import Pack, Version, Zone
from enduse.zones import Band, zone_assumptions

#: Douglas–Peucker tolerance of ``zones_geojson``, metres; larger shapes get ``sqrt(area) / GEOJSON_PIXELS``.
GEOJSON_TOLERANCE_M = 250.0
#: A shape is simplified to about one pixel of a map this many pixels across it.
GEOJSON_PIXELS = 1500
#: Decimals of the GeoJSON coordinates (~1 m).
GEOJSON_DECIMALS = 5
_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class ZoneShape:
    """The land one band of one zone covers, with the parameters that drew it."""

    zone: str
    title: str
    band: Band  # INSIDE or VAGUE
    geometry: BaseGeometry  # lon/lat, EPSG:4326
    area_km2: float
    assumptions: tuple[str, ...]


@cache
def _transformer() -> Transformer:
    return Transformer.from_crs("EPSG:4326", PROJECTION, always_xy=True)


def to_metres(geometry: BaseGeometry) -> BaseGeometry:
    """``geometry`` from lon/lat to the ``PROJECTION`` metres (equal-area, centred on the RU–UA border)."""
    return shapely.transform(geometry, lambda xy: np.column_stack(_transformer().transform(xy[:, 0], xy[:, 1])))


def to_degrees(geometry: BaseGeometry) -> BaseGeometry:
    """The inverse of ``to_metres``."""
    inverse = _transformer().transform
    return shapely.transform(geometry, lambda xy: np.column_stack(inverse(xy[:, 0], xy[:, 1], direction="INVERSE")))


def _eligible(zone: Zone) -> BaseGeometry:
    """Where the zone can apply, lon/lat: its country, cut to its regions if it names any."""
    land = countries()[zone.country]
    if zone.regions:
        land = shapely.intersection(land, shapely.union_all([r.geometry for r in regions() if r.code in zone.regions]))
    return land


@lru_cache(maxsize=64)
def _bands(
    zone_json: str, inside_km: float | None, outside_km: float | None, scope: str | None
) -> tuple[tuple[Band, BaseGeometry, float], ...]:
    """(band, lon/lat geometry, km²) of one zone for given parameter values; mirrors ``enduse.zones._bands``."""
    if scope == "out":
        return ()
    zone = Zone.model_validate_json(zone_json)
    land = _eligible(zone)
    if inside_km is None:
        drawn = {Band.INSIDE: (land, to_metres(land))}
    else:
        line = border_stretch(zone.measured_from).line
        outer, inner = line.buffer(outside_km * 1000.0), line.buffer(inside_km * 1000.0)
        # Project only the land near the stretch: cheaper, and far parts of Russia cross the antimeridian.
        reach = shapely.box(*to_degrees(outer).bounds).buffer(1.0)
        near = to_metres(shapely.intersection(land, reach))
        cut = {Band.INSIDE: shapely.intersection(near, inner), Band.VAGUE: shapely.intersection(near, outer.difference(inner))}
        drawn = {band: (to_degrees(shape), shape) for band, shape in cut.items()}
    if scope == "vague":
        drawn = {Band.VAGUE: tuple(_union(parts) for parts in zip(*drawn.values(), strict=True))}
    return tuple(
        (band, shapely.make_valid(degrees), float(shapely.area(metres)) / 1e6)
        for band, (degrees, metres) in drawn.items()
        if not shapely.is_empty(metres) and shapely.area(metres) > 0
    )


def _union(parts: tuple[BaseGeometry, ...]) -> BaseGeometry:
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


def _zone_key(pack: Pack, zone: Zone) -> tuple[str, float | None, float | None, str | None]:
    """What ``_bands`` depends on, hashable: the zone's definition and the values of its parameters."""

    def value(name: str | None, kind: type) -> Any:
        return None if name is None else kind(pack.param(name))

    return zone.model_dump_json(), value(zone.inside_km, float), value(zone.outside_km, float), value(zone.scope, str)


def zone_shapes(pack: Pack, version: Version) -> list[ZoneShape]:
    """The inside and vague bands of every zone in force with ``version``, as ``pack``'s parameters draw them."""
    shapes = []
    for name in version.zones:
        zone = pack.zones[name]
        for band, geometry, area in _bands(*_zone_key(pack, zone)):
            shapes.append(ZoneShape(name, zone.title, band, geometry, area, zone_assumptions(zone)))
    return shapes


def _compact(shape: ZoneShape) -> dict[str, Any]:
    """``shape``'s geometry simplified, without parts smaller than the tolerance, rounded; as a GeoJSON mapping."""
    tolerance = max(GEOJSON_TOLERANCE_M, 1000.0 * shape.area_km2**0.5 / GEOJSON_PIXELS) / _METRES_PER_DEGREE
    parts = shapely.get_parts(shape.geometry)
    kept = parts[shapely.area(parts) >= np.pi * (2 * tolerance) ** 2]
    simplified = shapely.simplify(shapely.multipolygons(kept), tolerance, preserve_topology=True)
    snapped = shapely.set_precision(simplified, 10.0**-GEOJSON_DECIMALS)
    return mapping(shapely.transform(snapped, lambda xy: np.round(xy, GEOJSON_DECIMALS)))


def zones_geojson(pack: Pack, version: Version) -> dict[str, Any]:
    """The bands of ``zone_shapes`` as a GeoJSON FeatureCollection, small enough to serve.

    Each feature's properties: ``zone``, ``title``, ``band`` ("inside" or "vague"), ``area_km2`` (of the exact
    shape), ``assumptions`` (parameter names), ``parameters`` (their values) and ``sources`` (``id``, ``outlet``,
    ``date``, ``quote``). Geometries are simplified (Douglas–Peucker, topology kept) with a tolerance of 250 m
    (``GEOJSON_TOLERANCE_M``), or for large shapes 1/1500 of the square root of their area (~2.7 km for all of
    Russia), applied in degrees of latitude so no edge moves farther than that; parts (islands) smaller than a
    disc of twice the tolerance are dropped; coordinates are rounded to 5 decimals (~1 m). The bands of the whole
    RU–UA border take ~50 KB, all of Russia ~330 KB.
    """
    features = []
    for shape in zone_shapes(pack, version):
        zone = pack.zones[shape.zone]
        sources = [
            {"id": sid, "outlet": pack.sources[sid].outlet, "date": pack.sources[sid].date.isoformat(),
             "quote": pack.sources[sid].quote}
            for sid in zone.sources
        ]
        properties = {
            "zone": shape.zone,
            "title": shape.title,
            "band": shape.band.value,
            "area_km2": round(shape.area_km2, 1),
            "assumptions": list(shape.assumptions),
            "parameters": {name: pack.param(name) for name in shape.assumptions},
            "sources": sources,
        }
        features.append({"type": "Feature", "properties": properties, "geometry": _compact(shape)})
    return {"type": "FeatureCollection", "features": features}


def coalition_zones_geojson(packs: Iterable[Pack], day: dt.date) -> dict[str, Any]:
    """The zones of every pack's version in force on ``day`` as one FeatureCollection, loadable in QGIS.

    Each feature is one of ``zones_geojson``'s, its properties led by ``supplier``, ``pack`` and ``version``
    (then ``zone``, ``band`` and the rest), so one layer can be styled or filtered by supplier. A pack with no
    version in force on ``day`` adds nothing; packs come in the order given.
    """
    features = []
    for pack in packs:
        version = pack.version_on(day)
        if version is None:
            continue
        for feature in zones_geojson(pack, version)["features"]:
            properties = {"supplier": pack.supplier, "pack": pack.name, "version": version.id, **feature["properties"]}
            features.append({**feature, "properties": properties})
    return {"type": "FeatureCollection", "features": features}
