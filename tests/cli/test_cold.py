"""A command loads only what it uses: a check draws no map, serves nothing, renders no template, runs no Dask.

What a cold start costs is measured by ``benchmarks/bench_cold.py``; this guards what it depends on most, the
modules a command imports, which a stray top-level import elsewhere silently changes.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from entry import plain_env

NEVER_FOR_A_CHECK = {"matplotlib", "fastapi", "starlette", "uvicorn", "jinja2", "dask", "distributed", "pyarrow", "httpx"}
#: The help only describes commands: not even the policy language or the geometry.
NOT_FOR_HELP = NEVER_FOR_A_CHECK | {"cedarpy", "shapely", "pyproj", "rapidfuzz"}
USE = ["--date", "2024-06-05", "--weapon", "HIMARS", "--target", "artillery", "--purpose", "counter_fire"]
PROBE = """
import sys
from enduse.cli import main
sys.argv = ["enduse", *sys.argv[1:]]
try:
    main()
except SystemExit as stop:
    code = stop.code
print("\\nLOADED", " ".join(sorted({name.split(".")[0] for name in sys.modules})), "EXIT", code)
"""


def loaded(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120,
                          env=plain_env(COLUMNS="200"), check=False)
    last = done.stdout.rsplit("\nLOADED ", 1)[-1].split()
    assert last[-2:] == ["EXIT", "0"], done.stdout + done.stderr
    return set(last[:-2])


@pytest.mark.parametrize("args", [
    ["check", "--lat", "50.6", "--lon", "36.6", *USE],
    ["check", "--place", "Sudzha", "--within-km", "10", *USE, "--format", "json"],
    ["versions"],
    ["compare", "--place", "Sudzha", "--date", "2024-09-01"],
])
def test_a_check_loads_nothing_it_does_not_use(args):
    modules = loaded(*args)
    assert {"cedarpy", "shapely"} <= modules, "the probe must see the modules a check does load"
    assert modules & NEVER_FOR_A_CHECK == set()


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["audit", "--help"], ["log", "--help"]])
def test_the_help_loads_no_policy_language_nor_geometry(args):
    modules = loaded(*args)
    assert "typer" in modules
    assert modules & NOT_FOR_HELP == set()
