"""Changing a pack's named assumptions (``--param name=value``), what-if style."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace

from enduse.errors import InputError
from enduse.packs.model import Pack
from enduse.vocab import choose, suggest
from enduse.zones import zone_problems

#: Distances beyond this are not "near" anything the packs describe; larger values only break the geometry.
MAX_KM = 2_000.0


def parse_assignments(items: list[str], what: str) -> dict[str, str]:
    """``["a=1", "b=x"]`` → ``{"a": "1", "b": "x"}``; raises ``InputError`` on a malformed item."""
    pairs: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"invalid {what} {item!r}: expected name=value")
        pairs[name.strip()] = value.strip()
    return pairs


def with_params(pack: Pack, overrides: Mapping[str, str]) -> Pack:
    """A copy of ``pack`` with some parameter values replaced.

    Values are checked against the parameter's kind: a number (non-negative) or
    one of its ``choices``. Unknown names raise ``InputError`` with suggestions.
    """
    if not overrides:
        return pack
    parameters = dict(pack.parameters)
    for name, raw in overrides.items():
        param = parameters.get(name)
        if param is None:
            hints = suggest(name, parameters)
            hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
            raise InputError(f"pack {pack.name!r} has no parameter {name!r}{hint}")
        if param.choices is not None:
            value: float | str = choose(f"value for parameter {name!r}", raw, param.choices)
        else:
            try:
                value = float(raw)
            except ValueError:
                raise InputError(f"parameter {name!r} needs a number ({param.unit or 'no unit'}), got {raw!r}") from None
            if not math.isfinite(value) or value < 0:
                raise InputError(f"parameter {name!r} must be a non-negative number, got {raw!r}")
            if param.unit == "km" and value > MAX_KM:
                raise InputError(f"parameter {name!r} must be at most {MAX_KM:,.0f} km (the map's scale), got {raw!r}")
        parameters[name] = param.model_copy(update={"value": value})
    return replace(pack, parameters=parameters, overrides={**pack.overrides, **overrides})


def with_checked_params(pack: Pack, params: Mapping[str, str] | None) -> Pack:
    """``pack`` with named assumptions changed, re-checked (bands in order); raises ``InputError``."""
    changed = with_params(pack, params or {})
    if changed is not pack:
        problems = zone_problems(changed.zones, changed.parameters)
        if problems:
            messages = [re.sub(r"^\[[^]]*\] ", "", p.split(": ", 1)[-1]) for p in problems]
            raise InputError("; ".join(dict.fromkeys(messages)))
    return changed
