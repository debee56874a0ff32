"""Exact deduplication of request rows: evaluate each distinct request once, then gather back.

Real workloads draw principal, action, resource and context from small vocabularies, so a
million rows often hold only thousands of distinct requests -- and a policy set usually reads
only part of each request (the baseline of a pack may look at ``context.country`` alone).

:func:`reads` finds, from the policies' EST, which request parts can influence any result: each
of ``principal``/``action``/``resource`` (used in a scope constraint or a condition), and either
the whole ``context`` or the set of its top-level fields accessed as ``context.f`` /
``context has f``. Any other use of ``context`` counts as reading all of it. The analysis only
ever over-approximates.

:func:`distinct_rows` then gives one representative row per distinct combination of the READ
parts and every row's index into the representatives, or ``None`` when it cannot do so exactly.

Exactness: every read leaf value (each string, boolean, integer, list element, and the null-ness
of every struct, list, element and field) is mapped INJECTIVELY to a small integer code, and the
codes are combined into a mixed-radix number checked to fit in 64 bits. Two rows get the same
key only if every part the policies read is identical, so each row's result equals its
representative's. The representatives hold exactly the same set of distinct read values as the
whole frame, so the evaluator's frame-wide type inference sees the same types for every part it
reads. Anything that cannot be coded this way (floats, lists of structs, deep lists, a key space
beyond 64 bits) gives ``None`` and the caller evaluates the frame row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

REQUEST_COLUMNS = ("principal", "action", "resource", "context")
_KEY_LIMIT = 1 << 63  # the combined key space must stay below this (UInt64 arithmetic, no overflow)
_MAX_LIST_LEN = 16
_DIRECT_LIMIT = 1 << 22  # key spaces up to this size (or 2 rows per key) use direct addressing


# --------------------------------------------------------------------------- what the policies read
@dataclass(frozen=True)
class Reads:
    entities: frozenset  # of "principal", "action", "resource"
    context: frozenset | None  # top-level context fields read; None = the whole context


def reads(policies: dict[str, dict]) -> Reads:
    """Request parts any of the policies (EST) can read; see the module docstring."""
    ents: set[str] = set()
    fields: set[str] = set()
    whole = False

    def walk(e: Any) -> None:
        nonlocal whole
        if isinstance(e, list):
            for x in e:
                walk(x)
            return
        if not isinstance(e, dict):
            return
        if len(e) == 1:
            (op, arg), = e.items()
            if op == "Var" and isinstance(arg, str):
                if arg == "context":
                    whole = True
                else:
                    ents.add(arg)
                return
            if (
                op in (".", "has")
                and isinstance(arg, dict)
                and arg.get("left") == {"Var": "context"}
                and isinstance(arg.get("attr"), str)
                and set(arg) == {"left", "attr"}
            ):
                fields.add(arg["attr"])
                return
        for x in e.values():
            walk(x)

    for p in policies.values():
        for var in ("principal", "action", "resource"):
            if p[var].get("op") != "All":
                ents.add(var)
        for c in p.get("conditions", []):
            walk(c["body"])
    ents &= {"principal", "action", "resource"}
    return Reads(frozenset(ents), None if whole else frozenset(fields))


# --------------------------------------------------------------------------- leaf codes
class _NoCode(Exception):
    pass


def _scalar_code(e: pl.Expr, dt: pl.DataType) -> pl.Expr:
    """Injective code of a scalar column: 0 for null, 1.. for values (UInt32)."""
    if isinstance(dt, pl.Boolean):
        return (e.cast(pl.UInt32) + 1).fill_null(0)
    if isinstance(dt, pl.Null):
        return e.is_null().cast(pl.UInt32)  # all 1 (a full-length column, unlike a literal)
    if isinstance(dt, (pl.String, pl.Categorical, pl.Enum)) or dt.is_integer():
        s = e if isinstance(dt, pl.String) else e.cast(pl.String)
        return (s.cast(pl.Categorical(pl.Categories.random())).to_physical().cast(pl.UInt32) + 1).fill_null(0)
    raise _NoCode(str(dt))


def _elem_codes(e: pl.Expr, inner: pl.DataType) -> pl.Expr:
    """List(UInt32) of element codes: 1 for a null element, 2.. for values."""
    if isinstance(inner, pl.Boolean):
        phys = e.cast(pl.List(pl.UInt32))
    elif isinstance(inner, pl.Null):
        phys = e.cast(pl.List(pl.UInt32))
    elif isinstance(inner, (pl.String, pl.Categorical, pl.Enum)) or inner.is_integer():
        s = e if isinstance(inner, pl.String) else e.cast(pl.List(pl.String))
        phys = s.cast(pl.List(pl.Categorical(pl.Categories.random()))).to_physical().cast(pl.List(pl.UInt32))
    else:
        raise _NoCode(str(inner))
    return phys.list.eval((pl.element() + 2).fill_null(1))


def _leaves(e: pl.Expr, dt: pl.DataType, out: list[tuple[str, pl.Expr]]) -> None:
    """Append (kind, expr): kind "s" = scalar code column, "v"/"l" = list validity / element codes."""
    if isinstance(dt, pl.Struct):
        out.append(("s", e.is_not_null().cast(pl.UInt32)))
        for f in dt.fields:
            _leaves(e.struct.field(f.name), f.dtype, out)
    elif isinstance(dt, pl.List):
        out.append(("v", e.is_not_null().cast(pl.UInt32)))
        out.append(("l", _elem_codes(e, dt.inner)))
    else:
        out.append(("s", _scalar_code(e, dt)))


def _list_code(elems: pl.Series) -> np.ndarray | None:
    """Injective code of a list of element codes (1..): 1 + sum(code_j * base**j), 0 = no element.

    An absent position codes 0, so the length is part of the number; null lists are told apart
    by the separate validity leaf.
    """
    # Through polars, not Arrow's arrays: their conversion to NumPy loads pandas (0.3-0.8 s of every audit).
    lens = elems.list.len().fill_null(0).cast(pl.Int64).to_numpy()
    vals = elems.explode().drop_nulls().to_numpy()  # element codes are 1.., so a null is an empty or null list
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    n = len(lens)
    length = int(lens.max()) if n else 0
    base = int(vals.max()) + 1 if len(vals) else 1
    if length > _MAX_LIST_LEN or 1 + base**length >= _KEY_LIMIT:
        return None
    dt = np.uint32 if 1 + base**length < 2**32 else np.uint64
    code = np.ones(n, dtype=dt)
    last = len(vals) - 1
    for j in range(length):
        v = vals[np.minimum(starts + j, last)].astype(dt)
        v *= (lens > j).astype(dt)  # positions beyond the list's end code 0
        if j:
            v *= dt(base**j)
        code += v
    return code


def _uid_check(var: str) -> pl.Expr:
    """True when every value of a uid column has a type part (as ``_entity_types`` requires)."""
    return pl.col(var).unique().str.extract(r'^(.*?)::"', 1).is_not_null().all().alias(f"ok_{var}")


# --------------------------------------------------------------------------- distinct rows
def distinct_rows(frame: pl.DataFrame, rd: Reads) -> tuple[np.ndarray, np.ndarray] | None:
    """(representative row per distinct read request, index of every row's representative), or None.

    ``None`` also when a uid column no policy reads holds a value that is not a uid: the caller's
    row-by-row path then raises the usual error.
    """
    if any(c not in frame.schema for c in REQUEST_COLUMNS):
        return None
    leaves: list[tuple[str, pl.Expr]] = []
    try:
        for col in ("principal", "action", "resource"):
            if col in rd.entities:
                _leaves(pl.col(col), frame.schema[col], leaves)
        ctx_dt = frame.schema["context"]
        if rd.context is None:
            _leaves(pl.col("context"), ctx_dt, leaves)
        elif rd.context:
            if not isinstance(ctx_dt, pl.Struct):
                return None
            _leaves(pl.col("context"), pl.Struct([]), leaves)  # the struct's own validity
            names = {f.name: f.dtype for f in ctx_dt.fields}
            for f in sorted(rd.context):
                if f in names:
                    _leaves(pl.col("context").struct.field(f), names[f], leaves)
    except _NoCode:
        return None
    n = frame.height
    unread = [v for v in ("principal", "action", "resource") if v not in rd.entities]
    lf = frame.lazy()
    jobs = []
    if leaves:
        jobs.append(lf.select([e.alias(f"c{i}") for i, (_, e) in enumerate(leaves)]))
    if unread:
        jobs.append(lf.select([_uid_check(v) for v in unread]))
    done = pl.collect_all(jobs)
    if unread and not all(done[-1].row(0)):
        return None
    if not leaves:
        return np.zeros(1, dtype=np.int64), np.zeros(n, dtype=np.uint32)
    codes = done[0]
    arrays: list[np.ndarray] = []
    for i, (kind, _) in enumerate(leaves):
        if kind == "l":
            a = _list_code(codes[f"c{i}"])
            if a is None:
                return None
        else:
            a = codes[f"c{i}"].to_numpy()
        arrays.append(a)
    ranges = [(int(a.min()), int(a.max())) if len(a) else (0, 0) for a in arrays]
    space = 1
    for lo, hi in ranges:
        space *= hi - lo + 1
    if space >= _KEY_LIMIT:
        return None
    kt = np.uint32 if space < 2**32 else np.uint64
    key = np.zeros(n, dtype=kt)
    mult = 1
    for a, (lo, hi) in zip(arrays, ranges):
        if hi == lo:
            continue
        tmp = a.astype(kt)
        if lo:
            tmp -= kt(lo)
        if mult != 1:
            tmp *= kt(mult)
        key += tmp
        mult *= hi - lo + 1
    if space <= max(_DIRECT_LIMIT, min(2 * n, 4 * _DIRECT_LIMIT)) and n < 2**31:
        # direct addressing; any row holding a key may represent it
        rep_of = np.full(space, -1, dtype=np.int32)
        rep_of[key] = np.arange(n, dtype=np.int32)
        present = np.flatnonzero(rep_of >= 0)
        dense = np.empty(space, dtype=np.uint32)
        dense[present] = np.arange(len(present), dtype=np.uint32)
        return rep_of[present].astype(np.int64), dense[key]
    ks = pl.Series("k", key)
    first = ks.is_first_distinct().arg_true()
    inv = ks.replace_strict(ks.gather(first), pl.Series(np.arange(len(first), dtype=np.uint32)), return_dtype=pl.UInt32)
    return first.to_numpy().astype(np.int64), inv.to_numpy()
