"""The bulk audit: nothing lost, Cedar-exact, streamed, atomic."""

from __future__ import annotations

import zlib

import polars as pl
import pytest

from enduse import check, load_pack
from enduse.audit import TooManyRejects, audit, audit_batch, run_audit
from enduse.columns import ROW
from enduse import engines
from enduse.engines import ENGINES
from enduse.enrich import enrich_frame
from enduse.errors import InputError
from enduse.evaluate import decide_frame
from enduse.judge import Judge
from enduse.packs import builtin_names
from enduse.synthetic import synthetic_uses
from enduse.uses import validate_uses

RESULTS = ["verdict", "supplier", "pack", "version", "clauses", "missing", "confidence", "candidates", "country", "located_region",
           "border_distance_km", "zones", "resolved_lat", "resolved_lon"]
EVERY_VERSION = [(name, v) for name in builtin_names() for v in load_pack(name).version_ids]


@pytest.fixture(scope="module")
def messy():
    return synthetic_uses(3_000, seed=11, messy=0.08)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_rows_in_equal_rows_out_plus_rejected(tmp_path, messy, suffix, pack):
    source = tmp_path / f"in{suffix}"
    getattr(messy, {".csv": "write_csv", ".parquet": "write_parquet", ".jsonl": "write_ndjson"}[suffix])(source)
    summary = run_audit(source, tmp_path / "out.parquet", rejects=tmp_path / "rejects.csv", pack=pack, batch_size=700)
    out, rejects = pl.read_parquet(tmp_path / "out.parquet"), pl.read_csv(tmp_path / "rejects.csv", infer_schema=False)
    assert summary.rows_in == messy.height == out.height + rejects.height
    assert (summary.rows_out, summary.rows_rejected) == (out.height, rejects.height)
    assert sorted(out["id"].to_list() + rejects["id"].to_list()) == sorted(messy["id"].to_list())
    assert set(rejects["id"]) == set(messy.filter("expected_bad")["id"])
    numbers = rejects["row"].cast(pl.Int64).to_list()
    assert all(messy["id"][n - 1] == i for n, i in zip(numbers, rejects["id"]))
    assert rejects["reason"].null_count() == 0
    assert set(messy.columns) < set(out.columns) and set(RESULTS) <= set(out.columns)


def _decided(frame, pack, engine, version):
    valid, _ = validate_uses(frame, [f for f in pack.facts if f in frame.columns])
    situations, _ = enrich_frame(valid, pack)
    return decide_frame(situations, pack, ENGINES[engine], version=version).select(
        "id", "__verdict", "__clauses", "__missing", "__errors"
    ).sort("id")


@pytest.mark.parametrize(("name", "version"), EVERY_VERSION)
def test_columnar_engine_equals_cedar_on_random_uses(name, version, monkeypatch):
    """Every version of every bundled pack: the columnar engine decides exactly as Cedar (errors included)."""
    monkeypatch.setattr(engines, "SMALL_FRAME", 0)  # every frame compiled, however small
    pack = load_pack(name)
    frame = synthetic_uses(4_000 if name == "us-ukraine" else 1_500, seed=zlib.crc32(f"{name}@{version}".encode()) % 1000)
    columnar = _decided(frame, pack, "columnar", version)
    cedar = _decided(frame, pack, "cedar", version)
    assert columnar.equals(cedar)
    assert cedar["__errors"].list.len().sum() == 0
    assert {"ALLOWED", "FORBIDDEN"} & set(columnar["__verdict"])


def test_audit_agrees_with_check_row_by_row(pack):
    frame = synthetic_uses(150, seed=5)
    out, rejected = audit_batch(frame, Judge.create(pack))
    assert rejected.height == 0
    for row in out.iter_rows(named=True):
        raw = {k: row[k] for k in ("date", "lat", "lon", "weapon", "target", "purpose")}
        decision = check({**raw, "facts": {"linked_to_invasion": row["linked_to_invasion"]}}, pack)
        assert (decision.verdict.value, decision.version) == (row["verdict"], row["version"])
        assert sorted(c.id for c in decision.clauses) == sorted(row["clauses"])
        assert list(decision.missing) == row["missing"]


def test_batches_do_not_change_the_result(tmp_path, messy, pack):
    source = tmp_path / "in.csv"
    messy.write_csv(source)
    run_audit(source, tmp_path / "one.parquet", pack=pack, batch_size=10_000)
    run_audit(source, tmp_path / "many.parquet", pack=pack, batch_size=257)
    assert pl.read_parquet(tmp_path / "one.parquet").equals(pl.read_parquet(tmp_path / "many.parquet"))
    assert pl.read_csv(tmp_path / "one.rejects.csv").equals(pl.read_csv(tmp_path / "many.rejects.csv"))


