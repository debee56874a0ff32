"""Reading audit outputs: the same results whatever the file format, standard names, typed columns."""

from __future__ import annotations

import polars as pl
import pytest

from enduse.catalog import load_catalog
from enduse.errors import InputError
from enduse.report.data import prepare, read_audit

RESULTS = ["id", "verdict", "version", "clauses", "missing", "zones", "country", "located_region", "border_distance_km", "day"]


def test_parquet_csv_and_jsonl_read_the_same(audits):
    frames = [read_audit(audits[f"incidents.{ext}"]).select(RESULTS).sort("id") for ext in ("parquet", "csv", "jsonl")]
    assert frames[0].height > 0
    assert frames[0]["clauses"].list.len().sum() > 0  # lists really came through
    for other in frames[1:]:
        assert other.equals(frames[0])


def test_csv_lists_match_the_parquet_lists(audits):
    csv_text = pl.read_csv(audits["incidents.csv"], infer_schema=False).sort("id")
    lists = read_audit(audits["incidents.parquet"]).sort("id")
    for column in ("clauses", "missing", "zones"):
        assert csv_text[column].fill_null("").to_list() == [";".join(v) for v in lists[column]]


def test_results_under_enduse_names_replace_the_inputs_own_columns():
    frame = pl.DataFrame({"verdict": ["analyst said yes"], "enduse_verdict": ["FORBIDDEN"], "weapon": ["HIMARS"],
                          "date": ["2024-06-01"]})
    prepared = prepare(frame)
    assert prepared["verdict"].to_list() == ["FORBIDDEN"] and "enduse_verdict" not in prepared.columns


def test_weapon_class_from_the_catalogue_and_unknown_otherwise():
    catalog = load_catalog()
    weapon = next(iter(catalog))
    frame = pl.DataFrame({"verdict": ["ALLOWED"] * 4, "weapon": [weapon.name, weapon.name.lower(), "Excalibur-9000", None]})
    classes = prepare(frame)["weapon_class"].to_list()
    assert classes == [weapon.weapon_class, weapon.weapon_class, "unknown", "unknown"]


def test_dates_of_any_type_give_a_day_and_month():
    import datetime as dt

    frame = pl.DataFrame({"verdict": ["ALLOWED"] * 3, "date": [dt.datetime(2024, 5, 30, 12), dt.datetime(2022, 1, 2), None]})
    prepared = prepare(frame)
    assert prepared["day"].to_list() == [dt.date(2024, 5, 30), dt.date(2022, 1, 2), None]
    assert prepared["month"].to_list() == ["2024-05", "2022-01", "unknown"]


def test_a_table_without_verdicts_is_not_an_audit_output(tmp_path):
    table = tmp_path / "uses.csv"
    table.write_text("id,date,weapon\n1,2024-06-01,HIMARS\n")
    with pytest.raises(InputError, match="not an audit output"):
        read_audit(table)


@pytest.mark.parametrize("name", ["missing.parquet", "report.html"])
def test_unreadable_inputs_are_input_errors(tmp_path, name):
    (tmp_path / "report.html").write_text("<p>")
    with pytest.raises(InputError):
        read_audit(tmp_path / name)
