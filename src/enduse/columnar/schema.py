"""Cedar schemas (Cedar syntax or JSON) as the plain data that schema-based parsing needs.

Cedar itself (cedarpy) first checks the schema, so an invalid schema is refused with Cedar's own
message (:class:`SchemaError`); this module then reads the schema into :class:`Schema`:

* entity types: attribute record type, allowed parent types (``in [...]``), tag type, enum ids;
* actions: direct parents, the principal and resource types they apply to, the context type.

Type names are resolved as Cedar does (RFC 24): a qualified name is itself; an unqualified name
in namespace ``NS`` is ``NS::name`` if declared there (common type before entity type), else
``name`` in the empty namespace, else the built-in ``__cedar::name`` (Bool, Long, String and the
extension types ipaddr, decimal, datetime, duration). Common types are inlined.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .values import uid_key


class SchemaError(ValueError):
    """The schema itself is invalid (the message is Cedar's)."""


# --------------------------------------------------------------------------- schema types
@dataclass(frozen=True)
class SPrim:
    name: str  # Bool Long String, or an extension type: ipaddr decimal datetime duration

    @property
    def is_extension(self) -> bool:
        return self.name in EXTENSION_TYPES


@dataclass(frozen=True)
class SEntity:
    name: str


@dataclass(frozen=True)
class SSet:
    elem: "SType"


@dataclass(frozen=True)
class SRecord:
    attrs: tuple  # ((name, SType, required), ...) sorted by name

    def get(self, name: str) -> tuple | None:
        for a in self.attrs:
            if a[0] == name:
                return a
        return None


SType = SPrim | SEntity | SSet | SRecord
EXTENSION_TYPES = ("ipaddr", "decimal", "datetime", "duration")
BUILTINS = {n: SPrim(n) for n in ("Bool", "Long", "String", *EXTENSION_TYPES)}


def describe(t: SType) -> str:
    """Cedar's text for a schema type in error messages (``long``, ``[string]``, ``{ "a" => ... }``)."""
    if isinstance(t, SPrim):
        return t.name.lower() if t.name in ("Bool", "Long", "String") else t.name
    if isinstance(t, SEntity):
        return f"`{t.name}`"
    if isinstance(t, SSet):
        return f"[{describe(t.elem)}]"
    inner = ", ".join(f"{json.dumps(n, ensure_ascii=False)} => ({'required' if r else 'optional'}) {describe(a)}"
                      for n, a, r in t.attrs)
    return "{ " + inner + " }"


@dataclass
class EntityDecl:
    name: str
    attrs: SRecord
    parents: frozenset  # allowed parent entity types
    tags: SType | None = None
    enum: tuple | None = None  # allowed ids of an enumerated entity type


@dataclass
class ActionDecl:
    uid: str  # canonical uid key
    parents: tuple  # direct parents (uid keys)
    principals: frozenset
    resources: frozenset
    context: SRecord


@dataclass
class Schema:
    """A checked Cedar schema: what entity and request JSON must look like."""

    entities: dict[str, EntityDecl] = field(default_factory=dict)
    actions: dict[str, ActionDecl] = field(default_factory=dict)

    def action_ancestors(self, key: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.actions[key].parents)
        while todo:
            p = todo.pop()
            if p not in seen:
                seen.add(p)
                if p in self.actions:
                    todo.extend(self.actions[p].parents)
        return seen


def load_schema(schema: Any) -> Schema:
    """A schema given as Cedar schema text, JSON schema text or dict, or a ``cedarpy.Schema``."""
    if isinstance(schema, Schema):
        return schema
    import cedarpy

    if isinstance(schema, cedarpy.Schema):
        schema = str(schema)
    if isinstance(schema, dict):
        schema = json.dumps(schema)
    if not isinstance(schema, str):
        raise SchemaError(f"schema of unexpected type {type(schema).__name__}")
    is_json = schema.lstrip().startswith("{")
    try:
        (cedarpy.Schema.from_json_str if is_json else cedarpy.Schema.from_str)(schema)
    except ValueError as ex:
        raise SchemaError(f"invalid schema: {ex}") from None
    decls = _json_decls(json.loads(schema)) if is_json else _Parser(schema).schema()
    return _Resolver(decls).schema()


# --------------------------------------------------------------------------- raw declarations
# A raw type is ("name", raw_name) | ("set", raw) | ("record", ((name, raw, required), ...)).
@dataclass
class _Decls:
    commons: dict = field(default_factory=dict)  # full name -> (namespace, raw type)
    entities: list = field(default_factory=list)  # (namespace, name, parents, raw shape, raw tags, enum)
    actions: list = field(default_factory=list)  # (namespace, id, parents [(raw type|None, id)], applies)


_TOKEN = re.compile(
    r'\s+|//[^\n]*|(?P<str>"(?:[^"\\]|\\.)*")|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>::|[{}\[\]<>(),;:?=@])'
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "0": "\0", "'": "'", '"': '"'}


def _unescape(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out.append(c)
            i += 1
        elif s[i + 1] == "u":
            j = s.index("}", i)
            out.append(chr(int(s[i + 3 : j], 16)))
            i = j + 1
        else:
            out.append(_ESCAPES[s[i + 1]])
            i += 2
    return "".join(out)


class _Parser:
    """Recursive descent over Cedar schema syntax (already checked by Cedar)."""

    def __init__(self, text: str):
        self.toks: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise SchemaError(f"unexpected character in schema at {pos}")
            pos = m.end()
            if m.lastgroup:
                self.toks.append((m.lastgroup, m.group(m.lastgroup)))
        self.i = 0
        self.out = _Decls()

    def peek(self, k: int = 0) -> str | None:
        return self.toks[self.i + k][1] if self.i + k < len(self.toks) else None

    def next(self) -> tuple[str, str]:
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, v: str) -> None:
        if self.next()[1] != v:
            raise SchemaError(f"schema: expected {v!r}")

    def accept(self, v: str) -> bool:
        if self.peek() == v:
            self.i += 1
            return True
        return False

    def schema(self) -> _Decls:
        while self.i < len(self.toks):
            self.annotations()
            if self.accept("namespace"):
                ns = self.path()
                self.expect("{")
                while not self.accept("}"):
                    self.decl(ns)
            else:
                self.decl("")
        return self.out

    def annotations(self) -> None:
        while self.accept("@"):
            self.next()
            if self.accept("("):
                self.next()
                self.expect(")")

    def path(self) -> str:
        parts = [self.next()[1]]
        while self.peek() == "::" and self.toks[self.i + 1][0] == "ident":
            self.i += 1
            parts.append(self.next()[1])
        return "::".join(parts)

    def name(self) -> str:
        kind, v = self.next()
        return _unescape(v[1:-1]) if kind == "str" else v

    def decl(self, ns: str) -> None:
        self.annotations()
        kw = self.next()[1]
        if kw == "type":
            name = self.next()[1]
            self.expect("=")
            self.out.commons[_join(ns, name)] = (ns, self.type())
        elif kw == "entity":
            names = [self.next()[1]]
            while self.accept(","):
                names.append(self.next()[1])
            parents, attrs, tags, enum = [], ("record", ()), None, None
            if self.accept("enum"):
                self.expect("[")
                enum = [self.name()]
                while self.accept(","):
                    enum.append(self.name())
                self.expect("]")
            if self.accept("in"):
                parents = self.paths()
            self.accept("=")
            if self.peek() == "{":
                attrs = self.record()
            if self.accept("tags"):
                tags = self.type()
            for n in names:
                self.out.entities.append((ns, n, parents, attrs, tags, enum))
        elif kw == "action":
            ids = [self.name()]
            while self.accept(","):
                ids.append(self.name())
            parents, applies = [], None
            if self.accept("in"):
                parents = self.action_refs()
            if self.accept("appliesTo"):
                applies = self.applies()
            for a in ids:
                self.out.actions.append((ns, a, parents, applies))
        else:
            raise SchemaError(f"schema: unexpected {kw!r}")
        self.expect(";")

    def paths(self) -> list[str]:
        if self.accept("["):
            out = []
            while not self.accept("]"):
                out.append(self.path())
                self.accept(",")
            return out
        return [self.path()]

    def action_ref(self) -> tuple[str | None, str]:
        if self.toks[self.i][0] == "str":
            return None, self.name()
        p = self.path()
        if self.accept("::"):
            return p, self.name()
        return None, p

    def action_refs(self) -> list:
        if self.accept("["):
            out = []
            while not self.accept("]"):
                out.append(self.action_ref())
                self.accept(",")
            return out
        return [self.action_ref()]

    def applies(self) -> dict:
        out: dict = {"principal": [], "resource": [], "context": ("record", ())}
        self.expect("{")
        while not self.accept("}"):
            key = self.next()[1]
            self.expect(":")
            out[key] = self.type() if key == "context" else self.paths()
            self.accept(",")
        return out

    def type(self) -> tuple:
        if self.peek() == "{":
            return self.record()
        if self.peek() == "Set" and self.peek(1) == "<":
            self.i += 2
            elem = self.type()
            self.expect(">")
            return ("set", elem)
        return ("name", self.path())

    def record(self) -> tuple:
        self.expect("{")
        attrs = []
        while not self.accept("}"):
            self.annotations()
            name = self.name()
            required = not self.accept("?")
            self.expect(":")
            attrs.append((name, self.type(), required))
            self.accept(",")
        return ("record", tuple(attrs))


def _join(ns: str, name: str) -> str:
    return f"{ns}::{name}" if ns else name


def _json_type(t: dict) -> tuple:
    kind = t["type"]
    if kind == "Set":
        return ("set", _json_type(t["element"]))
    if kind == "Record":
        attrs = tuple((n, _json_type(a), a.get("required", True)) for n, a in t.get("attributes", {}).items())
        return ("record", attrs)
    if kind in ("Entity", "Extension", "EntityOrCommon"):
        name = t["name"]
        return ("name", f"__cedar::{name}" if kind == "Extension" else name)
    return ("name", "Bool" if kind == "Boolean" else kind)  # Long String Boolean, or a common type's name


def _json_decls(doc: dict) -> _Decls:
    out = _Decls()
    for ns, body in doc.items():
        for name, t in body.get("commonTypes", {}).items():
            out.commons[_join(ns, name)] = (ns, _json_type(t))
        for name, e in body.get("entityTypes", {}).items():
            shape = _json_type(e["shape"]) if "shape" in e else ("record", ())
            tags = _json_type(e["tags"]) if "tags" in e else None
            out.entities.append((ns, name, e.get("memberOfTypes", []), shape, tags, e.get("enum")))
        for aid, a in body.get("actions", {}).items():
            parents = [(p.get("type"), p["id"]) for p in a.get("memberOf", [])]
            spec = a.get("appliesTo")
            applies = None
            if spec is not None:
                ctx = _json_type(spec["context"]) if "context" in spec else ("record", ())
                applies = {"principal": spec.get("principalTypes", []), "resource": spec.get("resourceTypes", []),
                           "context": ctx}
            out.actions.append((ns, aid, parents, applies))
    return out


# --------------------------------------------------------------------------- name resolution
class _Resolver:
    def __init__(self, decls: _Decls):
        self.d = decls
        self.entity_names = {_join(ns, n) for ns, n, *_ in decls.entities}
        self.action_namespaces = {ns for ns, *_ in decls.actions}

    def resolve(self, ns: str, raw: tuple) -> SType:
        kind, arg = raw
        if kind == "set":
            return SSet(self.resolve(ns, arg))
        if kind == "record":
            return self.record(ns, arg)
        candidates = [arg] if "::" in arg else ([_join(ns, arg)] if ns else []) + [arg]
        for c in candidates:
            if c in self.d.commons:
                cns, t = self.d.commons[c]
                return self.resolve(cns, t)
            if c in self.entity_names:
                return SEntity(c)
        base = arg.removeprefix("__cedar::")
        if base in BUILTINS and (base == arg or arg.startswith("__cedar::")):
            return BUILTINS[base]
        raise SchemaError(f"schema: undeclared type {arg}")

    def record(self, ns: str, attrs: tuple) -> SRecord:
        return SRecord(tuple(sorted((n, self.resolve(ns, t), r) for n, t, r in attrs)))

    def entity(self, ns: str, name: str) -> str:
        if "::" not in name and ns and _join(ns, name) in self.entity_names:
            return _join(ns, name)
        return name

    def action_type(self, ns: str, ty: str | None) -> str:
        if ty is not None and ty != "Action":
            return ty
        return _join(ns, "Action") if ns and ns in self.action_namespaces else "Action"

    def schema(self) -> Schema:
        out = Schema()
        for ns, name, parents, attrs, tags, enum in self.d.entities:
            full = _join(ns, name)
            rec = self.resolve(ns, attrs)
            out.entities[full] = EntityDecl(
                full, rec, frozenset(self.entity(ns, p) for p in parents),
                None if tags is None else self.resolve(ns, tags), None if enum is None else tuple(enum))
        for ns, aid, parents, applies in self.d.actions:
            key = uid_key(_join(ns, "Action"), aid)
            ps = tuple(uid_key(self.action_type(ns, t), i) for t, i in parents)
            if applies is None:
                out.actions[key] = ActionDecl(key, ps, frozenset(), frozenset(), SRecord(()))
                continue
            ctx = self.resolve(ns, applies["context"])
            out.actions[key] = ActionDecl(
                key, ps, frozenset(self.entity(ns, p) for p in applies["principal"]),
                frozenset(self.entity(ns, r) for r in applies["resource"]), ctx)
        return out
