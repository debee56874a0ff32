"""A *use*: one employment of a weapon, hypothetical or reported, as enduse judges it.

``validate_uses`` is the one implementation of the input rules, on whole
tables: every row comes out either valid (with normalised ``__`` columns beside
the untouched input columns) or rejected with its row number and the reason.
``parse_use`` applies the same rules to a single use and raises the reason.
Downstream stages may rely on a valid row having a real date, coordinates in
range or a place name, canonical vocabulary words, and fact values from
``yes / no / unknown`` (or null: not stated).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from enduse.catalog import load_catalog
from enduse.columns import AREA, FACT, ROW, WITHIN_KM
from enduse.errors import InputError
from enduse.geo.areas import MAX_WITHIN_KM, region_code
from enduse.tables import ENGINE
from enduse.vocab import FACT_VALUES, PURPOSES, TARGETS, UNKNOWN, choose, supplier_code, supplier_keys

FIELDS = ("id", "date", "lat", "lon", "within_km", "place", "region", "weapon", "supplier", "target", "purpose", "facts")
USE_COLUMNS = ("id", "date", "lat", "lon", "within_km", "place", "region", "weapon", "supplier", "target", "purpose")
REASON = "reason"
#: Dates outside this range are refused: no end-use policy of the period is in question, so they are typos.
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2100, 12, 31))


@dataclass(frozen=True)
class Use:
    """A validated use. Exactly one of (``lat``, ``lon``), ``place`` or ``region`` is set.

    ``within_km`` makes a point or place uncertain: the use was somewhere within that distance of it. A ``region``
    alone (an ISO 3166-2 code) says the use was somewhere in that region; no point is made up for it.
    """

    date: dt.date
    weapon: str
    target: str
    purpose: str
    lat: float | None = None
    lon: float | None = None
    place: str | None = None
    within_km: float | None = None
    region: str | None = None
    facts: Mapping[str, str] = field(default_factory=dict)
    id: str | None = None
    supplier: str | None = None  # the country that supplied the weapon, if the use says (ISO 3166-1 alpha-2)


def _text(name: str) -> pl.Expr:
    value = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value)


def _messages(values: pl.Series, explain: Callable[[str], None]) -> dict[str, str]:
    """The error message for each distinct bad value (``explain`` raises ``InputError``)."""
    messages = {}
    for value in values.drop_nulls().unique().to_list():
        try:
            explain(value)
        except InputError as error:
            messages[value] = str(error)
    return messages


def _region_codes(frame: pl.DataFrame) -> dict[str, str]:
    """Each distinct region text of ``frame`` that names a region, mapped to its ISO 3166-2 code."""
    codes = {}
    for text in frame.select(_text("region")).to_series().drop_nulls().unique().to_list():
        try:
            codes[text] = region_code(text)
        except InputError:
            pass
    return codes


def _word_key(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_lowercase().str.replace_all("[- ]", "_")


def _date(frame: pl.DataFrame) -> pl.Expr:
    dtype = frame.schema["date"]
    if dtype == pl.Date:
        return pl.col("date")
    if isinstance(dtype, pl.Datetime):
        return pl.col("date").dt.date()
    return _text("date").str.to_date("%Y-%m-%d", strict=False)


def _present(frame: pl.DataFrame, name: str) -> pl.Expr:
    """``_text(name).is_not_null()``, without making text of numbers (never blank)."""
    return pl.col(name).is_not_null() if frame.schema[name].is_numeric() else _text(name).is_not_null()


Rule = tuple[pl.Expr, pl.Expr]  # (the row breaks the rule, the message); the condition may be null: not broken


def _number(frame: pl.DataFrame, name: str) -> pl.Expr:
    # Text of a float64 reads back as the same float, so a float column needs no round trip.
    return pl.col(name) if frame.schema[name] == pl.Float64 else _text(name).cast(pl.Float64, strict=False)


def _coordinate_rules(frame: pl.DataFrame, name: str, bound: float) -> list[Rule]:
    """Rules for a latitude or longitude column, whose value is in ``__lat`` or ``__lon``."""
    number = pl.col("__" + name)
    label = "latitude" if name == "lat" else "longitude"
    return [
        (_present(frame, name) & number.is_null(), pl.format(f"invalid {label} '{{}}': expected a number", _text(name))),
        (
            number.is_nan() | number.is_infinite() | (number.abs() > bound),
            pl.format(f"invalid {label} '{{}}': must be between -{bound:g} and {bound:g}", _text(name)),
        ),
    ]


def _vocab_rule(checked: pl.DataFrame, column: str, value: str, explain: Callable[[str], None]) -> Rule:
    """The rule for rows whose ``column`` is present but not recognised (their ``value`` column is null)."""
    unrecognised = checked.filter(pl.col(value).is_null()).select(_text(column)).to_series()
    messages = _messages(unrecognised, explain)
    return _text(column).is_in(list(messages)) & pl.col(value).is_null(), _text(column).replace_strict(messages, default=None)


def validate_uses(frame: pl.DataFrame, facts: Sequence[str] = (), *, first_row: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``frame`` into (valid, rejected) rows; rows in = valid + rejected, always.

    ``facts`` names the columns holding stated facts. Valid rows keep every input
    column and gain ``__row`` (the 1-based input row number, counting from
    ``first_row``), ``__date``, ``__lat``, ``__lon``, ``__place``, ``__weapon``,
    ``__supplier_stated`` (a country code, or ``unknown``), ``__target``, ``__purpose`` and
    ``__fact:<name>``. Rejected rows keep every
    input column and gain ``row`` and ``reason``. A table without the columns a
    use needs at all raises ``InputError``.
    """
    reserved = [c for c in frame.columns if c.startswith("__") or c in ("row", REASON)]
    if reserved:
        raise InputError(f"column name(s) {', '.join(reserved[:5])}: 'row', 'reason' and names starting with '__' are reserved "
                         "for enduse (the rejects file uses them); rename them")
    nested = [c for c in USE_COLUMNS if c in frame.columns and frame.schema[c].is_nested()]
    if nested:
        raise InputError(f"column(s) {', '.join(nested)} hold lists or records; a use column holds one text or number per row")
    missing = [c for c in ("date", "weapon") if c not in frame.columns]
    if missing or not ({"lat", "lon"} <= set(frame.columns) or "place" in frame.columns or "region" in frame.columns):
        needed = ", ".join(missing) or "lat and lon, place, or region"
        raise InputError(f"input has no column(s) {needed}; expected columns {', '.join(USE_COLUMNS)} (see --map)")
    # One chunk per column: a table read in pieces is otherwise walked piece by piece by every check (~30% slower).
    frame = frame.with_columns(
        pl.lit(None, pl.String).alias(c) for c in ("lat", "lon", "place", "within_km", "region") if c not in frame.columns
    ).rechunk()
    catalog = load_catalog()
    vocabularies: dict[str, tuple[str, Callable[[str], None]]] = {"weapon": ("__weapon", catalog.canonical), "region": (AREA, region_code)}
    if "supplier" in frame.columns:
        vocabularies["supplier"] = ("__supplier_stated", supplier_code)
    supplier = _text("supplier").str.to_lowercase() if "supplier" in frame.columns else pl.lit(None, pl.String)
    values = {
        ROW: pl.int_range(first_row, first_row + pl.len(), dtype=pl.Int64),
        "__date": _date(frame),
        "__lat": _number(frame, "lat"),
        "__lon": _number(frame, "lon"),
        "__place": _text("place"),
        WITHIN_KM: _number(frame, "within_km"),
        AREA: _text("region").replace_strict(_region_codes(frame), default=None),
        "__weapon": _text("weapon").str.to_lowercase().str.replace_all(r"[^0-9a-z]", "").replace_strict(catalog.keys, default=None),
        "__supplier_stated": pl.when(supplier.is_null()).then(pl.lit(UNKNOWN))
        .otherwise(supplier.replace_strict({UNKNOWN: UNKNOWN, **supplier_keys()}, default=None)),
    }
    for column, vocabulary in (("target", TARGETS), ("purpose", PURPOSES)):
        present = column in frame.columns
        source = _word_key(_text(column)) if present else pl.lit(None, pl.String)
        mapped = source.replace_strict({w: w for w in vocabulary}, default=None)
        values["__" + column] = pl.when(source.is_null()).then(pl.lit(UNKNOWN)).otherwise(mapped)
        if present:
            vocabularies[column] = ("__" + column, lambda w, c=column, v=vocabulary: choose(c, w, v))
    fact_values = {**{v: v for v in FACT_VALUES}, "true": "yes", "false": "no"}
    for name in facts:
        values[FACT + name] = _text(name).str.to_lowercase().replace_strict(fact_values, default=None)
        vocabularies[name] = (FACT + name, lambda w, n=name: choose(f"value for fact {n!r}", w, FACT_VALUES))
    checked = frame.lazy().with_columns(**values).collect(engine=ENGINE)

    has_lat, has_lon = _present(frame, "lat"), _present(frame, "lon")
    has_point = has_lat | has_lon
    has_place = _text("place").is_not_null()
    has_region = _text("region").is_not_null()
    has_radius = _present(frame, "within_km")
    radius = pl.col(WITHIN_KM)
    rules = [
        (_text("date").is_null(), pl.lit("missing date (YYYY-MM-DD)")),
        (pl.col("__date").is_null(), pl.format("invalid date '{}': expected YYYY-MM-DD", _text("date"))),
        (~pl.col("__date").is_between(*DATE_RANGE), pl.format(f"date '{{}}' is outside {DATE_RANGE[0].year}–{DATE_RANGE[1].year} "
                                                             "(surely a typo)", _text("date"))),
        (_text("weapon").is_null(), pl.lit("missing weapon (a system name such as HIMARS, or 'unknown')")),
        (has_point & has_place, pl.lit("give either lat/lon or a place, not both")),
        (~has_point & ~has_place & ~has_region, pl.lit("missing location: give lat and lon, a place name, or a region")),
        ((has_point | has_place) & has_region, pl.lit("give either a point or place (with within_km if it is uncertain) or a region, not both")),
        (has_radius & radius.is_null(), pl.format("invalid within_km '{}': expected a number of km", _text("within_km"))),
        (has_radius & ~has_point & ~has_place, pl.lit("within_km needs lat/lon or a place to be measured from")),
        (radius.is_nan() | (radius <= 0) | (radius > MAX_WITHIN_KM),
         pl.format(f"invalid within_km '{{}}': must be more than 0 and at most {MAX_WITHIN_KM:g} km (use region for more)", _text("within_km"))),
        (has_point & (~has_lat | ~has_lon), pl.lit("give both lat and lon")),
        *_coordinate_rules(frame, "lat", 90),
        *_coordinate_rules(frame, "lon", 180),
        *(_vocab_rule(checked, column, value, explain) for column, (value, explain) in vocabularies.items()),
    ]
    # Messages are made for the broken rows only: formatting every row's values would cost more than the checks.
    checked = checked.with_columns(pl.any_horizontal(broken for broken, _message in rules).fill_null(False).alias("__bad"))
    problem = pl.coalesce(pl.when(broken).then(message) for broken, message in rules)
    rejects = checked.filter("__bad").select(*frame.columns, pl.col(ROW).alias("row"), problem.alias(REASON))
    valid = checked.filter(~pl.col("__bad")).drop("__bad")
    return valid, rejects


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The stated facts of a raw use, after checking its keys (unknown keys are an ``InputError``)."""
    extra = sorted(set(raw) - set(FIELDS))
    if extra:
        raise InputError(f"unknown field(s) {', '.join(extra)}; expected: {', '.join(FIELDS)}")
    given = raw.get("facts") or {}
    if not isinstance(given, Mapping):
        raise InputError(f"facts must be an object of name: yes|no|unknown, got {type(given).__name__}")
    facts = {str(k).strip(): v for k, v in given.items()}
    clash = sorted(set(facts) & {*USE_COLUMNS, "row", REASON} | {f for f in facts if f.startswith("_")})
    if clash:
        raise InputError(f"fact name(s) {', '.join(clash)} clash with use fields or reserved names")
    return facts


def parse_uses(raws: Sequence[Mapping[str, Any]]) -> list[Use | InputError]:
    """Validate mappings with the keys of ``FIELDS`` into ``Use``s, all in one pass of ``validate_uses``.

    Returns, in order, each ``Use`` or the ``InputError`` saying what is wrong with it. ``target`` and
    ``purpose`` default to ``unknown``. Unknown keys are rejected so that a typo never silently drops a fact.
    """
    results: list[Use | InputError | None] = [None] * len(raws)
    checked: list[tuple[int, Mapping[str, Any], dict[str, Any]]] = []
    for index, raw in enumerate(raws):
        try:
            checked.append((index, raw, _fields(raw)))
        except InputError as error:
            results[index] = error
    names = sorted({name for _, _, facts in checked for name in facts})
    cells = {c: [_cell(raw.get(c)) for _, raw, _ in checked] for c in USE_COLUMNS}
    cells |= {name: [_cell(facts.get(name)) for _, _, facts in checked] for name in names}
    valid, rejects = validate_uses(pl.DataFrame(cells, schema={c: pl.String for c in cells}), names)
    for row, reason in rejects.select("row", REASON).iter_rows():
        results[checked[row - 1][0]] = InputError(reason)
    for row in valid.iter_rows(named=True):
        index, _, facts = checked[row[ROW] - 1]
        results[index] = Use(
            id=row["id"],
            date=row["__date"],
            lat=row["__lat"],
            lon=row["__lon"],
            place=row["__place"],
            within_km=row[WITHIN_KM],
            region=row[AREA],
            weapon=row["__weapon"],
            supplier=None if row["__supplier_stated"] == UNKNOWN else row["__supplier_stated"],
            target=row["__target"],
            purpose=row["__purpose"],
            facts={name: row[FACT + name] for name in facts if row[FACT + name] is not None},
        )
    return results  # type: ignore[return-value]


def parse_use(raw: Mapping[str, Any]) -> Use:
    """``parse_uses`` for one mapping: the ``Use``, or raises its ``InputError``."""
    result = parse_uses([raw])[0]
    if isinstance(result, InputError):
        raise result
    return result


def uses_frame(uses: Sequence[Use]) -> pl.DataFrame:
    """Already-valid uses as a frame in ``validate_uses``'s valid-row layout."""
    facts = sorted({name for use in uses for name in use.facts})
    return pl.DataFrame(
        {
            ROW: list(range(1, len(uses) + 1)),
            "id": [u.id for u in uses],
            "__date": [u.date for u in uses],
            "__lat": [u.lat for u in uses],
            "__lon": [u.lon for u in uses],
            "__place": [u.place for u in uses],
            WITHIN_KM: [u.within_km for u in uses],
            AREA: [u.region for u in uses],
            "__weapon": [u.weapon for u in uses],
            "__supplier_stated": [u.supplier or UNKNOWN for u in uses],
            "__target": [u.target for u in uses],
            "__purpose": [u.purpose for u in uses],
            **{FACT + name: [u.facts.get(name) for u in uses] for name in facts},
        },
        schema_overrides={ROW: pl.Int64, "__date": pl.Date, "__lat": pl.Float64, "__lon": pl.Float64,
                          "id": pl.String, "__place": pl.String, WITHIN_KM: pl.Float64, AREA: pl.String, "__supplier_stated": pl.String,
                          **{FACT + name: pl.String for name in facts}},
    )
