"""A *use*: one employment of a weapon, hypothetical or reported, as enduse judges it.

``parse_use`` is the only way raw input (CLI flags, a JSON document, later a table
row) becomes a ``Use``; everything downstream may rely on a ``Use`` being valid:
a real date, coordinates in range or a place name, vocabulary words in canonical
form, and fact values from ``yes / no / unknown``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from enduse.catalog import load_catalog
from enduse.errors import InputError
from enduse.vocab import FACT_VALUES, PURPOSES, TARGETS, UNKNOWN, choose

FIELDS = ("id", "date", "lat", "lon", "place", "weapon", "target", "purpose", "facts")


@dataclass(frozen=True)
class Use:
    """A validated use. Exactly one of (``lat``, ``lon``) or ``place`` is set."""

    date: dt.date
    weapon: str
    target: str
    purpose: str
    lat: float | None = None
    lon: float | None = None
    place: str | None = None
    facts: Mapping[str, str] = field(default_factory=dict)
    id: str | None = None


def parse_date(value: Any) -> dt.date:
    """An ISO date (``2024-06-01``) or a ``date``; raises ``InputError`` otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"invalid date {value!r}: expected YYYY-MM-DD") from None


def _coordinate(name: str, value: Any, bound: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"invalid {name} {value!r}: expected a number") from None
    if not math.isfinite(number) or abs(number) > bound:
        raise InputError(f"invalid {name} {value!r}: must be between -{bound:g} and {bound:g}")
    return number


def parse_facts(raw: Mapping[str, Any] | None) -> dict[str, str]:
    """Fact values normalised to ``yes / no / unknown`` (booleans accepted)."""
    facts: dict[str, str] = {}
    for key, value in (raw or {}).items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        facts[str(key).strip()] = choose(f"value for fact {key!r}", str(value), FACT_VALUES)
    return facts


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_use(raw: Mapping[str, Any]) -> Use:
    """Validate a mapping with the keys of ``FIELDS`` into a ``Use``.

    ``target`` and ``purpose`` default to ``unknown``; ``weapon`` and ``date`` are
    required. Unknown keys are rejected so that a typo never silently drops a fact.
    """
    extra = sorted(set(raw) - set(FIELDS))
    if extra:
        raise InputError(f"unknown field(s) {', '.join(extra)}; expected: {', '.join(FIELDS)}")
    if _blank(raw.get("date")):
        raise InputError("missing date (YYYY-MM-DD)")
    if _blank(raw.get("weapon")):
        raise InputError("missing weapon (a system name such as HIMARS, or 'unknown')")
    has_point = not _blank(raw.get("lat")) or not _blank(raw.get("lon"))
    place = None if _blank(raw.get("place")) else str(raw["place"]).strip()
    if has_point and place:
        raise InputError("give either lat/lon or a place, not both")
    if not has_point and not place:
        raise InputError("missing location: give lat and lon, or a place name")
    lat = lon = None
    if has_point:
        if _blank(raw.get("lat")) or _blank(raw.get("lon")):
            raise InputError("give both lat and lon")
        lat = _coordinate("latitude", raw["lat"], 90)
        lon = _coordinate("longitude", raw["lon"], 180)
    return Use(
        id=None if _blank(raw.get("id")) else str(raw["id"]),
        date=parse_date(raw["date"]),
        lat=lat,
        lon=lon,
        place=place,
        weapon=load_catalog().canonical(str(raw["weapon"])),
        target=choose("target", str(raw.get("target") or UNKNOWN), TARGETS),
        purpose=choose("purpose", str(raw.get("purpose") or UNKNOWN), PURPOSES),
        facts=parse_facts(raw.get("facts")),
    )
