"""The two sides of a comparison: a pack, a version of it and, for what-if questions, changed assumptions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from enduse.evaluate import resolve_version
from enduse.packs.params import with_checked_params
from enduse.packs.registry import FOUNDING_PACK, load_pack
from enduse.errors import InputError
from enduse.packs.model import Pack, Version


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a pack (with its assumptions as changed) and a version of it."""

    pack: Pack
    version: Version
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        changed = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.pack.name}@{self.version.id}" + (f" [{changed}]" if changed else "")


def parse_side(text: str, params: Mapping[str, str] | None = None) -> Side:
    """``PACK@VERSION`` (a version id or a date; ``@VERSION`` alone means the founding pack) as a ``Side``.
    The packs of two sides may differ (``gb-ukraine@2024-12-01`` against ``us-ukraine@2024-12-01``)."""
    name, at, version = text.rpartition("@")
    if not at or not version:
        raise InputError(f"{text!r}: give a side as PACK@VERSION, e.g. us-ukraine@kharkiv or gb-ukraine@2024-12-01")
    pack = with_checked_params(load_pack(name or FOUNDING_PACK), params)
    return Side(pack, pack.version(resolve_version(pack, version)), dict(params or {}))


def describe(side: Side) -> dict[str, Any]:
    """What a reader needs to know of a side: which version, in force when, how sure, which assumptions changed."""
    version = side.version
    return {
        "label": side.label,
        "pack": side.pack.name,
        "version": version.id,
        "title": version.title,
        "effective_from": version.effective_from.isoformat(),
        "effective_to": version.effective_to.isoformat() if version.effective_to else None,
        "confidence": version.confidence,
        "params": dict(side.params),
    }
