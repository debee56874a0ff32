"""Benchmark of the bulk audit. A script, not a test: it prints JSON lines, one per figure.

Every figure is a ratio against a reference measured in the same run, because
the machines are shared and absolute seconds are noise:

(a) engines: the columnar engine against cedarpy's batch call on the same Cedar
    requests (``bench_columnar.py``, results checked equal), and the whole decision
    stage (unknowns explored, clauses aggregated) with each engine on the same
    situations, decisions checked equal;
(b) end to end: ``enduse audit`` of an N-row CSV to Parquet (geography included)
    against ``polars.read_csv`` of the same file, both as fresh processes;
(c) the audit process's peak resident memory.

    python benchmarks/bench_audit.py --n 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from enduse import load_pack
from enduse.engines import ENGINES
from enduse.enrich import enrich_frame
from enduse.evaluate import decide_frame
from enduse.synthetic import synthetic_uses
from enduse.uses import validate_uses

BIN = Path(sys.executable).parent


def emit(**figures) -> None:
    print(json.dumps(figures), flush=True)


# A child forked from this (large) process would report our peak as its own: Linux copies
# the memory high-water mark on fork. So children are started by this tiny launcher instead.
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(child.pid, 0)
if status:
    sys.exit(child.stderr.read().decode()[-2000:])
print(time.perf_counter() - start, usage.ru_maxrss // 1024)
"""


def run_measured(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of a command, measured by a fresh launcher process."""
    done = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, *command], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {done.stderr}")
    seconds, mib = done.stdout.split()
    return float(seconds), int(mib)


def raw_engines(n: int, seed: int) -> None:
    script = Path(__file__).with_name("bench_columnar.py")
    lines = subprocess.run([sys.executable, str(script), "--n", str(n), "--seed", str(seed)], check=True,
                           capture_output=True, text=True).stdout.splitlines()
    for line in lines:
        emit(figure="engine_requests", **json.loads(line))


def decision_stage(n: int, seed: int) -> None:
    pack = load_pack("us-ukraine")
    valid, _ = validate_uses(synthetic_uses(n, seed=seed), ["linked_to_invasion"])
    situations, _ = enrich_frame(valid, pack)
    timings, results = {}, {}
    for name in ("columnar", "cedar"):
        start = time.perf_counter()
        results[name] = decide_frame(situations, pack, ENGINES[name]).select("__verdict", "__clauses", "__missing", "__errors")
        timings[name] = time.perf_counter() - start
    assert results["columnar"].equals(results["cedar"]), "engines disagree"
    emit(figure="decision_stage", rows=n, columnar_rows_per_s=round(n / timings["columnar"]),
         cedar_rows_per_s=round(n / timings["cedar"]), ratio=round(timings["cedar"] / timings["columnar"], 1))


def end_to_end(n: int, seed: int, folder: Path) -> None:
    source = folder / "incidents.csv"
    synthetic_uses(n, seed=seed).write_csv(source)
    read_s, read_mib = run_measured([str(BIN / "python"), "-c", f"import polars; polars.read_csv({str(source)!r})"])
    audit_s, audit_mib = run_measured([str(BIN / "enduse"), "audit", str(source), "-o", str(folder / "out.parquet")])
    emit(figure="end_to_end", rows=n, csv_mb=round(source.stat().st_size / 1e6, 1), read_csv_s=round(read_s, 2),
         audit_s=round(audit_s, 2), ratio=round(audit_s / read_s, 1), audit_rows_per_s=round(n / audit_s))
    emit(figure="memory", rows=n, audit_peak_rss_mib=audit_mib, read_csv_peak_rss_mib=read_mib)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="rows for the end-to-end audit")
    parser.add_argument("--engine-n", type=int, default=50_000, help="rows for the engine comparison (cedarpy is slow)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only-end-to-end", action="store_true", help="skip the engine comparisons")
    args = parser.parse_args()
    emit(figure="machine", cores=os.cpu_count(), python=sys.version.split()[0])
    if not args.only_end_to_end:
        raw_engines(args.n, args.seed)
        decision_stage(args.engine_n, args.seed)
    with tempfile.TemporaryDirectory() as folder:
        end_to_end(args.n, args.seed, Path(folder))


if __name__ == "__main__":
    main()
