"""The hash-chained decision log: appends verify, and every kind of tampering is named at its first record."""

from __future__ import annotations

import csv
import gc
import json
import os
import sqlite3
import threading
import time
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enduse.api import load_pack_dir
from enduse.decision_log import (
    GENESIS,
    DecisionLog,
    Entry,
    LogUnavailable,
    LogUnreadable,
    canonical_json,
    pack_digest,
    record_hash,
)


def plain(input=None, verdict=None) -> Entry:
    """A check's record with placeholder pack and digest: what the chain tests need, and nothing else."""
    return Entry(kind="check", pack="p", pack_digest="d", version=None, verdict=verdict, input=input or {}, result={})


def fill(path, n: int) -> DecisionLog:
    log = DecisionLog(path)
    for i in range(n):
        log.append(Entry(kind="check", pack="us-ukraine", pack_digest="d" * 64, version="kharkiv",
                         verdict=("ALLOWED", "FORBIDDEN")[i % 2], input={"i": i, "place": "Шебекино"}, result={"n": i}))
    return log


def sql(path, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)


def test_appends_chain_and_verify(tmp_path):
    log = fill(tmp_path / "log.sqlite", 5)
    records = list(log.records())
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    assert records[0]["prev"] == GENESIS
    assert all(later["prev"] == earlier["hash"] for earlier, later in pairwise(records))
    assert all(record_hash(r) == r["hash"] for r in records)
    result = log.verify()
    assert result.ok and result.count == 5 and result.head == records[-1]["hash"]


def test_records_appended_together_chain_as_appended_one_by_one(tmp_path):
    log = fill(tmp_path / "log.sqlite", 2)
    entries = [plain({"i": i}, v) for i, v in enumerate(["ALLOWED", None, "FORBIDDEN"])]
    together = log.append_many(entries)
    after = log.append(entries[0])
    assert log.append_many([]) == []
    assert [r["seq"] for r in together] == [3, 4, 5] and after["seq"] == 6
    stored = list(log.records())
    assert [r["hash"] for r in stored[2:5]] == [r["hash"] for r in together]
    assert [r["verdict"] for r in stored[2:5]] == ["ALLOWED", None, "FORBIDDEN"]
    assert all(later["prev"] == earlier["hash"] for earlier, later in pairwise(stored))
    result = log.verify()
    assert result.ok and result.count == 6 and result.head == after["hash"]


def test_an_entry_that_is_not_json_appends_nothing_and_leaves_the_log_writable(tmp_path):
    log = fill(tmp_path / "log.sqlite", 2)
    good = plain({"i": 1})
    with pytest.raises(ValueError):
        log.append_many([good, plain({"lat": float("nan")})])
    assert log.append(good)["seq"] == 3
    assert log.verify().ok


def test_a_log_locked_past_the_timeout_is_unavailable_and_nothing_is_appended(tmp_path):
    path = tmp_path / "log.sqlite"
    fill(path, 2).close()
    log = DecisionLog(path, timeout=0.05)
    log.head()  # open, as the server does at start
    entry = plain()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    try:
        with pytest.raises(LogUnavailable, match="cannot write the decision log .*locked"):
            log.append(entry)
        assert DecisionLog(path, timeout=0.05).head()[0] == 2  # opening an existing log needs no write lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert log.append(entry)["seq"] == 3  # the same connection writes again once the lock is gone
    assert log.verify().ok and log.verify().count == 3


