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

Coarser, still exact: a part the policies use only in tests against literals (``principal ==
E``, ``principal in E`` and ``is``, ``[E1, E2].contains(action)``, ``context.country == "RU"``,
``context.zones.contains("x")``, ``context has f``; see :func:`reads`) influences a result only
through those tests' outcomes and its null-ness: the compiled expressions of these tests are
functions of exactly that. Such a part (a String, or a List(String) tested for literals) is coded
by the outcomes instead of its value, so requests that differ only in values no policy tells
apart share one evaluation. The representatives then hold fewer distinct values than the frame;
what the evaluator infers from them (the entity types of a uid column) only decides tests whose
outcome is the same for every row of a class, and in a uid column coded so, a value the evaluator
refuses (not a uid) is a class of its own, so the evaluation meets it and refuses it.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import polars as pl

from .errors import Unsupported
from .values import parse_uid

REQUEST_COLUMNS = ("principal", "action", "resource", "context")
#: The polars engine the evaluator's lazy queries run on: polars 2's default, the streaming engine, costs more per
#: query on frames that fit in memory (measured 2026-12-04), and evaluations are of whole in-memory frames.
ENGINE = "in-memory"
_KEY_LIMIT = 1 << 63  # the combined key space must stay below this (UInt64 arithmetic, no overflow)
_MAX_LIST_LEN = 16
_DIRECT_LIMIT = 1 << 22  # key spaces up to this size (or 2 rows per key) use direct addressing


# --------------------------------------------------------------------------- what the policies read
VARS = ("principal", "action", "resource")
# A test the policies apply to one request part, all against literals: ("eq", text) the value equals text (a string
# or a canonical uid), ("in", uids) the entity is one of uids or their descendants, ("is", type) the entity is of the
# type, ("contains", text) the set holds text.
Test = tuple


@dataclass(frozen=True)
class Reads:
    entities: frozenset  # of "principal", "action", "resource"
    context: frozenset | None  # top-level context fields read; None = the whole context
    # (part, its tests) for each read part the policies use only in literal tests; a part is "principal", "action",
    # "resource" or ("context", field)
    tests: tuple = ()


def _part(e: Any) -> str | tuple | None:
    """The request part an EST node reads directly: an entity variable or a top-level context field."""
    if not isinstance(e, dict) or len(e) != 1:
        return None
    (op, arg), = e.items()
    if op == "Var" and arg in VARS:
        return arg
    if (op == "." and isinstance(arg, dict) and set(arg) == {"left", "attr"} and arg["left"] == {"Var": "context"}
            and isinstance(arg["attr"], str)):
        return ("context", arg["attr"])
    return None


def _literal(e: Any, entity: bool = False) -> str | None:
    """The text of a literal string or entity (its canonical uid) of an EST node; entities only if ``entity``."""
    if not isinstance(e, dict) or set(e) != {"Value"}:
        return None
    return _text(e["Value"], entity)


def _text(v: Any, entity: bool) -> str | None:
    if isinstance(v, str) and not entity:
        return v
    if isinstance(v, dict) and set(v) == {"__entity"}:
        try:
            return parse_uid(v)
        except Unsupported:
            return None
    return None


def _literals(e: Any, entity: bool = False) -> list[str] | None:
    """The texts of a set literal (a ``Set`` of literals or a literal list), or a single literal when ``entity``."""
    if not isinstance(e, dict) or len(e) != 1:
        return None
    (op, arg), = e.items()
    if op == "Set" and isinstance(arg, list):
        texts = [_literal(x, entity) for x in arg]
    elif op == "Value" and isinstance(arg, list):
        texts = [_text(x, entity) for x in arg]
    elif entity and op == "Value":
        texts = [_literal(e, True)]
    else:
        return None
    return None if any(t is None for t in texts) else texts


def _literal_test(op: str, arg: Any) -> tuple[str | tuple, set[Test]] | None:
    """(part, tests) when the EST node ``{op: arg}`` only tests one request part against literals."""
    if not isinstance(arg, dict):
        return None
    left, right = arg.get("left"), arg.get("right")
    if op in ("==", "!="):
        for a, b in ((left, right), (right, left)):
            part, text = _part(a), _literal(b)
            if part is not None and text is not None:
                return part, {("eq", text)}
    elif op == "contains":
        part, texts = _part(right), _literals(left)
        if part is not None and texts is not None:
            return part, {("eq", t) for t in texts}
        part, text = _part(left), _literal(right)
        if isinstance(part, tuple) and text is not None:
            return part, {("contains", text)}
    elif op == "in":
        part, keys = _part(left), _literals(right, entity=True)
        if part is not None and keys is not None:
            return part, {("in", frozenset(keys))}
    elif op == "is" and isinstance(arg.get("entity_type"), str) and set(arg) <= {"left", "entity_type", "in"}:
        part = _part(left)
        keys = _literals(arg["in"], entity=True) if "in" in arg else []
        if part is not None and keys is not None:
            return part, {("is", arg["entity_type"])} | ({("in", frozenset(keys))} if "in" in arg else set())
    return None


