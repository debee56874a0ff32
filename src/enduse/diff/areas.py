"""The land of each side's zones, and what a change gained and lost, in km².

Areas are measured in the equal-area projection of ``enduse.zone_shapes``. For
each band, *gained* is the land in that band of some zone under ``b`` and of
none under ``a``; *lost* the reverse.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from enduse.diff.sides import Side
from enduse.zone_shapes import ZoneShape, to_metres, zone_shapes
from enduse.zones import Band


def _km2(geometry: BaseGeometry) -> float:
    return round(geometry.area / 1e6, 1)


def _union(shapes: list[ZoneShape], band: Band) -> BaseGeometry:
    # All of Russia wraps round the projection's far side; make_valid mends what that folds.
    parts = [shapely.make_valid(to_metres(s.geometry)) for s in shapes if s.band is band]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def zone_changes(a: Side, b: Side) -> dict[str, Any]:
    """Per zone and band the area on each side; per band the area gained and lost."""
    shapes_a, shapes_b = zone_shapes(a.pack, a.version), zone_shapes(b.pack, b.version)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for side, shapes in (("a", shapes_a), ("b", shapes_b)):
        for shape in shapes:
            row = rows.setdefault((shape.zone, shape.band.value), {"zone": shape.zone, "title": shape.title,
                                                                  "band": shape.band.value, "a_km2": 0.0, "b_km2": 0.0})
            row[f"{side}_km2"] = round(shape.area_km2, 1)
    bands = {}
    for band in (Band.INSIDE, Band.VAGUE):
        land_a, land_b = _union(shapes_a, band), _union(shapes_b, band)
        bands[band.value] = {"a_km2": _km2(land_a), "b_km2": _km2(land_b),
                             "gained_km2": _km2(land_b.difference(land_a)), "lost_km2": _km2(land_a.difference(land_b))}
    return {"by_zone": list(rows.values()), "by_band": bands}
