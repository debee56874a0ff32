"""Shared fixtures: the bundled pack, a checker with defaults, and a writable pack copy."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from places import PLACES  # noqa: F401  (re-exported for fixtures)

from enduse import check, load_pack
from enduse.disk_cache import CACHE_DIR_ENV
from enduse.packs import builtin_path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def pack_cache(tmp_path_factory) -> Path:
    """One fresh pack cache for the whole session (the CLI's processes included), never the user's."""
    folder = tmp_path_factory.mktemp("pack-cache")
    os.environ[CACHE_DIR_ENV] = str(folder)
    return folder


@pytest.fixture()
def cache_folder(tmp_path, monkeypatch) -> Path:
    """An empty cache folder of this test's own (``enduse.disk_cache``), not yet made."""
    target = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(target))
    return target


@pytest.fixture(scope="session")
def pack():
    return load_pack("us-ukraine")


@pytest.fixture()
def judge(pack):
    """Check a use given as keywords; ``at`` names a place of PLACES (as lat/lon)."""

    def run(at: str | None = None, version=None, params=None, **fields):
        raw = {"weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire", "date": "2024-06-05", **fields}
        if at is not None:
            raw["lat"], raw["lon"] = PLACES[at]
        return check(raw, pack, version=version, params=params)

    return run


@pytest.fixture()
def pack_copy(tmp_path) -> Path:
    """A writable copy of the bundled pack, for tests that break or extend it."""
    target = tmp_path / "pack"
    shutil.copytree(builtin_path("us-ukraine"), target)
    return target
