"""Suppliers side by side: one use judged under every bundled pack ("whose weapons could be used there that day?").

For each pack, the use is judged once per weapon its supplier delivered (as the
catalogue lists them; ``unknown`` for a supplier whose deliveries are not
public), and weapons the pack judges alike are merged into one row: a pack that
treats Storm Shadow apart from its other weapons gives two rows. Everything
goes through the one judge, so a row says exactly what ``enduse check
--supplier`` says for each of its weapons.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from enduse.catalog import load_catalog
from enduse.decisions import Decision
from enduse.errors import EnduseError
from enduse.judge import Judge
from enduse.packs.registry import PackSet
from enduse.vocab import UNKNOWN


def _weapons(supplier: str, weapon: str | None) -> list[str]:
    delivered = [w.name for w in load_catalog() if supplier in w.suppliers]
    if weapon is not None and weapon != UNKNOWN:
        return [weapon] if load_catalog().canonical(weapon) in delivered else []
    return delivered or [UNKNOWN]


def _row(supplier: str, weapons: list[str], decision: Decision) -> dict[str, Any]:
    first = decision.clauses[0].sources[0][1] if decision.clauses and decision.clauses[0].sources else None
    classes = sorted({load_catalog()[w].weapon_class for w in weapons if w != UNKNOWN})
    return {
        "supplier": supplier, "pack": decision.pack, "version": decision.version, "weapons": weapons, "classes": classes,
        "verdict": decision.verdict.value, "clauses": [c.id for c in decision.clauses], "missing": list(decision.missing),
        "confidence": decision.confidence, "explanation": decision.explanation,
        "source": None if first is None else {"outlet": first.outlet, "date": first.date.isoformat(), "quote": first.quote,
                                              "url": first.url},
    }


def compare_suppliers(use: Mapping[str, Any], packs: PackSet, *, version: str | None = None) -> list[dict[str, Any]]:
    """One row per bundled supplier (and per group of its weapons it judges differently) for ``use``.

    ``use`` is a use without a supplier; its ``weapon``, if given, keeps only the suppliers that delivered it.
    Raises the use's ``EnduseError`` if it is invalid.
    """
    judge = Judge(packs, engine="cedar")
    asked = [(pack.supplier, weapon) for pack in packs.packs for weapon in _weapons(pack.supplier, use.get("weapon"))]
    results = judge.uses([{**use, "weapon": weapon, "supplier": supplier} for supplier, weapon in asked], version=version)
    groups: dict[tuple, tuple[list[str], Decision]] = {}
    for (supplier, weapon), result in zip(asked, results, strict=True):
        if isinstance(result, EnduseError):
            raise result
        key = (supplier, result.verdict, result.version, tuple(c.id for c in result.clauses), result.missing)
        groups.setdefault(key, ([], result))[0].append(weapon)
    return [_row(key[0], weapons, decision) for key, (weapons, decision) in groups.items()]