def _scope_tests(c: dict) -> set[Test] | None:
    """The literal tests of a scope constraint, None for one of another shape."""
    op = c.get("op")
    try:
        if op == "==" and "entity" in c:
            return {("eq", parse_uid(c["entity"]))}
        if op == "in" and ("entity" in c or "entities" in c):
            return {("in", frozenset(parse_uid(x) for x in c.get("entities", [c.get("entity")])))}
        if op == "is" and isinstance(c.get("entity_type"), str):
            tests: set[Test] = {("is", c["entity_type"])}
            if "in" in c:
                tests.add(("in", frozenset([parse_uid(c["in"]["entity"])])))
            return tests
    except (Unsupported, KeyError, TypeError):
        return None
    return None


def reads(policies: dict[str, dict]) -> Reads:
    """Request parts any of the policies (EST) can read; see the module docstring."""
    ents: set[str] = set()
    fields: set[str] = set()
    whole = False
    tests: dict[str | tuple, set[Test]] = {}
    opaque: set[str | tuple] = set()  # parts read otherwise than in literal tests

    def read(part: str | tuple, found: set[Test] | None) -> None:
        if isinstance(part, tuple):
            fields.add(part[1])
        else:
            ents.add(part)
        if found is None:
            opaque.add(part)
        else:
            tests.setdefault(part, set()).update(found)

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
                elif arg in VARS:
                    read(arg, None)
                return
            if (
                op in (".", "has")
                and isinstance(arg, dict)
                and arg.get("left") == {"Var": "context"}
                and isinstance(arg.get("attr"), str)
                and set(arg) == {"left", "attr"}
            ):
                read(("context", arg["attr"]), set() if op == "has" else None)  # has: presence only
                return
            found = _literal_test(op, arg)
            if found is not None:
                read(*found)
                return
        for x in e.values():
            walk(x)

    for p in policies.values():
        for var in VARS:
            if p[var].get("op") != "All":
                read(var, _scope_tests(p[var]))
        for c in p.get("conditions", []):
            walk(c["body"])
    found = tuple(
        sorted(((part, frozenset(t)) for part, t in tests.items()
                if part not in opaque and not (whole and isinstance(part, tuple))), key=repr)
    )
    return Reads(frozenset(ents), None if whole else frozenset(fields), found)


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


_UID = r'^(.*?)::"'  # a uid's type part, as the evaluator reads it


def _uid_check(var: str) -> pl.Expr:
    """True when every value of a uid column has a type part (as ``_entity_types`` requires)."""
    return pl.col(var).unique().str.extract(_UID, 1).is_not_null().all().alias(f"ok_{var}")


def _holds(text: pl.Series, test: Test, store: Any) -> np.ndarray:
    """Whether each of distinct non-null String values passes one test, as the compiled policies decide it."""
    kind, arg = test
    if kind == "in":
        out = text.is_in(pl.Series(store.descendants_or_self(sorted(arg)), dtype=pl.String).implode())
    elif kind == "is":
        out = text.str.starts_with(arg + '::"')
    elif kind == "uid":  # what the evaluator requires of a uid (see _uid_check)
        out = text.str.contains(_UID)
    else:  # "eq" on a value, "contains" on a set's element
        out = text == arg
    return out.fill_null(False).to_numpy()


def _lut(cs: pl.Series, values: Callable[[pl.Series], np.ndarray]) -> np.ndarray:
    """Per row of a Categorical, ``values`` (computed once over its distinct non-null values as text) of its value;
    0 for null."""
    u = cs.unique().drop_nulls()
    ucodes = u.to_physical().to_numpy()
    null = int(ucodes.max()) + 1 if len(u) else 0
    lut = np.zeros(null + 1, dtype=np.uint32)
    if len(u):
        lut[ucodes] = values(u.cast(pl.String))
    return lut[cs.to_physical().fill_null(null).to_numpy()]


def _class_code(cs: pl.Series, tests: list, store: Any) -> np.ndarray:
    """Code of a Categorical column by its values' outcomes on ``tests``: 0 for null, 1.. for each combination seen
    (the tests run once per distinct value)."""

    def classes(text: pl.Series) -> np.ndarray:
        results = np.stack([_holds(text, t, store) for t in tests] or [np.zeros(len(text), bool)], axis=1)
        return np.unique(results, axis=0, return_inverse=True)[1].reshape(-1) + 1

    return _lut(cs, classes)


def _bits(holds: list, x: Any) -> Any:
    """Bit j set where ``holds[j]`` is true (UInt32; expressions or Series of the length of ``x``)."""
    bits = [h.fill_null(False).cast(pl.UInt32) * (1 << j) for j, h in enumerate(holds)]
    return functools.reduce(operator.or_, bits, x.is_null().cast(pl.UInt32) * 0).cast(pl.UInt32)


