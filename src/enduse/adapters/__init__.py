"""Adapters map foreign table schemas (e.g. ACLED exports) to enduse's standard use columns.

An adapter keeps every original column and adds ``id, date, lat, lon, weapon, target,
purpose``; whatever it cannot read with certainty it writes as ``unknown`` (or leaves
unparsed for the validator to reject), so the audit never judges a guess.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from enduse.errors import InputError

if TYPE_CHECKING:
    import polars as pl

Adapter = Callable[["pl.DataFrame"], "pl.DataFrame"]

#: Adapters by the name ``--input-format`` gives (module and function, loaded on first use); ``standard`` is a table
#: of use columns, read as it is. Adding an adapter is adding an entry.
ADAPTERS: dict[str, tuple[str, str] | None] = {
    "standard": None,
    "acled": ("enduse.adapters.acled", "from_acled"),
}


def adapter_named(name: str) -> Adapter | None:
    """The adapter called ``name``, ``None`` for ``standard``; ``InputError`` naming the others otherwise."""
    if name not in ADAPTERS:
        raise InputError(f"unknown --input-format {name!r}: use {' or '.join(ADAPTERS)}")
    where = ADAPTERS[name]
    return None if where is None else getattr(importlib.import_module(where[0]), where[1])
