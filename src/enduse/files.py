"""Files that appear complete or not at all.

Every output of enduse (tables, maps, reports, log exports) is written to a
temporary file beside its target and renamed over it only on success, so an
interrupted run never leaves a partial file where a reader expects a whole one.
Outputs that belong together (an audit and its rejects) are committed together,
and what a killed run leaves behind is cleaned up by the next run in that folder.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from enduse.errors import InputError


PART = ".part"
COMMIT = ".enduse-commit"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(path: Path) -> int | None:
    """The process id written in a part or marker name (``.<target>.<pid>.<random><suffix>``)."""
    fields = path.name.rsplit(".", 3)
    return int(fields[-3]) if len(fields) == 4 and fields[-3].isdigit() else None


def recover(folder: Path) -> None:
    """Finish what runs that no longer exist left in ``folder``: a commit whose marker is there is completed (every
    part was whole before its marker was written), and parts of any other unfinished run are removed."""
    for marker in folder.glob(f".*{COMMIT}"):
        if (pid := _owner(marker)) is not None and pid != os.getpid() and _alive(pid):
            continue
        try:
            pairs = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pairs = []
        for part, target in pairs:
            if Path(part).exists():
                os.replace(part, target)
        marker.unlink(missing_ok=True)
    for part in folder.glob(f".*{PART}"):
        if (pid := _owner(part)) is not None and pid != os.getpid() and not _alive(pid):
            part.unlink(missing_ok=True)


def _temporary(target: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


@contextmanager
def atomic_paths(*paths: str | Path) -> Iterator[list[Path]]:
    """Temporary paths beside ``paths``: all renamed to their targets when the block ends normally, all removed
    otherwise. The targets appear together: a run killed between two renames leaves a marker from which
    ``recover`` (run by the next write in that folder) completes them.

    Raises ``InputError`` if a folder does not exist. Files get the usual permissions (umask), not the private ones
    of ``tempfile``.
    """
    targets = [Path(path) for path in paths]
    for target in targets:
        if not target.parent.is_dir():
            raise InputError(f"{target}: folder {target.parent} does not exist")
    for folder in dict.fromkeys(target.parent for target in targets):
        recover(folder)
    parts = [_temporary(target, PART) for target in targets]
    marker = None
    try:
        yield parts
        if len(targets) > 1:
            marker = _temporary(targets[0], COMMIT)
            with marker.open("w", encoding="utf-8") as f:
                json.dump([[str(p), str(t)] for p, t in zip(parts, targets, strict=True)], f)
                f.flush()
                os.fsync(f.fileno())
        for part, target in zip(parts, targets, strict=True):
            os.replace(part, target)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
        if marker is not None:
            marker.unlink(missing_ok=True)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """``atomic_paths`` for one target."""
    with atomic_paths(path) as (part,):
        yield part


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; returns ``path`` as a ``Path``."""
    with atomic_path(path) as part:
        part.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)
