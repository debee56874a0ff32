"""The scalar path: one use at an exact point judged without building frames, with the table path's answers.

A single ``check`` through the table path pays polars' fixed cost at every step, which dwarfs the work. Here the
parsed uses of a call are located with one ``enduse.geo.locate.locate_many`` and banded with one ``zone_bands`` per
pack (geometry's fixed cost per call is shared), then each is situated under each candidate supplier's pack in plain
Python (the same bands, facts and assumptions ``enduse.enrich.situate`` gives), reduced to
its situation key by the pack's ``Plan`` and looked up in the judge's decision memo. A situation never decided is
decided by ``enduse.evaluate_one.decide_one`` (cedarpy on its completions, the table path's rules in plain Python),
or, when it has many completions, by the same ``enduse.evaluate.remember`` the table path uses, so every verdict is
the one Cedar gives. The ``Decision`` is built from the same row by ``decision_from_row``; tests/test_scalar.py
checks that both paths agree on random uses of every pack and version.

``judge_uses`` gives ``None`` for what it leaves to the table path: a use located by an area (``within_km`` or
``region``) or a weapon neither catalogued nor unknown.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from enduse.catalog import load_catalog
from enduse.columns import AREA, BAND, CLAUSES, CONFIDENCE, ERRORS, FACT, MISSING, PACK, SUPPLIER, VAGUE_ZONES, VERDICT, VERSION, WITHIN_KM, ZONES
from enduse.decisions import Decision, Verdict, combined_decision, lowest
from enduse.errors import EnduseError, EvaluationError, InputError
from enduse.evaluate import remember, resolve_version
from enduse.evaluate_one import decide_one
from enduse.geo.gazetteer import PlaceError, resolve_place
from enduse.geo.locate import locate_many, places
from enduse.packs.model import Pack
from enduse.uses import DATE_RANGE, FIELDS, USE_COLUMNS, Use
from enduse.vocab import FACT_VALUES, PURPOSES, TARGETS, UNKNOWN, supplier_keys
from enduse.zones import BANDS, ZoneBands, zone_bands

if TYPE_CHECKING:
    from enduse.geo.locate import Locations
    from enduse.judge import Judge

_DECIDED = {"verdict": VERDICT, "clauses": CLAUSES, "missing": MISSING, "errors": ERRORS, "confidence": CONFIDENCE,
            "zones": ZONES, "vague_zones": VAGUE_ZONES}


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FACT_WORDS = {**{v: v for v in FACT_VALUES}, "true": "yes", "false": "no"}
_WORDS = {"target": set(TARGETS), "purpose": set(PURPOSES)}


@cache
def _suppliers() -> dict[str, str | None]:
    return {UNKNOWN: None, **supplier_keys()}


def _word(raw: Mapping[str, Any], name: str, known: Mapping[str, Any] | set[str]) -> tuple[bool, Any]:
    """(recognised, value) of an optional vocabulary field: absent is ``unknown``'s value, a plain text its entry."""
    value = raw.get(name)
    if value is None:
        return True, None
    if not isinstance(value, str):
        return False, None
    key = value.lower().replace("-", "_").replace(" ", "_") if name in _WORDS else value.lower()
    if value != value.strip() or key not in known:
        return False, None
    return True, key if isinstance(known, set) else known[key]


