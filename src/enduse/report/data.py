"""An audit output as the report reads it: one frame with typed, standard columns.

``enduse audit`` writes the same results to Parquet, JSON Lines and CSV, where
list columns are ``;``-joined text and every cell is text. ``prepare`` undoes
those differences so the rest of the report can rely on: the result columns
under their standard names (even where the input had its own ``verdict`` and
the audit wrote ``enduse_verdict``), list columns as lists of strings, numbers
as floats, and derived columns: ``day`` (Date, null when unreadable),
``month`` (``YYYY-MM`` or ``unknown``), ``region_name`` (of ``located_region``, from
the bundled geography), ``weapon_class`` (from the catalogue, ``unknown`` when the
weapon is not in it), ``precision`` (how precisely the use was located: exact point,
within a radius, region only) and ``location`` (the location as reported, in words).
An output of an older enduse, whose derived region was called ``region``, reads the same.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from enduse.audit import RESULT_COLUMNS
from enduse.catalog import load_catalog
from enduse.errors import InputError
from enduse.geo.boundaries import regions
from enduse.tables import read_batches
from enduse.vocab import UNKNOWN

LIST_COLUMNS = ("clauses", "missing", "zones")
FLOAT_COLUMNS = ("border_distance_km", "resolved_lat", "resolved_lon")
TEXT_COLUMNS = ("id", "place", "weapon", "target", "purpose", "verdict", "supplier", "pack", "version", "confidence", "country",
                "located_region", "region", "lat", "lon")
#: How precisely a use was located, from its use columns.
PRECISIONS = ("exact point", "within a radius", "region only")


def read_audit(path: str | Path) -> pl.DataFrame:
    """The audit output in ``path`` (.parquet, .csv or .jsonl), prepared; ``InputError`` if unreadable or not one."""
    batches = list(read_batches(path))
    if not batches:
        raise InputError(f"{path}: no rows to report")
    return prepare(pl.concat(batches, how="vertical_relaxed"), str(path))


def prepare(frame: pl.DataFrame, name: str = "input") -> pl.DataFrame:
    """``frame`` with the standard, typed columns described in the module docstring."""
    frame = _standard_names(frame)
    if "verdict" not in frame.columns:
        raise InputError(f"{name}: not an audit output (no verdict column); run `enduse audit` first")
    if "located_region" not in frame.columns and "region" in frame.columns:
        frame = frame.rename({"region": "located_region"})
    if "within_km" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.Float64).alias("within_km"))
    missing = [c for c in TEXT_COLUMNS + LIST_COLUMNS + FLOAT_COLUMNS if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in missing)
    frame = frame.with_columns(
        *(_as_list(frame, c) for c in LIST_COLUMNS),
        *(pl.col(c).cast(pl.Float64, strict=False) for c in (*FLOAT_COLUMNS, "within_km")),
        *(pl.col(c).cast(pl.String) for c in TEXT_COLUMNS),
    )
    day = pl.col("date").cast(pl.String).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False) if "date" in frame.columns else pl.lit(None, pl.Date)
    return frame.with_columns(day.alias("day")).with_columns(
        pl.col("day").dt.strftime("%Y-%m").fill_null(UNKNOWN).alias("month"),
        pl.col("located_region").replace_strict({r.code: r.name for r in regions()}, default=None, return_dtype=pl.String).alias("region_name"),
        pl.when(pl.col("region").is_not_null()).then(pl.lit(PRECISIONS[2]))
        .when(pl.col("within_km").is_not_null()).then(pl.lit(PRECISIONS[1]))
        .otherwise(pl.lit(PRECISIONS[0])).alias("precision"),
        pl.col("weapon").replace_strict(_weapon_classes(frame["weapon"]), default=UNKNOWN, return_dtype=pl.String).alias("weapon_class"),
    )


def _standard_names(frame: pl.DataFrame) -> pl.DataFrame:
    """Results under their own names: ``enduse_<name>`` replaces an input column ``<name>``."""
    renamed = {f"enduse_{c}": c for c in RESULT_COLUMNS if f"enduse_{c}" in frame.columns}
    return frame.drop(list(renamed.values()), strict=False).rename(renamed)


def _as_list(frame: pl.DataFrame, column: str) -> pl.Expr:
    if isinstance(frame.schema[column], pl.List):
        return pl.col(column).cast(pl.List(pl.String)).fill_null([])
    text = pl.col(column).cast(pl.String)
    return pl.when(text.is_null() | (text == "")).then(pl.lit([], pl.List(pl.String))).otherwise(text.str.split(";")).alias(column)


def _weapon_classes(weapons: pl.Series) -> dict[str, str]:
    """Class of each distinct weapon label; labels the catalogue does not know are left out."""
    catalog = load_catalog()
    classes = {}
    for label in weapons.drop_nulls().unique():
        try:
            name = catalog.canonical(label)
        except InputError:
            continue
        if name != UNKNOWN:
            classes[label] = catalog[name].weapon_class
    return classes
