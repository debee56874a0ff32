"""Verdict changes on a table of uses: nothing lost, and each change agrees with judging the row alone."""

from __future__ import annotations

import polars as pl

from enduse import check
from enduse.diff import parse_side
from enduse.diff.data import data_changes
from enduse.errors import InputError
from enduse.examples import sample_path


def test_changes_on_the_messy_sample_add_up_and_agree_with_single_checks(tmp_path, pack):
    a, b = parse_side("@baseline"), parse_side("@kharkiv")
    out = tmp_path / "changed.parquet"
    result = data_changes(sample_path("synthetic.parquet"), a, b, output=out, batch_size=7_000).to_json()
    assert result["rows_in"] == result["rows_compared"] + result["rows_rejected"] == 20_000
    assert result["rows_rejected"] > 0 and result["first_rejects"][0].startswith("row ")
    changed = pl.read_parquet(out)
    assert changed.height == result["rows_changed"] == sum(r["uses"] for r in result["changes"])
    for name in ("target", "region", "month"):
        assert sum(r["uses"] for r in result[f"by_{name}"]) == changed.height
    source = pl.read_parquet(sample_path("synthetic.parquet")).with_row_index("row", offset=1)
    changed_rows = set(changed["row"])
    sample = source.filter(pl.col("row").is_in(list(changed_rows)[:15]) | pl.col("row").is_in([2, 3, 4, 5, 6]))
    for use in sample.iter_rows(named=True):
        raw = {k: use[k] for k in ("date", "lat", "lon", "place", "weapon", "target", "purpose")}
        raw["facts"] = {"linked_to_invasion": use["linked_to_invasion"]} if use["linked_to_invasion"] else {}
        try:
            before, after = check(raw, pack, version="baseline"), check(raw, pack, version="kharkiv")
        except InputError:  # a rejected row: it must not be counted as changed
            assert use["row"] not in changed_rows
            continue
        assert (before.verdict is not after.verdict) == (use["row"] in changed_rows), use


def test_an_audit_output_as_data_gives_the_same_changes(tmp_path):
    from enduse.audit import run_audit

    a, b = parse_side("@baseline"), parse_side("@whole-border")
    run_audit(sample_path("incidents.csv"), tmp_path / "audited.parquet")
    raw = data_changes(sample_path("incidents.csv"), a, b).to_json()
    audited = data_changes(tmp_path / "audited.parquet", a, b).to_json()
    assert raw["rows_changed"] > 0 and audited["changes"] == raw["changes"]