def quick_use(raw: Mapping[str, Any]) -> Use | None:
    """The ``Use`` that ``parse_uses`` makes of ``raw`` when it has the plain shape of most calls (a date text, numbers
    for lat and lon or a place name, known words); ``None`` for anything else, which ``parse_uses`` then judges with its
    exact messages. Never accepts what ``parse_uses`` would reject."""
    if not set(raw) <= set(FIELDS) or any(raw.get(c) is not None for c in ("within_km", "region")):
        return None
    date, weapon, facts = raw.get("date"), raw.get("weapon"), raw.get("facts") or {}
    if not (isinstance(date, str) and _DAY.fullmatch(date) and isinstance(weapon, str) and weapon.isascii()
            and isinstance(facts, Mapping)):
        return None
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        return None
    weapon = load_catalog().keys.get(re.sub(r"[^0-9a-z]", "", weapon.lower()))
    lat, lon, place = raw.get("lat"), raw.get("lon"), raw.get("place")
    numbers = all(type(v) in (int, float) and math.isfinite(v) for v in (lat, lon))
    if place is None:
        located = numbers and abs(lat) <= 90 and abs(lon) <= 180
    else:
        located = lat is None and lon is None and isinstance(place, str) and place == place.strip() != ""
    if weapon is None or not located or not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        return None
    words = {name: _word(raw, name, known) for name, known in (("supplier", _suppliers()), *_WORDS.items())}
    stated = {}
    for name, value in facts.items():
        text = "yes" if value is True else "no" if value is False else value
        if not (isinstance(name, str) and name == name.strip() and not name.startswith("_") and name not in {*USE_COLUMNS, "row", "reason"}
                and (text is None or isinstance(text, str) and text.strip().lower() in _FACT_WORDS)):
            return None
        if text is not None:
            stated[name] = _FACT_WORDS[text.strip().lower()]
    if not all(ok for ok, _ in words.values()):
        return None
    ident = raw.get("id")
    if not isinstance(ident, str | None):
        return None
    return Use(
        date=day, weapon=weapon, target=words["target"][1] or UNKNOWN, purpose=words["purpose"][1] or UNKNOWN,
        lat=None if place is not None else float(lat), lon=None if place is not None else float(lon), place=place,
        facts=stated, id=ident, supplier=words["supplier"][1],
    )


def _point(use: Use) -> tuple[float, float, str | None] | EnduseError:
    """(lat, lon, label) of a use at a point or a named place (the label names the place), or its place error."""
    if use.place is None:
        return use.lat, use.lon, None
    try:
        place = resolve_place(use.place)
    except PlaceError as error:
        return InputError(str(error))
    return place.lat, place.lon, f"{place.name} ({place.region or place.country})"


def _where(located: Locations, k: int, lat: float, lon: float, label: str | None) -> dict[str, Any]:
    """The located columns (``__lat`` … ``__border_km``) of the point at position ``k`` of ``located``."""
    table = places()
    index = int(located.place[k])
    distance = float(located.border_distance_km[k])
    return {
        "__lat": lat, "__lon": lon, "__place_label": label, WITHIN_KM: None, AREA: None,
        "__country": str(table.country[index]), "__region": table.region[index], "__region_name": table.region_name[index],
        "__border_km": None if np.isnan(distance) else distance,
    }


def _situation(pack: Pack, use: Use, where: dict[str, Any], bands: dict[str, ZoneBands], j: int,
               version: str | None) -> dict[str, Any]:
    """What ``enduse.enrich.situate`` and ``with_versions`` add to the located use under ``pack``; its zones' bands
    are at position ``j`` of ``bands``."""
    relied = [n for result in bands.values() if result.assumptions and result.eligible[j] for n in result.assumptions]
    relied += [fact.default for name, fact in pack.facts.items() if use.facts.get(name) is None]
    in_force = pack.version_on(use.date)
    return {
        "__version": version if version is not None else (in_force.id if in_force else None),
        "__weapon": use.weapon, "__target": use.target, "__purpose": use.purpose,
        "__country": where["__country"], "__region": where["__region"],
        **{BAND + zone: str(BANDS[result.codes[j]]) for zone, result in bands.items()},
        **{FACT + name: use.facts.get(name) or str(pack.param(fact.default)) for name, fact in pack.facts.items()},
        "__assumptions": list(dict.fromkeys(n for n in relied if n is not None)),
    }


def _decided(judge: Judge, pack: Pack, situation: dict[str, Any]) -> dict[str, Any]:
    """The memoised decision of one situation, made on a miss by ``decide_one`` (or, for a situation with many
    completions, by the judge's engine on a one-row table)."""
    plan, memo = judge.plan(pack), judge.memo(pack)
    key = plan.key(situation)
    found = memo.lookup(key)
    if found is None:
        decided = decide_one(plan, dict(zip(plan.keys, key, strict=True)))
        if decided is None:
            remember(pl.DataFrame([key], schema=dict.fromkeys(plan.keys, pl.String), orient="row"), plan, judge.engine, memo)
            found = memo.lookup(key)
        else:
            found = memo.keep_one(key, decided)
    return {column: found[name] for name, column in _DECIDED.items()}


