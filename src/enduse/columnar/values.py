"""Static types of Cedar values and their polars representation.

Cedar is dynamically typed; polars columns are not. Every compiled sub-expression gets ONE
static type, inferred from the policies and the data (request columns, entity attributes).
Where a column would have to hold values of different Cedar types, :class:`Unsupported` is
raised instead of guessing.

Polars representation of each Cedar type:

=============  =====================================================================
Cedar type     polars
=============  =====================================================================
Bool           Boolean
Long           Int64
String         String
Entity         String, the canonical uid ``Type::"id"`` (id JSON-escaped, see uid_key)
decimal        Int64, value * 10**4
datetime       Int64, ms since the epoch
duration       Int64, ms
ipaddr         String ``"<ver>/<addr int>/<prefix>"``
Set            List(element)
Record         Struct; a null field means the attribute is ABSENT
=============  =====================================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from .errors import MixedTypes, Unsupported
from .extensions import PARSERS, fits_i64


# --------------------------------------------------------------------------- types
class Ty:
    pass


@dataclass(frozen=True)
class Prim(Ty):
    name: str  # bool long string decimal ipaddr datetime duration never

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True)
class EntT(Ty):
    types: frozenset | None = None  # possible entity types; None = any

    def __repr__(self) -> str:
        return f"Entity{sorted(self.types) if self.types is not None else ''}"


@dataclass(frozen=True)
class SetT(Ty):
    elem: Ty | None  # None: only empty sets seen

    def __repr__(self) -> str:
        return f"Set<{self.elem!r}>"


@dataclass(frozen=True)
class RecT(Ty):
    fields: tuple  # ((name, Ty), ...) sorted by name

    def field(self, name: str) -> Ty | None:
        for n, t in self.fields:
            if n == name:
                return t
        return None

    def names(self) -> list[str]:
        return [n for n, _ in self.fields]

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{n!r}: {t!r}" for n, t in self.fields) + "}"


BOOL = Prim("bool")
LONG = Prim("long")
STRING = Prim("string")
DECIMAL = Prim("decimal")
IPADDR = Prim("ipaddr")
DATETIME = Prim("datetime")
DURATION = Prim("duration")
NEVER = Prim("never")  # an expression that always errors
EXT_TYPES = {"decimal": DECIMAL, "ip": IPADDR, "ipaddr": IPADDR, "datetime": DATETIME, "duration": DURATION}


def kind(t: Ty) -> str:
    if isinstance(t, Prim):
        return t.name
    if isinstance(t, EntT):
        return "entity"
    if isinstance(t, SetT):
        return "set"
    return "record"


def is_scalar(t: Ty) -> bool:
    """Types whose polars values compare with plain (in)equality exactly like Cedar values."""
    return isinstance(t, EntT) or (isinstance(t, Prim) and t is not NEVER)


def unify(a: Ty | None, b: Ty | None) -> Ty | None:
    """The one type covering both, or Unsupported when Cedar values would be of mixed types."""
    if a is None:
        return b
    if b is None:
        return a
    if a == b:
        return a
    if isinstance(a, EntT) and isinstance(b, EntT):
        if a.types is None or b.types is None:
            return EntT(None)
        return EntT(a.types | b.types)
    if isinstance(a, SetT) and isinstance(b, SetT):
        return SetT(unify(a.elem, b.elem))
    if isinstance(a, RecT) and isinstance(b, RecT):
        names = sorted(set(a.names()) | set(b.names()))
        return RecT(tuple((n, unify(a.field(n), b.field(n))) for n in names))
    raise MixedTypes(f"values of mixed types in one column: {a!r} and {b!r}")


def dtype(t: Ty | None) -> pl.DataType:
    if t is None:
        return pl.Null()
    if isinstance(t, EntT):
        return pl.String()
    if isinstance(t, SetT):
        return pl.List(dtype(t.elem))
    if isinstance(t, RecT):
        return pl.Struct([pl.Field(n, dtype(ft)) for n, ft in t.fields])
    return {
        "bool": pl.Boolean(),
        "long": pl.Int64(),
        "string": pl.String(),
        "decimal": pl.Int64(),
        "datetime": pl.Int64(),
        "duration": pl.Int64(),
        "ipaddr": pl.String(),
        "never": pl.Null(),
    }[t.name]


# --------------------------------------------------------------------------- uids
def uid_key(etype: str, eid: str) -> str:
    """Canonical uid string: ``Type::"id"`` with the id JSON-escaped (injective).

    For ids without ``"``, ``\\`` or control characters this is exactly Cedar's text form.
    """
    return f"{etype}::{json.dumps(eid, ensure_ascii=False)}"


def uid_type(key: str) -> str:
    return key.split('::"', 1)[0]


def parse_uid(u: Any) -> str:
    """A request/entity uid given as ``{"type","id"}`` (or ``{"__entity": ...}``) or ``Type::"id"`` text."""
    if isinstance(u, dict):
        if set(u) == {"__entity"}:
            u = u["__entity"]
        if isinstance(u, dict) and isinstance(u.get("type"), str) and isinstance(u.get("id"), str):
            return uid_key(u["type"], u["id"])
        raise Unsupported(f"entity uid of unexpected shape: {u!r}")
    if isinstance(u, str):
        i = u.find('::"')
        if i <= 0 or not u.endswith('"'):
            raise Unsupported(f"entity uid text not of the form Type::\"id\": {u!r}")
        etype, raw = u[:i], u[i + 3 : -1]
        if "\\" in raw or '"' in raw or " " in etype:
            raise Unsupported(f"escaped entity uid text is not supported: {u!r}")
        return uid_key(etype.strip(), raw)
    raise Unsupported(f"entity uid of unexpected shape: {u!r}")


# --------------------------------------------------------------------------- values
@dataclass(frozen=True)
class Ent:
    key: str


@dataclass(frozen=True)
class Ext:
    ty: Prim
    val: Any
    text: str | None = field(default=None, compare=False)  # the constructor's argument, for messages


class CSet(list):
    """A Cedar set value (a list; duplicates allowed, set semantics applied by operations)."""


class CRec(dict):
    """A Cedar record value."""


def from_json(v: Any) -> Any:
    """Cedar JSON value (with ``__entity``/``__extn`` escapes) -> typed Python value."""
    if isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, int):
        if not fits_i64(v):
            raise Unsupported("integer literal out of 64-bit range")
        return v
    if isinstance(v, list):
        return CSet(from_json(x) for x in v)
    if isinstance(v, dict):
        if set(v) == {"__entity"}:
            return Ent(parse_uid(v["__entity"]))
        if set(v) == {"__extn"}:
            return _ext_from_json(v["__extn"])
        return CRec((k, from_json(x)) for k, x in v.items())
    if isinstance(v, float):
        raise Unsupported("floating-point values are not Cedar values")
    raise Unsupported(f"value of unsupported shape: {v!r}")


def type_of(v: Any) -> Ty:
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int):
        return LONG
    if isinstance(v, str):
        return STRING
    if isinstance(v, Ent):
        return EntT(frozenset([uid_type(v.key)]))
    if isinstance(v, Ext):
        return v.ty
    if isinstance(v, CSet):
        t = None
        for x in v:
            t = unify(t, type_of(x))
        return SetT(t)
    if isinstance(v, CRec):
        return RecT(tuple(sorted((k, type_of(x)) for k, x in v.items())))
    raise Unsupported(f"value of unsupported shape: {v!r}")


def to_py(v: Any, t: Ty | None) -> Any:
    """Typed Python value -> plain Python data for a polars Series of ``dtype(t)``."""
    if isinstance(v, Ent):
        return v.key
    if isinstance(v, Ext):
        return v.val
    if isinstance(v, CSet):
        et = t.elem if isinstance(t, SetT) else None
        return [to_py(x, et) for x in v]
    if isinstance(v, CRec):
        assert isinstance(t, RecT)
        return {n: (to_py(v[n], ft) if n in v else None) for n, ft in t.fields}
    return v


def series(values: list, t: Ty | None, name: str = "") -> pl.Series:
    """Series of typed Python values (``None`` = absent) with the polars dtype of ``t``."""
    return pl.Series(name, [None if x is None else to_py(x, t) for x in values], dtype=dtype(t))


def literal(v: Any, t: Ty) -> pl.Expr:
    if isinstance(t, Prim) and t is not NEVER:
        return pl.lit(to_py(v, t), dtype=dtype(t))
    if isinstance(t, EntT):
        return pl.lit(v.key, dtype=pl.String())
    return pl.lit(series([v], t)).first()


def _ext_from_json(e: Any) -> "Ext":
    """``{"fn": ctor, "arg": str}`` or Cedar's canonical ``{"fn": "offset", "args": [datetime, duration]}``."""
    if isinstance(e, dict) and set(e) == {"fn", "arg"} and e["fn"] in PARSERS and isinstance(e["arg"], str):
        parsed = PARSERS[e["fn"]](e["arg"])
        if parsed is None:
            raise Unsupported(f"invalid extension value {e!r}")
        return Ext(EXT_TYPES[e["fn"]], parsed, e["arg"])
    if isinstance(e, dict) and set(e) == {"fn", "args"} and isinstance(e["args"], list):
        args = [from_json(a) for a in e["args"]]
        if e["fn"] in PARSERS and len(args) == 1 and isinstance(args[0], str):
            return _ext_from_json({"fn": e["fn"], "arg": args[0]})
        if (
            e["fn"] == "offset"
            and len(args) == 2
            and isinstance(args[0], Ext)
            and args[0].ty == DATETIME
            and isinstance(args[1], Ext)
            and args[1].ty == DURATION
            and fits_i64(args[0].val + args[1].val)
        ):
            return Ext(DATETIME, args[0].val + args[1].val)
    raise Unsupported(f"extension value of unsupported shape: {e!r}")
