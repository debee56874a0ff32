"""What enduse answers: a *decision* with its verdict, deciding clauses and provenance.

``Decision.to_json`` is the stable JSON contract shared by ``enduse check
--format json`` and, later, the HTTP API; keys are only ever added, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from enduse.packs.model import Pack, Source
from enduse.reads import assumptions_read, version_reads

CONFIDENCE_ORDER = ("low", "medium", "high")


def lowest(confidences) -> str | None:
    """The lowest of some confidence levels ("low" < "medium" < "high"); None for none."""
    present = [c for c in confidences if c]
    return min(present, key=CONFIDENCE_ORDER.index) if present else None


def clause_confidence(pack: Pack, version_id: str, clause_id: str) -> str | None:
    """A clause is as sure as the least sure of its sources."""
    return lowest(pack.sources[s].confidence for s in pack.version(version_id).clauses[clause_id].sources)


def decision_confidence(pack: Pack, version_id: str | None, clause_ids) -> str | None:
    """How sure a verdict's grounds are: the lowest confidence of its version and deciding clauses."""
    if version_id is None:
        return None
    return lowest([pack.version(version_id).confidence, *(clause_confidence(pack, version_id, c) for c in clause_ids)])


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
    confidence: str | None = None

    def to_json(self) -> dict[str, Any]:
        def one(source_id: str, source: Source) -> dict[str, Any]:
            return {
                "id": source_id,
                "outlet": source.outlet,
                "date": source.date.isoformat(),
                "date_precision": source.date_precision,
                "quote": source.quote,
                "url": source.url,
                "kind": source.kind,
                "confidence": source.confidence,
            }

        every = [one(*pair) for pair in self.sources]
        return {"id": self.id, "effect": self.effect, "confidence": self.confidence,
                "source": every[0] if every else None, "sources": every}


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
    confidence: str | None = None  # lowest of the version's and the deciding clauses' confidence
    version_date_confidence: str | None = None  # how sure the sources are of the version's start date

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "pack": self.pack,
            "version": self.version,
            "version_confidence": self.version_confidence,
            "confidence": self.confidence,
            "version_date_confidence": self.version_date_confidence,
            "clauses": [clause.to_json() for clause in self.clauses],
            "missing": list(self.missing),
            "facts": self.facts.to_json(),
            "use_facts": dict(self.use_facts),
            "assumptions": dict(self.assumptions),
            "explanation": self.explanation,
        }


def _explain(verdict: Verdict, clauses: tuple[ClauseRef, ...], missing: list[str], pack: Pack, row: dict[str, Any]) -> str:
    if verdict is Verdict.NOT_GOVERNED:
        if row["__version"] is None:
            return f"no version of {pack.name} is in force before {pack.versions[0].effective_from}"
        if row["__supplier"] is None:
            return f"no possible weapon is supplied by {pack.supplier}"
        return f"{row['__weapon']} is supplied by {row['__supplier']}; {pack.name} governs {pack.supplier}-supplied weapons"
    if verdict is Verdict.INDETERMINATE:
        parts = []
        for name in missing:
            if name.startswith("zone:"):
                zone = pack.zones[name[len("zone:") :]]
                params = ", ".join(p for p in (zone.inside_km, zone.outside_km, zone.scope) if p)
                parts.append(f"whether the point is in zone {name[len('zone:'):]} (vague band; assumptions {params})")
            elif name in pack.facts:
                parts.append(f"the fact {name}, which the use does not state ({pack.facts[name].description})")
            elif name in pack.parameters:
                parts.append(f"the named assumption {name} ({pack.parameters[name].title}), which the sources leave "
                             f"vague; settle it with --param {name}=in|out")
            else:
                parts.append(f"the {name}")
        return "the verdict depends on " + "; ".join(parts)
    forbids = [c.id for c in clauses if c.effect == "forbid"]
    if verdict is Verdict.ALLOWED:
        return f"permitted by {', '.join(c.id for c in clauses)}; no clause forbids it"
    if forbids:
        return f"forbidden by {', '.join(forbids)} (a forbid clause overrides any permit)"
    return "no clause permits this use"


def decision_from_row(pack: Pack, row: dict[str, Any]) -> Decision:
    """The ``Decision`` for one decided row of ``enduse.evaluate.decide_frame``."""
    version = pack.version(row["__version"]) if row["__version"] else None
    read = assumptions_read(pack, version) if version else ()
    reads = version_reads(version) if version else None
    facts_read = [name for name in pack.facts if version and (reads is None or name in reads.context)]
    verdict = Verdict(row["__verdict"])
    refs = []
    for clause_id in row["__clauses"]:
        clause = version.clauses[clause_id]
        refs.append(ClauseRef(clause_id, clause.effect, tuple((s, pack.sources[s]) for s in clause.sources),
                              clause_confidence(pack, version.id, clause_id)))
    clauses = tuple(refs)
    bands = {zone: row[f"__band:{zone}"] for zone in (version.zones if version else ())}
    facts = DerivedFacts(
        country=row["__country"],
        region=row["__region"],
        region_name=row["__region_name"],
        border_distance_km=row["__border_km"],
        zones=tuple(z for z, b in bands.items() if b == "inside"),
        vague_zones=tuple(z for z, b in bands.items() if b == "vague"),
        weapon_supplier=row["__supplier"],
        weapon_class=row["__class"],
        lat=row["__lat"],
        lon=row["__lon"],
        place=row["__place_label"],
    )
    return Decision(
        verdict=verdict,
        pack=pack.name,
        version=version.id if version else None,
        version_confidence=version.confidence if version else None,
        clauses=clauses,
        missing=tuple(row["__missing"]),
        facts=facts,
        assumptions={name: pack.param(name) for name in [*row["__assumptions"], *(version.scopes if version else ())] if name in read},
        explanation=_explain(verdict, clauses, row["__missing"], pack, row),
        use_facts={name: row[f"__fact:{name}"] for name in pack.facts if name in facts_read},
        confidence=decision_confidence(pack, row["__version"], row["__clauses"]),
        version_date_confidence=version.date_confidence if version else None,
    )