def _ungoverned() -> dict[str, Any]:
    return {PACK: None, VERSION: None, VERDICT: Verdict.NOT_GOVERNED.value, CLAUSES: [], MISSING: [], ERRORS: [],
            CONFIDENCE: None, ZONES: [], VAGUE_ZONES: [], "__assumptions": []}


def judge_uses(judge: Judge, uses: Sequence[Use], version: str | None) -> list[Decision | EnduseError | None]:
    """The decision on each parsed use (its stated facts known to the judge's packs), its error, or ``None`` where
    the table path must judge it. ``version`` forces a version (id or date) in each candidate's pack.

    The points of all the uses are located in one call, and each pack's zone bands drawn in one call for the uses it
    judges: per point, one call of each costs about what a few hundred points cost in one (a server's batch of
    concurrent checks, a list of uses). Everything after is per use, and the same for a use alone or in company.
    """
    results: list[Decision | EnduseError | None] = [None] * len(uses)
    at: list[tuple[int, list[str], float, float, str | None]] = []
    for i, use in enumerate(uses):
        suppliers = None if use.within_km is not None or use.region is not None else judge.candidates(use.supplier, use.weapon)
        if suppliers is None:
            continue
        point = _point(use)
        if isinstance(point, EnduseError):
            results[i] = point
        else:
            at.append((i, suppliers, *point))
    if not at:
        return results
    lat, lon = np.array([a[2] for a in at], dtype=float), np.array([a[3] for a in at], dtype=float)
    located = locate_many(lat, lon)
    judged_by: dict[str, tuple[Pack, list[int]]] = {}
    for k, (_, suppliers, *_) in enumerate(at):
        for pack in {p.name: p for s in suppliers if (p := judge.packs.for_supplier(s)) is not None}.values():
            judged_by.setdefault(pack.name, (pack, []))[1].append(k)
    bands = {name: (zone_bands(pack, located.take(np.array(ks)), lat[ks], lon[ks]), {k: j for j, k in enumerate(ks)})
             for name, (pack, ks) in judged_by.items()}
    for k, (i, suppliers, *point) in enumerate(at):
        results[i] = _judged(judge, uses[i], suppliers, _where(located, k, *point), bands, k, version)
    return results


def _judged(judge: Judge, use: Use, suppliers: list[str], where: dict[str, Any],
            bands: dict[str, tuple[dict[str, ZoneBands], dict[int, int]]], k: int, version: str | None) -> Decision | EnduseError:
    """The decision on the use at position ``k`` of ``judge_uses``' points, located at ``where``."""
    base = where | {"__weapon": use.weapon}
    rows = []
    for supplier in suppliers:
        pack = judge.packs.for_supplier(supplier)
        if pack is None:
            rows.append(base | _ungoverned() | {SUPPLIER: supplier})
            continue
        zones, position = bands[pack.name]
        situation = _situation(pack, use, where, zones, position[k], resolve_version(pack, version))
        decided = _decided(judge, pack, situation)
        rows.append(base | situation | decided | {SUPPLIER: supplier, PACK: pack.name, VERSION: situation["__version"]})
    failed = next((row for row in rows if row[ERRORS]), None)
    if failed is not None:
        from enduse.judge import cedar_error

        return EvaluationError(cedar_error(", ".join(failed[ERRORS]), failed[VERSION], failed[PACK]))
    if len(rows) == 1:
        return judge._decision(rows[0])
    return combined_decision([judge._decision(row) for row in rows], base | _combined(rows))


def _combined(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The combined row of several candidates (``enduse.judge._combined`` for one use)."""
    def union(column: str) -> list[str]:
        return list(dict.fromkeys(value for row in rows for value in row[column]))

    agree = len({row[VERDICT] for row in rows}) == 1
    return {
        VERDICT: rows[0][VERDICT] if agree else Verdict.INDETERMINATE.value,
        MISSING: union(MISSING) if agree else ["supplier", *union(MISSING)],
        ZONES: union(ZONES), VAGUE_ZONES: union(VAGUE_ZONES), CONFIDENCE: lowest(row[CONFIDENCE] for row in rows),
        SUPPLIER: None, PACK: None, VERSION: None,
    }
