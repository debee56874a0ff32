"""The pack cache on disk: a pack validated before loads without validating again, and never stale or wrong."""

from __future__ import annotations

import pickle

import pytest

from enduse import check, load_pack_dir
from enduse.errors import PackError
from enduse.packs import cache
from enduse.packs.registry import _validated

USE = {"date": "2024-06-05", "lat": 50.6, "lon": 36.6, "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire"}


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    target = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(target))
    return target


@pytest.fixture()
def loads(monkeypatch):
    """Every full load (validation included) that the cache lets through, by directory."""
    seen: list[str] = []

    def counted(path):
        seen.append(str(path))
        return _validated(path)

    return seen, lambda path: cache.cached_load(path, counted)


def entries(folder):
    return sorted(folder.glob("*.pickle"))


def test_a_pack_loaded_before_comes_from_the_cache_and_judges_alike(folder, loads, pack_copy):
    seen, load = loads
    first, second = load(pack_copy), load(pack_copy)
    assert len(seen) == 1 and len(entries(folder)) == 1
    assert second == first and second is not first
    assert [v.policy_set is not None for v in second.versions] == [True] * len(first.versions)
    assert check(USE, second).to_json() == check(USE, first).to_json()


def test_an_edited_pack_file_is_loaded_and_validated_again(folder, loads, pack_copy):
    seen, load = loads
    load(pack_copy)
    source = pack_copy / "policies" / "kharkiv.cedar"
    source.write_text(source.read_text().replace('@id("bombers")\n', "", 1))
    with pytest.raises(PackError, match=r"kharkiv\.cedar: policy #3 has no @id"):
        load(pack_copy)
    assert len(seen) == 2


def test_an_edit_that_changes_a_verdict_is_seen(folder, pack_copy):
    before = check(USE, load_pack_dir(pack_copy), version="kharkiv").verdict.value
    source = pack_copy / "policies" / "kharkiv.cedar"
    text = source.read_text()
    assert "permit" in text
    source.write_text(text.replace("permit", "forbid"))
    after = load_pack_dir(pack_copy)
    assert before == "ALLOWED"
    assert check(USE, after, version="kharkiv").verdict.value == "FORBIDDEN"
    assert len(entries(folder)) == 1, "the entry of the old files is removed"


def test_a_corrupt_entry_is_ignored_and_replaced(folder, loads, pack_copy):
    seen, load = loads
    good = load(pack_copy)
    (entry,) = entries(folder)
    entry.write_bytes(b"not a pickle")
    assert load(pack_copy) == good
    entry.write_bytes(pickle.dumps({"a": "dict, not a pack"}))
    assert load(pack_copy) == good
    assert len(seen) == 3
    assert pickle.loads(entry.read_bytes()) == good


def test_an_unwritable_cache_leaves_loading_unchanged(tmp_path, monkeypatch, loads, pack_copy):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(blocker / "cache"))
    seen, load = loads
    assert load(pack_copy) == load(pack_copy)
    assert len(seen) == 2
    assert blocker.read_text().startswith("a file")


def test_an_empty_setting_turns_the_cache_off(tmp_path, monkeypatch, loads, pack_copy):
    monkeypatch.setenv(cache.CACHE_DIR_ENV, "")
    monkeypatch.chdir(tmp_path)
    seen, load = loads
    load(pack_copy)
    load(pack_copy)
    assert len(seen) == 2 and not list(tmp_path.rglob("*.pickle"))


def test_another_enduse_does_not_read_this_ones_entries(folder, loads, pack_copy, monkeypatch):
    seen, load = loads
    load(pack_copy)
    monkeypatch.setattr(cache, "_fingerprint", lambda: b"another installation")
    load(pack_copy)
    assert len(seen) == 2


def test_an_invalid_pack_is_never_cached(folder, loads, pack_copy):
    seen, load = loads
    (pack_copy / "zones.toml").write_text("not = [valid")
    for _ in range(2):
        with pytest.raises(PackError):
            load(pack_copy)
    assert len(seen) == 2 and entries(folder) == []


def test_the_cache_folder_follows_the_user_s_settings(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "enduse"
    monkeypatch.delenv("XDG_CACHE_HOME")

    def no_home(cls):
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(cache.Path, "home", classmethod(no_home))
    assert cache.cache_dir() is None
