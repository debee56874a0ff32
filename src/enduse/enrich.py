"""Enrichment: a validated use plus a pack becomes a *situation*, ready to evaluate.

This is the only stage that touches geography and the weapon catalogue. It
resolves a place name to a point, derives country, region, border distance and
zone bands, looks the weapon up, and fills facts the use does not state from
the pack's named defaults — recording every assumption it relied on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from enduse.catalog import Weapon, load_catalog
from enduse.errors import InputError
from enduse.geo.gazetteer import PlaceError, resolve_place
from enduse.geo.locate import Location, locate_many
from enduse.packs.model import Pack
from enduse.uses import Use
from enduse.vocab import UNKNOWN, suggest
from enduse.zones import Band, zone_bands


@dataclass(frozen=True)
class Situation:
    """A use with everything the policy may test, derived and explicit."""

    use: Use
    lat: float
    lon: float
    place: str | None
    location: Location
    weapon: Weapon | None
    bands: dict[str, Band]
    zone_assumptions: dict[str, tuple[str, ...]]
    facts: dict[str, str]
    assumptions: dict[str, float | str]


def _point(use: Use) -> tuple[float, float, str | None]:
    if use.place is None:
        return float(use.lat), float(use.lon), None
    try:
        place = resolve_place(use.place)
    except PlaceError as error:
        raise InputError(str(error)) from None
    label = f"{place.name} ({place.region or place.country})"
    return place.lat, place.lon, label


def _facts(use: Use, pack: Pack, assumptions: dict[str, float | str]) -> dict[str, str]:
    for name in use.facts:
        if name not in pack.facts:
            hints = suggest(name, pack.facts)
            hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
            known = ", ".join(pack.facts) or "none"
            raise InputError(f"pack {pack.name!r} knows no fact {name!r}{hint} (facts: {known})")
    facts = {}
    for name, fact in pack.facts.items():
        if name in use.facts:
            facts[name] = use.facts[name]
        else:
            facts[name] = str(pack.param(fact.default))
            assumptions[fact.default] = pack.param(fact.default)
    return facts


def enrich(use: Use, pack: Pack) -> Situation:
    """Derive the situation of ``use`` for ``pack``; raises ``InputError`` for an unresolvable place."""
    lat, lon, place = _point(use)
    lats, lons = np.array([lat]), np.array([lon])
    located = locate_many(lats, lons)
    location = Location(
        country=str(located.country[0]),
        region=located.region[0],
        region_name=located.region_name[0],
        border_distance_km=float(located.border_distance_km[0]),
    )
    assumptions: dict[str, float | str] = {}
    bands: dict[str, Band] = {}
    zone_assumptions: dict[str, tuple[str, ...]] = {}
    for name, result in zone_bands(pack, located, lats, lons).items():
        bands[name] = Band(result.bands[0])
        zone_assumptions[name] = result.assumptions
        if result.eligible[0]:
            assumptions.update({param: pack.param(param) for param in result.assumptions})
    weapon = None if use.weapon == UNKNOWN else load_catalog()[use.weapon]
    return Situation(
        use=use,
        lat=lat,
        lon=lon,
        place=place,
        location=location,
        weapon=weapon,
        bands=bands,
        zone_assumptions=zone_assumptions,
        facts=_facts(use, pack, assumptions),
        assumptions=assumptions,
    )

