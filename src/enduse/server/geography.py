"""The bundled borders as small GeoJSON for the web page's map: countries, oblasts, the RU–UA border, main cities.

Cut to ``BBOX`` (Ukraine and the Russian regions near it), simplified and
rounded so the whole map is a few hundred KB; built once per process. For
drawing only: enduse decides on the full-resolution geography.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import box, mapping
from shapely.geometry.base import BaseGeometry

from enduse.geo.boundaries import border_line, countries, regions
from enduse.geo.gazetteer import Place, all_places

#: West, south, east, north (degrees) of the map.
BBOX = (21.5, 43.5, 42.5, 56.5)
TOLERANCE_DEG = 0.02
DECIMALS = 3
#: A city is labelled when it is the most populous place of its region or has at least this many people ...
BIG_CITY = 400_000
#: ... and no more populous labelled city is closer than this (city districts, suburbs).
LABEL_SPACING_KM = 30.0
KM_PER_DEGREE = 111.2


def _small(geometry: BaseGeometry) -> dict[str, Any] | None:
    clipped = shapely.clip_by_rect(geometry, *BBOX)
    simplified = shapely.simplify(clipped, TOLERANCE_DEG, preserve_topology=True)
    if shapely.is_empty(simplified):
        return None
    return mapping(shapely.transform(simplified, lambda xy: np.round(xy, DECIMALS)))


def _feature(geometry: dict[str, Any] | None, **properties: Any) -> dict[str, Any] | None:
    return None if geometry is None else {"type": "Feature", "properties": properties, "geometry": geometry}


def _near(a: Place, b: Place) -> bool:
    dx = (a.lon - b.lon) * np.cos(np.radians((a.lat + b.lat) / 2))
    return float(np.hypot(dx, a.lat - b.lat)) * KM_PER_DEGREE < LABEL_SPACING_KM


def main_cities() -> list[Place]:
    """The cities the map labels, most populous first: every region's largest place (its capital, in practice) and
    every big city that lie on the map, dropping any with a more populous labelled city nearby. From the gazetteer."""
    west, south, east, north = BBOX
    largest: dict[str, Place] = {}
    for place in all_places():
        key = place.region or place.country
        if key not in largest or place.population > largest[key].population:
            largest[key] = place
    wanted = [p for p in {*largest.values(), *(p for p in all_places() if p.population >= BIG_CITY)}
              if west <= p.lon <= east and south <= p.lat <= north]
    kept: list[Place] = []
    for place in sorted(wanted, key=lambda p: (-p.population, p.name)):
        if not any(_near(place, other) for other in kept):
            kept.append(place)
    return kept


@cache
def geography_geojson() -> dict[str, Any]:
    """Countries (``kind: country``), admin-1 regions (``kind: region``), the border (``kind: border``) and the main
    cities (``kind: city``, points with ``name``, ``region`` and ``population``, most populous first)."""
    frame = box(*BBOX)
    features = [_feature(_small(shape), kind="country", code=code) for code, shape in countries().items()]
    features += [
        _feature(_small(r.geometry), kind="region", code=r.code, name=r.name, country=r.country)
        for r in regions()
        if r.geometry.intersects(frame)
    ]
    features.append(_feature(_small(border_line()), kind="border", code="RU-UA"))
    features += [_feature({"type": "Point", "coordinates": [round(c.lon, DECIMALS), round(c.lat, DECIMALS)]}, kind="city",
                          name=c.name, region=c.region or c.country, population=c.population) for c in main_cities()]
    return {"type": "FeatureCollection", "bbox": list(BBOX), "features": [f for f in features if f is not None]}
