"""Nested Cedar values (sets of sets, sets of records) compared through canonical strings.

Cedar compares sets as sets (order and duplicates ignored, at every depth) and records field by
field. polars compares lists element by element in order, so a set of sets or of records cannot
be compared, searched or intersected on its polars representation directly. Instead each value
gets a canonical string (:func:`canon`) that is INJECTIVE on Cedar values of every type: two
values have the same canonical string exactly when Cedar's ``==`` says they are equal.

* scalars carry a tag where two types could share a text (``d`` decimal, ``t`` datetime, ``u``
  duration, ``i`` ipaddr); strings are quoted with ``\\`` and ``"`` escaped; entities are their
  canonical uid ``Type::"id"`` (JSON-escaped id); longs and booleans are plain text;
* a set is ``[`` + the sorted DISTINCT canonical strings of its elements joined by ``,`` + ``]``;
* a record is ``{`` + ``"name":value`` for each PRESENT field in name order + ``}``.

Every token is self-delimiting (quoted, or free of ``,[]{}"``), so the encoding is injective.
An absent value (null) stays null.
"""

from __future__ import annotations

import json

import polars as pl

from .values import BOOL, DATETIME, DECIMAL, DURATION, IPADDR, LONG, STRING, EntT, RecT, SetT, Ty, is_scalar

_TAGS = {DECIMAL: "d", DATETIME: "t", DURATION: "u", IPADDR: "i"}


def _wrap(open_: str, body: pl.Expr, close: str) -> pl.Expr:
    return pl.concat_str([pl.lit(open_), body, pl.lit(close)])


def canon(e: pl.Expr, t: Ty | None) -> pl.Expr:
    """Canonical string of a value of static type ``t`` (``None``: the element type of ``[]``)."""
    if t is None:
        return pl.lit(None, dtype=pl.String)  # no value has this type (only empty sets' elements)
    if isinstance(t, EntT):
        return e
    if t == STRING:
        esc = e.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
        return _wrap('"', esc, '"')
    if t in (LONG, BOOL):
        return e.cast(pl.String)
    if t in _TAGS:
        return pl.concat_str([pl.lit(_TAGS[t]), e.cast(pl.String)])
    if isinstance(t, SetT):
        if t.elem is None:
            return pl.when(e.is_not_null()).then(pl.lit("[]"))
        return _wrap("[", canon_elements(e, t).list.unique().list.sort().list.join(","), "]")
    if isinstance(t, RecT):
        parts = [pl.concat_str([pl.lit(json.dumps(n) + ":"), canon(e.struct.field(n), ft)]) for n, ft in t.fields]
        body = pl.concat_str(parts, separator=",", ignore_nulls=True) if parts else pl.lit("")
        return pl.when(e.is_not_null()).then(_wrap("{", body, "}"))
    raise TypeError(f"no canonical form for {t!r}")


def canon_elements(e: pl.Expr, t: SetT) -> pl.Expr:
    """List of the canonical strings of a set's elements (in the set's order, duplicates kept)."""
    return e.list.eval(canon(pl.element(), t.elem))


def comparable(e: pl.Expr, t: SetT) -> pl.Expr:
    """A set as a list polars can compare, search and intersect with Cedar's element equality."""
    return e if t.elem is None or is_scalar(t.elem) else canon_elements(e, t)


def nest(elems: list[pl.Expr]) -> pl.Expr:
    """A list of the values of ``elems`` (each a set or record): ``concat_list`` would flatten sets."""
    boxed = [pl.struct(x.alias("v")) for x in elems]
    return pl.concat_list(boxed).list.eval(pl.element().struct.field("v"))
