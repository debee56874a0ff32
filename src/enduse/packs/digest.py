"""The digest of a pack's files: what identifies a pack's text, in the decision log and the pack cache."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from enduse.packs import SHARED, SHARED_SCHEMA

if TYPE_CHECKING:
    from enduse.packs.model import Pack


def files_digest(root: Path, shared: bool) -> str:
    """sha256 over every file of the directory ``root`` (relative path and bytes, in path order), and over the
    shared schema and facts when ``shared``."""
    files = [(path.relative_to(root).as_posix(), path) for path in root.rglob("*")
             if path.is_file() and "__pycache__" not in path.parts]
    if shared:
        files += [(f"(shared)/{name}", SHARED / name) for name in (SHARED_SCHEMA, "facts.toml")]
    digest = hashlib.sha256()
    for name, path in sorted(files):
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def pack_digest(pack: Pack) -> str:
    """The digest of the files ``pack`` was loaded from (its directory, and the shared schema and facts when it
    uses them). Two packs with the same digest judge alike; parameter overrides are not files and are logged
    beside the digest, in the record's input."""
    return files_digest(Path(pack.path), pack.shared_schema)
