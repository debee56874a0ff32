"""The bundled geography as shapely geometries, loaded once per process.

The files in ``enduse/geo/data`` are derived by ``tools/build_geodata.py`` (sources, licences and accuracy in
``data/SOURCES.md``). All geometries are in EPSG:4326, x = longitude, y = latitude, and valid. Callers may rely on:

* ``countries()``: "UA", "RU" and "BY" as non-overlapping polygons following internationally recognised borders
  (Crimea and Sevastopol are Ukraine); inland water is filled in, seas are not included.
* ``regions()``: admin-1 regions of those countries, each with its ISO 3166-2 code and English name. Their outer edges
  are ~1 km less accurate than the countries': use them to *name* a region, not to decide the country.
* ``border_line()``: the Russia–Ukraine land border, from the Belarus tripoint to the Sea of Azov.

The returned geometries are shared (shapely geometries are immutable); the containers are fresh copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import as_file, files

import polars as pl
import shapely
from shapely.geometry.base import BaseGeometry

COUNTRY_CODES = ("UA", "RU", "BY")


@dataclass(frozen=True)
class Region:
    """An admin-1 region (oblast, krai, republic, federal city…)."""

    code: str  # ISO 3166-2, e.g. "UA-63"
    name: str  # English, e.g. "Kharkiv"
    country: str  # "UA", "RU" or "BY"
    geometry: BaseGeometry


def _read(name: str) -> dict[str, list]:
    # From a path, never a Python file object or buffer: a reader may release those on a worker thread while
    # the interpreter exits, which aborts the process (status 134).
    with as_file(files("enduse.geo").joinpath("data", name)) as path:
        columns = pl.read_parquet(path).to_dict(as_series=False)
    columns["geometry"] = list(shapely.from_wkb(columns["geometry"]))
    return columns


@cache
def _countries() -> dict[str, BaseGeometry]:
    table = _read("countries.parquet")
    return dict(zip(table["code"], table["geometry"], strict=True))


@cache
def _regions() -> tuple[Region, ...]:
    table = _read("regions.parquet")
    return tuple(
        Region(code=c, name=n, country=k, geometry=g)
        for c, n, k, g in zip(table["code"], table["name"], table["country"], table["geometry"], strict=True)
    )


@cache
def _region_names() -> dict[str, str]:
    with as_file(files("enduse.geo").joinpath("data", "regions.parquet")) as path:
        table = pl.read_parquet(path, columns=["code", "name"])
    return dict(zip(table["code"], table["name"], strict=True))


@cache
def _border_line() -> BaseGeometry:
    return _read("border.parquet")["geometry"][0]


def countries() -> dict[str, BaseGeometry]:
    """Polygons of Ukraine, Russia and Belarus keyed "UA", "RU", "BY"."""
    return dict(_countries())


def regions() -> list[Region]:
    """Admin-1 regions of UA, RU and BY, sorted by code."""
    return list(_regions())


def region_names() -> dict[str, str]:
    """Region code -> English name of every region (ISO 3166-2, e.g. ``RU-BEL``), without reading a geometry."""
    return dict(_region_names())


def border_line() -> BaseGeometry:
    """The Russia–Ukraine land border as a line (lon/lat)."""
    return _border_line()
