"""An audit interrupted by SIGINT, SIGTERM or SIGKILL at a random moment leaves both outputs or neither, never a part."""

from __future__ import annotations

import random
import signal
import subprocess
import time

import polars as pl
import pytest
from entry import ENDUSE, plain_env

from enduse.files import recover
from enduse.synthetic import synthetic_uses


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("interrupts") / "in.csv"
    synthetic_uses(120_000, seed=8, messy=0.02).write_csv(path)
    return path


def outcome(folder):
    """(whole outputs, leftover temporary files) in ``folder``."""
    names = {p.name for p in folder.iterdir()}
    return sorted(names & {"out.parquet", "out.rejects.csv"}), sorted(n for n in names if n.startswith("."))


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_interrupted_audit_leaves_both_outputs_or_neither(tmp_path, source, signum, seed):
    delay = random.Random(seed * 100 + signum).uniform(0.5, 6.0)
    process = subprocess.Popen([ENDUSE, "audit", str(source), "-o", str(tmp_path / "out.parquet"), "--batch-size", "20000"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=plain_env())
    time.sleep(delay)
    process.send_signal(signum)
    _out, err = process.communicate(timeout=120)
    if signum != signal.SIGKILL:
        assert b"Traceback" not in err, err.decode()
    else:
        recover(tmp_path)  # what the next run in the folder does first
    whole, leftovers = outcome(tmp_path)
    assert leftovers == [], leftovers
    assert whole in ([], ["out.parquet", "out.rejects.csv"]), (delay, whole)
    if whole:
        rows = pl.scan_parquet(tmp_path / "out.parquet").select(pl.len()).collect().item()
        rejected = pl.read_csv(tmp_path / "out.rejects.csv", infer_schema=False).height
        assert rows + rejected == 120_000