def test_batches_are_prepared_one_ahead_and_judged_in_order(tmp_path, messy, pack, monkeypatch):
    """Validating and locating the next batch overlaps judging one (``Judge.prepare`` in a thread); batches are judged
    in order and never more than one waits prepared, so memory stays that of two batches."""
    source = tmp_path / "in.csv"
    messy.write_csv(source)
    prepared, judged_rows, ahead = [], [], []
    prepare, judged = Judge.prepare, Judge.judged

    def preparing(self, frame, first_row=1):
        prepared.append(first_row)
        return prepare(self, frame, first_row=first_row)

    def judging(self, ready, version=None):
        ahead.append(len(prepared) - len(judged_rows))
        judged_rows.append(ready.located.uses[ROW].min())
        return judged(self, ready, version=version)

    monkeypatch.setattr(Judge, "prepare", preparing)
    monkeypatch.setattr(Judge, "judged", judging)
    run_audit(source, tmp_path / "out.parquet", pack=pack, batch_size=1_000)
    assert prepared == [1, 1_001, 2_001]
    assert judged_rows == sorted(judged_rows) and len(judged_rows) == 3
    assert max(ahead) <= 2  # the batch being judged and at most one more


def test_a_failed_run_leaves_no_output(tmp_path, messy, pack):
    source = tmp_path / "in.csv"
    messy.write_csv(source)
    calls = []

    def breaks_on_second_batch(batch):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return batch

    with pytest.raises(KeyboardInterrupt):
        run_audit(source, tmp_path / "out.parquet", pack=pack, batch_size=500, adapter=breaks_on_second_batch)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_max_rejects_aborts_and_writes_nothing(tmp_path, messy, pack):
    source = tmp_path / "in.csv"
    messy.write_csv(source)
    with pytest.raises(TooManyRejects, match="row "):
        run_audit(source, tmp_path / "out.csv", pack=pack, max_rejects=10, batch_size=500)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_mapping_and_clashing_columns(pack):
    frame = synthetic_uses(50, seed=3).rename({"target": "target_type"}).with_columns(pl.lit("x").alias("country"))
    with pytest.raises(InputError, match="target"):
        audit_batch(frame.drop("target_type"), Judge.create(pack), mapping={"target": "target_type"})
    out, _ = audit_batch(frame, Judge.create(pack), mapping={"target": "target_type"})
    assert "target" not in out.columns and out["country"].unique().to_list() == ["x"]
    assert set(out["enduse_country"]) <= {"RU", "UA", "BY", "other"}
    unmapped, _ = audit_batch(frame, Judge.create(pack))
    assert (unmapped["verdict"] != out["verdict"]).any()


def test_python_api_keeps_every_row_in_order(messy, pack):
    result = audit(messy, pack)
    assert result["id"].to_list() == messy["id"].to_list()
    assert (result["reject_reason"].is_not_null() == result["verdict"].is_null()).all()
    assert result.filter(pl.col("reject_reason").is_not_null())["expected_bad"].all()


def test_python_api_takes_and_returns_pandas(pack):
    pandas = pytest.importorskip("pandas")
    frame = synthetic_uses(40, seed=9).to_pandas()
    result = audit(frame, pack)
    assert isinstance(result, pandas.DataFrame) and len(result) == 40 and "verdict" in result.columns


def test_parquet_output_reads_in_pandas(tmp_path, pack):
    """Analysts open audits with pandas: lists of texts (clauses, zones) must come back as lists of texts (pandas
    cannot read Arrow's string views inside lists, which polars' newest Arrow layout would have written)."""
    pandas = pytest.importorskip("pandas")
    source = tmp_path / "in.csv"
    synthetic_uses(300, seed=5).write_csv(source)
    run_audit(source, tmp_path / "out.parquet", pack=pack)
    ours, theirs = pl.read_parquet(tmp_path / "out.parquet"), pandas.read_parquet(tmp_path / "out.parquet")
    assert list(theirs.columns) == ours.columns and len(theirs) == ours.height == 300
    assert [list(c) for c in theirs["clauses"]] == ours["clauses"].to_list()
    assert theirs["verdict"].tolist() == ours["verdict"].to_list()


@pytest.mark.slow
def test_dask_engine_writes_what_the_local_engine_writes(tmp_path, messy):
    """Every pack, with changed assumptions: the workers judge with exactly the caller's packs and assumptions."""
    from dask.distributed import LocalCluster

    source = tmp_path / "in.parquet"
    messy.write_parquet(source)
    narrow = {"near_border_inside_km": "5", "near_border_outside_km": "10"}
    run_audit(source, tmp_path / "local.parquet", params=narrow, batch_size=600)
    run_audit(source, tmp_path / "default.parquet", batch_size=600)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        summary = run_audit(source, tmp_path / "dask.parquet", params=narrow, batch_size=600, engine="dask",
                            scheduler=cluster.scheduler_address)
    assert not pl.read_parquet(tmp_path / "default.parquet").equals(pl.read_parquet(tmp_path / "local.parquet"))
    assert summary.rows_in == messy.height
    assert pl.read_parquet(tmp_path / "dask.parquet").equals(pl.read_parquet(tmp_path / "local.parquet"))
    assert pl.read_csv(tmp_path / "dask.rejects.csv").equals(pl.read_csv(tmp_path / "local.rejects.csv"))


