"""Zones of a pack: where a point stands relative to each zone, in three bands.

"Near the border" has no official radius, so a zone is not a crisp polygon but
bands set by named parameters: *inside* (the clause applies), *vague* (the
policy does not say: the verdict becomes INDETERMINATE and names the
assumption) and *outside*. Bands are computed on whole arrays, so the single
check and the bulk audit share one code path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import numpy as np

from enduse.geo.boundaries import regions
from enduse.geo.locate import Locations, adjacent_regions, border_stretch, places
from enduse.geo.pieces import Piece
from enduse.packs.model import Pack, Parameter, Zone


class Band(StrEnum):
    INSIDE = "inside"
    VAGUE = "vague"
    OUTSIDE = "outside"


#: ``ZoneBands.codes`` index this: 0 inside, 1 vague, 2 outside.
BANDS = np.array([band.value for band in Band], dtype=object)
_INSIDE, _VAGUE, _OUTSIDE = range(3)
#: A stretch's computed distance is at least the whole border's / this (measured: >= 0.99 x, anywhere on Earth).
_STRETCH_MARGIN = 1.1


@dataclass(frozen=True)
class ZoneBands:
    """Band of every point for one zone, with the parameters that drew the band."""

    zone: str
    codes: np.ndarray  # int8: index into BANDS
    eligible: np.ndarray  # bool: the point lies where the zone can apply (country, regions)
    assumptions: tuple[str, ...]

    @property
    def bands(self) -> np.ndarray:
        """Band values (object array of str), made on each access."""
        return BANDS[self.codes]


def zone_assumptions(zone: Zone) -> tuple[str, ...]:
    """Names of the parameters that shape ``zone``."""
    return tuple(name for name in (zone.inside_km, zone.outside_km, zone.scope) if name)


def _distance_km(zone: Zone, reach_km: float, locations: Locations, lat: np.ndarray, lon: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Distance of the eligible points from the zone's stretch (inf elsewhere), where it can be within ``reach_km``.

    The whole border's distance is already in ``locations``. A stretch is part of the whole border, so it is no
    nearer than the whole border: points beyond ``reach_km`` from the whole border (with a margin for the
    projection's error) are beyond it from the stretch too, and need no distance; nor do the points that
    ``BorderStretch.surely_beyond`` rules out.
    """
    distance = np.full(len(lat), np.inf)
    if not zone.measured_from:
        distance[eligible] = locations.border_distance_km[eligible]
    else:
        stretch = border_stretch(zone.measured_from)
        near = np.flatnonzero(eligible & (locations.border_distance_km <= reach_km * _STRETCH_MARGIN + 1.0))
        near = near[~stretch.surely_beyond(lat[near], lon[near], reach_km)]
        distance[near] = stretch.distance_km(lat[near], lon[near])
    return distance


def _eligible(zone: Zone) -> np.ndarray:
    """Per row of ``places()``: whether the zone can apply there (its country, and its regions if it names some).
    Shared between calls: index it, never write to it."""
    return _eligible_in(zone.country, tuple(zone.regions or ()))


@cache
def _eligible_in(country: str, regions: tuple[str, ...]) -> np.ndarray:
    table = places()
    allowed = table.country == country
    if regions:
        allowed &= np.isin(table.region.astype(str), regions)
    allowed.flags.writeable = False
    return allowed


def _thresholds(pack: Pack, zone: Zone) -> tuple[float, float]:
    return float(pack.param(zone.inside_km)), float(pack.param(zone.outside_km))


def _scoped(pack: Pack, zone: Zone, codes: np.ndarray) -> np.ndarray:
    """Bands after the zone's scope assumption: ``out`` puts everything outside, ``vague`` makes inside vague."""
    scope = None if zone.scope is None else pack.param(zone.scope)
    if scope == "out":
        return np.full_like(codes, _OUTSIDE)
    if scope == "vague":
        return np.where(codes == _INSIDE, _VAGUE, codes).astype(codes.dtype)
    return codes


def _bands(pack: Pack, name: str, zone: Zone, locations: Locations, lat: np.ndarray, lon: np.ndarray) -> ZoneBands:
    eligible = _eligible(zone)[locations.place]
    codes = np.full(len(lat), _OUTSIDE, dtype=np.int8)
    if zone.inside_km is None:
        codes[eligible] = _INSIDE
    elif eligible.any():
        inside_km, outside_km = _thresholds(pack, zone)
        distance = _distance_km(zone, max(inside_km, outside_km), locations, lat, lon, eligible)
        codes[distance <= outside_km] = _VAGUE
        codes[distance <= inside_km] = _INSIDE
    return ZoneBands(zone=name, codes=_scoped(pack, zone, codes), eligible=eligible, assumptions=zone_assumptions(zone))


def _piece_codes(pack: Pack, zone: Zone, piece: Piece) -> tuple[int, ...]:
    """The bands some point of ``piece`` may be in: every band from its nearest point's to its farthest point's.

    A piece is connected, so its distances from the zone's line fill an interval, and bands are in order of distance.
    """
    if not _eligible(zone)[piece.place]:
        codes = [_OUTSIDE]
    elif zone.inside_km is None:
        codes = [_INSIDE]
    else:
        inside_km, outside_km = _thresholds(pack, zone)
        stretch = border_stretch(zone.measured_from)
        nearest = piece.nearest_km(stretch)
        low = _INSIDE if nearest <= inside_km else _VAGUE if nearest <= outside_km else _OUTSIDE
        high = _INSIDE if piece.all_within(stretch, inside_km) else _VAGUE if piece.all_within(stretch, outside_km) else _OUTSIDE
        codes = list(range(low, max(low, high) + 1))
    return tuple(sorted(set(_scoped(pack, zone, np.array(codes, dtype=np.int8)).tolist())))


def piece_bands(pack: Pack, pieces: Sequence[Piece]) -> list[tuple[int, dict[str, tuple[str, ...]], tuple[str, ...]]]:
    """For each piece of an area: its place, the bands each zone of ``pack`` may have there, and the assumptions
    that shape the zones eligible there (those a point of the piece relies on)."""
    result = []
    for piece in pieces:
        bands = {name: tuple(BANDS[list(_piece_codes(pack, zone, piece))]) for name, zone in pack.zones.items()}
        assumptions = tuple(a for zone in pack.zones.values() if _eligible(zone)[piece.place] for a in zone_assumptions(zone))
        result.append((piece.place, bands, assumptions))
    return result


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