def _contains_code(lens: pl.Series, elements: pl.Series, tests: list) -> np.ndarray | None:
    """Code of a set column from its lengths and its elements (Categorical): 0 for null, 1 + the bit mask of the
    tested texts it holds."""
    n = lens.fill_null(0).to_numpy()
    if len(elements) != n.sum(dtype=np.int64):
        return None
    bits = _lut(elements, lambda text: _bits([text == arg for _, arg in tests], text).to_numpy())
    starts = np.zeros(len(n), dtype=np.int64)
    np.cumsum(n[:-1], out=starts[1:])
    # an empty set's segment is empty: reduceat then gives the next element (or the appended 0), cleared by n > 0
    held = np.bitwise_or.reduceat(np.append(bits, np.uint32(0)), starts) * (n > 0) if len(n) else bits[:0]
    return np.where(lens.is_null().to_numpy(), np.uint32(0), held.astype(np.uint32) + 1)


# A context part (String, or List(String) tested for texts) with at most this many tests is coded by running them on
# every row; with more, by running them once per distinct value (element) after a Categorical cast, which costs
# about as much as four comparisons. A uid column is always cast: its distinct values are also checked to be uids.
_DIRECT_TESTS = 4


# --------------------------------------------------------------------------- distinct rows
def distinct_rows(frame: pl.DataFrame, rd: Reads, store: Any = None) -> tuple[np.ndarray, np.ndarray] | None:
    """(representative row per distinct read request, index of every row's representative), or None.

    With the ``store`` the policies are evaluated against, a String part read only in literal tests
    (``rd.tests``), or a List(String) part only tested for holding literals, counts by its results
    on those tests rather than by its value (and its null-ness).
    ``None`` also when a uid column no policy reads holds a value that is not a uid: the caller's
    row-by-row path then raises the usual error.
    """
    if any(c not in frame.schema for c in REQUEST_COLUMNS):
        return None
    leaves: list[tuple[str, pl.Expr]] = []
    tests = dict(rd.tests) if store is not None else {}
    lf = frame.lazy()
    jobs: list[pl.LazyFrame] = []
    post: dict[int, Any] = {}  # leaf -> its tests (and for a set, the job giving its elements)

    def add(part: str | tuple, e: pl.Expr, dt: pl.DataType) -> None:
        def direct(holds: list[pl.Expr]) -> None:
            leaves.append(("s", pl.when(e.is_null()).then(pl.lit(0, dtype=pl.UInt32)).otherwise(_bits(holds, e) + 1)))

        t = sorted(tests.get(part, ()))
        kinds = {kind for kind, _ in t}
        cat = pl.Categorical(pl.Categories.random())
        if part in tests and dt == pl.String and kinds <= {"eq", "in", "is"}:
            if part not in VARS and kinds <= {"eq"} and len(t) <= _DIRECT_TESTS:
                direct([e == arg for _, arg in t])
                return
            # a value that is not a uid gets a class of its own, so the evaluation meets it (and refuses it)
            post[len(leaves)] = t + [("uid", "")] if part in VARS else t
            leaves.append(("t", e.cast(cat)))
        elif part in tests and dt == pl.List(pl.String) and kinds <= {"contains"} and len(t) <= 16:
            if len(t) <= _DIRECT_TESTS:
                direct([e.list.contains(arg) for _, arg in t])
                return
            post[len(leaves)] = (len(jobs), t)
            jobs.append(lf.select(e.explode(empty_as_null=False, keep_nulls=False).cast(cat)))
            leaves.append(("k", e.list.len()))
        else:
            _leaves(e, dt, leaves)

    unread = [v for v in VARS if v not in rd.entities]
    try:
        for col in VARS:
            if col in rd.entities:
                add(col, pl.col(col), frame.schema[col])
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
                    add(("context", f), pl.col("context").struct.field(f), names[f])
    except _NoCode:
        return None
    n = frame.height
    if leaves:
        jobs.append(lf.select([e.alias(f"c{i}") for i, (_, e) in enumerate(leaves)]))
    if unread:
        jobs.append(lf.select([_uid_check(v) for v in unread]))
    done = pl.collect_all(jobs, engine=ENGINE)
    if unread and not all(done[-1].row(0)):
        return None
    if not leaves:
        return np.zeros(1, dtype=np.int64), np.zeros(n, dtype=np.uint32)
    codes = done[-2 if unread else -1]
    arrays: list[np.ndarray] = []
    for i, (kind, _) in enumerate(leaves):
        col = codes[f"c{i}"]
        if kind == "l":
            a = _list_code(col)
        elif kind == "t":
            a = _class_code(col, post[i], store)
        elif kind == "k":
            a = _contains_code(col, done[post[i][0]].to_series(), post[i][1])
        else:
            a = col.to_numpy()
        if a is None:
            return None
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
