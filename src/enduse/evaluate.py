"""Evaluation: situations judged by the pack version in force, with Cedar semantics.

Decisions depend only on a few categorical columns (``KEY``), so each distinct
situation is decided once and joined back: millions of rows cost what their
few thousand distinct situations cost.

Facts a situation leaves unknown (target, purpose, weapon, a stated fact, or a
zone whose band is vague) are explored over their finite vocabularies: every
completion is a full Cedar request, decided by an engine (``enduse.engines``).
If all completions agree, that is the verdict; otherwise it is INDETERMINATE
and ``missing`` lists exactly the unknowns whose value alone changes the
verdict somewhere. Sound and complete for finite domains; no partial answers.
A Cedar error in any completion is reported in ``errors``, never turned into a verdict.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from enduse.catalog import load_catalog
from enduse.decisions import Verdict, decision_confidence
from enduse.engines import NAMESPACE, CedarEngine, Engine
from enduse.enrich import BAND
from enduse.errors import InputError
from enduse.packs.model import Pack
from enduse.geo.boundaries import region_names
from enduse.reads import compared_values, named_entities, version_reads
from enduse.uses import FACT
from enduse.vocab import PURPOSES, TARGETS, UNKNOWN
from enduse.zones import Band

if TYPE_CHECKING:
    from enduse.plan import Plan

KNOWN_TARGETS = [t for t in TARGETS if t != UNKNOWN]
KNOWN_PURPOSES = [p for p in PURPOSES if p != UNKNOWN]
DIM = "d:"
SIT = "__sit"
KEY = "__key:"
DECISION = "__"


def reads_region(pack: Pack) -> bool:
    """Whether any clause mentions ``region`` (conservative: any mention counts)."""
    return any('"region"' in json.dumps(c.cedar_json) for v in pack.versions for c in v.clauses.values())


def key_columns(pack: Pack) -> list[str]:
    """The situation columns a decision depends on (``region`` only if a clause reads it)."""
    region = ["__region"] if reads_region(pack) else []
    return ["__version", "__weapon", "__target", "__purpose", "__country", *region,
            *(BAND + z for z in pack.zones), *(FACT + f for f in pack.facts)]


def _reading(pack: Pack, reads_it) -> list[str]:
    """Ids of the versions for which ``reads_it(version, reads)`` holds (always, when reads are unknown)."""
    return [v.id for v in pack.versions if (r := version_reads(v)) is None or reads_it(v, r)]


def _stand_ins(values: list[str], named: set[str], kind: Callable[[str], object] = lambda value: None) -> dict[str, str]:
    """Each value mapped to the first value of its kind; a named value is a kind of its own."""
    chosen: dict[object, str] = {}
    return {v: chosen.setdefault(("named", v) if v in named else ("kind", kind(v)), v) for v in values}


def pack_weapons(pack: Pack) -> list[str]:
    """The catalogue's weapons supplied by the pack's supplier: what an unknown weapon may be under this pack
    (every weapon when the catalogue lists none for it)."""
    catalog = list(load_catalog())
    return [w.name for w in catalog if pack.supplier in w.suppliers] or [w.name for w in catalog]


def _classes(pack: Pack) -> dict[str, dict[str, dict[str, str]]]:
    """Per version, the value standing for each weapon, target, purpose and region it cannot tell apart from others.

    A weapon stands for every weapon with its class and range that the policies do not name;
    a target or purpose for every other one they do not name; a region for every other region of its country
    that the policies do not compare ``context.region`` with (when they only compare it with literals).
    """
    attributes = {w.name: (w.weapon_class, w.long_range) for w in load_catalog()}
    codes = sorted(region_names())
    out = {}
    for version in pack.versions:
        named = named_entities(version)
        if named is None:
            continue
        of = {kind: {i for t, i in named if t == f"{NAMESPACE}::{kind}"} for kind in ("Weapon", "Target", "Action")}
        out[version.id] = {
            "__weapon": _stand_ins(list(attributes), of["Weapon"], attributes.__getitem__),
            "__target": _stand_ins(KNOWN_TARGETS, of["Target"]),
            "__purpose": _stand_ins(KNOWN_PURPOSES, of["Action"]),
        }
        compared = compared_values(version, "region")
        if compared is not None:
            out[version.id]["__region"] = _stand_ins(codes, set(compared), lambda code: code.split("-")[0])
    return out


def key_reads(pack: Pack) -> dict[str, tuple[list[str], str]]:
    """Each key column some version may ignore: the ids of the versions that read it, and the constant it becomes
    under the others."""
    reads = {
        "__weapon": (_reading(pack, lambda v, r: "principal" in r.entities), pack_weapons(pack)[0]),
        "__target": (_reading(pack, lambda v, r: "resource" in r.entities), KNOWN_TARGETS[0]),
        "__purpose": (_reading(pack, lambda v, r: "action" in r.entities), KNOWN_PURPOSES[0]),
    }
    if reads_region(pack):
        reads["__region"] = (_reading(pack, lambda v, r: "region" in r.context), "")
    for zone in pack.zones:
        reads[BAND + zone] = (_reading(pack, lambda v, r, z=zone: "zones" in r.context and z in v.zones), Band.OUTSIDE.value)
    for fact in pack.facts:
        reads[FACT + fact] = (_reading(pack, lambda v, r, f=fact: f in r.context), "yes")
    return reads


def normalised_keys(pack: Pack, classes: dict[str, dict[str, dict[str, str]]] | None = None) -> dict[str, pl.Expr]:
    """Each key column, set to what stands for it under the row's version.

    Two situations that differ only in what their version cannot tell apart get the same verdict,
    clauses and missing facts, so deciding one stands for both: a column the version never reads
    becomes a constant (the baseline reads only the country), and a weapon, target, purpose or region it
    never names stands for all like it (``_classes``; pass them when already computed).
    """
    classes = _classes(pack) if classes is None else classes

    def alike(column: str) -> pl.Expr:
        # One lookup of (version, value), not a branch per version: each branch would map the whole column.
        stands = {f"{version_id}\x1f{value}": like for version_id, maps in classes.items() if column in maps
                  for value, like in maps[column].items()}
        if not stands:
            return pl.col(column)
        pair = pl.concat_str(pl.col("__version"), pl.col(column), separator="\x1f")
        return pair.replace_strict(stands, default=pl.col(column), return_dtype=pl.String)

    def unless(versions: list[str], column: str, constant: str, value: pl.Expr) -> pl.Expr:
        return pl.when(pl.col("__version").is_in(versions)).then(value).otherwise(pl.lit(constant))

    alikes = {column: alike(column) for column in ("__weapon", "__target", "__purpose", "__region")}
    exprs = {column: unless(versions, column, constant, alikes.get(column, pl.col(column)))
             for column, (versions, constant) in key_reads(pack).items()}
    return {column: expr.alias(column) for column, expr in exprs.items()}


def scope_values(pack: Pack) -> dict[str, list[bool]]:
    """Each scope assumption some version tests, as the values ``context.scopes.contains`` can take for it:
    ``in`` holds, ``out`` does not, ``vague`` either way (then it is explored like any unknown)."""
    values = {"in": [True], "out": [False], "vague": [True, False]}
    return {name: values[str(pack.param(name))] for name in pack.scopes}


def resolve_version(pack: Pack, version: str | None) -> str | None:
    """A version id from ``version`` given as an id or a date (``None`` stays ``None``); ``InputError`` otherwise."""
    if version is None or version in pack.version_ids:
        return version
    try:
        day = dt.date.fromisoformat(version)
    except ValueError:
        raise InputError(f"pack {pack.name!r} has no version {version!r} ({', '.join(pack.version_ids)})") from None
    found = pack.version_on(day)
    if found is None:
        raise InputError(f"no version of {pack.name!r} is in force on {day}")
    return found.id


def with_versions(situations: pl.DataFrame, pack: Pack, forced: str | None = None) -> pl.DataFrame:
    """Add ``__version``: the id of the version in force on each row's date (null before the first),
    or ``forced`` (a version id) for every row."""
    if forced is not None:
        return situations.with_columns(pl.lit(forced, pl.String).alias("__version"))
    starts = np.array([v.effective_from for v in pack.versions], dtype="datetime64[D]")
    days = situations["__date"].to_numpy().astype("datetime64[D]")
    index = np.searchsorted(starts, days, side="right") - 1
    ids = pl.Series([None, *pack.version_ids], dtype=pl.String).gather(index + 1)
    return situations.with_columns(ids.alias("__version"))


def _dimensions(pack: Pack, classes: dict[str, dict[str, dict[str, str]]] | None = None) -> dict[str, pl.Expr]:
    """Each possibly unknown fact, as the list of values it can take on a row.

    An unknown weapon, target or purpose takes one value of each kind its version can tell apart
    (``_classes``; pass them when already computed): the others would only repeat the same verdicts.
    """
    classes = _classes(pack) if classes is None else classes

    def either(column: str, values: list[str], domain: list[str]) -> pl.Expr:
        possible = pl.lit(values)
        for version_id, maps in classes.items():
            possible = pl.when(pl.col("__version") == version_id).then(pl.lit(list(dict.fromkeys(maps[column][v] for v in domain)))).otherwise(possible)
        return pl.when(pl.col(column) == UNKNOWN).then(possible).otherwise(pl.concat_list(column))

    dims = {
        "weapon": either("__weapon", pack_weapons(pack), pack_weapons(pack)),
        "target": either("__target", KNOWN_TARGETS, KNOWN_TARGETS),
        "purpose": either("__purpose", KNOWN_PURPOSES, KNOWN_PURPOSES),
    }
    for zone in pack.zones:
        band = pl.col(BAND + zone)
        dims[f"zone:{zone}"] = (
            pl.when(band == Band.INSIDE.value).then(pl.lit([True]))
            .when(band == Band.VAGUE.value).then(pl.lit([True, False]))
            .otherwise(pl.lit([False]))
        )
    for fact in pack.facts:
        value = pl.col(FACT + fact)
        dims[fact] = pl.when(value == "yes").then(pl.lit([True])).when(value == "no").then(pl.lit([False])).otherwise(pl.lit([True, False]))
    for scope, values in scope_values(pack).items():
        testing = [v.id for v in pack.versions if scope in v.scopes]
        dims[scope] = pl.when(pl.col("__version").is_in(testing)).then(pl.lit(values)).otherwise(pl.lit([False]))
    return dims


#: Up to this many flags (a pack's zones or scopes), ``names_where`` looks each row's list up by its flags' bit mask;
#: beyond, making the 2**n lists would cost a single decision more than the lookup saves.
MASKED_FLAGS = 6


def names_where(flags: Sequence[tuple[str, pl.Expr]]) -> pl.Expr:
    """Per row, the list of the names whose flag (a Boolean expression; null counts as false) holds, in order.

    Looking the list up by the flags' bit mask is ~40x faster than building it row by row
    (``concat_list`` of ``when``/``then`` and ``drop_nulls``, which many flags still use), and gives the same lists.
    """
    if not flags:
        return pl.lit([], pl.List(pl.String))
    if len(flags) > MASKED_FLAGS:
        return pl.concat_list(pl.when(flag).then(pl.lit(name)) for name, flag in flags).list.drop_nulls()
    mask = pl.sum_horizontal(flag.fill_null(False).cast(pl.UInt32) * (1 << i) for i, (_, flag) in enumerate(flags))
    masks, lists = _masked_lists(tuple(name for name, _ in flags))
    return mask.replace_strict(masks, lists, return_dtype=pl.List(pl.String))


@lru_cache(maxsize=256)
def _masked_lists(names: tuple[str, ...]) -> tuple[pl.Expr, pl.Expr]:
    """Every bit mask of ``names`` and its list of names, as literals; made once, as building 2**n lists costs
    milliseconds and single situations are decided one by one."""
    masks = range(1 << len(names))
    lists = [[name for i, name in enumerate(names) if m >> i & 1] for m in masks]
    return (pl.lit(pl.Series(masks, dtype=pl.UInt32).implode()),
            pl.lit(pl.Series(lists, dtype=pl.List(pl.String)).implode()))


def _set_of(scopes: tuple[str, ...]) -> pl.Expr:
    """The scopes that hold in a completion, as the set ``context.scopes``."""
    return names_where([(s, pl.col(DIM + s)) for s in scopes])


def _requests(completions: pl.DataFrame, pack: Pack) -> pl.DataFrame:
    context = pl.struct(
        pl.col("__country").alias("country"),
        (pl.col("__region").fill_null("") if "__region" in completions.columns else pl.lit("")).alias("region"),
        names_where([(z, pl.col(DIM + f"zone:{z}")) for z in pack.zones]).alias("zones"),
        _set_of(pack.scopes).alias("scopes"),
        *((pl.col(DIM + f) if f in pack.facts else pl.lit(False)).alias(f) for f in pack.context_facts or pack.facts),
    )
    return completions.with_columns(
        pl.format(f'{NAMESPACE}::Weapon::"{{}}"', pl.col(DIM + "weapon")).alias("principal"),
        pl.format(f'{NAMESPACE}::Action::"{{}}"', pl.col(DIM + "purpose")).alias("action"),
        pl.format(f'{NAMESPACE}::Target::"{{}}"', pl.col(DIM + "target")).alias("resource"),
        context.alias("context"),
    )


def _outcomes(distinct: pl.DataFrame, pack: Pack, engine: Engine, dims: dict[str, pl.Expr]) -> pl.DataFrame:
    """One row per completion of each governed situation: its dimension values, verdict, reasons and errors.

    Also carries ``__unknown``: the names of the situation's dimensions with more than one value.
    ``dims`` are the pack's ``_dimensions``.
    """
    completions = distinct.with_columns(*(expr.alias(DIM + name) for name, expr in dims.items())).with_columns(
        names_where([(n, pl.col(DIM + n).list.len() > 1) for n in dims]).alias("__unknown")
    )
    for name in dims:
        completions = completions.explode(DIM + name)
    carried = [SIT, "__unknown", *(DIM + n for n in dims)]
    decided = []
    for (version_id,), group in completions.group_by("__version"):
        result = engine.decide(pack, pack.version(version_id), _requests(group, pack))
        decided.append(result.select(*carried, "decision", "reason", "errors"))
    outcomes = pl.concat(decided)
    verdict = pl.when(pl.col("decision") == "Allow").then(pl.lit(Verdict.ALLOWED.value)).otherwise(pl.lit(Verdict.FORBIDDEN.value))
    return outcomes.with_columns(verdict.alias("verdict"))


def _clause_sets(outcomes: pl.DataFrame) -> pl.DataFrame:
    """Per situation with several completions: clauses common to all of them, and their union."""
    counts = outcomes.group_by(SIT).agg(pl.len().alias("__n"))
    return (
        outcomes.select(SIT, "reason").explode("reason").drop_nulls("reason")
        .group_by(SIT, "reason").agg(pl.len().alias("__count"))
        .join(counts, on=SIT)
        .group_by(SIT)
        .agg(
            pl.col("reason").filter(pl.col("__count") == pl.col("__n")).sort().alias("__common"),
            pl.col("reason").sort().alias("__union"),
        )
    )


def _missing_among_several(outcomes: pl.DataFrame, dims: list[str]) -> pl.DataFrame:
    """For situations with two or more unknowns: those whose value alone changes the verdict somewhere."""
    unknown = set(outcomes["__unknown"].explode().drop_nulls())
    dims = [d for d in dims if d in unknown]  # the others are constant within each situation
    if not dims:
        return pl.DataFrame(schema={SIT: pl.UInt32, "__several": pl.List(pl.String)})
    flags = []
    for dim in dims:
        others = [DIM + d for d in dims if d != dim]
        varies = outcomes.group_by(SIT, *others).agg(pl.col("verdict").n_unique().alias("__k"))
        flags.append(varies.group_by(SIT).agg((pl.col("__k") > 1).any().alias(f"__miss:{dim}")))
    table = flags[0]
    for frame in flags[1:]:
        table = table.join(frame, on=SIT)
    return table.select(
        SIT, names_where([(d, pl.col(f"__miss:{d}")) for d in dims]).alias("__several")
    )


def _aggregate(outcomes: pl.DataFrame, dims: list[str]) -> pl.DataFrame:
    """Per situation: verdict, clauses, missing facts and errors from its completions.

    Most situations have no unknown (one completion) or one (then it is missing
    exactly when the verdict varies); only the rest need the general search.

    Clauses: those deciding every completion; failing that, for a FORBIDDEN
    use that some completion leaves unpermitted, none ("no clause permits
    this use"); otherwise every clause that decides some completion.
    """
    summary = outcomes.group_by(SIT).agg(
        pl.col("verdict").unique().alias("__verdicts"),
        pl.col("errors").list.explode(keep_nulls=False, empty_as_null=False).unique().sort().alias("errors"),
        pl.col("__unknown").first(),
        pl.col("reason").first().alias("__first"),
        pl.len().alias("__n"),
        ((pl.col("verdict") == Verdict.FORBIDDEN.value) & (pl.col("reason").list.len() == 0)).any().alias("__bare"),
    )
    several = summary.filter((pl.col("__verdicts").list.len() > 1) & (pl.col("__unknown").list.len() > 1))[SIT]
    summary = (
        summary.join(_clause_sets(outcomes.filter(pl.col("__unknown").list.len() > 0)), on=SIT, how="left")
        .join(_missing_among_several(outcomes.filter(pl.col(SIT).is_in(several.implode())), dims), on=SIT, how="left")
    )
    decided = pl.col("__verdicts").list.len() == 1
    clauses = (
        pl.when(pl.col("__n") == 1).then(pl.col("__first").list.sort())
        .when(decided & (pl.col("__common").list.len() > 0)).then("__common")
        .when(decided & pl.col("__bare")).then(pl.lit([], pl.List(pl.String)))
        .otherwise(pl.col("__union"))
    )
    missing = pl.when(decided).then(pl.lit([], pl.List(pl.String))).when(pl.col("__unknown").list.len() == 1).then("__unknown").otherwise("__several")
    return summary.select(
        SIT,
        pl.when(decided).then(pl.col("__verdicts").list.first()).otherwise(pl.lit(Verdict.INDETERMINATE.value)).alias("verdict"),
        clauses.fill_null([]).alias("clauses"),
        missing.alias("missing"),
        "errors",
    )


@dataclass
class Memo:
    """Decisions of distinct situations, kept across the batches of one audit (one pack, one engine).

    Batches of the same table share most of their situations; each is decided once per run. ``lookup`` finds
    one situation's decision without a frame and ``keep_one`` adds one (the scalar path of ``enduse.scalar``);
    those wait in a list until a table is next needed, as adding them to it one by one costs a join each. Threads
    may share a memo (the server's checks): each situation is kept once, whoever decides it first. ``keys`` are the
    normalised key columns of the plan whose situations it keeps (``Plan.keys``).
    """

    keys: tuple[str, ...]
    _table: pl.DataFrame | None = None
    _index: dict[tuple, dict[str, Any]] = field(default_factory=dict, repr=False)
    _indexed: int = 0
    _pending: list[dict[str, Any]] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def table(self) -> pl.DataFrame | None:
        """Every decision kept (key columns, then the decision's), or ``None`` before the first."""
        with self._lock:
            return self._flushed()

    def _flushed(self) -> pl.DataFrame | None:
        if self._pending:
            self._catch_up()  # the pending rows go after every row indexed, and are indexed already
            schema = self._table.schema if self._table is not None else {  # every column holds texts or lists of texts
                name: pl.List(pl.String) if isinstance(value, list) else pl.String for name, value in self._pending[0].items()}
            pending = pl.DataFrame(self._pending, schema=schema, orient="row")
            self._table = pending if self._table is None else pl.concat([self._table, pending])
            self._indexed += len(self._pending)  # already in the index
            self._pending = []
        return self._table

    def lookup(self, key: tuple) -> dict[str, Any] | None:
        """The decision (verdict, clauses, missing, errors, confidence, zones, vague_zones) of the situation
        whose key columns hold ``key``; ``None`` when it was never decided."""
        with self._lock:
            self._catch_up()
            return self._index.get(key)

    def _catch_up(self) -> None:
        """Index the rows the table gained since the last call (the lock held)."""
        if self._table is not None and self._table.height > self._indexed:
            for row in self._table.slice(self._indexed).iter_rows(named=True):
                self._index[tuple(row[k] for k in self.keys)] = row
            self._indexed = self._table.height

    def keep_one(self, key: tuple, row: dict[str, Any]) -> dict[str, Any]:
        """Add the decision ``row`` (key columns, then the decision's, as in the table) of the situation ``key``
        unless another thread kept it meanwhile; returns the decision kept."""
        with self._lock:
            self._catch_up()  # another thread may have kept it by a table since this one looked
            kept = self._index.get(key)
            if kept is None:
                kept = self._index[key] = row
                self._pending.append(row)
            return kept

    def keep(self, table: pl.DataFrame) -> pl.DataFrame:
        """Add the decisions of ``table`` that the memo still lacks (another thread may have kept some meanwhile);
        returns every decision kept."""
        with self._lock:
            known = self._flushed()
            if known is None:
                self._table = table
            else:
                new = table.join(known.select(self.keys), on=list(self.keys), how="anti", nulls_equal=True)
                self._table = pl.concat([known, new])
            return self._table


def remember(distinct: pl.DataFrame, plan: Plan, engine: Engine, memo: Memo | None) -> pl.DataFrame:
    """Decide the distinct normalised situations ``distinct`` that ``memo`` lacks, keep them in it, and return the
    table of decisions to join on (the memo's, or only these without a memo). ValueError for a memo of another plan."""
    keys = list(plan.keys)
    if memo is not None and memo.keys != plan.keys:
        raise ValueError(f"a memo of the keys {memo.keys} cannot keep the situations of a plan of the keys {plan.keys}")
    if memo is not None and memo.table is not None:
        distinct = distinct.join(memo.table.select(keys), on=keys, how="anti", nulls_equal=True)
    table = _described(_decide_distinct(distinct, plan.pack, engine, plan.dimensions), plan.pack)
    return table if memo is None else memo.keep(table)


def _decide_distinct(distinct: pl.DataFrame, pack: Pack, engine: Engine, dims: dict[str, pl.Expr]) -> pl.DataFrame:
    """Verdict, clauses, missing and errors of distinct situations (their key columns kept)."""
    distinct = distinct.with_row_index(SIT)
    not_governed = pl.col("__version").is_null()
    governed = distinct.filter(~not_governed)
    if governed.height:
        decided = governed.select(SIT).join(_aggregate(_outcomes(governed, pack, engine, dims), list(dims)), on=SIT, how="left")
    else:
        decided = pl.DataFrame(schema={SIT: pl.UInt32, "verdict": pl.String, "clauses": pl.List(pl.String),
                                       "missing": pl.List(pl.String), "errors": pl.List(pl.String)})
    ungoverned = distinct.filter(not_governed).select(
        SIT, pl.lit(Verdict.NOT_GOVERNED.value).alias("verdict"), pl.lit([], pl.List(pl.String)).alias("clauses"),
        pl.lit([], pl.List(pl.String)).alias("missing"), pl.lit([], pl.List(pl.String)).alias("errors"),
    )
    return distinct.join(pl.concat([decided, ungoverned]), on=SIT).drop(SIT)


def _described(decided: pl.DataFrame, pack: Pack) -> pl.DataFrame:
    """Distinct decisions with what depends on them alone: their confidence, and the zones in force the point is in."""
    key = pl.concat_str(pl.col("__version").fill_null(""), pl.col("clauses").list.join(","), separator="|")
    confidence = {
        k: decision_confidence(pack, k.split("|")[0] or None, [c for c in k.split("|")[1].split(",") if c])
        for k in decided.select(key.unique()).to_series()
    }
    in_force = [(z, pl.col("__version").is_in([v.id for v in pack.versions if z in v.zones])) for z in pack.zones]

    def banded(band: Band) -> pl.Expr:
        return names_where([(z, used & (pl.col(BAND + z) == band.value)) for z, used in in_force])

    return decided.with_columns(
        key.replace_strict(confidence, default=None, return_dtype=pl.String).alias("confidence"),
        banded(Band.INSIDE).alias("zones"), banded(Band.VAGUE).alias("vague_zones"),
    )


def decide_frame(
    situations: pl.DataFrame, pack: Pack, engine: Engine, *, version: str | None = None, memo: Memo | None = None,
    plan: Plan | None = None,
) -> pl.DataFrame:
    """Add ``__version`` and the decision (``__verdict``, ``__clauses``, ``__missing``, ``__errors``, ``__confidence``,
    ``__zones`` and ``__vague_zones``: the zones in force the point is inside / in the vague band of) to every
    situation; the names are reserved, so input columns of any name pass through untouched.

    ``version`` forces one version id for all rows instead of the one in force on each date. ``memo``
    reuses and keeps decisions across calls with the same pack and engine. ``plan`` is the pack's compiled
    ``enduse.plan.Plan`` (compiled here when not given).
    """
    if plan is None:
        from enduse.plan import compile_plan  # the plan module builds on this one

        plan = compile_plan(pack)
    situations = with_versions(situations, pack, version)
    keys = list(plan.keys)
    keyed = situations.with_columns(plan.normal.get(k, pl.col(k)).alias(KEY + k) for k in keys)
    distinct = keyed.select(pl.col(KEY + k).alias(k) for k in keys).unique()
    table = remember(distinct, plan, engine, memo)
    decision = {name: DECISION + name for name in ("verdict", "clauses", "missing", "errors", "confidence", "zones", "vague_zones")}
    joined = keyed.join(table.rename({**{k: KEY + k for k in keys}, **decision}), on=[KEY + k for k in keys],
                        how="left", nulls_equal=True, maintain_order="left")
    return joined.drop(KEY + k for k in keys)


def evaluation_problems(pack: Pack) -> list[str]:
    """Pack-load check: every purpose and target makes a well-formed request under each version.

    Catches a schema whose context, actions or entity types do not match what
    enduse sends (for example a fact declared in facts.toml but not in the schema).
    """
    weapon = pack_weapons(pack)[0]
    pairs = [(t, KNOWN_PURPOSES[0]) for t in KNOWN_TARGETS] + [(KNOWN_TARGETS[0], p) for p in KNOWN_PURPOSES]
    probes = pl.DataFrame(
        {DIM + "weapon": [weapon] * len(pairs), DIM + "target": [t for t, _ in pairs], DIM + "purpose": [p for _, p in pairs],
         "__country": ["RU"] * len(pairs), "__region": ["RU-BEL"] * len(pairs),
         **{DIM + f"zone:{z}": [False] * len(pairs) for z in pack.zones}, **{DIM + f: [True] * len(pairs) for f in pack.facts},
         **{DIM + s: [True] * len(pairs) for s in pack.scopes}}
    )
    problems = []
    for version in pack.versions:
        reads = version_reads(version)
        undeclared = sorted(f for f in pack.context_facts if f not in pack.facts and reads is not None and f in reads.context)
        if undeclared:
            problems.append(f"{pack.path}: version {version.id!r} reads fact(s) {', '.join(undeclared)}, which facts.toml does not "
                            "declare (declare each with the assumption giving its default)")
    for version in pack.versions:
        errors = CedarEngine().decide(pack, version, _requests(probes, pack))["errors"].explode().drop_nulls()
        if errors.len():
            problems.append(f"{pack.path}: version {version.id!r} cannot evaluate a request enduse sends "
                            f"(check the schema's context matches facts.toml): {errors[0]}")
    return problems
