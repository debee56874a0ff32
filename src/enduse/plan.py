"""A pack compiled once for judging: what each version reads, its stand-in classes, key expressions and dimensions.

Deciding a situation needs, per pack, the columns a decision depends on (``key_columns``), the values standing
for the weapons, targets, purposes and regions a version cannot tell apart (``_classes``), the expressions normalising
a situation to its key (``normalised_keys``) and the values each unknown can take (``_dimensions``). These depend
only on the pack and its assumptions, so a ``Judge`` compiles them once per pack (like OpenFisca's simulation
owns its tax-benefit system) and both the table path and the scalar path read them from here. ``key`` is the
same normalisation as ``normal`` for one situation held in a dict, so that path needs no frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from enduse.evaluate import _classes, _dimensions, key_columns, key_reads, normalised_keys
from enduse.packs.model import Pack


@dataclass(frozen=True)
class Plan:
    """One pack's compiled form. ``reading`` maps each key column a version may ignore to the ids of the versions
    that read it; ``constants`` is what such a column becomes under the others."""

    pack: Pack
    keys: tuple[str, ...]
    classes: dict[str, dict[str, dict[str, str]]]
    reading: dict[str, frozenset[str]]
    constants: dict[str, str]
    normal: dict[str, pl.Expr]
    dimensions: dict[str, pl.Expr]

    def key(self, situation: Mapping[str, str | None]) -> tuple[str | None, ...]:
        """The normalised key of one situation (``__version`` and the key columns' raw values), in ``keys`` order:
        exactly what ``normal`` makes of the same row."""
        version = situation["__version"]
        out = []
        for column in self.keys:
            value = situation[column]
            if column in self.reading:
                if version not in self.reading[column]:
                    value = self.constants[column]
                elif version in self.classes and column in self.classes[version]:
                    value = self.classes[version][column].get(value, value)
            out.append(value)
        return tuple(out)


def compile_plan(pack: Pack) -> Plan:
    """The compiled plan of ``pack`` (its assumptions included); the work of ``_classes`` is done once here."""
    classes = _classes(pack)
    reads = key_reads(pack)
    return Plan(
        pack=pack,
        keys=tuple(key_columns(pack)),
        classes=classes,
        reading={column: frozenset(ids) for column, (ids, _) in reads.items()},
        constants={column: constant for column, (_, constant) in reads.items()},
        normal=normalised_keys(pack, classes),
        dimensions=_dimensions(pack, classes),
    )
