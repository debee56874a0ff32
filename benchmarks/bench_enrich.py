"""Benchmark of the stages before the decision: validation and enrichment. A script, not a test: it prints JSON lines.

Every figure is a ratio against a reference measured in the same run, because the machines are shared and absolute
seconds are noise: each stage of ``enduse audit`` on N synthetic rows (given as text, as the CLI reads a CSV) against
``polars.read_csv`` of the same rows, and locating points that repeat (as reported incidents do) against locating
as many unique points. Times are the best of ``--repeat`` runs.

    python benchmarks/bench_enrich.py --n 500000
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Callable

import numpy as np
import polars as pl

from enduse import load_pack
from enduse.enrich import enrich_frame
from enduse.geo.locate import locate_many
from enduse.synthetic import synthetic_uses
from enduse.uses import validate_uses
from enduse.zones import zone_bands


def emit(**figures) -> None:
    print(json.dumps(figures), flush=True)


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    pack = load_pack("us-ukraine")
    csv = synthetic_uses(args.n, seed=args.seed).write_csv().encode()
    read_s = best(lambda: pl.read_csv(io.BytesIO(csv), infer_schema=False), args.repeat)
    uses = pl.read_csv(io.BytesIO(csv), infer_schema=False)
    valid, _ = validate_uses(uses, ["linked_to_invasion"])
    lat, lon = valid["__lat"].to_numpy(), valid["__lon"].to_numpy()
    located = locate_many(lat, lon)
    stages = {
        "validate_uses": lambda: validate_uses(uses, ["linked_to_invasion"]),
        "locate_many": lambda: locate_many(lat, lon),
        "zone_bands": lambda: zone_bands(pack, located, lat, lon),
        "enrich_frame": lambda: enrich_frame(valid, pack),
    }
    emit(figure="reference", rows=args.n, read_csv_s=round(read_s, 3))
    for stage, run in stages.items():
        seconds = best(run, args.repeat)
        emit(figure="stage", stage=stage, rows=args.n, seconds=round(seconds, 3), per_read_csv=round(seconds / read_s, 2))
    pick = np.random.default_rng(args.seed).integers(0, max(1, len(lat) // 100), len(lat))  # 1% distinct points
    unique_s = best(lambda: locate_many(lat, lon), args.repeat)
    repeated_s = best(lambda: locate_many(lat[pick], lon[pick]), args.repeat)
    emit(figure="locate_repeated_points", rows=len(lat), distinct=len(np.unique(pick)), unique_s=round(unique_s, 3),
         repeated_s=round(repeated_s, 3), speedup=round(unique_s / repeated_s, 1))


if __name__ == "__main__":
    main()
