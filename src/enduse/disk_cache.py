"""Values that are slow to build, kept on disk so that a new process reads them instead of building them again.

Every ``enduse check`` is a new process, and some of what it needs costs a large share of its time to build
although it changes only with enduse's own files: the validated packs (``enduse.packs.cache``) and the
gazetteer's lookup index (``enduse.geo.gazetteer``). ``cached(place, key, build, accept)`` returns ``build()``,
from disk when a process built it before under the same key.

What callers can rely on:

* The key of an entry is the caller's ``key`` and a fingerprint of the installed enduse: the size and
  modification time of each file of the package (its code, shared schema, geography and other data included) and
  Python's version (which fixes ``unicodedata``, among others). Editing enduse, or upgrading Python, makes new
  keys; the caller's ``key`` need only name what the fingerprint does not cover (files outside the package, the
  versions of other libraries the value depends on).
* The cache only saves time; it never changes an answer or raises. A missing, corrupt or foreign entry (one that
  ``accept`` refuses) is built afresh and replaced; a directory that cannot be written is used read-only or not at
  all. The errors of ``build`` pass through, and what it raised for is not kept.
* Entries are pickles named ``<place>-<key digest>.pickle``, written atomically (never half of one), one per
  place: a new entry removes the older ones of its place. They are as trusted as the directory, by default the
  user's own ``~/.cache/enduse`` (``$XDG_CACHE_HOME`` respected). ``ENDUSE_CACHE_DIR`` names another directory;
  set to an empty value, it turns the cache off.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import re
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: Environment variable naming the cache directory ("" turns the cache off).
CACHE_DIR_ENV = "ENDUSE_CACHE_DIR"
_PACKAGE = Path(__file__).resolve().parent
_PLACE = re.compile(r"[A-Za-z0-9_.]+")


def cache_dir() -> Path | None:
    """Where entries are kept, or ``None`` when the cache is off."""
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
    """What identifies this installation of enduse: its files' sizes and times, and the Python it runs on."""
    files = []
    for folder, subfolders, names in os.walk(_PACKAGE):  # top-down: pruned before it descends
        subfolders[:] = [d for d in subfolders if d != "__pycache__"]  # written by imports, not part of enduse
        files += [os.path.relpath(os.path.join(folder, name), _PACKAGE) for name in names]
    digest = hashlib.sha256(f"{sys.version}\0".encode())
    for name in sorted(files):
        stat = os.stat(_PACKAGE / name)
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.digest()


def _read(entry: Path, accept: Callable[[object], bool]) -> tuple[bool, object]:
    """(found, value): found only when the entry unpickles to a value ``accept`` takes."""
    collecting = gc.isenabled()
    gc.disable()  # unpickling makes many containers, none garbage: collections would only cost (~30 %)
    try:
        with entry.open("rb") as file:
            value = pickle.load(file)
    except Exception:  # absent, truncated, not a pickle of ours: build afresh
        return False, None
    finally:
        if collecting:
            gc.enable()
    try:
        return bool(accept(value)), value
    except Exception:  # a value so foreign that the check itself fails
        return False, None


def _write(folder: Path, place: str, entry: Path, value: object) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{place}-", suffix=".tmp")
    except OSError:
        return  # read-only: the caller goes on without the cache
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
    except Exception:  # a full disk, a value that does not pickle: no entry, never half of one
        Path(temporary).unlink(missing_ok=True)
        return
    try:
        for old in folder.glob(f"{place}-*.pickle"):
            if old != entry:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # an old entry left is only space: its key is not asked for


def cached(place: str, key: str, build: Callable[[], T], accept: Callable[[object], bool]) -> T:
    """``build()``, read from the cache when this enduse built it before under ``place`` and ``key``.

    ``place`` names the entries of one thing (letters, digits, ``_`` and ``.``; a new entry removes the older ones
    of its place); ``key`` identifies its current inputs beyond the installation (see the module's docstring).
    ``accept`` tells a value read back that is the one wanted from a foreign one, which is built again. Only what
    ``build`` returns is kept; its errors pass through.
    """
    if not _PLACE.fullmatch(place):
        raise ValueError(f"cache place {place!r}: use letters, digits, '_' and '.' only")
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        digest = hashlib.sha256(_fingerprint() + b"\0" + key.encode()).hexdigest()[:32]
    except OSError:  # a file of the package unreadable or gone while walking: no cache this time
        return build()
    entry = folder / f"{place}-{digest}.pickle"
    found, value = _read(entry, accept)
    if found:
        return value  # type: ignore[return-value]
    value = build()
    _write(folder, place, entry, value)
    return value
