"""Zones of a pack: where a point stands relative to each zone, in three bands.

"Near the border" has no official radius, so a zone is not a crisp polygon but
bands set by named parameters: *inside* (the clause applies), *vague* (the
policy does not say: the verdict becomes INDETERMINATE and names the
assumption) and *outside*. Bands are computed on whole arrays, so the single
check and the bulk audit share one code path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from enduse.geo.boundaries import regions
from enduse.geo.locate import Locations, adjacent_regions, border_stretch
from enduse.packs.model import Pack, Parameter, Zone


class Band(StrEnum):
    INSIDE = "inside"
    VAGUE = "vague"
    OUTSIDE = "outside"


@dataclass(frozen=True)
class ZoneBands:
    """Band of every point for one zone, with the parameters that drew the band."""

    zone: str
    bands: np.ndarray  # of Band values
    eligible: np.ndarray  # bool: the point lies where the zone can apply (country, regions)
    assumptions: tuple[str, ...]


def zone_assumptions(zone: Zone) -> tuple[str, ...]:
    """Names of the parameters that shape ``zone``."""
    return tuple(name for name in (zone.inside_km, zone.outside_km, zone.scope) if name)


def _bands(pack: Pack, name: str, zone: Zone, locations: Locations, lat: np.ndarray, lon: np.ndarray) -> ZoneBands:
    eligible = locations.country == zone.country
    if zone.regions:
        eligible &= np.isin(locations.region.astype(str), zone.regions)
    bands = np.full(len(lat), Band.OUTSIDE.value, dtype=object)
    if zone.inside_km is None:
        bands[eligible] = Band.INSIDE.value
    elif eligible.any():
        distance = np.full(len(lat), np.inf)
        distance[eligible] = border_stretch(zone.measured_from).distance_km(lat[eligible], lon[eligible])
        bands[distance <= float(pack.param(zone.outside_km))] = Band.VAGUE.value
        bands[distance <= float(pack.param(zone.inside_km))] = Band.INSIDE.value
    if zone.scope is not None:
        scope = pack.param(zone.scope)
        if scope == "out":
            bands[:] = Band.OUTSIDE.value
        elif scope == "vague":
            bands[bands == Band.INSIDE.value] = Band.VAGUE.value
    return ZoneBands(zone=name, bands=bands, eligible=eligible, assumptions=zone_assumptions(zone))


def zone_bands(pack: Pack, locations: Locations, lat: np.ndarray, lon: np.ndarray) -> dict[str, ZoneBands]:
    """For each zone of ``pack``, the band of every point (arrays aligned with ``lat``/``lon``)."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    return {name: _bands(pack, name, zone, locations, lat, lon) for name, zone in pack.zones.items()}


def zone_problems(zones: Mapping[str, Zone], parameters: Mapping[str, Parameter]) -> list[str]:
    """Zones name real countries and region codes of the bundled geography, and bands in order."""
    known = {region.code for region in regions()}
    on_border = set(adjacent_regions())
    problems = []
    for name, zone in zones.items():
        for code in zone.measured_from or ():
            if code not in on_border:
                problems.append(
                    f"zones.toml: [{name}] measured_from names {code!r}, which has no stretch of the RU-UA border "
                    f"(use one of {', '.join(sorted(on_border))})"
                )
        for code in zone.regions or ():
            if code not in known:
                problems.append(f"zones.toml: [{name}] names unknown region code {code!r} (ISO 3166-2, e.g. UA-63)")
        if zone.country not in {"RU", "UA", "BY"}:
            problems.append(f"zones.toml: [{name}] country must be RU, UA or BY, got {zone.country!r}")
        inside, outside = parameters.get(zone.inside_km or ""), parameters.get(zone.outside_km or "")
        if inside and outside and not inside.choices and not outside.choices and float(inside.value) > float(outside.value):
            problems.append(f"zones.toml: [{name}] {zone.inside_km} must not exceed {zone.outside_km}")
    return problems
