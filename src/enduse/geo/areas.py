"""Areas where a use may have happened, when its location is not an exact point.

A report may give a point with an uncertainty radius ("near Sudzha", ACLED's ``geo_precision`` 2) or only a
region ("in Belgorod oblast"). These functions turn such a location into the one geometry every stage uses for
it — judging, maps and GeoJSON outputs — so the drawn area is exactly the judged one.

All geometries are in EPSG:4326 (x = longitude, y = latitude). Callers may rely on ``area`` returning a valid
polygon (or a point for an exact location) and on ``InputError`` naming the bad value otherwise.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from enduse.errors import InputError
from enduse.geo.boundaries import region_names, regions

#: The largest uncertainty radius accepted: beyond it a location says nothing a region would not say better.
MAX_WITHIN_KM = 500.0
#: Vertices of a disc's outline: its edges stray from the true circle by at most ~0.01 % of the radius.
_VERTICES = 256
_GEOD = Geod(ellps="WGS84")


def region_codes() -> dict[str, str]:
    """Region code -> English name of every region of the bundled geography (ISO 3166-2, e.g. ``RU-BEL``)."""
    return region_names()


def region_code(text: str) -> str:
    """The ISO 3166-2 code of a region given by code (any case) or English name; ``InputError`` otherwise."""
    value = text.strip()
    names = region_codes()
    if value.upper() in names:
        return value.upper()
    by_name = {name.casefold(): code for code, name in names.items()}
    key = value.casefold().removesuffix(" oblast").removesuffix(" region").strip()
    if key in by_name:
        return by_name[key]
    raise InputError(f"unknown region {text!r}: give an ISO 3166-2 code of UA, RU or BY (e.g. RU-BEL, UA-63) or its English name")


@cache
def region_shape(code: str) -> BaseGeometry:
    """The polygon of the region with ISO 3166-2 ``code`` (``InputError`` for an unknown code)."""
    for region in regions():
        if region.code == code:
            return region.geometry
    raise InputError(f"unknown region code {code!r}")


def circle(lat: float, lon: float, km: float) -> BaseGeometry:
    """The geodesic disc of radius ``km`` around (lat, lon), as a polygon whose vertices lie on the true circle
    (WGS84 ellipsoid)."""
    if not 0 < km <= MAX_WITHIN_KM:
        raise InputError(f"within_km must be more than 0 and at most {MAX_WITHIN_KM:g}, got {km:g}")
    azimuths = np.linspace(0.0, 360.0, _VERTICES, endpoint=False)
    lons, lats, _ = _GEOD.fwd(np.full(_VERTICES, lon), np.full(_VERTICES, lat), azimuths, np.full(_VERTICES, km * 1000.0))
    lons = lon + (lons - lon + 180.0) % 360.0 - 180.0  # one piece across the antimeridian, not a band around the globe
    return shapely.make_valid(shapely.Polygon(np.column_stack([lons, lats])))


def area(lat: float | None, lon: float | None, within_km: float | None = None, region: str | None = None) -> BaseGeometry:
    """Where a use may be: a point, a disc around it, or a whole region (exactly one of a point or a region)."""
    if region is not None:
        if lat is not None or lon is not None:
            raise InputError("give either a point (with within_km if it is uncertain) or a region, not both")
        return region_shape(region_code(region))
    if lat is None or lon is None:
        raise InputError("a location needs lat and lon, a place, or a region")
    if within_km:
        return circle(lat, lon, within_km)
    return Point(lon, lat)
