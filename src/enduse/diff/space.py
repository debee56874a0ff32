"""Is one side more permissive than the other? Every use of the finite space, judged by both.

A pack's verdicts depend on finitely many things: the weapon, target, purpose,
the stated facts (yes/no), the country and the band of each zone in force. The
space is their product, except that the place is not free: only combinations of
country and bands that some point of the map has are real. Those are found by
sampling the map (``GRID_STEP``° over ``GRID_BOUNDS``, where the zones lie, and
``WORLD_STEP``° over the world), under each side's own assumptions, so a
what-if that moves a band moves the places with it. A band narrower than the
grid step could be missed; the bands of the bundled pack are tens of km wide.

Uses whose verdicts differ are then merged into *regions* of the space: a row
says, for example, "any weapon of these, targets {artillery, command_post},
purpose counter_fire, in RU inside russia_border: FORBIDDEN → ALLOWED".
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import polars as pl

from enduse.decisions import Verdict
from enduse.diff.sides import Side
from enduse.engines import ENGINES
from enduse.enrich import BAND
from enduse.evaluate import KNOWN_PURPOSES, KNOWN_TARGETS, decide_frame, pack_weapons, reads_region
from enduse.geo.locate import locate_many
from enduse.uses import FACT
from enduse.zones import Band, zone_bands

GRID_BOUNDS = (20.0, 40.0, 62.0, 62.0)  # lon_min, lat_min, lon_max, lat_max
GRID_STEP = 0.1
WORLD_STEP = 2.0
ANY = "any"


@cache
def _sample_points() -> tuple[np.ndarray, np.ndarray]:
    lon0, lat0, lon1, lat1 = GRID_BOUNDS
    lon, lat = np.meshgrid(np.arange(lon0, lon1, GRID_STEP), np.arange(lat0, lat1, GRID_STEP))
    world_lon, world_lat = np.meshgrid(np.arange(-179.0, 180.0, WORLD_STEP), np.arange(-89.0, 90.0, WORLD_STEP))
    return np.concatenate([lat.ravel(), world_lat.ravel()]), np.concatenate([lon.ravel(), world_lon.ravel()])


def _bands(side: Side, locations, lat: np.ndarray, lon: np.ndarray) -> dict[str, np.ndarray]:
    found = zone_bands(side.pack, locations, lat, lon)
    outside = np.full(len(lat), Band.OUTSIDE.value, dtype=object)
    return {zone: found[zone].bands if zone in side.version.zones else outside for zone in side.pack.zones}


def places(a: Side, b: Side) -> pl.DataFrame:
    """The distinct places of the map: country (and region if a side reads it) with each side's zone bands."""
    lat, lon = _sample_points()
    locations = locate_many(lat, lon)
    columns = {"__country": locations.country.astype(str)}
    if reads_region(a.pack) or reads_region(b.pack):
        columns["__region"] = np.where(locations.region == None, "", locations.region).astype(str)  # noqa: E711
    for prefix, side in (("a", a), ("b", b)):
        for zone, bands in _bands(side, locations, lat, lon).items():
            columns[f"{prefix}{BAND}{zone}"] = bands.astype(str)
    return pl.DataFrame(columns).unique(maintain_order=True).with_row_index("place")


def _label(place: dict[str, Any], prefix: str, side: Side) -> str:
    zones = [
        zone + (" (vague)" if place[f"{prefix}{BAND}{zone}"] == Band.VAGUE.value else "")
        for zone in side.version.zones
        if place[f"{prefix}{BAND}{zone}"] != Band.OUTSIDE.value
    ]
    return place["__country"] + (": " + ", ".join(zones) if zones else ": in no zone")


