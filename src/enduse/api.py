"""The public Python API: check uses, load packs. The CLI is a thin layer over this.

Data flow: raw input → ``parse_uses`` → the pack of the weapon's supplier → ``enrich`` → ``decide`` (Cedar) →
``Decision``, all through ``enduse.judge.Judge``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from enduse.decisions import Decision
from enduse.errors import EnduseError
from enduse.judge import Judge
from enduse.packs.model import Pack
from enduse.packs.registry import PackSet, load_pack, load_pack_dir
from enduse.uses import Use

__all__ = ["check", "check_many", "load_pack", "load_pack_dir"]

PackChoice = str | Path | Pack | PackSet | None


@lru_cache(maxsize=16)
def _kept(pack: str | Path | None, params: tuple[tuple[str, str], ...]) -> Judge:
    return Judge.create(pack, dict(params), engine="cedar")


def _judge(pack: PackChoice, params: Mapping[str, str] | None) -> Judge:
    """The judge of a call: one per pack name or directory and assumptions, kept across calls so that a
    situation decided once (its decision memo) is never decided again; a ``Pack`` or ``PackSet`` object gets its own."""
    if pack is None or isinstance(pack, str | Path):
        return _kept(pack, tuple(sorted((params or {}).items())))
    return Judge.create(pack, params, engine="cedar")


def check_many(
    uses: Sequence[Use | Mapping[str, Any]],
    pack: PackChoice = None,
    *,
    version: str | None = None,
    params: Mapping[str, str] | None = None,
) -> list[Decision | EnduseError]:
    """Judge several uses in one pass (one table through the pipeline costs about what one use costs).

    ``pack=None`` routes each use to its supplier's bundled pack; a pack name, directory or ``Pack`` forces
    that pack. Returns, in order, each use's ``Decision`` or the ``EnduseError`` that use alone raised (an
    invalid or unresolvable use, a Cedar error); errors of the call itself (a bad pack, version or
    assumption) are raised.
    """
    return _judge(pack, params).uses(uses, version=version)


def check(
    use: Use | Mapping[str, Any],
    pack: PackChoice = None,
    *,
    version: str | None = None,
    params: Mapping[str, str] | None = None,
) -> Decision:
    """Judge one use. ``use`` may be a ``Use`` or a mapping of its fields (validated here).

    ``params`` overrides named assumptions (what-if; ``pack:name=value`` for one pack only); ``version``
    forces a version id or date instead of the one in force on the use's date.
    Raises ``InputError`` for an invalid use, ``EvaluationError`` for a Cedar error.
    """
    result = check_many([use], pack, version=version, params=params)[0]
    if isinstance(result, EnduseError):
        raise result
    return result
