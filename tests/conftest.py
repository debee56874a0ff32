"""Shared fixtures: the bundled pack, a checker with defaults, and a writable pack copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from enduse import check, load_pack
from enduse.packs import builtin_path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# Coordinates of places used across tests (GeoNames).
PLACES = {
    "Shebekino": (50.41342, 36.92537),
    "Belgorod": (50.60343, 36.58091),
    "Kursk": (51.72689, 36.18457),
    "Voronezh": (51.66833, 39.19204),
    "Sudzha": (51.191, 35.271),
    "Tyotkino": (51.2735, 34.3176),
    "Vovchansk": (50.29078, 36.94108),
    "Donetsk": (48.023, 37.80224),
    "Valuyki": (50.19661, 38.11674),
    "Taganrog": (47.23627, 38.9053),
}


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
