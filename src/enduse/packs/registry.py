"""Which pack judges a use: packs by name, and the pack set that maps suppliers to packs.

A use is governed by the policy of the country that supplied its weapon. The
``PackSet`` is the one place that knows this mapping (as httpx's mounts map URL
patterns to transports): adding a supplier's pack is adding its directory, and
no other module compares suppliers. A set is either every bundled pack (each
use routed by its supplier) or one *forced* pack (``--pack``), which judges
every use as if its own supplier had supplied the weapon.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from enduse.errors import InputError
from enduse.packs import FOUNDING_PACK, builtin_names, builtin_path
from enduse.packs.cache import cached_load
from enduse.packs.loader import load_pack as _load_pack_dir
from enduse.packs.model import Pack, Version
from enduse.packs.params import with_checked_params
from enduse.vocab import suggest

#: The reference of one pack, as workers reload it: a directory and the assumptions changed from its files.
PackRef = tuple[str, tuple[tuple[str, str], ...]]


def load_pack_dir(path: str | Path) -> Pack:
    """Load and fully validate the pack in ``path`` (raises ``PackError``); a pack validated before with the
    same files is read from the cache on disk (``enduse.packs.cache``)."""
    return cached_load(path, _validated)


def _validated(path: Path) -> Pack:
    from enduse.evaluate import evaluation_problems

    return _load_pack_dir(path, check=evaluation_problems)


@lru_cache(maxsize=64)
def _cached(path: str) -> Pack:
    return load_pack_dir(path)


def load_pack(pack: str | Path) -> Pack:
    """A bundled pack by name, or a pack directory by path (loaded once per process)."""
    text = str(pack)
    if Path(text).is_dir():
        return _cached(str(Path(text).resolve()))
    try:
        return _cached(str(builtin_path(text)))
    except KeyError:
        hints = suggest(text, builtin_names())
        hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
        raise InputError(f"no pack {text!r}: not a directory nor a bundled pack{hint} (bundled: {', '.join(builtin_names())})") from None


def _split(params: Mapping[str, str], packs: Sequence[Pack]) -> dict[str, dict[str, str]]:
    """Each pack's share of ``params``: ``pack:name=value`` for one pack, ``name=value`` for every pack that has it."""
    shares: dict[str, dict[str, str]] = {p.name: {} for p in packs}
    by_name = {p.name: p for p in packs}
    for key, value in params.items():
        pack_name, colon, name = key.rpartition(":")
        if colon:
            if pack_name not in by_name:
                raise InputError(f"--param {key}: no pack {pack_name!r} here ({', '.join(by_name)})")
            shares[pack_name][name] = value  # the pack itself reports an unknown parameter
            continue
        owners = [p.name for p in packs if name in p.parameters]
        if not owners:
            known = sorted({n for p in packs for n in p.parameters})
            hints = suggest(name, known)
            hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
            raise InputError(f"no pack has a parameter {name!r}{hint} (see `enduse versions --all` and each pack's parameters)")
        for owner in owners:
            shares[owner][name] = value
    return shares


@dataclass(frozen=True)
class PackSet:
    """Packs by supplier. Immutable; ``with_params`` gives a changed copy (each pack a reform of its files)."""

    packs: tuple[Pack, ...]
    forced: bool = False
    by_supplier: Mapping[str, Pack] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        suppliers: dict[str, Pack] = {}
        for pack in self.packs:
            if pack.supplier in suppliers:
                raise InputError(f"packs {suppliers[pack.supplier].name!r} and {pack.name!r} both govern {pack.supplier}-supplied weapons")
            suppliers[pack.supplier] = pack
        object.__setattr__(self, "by_supplier", suppliers)

    def for_supplier(self, supplier: str) -> Pack | None:
        """The pack governing weapons supplied by ``supplier``; ``None`` when no pack of the set does."""
        return self.by_supplier.get(supplier)

    def pack(self, name: str) -> Pack:
        for pack in self.packs:
            if pack.name == name:
                return pack
        raise InputError(f"no pack {name!r} here ({', '.join(p.name for p in self.packs)})")

    @property
    def facts(self) -> list[str]:
        """Every fact some pack of the set reads (a use may state any of them)."""
        return list(dict.fromkeys(f for pack in self.packs for f in pack.facts))

    @property
    def refs(self) -> tuple[PackRef, ...]:
        """How to rebuild exactly this set elsewhere (a Dask worker): each pack's directory and changed assumptions."""
        return tuple((pack.path, tuple(sorted(pack.overrides.items()))) for pack in self.packs)

    def chronology(self) -> list[tuple[Pack, Version]]:
        """Every version of every pack, in order of its start date (then supplier): one timeline of all changes."""
        return sorted(((p, v) for p in self.packs for v in p.versions), key=lambda pv: (pv[1].effective_from, pv[0].supplier))

    def with_params(self, params: Mapping[str, str] | None) -> PackSet:
        """The set with named assumptions changed (see ``_split``); raises ``InputError`` for an unknown one."""
        if not params:
            return self
        shares = _split(params, self.packs)
        return PackSet(tuple(with_checked_params(p, shares[p.name]) for p in self.packs), self.forced)


def bundled() -> PackSet:
    """Every bundled pack, each governing its supplier's weapons."""
    return PackSet(tuple(load_pack(name) for name in builtin_names()))


def pack_set(pack: str | Path | Pack | PackSet | None = None, params: Mapping[str, str] | None = None) -> PackSet:
    """The set a caller means: ``None`` for every bundled pack, a pack (name, directory or ``Pack``) to force one."""
    if isinstance(pack, PackSet):
        chosen = pack
    elif pack is None:
        chosen = bundled()
    else:
        chosen = PackSet((pack if isinstance(pack, Pack) else load_pack(pack),), forced=True)
    return chosen.with_params(params)


def from_refs(refs: Sequence[PackRef], forced: bool) -> PackSet:
    """The set ``PackSet.refs`` describes, loaded again."""
    return PackSet(tuple(with_checked_params(load_pack(path), dict(overrides)) for path, overrides in refs), forced)
