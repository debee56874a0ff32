"""Cedar policies (JSON/EST form) -> polars expressions with Cedar's exact semantics.

Two stages:

1. :func:`check_policy` (compile time, data independent): every node of the EST is a construct
   this module implements, else :class:`Unsupported` naming the construct.
2. :class:`Lowerer` (per evaluation, knows the data's types): each sub-expression becomes a
   :class:`V` -- static Cedar type, value expression, and an error expression (true on rows
   where evaluating it raises a Cedar error; ``None`` when it can never error). Run-time type
   errors of Cedar become statically known "always errors where evaluated" values, masked by
   the short-circuit logic of ``&&``, ``||`` and ``if``.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any, Callable

import polars as pl

from . import extensions as X
from .entities import EntityStore
from .errors import Unsupported
from .nested import canon, canon_elements, comparable, nest
from .values import (
    BOOL,
    DATETIME,
    DECIMAL,
    DURATION,
    IPADDR,
    LONG,
    NEVER,
    STRING,
    CRec,
    CSet,
    EntT,
    RecT,
    SetT,
    Ty,
    dtype,
    from_json,
    is_scalar,
    kind,
    literal,
    type_of,
    unify,
    uid_key,
)

I64_MIN, I64_MAX = X.I64_MIN, X.I64_MAX

# --------------------------------------------------------------------------- compile-time check
BINARY = {"==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "in", "contains", "containsAll", "containsAny",
          "&&", "||", "getTag", "hasTag"}
UNARY = {"!", "neg", "isEmpty"}
EXT_SIGS: dict[str, tuple[tuple[Ty, ...], Ty]] = {
    "decimal": ((STRING,), DECIMAL),
    "ip": ((STRING,), IPADDR),
    "datetime": ((STRING,), DATETIME),
    "duration": ((STRING,), DURATION),
    "lessThan": ((DECIMAL, DECIMAL), BOOL),
    "lessThanOrEqual": ((DECIMAL, DECIMAL), BOOL),
    "greaterThan": ((DECIMAL, DECIMAL), BOOL),
    "greaterThanOrEqual": ((DECIMAL, DECIMAL), BOOL),
    "isIpv4": ((IPADDR,), BOOL),
    "isIpv6": ((IPADDR,), BOOL),
    "isLoopback": ((IPADDR,), BOOL),
    "isMulticast": ((IPADDR,), BOOL),
    "isInRange": ((IPADDR, IPADDR), BOOL),
    "offset": ((DATETIME, DURATION), DATETIME),
    "durationSince": ((DATETIME, DATETIME), DURATION),
    "toDate": ((DATETIME,), DATETIME),
    "toTime": ((DATETIME,), DURATION),
    "toMilliseconds": ((DURATION,), LONG),
    "toSeconds": ((DURATION,), LONG),
    "toMinutes": ((DURATION,), LONG),
    "toHours": ((DURATION,), LONG),
    "toDays": ((DURATION,), LONG),
}
VARS = ("principal", "action", "resource", "context")


def check_expr(e: Any) -> None:
    if not isinstance(e, dict) or len(e) != 1:
        raise Unsupported(f"expression node of unexpected shape: {e!r}")
    (op, arg), = e.items()
    if op == "Value":
        from_json(arg)  # raises Unsupported for odd literals
    elif op == "Var":
        if arg not in VARS:
            raise Unsupported(f"variable {arg!r}")
    elif op in ("Slot", "Unknown"):
        raise Unsupported(f"{op} (templates / partial evaluation) is not supported")
    elif op in BINARY:
        check_expr(arg["left"])
        check_expr(arg["right"])
    elif op in UNARY:
        check_expr(arg["arg"])
    elif op in (".", "has"):
        check_expr(arg["left"])
        if not isinstance(arg["attr"], str):
            raise Unsupported(f"attribute name {arg['attr']!r}")
    elif op == "like":
        check_expr(arg["left"])
        for p in arg["pattern"]:
            if p != "Wildcard" and not (isinstance(p, dict) and set(p) == {"Literal"}):
                raise Unsupported(f"like pattern element {p!r}")
    elif op == "is":
        check_expr(arg["left"])
        if "in" in arg:
            check_expr(arg["in"])
    elif op == "if-then-else":
        for k in ("if", "then", "else"):
            check_expr(arg[k])
    elif op == "Set":
        for x in arg:
            check_expr(x)
    elif op == "Record":
        for x in arg.values():
            check_expr(x)
    elif op in EXT_SIGS:
        if not isinstance(arg, list):
            raise Unsupported(f"extension call {op} with {arg!r}")
        for x in arg:
            check_expr(x)
    else:
        raise Unsupported(f"Cedar construct {op!r} is not supported by the columnar evaluator")


def _check_scope(var: str, c: dict) -> None:
    op = c.get("op")
    if op == "All":
        return
    if op not in ("==", "in", "is"):
        raise Unsupported(f"{var} scope constraint {op!r}")
    if "slot" in c or ("in" in c and "slot" in c["in"]):
        raise Unsupported("templates (slots) are not supported")
    if op == "in" and "entities" in c:
        for x in c["entities"]:
            parse_entity_ref(x)
    elif op in ("==", "in"):
        parse_entity_ref(c["entity"])
    elif op == "is" and "in" in c:
        parse_entity_ref(c["in"]["entity"])


def parse_entity_ref(x: Any) -> str:
    if isinstance(x, dict) and "__entity" in x:
        x = x["__entity"]
    if not isinstance(x, dict) or not isinstance(x.get("type"), str) or not isinstance(x.get("id"), str):
        raise Unsupported(f"entity reference of unexpected shape: {x!r}")
    return uid_key(x["type"], x["id"])


def check_policy(pid: str, p: dict) -> None:
    if p.get("effect") not in ("permit", "forbid"):
        raise Unsupported(f"policy {pid}: effect {p.get('effect')!r}")
    for var in ("principal", "action", "resource"):
        _check_scope(var, p[var])
    for c in p.get("conditions", []):
        if c.get("kind") not in ("when", "unless"):
            raise Unsupported(f"policy {pid}: condition kind {c.get('kind')!r}")
        check_expr(c["body"])


# --------------------------------------------------------------------------- compiled values
_NO = object()


@dataclass
class V:
    ty: Ty
    val: pl.Expr
    err: pl.Expr | None = None  # True where evaluation errors; None: never errors
    const: Any = _NO  # the Python value, when statically known and error-free
    idx: pl.Expr | None = None  # entity row index (entities only), when precomputed


def _or(*errs: pl.Expr | None) -> pl.Expr | None:
    es = [e for e in errs if e is not None]
    if not es:
        return None
    return functools.reduce(operator.or_, es)


def _mask(cond: pl.Expr, err: pl.Expr | None) -> pl.Expr | None:
    """Error only where ``cond`` holds (cond must be a non-null boolean)."""
    return None if err is None else (cond & err)


ALWAYS = pl.lit(True)


def never(*prior: pl.Expr | None) -> V:
    """An always-erroring value (e.g. a Cedar type error)."""
    return V(NEVER, pl.lit(None), ALWAYS)


def const(v: Any) -> V:
    t = type_of(v)
    return V(t, literal(v, t), None, v)


def bool_lit(b: bool) -> pl.Expr:
    return pl.lit(b, dtype=pl.Boolean)


def _rust_regex_escape(s: str) -> str:
    meta = set("\\.+*?()|[]{}^$#&-~")
    return "".join("\\" + c if c in meta else c for c in s)


def _fill(e: pl.Expr, v: bool) -> pl.Expr:
    return e.fill_null(v)


# --------------------------------------------------------------------------- equality
def eq_expr(a: pl.Expr, ta: Ty, b: pl.Expr, tb: Ty) -> pl.Expr:
    """Cedar ``==`` of two error-free values (a non-null boolean expression)."""
    ka, kb = kind(ta), kind(tb)
    if ka != kb or ka == "never":
        return bool_lit(False)
    if is_scalar(ta):
        return _fill(a == b, False)
    if ka == "set":
        ea, eb = ta.elem, tb.elem
        both_empty = (a.list.len() == 0) & (b.list.len() == 0)
        if ea is None or eb is None or kind(ea) != kind(eb):
            return _fill(both_empty, False)
        if not is_scalar(ea):
            return _fill(canon(a, ta) == canon(b, tb), False)
        return _fill(a.list.unique().list.sort() == b.list.unique().list.sort(), False)
    # records
    names = sorted(set(ta.names()) | set(tb.names()))
    parts = []
    for n in names:
        fa, fb = ta.field(n), tb.field(n)
        if fa is None:
            parts.append(b.struct.field(n).is_null())
        elif fb is None:
            parts.append(a.struct.field(n).is_null())
        else:
            xa, xb = a.struct.field(n), b.struct.field(n)
            parts.append(
                (xa.is_null() & xb.is_null())
                | (xa.is_not_null() & xb.is_not_null() & eq_expr(xa, fa, xb, fb)).fill_null(False)
            )
    if not parts:
        return bool_lit(True)
    return functools.reduce(operator.and_, parts)


def coerce(e: pl.Expr, src: Ty, dst: Ty) -> pl.Expr:
    """Re-shape a value of type ``src`` to the polars dtype of the (unified) type ``dst``."""
    if src == dst or src is NEVER:
        return e if src is not NEVER else pl.lit(None, dtype=dtype(dst))
    if isinstance(src, EntT):
        return e
    if isinstance(src, SetT) and isinstance(dst, SetT):
        if src.elem is None:
            return e.cast(dtype(dst))
        return e.list.eval(coerce(pl.element(), src.elem, dst.elem))
    if isinstance(src, RecT) and isinstance(dst, RecT):
        if not dst.fields:
            return e
        cols = []
        for n, ft in dst.fields:
            st = src.field(n)
            if st is None:
                cols.append(pl.lit(None, dtype=dtype(ft)).alias(n))
            else:
                cols.append(coerce(e.struct.field(n), st, ft).alias(n))
        return pl.struct(cols)
    return e


# --------------------------------------------------------------------------- python-mapped functions
def pymap(args: list[V], fn: Callable[..., Any], out: Ty) -> V:
    """Apply a pure Python function (returning None for a Cedar error) to the distinct argument tuples."""
    errs = _or(*(a.err for a in args))
    if all(a.const is not _NO for a in args):
        r = fn(*[_raw(a.const) for a in args])
        if r is None:
            return never()
        return V(out, pl.lit(r, dtype=dtype(out)), None)
    out_dtype = dtype(out)
    n = len(args)

    def apply(s: pl.Series) -> pl.Series:
        df = s.struct.unnest()
        cols = df.columns
        u = df.unique()
        res = []
        for row in u.iter_rows():
            res.append(None if any(x is None for x in row) else fn(*row))
        u = u.with_columns(pl.Series("__out", res, dtype=out_dtype))
        joined = df.join(u, on=cols, how="left", nulls_equal=True, maintain_order="left")
        return joined["__out"]

    packed = pl.struct([a.val.alias(f"a{i}") for i, a in enumerate(args)]) if n else None
    val = packed.map_batches(apply, return_dtype=out_dtype)
    return V(out, val, _or(errs, val.is_null()))


def _raw(v: Any) -> Any:
    from .values import Ext, Ent

    if isinstance(v, Ext):
        return v.val
    if isinstance(v, Ent):
        return v.key
    return v


# --------------------------------------------------------------------------- lowering
class Lowerer:
    def __init__(self, store: EntityStore, var_types: dict[str, Ty], var_idx: dict[str, pl.Expr]):
        self.store = store
        self.var_types = var_types
        self.var_idx = var_idx

    # ---- helpers
    def idx_of(self, v: V) -> pl.Expr:
        return v.idx if v.idx is not None else self.store.idx(v.val)

    def member(self, v: V, keys: list[str]) -> pl.Expr:
        """Entity value is one of ``keys`` (compares row indexes when precomputed: faster than strings)."""
        if v.idx is None:
            return _fill(v.val.is_in(pl.Series(keys, dtype=pl.String).implode()), False)
        rows = [self.store.index[k] for k in keys if k in self.store.index]
        others = [k for k in keys if k not in self.store.index]
        e = _fill(v.idx.is_in(pl.Series(rows, dtype=pl.UInt32).implode()), False) if rows else bool_lit(False)
        if others:
            e = e | _fill(v.val.is_in(pl.Series(others, dtype=pl.String).implode()), False)
        return e

    def lower(self, e: dict) -> V:
        (op, arg), = e.items()
        m = getattr(self, "op_" + _OPNAMES.get(op, op), None)
        if m is not None:
            return m(arg)
        if op in EXT_SIGS:
            return self.ext_call(op, [self.lower(x) for x in arg])
        raise Unsupported(f"Cedar construct {op!r}")

    def op_Value(self, arg: Any) -> V:
        return const(from_json(arg))

    def op_Var(self, name: str) -> V:
        t = self.var_types[name]
        return V(t, pl.col(name), None, _NO, self.var_idx.get(name))

    # ---- boolean logic
    def op_not(self, arg: dict) -> V:
        a = self.lower(arg["arg"])
        if a.ty != BOOL:
            return never()
        return V(BOOL, ~a.val, a.err)

    def and_(self, a: V, b_thunk: Callable[[], V]) -> V:
        if a.ty != BOOL:
            return never()
        if a.const is False:
            return const(False)
        b = b_thunk()
        if a.const is True:
            return b if b.ty == BOOL else never()
        a_true = _fill(a.val, False)
        if b.ty != BOOL:
            return V(BOOL, bool_lit(False), _or(a.err, a_true))
        return V(BOOL, a_true & _fill(b.val, False), _or(a.err, _mask(a_true, b.err)))

    def or_(self, a: V, b_thunk: Callable[[], V]) -> V:
        if a.ty != BOOL:
            return never()
        if a.const is True:
            return const(True)
        b = b_thunk()
        if a.const is False:
            return b if b.ty == BOOL else never()
        a_false = ~_fill(a.val, True)
        if b.ty != BOOL:
            return V(BOOL, bool_lit(True), _or(a.err, a_false))
        return V(BOOL, ~a_false | _fill(b.val, False), _or(a.err, _mask(a_false, b.err)))

    def op_and(self, arg: dict) -> V:
        return self.and_(self.lower(arg["left"]), lambda: self.lower(arg["right"]))

    def op_or(self, arg: dict) -> V:
        return self.or_(self.lower(arg["left"]), lambda: self.lower(arg["right"]))

    def op_ite(self, arg: dict) -> V:
        c = self.lower(arg["if"])
        if c.ty != BOOL:
            return never()
        if c.const is True:
            return self.lower(arg["then"])
        if c.const is False:
            return self.lower(arg["else"])
        t, f = self.lower(arg["then"]), self.lower(arg["else"])
        cond = _fill(c.val, False)
        if t.ty is NEVER and f.ty is NEVER:
            return never()
        if t.ty is NEVER:
            ty = f.ty
        elif f.ty is NEVER:
            ty = t.ty
        else:
            ty = unify(t.ty, f.ty)
        tv = coerce(t.val, t.ty, ty) if t.ty is not NEVER else pl.lit(None, dtype=dtype(ty))
        fv = coerce(f.val, f.ty, ty) if f.ty is not NEVER else pl.lit(None, dtype=dtype(ty))
        val = pl.when(cond).then(tv).otherwise(fv)
        err = _or(c.err, _mask(cond, t.err), _mask(~cond, f.err))
        return V(ty, val, err)

    # ---- comparison and arithmetic
    def op_eq(self, arg: dict) -> V:
        a, b = self.lower(arg["left"]), self.lower(arg["right"])
        if a.ty is NEVER or b.ty is NEVER:
            return never()
        if a.const is not _NO and b.const is not _NO and is_scalar(a.ty) and is_scalar(b.ty):
            return const(kind(a.ty) == kind(b.ty) and _raw(a.const) == _raw(b.const))
        return V(BOOL, eq_expr(a.val, a.ty, b.val, b.ty), _or(a.err, b.err))

    def op_ne(self, arg: dict) -> V:
        r = self.op_eq(arg)
        if r.ty is NEVER:
            return r
        if r.const is not _NO:
            return const(not r.const)
        return V(BOOL, ~r.val, r.err)

    def op_cmp(self, op: str, arg: dict) -> V:
        a, b = self.lower(arg["left"]), self.lower(arg["right"])
        if a.ty != b.ty or a.ty not in (LONG, DATETIME, DURATION):
            return never()
        f = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}[op]
        return V(BOOL, _fill(f(a.val, b.val), False), _or(a.err, b.err))

    def op_arith(self, op: str, arg: dict) -> V:
        a, b = self.lower(arg["left"]), self.lower(arg["right"])
        if a.ty != LONG or b.ty != LONG:
            return never()
        f = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op]
        return _checked(f(a.val.cast(pl.Int128), b.val.cast(pl.Int128)), LONG, a.err, b.err)

    def op_neg(self, arg: dict) -> V:
        a = self.lower(arg["arg"])
        if a.ty != LONG:
            return never()
        return _checked(pl.lit(0, dtype=pl.Int128) - a.val.cast(pl.Int128), LONG, a.err)

    # ---- hierarchy
    def op_in(self, arg: dict) -> V:
        return self.in_(self.lower(arg["left"]), self.lower(arg["right"]))

    def in_(self, a: V, b: V) -> V:
        if not isinstance(a.ty, EntT):
            return never()
        errs = _or(a.err, b.err)
        if isinstance(b.ty, EntT):
            if b.const is not _NO:
                return V(BOOL, self.member(a, self.store.descendants_or_self([b.const.key])), a.err)
            anc = pl.lit(self.store.ancestors()).gather(self.idx_of(a))
            val = (a.val == b.val) | _fill(anc.list.contains(b.val), False)
            return V(BOOL, _fill(val, False), errs)
        if isinstance(b.ty, SetT):
            if b.ty.elem is None:
                return V(BOOL, bool_lit(False), errs)
            if not isinstance(b.ty.elem, EntT):
                # Cedar checks every element is an entity: an error unless the set is empty
                return V(BOOL, bool_lit(False), _or(errs, _fill(b.val.list.len() > 0, True)))
            if b.const is not _NO:
                keys = [x.key for x in b.const]
                return V(BOOL, self.member(a, self.store.descendants_or_self(keys)), a.err)
            anc = pl.lit(self.store.ancestors()).gather(self.idx_of(a)).fill_null(pl.lit([], dtype=pl.List(pl.String)))
            selfs = pl.concat_list([anc, a.val])
            val = selfs.list.set_intersection(b.val).list.len() > 0
            return V(BOOL, _fill(val, False), errs)
        return never()

    def op_is(self, arg: dict) -> V:
        a = self.lower(arg["left"])
        etype = arg["entity_type"]
        if not isinstance(a.ty, EntT):
            return never()
        if a.ty.types is not None and etype not in a.ty.types:
            r = V(BOOL, bool_lit(False), a.err)
        elif a.ty.types == frozenset([etype]):
            r = V(BOOL, bool_lit(True), a.err)
        else:
            r = V(BOOL, a.val.str.starts_with(etype + '::"'), a.err)
        if "in" in arg:
            return self.and_(r, lambda: self.in_(a, self.lower(arg["in"])))
        return r

    # ---- sets
    def op_contains(self, arg: dict) -> V:
        a, b = self.lower(arg["left"]), self.lower(arg["right"])
        if not isinstance(a.ty, SetT) or b.ty is NEVER:
            return never()
        errs = _or(a.err, b.err)
        if a.ty.elem is None or kind(a.ty.elem) != kind(b.ty):
            return V(BOOL, bool_lit(False), errs)
        if not is_scalar(b.ty):
            return V(BOOL, _fill(canon_elements(a.val, a.ty).list.contains(canon(b.val, b.ty)), False), errs)
        return V(BOOL, _fill(a.val.list.contains(b.val), False), errs)

    def _two_sets(self, arg: dict):
        a, b = self.lower(arg["left"]), self.lower(arg["right"])
        if not isinstance(a.ty, SetT) or not isinstance(b.ty, SetT):
            return a, b, None
        return a, b, _or(a.err, b.err)

    def op_containsAll(self, arg: dict) -> V:
        a, b, errs = self._two_sets(arg)
        if not isinstance(a.ty, SetT) or not isinstance(b.ty, SetT):
            return never()
        if b.ty.elem is None:
            return V(BOOL, bool_lit(True), errs)
        if a.ty.elem is None or kind(a.ty.elem) != kind(b.ty.elem):
            return V(BOOL, _fill(b.val.list.len() == 0, False), errs)
        av, bv = _setop(a.val, a.ty), _setop(b.val, b.ty)
        return V(BOOL, _fill(bv.list.set_difference(av).list.len() == 0, False), errs)

    def op_containsAny(self, arg: dict) -> V:
        a, b, errs = self._two_sets(arg)
        if not isinstance(a.ty, SetT) or not isinstance(b.ty, SetT):
            return never()
        if a.ty.elem is None or b.ty.elem is None or kind(a.ty.elem) != kind(b.ty.elem):
            return V(BOOL, bool_lit(False), errs)
        av, bv = _setop(a.val, a.ty), _setop(b.val, b.ty)
        return V(BOOL, _fill(av.list.set_intersection(bv).list.len() > 0, False), errs)

    def op_isEmpty(self, arg: dict) -> V:
        a = self.lower(arg["arg"])
        if not isinstance(a.ty, SetT):
            return never()
        return V(BOOL, _fill(a.val.list.len() == 0, False), a.err)

    def op_Set(self, elems: list) -> V:
        vs = [self.lower(x) for x in elems]
        if any(v.ty is NEVER for v in vs):
            return never()
        if all(v.const is not _NO for v in vs):
            return const(CSet(v.const for v in vs))
        t = None
        for v in vs:
            t = unify(t, v.ty)
        if t is not None and not is_scalar(t):
            val = nest([coerce(v.val, v.ty, t) for v in vs])
        else:
            val = pl.concat_list([v.val for v in vs]) if vs else pl.lit([], dtype=pl.List(pl.Null))
        return V(SetT(t), val, _or(*(v.err for v in vs)))

    def op_Record(self, fields: dict) -> V:
        vs = {k: self.lower(x) for k, x in fields.items()}
        if any(v.ty is NEVER for v in vs.values()):
            return never()
        names = sorted(vs)
        t = RecT(tuple((n, vs[n].ty) for n in names))
        if all(v.const is not _NO for v in vs.values()):
            return const(CRec((n, vs[n].const) for n in names))
        val = pl.struct([vs[n].val.alias(n) for n in names]) if names else literal(CRec(), t)
        return V(t, val, _or(*(v.err for v in vs.values())))

    # ---- attributes and tags
    def op_attr(self, arg: dict) -> V:
        a = self.lower(arg["left"])
        name = arg["attr"]
        if isinstance(a.ty, RecT):
            ft = a.ty.field(name)
            if ft is None:
                return never()
            if a.const is not _NO:
                return const(a.const[name]) if name in a.const else never()
            val = a.val.struct.field(name)
            return V(ft, val, _or(a.err, val.is_null()))
        if isinstance(a.ty, EntT):
            tab = self.store.attr(name, a.ty.types)
            if tab is None:
                return never()
            t, s = tab
            val = pl.lit(s).gather(self.idx_of(a))
            return V(t, val, _or(a.err, val.is_null()))
        return never()

    def op_has(self, arg: dict) -> V:
        a = self.lower(arg["left"])
        name = arg["attr"]
        if isinstance(a.ty, RecT):
            if a.ty.field(name) is None:
                return V(BOOL, bool_lit(False), a.err)
            if a.const is not _NO:
                return const(name in a.const)
            return V(BOOL, a.val.struct.field(name).is_not_null(), a.err)
        if isinstance(a.ty, EntT):
            tab = self.store.attr(name, a.ty.types)
            if tab is None:
                return V(BOOL, bool_lit(False), a.err)
            return V(BOOL, pl.lit(tab[1]).gather(self.idx_of(a)).is_not_null(), a.err)
        return never()

    def _tag(self, arg: dict):
        a, k = self.lower(arg["left"]), self.lower(arg["right"])
        if not isinstance(a.ty, EntT) or k.ty != STRING:
            return a, k, None
        tab = self.store.tag_table(a.ty.types)
        if tab is None:
            return a, k, False
        t, keys, vals = tab
        pos = pl.concat_str([self.idx_of(a).cast(pl.String), pl.lit("\x1f"), k.val]).replace_strict(
            keys, pl.Series(range(len(keys)), dtype=pl.UInt32), default=None, return_dtype=pl.UInt32
        )
        return a, k, (t, pl.lit(vals).gather(pos))

    def op_hasTag(self, arg: dict) -> V:
        a, k, tab = self._tag(arg)
        if tab is None:
            return never()
        if tab is False:
            return V(BOOL, bool_lit(False), _or(a.err, k.err))
        return V(BOOL, tab[1].is_not_null(), _or(a.err, k.err))

    def op_getTag(self, arg: dict) -> V:
        a, k, tab = self._tag(arg)
        if tab is None or tab is False:
            return never()
        t, val = tab
        return V(t, val, _or(a.err, k.err, val.is_null()))

    def op_like(self, arg: dict) -> V:
        a = self.lower(arg["left"])
        if a.ty != STRING:
            return never()
        parts = ["(?s)^"]
        for p in arg["pattern"]:
            parts.append(".*" if p == "Wildcard" else _rust_regex_escape(p["Literal"]))
        parts.append("$")
        return V(BOOL, _fill(a.val.str.contains("".join(parts)), False), a.err)

    # ---- extension functions
    def ext_call(self, name: str, args: list[V]) -> V:
        sig, out = EXT_SIGS[name]
        if len(args) != len(sig) or any(a.ty != t for a, t in zip(args, sig)):
            return never()
        errs = _or(*(a.err for a in args))
        if name in ("decimal", "ip", "datetime", "duration"):
            parser = X.PARSERS[name]
            if args[0].const is not _NO:
                r = parser(args[0].const)
                if r is None:
                    return never()
                from .values import Ext

                return const(Ext(out, r))
            return pymap(args, parser, out)
        a = args[0]
        if name in ("lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual"):
            f = {"lessThan": operator.lt, "lessThanOrEqual": operator.le, "greaterThan": operator.gt,
                 "greaterThanOrEqual": operator.ge}[name]
            return V(BOOL, _fill(f(a.val, args[1].val), False), errs)
        if name == "isIpv4":
            return V(BOOL, _fill(a.val.str.starts_with("4/"), False), errs)
        if name == "isIpv6":
            return V(BOOL, _fill(a.val.str.starts_with("6/"), False), errs)
        if name == "isLoopback":
            return _bool_map(args, X.ip_is_loopback, errs)
        if name == "isMulticast":
            return _bool_map(args, X.ip_is_multicast, errs)
        if name == "isInRange":
            return _bool_map(args, X.ip_is_in_range, errs)
        if name == "offset":
            return _checked(a.val.cast(pl.Int128) + args[1].val.cast(pl.Int128), DATETIME, errs)
        if name == "durationSince":
            return _checked(a.val.cast(pl.Int128) - args[1].val.cast(pl.Int128), DURATION, errs)
        if name == "toDate":
            day = pl.lit(86_400_000, dtype=pl.Int128)
            v = a.val.cast(pl.Int128)
            return _checked(v - (v % day), DATETIME, errs)  # polars % is floored: = rem_euclid here
        if name == "toTime":
            return V(DURATION, a.val % pl.lit(86_400_000, dtype=pl.Int64), errs)
        unit = {"toMilliseconds": 1, "toSeconds": 1000, "toMinutes": 60_000, "toHours": 3_600_000,
                "toDays": 86_400_000}[name]
        if unit == 1:
            return V(LONG, a.val, errs)
        # truncating division (successive truncations equal one truncation by the product)
        v = a.val.cast(pl.Int128)
        q = (v.abs() // unit) * pl.when(v < 0).then(-1).otherwise(1)
        return V(LONG, q.cast(pl.Int64), errs)


def _setop(e: pl.Expr, t: SetT) -> pl.Expr:
    """A set as a list for polars set operations: booleans as 0/1 (polars does not take them),
    sets and records as canonical strings (see nested.py)."""
    return e.cast(pl.List(pl.UInt8)) if t.elem == BOOL else comparable(e, t)


def _bool_map(args: list[V], fn: Callable[..., bool], errs: pl.Expr | None) -> V:
    return pymap(args, fn, BOOL)


def _checked(v128: pl.Expr, ty: Ty, *errs: pl.Expr | None) -> V:
    ok = v128.is_between(I64_MIN, I64_MAX)
    return V(ty, v128.cast(pl.Int64, strict=False), _or(*errs, (~ok).fill_null(True)))


_OPNAMES = {
    "!": "not", "&&": "and", "||": "or", "if-then-else": "ite", "==": "eq", "!=": "ne", ".": "attr",
}
for _op in ("<", "<=", ">", ">="):
    _OPNAMES[_op] = "cmp_" + {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}[_op]
    setattr(Lowerer, "op_" + _OPNAMES[_op], (lambda o: lambda self, arg: self.op_cmp(o, arg))(_op))
for _op in ("+", "-", "*"):
    _OPNAMES[_op] = "arith_" + {"+": "add", "-": "sub", "*": "mul"}[_op]
    setattr(Lowerer, "op_" + _OPNAMES[_op], (lambda o: lambda self, arg: self.op_arith(o, arg))(_op))


# --------------------------------------------------------------------------- policies
def lower_scope(lw: Lowerer, var: str, c: dict) -> V:
    op = c["op"]
    v = lw.op_Var(var)
    if op == "All":
        return const(True)
    if op == "==":
        return V(BOOL, lw.member(v, [parse_entity_ref(c["entity"])]), None)
    if op == "in":
        keys = [parse_entity_ref(x) for x in c["entities"]] if "entities" in c else [parse_entity_ref(c["entity"])]
        return V(BOOL, lw.member(v, lw.store.descendants_or_self(keys)), None)
    # is
    is_v = lw.op_is({"left": {"Var": var}, "entity_type": c["entity_type"]})
    if "in" in c:
        key = parse_entity_ref(c["in"]["entity"])
        return V(BOOL, is_v.val & lw.member(v, lw.store.descendants_or_self([key])), None)
    return is_v


def lower_policy(lw: Lowerer, p: dict) -> tuple[pl.Expr, pl.Expr]:
    """(satisfied, errored) boolean expressions of one policy, both non-null."""
    acc = const(True)
    parts: list[Callable[[], V]] = [
        (lambda var=var: lower_scope(lw, var, p[var])) for var in ("principal", "action", "resource")
    ]
    for c in p.get("conditions", []):
        body = c["body"] if c["kind"] == "when" else {"!": {"arg": c["body"]}}
        parts.append(lambda body=body: lw.lower(body))
    for part in parts:
        acc = lw.and_(acc, part)
    if acc.ty is NEVER:
        return bool_lit(False), bool_lit(True)
    err = acc.err if acc.err is not None else bool_lit(False)
    err = _fill(err, True)
    sat = _fill(acc.val, False) & ~err
    return sat, err
