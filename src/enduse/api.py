"""The public Python API: load a pack, check a use. The CLI is a thin layer over this.

Data flow: raw input → ``parse_use`` → ``enrich`` → ``decide`` (Cedar) → ``Decision``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from enduse.decisions import Decision, decision_from_row
from enduse.engines import ENGINES
from enduse.enrich import enrich_frame
from enduse.errors import EvaluationError, InputError
from enduse.evaluate import decide_frame, evaluation_problems
from enduse.packs import builtin_names, builtin_path
from enduse.packs.loader import load_pack as _load_pack_dir
from enduse.packs.model import Pack
from enduse.packs.params import with_params
from enduse.uses import REASON, Use, parse_use, uses_frame
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


def resolve_version(pack: Pack, version: str | None) -> str | None:
    """A version id from ``version`` given as an id or a date (``None`` stays ``None``)."""
    if version is None or version in pack.version_ids:
        return version
    try:
        day = dt.date.fromisoformat(version)
    except ValueError:
        raise InputError(f"pack {pack.name!r} has no version {version!r} ({', '.join(pack.version_ids)})") from None
    found = pack.version_on(day)
    if found is None:
        raise InputError(f"no version of {pack.name!r} is in force on {day}")
    return found.id


def with_checked_params(pack: Pack, params: Mapping[str, str] | None) -> Pack:
    """``pack`` with named assumptions changed, re-checked (bands in order); raises ``InputError``."""
    changed = with_params(pack, params or {})
    if changed is not pack:
        problems = zone_problems(changed.zones, changed.parameters)
        if problems:
            messages = [re.sub(r"^\[[^]]*\] ", "", p.split(": ", 1)[-1]) for p in problems]
            raise InputError("; ".join(dict.fromkeys(messages)))
    return changed


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
    changed = with_checked_params(pack if isinstance(pack, Pack) else load_pack(pack), params)
    the_use = use if isinstance(use, Use) else parse_use(use)
    situations, rejects = enrich_frame(uses_frame([the_use]), changed)
    if rejects.height:
        raise InputError(rejects[REASON][0])
    row = decide_frame(situations, changed, ENGINES["cedar"], version=resolve_version(changed, version)).row(0, named=True)
    if row["__errors"]:
        raise EvaluationError(
            f"Cedar reported an error in clause(s) {', '.join(row['__errors'])} of version {row['__version']!r}; "
            "no verdict is given for this use"
        )
    return decision_from_row(changed, row)
