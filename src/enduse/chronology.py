"""How far inside Russia each supplier's policy versions let its weapons be used: the lanes of the coalition chart.

The level of a version is not written by hand: each of the supplier's catalogue weapons is judged, on the version's
first day, at three probe places inside Russia — a town just across the border, a city ~90 km in, an airfield
~600 km in — against a military target, by the same judge as every other use. A version reaches a level when some
weapon of its supplier is ALLOWED at that probe; failing all three, it is ``vague`` when some probe is
INDETERMINATE (the sources leave it open, or a fact the probe does not state decides), else ``none``. So the colour
is a reading of the encoded policy under its default assumptions, never a summary typed in beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from enduse.catalog import load_catalog
from enduse.decisions import Decision, Verdict
from enduse.judge import Judge
from enduse.packs.model import Pack, Version
from enduse.packs.registry import PackSet

#: Levels from least to most allowed inside Russia.
LEVELS = ("none", "vague", "border area", "~90 km in", "deep inside")
#: (level reached when ALLOWED there, place, target, purpose): the probes, nearest first.
PROBES = (
    ("border area", "Shebekino", "military_forces", "counter_fire"),
    ("~90 km in", "Kursk", "military_forces", "interdiction"),
    ("deep inside", "Engels", "airfield", "interdiction"),
)
#: How long the last version of a lane is drawn past its start when nothing later is known.
OPEN_END = dt.timedelta(days=180)


@dataclass(frozen=True)
class Span:
    """One version of a supplier's pack, as a bar of its lane."""

    version: str
    title: str
    start: dt.date
    end: dt.date
    level: str


@dataclass(frozen=True)
class Lane:
    supplier: str
    pack: str
    spans: tuple[Span, ...]


def level_of(decisions: list[Decision]) -> str:
    """The level of one version from its probe decisions (``len(PROBES)`` per weapon, in ``PROBES`` order)."""
    reached = [LEVELS.index(PROBES[i % len(PROBES)][0]) for i, d in enumerate(decisions) if d.verdict is Verdict.ALLOWED]
    if reached:
        return LEVELS[max(reached)]
    return "vague" if any(d.verdict is Verdict.INDETERMINATE for d in decisions) else "none"


#: What each level means, in words, for legends.
LEVEL_WORDS = {
    "none": "in Ukraine only (Crimea and the occupied areas included); not inside Russia",
    "vague": "in Ukraine; inside Russia the sources leave it open",
    "border area": "in Ukraine, and inside Russia near the border",
    "~90 km in": "in Ukraine, and inside Russia up to ~90 km from the border",
    "deep inside": "in Ukraine, and deep inside Russia",
}


def _levels(packs: PackSet, asked: list[tuple[Pack, Version, dt.date]]) -> list[str]:
    """The level of each (pack, version, day): the probes judged on that day, one judge call for all."""
    judge = Judge(packs, engine="columnar")
    catalog = list(load_catalog())
    uses, owners = [], []
    for index, (pack, _version, day) in enumerate(asked):
        for weapon in [w.name for w in catalog if pack.supplier in w.suppliers] or ["unknown"]:
            for _level, place, target, purpose in PROBES:
                uses.append({"date": day.isoformat(), "place": place, "weapon": weapon, "supplier": pack.supplier,
                             "target": target, "purpose": purpose})
                owners.append(index)
    decided: list[list[Decision]] = [[] for _ in asked]
    for owner, result in zip(owners, judge.uses(uses, version=None), strict=True):
        if isinstance(result, Exception):
            raise result
        decided[owner].append(result)
    return [level_of(d) for d in decided]


def levels_on(packs: PackSet, day: dt.date) -> dict[str, str]:
    """Pack name -> level of its version in force on ``day`` (packs with none in force are left out)."""
    asked = [(p, v, day) for p in packs.packs if (v := p.version_on(day)) is not None]
    return {pack.name: level for (pack, _v, _d), level in zip(asked, _levels(packs, asked), strict=True)}


def coalition_lanes(packs: PackSet, until: dt.date | None = None) -> list[Lane]:
    """One lane per pack of ``packs`` (by supplier), one span per version, each with its level."""
    asked = [(p, v, v.effective_from) for p in packs.packs for v in p.versions]
    level = {(p.name, v.id): lv for (p, v, _d), lv in zip(asked, _levels(packs, asked), strict=True)}
    last = max(v.effective_from for p in packs.packs for v in p.versions) + OPEN_END
    end = max(until, last) if until else last
    lanes = []
    for pack in sorted(packs.packs, key=lambda p: p.supplier):
        starts = [v.effective_from for v in pack.versions]
        spans = tuple(
            Span(v.id, v.title, v.effective_from, (starts[i + 1] if i + 1 < len(starts) else end), level[(pack.name, v.id)])
            for i, v in enumerate(pack.versions)
        )
        lanes.append(Lane(pack.supplier, pack.name, spans))
    return lanes
