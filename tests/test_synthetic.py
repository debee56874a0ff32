"""The synthetic generator and its bundled sample (synthetic.parquet; the bundled incidents: tests/examples).

Validity is checked with rules written here, independently of the generator, so that ``expected_bad`` is
tested against what "broken" means for an input row rather than against the generator's own bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from importlib import resources

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from enduse.catalog import load_catalog
from enduse.errors import InputError
from enduse.geo.gazetteer import PlaceError, resolve_place
from enduse.geo.locate import locate_many
from enduse.synthetic import (
    SAMPLE_MESSY,
    SAMPLE_ROWS,
    SAMPLE_SEED,
    THEATRE,
    synthetic_uses,
)
from enduse.uses import validate_uses
from enduse.vocab import FACT_VALUES, PURPOSES, TARGETS, UNKNOWN

COLUMNS = ["id", "date", "lat", "lon", "place", "weapon", "target", "purpose", "linked_to_invasion", "expected_bad"]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_in_range(value: object, bound: float) -> bool:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return abs(number) <= bound


def _weapon_known(word: str | None) -> bool:
    try:
        load_catalog().canonical(word or "")
    except InputError:
        return False
    return True


def _place_resolves(name: str) -> bool:
    try:
        resolve_place(name)
    except PlaceError:
        return False
    return True


def broken_rules(row: dict) -> list[str]:
    """Names of the simple validity rules ``row`` fails (empty for a valid row)."""
    failed = []
    date = row["date"]
    if _blank(date) or not ISO_DATE.fullmatch(date):
        failed.append("date format")
    else:
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            failed.append("date value")
    has_point = not _blank(row["lat"]) or not _blank(row["lon"])
    if has_point and not _blank(row["place"]):
        failed.append("place and point")
    elif has_point and not (_number_in_range(row["lat"], 90) and _number_in_range(row["lon"], 180)):
        failed.append("point")
    elif not has_point and (_blank(row["place"]) or not _place_resolves(row["place"])):
        failed.append("place")
    if not _weapon_known(row["weapon"]):
        failed.append("weapon")
    if row["target"] not in TARGETS:
        failed.append("target")
    if row["purpose"] not in PURPOSES:
        failed.append("purpose")
    if row["linked_to_invasion"] not in FACT_VALUES:
        failed.append("fact")
    return failed


def test_same_seed_same_table():
    assert_frame_equal(synthetic_uses(2_000, seed=7), synthetic_uses(2_000, seed=7))
    assert_frame_equal(synthetic_uses(2_000, seed=7, messy=0.1), synthetic_uses(2_000, seed=7, messy=0.1))


def test_different_seeds_differ():
    a, b = synthetic_uses(2_000, seed=1), synthetic_uses(2_000, seed=2)
    for column in ("date", "lat", "lon", "weapon", "target", "purpose"):
        assert (a[column] != b[column]).mean() > 0.5, column


def test_columns_and_dtypes_clean():
    df = synthetic_uses(100, seed=3)
    assert df.columns == COLUMNS
    assert df.schema["lat"] == df.schema["lon"] == pl.Float64
    assert df.schema["expected_bad"] == pl.Boolean
    for column in ("id", "date", "place", "weapon", "target", "purpose", "linked_to_invasion"):
        assert df.schema[column] == pl.String, column
    assert df["place"].null_count() == 100
    assert not df["expected_bad"].any()
    assert df["id"][:2].to_list() == ["syn-000001", "syn-000002"]
    assert df["id"].n_unique() == 100


def test_messy_tables_have_text_coordinates():
    df = synthetic_uses(100, seed=3, messy=0.05)
    assert df.columns == COLUMNS
    assert df.schema["lat"] == df.schema["lon"] == pl.String


def test_clean_rows_are_valid_and_in_vocabulary():
    df = synthetic_uses(20_000, seed=11)
    assert df["date"].str.to_date().is_between(dt.date(2022, 3, 1), dt.date(2026, 6, 30)).all()
    assert df["lat"].is_between(-90, 90).all() and df["lon"].is_between(-180, 180).all()
    canonical = {w.name for w in load_catalog()} | {UNKNOWN}
    assert set(df["weapon"].unique()) <= canonical
    assert set(df["target"].unique()) == set(TARGETS)
    assert set(df["purpose"].unique()) == set(PURPOSES)
    assert set(df["linked_to_invasion"].unique()) == set(FACT_VALUES)
    suppliers = {w.name: w.suppliers[0] for w in load_catalog()}
    us = df["weapon"].replace_strict(suppliers, default="").eq("US").mean()
    assert 0.70 < us < 0.80
    assert 0.05 < df["weapon"].eq(UNKNOWN).mean() < 0.15
    assert df["weapon"].n_unique() == len(canonical)


def test_points_crowd_the_border_on_both_sides():
    df = synthetic_uses(20_000, seed=5)
    lat, lon = df["lat"].to_numpy(), df["lon"].to_numpy()
    lat_min, lat_max, lon_min, lon_max = THEATRE
    in_theatre = (lat >= lat_min) & (lat <= lat_max) & (lon >= lon_min) & (lon <= lon_max)
    assert in_theatre.mean() > 0.95
    where = locate_many(lat, lon)
    near = where.border_distance_km <= 150
    # Half the points are placed within 150 km of the border, and some of the even spread lands there too.
    assert 0.5 < near.mean() < 0.7
    for country in ("RU", "UA"):
        assert np.mean(where.country[near] == country) > 0.3, country


@pytest.mark.parametrize("messy", [0.01, 0.2])
def test_expected_bad_marks_exactly_the_broken_rows(messy):
    n = 5_000
    df = synthetic_uses(n, seed=9, messy=messy)
    assert df["expected_bad"].sum() == round(messy * n)
    for row in df.iter_rows(named=True):
        assert bool(broken_rules(row)) == row["expected_bad"], row


def test_every_kind_of_defect_occurs():
    df = synthetic_uses(5_000, seed=4, messy=0.2).filter("expected_bad")
    failed = {rule for row in df.iter_rows(named=True) for rule in broken_rules(row)}
    expected = {"date format", "date value", "place and point", "point", "place", "weapon", "target", "purpose", "fact"}
    assert failed == expected


def test_expected_bad_agrees_with_validate_uses():
    """The project's own validator, plus place resolution, rejects exactly the rows marked bad."""
    df = synthetic_uses(5_000, seed=8, messy=0.2)
    valid, rejects = validate_uses(df, ["linked_to_invasion"])
    unresolved = {place for place in valid["__place"].drop_nulls().unique() if not _place_resolves(place)}
    rejected = set(rejects["id"]) | set(valid.filter(pl.col("__place").is_in(unresolved))["id"])
    assert rejected == set(df.filter("expected_bad")["id"])


