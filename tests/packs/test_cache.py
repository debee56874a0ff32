"""The pack cache on disk: a pack validated before loads without validating again, and never stale or wrong.

What holds of every entry (a cache off, an unwritable folder, another enduse) is tested in ``test_disk_cache``."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from enduse import check, load_pack_dir
from enduse.errors import PackError
from enduse.packs import cache
from enduse.packs.registry import _validated

USE = {"date": "2024-06-05", "lat": 50.6, "lon": 36.6, "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire"}


@pytest.fixture()
def loads(monkeypatch):
    """Every full load (validation included) that the cache lets through, by directory."""
    seen: list[str] = []

    def counted(path):
        seen.append(str(path))
        return _validated(path)

    return seen, lambda path: cache.cached_load(path, counted)


def entries(cache_folder):
    return sorted(cache_folder.glob("*.pickle"))


def test_a_pack_loaded_before_comes_from_the_cache_and_judges_alike(cache_folder, loads, pack_copy):
    seen, load = loads
    first, second = load(pack_copy), load(pack_copy)
    assert len(seen) == 1 and len(entries(cache_folder)) == 1
    assert second == first and second is not first
    assert [v.policy_set is not None for v in second.versions] == [True] * len(first.versions)
    assert check(USE, second).to_json() == check(USE, first).to_json()


def test_an_edited_pack_file_is_loaded_and_validated_again(cache_folder, loads, pack_copy):
    seen, load = loads
    load(pack_copy)
    source = pack_copy / "policies" / "kharkiv.cedar"
    source.write_text(source.read_text().replace('@id("bombers")\n', "", 1))
    with pytest.raises(PackError, match=r"kharkiv\.cedar: policy #3 has no @id"):
        load(pack_copy)
    assert len(seen) == 2


def test_an_edit_that_changes_a_verdict_is_seen(cache_folder, pack_copy):
    before = check(USE, load_pack_dir(pack_copy), version="kharkiv").verdict.value
    source = pack_copy / "policies" / "kharkiv.cedar"
    text = source.read_text()
    assert "permit" in text
    source.write_text(text.replace("permit", "forbid"))
    after = load_pack_dir(pack_copy)
    assert before == "ALLOWED"
    assert check(USE, after, version="kharkiv").verdict.value == "FORBIDDEN"
    assert len(entries(cache_folder)) == 1, "the entry of the old files is removed"


def test_a_corrupt_entry_is_ignored_and_replaced(cache_folder, loads, pack_copy):
    seen, load = loads
    good = load(pack_copy)
    (entry,) = entries(cache_folder)
    entry.write_bytes(b"not a pickle")
    assert load(pack_copy) == good
    entry.write_bytes(pickle.dumps({"a": "dict, not a pack"}))
    assert load(pack_copy) == good
    assert len(seen) == 3
    assert pickle.loads(entry.read_bytes()) == good


def test_another_cedarpy_does_not_read_this_ones_entries(cache_folder, loads, pack_copy, monkeypatch):
    seen, load = loads
    load(pack_copy)
    monkeypatch.setattr(cache.cedarpy, "__version__", "0.0-another", raising=False)
    load(pack_copy)
    assert len(seen) == 2


def test_a_pack_of_another_directory_is_not_taken_for_this_one(cache_folder, loads, pack_copy):
    seen, load = loads
    good = load(pack_copy)
    (entry,) = entries(cache_folder)
    entry.write_bytes(pickle.dumps(dataclasses.replace(good, path=str(pack_copy.parent / "elsewhere"))))
    assert load(pack_copy) == good
    assert len(seen) == 2


def test_an_invalid_pack_is_never_cached(cache_folder, loads, pack_copy):
    seen, load = loads
    (pack_copy / "zones.toml").write_text("not = [valid")
    for _ in range(2):
        with pytest.raises(PackError):
            load(pack_copy)
    assert len(seen) == 2 and entries(cache_folder) == []
