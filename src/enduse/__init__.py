"""enduse: weapons end-use policies as Cedar policy-as-code.

For a use of a weapon — hypothetical or reported — enduse answers whether it
was allowed under the policy version in force that day, which clause decided
it, and which source says so.

The top-level names are loaded on first use (module ``__getattr__``), so that
``import enduse.columnar`` (the Cedar evaluator, usable on its own) or
``import enduse.errors`` does not load the geography, the packs or the server.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "check": "enduse.api",
    "load_pack": "enduse.api",
    "load_pack_dir": "enduse.api",
    "Decision": "enduse.decisions",
    "Verdict": "enduse.decisions",
    "Use": "enduse.uses",
    "parse_use": "enduse.uses",
}

__all__ = ["Decision", "Use", "Verdict", "check", "load_pack", "load_pack_dir", "parse_use"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'enduse' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
