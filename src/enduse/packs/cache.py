"""Validated packs kept on disk, so that a new process does not validate again a pack validated before.

Validating a pack (its zones against the geography, a probe request through every version, Cedar's validator)
costs about a tenth of a second per pack, and every ``enduse check`` process judges with all fourteen bundled
packs. What validation produces depends only on the pack's files and on enduse itself, so it is kept under a key
made of both: the bytes of every file in the pack's directory (``enduse.packs.digest``), its resolved path, and a
fingerprint of the installed enduse (the size and modification time of each file of the package, its code, shared
schema and geography included) and of Python's and cedarpy's versions. Editing a pack file, or enduse, makes a new
key.

The cache only saves time; it never changes an answer or raises. A missing, corrupt or foreign entry is loaded
afresh (and replaced); a directory that cannot be written is used read-only or not at all. Entries are pickles
written atomically, one per pack directory (a new one removes the old): they are as trusted as the directory,
by default the user's own ``~/.cache/enduse`` (``$XDG_CACHE_HOME`` respected). ``ENDUSE_CACHE_DIR`` names
another directory; set to an empty value, it turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import cedarpy

from enduse.packs.digest import files_digest
from enduse.packs.model import Pack

#: Environment variable naming the cache directory ("" turns the cache off).
CACHE_DIR_ENV = "ENDUSE_CACHE_DIR"
_PACKAGE = Path(__file__).resolve().parents[1]


def cache_dir() -> Path | None:
    """Where validated packs are kept, or ``None`` when the cache is off."""
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = Path.home() / ".cache"
        except RuntimeError:  # no home directory (a bare container): no cache
            return None
    return Path(base) / "enduse"


@cache
def _fingerprint() -> bytes:
    """What identifies this installation of enduse: its files' sizes and times, and the versions it runs on."""
    digest = hashlib.sha256(f"{sys.version}\0{getattr(cedarpy, '__version__', '')}\0".encode())
    for folder, subfolders, names in sorted(os.walk(_PACKAGE)):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(names):
            stat = os.stat(os.path.join(folder, name))
            digest.update(f"{os.path.relpath(os.path.join(folder, name), _PACKAGE)}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.digest()


def _key(root: Path) -> tuple[str, str]:
    """(name of the pack directory's entries, key of its current contents and of this enduse)."""
    place = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return place, hashlib.sha256(_fingerprint() + files_digest(root, shared=False).encode()).hexdigest()[:32]


def _read(entry: Path, root: Path) -> Pack | None:
    try:
        with entry.open("rb") as file:
            pack = pickle.load(file)
    except Exception:  # absent, truncated, not a pickle of ours: load afresh
        return None
    return pack if isinstance(pack, Pack) and pack.path == str(root) else None


def _write(folder: Path, place: str, entry: Path, pack: Pack) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{place}-", suffix=".tmp")
    except OSError:
        return  # read-only: judging goes on without the cache
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(pack, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
    except Exception:  # a full disk, a value that does not pickle: no entry, never half of one
        Path(temporary).unlink(missing_ok=True)
        return
    for old in folder.glob(f"{place}-*.pickle"):
        if old != entry:
            old.unlink(missing_ok=True)


def cached_load(path: str | Path, load: Callable[[Path], Pack]) -> Pack:
    """The pack ``load(path)`` returns, from the cache when these very files (and this enduse) were loaded
    before. ``load`` must validate fully: only what it returns is kept, and its errors pass through."""
    root = Path(path).resolve()
    folder = cache_dir()
    if folder is None or not (root / "pack.toml").is_file():
        return load(root)
    try:
        place, key = _key(root)
    except OSError:
        return load(root)
    entry = folder / f"{place}-{key}.pickle"
    pack = _read(entry, root)
    if pack is None:
        pack = load(root)
        _write(folder, place, entry, pack)
    return pack
