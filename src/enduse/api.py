"""The public Python API: load a pack, check a use. The CLI is a thin layer over this.

Data flow: raw input → ``parse_use`` → ``enrich`` → ``decide`` (Cedar) → ``Decision``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from enduse.decisions import Decision
from enduse.enrich import enrich
from enduse.errors import InputError
from enduse.evaluate import decide, evaluation_problems
from enduse.packs import builtin_names, builtin_path
from enduse.packs.loader import load_pack as _load_pack_dir
from enduse.packs.model import Pack, Version
from enduse.packs.params import with_params
from enduse.uses import Use, parse_use
from enduse.vocab import suggest
from enduse.zones import zone_problems

DEFAULT_PACK = "us-ukraine"


def load_pack_dir(path: str | Path) -> Pack:
    """Load and fully validate the pack in ``path`` (raises ``PackError``)."""
    return _load_pack_dir(path, check=evaluation_problems)


@lru_cache(maxsize=16)
def _cached(path: str) -> Pack:
    return load_pack_dir(path)


def load_pack(pack: str | Path = DEFAULT_PACK) -> Pack:
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


def select_version(pack: Pack, day: dt.date, version: str | None = None) -> Version | None:
    """The version named by ``version`` (an id or a date), else the one in force on ``day``."""
    if version is None:
        return pack.version_on(day)
    try:
        return pack.version(version)
    except KeyError as error:
        try:
            on = dt.date.fromisoformat(version)
        except ValueError:
            raise InputError(str(error.args[0])) from None
        return pack.version_on(on)


def check(
    use: Use | Mapping[str, Any],
    pack: str | Path | Pack = DEFAULT_PACK,
    *,
    version: str | None = None,
    params: Mapping[str, str] | None = None,
) -> Decision:
    """Judge one use. ``use`` may be a ``Use`` or a mapping of its fields (validated here).

    ``params`` overrides named assumptions of the pack (what-if); ``version``
    forces a version id or date instead of the one in force on the use's date.
    """
    base = pack if isinstance(pack, Pack) else load_pack(pack)
    changed = with_params(base, params or {})
    if changed is not base:
        problems = zone_problems(changed.zones, changed.parameters)
        if problems:
            raise InputError("; ".join(p.split(": ", 1)[-1] for p in problems))
    the_use = use if isinstance(use, Use) else parse_use(use)
    return decide(changed, select_version(changed, the_use.date, version), enrich(the_use, changed))
