"""The public Python API: load a pack, check a use. The CLI is a thin layer over this.

Data flow: raw input → ``parse_uses`` → ``enrich`` → ``decide`` (Cedar) → ``Decision``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from enduse.decisions import Decision, decision_from_row
from enduse.engines import ENGINES
from enduse.enrich import enrich_frame
from enduse.errors import EnduseError, EvaluationError, InputError
from enduse.evaluate import decide_frame, evaluation_problems
from enduse.packs import builtin_names, builtin_path
from enduse.packs.loader import load_pack as _load_pack_dir
from enduse.packs.model import Pack
from enduse.packs.params import with_params
from enduse.uses import REASON, ROW, Use, parse_uses, uses_frame
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


def check_many(
    uses: Sequence[Use | Mapping[str, Any]],
    pack: str | Path | Pack = DEFAULT_PACK,
    *,
    version: str | None = None,
    params: Mapping[str, str] | None = None,
) -> list[Decision | EnduseError]:
    """Judge several uses in one pass (one table through the pipeline costs about what one use costs).

    Returns, in order, each use's ``Decision`` or the ``EnduseError`` that use alone raised (an invalid
    or unresolvable use, a Cedar error); errors of the call itself (a bad pack, version or
    assumption) are raised.
    """
    changed = with_checked_params(pack if isinstance(pack, Pack) else load_pack(pack), params)
    forced = resolve_version(changed, version)
    raws = [(i, use) for i, use in enumerate(uses) if not isinstance(use, Use)]
    parsed = dict(zip([i for i, _ in raws], parse_uses([use for _, use in raws]), strict=True)) if raws else {}
    results: list[Decision | EnduseError | None] = [None] * len(uses)
    valid: list[tuple[int, Use]] = []
    for index, use in enumerate(uses):
        use = parsed.get(index, use)
        if isinstance(use, EnduseError):
            results[index] = use
        else:
            valid.append((index, use))
    if valid:
        situations, rejects = enrich_frame(uses_frame([use for _, use in valid]), changed)
        for row, reason in rejects.select("row", REASON).iter_rows():
            results[valid[row - 1][0]] = InputError(reason)
        for row in decide_frame(situations, changed, ENGINES["cedar"], version=forced).iter_rows(named=True):
            index = valid[row[ROW] - 1][0]
            if row["__errors"]:
                results[index] = EvaluationError(
                    f"Cedar reported an error in clause(s) {', '.join(row['__errors'])} of version {row['__version']!r}; "
                    "no verdict is given for this use"
                )
            else:
                results[index] = decision_from_row(changed, row)
    return results  # type: ignore[return-value]


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
    Raises ``InputError`` for an invalid use, ``EvaluationError`` for a Cedar error.
    """
    result = check_many([use], pack, version=version, params=params)[0]
    if isinstance(result, EnduseError):
        raise result
    return result
