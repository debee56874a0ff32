"""Schema-based parsing of entities, contexts and requests, as Cedar does it.

With a schema, Cedar reads JSON by the declared types: ``"1.2.3.4"`` is an ``ipaddr`` where the
schema says so, ``{"type": "User", "id": "a"}`` is an entity reference, records and sets are read
element by element; and it rejects what does not match (missing or undeclared attributes, wrong
types, undeclared entity types, parents of a type the schema does not allow, enum ids, action
entities that differ from the schema's). The schema's actions, with their hierarchy, become the
action entities. A request is checked against its action's ``appliesTo``.

Errors are :class:`Rejected` with Cedar's message (as ``cedarpy`` reports it, without its
"failed to build request: " / "failed to parse entities" prefixes); callers turn them into
cedarpy's per-request ``NoDecision`` results.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from . import extensions as X
from .errors import Unsupported
from .schema import ActionDecl, EntityDecl, Schema, SEntity, SPrim, SRecord, SSet, SType, describe
from .values import EXT_TYPES, CRec, CSet, Ent, Ext, from_json, parse_uid, uid_type


class Rejected(ValueError):
    """Cedar refuses the entities or the request (message as Cedar words it)."""


# --------------------------------------------------------------------------- display of values
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RESERVED = {"true", "false", "if", "then", "else", "in", "is", "like", "has", "__cedar"}
_EXT_CTOR = {"decimal": "decimal", "ipaddr": "ip", "datetime": "datetime", "duration": "duration"}


def _str(s: str) -> str:
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif c == "\0":
            out.append("\\0")
        elif not c.isprintable():
            out.append(f"\\u{{{ord(c):x}}}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def show(v: Any, bound: int | None = None, quote_keys: bool = False) -> str:
    """Cedar's display of a value (records with sorted keys; ``bound`` elements at most per level).

    ``quote_keys``: record keys always quoted, as Cedar shows a value read from JSON but not yet
    evaluated (in type-mismatch messages); otherwise only keys that are not identifiers.
    """
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return _str(v)
    if isinstance(v, Ent):
        return v.key
    if isinstance(v, Ext):
        return f"{_EXT_CTOR[v.ty.name]}({_str(v.text or '')})"
    if isinstance(v, CSet):
        items = sorted({_sort_key(x): x for x in v}.items())
        parts = [show(x, bound, quote_keys) for _, x in items[:bound]]
        return "[" + ", ".join(parts) + (".. " if bound is not None and len(items) > bound else "") + "]"
    keys = sorted(v)
    plain = lambda k: _IDENT.match(k) and k not in _RESERVED and not quote_keys  # noqa: E731
    parts = [f"{k if plain(k) else json.dumps(k, ensure_ascii=False)}: {show(v[k], bound, quote_keys)}"
             for k in keys[:bound]]
    return "{" + ", ".join(parts) + (".. " if bound is not None and len(keys) > bound else "") + "}"


def _sort_key(v: Any) -> tuple:
    """Cedar's order of set elements in messages: booleans, longs, strings, entities, then the rest."""
    if isinstance(v, bool):
        return (0, int(v), "")
    if isinstance(v, int):
        return (1, v, "")
    if isinstance(v, str):
        return (2, 0, v)
    return (3 if isinstance(v, Ent) else 4, 0, show(v))


def _type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "long"
    if isinstance(v, str):
        return "string"
    if isinstance(v, Ent):
        return f"(entity of type `{uid_type(v.key)}`)"
    if isinstance(v, Ext):
        return v.ty.name
    if isinstance(v, CSet):
        return "set"
    return "record"


# --------------------------------------------------------------------------- values by schema type
class _EvalError(Rejected):
    """An extension constructor failed on its argument (Cedar reports it when evaluating the value)."""


