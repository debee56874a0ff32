"""Evaluation: a situation judged by one pack version, with Cedar as the engine.

Cedar decides every request; this module only frames the requests and reads
the answers. Facts the use leaves unknown (target, purpose, weapon, a stated
fact, or a zone whose band is vague) are explored exhaustively over their
finite vocabularies: every completion is a full Cedar request. If all
completions agree, that is the verdict; otherwise the verdict is INDETERMINATE
and ``missing`` lists exactly the unknowns whose value can change it. This is
sound and complete for finite domains, and never trusts a partial answer.

Contract with packs: the schema has namespace ``Enduse`` with entity types
``Weapon`` (supplier, class, long_range) and ``Target``, one action per purpose,
and a context with ``country``, ``region``, ``zones`` and one Bool per declared fact.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import cedarpy

from enduse.catalog import Weapon, load_catalog
from enduse.decisions import ClauseRef, Decision, DerivedFacts, Verdict
from enduse.enrich import Situation
from enduse.errors import EvaluationError
from enduse.packs.model import Pack, Version
from enduse.vocab import PURPOSES, TARGETS, UNKNOWN
from enduse.zones import Band

NAMESPACE = "Enduse"
KNOWN_TARGETS = tuple(t for t in TARGETS if t != UNKNOWN)
KNOWN_PURPOSES = tuple(p for p in PURPOSES if p != UNKNOWN)
ZONE_PREFIX = "zone:"


@dataclass(frozen=True)
class Completion:
    """One fully known variant of a situation."""

    weapon: Weapon
    target: str
    purpose: str
    zones: frozenset[str]
    facts: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    reasons: tuple[str, ...]


@cache
def entities() -> cedarpy.Entities:
    """Weapons of the catalogue and target categories as Cedar entities (parsed once)."""
    items: list[dict[str, Any]] = [
        {
            "uid": {"type": f"{NAMESPACE}::Weapon", "id": weapon.name},
            "attrs": {"supplier": weapon.supplier, "class": weapon.weapon_class, "long_range": weapon.long_range},
            "parents": [],
        }
        for weapon in load_catalog()
    ]
    items += [{"uid": {"type": f"{NAMESPACE}::Target", "id": t}, "attrs": {}, "parents": []} for t in KNOWN_TARGETS]
    return cedarpy.Entities.from_json_str(json.dumps(items))


def cedar_request(completion: Completion, country: str, region: str | None) -> dict[str, Any]:
    """The Cedar request for one completion (the shape every engine of enduse must accept)."""
    context: dict[str, Any] = {"country": country, "region": region or "", "zones": sorted(completion.zones)}
    context.update(dict(completion.facts))
    return {
        "principal": {"type": f"{NAMESPACE}::Weapon", "id": completion.weapon.name},
        "action": {"type": f"{NAMESPACE}::Action", "id": completion.purpose},
        "resource": {"type": f"{NAMESPACE}::Target", "id": completion.target},
        "context": context,
    }


def _dimensions(situation: Situation) -> list[tuple[str, Sequence[Any]]]:
    """Each unknown of the situation with the values it may take."""
    use = situation.use
    dims: list[tuple[str, Sequence[Any]]] = []
    if situation.weapon is None:
        dims.append(("weapon", tuple(load_catalog())))
    if use.target == UNKNOWN:
        dims.append(("target", KNOWN_TARGETS))
    if use.purpose == UNKNOWN:
        dims.append(("purpose", KNOWN_PURPOSES))
    dims += [(ZONE_PREFIX + z, (True, False)) for z, band in situation.bands.items() if band is Band.VAGUE]
    dims += [(name, (True, False)) for name, value in situation.facts.items() if value == UNKNOWN]
    return dims


def _completion(situation: Situation, names: Sequence[str], values: Sequence[Any]) -> Completion:
    chosen = dict(zip(names, values))
    zones = {z for z, band in situation.bands.items() if band is Band.INSIDE}
    zones |= {n[len(ZONE_PREFIX) :] for n, v in chosen.items() if n.startswith(ZONE_PREFIX) and v}
    facts = tuple((f, chosen[f] if f in chosen else value == "yes") for f, value in situation.facts.items())
    return Completion(
        weapon=chosen.get("weapon", situation.weapon),
        target=chosen.get("target", situation.use.target),
        purpose=chosen.get("purpose", situation.use.purpose),
        zones=frozenset(zones),
        facts=facts,
    )


_POLICY_IN_ERROR = re.compile(r"policy `([^`]+)`")


def _raise_errors(version: Version, request: dict[str, Any], errors: list[str]) -> None:
    names = {f"policy{i}": clause for i, clause in enumerate(version.clauses)}
    described = []
    for error in errors:
        found = _POLICY_IN_ERROR.search(error)
        clause = names.get(found.group(1), found.group(1)) if found else None
        described.append(f"clause {clause!r}: {error}" if clause else error)
    raise EvaluationError(
        f"Cedar reported an error in version {version.id!r} for request {json.dumps(request)}: " + "; ".join(described)
    )


def _outcomes(pack: Pack, version: Version, situation: Situation, completions: list[Completion]) -> list[Outcome]:
    outcomes: list[Outcome | None] = [None] * len(completions)
    governed = []
    for index, completion in enumerate(completions):
        if completion.weapon.supplier != pack.supplier:
            outcomes[index] = Outcome(Verdict.NOT_GOVERNED, ())
        else:
            governed.append(index)
    requests = [cedar_request(completions[i], situation.location.country, situation.location.region) for i in governed]
    if requests:
        results = cedarpy.is_authorized_batch(requests, version.policy_set, entities(), pack.schema)
        for index, request, result in zip(governed, requests, results):
            if result.diagnostics.errors or result.decision is cedarpy.Decision.NoDecision:
                _raise_errors(version, request, result.diagnostics.errors or ["no decision"])
            ids = result.diagnostics.id_annotations_by_reason
            reasons = tuple(sorted(ids[r] for r in result.diagnostics.reasons))
            verdict = Verdict.ALLOWED if result.allowed else Verdict.FORBIDDEN
            outcomes[index] = Outcome(verdict, reasons)
    return outcomes  # type: ignore[return-value]


def _missing(names: Sequence[str], grid: dict[tuple[int, ...], Outcome]) -> tuple[str, ...]:
    """Unknowns for which changing only that value changes the verdict somewhere."""
    missing = []
    for axis, name in enumerate(names):
        groups: dict[tuple[int, ...], set[Verdict]] = {}
        for key, outcome in grid.items():
            groups.setdefault(key[:axis] + key[axis + 1 :], set()).add(outcome.verdict)
        if any(len(verdicts) > 1 for verdicts in groups.values()):
            missing.append(name)
    return tuple(missing)


def _ordered_union(groups: Iterable[Iterable[str]]) -> list[str]:
    return list(dict.fromkeys(item for group in groups for item in group))


def _clause_refs(pack: Pack, version: Version, ids: Iterable[str]) -> tuple[ClauseRef, ...]:
    refs = []
    for clause_id in ids:
        clause = version.clauses[clause_id]
        refs.append(ClauseRef(clause_id, clause.effect, tuple((s, pack.sources[s]) for s in clause.sources)))
    return tuple(refs)


def _explain(verdict: Verdict, clauses: Sequence[ClauseRef], missing: Sequence[str], situation: Situation) -> str:
    if verdict is Verdict.INDETERMINATE:
        parts = []
        for name in missing:
            if name.startswith(ZONE_PREFIX):
                zone = name[len(ZONE_PREFIX) :]
                params = ", ".join(situation.zone_assumptions.get(zone, ()))
                parts.append(f"whether the point is in zone {zone} (vague band; assumptions {params})")
            else:
                parts.append(f"the {name}")
        return "the verdict depends on " + "; ".join(parts)
    forbids = [c.id for c in clauses if c.effect == "forbid"]
    permits = [c.id for c in clauses if c.effect == "permit"]
    if verdict is Verdict.ALLOWED:
        return f"permitted by {', '.join(permits)}; no clause forbids it"
    if forbids:
        return f"forbidden by {', '.join(forbids)} (a forbid clause overrides any permit)"
    return "no clause permits this use"


def decide(pack: Pack, version: Version | None, situation: Situation) -> Decision:
    """Judge ``situation`` under ``version`` of ``pack`` (``None``: no version in force)."""
    inside = tuple(z for z, b in situation.bands.items() if b is Band.INSIDE)
    vague = tuple(z for z, b in situation.bands.items() if b is Band.VAGUE)
    weapon = situation.weapon
    facts = DerivedFacts(
        country=situation.location.country,
        region=situation.location.region,
        region_name=situation.location.region_name,
        border_distance_km=situation.location.border_distance_km,
        zones=inside,
        vague_zones=vague,
        weapon_supplier=weapon.supplier if weapon else None,
        weapon_class=weapon.weapon_class if weapon else None,
        lat=situation.lat,
        lon=situation.lon,
        place=situation.place,
    )

    def decision(verdict, clauses=(), missing=(), explanation=None) -> Decision:
        return Decision(
            verdict=verdict,
            pack=pack.name,
            version=version.id if version else None,
            version_confidence=version.confidence if version else None,
            clauses=clauses,
            missing=missing,
            facts=facts,
            assumptions=dict(situation.assumptions),
            explanation=explanation or _explain(verdict, clauses, missing, situation),
            use_facts=dict(situation.facts),
        )

    if version is None:
        first = pack.versions[0].effective_from
        return decision(Verdict.NOT_GOVERNED, explanation=f"no version of {pack.name} is in force before {first}")
    if weapon is not None and weapon.supplier != pack.supplier:
        return decision(
            Verdict.NOT_GOVERNED,
            explanation=f"{weapon.name} is supplied by {weapon.supplier}; {pack.name} governs {pack.supplier}-supplied weapons",
        )

    dims = _dimensions(situation)
    names = [name for name, _ in dims]
    keys = list(itertools.product(*(range(len(values)) for _, values in dims)))
    completions = [_completion(situation, names, [dims[a][1][i] for a, i in enumerate(k)]) for k in keys]
    outcomes = _outcomes(pack, version, situation, completions)
    verdicts = {o.verdict for o in outcomes}
    if len(verdicts) > 1:
        missing = _missing(names, dict(zip(keys, outcomes)))
        ids = _ordered_union(o.reasons for o in outcomes)
        return decision(Verdict.INDETERMINATE, _clause_refs(pack, version, ids), missing)
    (verdict,) = verdicts
    if verdict is Verdict.NOT_GOVERNED:
        return decision(verdict, explanation=f"no possible weapon is supplied by {pack.supplier}")
    common = set.intersection(*(set(o.reasons) for o in outcomes))
    ids = [r for r in _ordered_union(o.reasons for o in outcomes) if r in common] or _ordered_union(
        o.reasons for o in outcomes
    )
    return decision(verdict, _clause_refs(pack, version, ids))


def evaluation_problems(pack: Pack) -> list[str]:
    """Pack-load check: every purpose and target makes a well-formed request under each version.

    Catches a schema whose context, actions or entity types do not match what
    enduse sends (for example a fact declared in facts.toml but not in the schema).
    """
    catalog = list(load_catalog())
    weapon = next((w for w in catalog if w.supplier == pack.supplier), catalog[0])
    facts = tuple((name, True) for name in pack.facts)
    probes = [
        Completion(weapon, target, purpose, frozenset(), facts)
        for target, purpose in [(t, KNOWN_PURPOSES[0]) for t in KNOWN_TARGETS] + [(KNOWN_TARGETS[0], p) for p in KNOWN_PURPOSES]
    ]
    requests = [cedar_request(c, "RU", "RU-BEL") for c in probes]
    problems = []
    for version in pack.versions:
        for request, result in zip(requests, cedarpy.is_authorized_batch(requests, version.policy_set, entities(), pack.schema)):
            if result.decision is cedarpy.Decision.NoDecision or result.diagnostics.errors:
                problems.append(
                    f"{pack.path}: version {version.id!r} cannot evaluate a request enduse sends "
                    f"(check the schema's context matches facts.toml): {'; '.join(result.diagnostics.errors)}"
                )
                break
    return problems
