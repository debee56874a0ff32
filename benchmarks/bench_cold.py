"""Benchmark: a cold ``enduse`` process (check, versions, --help) against the import floor of its libraries.

The reference is a process that only imports what any check must: ``python -c "import polars, shapely,
cedarpy"``. Each command is a fresh process, as a user's shell or script starts it; runs of all scenarios are
interleaved (one of each per round) so that load from other work on the machine falls on all alike. The pack
cache lives in a temporary folder, filled by one untimed run first (a user's first run pays validation once);
``check, no pack cache`` shows that first run. Python writes bytecode as on a user's machine (the untimed run
writes it). A second reference, the floor's libraries and a one-option typer command, shows what the CLI framework
adds to any command (typer parses options with pydantic); a third, enduse's command line parsing a check's options
into a command that does nothing, what a check costs before its work. Prints one JSON line per scenario: median wall
time and its ratio to the floor's median (the target for a check is at most 1.5x). Timings are printed, never asserted.

    python benchmarks/bench_cold.py --rounds 15
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
ENDUSE = str(Path(PYTHON).with_name("enduse"))
USE = ["--date", "2024-06-05", "--weapon", "HIMARS", "--target", "artillery", "--purpose", "counter_fire"]
#: The floor's libraries and a one-option typer command: what any typer CLI over them costs before its own work.
TYPER_FLOOR = """
import polars, shapely, cedarpy, typer
app = typer.Typer()
@app.command()
def check(lat: float = 0.0) -> None: ...
app(["--lat", "50.6"], standalone_mode=False)
"""
#: The floor's libraries and enduse's command line parsing a check's options into a command that does nothing: what
#: a check costs before it loads a pack, locates a point or asks Cedar (typer builds a validator per option).
CLI_FLOOR = """
import functools, sys
import polars, shapely, cedarpy, typer
from enduse.cli.check import check
noop = functools.update_wrapper(lambda *args, **kwargs: None, check.__wrapped__)
app = typer.Typer()
app.command()(noop)
app(sys.argv[1:], standalone_mode=False)
"""
SCENARIOS: dict[str, tuple[list[str], bool]] = {  # name -> (command, with the pack cache)
    "floor: import polars, shapely, cedarpy": ([PYTHON, "-c", "import polars, shapely, cedarpy"], True),
    "floor + a one-option typer command": ([PYTHON, "-c", TYPER_FLOOR], True),
    "floor + enduse's CLI parsing a check's options, no work": (
        [PYTHON, "-c", CLI_FLOOR, "--lat", "50.6", "--lon", "36.6", *USE], True),
    "enduse check --lat --lon": ([ENDUSE, "check", "--lat", "50.6", "--lon", "36.6", *USE], True),
    "enduse check --place": ([ENDUSE, "check", "--place", "Vovchansk", *USE], True),
    "enduse check --json (5 uses, 5 suppliers)": ([ENDUSE, "check", "--json", "-"], True),
    "enduse versions": ([ENDUSE, "versions"], True),
    "enduse --help": ([ENDUSE, "--help"], True),
    "enduse check --lat --lon, no pack cache": ([ENDUSE, "check", "--lat", "50.6", "--lon", "36.6", *USE], False),
}
USES = json.dumps([{"date": "2024-09-01", "place": place, "weapon": weapon, "target": "military_forces"}
                   for place, weapon in [("Sudzha", "HIMARS"), ("Belgorod", "Storm Shadow"), ("Kursk", "SCALP"),
                                         ("Bryansk", "Leopard 2"), ("Shebekino", "CAESAR")]])


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, input=USES if "--json" in command else None, capture_output=True, text=True,
                          env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        # Python writes bytecode beside the sources on a user's machine: a first untimed run writes it here too,
        # even where the environment says not to (PYTHONDONTWRITEBYTECODE), which would recompile every start.
        plain = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        envs = {cached: {**plain, "ENDUSE_CACHE_DIR": folder if cached else "", "COLUMNS": "120"} for cached in (True, False)}
        for command, cached in SCENARIOS.values():  # fills the pack cache, loads files into the OS's cache
            _run(command, envs[cached])
        times: dict[str, list[float]] = {name: [] for name in SCENARIOS}
        for _ in range(args.rounds):
            for name, (command, cached) in SCENARIOS.items():
                times[name].append(_run(command, envs[cached]))
    floor = statistics.median(next(iter(times.values())))
    for name, runs in times.items():
        median = statistics.median(runs)
        print(json.dumps({"scenario": name, "median_s": round(median, 3), "min_s": round(min(runs), 3),
                          "ratio_to_floor": round(median / floor, 2), "rounds": len(runs)}))


if __name__ == "__main__":
    main()
