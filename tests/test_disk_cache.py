"""The cache on disk: a value built before is read back, never a stale, corrupt or foreign one, and the cache
never fails a caller (off, unwritable) nor keeps what a build raised for."""

from __future__ import annotations

import gc
import pickle

import pytest

from enduse import disk_cache
from enduse.disk_cache import CACHE_DIR_ENV, cache_dir, cached


@pytest.fixture()
def builds():
    """Every build the cache lets through, and a lookup of ``place``/``key`` whose value is a list."""
    seen: list[str] = []

    def lookup(key="k1", place="thing", value=None):
        def build():
            seen.append(key)
            return ["built", key] if value is None else value

        return cached(place, key, build, lambda found: isinstance(found, list))

    return seen, lookup


def entries(cache_folder):
    return sorted(cache_folder.glob("*.pickle"))


def test_a_value_built_before_is_read_back(cache_folder, builds):
    seen, lookup = builds
    first = lookup()
    second = lookup()
    assert first == second == ["built", "k1"] and second is not first
    assert seen == ["k1"]
    (entry,) = entries(cache_folder)
    assert entry.name.startswith("thing-") and pickle.loads(entry.read_bytes()) == first


def test_another_key_is_built_and_replaces_the_entries_of_its_place_only(cache_folder, builds):
    seen, lookup = builds
    lookup("k1")
    lookup("k1", place="other")
    assert lookup("k2") == ["built", "k2"]
    assert seen == ["k1", "k1", "k2"]
    assert [e.name.split("-")[0] for e in entries(cache_folder)] == ["other", "thing"]
    assert lookup("k2") == ["built", "k2"] and lookup("k1", place="other") == ["built", "k1"]
    assert len(seen) == 3


def test_a_corrupt_entry_is_built_again_and_replaced(cache_folder, builds):
    seen, lookup = builds
    good = lookup()
    (entry,) = entries(cache_folder)
    entry.write_bytes(b"not a pickle")
    assert lookup() == good
    assert pickle.loads(entry.read_bytes()) == good
    entry.write_bytes(entry.read_bytes()[:10])  # truncated
    assert lookup() == good
    assert len(seen) == 3


def test_a_value_accept_refuses_is_built_again(cache_folder, builds):
    seen, lookup = builds
    good = lookup()
    (entry,) = entries(cache_folder)
    entry.write_bytes(pickle.dumps({"a": "dict, not a list"}))
    assert lookup() == good
    assert len(seen) == 2 and pickle.loads(entry.read_bytes()) == good


def test_an_accept_that_raises_counts_as_a_refusal(cache_folder):
    def accept(value):
        raise TypeError("a check that fails")

    assert cached("thing", "k", lambda: [1], accept) == [1]
    assert cached("thing", "k", lambda: [2], accept) == [2]


def test_the_errors_of_a_build_pass_through_and_nothing_is_kept(cache_folder):
    def build():
        raise LookupError("no such thing")

    for _ in range(2):
        with pytest.raises(LookupError, match="no such thing"):
            cached("thing", "k", build, lambda value: True)
    assert entries(cache_folder) == []


def test_a_value_that_does_not_pickle_is_returned_and_not_kept(cache_folder):
    value = [lambda: None]
    assert cached("thing", "k", lambda: value, lambda found: True) is value
    assert entries(cache_folder) == [] and not list(cache_folder.glob(".*"))


def test_an_empty_setting_turns_the_cache_off(tmp_path, monkeypatch, builds):
    monkeypatch.setenv(CACHE_DIR_ENV, "")
    monkeypatch.chdir(tmp_path)
    seen, lookup = builds
    assert lookup() == lookup()
    assert len(seen) == 2 and not list(tmp_path.rglob("*.pickle"))


def test_an_unwritable_cache_leaves_answers_unchanged(tmp_path, monkeypatch, builds):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the cache cache_folder should be")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    seen, lookup = builds
    assert lookup() == lookup() == ["built", "k1"]
    assert len(seen) == 2
    assert blocker.read_text().startswith("a file")


def test_a_read_only_cache_is_still_read(cache_folder, builds, monkeypatch):
    """A folder that can no longer be written still gives its entries. Writing is refused as a read-only folder
    refuses it (permissions do not bind root, who runs CI)."""
    seen, lookup = builds
    lookup()

    def refused(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(disk_cache.tempfile, "mkstemp", refused)
    assert lookup() == ["built", "k1"] and lookup("k2") == ["built", "k2"]
    assert seen == ["k1", "k2"]


def test_another_enduse_does_not_read_this_ones_entries(cache_folder, builds, monkeypatch):
    seen, lookup = builds
    lookup()
    monkeypatch.setattr(disk_cache, "_fingerprint", lambda: b"another installation")
    lookup()
    assert len(seen) == 2


def test_the_fingerprint_follows_the_package_s_files_and_not_its_bytecode(tmp_path, monkeypatch):
    package = tmp_path / "enduse"
    (package / "geo" / "__pycache__").mkdir(parents=True)
    (package / "geo" / "gazetteer.py").write_text("a = 1\n")
    monkeypatch.setattr(disk_cache, "_PACKAGE", package)
    fingerprint = disk_cache._fingerprint.__wrapped__
    first = fingerprint()
    (package / "geo" / "__pycache__" / "gazetteer.cpython-312.pyc").write_bytes(b"written by an import")
    (package / "__pycache__").mkdir()
    assert fingerprint() == first, "bytecode written by imports must not change the key"
    (package / "geo" / "gazetteer.py").write_text("a = 22\n")
    assert fingerprint() != first
    second = fingerprint()
    (package / "geo" / "data.parquet").write_bytes(b"data")
    assert fingerprint() != second


def test_a_place_that_could_name_another_s_entries_is_refused(cache_folder):
    for place in ("a-b", "", "a*", "../a"):
        with pytest.raises(ValueError, match="cache place"):
            cached(place, "k", lambda: [1], lambda value: True)


def test_the_cache_folder_follows_the_user_s_settings(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "enduse"
    monkeypatch.delenv("XDG_CACHE_HOME")

    def no_home(cls):
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(disk_cache.Path, "home", classmethod(no_home))
    assert cache_dir() is None


def test_reading_leaves_the_garbage_collector_as_it_found_it(cache_folder, builds):
    seen, lookup = builds
    lookup()
    assert lookup() == ["built", "k1"] and gc.isenabled()
    (entry,) = entries(cache_folder)
    entry.write_bytes(b"not a pickle")
    assert lookup() == ["built", "k1"] and gc.isenabled()
    gc.disable()
    try:
        assert lookup() == ["built", "k1"] and not gc.isenabled()
    finally:
        gc.enable()
