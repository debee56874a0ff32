"""The weapon catalogue: which country supplied a system and what class it is.

Kept as data (``weapons.toml``) so that adding a system never needs code. The
catalogue answers two questions the evaluator needs: is the weapon governed by a
pack (its supplier), and which attributes the Cedar policies may test (class,
long_range).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from enduse.errors import InputError
from enduse.vocab import UNKNOWN, suggest


@dataclass(frozen=True)
class Weapon:
    """One weapon system as the catalogue describes it."""

    name: str
    suppliers: tuple[str, ...]  # every country reported to have supplied it, first the main one
    weapon_class: str
    long_range: bool
    aliases: tuple[str, ...] = ()


def _key(text: str) -> str:
    """Lookup key of a weapon label: lower-case ASCII letters and digits only."""
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())


class Catalog:
    """Weapons by canonical name, with case- and punctuation-insensitive lookup.

    ``keys`` maps every lookup key (see ``_key``) of a name or alias, and ``unknown``,
    to the canonical name, so tables can be mapped in one vectorised step.
    """

    def __init__(self, weapons: list[Weapon]) -> None:
        self.weapons: dict[str, Weapon] = {w.name: w for w in weapons}
        self.keys: dict[str, str] = {UNKNOWN: UNKNOWN}
        for weapon in weapons:
            for label in (weapon.name, *weapon.aliases):
                self.keys[_key(label)] = weapon.name

    def canonical(self, word: str) -> str:
        """Canonical system name for ``word`` (or ``unknown``); raises with suggestions."""
        name = self.keys.get(_key(word))
        if name is not None:
            return name
        labels = [*self.weapons, *(a for w in self.weapons.values() for a in w.aliases)]
        hints = suggest(word, labels)
        hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
        raise InputError(f"unknown weapon {word!r}{hint} (see `enduse weapons`)")

    def __getitem__(self, name: str) -> Weapon:
        return self.weapons[name]

    def __iter__(self):
        return iter(self.weapons.values())


@cache
def load_catalog() -> Catalog:
    """The bundled catalogue, parsed once."""
    text = resources.files("enduse.catalog").joinpath("weapons.toml").read_text(encoding="utf-8")
    return Catalog(
        [
            Weapon(
                name=name,
                suppliers=tuple(entry["suppliers"]),
                weapon_class=entry["class"],
                long_range=bool(entry["long_range"]),
                aliases=tuple(entry.get("aliases", ())),
            )
            for name, entry in tomllib.loads(text).items()
        ]
    )
