"""Validated packs kept on disk, so that a new process does not validate again a pack validated before.

Validating a pack (its zones against the geography, a probe request through every version, Cedar's validator)
costs about a tenth of a second per pack, and every ``enduse check`` process judges with all fourteen bundled
packs. What validation produces depends only on the pack's files and on enduse itself, so it is kept in the
cache on disk (``enduse.disk_cache``, which adds the fingerprint of the installed enduse to every key and says
what the cache guarantees) under a key of the bytes of every file in the pack's directory
(``enduse.packs.digest``) and cedarpy's version, one entry per resolved pack directory. Editing a pack file, or
enduse, makes a new key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import cedarpy

from enduse.disk_cache import cache_dir, cached
from enduse.packs.digest import files_digest
from enduse.packs.model import Pack


def cached_load(path: str | Path, load: Callable[[Path], Pack]) -> Pack:
    """The pack ``load(path)`` returns, from the cache when these very files (and this enduse) were loaded
    before. ``load`` must validate fully: only what it returns is kept, and its errors pass through."""
    root = Path(path).resolve()
    if cache_dir() is None or not (root / "pack.toml").is_file():  # off: no digest to compute
        return load(root)
    try:
        files = files_digest(root, shared=False)
    except OSError:
        return load(root)
    return cached(
        place=hashlib.sha256(str(root).encode()).hexdigest()[:16],
        key=f"{getattr(cedarpy, '__version__', '')}\0{files}",
        build=lambda: load(root),
        accept=lambda pack: isinstance(pack, Pack) and pack.path == str(root),
    )
