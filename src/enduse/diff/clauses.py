"""Clauses and named assumptions: what the text of a policy change added, removed and altered."""

from __future__ import annotations

from typing import Any

from enduse.diff.sides import Side
from enduse.reads import assumptions_read


def _clause(side: Side, clause_id: str) -> dict[str, Any]:
    clause = side.version.clauses[clause_id]
    sources = [
        {"id": s, "outlet": side.pack.sources[s].outlet, "date": side.pack.sources[s].date.isoformat(),
         "quote": side.pack.sources[s].quote}
        for s in clause.sources
    ]
    return {"id": clause_id, "effect": clause.effect, "text": clause.text, "sources": sources}


def clause_changes(a: Side, b: Side) -> dict[str, list]:
    """Clauses by ``@id``: added in ``b``, removed from ``a``, and changed (same id, other Cedar text or effect).

    Texts are compared in Cedar's own normalised form, so layout and comments do not count as changes.
    """
    ids_a, ids_b = a.version.clauses, b.version.clauses
    changed = [
        {"id": i, "a": _clause(a, i), "b": _clause(b, i)}
        for i in ids_a
        if i in ids_b and (ids_a[i].text, ids_a[i].effect) != (ids_b[i].text, ids_b[i].effect)
    ]
    return {
        "added": [_clause(b, i) for i in ids_b if i not in ids_a],
        "removed": [_clause(a, i) for i in ids_a if i not in ids_b],
        "changed": changed,
        "unchanged": [i for i in ids_a if i in ids_b and i not in {c["id"] for c in changed}],
    }


def assumptions_in_force(side: Side) -> dict[str, Any]:
    """The named assumptions a side's verdicts can depend on, with their values."""
    return {name: side.pack.param(name) for name in assumptions_read(side.pack, side.version)}


def assumption_changes(a: Side, b: Side) -> list[dict[str, Any]]:
    """Assumptions whose value differs between the sides, or that only one side uses (the other is ``None``)."""
    in_a, in_b = assumptions_in_force(a), assumptions_in_force(b)
    out = []
    for name in dict.fromkeys([*in_a, *in_b]):
        if in_a.get(name) != in_b.get(name):
            param = (b if name in in_b else a).pack.parameters[name]
            out.append({"name": name, "title": param.title, "unit": param.unit, "a": in_a.get(name), "b": in_b.get(name)})
    return out
