"""Bad input never crashes and never loses a row: random uses, random tables, a poisoned check among valid ones."""

from __future__ import annotations

import json

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from enduse.audit import run_audit
from enduse.cli import app
from enduse.errors import EnduseError, InputError
from enduse.judge import Judge

WORDS = st.one_of(st.text(max_size=12), st.sampled_from(["HIMARS", "Patriot", "unknown", "2024-06-05", "Kursk", "US", "yes",
                                                           "artillery", "counter_fire", "__row", "reason", "[/x]", "\x1b[2J"]))
JSON_VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), WORDS),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(WORDS, inner, max_size=3), max_leaves=8)
FIELDS = ["id", "date", "lat", "lon", "place", "weapon", "supplier", "target", "purpose", "facts"]
USES = st.dictionaries(st.sampled_from([*FIELDS, "extra"]), JSON_VALUES, max_size=9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=st.one_of(USES, st.lists(USES, max_size=4), JSON_VALUES))
def test_check_json_never_prints_a_traceback(document):
    result = CliRunner().invoke(app, ["check", "--json", "-", "--format", "json"], input=json.dumps(document))
    assert result.exit_code in (0, 2, 5), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(uses=st.lists(USES, min_size=1, max_size=6))
def test_each_use_fails_alone(uses):
    """A batch of random uses: every item gets its own decision or error; a valid use among them is still judged."""
    valid = {"date": "2024-06-05", "place": "Shebekino", "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire"}
    results = Judge.create(engine="cedar").uses([*uses, valid])
    assert len(results) == len(uses) + 1
    assert all(isinstance(r, EnduseError) or r.verdict for r in results)
    assert not isinstance(results[-1], EnduseError) and results[-1].verdict.value == "ALLOWED"


CELLS = st.one_of(st.none(), WORDS, st.sampled_from(["50.4", "36.9", "91", "-200", "nan", "2024-13-01", "F-16", "SAMP/T"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries({c: CELLS for c in ["date", "lat", "lon", "place", "weapon", "supplier", "target",
                                                                "linked_to_invasion"]}), min_size=1, max_size=12),
       kind=st.sampled_from(["csv", "jsonl", "parquet"]))
def test_random_tables_lose_no_row(tmp_path_factory, rows, kind):
    folder = tmp_path_factory.mktemp("fuzz")
    frame = pl.DataFrame(rows, schema={c: pl.String for c in rows[0]})
    source = folder / f"in.{kind}"
    {"csv": frame.write_csv, "jsonl": frame.write_ndjson, "parquet": frame.write_parquet}[kind](source)
    try:
        summary = run_audit(source, folder / "out.parquet", rejects=folder / "rejects.csv")
    except InputError:
        assert sorted(p.name for p in folder.iterdir()) == [source.name]  # refused whole: nothing written
        return
    out = pl.read_parquet(folder / "out.parquet")
    rejected = pl.read_csv(folder / "rejects.csv", infer_schema=False)
    assert summary.rows_in == len(rows) == out.height + rejected.height
    assert set(frame.columns) <= set(out.columns) and set(frame.columns) <= set(rejected.columns)
    numbers = rejected["row"].cast(pl.Int64).to_list()
    assert len(set(numbers)) == len(numbers) and all(1 <= n <= len(rows) for n in numbers)
