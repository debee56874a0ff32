"""Entity store: Cedar JSON entities preprocessed once into vectorised lookup tables."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from .errors import Unsupported
from .values import CRec, EntT, Ty, from_json, parse_uid, series, type_of, unify, uid_type


class EntityStore:
    """Entities indexed by canonical uid (see :func:`values.uid_key`).

    * ``idx(expr)``: uid column -> entity row index (null when the entity does not exist);
    * ``attr(name, types)``: (type, Series over entity rows) of one attribute, null where absent;
    * ``ancestors``: Series of transitive ancestor uids per entity row (for ``in``);
    * tags: one table keyed by ``"<row>\\x1f<tag>"``.
    """

    def __init__(self, entities: list[tuple[str, CRec, list[str], CRec]]):
        """``entities``: (canonical uid, attributes, parent uids, tags) of each entity, values typed."""
        self.uids: list[str] = []
        self.index: dict[str, int] = {}
        self.types: list[str] = []
        self.attrs: list[dict[str, Any]] = []
        self.tags: list[dict[str, Any]] = []
        parents: list[list[str]] = []
        for key, attrs, ps, tags in entities:
            if key in self.index:
                raise Unsupported(f"duplicate entity {key}")
            self.index[key] = len(self.uids)
            self.uids.append(key)
            self.types.append(uid_type(key))
            self.attrs.append(dict(attrs))
            self.tags.append(dict(tags))
            parents.append(ps)
        # transitive closure by BFS (parents that are not entities have no further ancestors)
        anc: list[set[str]] = []
        for i in range(len(self.uids)):
            seen: set[str] = set()
            todo = list(parents[i])
            while todo:
                p = todo.pop()
                if p in seen:
                    continue
                seen.add(p)
                j = self.index.get(p)
                if j is not None:
                    todo.extend(parents[j])
            anc.append(seen)
        self.ancestor_sets: list[set[str]] = anc
        self._uid_series = pl.Series("uid", self.uids, dtype=pl.String)
        self._row_series = pl.Series("row", range(len(self.uids)), dtype=pl.UInt32)
        self._cache: dict = {}

    def __len__(self) -> int:
        return len(self.uids)

    # ------------------------------------------------------------------ lookups
    def idx(self, uid: pl.Expr) -> pl.Expr:
        return uid.replace_strict(self._uid_series, self._row_series, default=None, return_dtype=pl.UInt32)

    def _rows(self, types: frozenset | None):
        return [i for i, t in enumerate(self.types) if types is None or t in types]

    def attr(self, name: str, types: frozenset | None) -> tuple[Ty, pl.Series] | None:
        key = ("attr", name, types)
        if key not in self._cache:
            t: Ty | None = None
            found = False
            vals: list = [None] * len(self.uids)
            for i in self._rows(types):
                a = self.attrs[i]
                if name in a:
                    found = True
                    t = unify(t, type_of(a[name]))
                    vals[i] = a[name]
            self._cache[key] = (t, series(vals, t)) if found else None
        return self._cache[key]

    def tag_table(self, types: frozenset | None) -> tuple[Ty, pl.Series, pl.Series] | None:
        key = ("tags", types)
        if key not in self._cache:
            t: Ty | None = None
            keys, vals = [], []
            for i in self._rows(types):
                for k, v in self.tags[i].items():
                    t = unify(t, type_of(v))
                    keys.append(f"{i}\x1f{k}")
                    vals.append(v)
            self._cache[key] = (t, pl.Series(keys, dtype=pl.String), series(vals, t)) if keys else None
        return self._cache[key]

    def ancestors(self) -> pl.Series:
        if "anc" not in self._cache:
            self._cache["anc"] = pl.Series(
                "anc", [sorted(a) for a in self.ancestor_sets], dtype=pl.List(pl.String)
            )
        return self._cache["anc"]

    def descendants_or_self(self, keys: list[str]) -> list[str]:
        ks = set(keys)
        out = set(ks)
        for i, a in enumerate(self.ancestor_sets):
            if a & ks:
                out.add(self.uids[i])
        return sorted(out)

    def entity_types_of(self, attr_ty: Ty | None) -> Ty | None:
        return attr_ty


def prepare_entities(entities: "list[dict] | str | EntityStore", schema: "Any" = None) -> EntityStore:
    """Cedar JSON entities (list of ``{"uid", "attrs", "parents", "tags"}`` or its JSON text) -> store.

    With a ``schema`` (anything :func:`schema.load_schema` takes) the JSON is read by the declared
    types and checked as Cedar checks it (:class:`conform.Rejected` otherwise), and the schema's
    actions are the action entities. A store passed in is returned as it is.
    """
    if isinstance(entities, EntityStore):
        return entities
    if isinstance(entities, str):
        entities = json.loads(entities)
    if not isinstance(entities, list):
        raise Unsupported("entities must be a list of Cedar JSON entities")
    if schema is not None:
        from .conform import parse_entities
        from .schema import load_schema

        return EntityStore(parse_entities(entities, load_schema(schema)))
    return EntityStore([_plain(e) for e in entities])


def _plain(e: Any) -> tuple[str, CRec, list[str], CRec]:
    """One entity's JSON read without a schema (explicit ``__entity``/``__extn`` escapes only)."""
    if not isinstance(e, dict) or "uid" not in e:
        raise Unsupported(f"entity of unexpected shape: {e!r}")
    attrs = from_json(e.get("attrs") or {})
    tags = from_json(e.get("tags") or {})
    if not isinstance(attrs, CRec) or not isinstance(tags, CRec):
        raise Unsupported("entity attrs/tags must be records")
    return parse_uid(e["uid"]), attrs, [parse_uid(p) for p in (e.get("parents") or [])], tags


__all__ = ["EntityStore", "prepare_entities", "EntT"]