def test_a_writer_waits_its_turn_and_goes_the_moment_it_comes(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    path = tmp_path / "log.sqlite"
    log = fill(path, 1)
    done = threading.Event()
    entry = plain()
    with open(f"{path}-lock", "ab") as other:  # another process's writer, in the middle of its append
        fcntl.flock(other, fcntl.LOCK_EX)
        writer = threading.Thread(target=lambda: (log.append(entry), done.set()))
        writer.start()
        assert not done.wait(0.3)
        fcntl.flock(other, fcntl.LOCK_UN)
        released = time.perf_counter()
        assert done.wait(5)
    writer.join()
    assert time.perf_counter() - released < 0.5  # its next try (at most TURN_POLL_MAX later), not SQLite's sleeps
    assert log.verify().count == 2


def test_a_turn_kept_past_the_timeout_makes_the_log_unavailable_in_about_that_time(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    path = tmp_path / "log.sqlite"
    log = DecisionLog(path, timeout=0.2)
    log.head()
    entry = plain()
    with open(f"{path}-lock", "ab") as other:  # a writer stopped in its turn (Ctrl-Z, a debugger)
        fcntl.flock(other, fcntl.LOCK_EX)
        started = time.perf_counter()
        with pytest.raises(LogUnavailable, match="kept its turn for more than 0.2 s"):
            log.append(entry)
        assert 0.2 <= time.perf_counter() - started < 2
    assert log.append(entry)["seq"] == 1 and log.verify().ok


def test_a_log_that_cannot_be_opened_leaves_no_file_open(tmp_path):
    path = tmp_path / "log.sqlite"
    (tmp_path / "log.sqlite-lock").mkdir()  # the turns' file cannot be opened
    gc.collect()
    gc.disable()  # no collection of other tests' leftovers while counting, and none of what this one might leak
    try:
        open_files = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
        log = DecisionLog(path)
        for _ in range(5):
            with pytest.raises(LogUnavailable, match="cannot open the decision log"):
                log.head()
        if open_files is not None:
            assert len(os.listdir("/proc/self/fd")) == open_files
    finally:
        gc.enable()


def test_a_log_without_records_verifies(tmp_path):
    DecisionLog(tmp_path / "log.sqlite").head()  # what the server does at start
    result = DecisionLog(tmp_path / "log.sqlite").verify()
    assert result.ok and result.count == 0


@pytest.mark.parametrize("content", [b"", b"not a database at all", None])
def test_a_file_that_is_not_a_decision_log_is_refused_and_left_alone(tmp_path, content):
    path = tmp_path / "log.sqlite"
    if content is None:
        sql(path, "CREATE TABLE other (x)")
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(LogUnreadable, match="not a decision log"):
        DecisionLog(path).verify()
    with pytest.raises(LogUnreadable, match="not a decision log"):
        DecisionLog(path).export(tmp_path / "out.jsonl")
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["log.sqlite"]


@pytest.mark.parametrize("edited", [2, 4])
def test_an_edit_with_its_hash_recomputed_names_the_edited_record(tmp_path, edited):
    log = fill(tmp_path / "log.sqlite", 4)
    record = next(r for r in log.records() if r["seq"] == edited)
    log.close()
    record["verdict"] = "INDETERMINATE"
    sql(tmp_path / "log.sqlite", f"UPDATE records SET verdict = 'INDETERMINATE', hash = '{record_hash(record)}' WHERE seq = {edited}")
    result = DecisionLog(tmp_path / "log.sqlite").verify()
    assert not result.ok and result.bad_seq == edited and f"record {edited} was changed" in result.problem


@pytest.mark.parametrize("value", ["X'fffe'", "CAST(X'fffe' AS TEXT)"])
def test_an_unreadable_record_is_named_without_a_traceback(tmp_path, value):
    fill(tmp_path / "log.sqlite", 3).close()
    sql(tmp_path / "log.sqlite", f"UPDATE records SET input = {value} WHERE seq = 2")
    result = DecisionLog(tmp_path / "log.sqlite").verify()
    assert not result.ok and result.bad_seq == 2 and "cannot be read" in result.problem
    with pytest.raises(LogUnreadable, match="record 2 cannot be read"):
        DecisionLog(tmp_path / "log.sqlite").export(tmp_path / "out.csv")


@pytest.mark.parametrize(
    ("tamper", "bad"),
    [
        (["UPDATE records SET verdict = 'ALLOWED' WHERE seq = 2"], 2),
        (["UPDATE records SET input = '{\"i\":99}' WHERE seq = 3"], 3),
        (["DELETE FROM records WHERE seq = 3"], 3),
        (["DELETE FROM records WHERE seq = 5"], 5),
        (["DELETE FROM records WHERE seq >= 4"], 4),
        (["UPDATE records SET seq = 100 WHERE seq = 2", "UPDATE records SET seq = 2 WHERE seq = 3",
          "UPDATE records SET seq = 3 WHERE seq = 100"], 2),
        (["UPDATE head SET count = 6"], 6),
    ],
    ids=["edit-verdict", "edit-input", "delete-middle", "delete-last", "truncate", "swap", "head"],
)
def test_tampering_is_detected_at_the_first_bad_record(tmp_path, tamper, bad):
    path = tmp_path / "log.sqlite"
    fill(path, 5).close()
    sql(path, *tamper)
    result = DecisionLog(path).verify()
    assert not result.ok
    assert result.bad_seq == bad
    assert result.problem


def test_a_consistent_rewrite_is_caught_only_with_a_head_kept_elsewhere(tmp_path):
    path = tmp_path / "log.sqlite"
    log = fill(path, 4)
    kept = log.verify().head
    log.close()
    # Drop the last record and fix the head: the chain itself is consistent again ...
    with sqlite3.connect(path) as conn:
        (third,) = conn.execute("SELECT hash FROM records WHERE seq = 3").fetchone()
        conn.execute("DELETE FROM records WHERE seq = 4")
        conn.execute("UPDATE head SET count = 3, hash = ?", (third,))
    assert DecisionLog(path).verify().ok
    # ... but not with the head hash printed before.
    result = DecisionLog(path).verify(expect_head=kept)
    assert not result.ok and kept in result.problem


def test_appends_after_a_deletion_do_not_hide_it(tmp_path):
    path = tmp_path / "log.sqlite"
    fill(path, 3).close()
    sql(path, "DELETE FROM records WHERE seq = 3")
    fill(path, 2)
    result = DecisionLog(path).verify()
    assert not result.ok and result.bad_seq == 3


def test_concurrent_appends_from_many_connections_keep_one_chain(tmp_path):
    path = tmp_path / "log.sqlite"
    DecisionLog(path).head()  # create the file first

    def worker(k: int) -> None:
        log = DecisionLog(path)
        for i in range(25):
            log.append(plain({"k": k, "i": i}))
        log.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = DecisionLog(path).verify()
    assert result.ok and result.count == 100


def test_export_jsonl_and_csv_hold_every_record_with_its_hashes(tmp_path):
    log = fill(tmp_path / "log.sqlite", 3)
    assert log.export(tmp_path / "out.jsonl") == 3
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [record_hash(r) for r in lines] == [r["hash"] for r in lines]
    assert log.export(tmp_path / "out.csv") == 3
    with (tmp_path / "out.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["hash"] for r in rows] == [r["hash"] for r in lines]
    assert json.loads(rows[0]["input"])["place"] == "Шебекино"


def test_canonical_json_ignores_key_order_and_rejects_nan():
    assert canonical_json({"b": 1, "a": [1.5, None]}) == canonical_json({"a": [1.5, None], "b": 1}) == '{"a":[1.5,null],"b":1}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_pack_digest_changes_with_any_pack_file(pack, pack_copy):
    assert pack_digest(load_pack_dir(pack_copy)) == pack_digest(pack)
    sources = pack_copy / "sources.toml"
    sources.write_text(sources.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert pack_digest(load_pack_dir(pack_copy)) != pack_digest(pack)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(2, 8), data=st.data())
def test_any_single_edit_is_found_at_that_record(tmp_path_factory, n, data):
    path = tmp_path_factory.mktemp("log") / "log.sqlite"
    fill(path, n).close()
    seq = data.draw(st.integers(1, n))
    column = data.draw(st.sampled_from(["time", "kind", "pack", "pack_digest", "version", "verdict", "input", "result", "prev", "hash"]))
    sql(path, f"UPDATE records SET {column} = {column} || 'x' WHERE seq = {seq}")
    result = DecisionLog(path).verify()
    assert not result.ok
    assert result.bad_seq == seq
