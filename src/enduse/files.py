"""Files that appear complete or not at all.

Every output of enduse (tables, maps, reports, log exports) is written to a
temporary file beside its target and renamed over it only on success, so an
interrupted run never leaves a partial file where a reader expects a whole one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from enduse.errors import InputError


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path in ``path``'s folder: renamed to ``path`` when the block ends normally, removed otherwise.

    Raises ``InputError`` if the folder does not exist. The file gets the usual permissions (umask), not
    the private ones of ``tempfile``.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError(f"{target}: folder {target.parent} does not exist")
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    part = Path(name)
    try:
        yield part
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; returns ``path`` as a ``Path``."""
    with atomic_path(path) as part:
        part.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)
