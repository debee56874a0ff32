"""enrich_frame: per-row columns match their definitions, computed row by row."""

from __future__ import annotations

import polars as pl
import pytest

from enduse.enrich import BAND, enrich_frame
from enduse.geo.locate import locate
from enduse.synthetic import synthetic_uses
from enduse.uses import validate_uses
from enduse.zones import zone_assumptions


@pytest.fixture(scope="module")
def situations(pack):
    uses = synthetic_uses(400, seed=7).with_columns(
        # leave the fact unstated on some rows, state "approved" on others
        pl.when(pl.int_range(pl.len()) % 3 == 0).then(None).otherwise(pl.col("linked_to_invasion")).alias("linked_to_invasion"),
        pl.when(pl.int_range(pl.len()) % 4 == 0).then(pl.lit("yes")).alias("approved"),
    )
    valid, _ = validate_uses(uses, ["linked_to_invasion", "approved"])
    found, rejects = enrich_frame(valid, pack)
    assert rejects.height == 0
    return found


def test_categorical_columns_are_strings(situations, pack):
    for column in ["__country", "__region", "__region_name", "__class", *(BAND + z for z in pack.zones)]:
        assert situations.schema[column] == pl.String, column
    assert situations.schema["__assumptions"] == pl.List(pl.String)


def test_each_row_is_located_as_on_its_own(situations):
    for row in situations.head(60).iter_rows(named=True):
        where = locate(row["__lat"], row["__lon"])
        assert (row["__country"], row["__region"], row["__region_name"]) == (where.country, where.region, where.region_name)
        assert row["__border_km"] == where.border_distance_km


def test_assumptions_name_each_eligible_zone_and_each_unstated_fact_once(situations, pack):
    for row in situations.iter_rows(named=True):
        expected = []
        for name, zone in pack.zones.items():
            eligible = row["__country"] == zone.country and (not zone.regions or row["__region"] in zone.regions)
            expected += list(zone_assumptions(zone)) if eligible else []
        for name, fact in pack.facts.items():
            if row.get(name) is None:  # the input column, as stated
                expected.append(fact.default)
        assert row["__assumptions"] == list(dict.fromkeys(expected))
    assert situations["__assumptions"].list.len().n_unique() > 2  # the rows differ in what they assume
