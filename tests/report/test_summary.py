"""The tables of counts agree with plain group-bys, for any data."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from enduse.report.data import read_audit
from enduse.report.summary import SEVERAL, VERDICTS, by_verdict, count_tables, counts

rows = st.lists(
    st.tuples(st.sampled_from(VERDICTS), st.sampled_from(["a", "b", None]), st.sampled_from(["x", "y"])),
    min_size=1, max_size=60,
)


def _cells(table) -> dict[tuple, int]:
    """(key values..., verdict) -> count, for the non-zero cells of a ``CountTable``."""
    long = table.frame.unpivot(index=list(table.keys), on=list(VERDICTS), variable_name="verdict", value_name="n")
    return {row[:-1]: row[-1] for row in long.filter(pl.col("n") > 0).rows()}


def _group_by(frame: pl.DataFrame, keys: list[str]) -> dict[tuple, int]:
    grouped = frame.with_columns(pl.col(k).fill_null("unknown") for k in keys).group_by(*keys, "verdict").len()
    return {row[:-1]: row[-1] for row in grouped.rows()}


@settings(max_examples=60, deadline=None)
@given(rows)
def test_counts_equal_a_group_by(data):
    frame = pl.DataFrame(data, schema=["verdict", "k1", "k2"], orient="row")
    table = counts(frame, ["k1", "k2"], "t")
    assert _cells(table) == _group_by(frame, ["k1", "k2"])
    assert table.frame["total"].sum() == frame.height
    assert table.frame["total"].to_list() == sorted(table.frame["total"].to_list(), reverse=True)


@settings(max_examples=30, deadline=None)
@given(rows)
def test_by_verdict_lists_every_verdict_with_its_share(data):
    frame = pl.DataFrame(data, schema=["verdict", "k1", "k2"], orient="row")
    table = by_verdict(frame)
    assert table["verdict"].to_list() == list(VERDICTS)
    assert table["rows"].to_list() == [frame.filter(pl.col("verdict") == v).height for v in VERDICTS]
    assert abs(table["share"].sum() - 100) < 0.5


def test_report_tables_on_an_audit(audits, pack):
    frame = read_audit(audits["synthetic"])
    tables = {t.keys: t for t in count_tables(frame, pack)}
    raw = pl.read_parquet(audits["synthetic"]).with_columns(month=pl.col("date").str.slice(0, 7))
    assert _cells(tables[("version",)]) == _group_by(raw, ["version"])
    assert _cells(tables[("country",)]) == _group_by(raw, ["country"])
    assert _cells(tables[("month",)]) == _group_by(raw, ["month"])
    regions = {k[:2] + k[3:]: n for k, n in _cells(tables[("country", "located_region", "region_name")]).items()}
    assert regions == _group_by(raw, ["country", "located_region"])
    order = [v.id for v in pack.versions]
    listed = tables[("version",)].frame["version"].to_list()
    assert listed == sorted(listed, key=lambda v: order.index(v) if v in order else len(order))


def test_supplier_and_precision_tables_on_the_bundled_incidents(tmp_path, pack):
    """Every supplier's pack judges its rows (each counted under it), and every location kind is counted."""
    from enduse.audit import run_audit
    from enduse.examples import sample_path

    output = run_audit(sample_path("incidents.csv"), tmp_path / "inc.audit.parquet", progress=False).output
    frame = read_audit(output)
    tables = {t.keys: t for t in count_tables(frame, pack)}
    raw = pl.read_parquet(output)
    judged_by = "enduse_supplier" if "enduse_supplier" in raw.columns else "supplier"  # the input states one too
    by_pack = raw.select(pl.col(judged_by).fill_null(SEVERAL).alias("supplier"), "verdict")
    assert _cells(tables[("supplier",)]) == _group_by(by_pack, ["supplier"])
    assert {"US", "GB"} <= set(tables[("supplier",)].frame["supplier"])
    kind = (pl.when(pl.col("region").is_not_null()).then(pl.lit("region only"))
            .when(pl.col("within_km").is_not_null()).then(pl.lit("within a radius")).otherwise(pl.lit("exact point")))
    assert _cells(tables[("precision",)]) == _group_by(raw.with_columns(kind.alias("precision")), ["precision"])
    assert {"region only", "within a radius"} <= set(tables[("precision",)].frame["precision"])
