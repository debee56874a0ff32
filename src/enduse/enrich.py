"""Enrichment: valid uses plus a pack become *situations*, ready to evaluate.

This is the only stage that touches geography and the weapon catalogue, and it
works on whole tables, in two steps. ``locate_uses`` is the same for every pack:
it resolves place names (each distinct name once) and derives country, region
and border distance of every point. ``situate`` is what one pack adds: zone
bands, weapon attributes, and facts a use does not state filled from the pack's
named defaults, recording per row which assumptions it relied on. A use that
several packs may govern is located once and situated under each.

Columns added by ``locate_uses``: ``__lat``/``__lon`` (filled from places),
``__place_label``, ``__country``, ``__region``, ``__region_name``,
``__border_km``; by ``situate``: ``__band:<zone>`` (inside / vague / outside),
``__class``, ``__fact:<name>`` for every fact of the pack, and ``__assumptions``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from enduse.catalog import load_catalog
from enduse.columns import BAND
from enduse.errors import InputError
from enduse.geo.gazetteer import PlaceError, resolve_place
from enduse.geo.locate import Locations, locate_many, places
from enduse.packs.model import Pack
from enduse.uses import FACT, REASON, ROW
from enduse.vocab import suggest
from enduse.zones import BANDS, ZoneBands, zone_bands


def unknown_fact(name: str, known: list[str], where: str) -> InputError:
    """The error for a stated fact outside ``known`` (the facts of ``where``), with suggestions."""
    hints = suggest(name, known)
    hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
    return InputError(f"{where} knows no fact {name!r}{hint} (facts: {', '.join(known) or 'none'})")


def _resolve_places(uses: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Fill ``__lat``/``__lon`` from place names; rows whose place does not resolve are rejected."""
    found: dict[str, dict] = {}
    problems: dict[str, str] = {}
    for name in uses["__place"].drop_nulls().unique().to_list():
        try:
            place = resolve_place(name)
        except PlaceError as error:
            problems[name] = str(error)
        else:
            found[name] = {"lat": place.lat, "lon": place.lon, "label": f"{place.name} ({place.region or place.country})"}
    place = pl.col("__place")
    checked = uses.with_columns(
        pl.coalesce(place.replace_strict({k: v["lat"] for k, v in found.items()}, default=None, return_dtype=pl.Float64), "__lat").alias("__lat"),
        pl.coalesce(place.replace_strict({k: v["lon"] for k, v in found.items()}, default=None, return_dtype=pl.Float64), "__lon").alias("__lon"),
        place.replace_strict({k: v["label"] for k, v in found.items()}, default=None, return_dtype=pl.String).alias("__place_label"),
        place.replace_strict(problems, default=None, return_dtype=pl.String).alias("__problem"),
    )
    bad = pl.col("__problem").is_not_null()
    originals = [c for c in uses.columns if not c.startswith("__")]
    rejects = checked.filter(bad).select(*originals, pl.col(ROW).alias("row"), pl.col("__problem").alias(REASON))
    return checked.filter(~bad).drop("__problem"), rejects


def _weapon(attribute: str) -> pl.Expr:
    catalog = list(load_catalog())
    return pl.col("__weapon").replace_strict(
        [w.name for w in catalog], [getattr(w, attribute) for w in catalog], default=None, return_dtype=pl.String
    )


def _labelled(name: str, labels: np.ndarray, codes: np.ndarray) -> pl.Series:
    """The string column ``labels[codes]``, without making a Python string per row."""
    return pl.Series(name, labels.tolist(), dtype=pl.String).gather(codes)


def _assumptions(uses: pl.DataFrame, pack: Pack, bands: dict[str, ZoneBands]) -> pl.Series:
    """Per row, the names of the assumptions it relies on: each zone it is eligible for, each fact it leaves unstated.

    A row's list depends only on a few flags, so it is made once per distinct combination of flags.
    """
    parts = [(result.assumptions, result.eligible) for result in bands.values() if result.assumptions]
    for name, fact in pack.facts.items():
        stated = uses[FACT + name].is_not_null().to_numpy() if FACT + name in uses.columns else np.zeros(uses.height, bool)
        parts.append(((fact.default,), ~stated))
    key = np.zeros(uses.height, dtype=np.int64)
    for _names, flags in parts:
        if len(key) and key.max() >= 2**62:  # number the combinations so far, to stay within 64 bits
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)
        key = key * 2 + flags
    _, first, index = np.unique(key, return_index=True, return_inverse=True)
    lists = [list(dict.fromkeys(n for names, flags in parts if flags[row] for n in names if n is not None)) for row in first]
    return pl.Series("__assumptions", lists, dtype=pl.List(pl.String)).gather(index)


@dataclass(frozen=True)
class Located:
    """Valid uses with their geography; ``locations`` is aligned with the rows of ``uses``."""

    uses: pl.DataFrame
    locations: Locations
    rejects: pl.DataFrame  # rows whose place name did not resolve: input columns, row, reason


def locate_uses(uses: pl.DataFrame) -> Located:
    """Resolve places and locate every valid use; the part of enrichment no pack changes."""
    located, rejects = _resolve_places(uses)
    where = locate_many(located["__lat"].to_numpy(), located["__lon"].to_numpy())
    table = places()
    frame = located.with_columns(
        _labelled("__country", table.country, where.place),
        _labelled("__region", table.region, where.place),
        _labelled("__region_name", table.region_name, where.place),
        pl.Series("__border_km", where.border_distance_km, dtype=pl.Float64),
    )
    return Located(frame, where, rejects)


def situate(uses: pl.DataFrame, locations: Locations, pack: Pack) -> pl.DataFrame:
    """Add what ``pack`` needs to judge the located ``uses``: zone bands, weapon class, facts and assumptions."""
    lat, lon = uses["__lat"].to_numpy(), uses["__lon"].to_numpy()
    bands = zone_bands(pack, locations, lat, lon)
    facts = []
    for name, fact in pack.facts.items():
        stated = pl.col(FACT + name) if FACT + name in uses.columns else pl.lit(None, pl.String)
        facts.append(stated.fill_null(str(pack.param(fact.default))).alias(FACT + name))
    return uses.with_columns(
        *(_labelled(BAND + zone, BANDS, result.codes) for zone, result in bands.items()),
        *facts,
        _assumptions(uses, pack, bands),
        _weapon("weapon_class").alias("__class"),
    )


def enrich_frame(uses: pl.DataFrame, pack: Pack) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The situation of every valid use under one pack: (situations, rejected rows).

    Raises ``InputError`` if the uses state a fact the pack does not know.
    """
    for column in uses.columns:
        if column.startswith(FACT) and column[len(FACT):] not in pack.facts:
            raise unknown_fact(column[len(FACT):], list(pack.facts), f"pack {pack.name!r}")
    located = locate_uses(uses)
    return situate(located.uses, located.locations, pack), located.rejects