def _uses(a: Side, b: Side, facts: list[str]) -> pl.DataFrame:
    weapons = list(dict.fromkeys([*pack_weapons(a.pack), *pack_weapons(b.pack)]))
    frame = pl.DataFrame({"__weapon": weapons})
    frame = frame.join(pl.DataFrame({"__target": KNOWN_TARGETS}), how="cross")
    frame = frame.join(pl.DataFrame({"__purpose": KNOWN_PURPOSES}), how="cross")
    for fact in facts:
        frame = frame.join(pl.DataFrame({FACT + fact: ["yes", "no"]}), how="cross")
    return frame


def _judge(side: Side, prefix: str, space: pl.DataFrame) -> pl.Series:
    bands = [pl.col(f"{prefix}{BAND}{zone}").alias(BAND + zone) for zone in side.pack.zones]
    facts = [(pl.col(FACT + f) if FACT + f in space.columns else pl.lit("unknown")).alias(FACT + f) for f in side.pack.facts]
    keep = [c for c in ("__weapon", "__target", "__purpose", "__country", "__region") if c in space.columns]
    situations = space.select(*keep, *bands, *facts)
    return decide_frame(situations, side.pack, ENGINES["columnar"], version=side.version.id)["__verdict"]


def _merge(changes: pl.DataFrame, dims: list[str], domains: dict[str, list[str]]) -> pl.DataFrame:
    """Collapse each dimension in turn: rows equal elsewhere become one row listing the values (``any`` for all)."""
    for dim in dims:
        others = [c for c in changes.columns if c not in (dim, "uses")]
        changes = changes.group_by(others, maintain_order=True).agg(pl.col(dim).unique().sort(), pl.col("uses").sum())
        joiner = " | " if dim == "where" else ", "
        changes = changes.with_columns(
            pl.when(pl.col(dim).list.len() == len(set(domains[dim]))).then(pl.lit(ANY))
            .otherwise(pl.col(dim).list.join(joiner)).alias(dim)
        )
    return changes


def space_changes(a: Side, b: Side) -> dict[str, Any]:
    """Every use of the finite space judged by both sides; the differences as a small table of regions."""
    facts = list(dict.fromkeys([*a.pack.facts, *b.pack.facts]))
    where = places(a, b)
    space = where.join(_uses(a, b, facts), how="cross")
    space = space.with_columns(_judge(a, "a", space).alias("from"), _judge(b, "b", space).alias("to"))
    labels = {p["place"]: (_label(p, "a", a), _label(p, "b", b)) for p in where.iter_rows(named=True)}
    labels = {k: la if la == lb else f"{la} → {lb}" for k, (la, lb) in labels.items()}
    place = pl.col("place").replace_strict(labels, return_dtype=pl.String)
    changed = space.filter(pl.col("from") != pl.col("to"))
    allowed = Verdict.ALLOWED.value
    only_a = changed.filter(pl.col("from") == allowed).height
    only_b = changed.filter(pl.col("to") == allowed).height
    table = changed.select(
        "from", "to", place.alias("where"),
        pl.col("__weapon").alias("weapon"), pl.col("__target").alias("target"), pl.col("__purpose").alias("purpose"),
        *(pl.col(FACT + f).alias(f) for f in facts), pl.lit(1).alias("uses"),
    )
    domains = {"weapon": space["__weapon"].unique().to_list(), "target": KNOWN_TARGETS, "purpose": KNOWN_PURPOSES,
               "where": list(labels.values()), **{f: ["yes", "no"] for f in facts}}
    regions = _merge(table, [*facts, "purpose", "target", "weapon", "where"], domains).sort("from", "to", "where")
    return {
        "facts": facts,
        "uses_compared": space.height,
        "places": where.height,
        "verdict_changes": changed.height,
        "allowed_only_in_a": only_a,
        "allowed_only_in_b": only_b,
        "b_more_permissive": only_b > 0 and only_a == 0,
        "a_more_permissive": only_a > 0 and only_b == 0,
        "regions": regions.select("from", "to", "where", "weapon", "target", "purpose", *facts, "uses").to_dicts(),
    }