class _Deferred(Exception):
    """A leaf of the wrong type: found by Cedar's later type check, not while parsing."""

    def __init__(self, expected: SType, value: Any):
        super().__init__(f"type mismatch: value was expected to have type {describe(expected)}, "
                         f"but it actually has type {_type_name(value)}: `{show(value, quote_keys=True)}`")


def _euid(v: Any, ctx: str) -> Ent:
    if isinstance(v, dict) and (set(v) == {"__entity"} or set(v) == {"type", "id"}):
        try:
            return Ent(parse_uid(v))
        except Unsupported:
            pass
    raise Rejected(f"{ctx}, expected a literal entity reference, but got `{_json_text(v)}`")


def _json_text(v: Any) -> str:
    return json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _extension(v: Any, t: SPrim, ctx: str) -> Ext:
    if isinstance(v, dict) and set(v) == {"__extn"}:
        v = v["__extn"]
    if isinstance(v, dict) and set(v) in ({"fn", "arg"}, {"fn", "args"}):
        value = from_json({"__extn": v})
        return value
    if not isinstance(v, str):
        raise _EvalError(f"type error: expected string, got {_type_name(from_json(v))}")
    x = _construct(t.name, v)
    if x is None:
        raise _EvalError(_ext_error(t.name, v))
    return x


@functools.lru_cache(maxsize=65536)
def _construct(name: str, text: str) -> Ext | None:
    """The extension value of type ``name`` built from ``text`` (requests repeat the same strings)."""
    ctor = _EXT_CTOR[name]
    parsed = X.PARSERS[ctor](text)
    return None if parsed is None else Ext(EXT_TYPES[ctor], parsed, text)


def _ext_error(name: str, text: str) -> str:
    what = {"ipaddr": f"invalid IP address: {text}", "decimal": f"`{text}` is not a well-formed decimal value",
            "datetime": f"`{text}` is not a well-formed datetime value",
            "duration": f"`{text}` is not a well-formed duration value"}[name]
    return f"error while evaluating `{name}` extension function: {what}"


def parse_value(v: Any, t: SType, ctx: str, failed: list[str]) -> Any:
    """JSON ``v`` read as schema type ``t`` (Cedar's ``val_into_restricted_expr`` then its type check).

    Structural errors raise :class:`Rejected` (with ``ctx``, e.g. "while parsing context");
    a leaf of the wrong type raises :class:`_Deferred`, reported by the caller as Cedar does;
    an extension constructor that fails is appended to ``failed`` (Cedar evaluates constructors
    after reading the whole value) and gives ``None``.
    """
    if isinstance(t, SEntity):
        e = _euid(v, ctx)
        if uid_type(e.key) != t.name:
            raise _Deferred(t, e)
        return e
    if isinstance(t, SPrim) and t.is_extension:
        try:
            x = _extension(v, t, ctx)
        except _EvalError as ex:
            failed.append(str(ex))
            return None
        if x.ty.name != t.name:
            raise _Deferred(t, x)
        return x
    if isinstance(t, SSet):
        if not isinstance(v, list):
            raise Rejected(f"{ctx}, {_Deferred(t, from_json(v))}")
        return CSet(parse_value(x, t.elem, ctx, failed) for x in v)
    if isinstance(t, SRecord):
        if not isinstance(v, dict):
            raise Rejected(f"{ctx}, {_Deferred(t, from_json(v))}")
        out = CRec()
        for name, at, required in t.attrs:
            if name in v:
                out[name] = parse_value(v[name], at, ctx, failed)
            elif required:
                raise Rejected(f"{ctx}, expected the record to have an attribute `{name}`, but it does not")
        for name in v:
            if t.get(name) is None:
                raise Rejected(f"{ctx}, record attribute `{name}` should not exist according to the schema")
        return out
    x = from_json(v)
    if _type_name(x) != describe(t):
        raise _Deferred(t, x)
    return x


# --------------------------------------------------------------------------- entities
_PARSE = "error during entity deserialization: "
_CONFORM = "entity does not conform to the schema: "


