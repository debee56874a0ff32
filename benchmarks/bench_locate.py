"""Benchmark of locating points with the grid of places against the exact path. A script, not a test: JSON lines.

Both paths run in the same process on the same points, split across threads as ``locate_many`` splits them: the
exact path tests every point against the polygons, the grid path looks up the points of cells no edge crosses
(``enduse.geo.grid``). Border distances are computed the same way on both paths, so the ratio is of the whole of
locating. Points: ``synthetic_uses`` (half near the border, where cells are crossed most) and uniform in its
theatre box. Times are the best of ``--repeat`` runs; the grid's one-off build is printed on its own.

    python benchmarks/bench_locate.py --n 1000000
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np
from bench_enrich import best, emit  # this script's folder is on the path when it runs

from enduse.geo import locate as L
from enduse.synthetic import THEATRE, synthetic_uses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    border = L.border_stretch()._nearest
    L.locate_many(np.array([50.0]), np.array([36.0]))  # the index and the border line, outside the timings
    start = time.perf_counter()
    grid = L._place_grid()
    emit(figure="grid_build", seconds=round(time.perf_counter() - start, 3), cells=int(grid.answer.size),
         decided_cells=round(float((grid.answer >= 0).mean()), 3))
    synthetic = synthetic_uses(args.n, seed=args.seed)
    lat_min, lat_max, lon_min, lon_max = THEATRE
    rng = np.random.default_rng(args.seed)
    inputs = {
        "synthetic_uses": (synthetic["lat"].to_numpy(), synthetic["lon"].to_numpy()),
        "uniform_theatre": (rng.uniform(lat_min, lat_max, args.n), rng.uniform(lon_min, lon_max, args.n)),
    }
    for name, (lat, lon) in inputs.items():
        paths = {
            "exact": partial(L._locate_chunk, border, None),
            "grid": partial(L._locate_chunk, border, grid),
            "places_exact": lambda la, lo: (L._located_places(None, la, lo),),
            "places_grid": lambda la, lo: (L._located_places(grid, la, lo),),
        }
        results = {path: L._in_chunks(func, lat, lon) for path, func in paths.items()}
        identical = all(np.array_equal(a, b) for a, b in zip(results["exact"], results["grid"], strict=True))
        s = {path: best(partial(L._in_chunks, func, lat, lon), args.repeat) for path, func in paths.items()}
        emit(figure="locate", points=name, n=len(lat), identical=identical,
             looked_up=round(float((grid.lookup(lat, lon) >= 0).mean()), 3),
             **{f"{path}_s": round(seconds, 3) for path, seconds in s.items()},
             speedup=round(s["exact"] / s["grid"], 2), places_speedup=round(s["places_exact"] / s["places_grid"], 2))

if __name__ == "__main__":
    main()
