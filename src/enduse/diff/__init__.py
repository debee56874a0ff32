"""Comparing two policy versions: what a change added, removed and made allowed.

A *side* is a pack, one of its versions and, for what-if questions, changed
named assumptions (like an OpenFisca reform). ``compare`` puts two sides side by
side: clauses and assumptions (``enduse.diff.clauses``), the land of their zones
(``enduse.diff.areas``) and every use of the pack's finite space
(``enduse.diff.space``); ``enduse.diff.data`` adds the uses of a table whose
verdict changes. Everything returned is JSON-ready, so the CLI, the HTTP API
and the report show the same thing.
"""

from __future__ import annotations

from typing import Any

from enduse.diff.areas import zone_changes
from enduse.diff.clauses import assumption_changes, clause_changes
from enduse.diff.sides import Side, describe, parse_side
from enduse.diff.space import space_changes

__all__ = ["Side", "compare", "parse_side"]


def compare(a: Side, b: Side) -> dict[str, Any]:
    """Clauses, assumptions, zone areas and the exhaustive space comparison of ``a`` and ``b``."""
    return {
        "a": describe(a),
        "b": describe(b),
        "clauses": clause_changes(a, b),
        "assumptions": assumption_changes(a, b),
        "zones": zone_changes(a, b),
        "space": space_changes(a, b),
    }