def parse_entities(entities: list, schema: Schema) -> list[tuple[str, CRec, list[str], CRec]]:
    """Entity JSON read by the schema: (uid, attrs, parents, tags) per entity, the schema's actions added."""
    out, actions = [], []
    for e in entities:
        try:
            parsed = _parse_entity(e, schema)
        except Rejected as ex:
            msg = str(ex)
            raise Rejected(msg if msg.startswith((_PARSE, _CONFORM)) else _PARSE + msg) from None
        (actions if len(parsed) == 3 else out).append(parsed)
    for key, attrs, parents, tags, decl in out:
        _conform(key, attrs, parents, decl, schema)
    for key, e, parents in actions:
        _check_action(key, e, parents, actions, schema)
    records = [(k, a, p, t) for k, a, p, t, _ in out]
    for key, decl in schema.actions.items():
        records.append((key, CRec(), sorted(schema.action_ancestors(key)), CRec()))
    return records


def _parse_entity(e: Any, schema: Schema) -> tuple:
    """(uid, entity JSON, parents) of an action, (uid, attrs, parents, tags, declaration) of another entity."""
    if not isinstance(e, dict) or "uid" not in e:
        raise Unsupported(f"entity of unexpected shape: {e!r}")
    key = parse_uid(e["uid"])
    parents = [parse_uid(p) for p in (e.get("parents") or [])]
    if uid_type(key).rsplit("::", 1)[-1] == "Action":
        return key, e, parents
    decl = schema.entities.get(key_type := uid_type(key))
    if decl is None:
        raise Rejected(f"{_PARSE}entity `{key}` has type `{key_type}` which is not declared in the schema")
    attrs, tags = _entity_attrs(key, e, decl)
    return key, attrs, parents, tags, decl


def _entity_attrs(key: str, e: dict, decl: EntityDecl) -> tuple[CRec, CRec]:
    attrs, tags = CRec(), CRec()
    deferred: list[str] = []
    for name, v in (e.get("attrs") or {}).items():
        a = decl.attrs.get(name)
        if a is None:
            raise Rejected(f"{_PARSE}attribute `{name}` on `{key}` should not exist according to the schema")
        attrs[name] = _read(v, a[1], f"in attribute `{name}` on `{key}`", f"attribute `{name}` of `{key}`", deferred)
    for name, v in (e.get("tags") or {}).items():
        if decl.tags is None:
            raise Rejected(f"{_PARSE}found a tag `{name}` on `{key}`, but no tags should exist on `{key}` according to the schema")
        tags[name] = _read(v, decl.tags, f"in tag `{name}` on `{key}`", f"tag `{name}` of `{key}`", deferred)
    if deferred:
        raise Rejected(_CONFORM + deferred[0])
    return attrs, tags


def _read(v: Any, t: SType, ctx: str, what: str, deferred: list[str]) -> Any:
    failed: list[str] = []
    try:
        value = parse_value(v, t, ctx, failed)
    except _Deferred as d:
        deferred.append(f"{ctx}, {d}")
        return None
    if failed:
        raise Rejected(f"failed to evaluate {what}: {failed[0]}")
    return value


def _conform(key: str, attrs: CRec, parents: list[str], decl: EntityDecl, schema: Schema) -> None:
    _check_enum(key, schema, _CONFORM)
    for name, _, required in decl.attrs.attrs:
        if required and name not in attrs:
            raise Rejected(f"{_CONFORM}expected entity `{key}` to have attribute `{name}`, but it does not")
    for p in parents:
        _check_enum(p, schema, _CONFORM)
        if uid_type(p) not in decl.parents:
            raise Rejected(f"{_CONFORM}`{key}` is not allowed to have an ancestor of type `{uid_type(p)}` according to the schema")


