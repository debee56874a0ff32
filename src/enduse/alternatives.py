"""Uses located by an area: one alternative situation per kind of place in the area, and their one decision.

A pack reads a location through its country, region and zone bands. Over an area those may vary: ``expand``
replaces such a use by one situation per combination the area's pieces allow (``enduse.geo.pieces``,
``enduse.zones.piece_bands``), which the evaluator judges like any other; ``combine`` folds them back into one
decision per use. Facts the same over the whole area stay facts; where the verdict differs between alternatives it
is INDETERMINATE with ``location`` in ``missing`` — the same rule as for any other unknown, with no sampling.

Two zones whose bands both vary inside one piece are combined freely (every pair), which can only add
INDETERMINATE, never a confident verdict that a point of the area would contradict.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

import polars as pl

from enduse.columns import (
    ALT,
    BAND,
    CLAUSES,
    CONFIDENCE,
    ERRORS,
    MISSING,
    PIECES,
    VAGUE_ZONES,
    VERDICT,
    ZONES,
)
from enduse.decisions import Verdict, lowest_confidence
from enduse.geo.locate import places
from enduse.geo.pieces import Piece
from enduse.packs.model import Pack
from enduse.zones import piece_bands

#: The name ``missing`` gives to an uncertain location that changes the verdict.
LOCATION = "location"
_PLACE_COLUMNS = ("__country", "__region", "__region_name")


def _alternatives(pack: Pack, areas: Sequence[tuple[Piece, ...]], used: list[int]) -> pl.DataFrame:
    """One row per distinct (area, country, region, bands of every zone) that the areas ``used`` allow."""
    table = places()
    rows = []
    for index in used:
        seen = set()
        for place, bands, assumptions in piece_bands(pack, areas[index]):
            for combination in product(*bands.values()):
                key = (place, combination)
                if key in seen:
                    continue
                seen.add(key)
                rows.append({
                    PIECES: index, "__country": table.country[place], "__region": table.region[place],
                    "__region_name": table.region_name[place], "__area_assumptions": list(assumptions),
                    **{BAND + zone: band for zone, band in zip(bands, combination, strict=True)},
                })
    schema = {PIECES: pl.Int32, **dict.fromkeys(_PLACE_COLUMNS, pl.String), "__area_assumptions": pl.List(pl.String),
              **{BAND + zone: pl.String for zone in pack.zones}}
    return pl.DataFrame(rows, schema=schema).with_columns(pl.int_range(pl.len()).over(PIECES).cast(pl.Int32).alias(ALT))


def expand(situations: pl.DataFrame, pack: Pack, areas: Sequence[tuple[Piece, ...]]) -> pl.DataFrame:
    """Situations with each use located by an area replaced by its alternatives (numbered in ``ALT``; null for the
    others). The alternatives of a use carry its other columns unchanged, and the assumptions of every zone
    eligible somewhere in the area."""
    uncertain = pl.col(PIECES).is_not_null()
    used = situations.filter(uncertain)[PIECES].unique().sort().to_list()
    if not used:
        return situations.with_columns(pl.lit(None, pl.Int32).alias(ALT))
    alternatives = _alternatives(pack, areas, used)
    replaced = [*_PLACE_COLUMNS, *(BAND + zone for zone in pack.zones)]
    expanded = (
        situations.filter(uncertain).drop(replaced, strict=False).join(alternatives, on=PIECES)
        .with_columns(pl.concat_list("__assumptions", "__area_assumptions").list.unique(maintain_order=True).alias("__assumptions"))
        .drop("__area_assumptions")
    )
    exact = situations.filter(~uncertain).with_columns(pl.lit(None, pl.Int32).alias(ALT))
    return pl.concat([exact, expanded.select(exact.columns)])


def _union(column: str) -> pl.Expr:
    return pl.col(column).list.explode(keep_nulls=False, empty_as_null=False).unique().sort()


def combine(decided: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """One row per use again (``keys`` identify a use): an area's alternatives folded into their common verdict, or
    INDETERMINATE naming ``location`` first in ``missing``. Clauses and missing facts are those of any alternative,
    confidence the lowest, zones those every alternative is inside (the others it may be in are vague zones)."""
    alternative = pl.col(ALT).is_not_null()
    several = decided.filter(alternative)
    if several.is_empty():
        return decided.drop(ALT)
    count = several.group_by(*keys).agg(pl.len().alias("__alts"))
    inside_all = (
        several.select(*keys, pl.col(ZONES).alias("__zone")).explode("__zone").drop_nulls("__zone")
        .group_by(*keys, "__zone").agg(pl.len().alias("__k")).join(count, on=keys)
        .filter(pl.col("__k") == pl.col("__alts")).group_by(*keys).agg(pl.col("__zone").sort().alias("__inside"))
    )
    others = [c for c in decided.columns if c not in {*keys, ALT, VERDICT, CLAUSES, MISSING, ERRORS, CONFIDENCE, ZONES, VAGUE_ZONES}]
    folded = several.group_by(*keys, maintain_order=True).agg(
        *(pl.col(c).first() for c in others),
        pl.col(VERDICT).unique().alias("__verdicts"),
        _union(CLAUSES), _union(MISSING), _union(ERRORS),
        lowest_confidence(pl.col(CONFIDENCE)),
        pl.concat_list(ZONES, VAGUE_ZONES).list.explode(keep_nulls=False, empty_as_null=False).unique().sort().alias("__may"),
    ).join(inside_all, on=keys, how="left", maintain_order="left")
    agree = pl.col("__verdicts").list.len() == 1
    inside = pl.col("__inside").fill_null(pl.lit([], pl.List(pl.String)))
    folded = folded.with_columns(
        pl.when(agree).then(pl.col("__verdicts").list.first()).otherwise(pl.lit(Verdict.INDETERMINATE.value)).alias(VERDICT),
        pl.when(agree).then(pl.col(MISSING)).otherwise(pl.concat_list(pl.lit([LOCATION]), pl.col(MISSING))).alias(MISSING),
        inside.alias(ZONES),
        pl.col("__may").list.set_difference(inside).alias(VAGUE_ZONES),
    )
    exact = decided.filter(~alternative).drop(ALT)
    return pl.concat([exact, folded.select(exact.columns)])
