"""Policy packs: loading, validation and the packs bundled with enduse."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

BUILTIN = resources.files("enduse.packs").joinpath("builtin")
#: The founding pack: what commands that describe one pack (versions, map, report, a diff side without a pack) show
#: when none is named.
FOUNDING_PACK = "us-ukraine"
#: Where the schema and facts that bundled packs share are kept, and the schema's file name.
SHARED = Path(__file__).parent
SHARED_SCHEMA = "schema.cedarschema"


def builtin_names() -> list[str]:
    """Names of the packs shipped inside the package."""
    return sorted(p.name for p in BUILTIN.iterdir() if p.is_dir() and p.joinpath("pack.toml").is_file())


def builtin_path(name: str) -> Path:
    """Directory of a bundled pack (``KeyError`` if there is none by that name)."""
    if name not in builtin_names():
        raise KeyError(name)
    return Path(str(BUILTIN.joinpath(name)))
