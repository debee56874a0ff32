"""Fixtures for the per-supplier pack tests: judge a use under one bundled pack."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from enduse import Decision, check


@pytest.fixture()
def under() -> Callable[..., Decision]:
    """``under("gb-ukraine", date=..., place=..., weapon=..., target=..., purpose=..., params=..., facts=...)``:
    the decision of that pack (the use judged as supplied by the pack's supplier)."""

    def run(pack: str, params: dict[str, str] | None = None, **use: object) -> Decision:
        raw = {"target": "military_forces", "purpose": "interdiction", **use}
        return check(raw, pack, params=params)

    return run
