"""`enduse log verify|export` through the entry point: exit codes and the first bad record named."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from entry import run as enduse

from enduse.decision_log import DecisionLog, Entry, record_hash
from enduse.tables import read_batches


def log(*args: str):
    return enduse("log", *args)


def make_log(path: Path, n: int = 4) -> None:
    log = DecisionLog(path)
    for i in range(n):
        log.append(Entry(kind="check", pack="us-ukraine", pack_digest="d", version="v", verdict="ALLOWED", input={"i": i}, result={}))
    log.close()


def test_verify_ok_then_tampered_then_missing(tmp_path):
    path = tmp_path / "log.sqlite"
    make_log(path)
    ok = log("verify", "--log", str(path))
    assert ok.returncode == 0, ok.stderr
    head = DecisionLog(path).verify().head
    assert "4 record(s)" in ok.stdout and head in ok.stdout
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM records WHERE seq = 2")
    broken = log("verify", "--log", str(path))
    assert broken.returncode == 1
    assert "record 2" in broken.stderr and "Traceback" not in broken.stderr
    missing = log("verify", "--log", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 2 and "no decision log" in missing.stderr


def test_verify_with_a_head_kept_elsewhere(tmp_path):
    path = tmp_path / "log.sqlite"
    make_log(path)
    assert log("verify", "--log", str(path), "--expect-head", "f" * 64).returncode == 1
    assert log("verify", "--log", str(path), "--expect-head", DecisionLog(path).verify().head).returncode == 0


def test_export_to_stdout_and_files(tmp_path):
    path = tmp_path / "log.sqlite"
    make_log(path, 3)
    lines = log("export", "--log", str(path)).stdout.splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3]
    assert log("export", "--log", str(path), "-o", str(tmp_path / "log.csv")).returncode == 0
    assert len((tmp_path / "log.csv").read_text(encoding="utf-8").splitlines()) == 4
    wrong = log("export", "--log", str(path), "-o", str(tmp_path / "log.txt"))
    assert wrong.returncode == 2 and "unknown table format '.txt'" in wrong.stderr and ".geojson" in wrong.stderr


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".csv", ".geojson"])
def test_export_through_the_table_registry_keeps_every_record_and_hash(tmp_path, suffix):
    path = tmp_path / "log.sqlite"
    make_log(path, 3)
    target = tmp_path / f"log{suffix}"
    assert log("export", "--log", str(path), "-o", str(target)).returncode == 0
    frame = pl.concat(read_batches(target))
    stored = list(DecisionLog(path).records())
    assert frame["hash"].to_list() == [r["hash"] for r in stored]
    assert [record_hash({**r, "seq": int(r["seq"])}) for r in frame.iter_rows(named=True)] == frame["hash"].to_list()


def test_verify_refuses_an_empty_file_with_exit_1(tmp_path):
    path = tmp_path / "log.sqlite"
    path.write_bytes(b"")
    result = log("verify", "--log", str(path))
    assert result.returncode == 1 and "not a decision log" in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == b""
