"""Helpers shared by the columnar tests."""

from __future__ import annotations

import re

_ERROR_POLICY = re.compile(r"policy `([^`]*)`")


def cedar_outcomes(results) -> list[tuple]:
    """(decision, reasons, erroring policy ids) of cedarpy results, as the columnar engine reports them."""
    out = []
    for r in results:
        errs = {m.group(1) for e in r.diagnostics.errors for m in [_ERROR_POLICY.search(e)] if m}
        assert len(errs) == len(r.diagnostics.errors)
        out.append((r.decision.value, frozenset(r.diagnostics.reasons), frozenset(errs)))
    return out
