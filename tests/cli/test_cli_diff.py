"""`enduse diff` through the installed entry point."""

from __future__ import annotations

import csv
import json

from entry import run

from enduse.examples import sample_path


def test_diff_of_30_may_2024_in_text_and_json(tmp_path):
    text = run("diff", "us-ukraine@2024-05-29", "us-ukraine@2024-05-30")
    assert text.returncode == 0, text.stderr
    flat = " ".join(text.stdout.split())
    assert "B is more permissive than A" in flat and "no-strikes-in-russia" in flat and "counter-fire" in flat
    result = json.loads(run("diff", "us-ukraine@baseline", "us-ukraine@kharkiv", "--format", "json").stdout)
    assert result["space"]["b_more_permissive"] and result["zones"]["by_band"]["inside"]["gained_km2"] > 0


def test_what_if_with_data_writes_the_changed_uses(tmp_path):
    out = tmp_path / "changed.csv"
    result = run("diff", "us-ukraine@kharkiv", "us-ukraine@kharkiv", "--param-b", "near_border_inside_km=80",
                 "--data", str(sample_path("incidents.csv")), "-o", str(out), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)["data"]
    with sample_path("incidents.csv").open(encoding="utf-8") as f:
        rows = sum(1 for _ in csv.DictReader(f))
    assert data["rows_in"] == rows and data["rows_changed"] == len(out.read_text().splitlines()) - 1


def test_bad_sides_and_params_are_one_line_errors():
    for args in (["us-ukraine", "us-ukraine@kharkiv"], ["us-ukraine@kharkiv", "us-ukraine@1990-01-01"],
                 ["us-ukraine@kharkiv", "us-ukraine@kharkiv", "--param-b", "near_border_inside_km=500"]):
        result = run("diff", *args)
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
