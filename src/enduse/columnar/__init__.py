"""Columnar evaluation of Cedar policies with polars -- Cedar's exact semantics, whole columns at once.

Usage::

    from enduse.columnar import compile_policies, prepare_entities

    compiled = compile_policies(policy_text)          # raises Unsupported for constructs not handled
    store = prepare_entities(entities_json_list)      # once per entity set
    out = compiled.evaluate(frame, store)             # columns decision, reason, errors

Input frame (see :meth:`CompiledPolicies.evaluate`): ``principal``, ``action``, ``resource`` are
String columns of canonical uids ``Type::"id"`` (for ids with ``"``, ``\\`` or control characters
the id part is JSON-escaped, see :func:`uid`), ``context`` a Struct column (a null field means
the attribute is absent). Output per row: ``decision`` ("Allow"/"Deny"), ``reason`` (ids of the
determining policies), ``errors`` (ids of the policies whose evaluation errored) -- exactly what
``cedarpy.is_authorized`` reports as decision, ``diagnostics.reasons`` and the policies named in
``diagnostics.errors``.

:func:`is_authorized_batch` mirrors ``cedarpy.is_authorized_batch`` for plain request dicts.
Anything not handled raises :class:`Unsupported`; nothing is ever guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from .compiler import Lowerer, check_policy, lower_policy
from .conform import Rejected, parse_request
from .dedup import ENGINE, REQUEST_COLUMNS, Reads, distinct_rows, reads
from .entities import EntityStore, prepare_entities
from .errors import MixedTypes, Unsupported
from .schema import Schema, SchemaError, load_schema
from .values import (
    BOOL,
    LONG,
    STRING,
    CRec,
    EntT,
    RecT,
    SetT,
    Ty,
    from_json,
    parse_uid,
    series,
    type_of,
    uid_key,
    unify,
)

__all__ = [
    "Unsupported",
    "Rejected",
    "Schema",
    "SchemaError",
    "load_schema",
    "CompiledPolicies",
    "EntityStore",
    "compile_policies",
    "prepare_entities",
    "is_authorized_batch",
    "uid",
    "context_type_of",
]


# Rows are evaluated once per DISTINCT request (then gathered back) when the frame has at least
# DEDUP_MIN_ROWS rows and at most DEDUP_MAX_SHARE of them are distinct; see dedup.py (exact).
DEDUP_MIN_ROWS = 50_000
DEDUP_MAX_SHARE = 0.5


def uid(etype: str, eid: str) -> str:
    """Canonical uid string used in frames: ``Type::"id"`` with the id JSON-escaped."""
    return uid_key(etype, eid)


@dataclass
class CompiledPolicies:
    """Policies in Cedar's JSON form, checked to use only supported constructs."""

    policies: dict[str, dict]  # policy id -> EST
    _queries: dict[tuple, tuple[EntityStore, "_Query"]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def ids(self) -> list[str]:
        return list(self.policies)

    def evaluate(
        self,
        frame: pl.DataFrame,
        entities: "EntityStore | list[dict] | str",
        context_type: Ty | None = None,
    ) -> pl.DataFrame:
        """Decide every row of ``frame``; see the module docstring for the column formats.

        ``context_type`` (a :class:`values.RecT`) is needed only when the context holds entity
        references or extension values; otherwise it is derived from the Struct dtype (Boolean,
        integers, String, List, Struct).
        """
        store = prepare_entities(entities)
        n = frame.height
        if n >= DEDUP_MIN_ROWS:
            rd = self.reads
            d = distinct_rows(frame, rd, store)
            if d is not None and len(d[0]) <= DEDUP_MAX_SHARE * n:
                reps, inv = d
                cols = [c for c in REQUEST_COLUMNS if c in frame.columns]
                small = self._evaluate_rows(frame.select(cols)[pl.Series(reps)], store, context_type)
                out = small[pl.Series(inv)]
                if out.height != n:
                    raise AssertionError("row count changed")
                return out
        return self._evaluate_rows(frame, store, context_type)

    @property
    def reads(self) -> Reads:
        """Request parts the policies can read."""
        return reads(self.policies)

    def _evaluate_rows(self, frame: pl.DataFrame, store: EntityStore, context_type: Ty | None) -> pl.DataFrame:
        n = frame.height
        ctx_ty = context_type if context_type is not None else _ty_from_dtype(frame.schema["context"])
        var_types = (("context", ctx_ty), *((var, EntT(frozenset(_entity_types(frame, var)))) for var in _ENTITY_VARS))
        query = self._query(store, var_types)
        res = frame.lazy().with_columns(query.indexes).with_columns(query.conditions).with_columns(query.effects).select(
            query.outputs).collect(engine=ENGINE)
        chunks = query.chunks

        def decode(prefix: str, name: str) -> pl.Series:
            cols = [f"{prefix}{ci}" for ci in range(len(chunks))]
            if not cols:
                return pl.Series(name, [[]] * n, dtype=pl.List(pl.String))
            u = res.select(cols).unique()
            lists = [
                [pid for ci, m in enumerate(row) for j, pid in enumerate(chunks[ci]) if m >> j & 1]
                for row in u.iter_rows()
            ]
            u = u.with_columns(pl.Series(name, lists, dtype=pl.List(pl.String)))
            return res.select(cols).join(u, on=cols, how="left", maintain_order="left")[name]

        out = pl.DataFrame([res["decision"], decode("__r", "reason"), decode("__e", "errors")])
        if out.height != n:
            raise AssertionError("row count changed")
        return out

    def _query(self, store: EntityStore, var_types: tuple[tuple[str, Ty], ...]) -> _Query:
        """The policies lowered for these entities and request types: lowered once, then reused (lowering costs
        milliseconds, as much as deciding a thousand rows)."""
        key = (id(store), var_types)
        found = self._queries.get(key)
        if found is not None and found[0] is store:
            return found[1]
        query = _lowered(self.policies, store, dict(var_types))
        if len(self._queries) >= _QUERIES_KEPT:
            self._queries.clear()  # one call, safe beside other threads; rare (one entry per store and types)
        self._queries[key] = (store, query)  # the store is held, so its id is not reused while the entry lives
        return query


_ENTITY_VARS = ("principal", "action", "resource")
_QUERIES_KEPT = 16


@dataclass(frozen=True)
class _Query:
    """The expressions that decide a frame, in four steps: entity row indexes, each policy's condition and error as a
    column, the effects, and the outputs (decision, reasons and errors as bit masks of ``chunks`` of policy ids).

    Each condition is computed once into its own column that the later steps read: as one nested expression, the
    conditions took polars twice as long to plan and run."""

    indexes: list[pl.Expr]
    conditions: list[pl.Expr]
    effects: list[pl.Expr]
    outputs: list[pl.Expr]
    chunks: list[list[str]]


def _lowered(policies: dict[str, dict], store: EntityStore, var_types: dict[str, Ty]) -> _Query:
    idx_cols = {var: f"__idx_{var}" for var in _ENTITY_VARS}
    lw = Lowerer(store, var_types, {v: pl.col(c) for v, c in idx_cols.items()})
    pids = list(policies)
    sat = {pid: f"__sat{i}" for i, pid in enumerate(pids)}
    err = {pid: f"__err{i}" for i, pid in enumerate(pids)}
    conditions = []
    for pid in pids:
        satisfied, error = lower_policy(lw, policies[pid])
        conditions += [satisfied.alias(sat[pid]), error.alias(err[pid])]
    permits = [pid for pid in pids if policies[pid]["effect"] == "permit"]
    forbids = [pid for pid in pids if policies[pid]["effect"] == "forbid"]

    # A column of the frame's height in every horizontal fold: a policy whose condition is a constant gives a
    # one-row result, which polars' in-memory engine does not stretch to the frame's height.
    height = pl.repeat(False, pl.len())

    def any_of(ids: list[str]) -> pl.Expr:
        return pl.any_horizontal([height, *(pl.col(sat[i]) for i in ids)])

    # reasons and errors as bit masks (63 policies per UInt64 column), decoded once per distinct mask
    chunks = [pids[i : i + 63] for i in range(0, len(pids), 63)]
    allow = pl.col("__p") & ~pl.col("__f")

    def bits(prefix: str, cond) -> list[pl.Expr]:
        cols = []
        for ci, chunk in enumerate(chunks):
            terms = [cond(pid).cast(pl.UInt64) * pl.lit(1 << j, dtype=pl.UInt64) for j, pid in enumerate(chunk)]
            cols.append(pl.sum_horizontal([height.cast(pl.UInt64), *terms]).alias(f"{prefix}{ci}"))
        return cols

    def reason_cond(pid: str) -> pl.Expr:
        decisive = pl.col("__f") if policies[pid]["effect"] == "forbid" else allow
        return pl.col(sat[pid]) & decisive

    return _Query(
        indexes=[store.idx(pl.col(v)).alias(c) for v, c in idx_cols.items()],
        conditions=conditions,
        effects=[any_of(forbids).alias("__f"), any_of(permits).alias("__p")],
        outputs=[pl.when(allow).then(pl.lit("Allow")).otherwise(pl.lit("Deny")).alias("decision"),
                 *bits("__r", reason_cond), *bits("__e", lambda pid: pl.col(err[pid]))],
        chunks=chunks,
    )


def _entity_types(frame: pl.DataFrame, var: str) -> list[str]:
    """Entity types in a uid column; Unsupported if some value is not a uid ``Type::"id"``."""
    types = frame.select(pl.col(var).unique().str.extract(r'^(.*?)::"', 1).unique())[var].to_list()
    if any(t is None for t in types):
        raise Unsupported(f"{var} column holds values that are not uids Type::\"id\"")
    return types


def _ty_from_dtype(dt: pl.DataType) -> Ty:
    if isinstance(dt, pl.Boolean):
        return BOOL
    if dt.is_integer():
        return LONG
    if isinstance(dt, (pl.String, pl.Categorical)):
        return STRING
    if isinstance(dt, pl.List):
        inner = dt.inner
        return SetT(None if isinstance(inner, pl.Null) else _ty_from_dtype(inner))
    if isinstance(dt, pl.Struct):
        return RecT(tuple(sorted((f.name, _ty_from_dtype(f.dtype)) for f in dt.fields)))
    raise Unsupported(f"context column of dtype {dt} (pass context_type for entities/extension values)")


def compile_policies(policies: str) -> CompiledPolicies:
    """Parse Cedar policy text with cedarpy and check every construct; raises Unsupported."""
    import cedarpy

    est = json.loads(cedarpy.policies_to_json_str(policies))
    if est.get("templates") or est.get("templateLinks"):
        raise Unsupported("policy templates are not supported")
    out = {}
    for pid, p in est.get("staticPolicies", {}).items():
        check_policy(pid, p)
        out[pid] = p
    return CompiledPolicies(out)


def context_type_of(contexts: list) -> Ty:
    """Unified static type of typed context values (Unsupported on mixed types)."""
    t: Ty | None = RecT(())
    for c in contexts:
        t = unify(t, type_of(c))
    return t


def _request_context(r: dict) -> CRec:
    ctx = r.get("context")
    if ctx is None:
        ctx = {}
    if isinstance(ctx, str):
        ctx = json.loads(ctx)
    if not isinstance(ctx, dict):
        raise Unsupported("context must be a record")
    v = from_json(ctx)
    if not isinstance(v, CRec):
        raise Unsupported("context must be a record")
    return v


def _plain_request(r: dict) -> tuple[str, str, str, CRec]:
    return parse_uid(r["principal"]), parse_uid(r["action"]), parse_uid(r["resource"]), _request_context(r)


def _batch_frame(rows: list[tuple[str, str, str, CRec]]) -> tuple[pl.DataFrame, Ty]:
    ctx_ty = context_type_of([r[3] for r in rows])
    try:
        ctx = series([r[3] for r in rows], ctx_ty, "context")
    except Unsupported:
        raise
    except Exception as ex:  # polars could not build the column: do not guess
        raise Unsupported(f"context values not representable: {ex}") from None
    frame = pl.DataFrame(
        {
            "principal": pl.Series([r[0] for r in rows], dtype=pl.String),
            "action": pl.Series([r[1] for r in rows], dtype=pl.String),
            "resource": pl.Series([r[2] for r in rows], dtype=pl.String),
        }
    ).with_columns(ctx)
    return frame, ctx_ty


def _signature(row: tuple[str, str, str, CRec]) -> tuple:
    from .values import uid_type

    return (uid_type(row[0]), row[1], uid_type(row[2]), repr(type_of(row[3])))


def is_authorized_batch(
    requests: list[dict],
    policies: "str | CompiledPolicies",
    entities: "list[dict] | str | EntityStore",
    schema: Any = None,
    *,
    validate_requests: bool = True,
) -> list[dict]:
    """Like ``cedarpy.is_authorized_batch``: per request ``{"decision", "reason", "errors"}``.

    ``decision`` is ``"Allow"`` or ``"Deny"``; ``reason``/``errors`` are lists of policy ids.
    With a ``schema`` (Cedar schema text, JSON schema text or dict, ``cedarpy.Schema`` or
    :class:`Schema`), entities and contexts are read by the declared types and requests are
    checked against their action, as Cedar does: what Cedar refuses gets cedarpy's answer,
    ``{"decision": "NoDecision", "reason": [], "errors": [message]}`` (every request when the
    entities are refused). ``validate_requests=False`` skips the request checks (the context is
    still read by the schema), as ``validateRequest: false`` in Cedar's tests. An
    :class:`EntityStore` passed as ``entities`` is used as it is (built with or without schema).
    Raises :class:`Unsupported` for policies, requests or entities it cannot evaluate exactly.
    """
    compiled = policies if isinstance(policies, CompiledPolicies) else compile_policies(policies)
    results: list[Any] = [None] * len(requests)
    rows: list[tuple[str, str, str, CRec]] = []
    where: list[int] = []
    if schema is None:
        store = prepare_entities(entities)
        rows = [_plain_request(r) for r in requests]
        where = list(range(len(requests)))
    else:
        sch = load_schema(schema)
        try:
            store = prepare_entities(entities, sch)
        except Rejected as ex:
            return [_no_decision(f"failed to parse entities: {ex}") for _ in requests]
        for i, r in enumerate(requests):
            try:
                rows.append(parse_request(r, sch, validate_requests))
                where.append(i)
            except Rejected as ex:
                results[i] = _no_decision(f"failed to build request: {ex}")
    if rows:
        for i, res in zip(where, _evaluate_rows(compiled, store, rows), strict=True):
            results[i] = res
    return results


def _no_decision(message: str) -> dict:
    return {"decision": "NoDecision", "reason": [], "errors": [message]}


def _evaluate_rows(compiled: CompiledPolicies, store: EntityStore, rows: list) -> list[dict]:
    try:
        return _run_groups(compiled, store, rows, [list(range(len(rows)))])
    except MixedTypes:
        # evaluate rows of one shape (principal/resource type, action, context type) together
        by_sig: dict[tuple, list[int]] = {}
        for i, row in enumerate(rows):
            by_sig.setdefault(_signature(row), []).append(i)
        return _run_groups(compiled, store, rows, list(by_sig.values()))


def _run_groups(compiled: CompiledPolicies, store: EntityStore, rows: list, groups: list[list[int]]) -> list[dict]:
    results: list[Any] = [None] * len(rows)
    for g in groups:
        frame, ctx_ty = _batch_frame([rows[i] for i in g])
        out = compiled.evaluate(frame, store, context_type=ctx_ty)
        for i, d, rs, es in zip(g, out["decision"], out["reason"], out["errors"]):
            results[i] = {"decision": d, "reason": list(rs), "errors": list(es)}
    return results