def test_csv_round_trip_keeps_which_rows_are_bad():
    df = synthetic_uses(2_000, seed=6, messy=0.2)
    back = pl.read_csv(io.BytesIO(df.drop("expected_bad").write_csv().encode()), infer_schema=False)
    for row, bad in zip(back.iter_rows(named=True), df["expected_bad"], strict=True):
        assert bool(broken_rules(row)) == bad, row


def test_clean_rows_do_not_depend_on_messy():
    clean = synthetic_uses(3_000, seed=12)
    messy = synthetic_uses(3_000, seed=12, messy=0.3)
    kept = ~messy["expected_bad"]
    expected = clean.filter(kept).with_columns(pl.col("lat", "lon").cast(pl.String))
    assert_frame_equal(messy.filter(kept), expected)


def test_arguments_are_checked():
    with pytest.raises(ValueError):
        synthetic_uses(10, messy=1.5)
    with pytest.raises(ValueError):
        synthetic_uses(-1)
    assert synthetic_uses(0).height == 0


def test_bundled_sample_is_current():
    """Fails after a change to the generator, catalogue or vocabularies: regenerate with ``write_sample()``."""
    with resources.files("enduse.examples").joinpath("synthetic.parquet").open("rb") as f:
        bundled = pl.read_parquet(f)
    assert_frame_equal(bundled, synthetic_uses(SAMPLE_ROWS, SAMPLE_SEED, messy=SAMPLE_MESSY))
