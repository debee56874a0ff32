"""The bundled borders as small GeoJSON for the web page's map: countries, oblasts and the RU–UA border.

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

#: West, south, east, north (degrees) of the map.
BBOX = (21.5, 43.5, 42.5, 56.5)
TOLERANCE_DEG = 0.02
DECIMALS = 3


def _small(geometry: BaseGeometry) -> dict[str, Any] | None:
    clipped = shapely.clip_by_rect(geometry, *BBOX)
    simplified = shapely.simplify(clipped, TOLERANCE_DEG, preserve_topology=True)
    if shapely.is_empty(simplified):
        return None
    return mapping(shapely.transform(simplified, lambda xy: np.round(xy, DECIMALS)))


def _feature(geometry: dict[str, Any] | None, **properties: Any) -> dict[str, Any] | None:
    return None if geometry is None else {"type": "Feature", "properties": properties, "geometry": geometry}


@cache
def geography_geojson() -> dict[str, Any]:
    """Countries (``kind: country``), admin-1 regions (``kind: region``) and the border (``kind: border``)."""
    frame = box(*BBOX)
    features = [_feature(_small(shape), kind="country", code=code) for code, shape in countries().items()]
    features += [
        _feature(_small(r.geometry), kind="region", code=r.code, name=r.name, country=r.country)
        for r in regions()
        if r.geometry.intersects(frame)
    ]
    features.append(_feature(_small(border_line()), kind="border", code="RU-UA"))
    return {"type": "FeatureCollection", "bbox": list(BBOX), "features": [f for f in features if f is not None]}
