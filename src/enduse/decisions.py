"""What enduse answers: a *decision* with its verdict, deciding clauses and provenance.

``Decision.to_json`` is the stable JSON contract shared by ``enduse check
--format json`` and, later, the HTTP API; keys are only ever added, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import polars as pl

from enduse.catalog import load_catalog
from enduse.columns import AREA, CLAUSES, CONFIDENCE, FACT, MISSING, SUPPLIER, VAGUE_ZONES, VERDICT, VERSION, WITHIN_KM, ZONES
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


def lowest_confidence(confidence: pl.Expr) -> pl.Expr:
    """The lowest of a column of confidence levels, as an aggregation (null when none)."""
    rank = confidence.replace_strict({c: i for i, c in enumerate(CONFIDENCE_ORDER)}, default=None, return_dtype=pl.Int8)
    return rank.min().replace_strict(dict(enumerate(CONFIDENCE_ORDER)), default=None, return_dtype=pl.String).alias(CONFIDENCE)


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

    country: str | None  # None for a use whose area spans several countries
    region: str | None
    region_name: str | None
    border_distance_km: float | None  # None for a use located by an area (it varies over the area)
    zones: tuple[str, ...]
    vague_zones: tuple[str, ...]
    weapon_supplier: str | None
    weapon_class: str | None
    lat: float | None  # None for a use located by a region alone: no point is made up
    lon: float | None
    place: str | None = None
    within_km: float | None = None  # the use was somewhere within this distance of (lat, lon)
    area: str | None = None  # the region a use located by a region alone was in (ISO 3166-2)

    def to_json(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "region": self.region,
            "region_name": self.region_name,
            "border_distance_km": None if self.border_distance_km is None else round(self.border_distance_km, 2),
            "zones": list(self.zones),
            "vague_zones": list(self.vague_zones),
            "weapon_supplier": self.weapon_supplier,
            "weapon_class": self.weapon_class,
            "lat": self.lat,
            "lon": self.lon,
            "place": self.place,
            "within_km": self.within_km,
            "area": self.area,
        }


@dataclass(frozen=True)
class Decision:
    """The answer for one use: under one pack version, or combined from several candidate suppliers' packs."""

    verdict: Verdict
    pack: str | None  # None: no pack governs the supplier, or several candidates (see ``candidates``)
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
    supplier: str | None = None  # the supplier whose pack judged; None for several candidates
    candidates: tuple[Decision, ...] = ()  # each candidate supplier's decision, when the use does not settle which

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "pack": self.pack,
            "supplier": self.supplier,
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
            "candidates": [
                {"supplier": c.supplier, "pack": c.pack, "version": c.version, "verdict": c.verdict.value,
                 "clauses": [clause.to_json() for clause in c.clauses], "missing": list(c.missing),
                 "confidence": c.confidence, "explanation": c.explanation}
                for c in self.candidates
            ],
        }


#: How ``missing`` names that are not a fact, zone or assumption of the pack are explained.
_DIMENSIONS = {
    "location": "where in the stated area the use was: the area covers places the policy treats differently "
                "(a more precise location would settle it)",
}


def _explain(verdict: Verdict, clauses: tuple[ClauseRef, ...], missing: list[str], pack: Pack, row: dict[str, Any]) -> str:
    if verdict is Verdict.NOT_GOVERNED:
        return f"no version of {pack.name} is in force before {pack.versions[0].effective_from}"
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
                parts.append(_DIMENSIONS.get(name, f"the {name}"))
        return "the verdict depends on " + "; ".join(parts)
    forbids = [c.id for c in clauses if c.effect == "forbid"]
    if verdict is Verdict.ALLOWED:
        return f"permitted by {', '.join(c.id for c in clauses)}; no clause forbids it"
    if forbids:
        return f"forbidden by {', '.join(forbids)} (a forbid clause overrides any permit)"
    return "no clause permits this use"


def _derived(row: dict[str, Any]) -> DerivedFacts:
    return DerivedFacts(
        country=row["__country"],
        region=row["__region"],
        region_name=row["__region_name"],
        border_distance_km=row["__border_km"],
        zones=tuple(row[ZONES]),
        vague_zones=tuple(row[VAGUE_ZONES]),
        weapon_supplier=row[SUPPLIER],
        weapon_class=load_catalog()[row["__weapon"]].weapon_class if row["__weapon"] in load_catalog().weapons else None,
        lat=row["__lat"],
        lon=row["__lon"],
        place=row["__place_label"],
        within_km=row[WITHIN_KM],
        area=row[AREA],
    )


def decision_from_row(pack: Pack | None, row: dict[str, Any], *, ungoverned: str | None = None) -> Decision:
    """The ``Decision`` for one judged row (``enduse.judge``): under ``pack``, or, with no pack, NOT_GOVERNED
    for the reason ``ungoverned`` gives."""
    if pack is None:
        return Decision(verdict=Verdict.NOT_GOVERNED, pack=None, version=None, version_confidence=None, clauses=(),
                        missing=(), facts=_derived(row), assumptions={}, explanation=ungoverned or "no pack governs this use",
                        supplier=row[SUPPLIER])
    version = pack.version(row[VERSION]) if row[VERSION] else None
    read = assumptions_read(pack, version) if version else ()
    reads = version_reads(version) if version else None
    facts_read = [name for name in pack.facts if version and (reads is None or name in reads.context)]
    verdict = Verdict(row[VERDICT])
    refs = []
    for clause_id in row[CLAUSES]:
        clause = version.clauses[clause_id]
        refs.append(ClauseRef(clause_id, clause.effect, tuple((s, pack.sources[s]) for s in clause.sources),
                              clause_confidence(pack, version.id, clause_id)))
    clauses = tuple(refs)
    return Decision(
        verdict=verdict,
        pack=pack.name,
        version=version.id if version else None,
        version_confidence=version.confidence if version else None,
        clauses=clauses,
        missing=tuple(row[MISSING]),
        facts=_derived(row),
        assumptions={name: pack.param(name) for name in [*row["__assumptions"], *(version.scopes if version else ())] if name in read},
        explanation=_explain(verdict, clauses, row[MISSING], pack, row),
        use_facts={name: row[FACT + name] for name in pack.facts if name in facts_read},
        confidence=row[CONFIDENCE],
        version_date_confidence=version.date_confidence if version else None,
        supplier=row[SUPPLIER],
    )


def combined_decision(candidates: list[Decision], row: dict[str, Any]) -> Decision:
    """The decision for a use several suppliers' packs may govern (``row`` is its combined row of the judge)."""
    verdict = Verdict(row[VERDICT])
    each = "; ".join(f"{c.supplier}: {c.verdict.value}" for c in candidates)
    if verdict is Verdict.INDETERMINATE and "supplier" in row[MISSING]:
        explanation = f"the verdict depends on the supplier, which the use does not state ({each}); state it with --supplier"
    else:
        explanation = f"every candidate supplier's pack gives {verdict.value} ({each})"
    assumptions = {f"{c.pack}:{name}": value for c in candidates for name, value in c.assumptions.items()}
    return Decision(
        verdict=verdict, pack=None, version=None, version_confidence=None, clauses=(), missing=tuple(row[MISSING]),
        facts=_derived(row), assumptions=assumptions, explanation=explanation, confidence=row[CONFIDENCE],
        candidates=tuple(candidates),
    )