def _check_enum(key: str, schema: Schema, prefix: str = "") -> None:
    decl = schema.entities.get(uid_type(key))
    if decl is None or decl.enum is None:
        return
    eid = json.loads(key[len(uid_type(key)) + 2 :])
    if eid not in decl.enum:
        raise Rejected(f"{prefix}entity `{key}` is of an enumerated entity type, but `{_str(eid)}` is not declared as a valid eid")


def _check_action(key: str, e: dict, parents: list[str], actions: list, schema: Schema) -> None:
    decl = schema.actions.get(key)
    if decl is None:
        raise Rejected(f"{_CONFORM}found action entity `{key}`, but it was not declared as an action in the schema")
    graph = {k: ps for k, _, ps in actions}
    seen: set[str] = set()
    todo = list(parents)
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo.extend(graph.get(p, []))
    if e.get("attrs") or e.get("tags") or seen != schema.action_ancestors(key):
        raise Rejected(f"{_CONFORM}definition of action `{key}` does not match its schema declaration")


# --------------------------------------------------------------------------- requests
def parse_request(r: dict, schema: Schema, validate: bool = True) -> tuple[str, str, str, CRec]:
    """(principal, action, resource, context) of one request read by the schema; Rejected if Cedar refuses it.

    ``validate=False`` skips the request checks (``validateRequest: false`` in Cedar's tests);
    the context is read by the schema all the same.
    """
    p, a, res = parse_uid(r["principal"]), parse_uid(r["action"]), parse_uid(r["resource"])
    ctx_json = r.get("context")
    if ctx_json is None:
        ctx_json = {}
    if isinstance(ctx_json, str):
        ctx_json = json.loads(ctx_json)
    decl = schema.actions.get(a)
    if decl is None:
        raise Rejected(f"action `{a}` does not exist in the supplied schema")
    failed: list[str] = []
    try:
        ctx = parse_value(ctx_json, decl.context, "while parsing context", failed)
        bad_context = False
    except _Deferred:
        ctx, bad_context = _context_loosely(ctx_json, decl), True
    if failed:
        raise Rejected(failed[0])
    if validate:
        _validate(p, a, res, decl, schema)
        for e in _entities_in(ctx):
            _check_enum(e.key, schema)
        if bad_context:
            raise Rejected(f"context `{show(ctx, 5)}` is not valid for `{a}`")
    elif bad_context:
        raise Unsupported("a context that does not match its schema type, unvalidated")
    return p, a, res, ctx


def _context_loosely(ctx_json: Any, decl: ActionDecl) -> CRec:
    """The context as Cedar keeps it when only a leaf's type is wrong (for the error message)."""

    def read(v: Any, t: SType) -> Any:
        try:
            return parse_value(v, t, "while parsing context", [])
        except _Deferred:
            if isinstance(t, SRecord):
                return CRec((n, read(v[n], t.get(n)[1])) for n in v)
            if isinstance(t, SSet):
                return CSet(read(x, t.elem) for x in v)
            return from_json(v) if not (isinstance(v, dict) and set(v) == {"type", "id"}) else Ent(parse_uid(v))

    return read(ctx_json, decl.context)


def _entities_in(v: Any) -> list[Ent]:
    if isinstance(v, Ent):
        return [v]
    if isinstance(v, (CSet, CRec)):
        return [e for x in (v.values() if isinstance(v, CRec) else v) for e in _entities_in(x)]
    return []


def _validate(p: str, a: str, res: str, decl: ActionDecl, schema: Schema) -> None:
    for what, key in (("principal", p), ("resource", res)):
        if uid_type(key) not in schema.entities:
            raise Rejected(f"{what} type `{uid_type(key)}` is not declared in the schema")
        _check_enum(key, schema)
    if uid_type(p) not in decl.principals:
        raise Rejected(f"principal type `{uid_type(p)}` is not valid for `{a}`")
    if uid_type(res) not in decl.resources:
        raise Rejected(f"resource type `{uid_type(res)}` is not valid for `{a}`")
