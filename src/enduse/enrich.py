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
from enduse.columns import AREA, BAND, PIECES, WITHIN_KM
from enduse.errors import InputError
from enduse.geo.gazetteer import PlaceError, resolve_place
from enduse.geo.locate import Locations, locate_many, places
from enduse.geo.pieces import Piece, common_place, disc_pieces, region_pieces, region_place
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
    """Valid uses with their geography; ``locations`` is aligned with the rows of ``uses``.

    A use whose location is an area (a point ``within_km``, or a region alone) has in ``PIECES`` the index of its
    area's pieces in ``areas``; its country and region columns are those every piece shares (null where they
    differ), and its border distance is null. Its ``locations`` entry (the centre, or the region with no distance)
    is only used until ``enduse.alternatives`` replaces it by the area's pieces.
    """

    uses: pl.DataFrame
    locations: Locations
    rejects: pl.DataFrame  # rows whose place name did not resolve: input columns, row, reason
    areas: tuple[tuple[Piece, ...], ...] = ()


def _locate_points(frame: pl.DataFrame) -> Locations:
    """Locations of every row: its point, or for a region stated alone that region with no distance."""
    lat, lon = frame["__lat"].to_numpy(), frame["__lon"].to_numpy()
    point = frame["__lat"].is_not_null().to_numpy()
    where = locate_many(lat[point], lon[point])
    place = np.zeros(frame.height, dtype=where.place.dtype)
    distance = np.full(frame.height, np.nan)
    place[point], distance[point] = where.place, where.border_distance_km
    regions = np.flatnonzero(~point)
    place[regions] = [region_place(code) for code in frame[AREA].gather(regions).to_list()]
    return Locations(place=place, border_distance_km=distance)


def _areas(frame: pl.DataFrame) -> tuple[pl.Series, tuple[tuple[Piece, ...], ...]]:
    """For each row, the index of its area in the returned tuple of areas' pieces (null for an exact point)."""
    keys = pl.struct("__lat", "__lon", WITHIN_KM, AREA)
    uncertain = pl.col(WITHIN_KM).is_not_null() | pl.col(AREA).is_not_null()
    distinct = frame.filter(uncertain).select(keys.alias("key")).unique(maintain_order=True)["key"].to_list()
    areas = tuple(
        region_pieces(k[AREA]) if k[AREA] is not None else disc_pieces(k["__lat"], k["__lon"], k[WITHIN_KM]) for k in distinct
    )
    index = frame.select(
        pl.when(uncertain).then(keys.replace_strict(distinct, list(range(len(distinct))), default=None, return_dtype=pl.Int32))
    ).to_series().alias(PIECES)
    return index, areas


def locate_uses(uses: pl.DataFrame) -> Located:
    """Resolve places and locate every valid use; the part of enrichment no pack changes."""
    located, rejects = _resolve_places(uses)
    where = _locate_points(located)
    table = places()
    pieces, areas = _areas(located)
    shared = [common_place(area) for area in areas]
    in_area = pl.col(PIECES).is_not_null()

    def common(column: str, position: int) -> pl.Expr:
        values = [s[position] for s in shared]
        return pl.when(in_area).then(pl.col(PIECES).replace_strict(list(range(len(areas))), values, default=None,
                                                                    return_dtype=pl.String)).otherwise(column).alias(column)

    frame = located.with_columns(
        _labelled("__country", table.country, where.place),
        _labelled("__region", table.region, where.place),
        _labelled("__region_name", table.region_name, where.place),
        pl.Series("__border_km", where.border_distance_km, dtype=pl.Float64).fill_nan(None),
        pieces,
    ).with_columns(
        *(common(column, i) for i, column in enumerate(("__country", "__region", "__region_name"))),
        pl.when(in_area).then(None).otherwise(pl.col("__border_km")).alias("__border_km"),
    )
    return Located(frame, where, rejects, areas)


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