def test_an_audit_output_can_be_audited_again(tmp_path, pack):
    """Input columns named like results (verdict, clauses, missing, errors…) pass through; results go to enduse_*."""
    source = tmp_path / "in.csv"
    narrow = {"near_border_inside_km": "1", "near_border_outside_km": "2"}
    synthetic_uses(2_000, seed=4).write_csv(source)
    run_audit(source, tmp_path / "once.csv", pack=pack)
    run_audit(tmp_path / "once.csv", tmp_path / "twice.csv", pack=pack, params=narrow)
    once, twice = pl.read_csv(tmp_path / "once.csv"), pl.read_csv(tmp_path / "twice.csv")
    assert twice["verdict"].equals(once["verdict"]) and twice["clauses"].equals(once["clauses"])
    fresh = audit(synthetic_uses(2_000, seed=4), pack, params=narrow)
    assert twice["enduse_verdict"].to_list() == fresh["verdict"].to_list()
    assert (twice["enduse_verdict"] != twice["verdict"]).any()


def test_dates_before_the_first_version_and_after_it_in_one_batch(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("date,place,weapon\n2021-01-01,Kursk,HIMARS\n2024-07-01,Kursk,HIMARS\n")
    summary = run_audit(source, tmp_path / "out.csv")
    out = pl.read_csv(tmp_path / "out.csv")
    assert summary.rows_out == 2 and out["verdict"][0] == "NOT_GOVERNED" and out["version"].to_list() == [None, "whole-border"]


def test_a_jsonl_column_first_seen_late_still_reaches_the_decision(tmp_path):
    import json

    rows = [{"date": "2024-06-05", "place": "Shebekino", "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire"}] * 10_001
    rows.append({**rows[0], "linked_to_invasion": "no"})
    source = tmp_path / "late.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    run_audit(source, tmp_path / "out.jsonl")
    out = pl.read_ndjson(tmp_path / "out.jsonl", infer_schema_length=None)
    assert out["verdict"][-1] == "FORBIDDEN" and out["verdict"][0] == "ALLOWED"


def test_a_batch_size_below_one_is_an_input_error(tmp_path, messy):
    source = tmp_path / "in.csv"
    messy.write_csv(source)
    with pytest.raises(InputError, match="--batch-size must be at least 1"):
        run_audit(source, tmp_path / "out.csv", batch_size=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [("date,place,weapon,__x", "2024-06-05,Kursk,HIMARS,1", "names starting with '__' are reserved"),
     ("date,place,weapon,verdict,enduse_verdict", "2024-06-05,Kursk,HIMARS,a,b", "both verdict and enduse_verdict")],
)
def test_reserved_and_doubly_taken_column_names_are_input_errors(tmp_path, header, row, message):
    source = tmp_path / "in.csv"
    source.write_text(f"{header}\n{row}\n")
    with pytest.raises(InputError, match=message):
        run_audit(source, tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize(("output", "rejects", "message"), [("out.csv", "out.csv", "are the same file"),
                                                            ("in.csv", None, "would overwrite the input"),
                                                            ("out.csv", "in.csv", "would overwrite the input")])
def test_outputs_never_overwrite_each_other_or_the_input(tmp_path, messy, output, rejects, message):
    source = tmp_path / "in.csv"
    messy.write_csv(source)
    before = source.read_bytes()
    with pytest.raises(InputError, match=message):
        run_audit(source, tmp_path / output, rejects=tmp_path / rejects if rejects else None)
    assert source.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_default_rejects_follow_the_whole_output_name(tmp_path, messy):
    source = tmp_path / "in.csv"
    messy.write_csv(source)
    first, second = run_audit(source, tmp_path / "a.x.csv"), run_audit(source, tmp_path / "a.y.csv")
    assert (first.rejects.name, second.rejects.name) == ("a.x.rejects.csv", "a.y.rejects.csv")


def test_a_list_typed_use_column_is_an_input_error(tmp_path):
    source = tmp_path / "in.parquet"
    pl.DataFrame({"date": ["2024-06-05"], "lat": [[50.0]], "lon": [36.0], "weapon": ["HIMARS"]}).write_parquet(source)
    with pytest.raises(InputError, match="lat hold lists or records"):
        run_audit(source, tmp_path / "out.csv")


def test_columns_named_like_the_rejects_columns_are_refused(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("date,place,weapon,row\n2024-06-05,Kursk,HIMARS,1\n")
    with pytest.raises(InputError, match="'row', 'reason' and names starting with '__' are reserved"):
        run_audit(source, tmp_path / "out.csv")
