"""What enduse answers: a *decision* with its verdict, deciding clauses and provenance.

``Decision.to_json`` is the stable JSON contract shared by ``enduse check
--format json`` and, later, the HTTP API; keys are only ever added, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from enduse.packs.model import Source


class Verdict(StrEnum):
    ALLOWED = "ALLOWED"
    FORBIDDEN = "FORBIDDEN"
    INDETERMINATE = "INDETERMINATE"
    NOT_GOVERNED = "NOT_GOVERNED"


@dataclass(frozen=True)
class ClauseRef:
    """A clause that decided (or, for INDETERMINATE, could decide) the use, with its sources."""

    id: str
    effect: str
    sources: tuple[tuple[str, Source], ...]

    def to_json(self) -> dict[str, Any]:
        def one(source_id: str, source: Source) -> dict[str, Any]:
            return {
                "id": source_id,
                "outlet": source.outlet,
                "date": source.date.isoformat(),
                "quote": source.quote,
                "kind": source.kind,
                "confidence": source.confidence,
            }

        every = [one(*pair) for pair in self.sources]
        return {"id": self.id, "effect": self.effect, "source": every[0] if every else None, "sources": every}


@dataclass(frozen=True)
class DerivedFacts:
    """Facts enduse derived for the use (geography, zones, weapon catalogue)."""

    country: str
    region: str | None
    region_name: str | None
    border_distance_km: float
    zones: tuple[str, ...]
    vague_zones: tuple[str, ...]
    weapon_supplier: str | None
    weapon_class: str | None
    lat: float
    lon: float
    place: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "region": self.region,
            "region_name": self.region_name,
            "border_distance_km": round(self.border_distance_km, 2),
            "zones": list(self.zones),
            "vague_zones": list(self.vague_zones),
            "weapon_supplier": self.weapon_supplier,
            "weapon_class": self.weapon_class,
            "lat": self.lat,
            "lon": self.lon,
            "place": self.place,
        }


@dataclass(frozen=True)
class Decision:
    """The answer for one use under one pack version."""

    verdict: Verdict
    pack: str
    version: str | None
    version_confidence: str | None
    clauses: tuple[ClauseRef, ...]
    missing: tuple[str, ...]
    facts: DerivedFacts
    assumptions: dict[str, float | str]
    explanation: str
    use_facts: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "pack": self.pack,
            "version": self.version,
            "version_confidence": self.version_confidence,
            "clauses": [clause.to_json() for clause in self.clauses],
            "missing": list(self.missing),
            "facts": self.facts.to_json(),
            "use_facts": dict(self.use_facts),
            "assumptions": dict(self.assumptions),
            "explanation": self.explanation,
        }
