"""Evaluation of one situation in plain Python: ``enduse.evaluate``'s decision of a single row, without frames.

A check whose situation is not yet in the judge's memo used to be decided as a one-row table, some fifty small
polars steps (~15 ms) around a millisecond of Cedar. Here the same steps are written for one situation: the values
each unknown can take (``_dimensions``), every completion's Cedar request (``_requests``), the verdict, clauses and
missing facts drawn from their outcomes (``_aggregate``) and what depends on the decision alone (``_described``).
Requests go to cedarpy (``CedarEngine``), which the columnar engine also uses for so few. A situation with more
completions than ``enduse.engines.SMALL_FRAME`` is left to the table path (``decide_one`` returns ``None``).

Callers may rely on ``decide_one`` giving exactly the row ``enduse.evaluate.remember`` keeps for the same normalised
situation: tests/test_evaluate_one.py compares them on random situations of every version of every pack.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import product
from math import prod
from typing import TYPE_CHECKING, Any

from enduse.decisions import Verdict, decision_confidence
from enduse.engines import NAMESPACE, SMALL_FRAME, CedarEngine
from enduse.enrich import BAND
from enduse.evaluate import KNOWN_PURPOSES, KNOWN_TARGETS, pack_weapons, scope_values
from enduse.uses import FACT
from enduse.vocab import UNKNOWN
from enduse.zones import Band

if TYPE_CHECKING:
    from enduse.plan import Plan

_DECISION = ("verdict", "clauses", "missing", "errors", "confidence", "zones", "vague_zones")


def dimensions(plan: Plan, situation: Mapping[str, str | None]) -> dict[str, list]:
    """Each possibly unknown fact of a normalised situation and the values it can take, in ``_dimensions`` order."""
    pack, version = plan.pack, situation["__version"]
    maps = plan.classes.get(version)

    def either(column: str, domain: list[str]) -> list[str | None]:
        value = situation[column]
        if value != UNKNOWN:
            return [value]
        return list(domain) if maps is None else list(dict.fromkeys(maps[column][v] for v in domain))

    weapons = pack_weapons(pack)
    dims: dict[str, list] = {
        "weapon": either("__weapon", weapons),
        "target": either("__target", KNOWN_TARGETS),
        "purpose": either("__purpose", KNOWN_PURPOSES),
    }
    bands = {Band.INSIDE.value: [True], Band.VAGUE.value: [True, False]}
    for zone in pack.zones:
        dims[f"zone:{zone}"] = bands.get(situation[BAND + zone], [False])
    for fact in pack.facts:
        dims[fact] = {"yes": [True], "no": [False]}.get(situation[FACT + fact], [True, False])
    for scope, values in scope_values(pack).items():
        tested = any(v.id == version and scope in v.scopes for v in pack.versions)
        dims[scope] = values if tested else [False]
    return dims


def _request(plan: Plan, situation: Mapping[str, str | None], completion: dict[str, Any]) -> dict[str, Any]:
    pack = plan.pack
    return {
        "principal": f'{NAMESPACE}::Weapon::"{completion["weapon"]}"',
        "action": f'{NAMESPACE}::Action::"{completion["purpose"]}"',
        "resource": f'{NAMESPACE}::Target::"{completion["target"]}"',
        "context": {
            "country": situation["__country"],
            "region": (situation["__region"] or "") if "__region" in plan.keys else "",
            "zones": [z for z in pack.zones if completion[f"zone:{z}"]],
            "scopes": [s for s in pack.scopes if completion[s]],
            **{f: completion[f] if f in pack.facts else False for f in pack.context_facts or pack.facts},
        },
    }


def _missing(names: list[str], completions: list[dict[str, Any]], verdicts: list[str], unknown: list[str]) -> list[str]:
    """The unknowns whose value alone changes the verdict for some values of the others."""
    out = []
    for name in unknown:
        seen: dict[tuple, str] = {}
        for completion, verdict in zip(completions, verdicts, strict=True):
            others = tuple(completion[n] for n in names if n != name)
            if seen.setdefault(others, verdict) != verdict:
                out.append(name)
                break
    return out


def _decided(plan: Plan, situation: Mapping[str, str | None]) -> dict[str, Any] | None:
    """Verdict, clauses, missing and errors (``_decide_distinct`` for one situation)."""
    if situation["__version"] is None:
        return {"verdict": Verdict.NOT_GOVERNED.value, "clauses": [], "missing": [], "errors": []}
    dims = dimensions(plan, situation)
    if prod(len(values) for values in dims.values()) > SMALL_FRAME:
        return None
    names = list(dims)
    completions = [dict(zip(names, values, strict=True)) for values in product(*dims.values())]
    pack = plan.pack
    outcomes = CedarEngine().decide_requests(pack, pack.version(situation["__version"]),
                                             [_request(plan, situation, c) for c in completions])
    verdicts = [Verdict.ALLOWED.value if d == "Allow" else Verdict.FORBIDDEN.value for d, _, _ in outcomes]
    unknown = [name for name, values in dims.items() if len(values) > 1]
    decided = len(set(verdicts)) == 1
    reasons = [reason for _, reason, _ in outcomes]
    if len(outcomes) == 1:
        clauses = sorted(reasons[0])
    elif decided and (common := set(reasons[0]).intersection(*reasons[1:])):
        clauses = sorted(common)
    elif decided and any(v == Verdict.FORBIDDEN.value and not r for v, r in zip(verdicts, reasons, strict=True)):
        clauses = []  # no clause permits this use
    else:
        clauses = sorted(set().union(*reasons))
    if decided:
        missing = []
    else:
        missing = unknown if len(unknown) == 1 else _missing(names, completions, verdicts, unknown)
    return {
        "verdict": verdicts[0] if decided else Verdict.INDETERMINATE.value,
        "clauses": clauses,
        "missing": missing,
        "errors": sorted({e for _, _, errors in outcomes for e in errors}),
    }


def decide_one(plan: Plan, situation: Mapping[str, str | None]) -> dict[str, Any] | None:
    """The memo's row for one normalised situation (its key columns ``plan.keys``, then verdict, clauses, missing,
    errors, confidence, zones and vague_zones), or ``None`` when it has more completions than a small frame."""
    decided = _decided(plan, situation)
    if decided is None:
        return None
    pack, version = plan.pack, situation["__version"]
    zones = () if version is None else pack.version(version).zones
    in_force = [z for z in pack.zones if z in zones]
    return {
        **{key: situation[key] for key in plan.keys},
        **decided,
        "confidence": decision_confidence(pack, version, decided["clauses"]),
        "zones": [z for z in in_force if situation[BAND + z] == Band.INSIDE.value],
        "vague_zones": [z for z in in_force if situation[BAND + z] == Band.VAGUE.value],
    }
