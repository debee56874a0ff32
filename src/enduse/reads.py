"""What a pack version's policies read: the facts, zones and assumptions its verdicts can depend on.

A version that never reads a fact cannot be decided by it, and an assumption
that shapes only zones a version does not use cannot change its verdicts. The
evaluator uses this to decide fewer situations, and decisions to name only the
assumptions that mattered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import cedarpy

from enduse.columnar import Reads, Unsupported, compile_policies
from enduse.packs.model import Pack, Version
from enduse.zones import zone_assumptions


@lru_cache(maxsize=64)
def _reads_of(policy_text: str) -> Reads | None:
    try:
        return compile_policies(policy_text).reads
    except Unsupported:
        return None


def version_reads(version: Version) -> Reads | None:
    """The entities and context attributes ``version``'s policies read; ``None`` when unknown (assume all)."""
    return _reads_of(version.policy_text)


def _walk(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def named_entities(version: Version) -> frozenset[tuple[str, str]] | None:
    """The entities ``version``'s policies name, as (type, id); other entities of a type with the same
    attributes are interchangeable for it. ``None`` when the policies compare two variables with each
    other, which can tell any two entities apart."""
    return _named_in(version.policy_text)


@lru_cache(maxsize=64)
def _named_in(policy_text: str) -> frozenset[tuple[str, str]] | None:
    named = set()
    for node in _walk(json.loads(cedarpy.policies_to_json_str(policy_text))["staticPolicies"]):
        if isinstance(node.get("type"), str) and isinstance(node.get("id"), str):
            named.add((node["type"], node["id"]))
        operands = [v for v in node.values() if isinstance(v, dict) and {"left", "right"} <= v.keys()]
        if any("Var" in o["left"] and "Var" in o["right"] for o in operands):
            return None
    return frozenset(named)


def compared_values(version: Version, attribute: str) -> frozenset[str] | None:
    """The strings ``version``'s policies compare ``context.<attribute>`` with, when that is all they do with it:
    ``==`` or ``!=`` a string literal, or membership in a set of string literals. Any two values outside that set
    then get the same verdict. ``None`` when the policies use the attribute otherwise (``like``, compared with
    another expression, inside a set) or use the context record whole."""
    return _compared_in(version.policy_text, attribute)


def _is_string(node: Any) -> bool:
    return isinstance(node, dict) and len(node) == 1 and isinstance(node.get("Value"), str)


@lru_cache(maxsize=256)
def _compared_in(policy_text: str, attribute: str) -> frozenset[str] | None:
    context = {"Var": "context"}
    access = {".": {"left": context, "attr": attribute}}
    literals: set[str] = set()
    accesses = contexts = compared = attributes = 0
    for node in _walk(json.loads(cedarpy.policies_to_json_str(policy_text))["staticPolicies"]):
        accesses += node == access
        contexts += node == context
        for operator in (".", "has"):
            attributes += isinstance(node.get(operator), dict) and node[operator].get("left") == context
        for operator in ("==", "!="):
            sides = node.get(operator)
            if isinstance(sides, dict) and access in (sides.get("left"), sides.get("right")):
                other = sides["right"] if sides.get("left") == access else sides.get("left")
                if _is_string(other):
                    compared += 1
                    literals.add(other["Value"])
        member = node.get("contains")
        if isinstance(member, dict) and member.get("right") == access and isinstance(member.get("left"), dict):
            items = member["left"].get("Set")
            if isinstance(items, list) and all(_is_string(item) for item in items):
                compared += 1
                literals.update(item["Value"] for item in items)
    if accesses != compared or contexts != attributes:
        return None
    return frozenset(literals)


def assumptions_read(pack: Pack, version: Version) -> tuple[str, ...]:
    """Named assumptions ``version``'s verdicts can depend on: those shaping its zones, the defaults of
    the facts it reads, and the scope assumptions it tests."""
    reads = version_reads(version)
    zones = [name for zone in version.zones for name in zone_assumptions(pack.zones[zone])]
    facts = [fact.default for name, fact in pack.facts.items() if reads is None or name in reads.context]
    return tuple(dict.fromkeys([*zones, *facts, *version.scopes]))
