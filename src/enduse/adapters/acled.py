"""Map an ACLED export to enduse's standard use columns, reading weapon, target and purpose from notes.

ACLED codes who fought where and when, not which weapon hit which target for which
purpose; those facts live only in the free-text ``notes``. This adapter reads them with
the keyword table ``acled_keywords.toml`` (data, not code) and is deliberately timid:

* a value is written only when keywords of exactly one entry match; no match or a
  conflict (keywords of different entries) gives ``unknown``, never a guess;
* ``purpose`` is ``unknown`` unless explicit wording ("counter-battery", "intercepted")
  says otherwise;
* a catalogue weapon named next to wording that fits only another class of weapon
  (e.g. "Russian air defense shot down ATACMS missiles": interception wording, but the
  ATACMS is what was shot down) is set aside as ``unknown``;
* dates that are neither ISO nor ``01 June 2024`` are passed through as written, so the
  audit's validator rejects them with their row number instead of the adapter guessing;
* ``geo_precision`` becomes an uncertain location: 1 the point as given; 2 ("near" a town)
  anywhere within ``GEO_PRECISION_2_KM`` of it; 3 (only a region reported) the region alone,
  from ``admin1`` (or the region the given centre lies in), with no point.

Every row gets an ``adapter_note`` saying which keywords were read, so an auditor can
check each value against the notes. The keyword reading cannot tell who used a weapon:
"Russian forces destroyed a HIMARS" yields ``weapon = HIMARS``; filter on ``actor1``
before auditing. Matching is vectorised (one regex pass per section for the literal
keywords, one per entry with patterns), so a million rows map in a few seconds.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import polars as pl

from enduse.catalog import load_catalog
from enduse.errors import InputError
from enduse.geo.areas import region_code
from enduse.geo.locate import locate_many
from enduse.tables import ENGINE
from enduse.vocab import PURPOSES, TARGETS, UNKNOWN

#: ACLED columns the adapter reads; any other column is carried through untouched.
REQUIRED = ("event_id_cnty", "event_date", "latitude", "longitude", "notes")
#: Columns the adapter adds, in output order.
ADDED = ("id", "date", "lat", "lon", "within_km", "region", "weapon", "target", "purpose", "adapter_note")
#: Names the input must not already use: the added columns, and ``place``, which next to
#: ``lat``/``lon`` would make the validator reject every row ("give either lat/lon or a place").
RESERVED = (*(c for c in ADDED if c != "region"), "place")
#: ACLED's own ``region`` column (a world region, "Europe") is renamed to this: enduse reads ``region`` as the
#: region a use was in.
ACLED_REGION = "acled_region"
#: ACLED ``geo_precision`` 2 ("near" a town, or a small part of a region: the coordinates are those of the nearest
#: town): the use was somewhere within this many km of them. A named assumption, documented in the README.
GEO_PRECISION_2_KM = 25.0

SECTIONS = ("weapon", "target", "purpose")
_ENTRY_KEYS = {"keywords", "exact_case", "patterns", "weapon_classes"}
# Letters/digits separated by single spaces or hyphens: safe to splice into a regex unescaped.
_KEYWORD = re.compile(r"[A-Za-z0-9]+(?:[ -][A-Za-z0-9]+)*")
# A match must start a word that is not the tail of a hyphenated compound ("anti-aircraft").
_LEFT = r"(?:^|[^A-Za-z0-9_-])"
_RIGHT = r"(?-u:\b)"
_PLURAL = r"(?:e?s)?"


@dataclass(frozen=True)
class Entry:
    """One value of a section (e.g. target ``air_defense``) and the wording that signals it.

    ``keywords``/``exact_case`` are literal words (matched case-insensitively / as written);
    ``pattern`` is the entry's regexes joined, with one capture group, or ``None``.
    ``weapon_classes`` (targets and purposes only) lists the catalogue classes this
    wording fits; empty means any.
    """

    section: str
    value: str
    keywords: tuple[str, ...]
    exact_case: tuple[str, ...]
    pattern: str | None
    weapon_classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Keywords:
    """The validated keyword table: per section, the entries in file order.

    Literal keywords of a section are searched with ONE regex (``literals``) and the
    matched words mapped back to their entry through ``owners`` (normalised word ->
    entry index); this is what makes a million rows cheap. It is exact because the
    loader refuses keywords of different entries that share words (see ``from_toml``).
    """

    entries: dict[str, tuple[Entry, ...]]
    literals: dict[str, str | None]
    owners: dict[str, dict[str, int]]

    @classmethod
    def from_toml(cls, text: str) -> Keywords:
        """Parse and validate a keyword table; raises ``ValueError`` naming the bad entry.

        Validation guarantees what the adapter promises: every weapon is a catalogue
        name, every target and purpose a vocabulary word, every regex compiles in
        polars, and keywords of different entries of one section never share a word
        sequence (one containing the other, or one ending with the words another starts
        with), since the single-pass search could then see one and miss the other.
        """
        data = tomllib.loads(text)
        extra = sorted(set(data) - set(SECTIONS))
        missing = [s for s in SECTIONS if not data.get(s)]
        if extra or missing:
            raise ValueError(f"keyword table needs non-empty sections {', '.join(SECTIONS)}; "
                             f"missing: {missing or 'none'}, unexpected: {extra or 'none'}")
        catalog = load_catalog()
        allowed = {
            "weapon": set(catalog.weapons),
            "target": set(TARGETS) - {UNKNOWN},
            "purpose": set(PURPOSES) - {UNKNOWN},
        }
        classes = {w.weapon_class for w in catalog}
        entries: dict[str, tuple[Entry, ...]] = {}
        literals: dict[str, str | None] = {}
        owners: dict[str, dict[str, int]] = {}
        for section in SECTIONS:
            built: list[Entry] = []
            for value, spec in data[section].items():
                where = f"[{section}.{value}]"
                if value not in allowed[section]:
                    raise ValueError(f"{where}: {value!r} is not one of {', '.join(sorted(allowed[section]))}")
                unknown_keys = sorted(set(spec) - _ENTRY_KEYS)
                if unknown_keys:
                    raise ValueError(f"{where}: unknown key(s) {', '.join(unknown_keys)}")
                keywords = tuple(spec.get("keywords", ()))
                exact = tuple(spec.get("exact_case", ()))
                patterns = list(spec.get("patterns", ()))
                if not keywords and not exact and not patterns:
                    raise ValueError(f"{where}: give keywords, exact_case or patterns")
                for word in (*keywords, *exact):
                    if not _KEYWORD.fullmatch(word):
                        raise ValueError(f"{where}: keyword {word!r} must be letters/digits joined by single "
                                         "spaces or hyphens")
                wanted = tuple(spec.get("weapon_classes", ()))
                if wanted and section == "weapon":
                    raise ValueError(f"{where}: weapon_classes applies to targets and purposes only")
                if set(wanted) - classes:
                    raise ValueError(f"{where}: unknown weapon class(es) {sorted(set(wanted) - classes)}; "
                                     f"catalogue classes: {', '.join(sorted(classes))}")
                pattern = _bounded("|".join(f"(?i:{p})" for p in patterns)) if patterns else None
                if pattern is not None:
                    _check_compiles(where, pattern)
                built.append(Entry(section, value, keywords, exact, pattern, wanted))
            owner: dict[str, int] = {}
            for index, entry in enumerate(built):
                for word in (*entry.keywords, *entry.exact_case):
                    for other in built[:index]:
                        clash = next((w for w in (*other.keywords, *other.exact_case) if _overlap(word, w)), None)
                        if clash is not None:
                            raise ValueError(f"[{section}.{entry.value}]: keyword {word!r} shares words with "
                                             f"{clash!r} of {section} {other.value!r}")
                    for form in _forms(word):
                        if owner.setdefault(form, index) != index:
                            raise ValueError(f"[{section}.{entry.value}]: keyword {word!r} reads like a keyword "
                                             f"of {section} {built[owner[form]].value!r}")
            ci = sorted((w for e in built for w in e.keywords), key=len, reverse=True)
            cs = sorted((w for e in built for w in e.exact_case), key=len, reverse=True)
            alternatives = ([f"(?i:{'|'.join(map(_literal, ci))})"] if ci else []) + [_literal(w) for w in cs]
            literals[section] = _bounded("|".join(alternatives)) if alternatives else None
            if literals[section] is not None:
                _check_compiles(f"[{section}]", literals[section])
            entries[section] = tuple(built)
            owners[section] = owner
        return cls(entries, literals, owners)


def _tokens(word: str) -> list[str]:
    return re.split(r"[ -]", word.lower())


def _overlap(a: str, b: str) -> bool:
    """Whether two keywords can match overlapping text: one's words inside, or continuing, the other's."""
    x, y = _tokens(a), _tokens(b)
    for first, second in ((x, y), (y, x)):
        if any(first[i:i + len(second)] == second for i in range(len(first))):
            return True
        if any(first[-k:] == second[:k] for k in range(1, min(len(first), len(second)))):
            return True
    return False


def _forms(word: str) -> tuple[str, ...]:
    """The normalised spellings a keyword can match: no spaces/hyphens, lower case, optional plural."""
    key = re.sub(r"[ -]", "", word.lower())
    return key, key + "s", key + "es"


def _literal(word: str) -> str:
    """Regex for a validated keyword: spaces/hyphens inside match any run of them, or none; plural allowed."""
    return r"[\s-]*".join(re.split(r"[ -]", word)) + _PLURAL


def _bounded(alternatives: str) -> str:
    """Wrap alternatives in the word-boundary guards; group 1 is the matched wording."""
    return f"{_LEFT}({alternatives}){_RIGHT}"


def _check_compiles(where: str, regex: str) -> None:
    try:
        pl.Series([""], dtype=pl.String).str.contains(regex)
    except pl.exceptions.PolarsError as exc:
        raise ValueError(f"{where}: pattern does not compile: {exc}") from None


@cache
def load_keywords() -> Keywords:
    """The bundled ``acled_keywords.toml``, validated once."""
    text = resources.files("enduse.adapters").joinpath("acled_keywords.toml").read_text(encoding="utf-8")
    return Keywords.from_toml(text)


def from_acled(frame: pl.DataFrame, keywords: Keywords | None = None) -> pl.DataFrame:
    """``frame`` with every original column unchanged, plus the standard use columns.

    Added: ``id`` (``event_id_cnty`` as text), ``date`` (``YYYY-MM-DD`` when
    ``event_date`` is ISO or like ``01 June 2024``, else the original text), ``lat`` and
    ``lon`` (``latitude``/``longitude`` as given), ``weapon``, ``target``, ``purpose``
    (catalogue name / vocabulary word / ``unknown``) and ``adapter_note``. The row count
    and order are unchanged; ACLED's own ``region`` column is renamed ``acled_region``. Raises ``InputError`` when an ACLED column is missing or
    when the input already has a column the adapter would add (it is never overwritten).
    """
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(f"not an ACLED export: missing column(s) {', '.join(missing)}")
    clashes = [c for c in RESERVED if c in frame.columns]
    if clashes:
        raise InputError(f"input already has column(s) {', '.join(clashes)}, which the ACLED adapter would add; "
                         "rename or drop them first so that neither value is silently replaced")
    if ACLED_REGION in frame.columns:
        raise InputError(f"input already has column {ACLED_REGION}, where the ACLED adapter puts ACLED's region column")
    frame = frame.rename({"region": ACLED_REGION}, strict=False)
    table = keywords or load_keywords()
    precision = [pl.lit(frame["geo_precision"])] if "geo_precision" in frame.columns else []
    read = _hits(frame["notes"].cast(pl.String), table).with_columns(*precision)
    for section in SECTIONS:
        read = read.with_columns(_read(section, table.entries[section]))
    weapon_class = pl.col("weapon").replace_strict({w.name: w.weapon_class for w in load_catalog()},
                                                    default=pl.lit(None, dtype=pl.String), return_dtype=pl.String)
    read = read.with_columns(weapon_class.alias("__class")).with_columns(
        _set_aside([(e, i) for s in SECTIONS for i, e in enumerate(table.entries[s]) if e.weapon_classes]))
    note_parts = [pl.col("weapon_note"), pl.col("target_note"), pl.col("purpose_note"),
                  *(_precision_note(pl.col("geo_precision")) for _ in precision)]
    read = read.select(
        "weapon", "target", "purpose", pl.concat_str(note_parts, separator="; ", ignore_nulls=True).alias("adapter_note")
    ).collect(engine=ENGINE)
    level = pl.col("geo_precision").cast(pl.Int64, strict=False) if precision else pl.lit(None, pl.Int64)
    region = _regions(frame) if precision else pl.lit(None, pl.String)
    return frame.with_columns(
        pl.col("event_id_cnty").cast(pl.String).alias("id"),
        _date(frame.schema["event_date"]).alias("date"),
        pl.when(level != 3).then(pl.col("latitude")).alias("lat") if precision else pl.col("latitude").alias("lat"),
        pl.when(level != 3).then(pl.col("longitude")).alias("lon") if precision else pl.col("longitude").alias("lon"),
        pl.when(level == 2).then(pl.lit(GEO_PRECISION_2_KM)).alias("within_km"),
        pl.when(level == 3).then(region).alias("region"),
    ).hstack(read)


def _regions(frame: pl.DataFrame) -> pl.Expr:
    """The ISO 3166-2 region of each row for ``geo_precision`` 3 (only a region was reported): ACLED's ``admin1``
    when it names a region of the bundled geography, else the region its coordinates (the region's centre) lie in."""
    named: dict[str, str] = {}
    if "admin1" in frame.columns:
        for name in frame["admin1"].cast(pl.String).drop_nulls().unique().to_list():
            try:
                named[name] = region_code(name)
            except InputError:
                pass
    lat = frame["latitude"].cast(pl.Float64, strict=False).to_numpy()
    lon = frame["longitude"].cast(pl.Float64, strict=False).to_numpy()
    valid = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    located = np.full(len(lat), None, dtype=object)
    located[valid] = locate_many(lat[valid], lon[valid]).region
    by_point = pl.Series(located.tolist(), dtype=pl.String)
    by_name = pl.col("admin1").cast(pl.String).replace_strict(named, default=None) if "admin1" in frame.columns else pl.lit(None)
    return pl.coalesce(by_name, pl.lit(by_point))


def _hit(entry: Entry, index: int) -> str:
    """Internal column name of the wording that matched ``entry`` (null: none)."""
    return f"{entry.section}:{index}"


def _hits(notes: pl.Series, table: Keywords) -> pl.LazyFrame:
    """Per entry, the first wording in each row's notes that matched it (or null); one column per entry.

    Literal keywords: one ``extract_all`` per section, each found word mapped to its
    entry by normalised spelling. Patterns: one ``extract`` per entry that has them.
    Lazy, so that polars runs the sections in parallel.
    """
    rows = pl.DataFrame({"notes": notes}).with_row_index("row").lazy()
    found = rows
    columns: list[pl.Expr] = []
    for section in SECTIONS:
        entries = table.entries[section]
        literals = table.literals[section]
        if literals is not None:
            words = (
                rows.select("row", pl.col("notes").str.extract_all(literals).alias("word"))
                .explode("word")
                .drop_nulls("word")
                .with_columns(pl.col("word").str.replace(r"^[^A-Za-z0-9]", ""))
                .with_columns(_owner(pl.col("word"), table.owners[section]).alias("entry"))
                .group_by("row")
                .agg([pl.col("word").filter(pl.col("entry") == i).first().alias(f"lit:{_hit(e, i)}")
                      for i, e in enumerate(entries) if e.keywords or e.exact_case])
            )
            found = found.join(words, on="row", how="left", maintain_order="left")
        for i, entry in enumerate(entries):
            parts = [pl.col(f"lit:{_hit(entry, i)}")] if entry.keywords or entry.exact_case else []
            if entry.pattern is not None:
                parts.append(pl.col("notes").str.extract(entry.pattern, 1))
            columns.append(pl.coalesce(parts).alias(_hit(entry, i)))
    return found.select(columns)


def _owner(word: pl.Expr, owners: dict[str, int]) -> pl.Expr:
    """Entry index of a found keyword, by its normalised spelling (plural forms are in ``owners``)."""
    key = word.str.to_lowercase().str.replace_all(r"[\s-]+", "")
    return key.replace_strict(owners, default=None, return_dtype=pl.Int64)


def _label(hit: pl.Expr, value: str) -> pl.Expr:
    """``"S-400→air_defense"``, or just ``"HIMARS"`` when the wording is the value itself."""
    return (pl.when(hit.str.to_lowercase() == value.lower()).then(pl.lit(value))
            .otherwise(pl.concat_str([hit, pl.lit(f"→{value}")])))


def _read(section: str, entries: tuple[Entry, ...]) -> list[pl.Expr]:
    """Columns ``<section>`` (the one entry that matched, else ``unknown``) and ``<section>_note``."""
    hits = [(e, pl.col(_hit(e, i))) for i, e in enumerate(entries)]
    count = pl.sum_horizontal([hit.is_not_null() for _, hit in hits])
    value = pl.coalesce([pl.when(hit.is_not_null()).then(pl.lit(e.value)) for e, hit in hits])
    labels = pl.concat_str([pl.when(hit.is_not_null()).then(_label(hit, e.value)) for e, hit in hits],
                           separator="/", ignore_nulls=True)
    return [
        pl.when(count == 1).then(value).otherwise(pl.lit(UNKNOWN)).alias(section),
        pl.when(count == 0).then(pl.lit(f"{section}: no keyword"))
        .when(count == 1).then(pl.concat_str([pl.lit(f"{section}: "), labels]))
        .otherwise(pl.concat_str([pl.lit(f"{section}: conflict "), labels]))
        .alias(f"{section}_note"),
    ]


def _set_aside(guarded: list[tuple[Entry, int]]) -> list[pl.Expr]:
    """Turn ``weapon`` to ``unknown`` where matched wording fits only other weapon classes.

    "Russian air defense shot down ATACMS missiles" names the ATACMS as what was shot
    down, not as the interceptor; without this the row would read as an ATACMS used to
    intercept. Wording matched anywhere in the notes counts, even if its own section
    ended in a conflict. Needs the column ``__class`` (the weapon's catalogue class).
    """
    if not guarded:
        return []
    weapon_class = pl.col("__class")
    reasons = [
        pl.when(pl.col(_hit(e, i)).is_not_null() & weapon_class.is_not_null() & ~weapon_class.is_in(e.weapon_classes))
        .then(pl.concat_str([pl.lit("'"), pl.col(_hit(e, i)),
                             pl.lit(f"'→{e.value} fits only {'/'.join(e.weapon_classes)}, not "), weapon_class]))
        for e, i in guarded
    ]
    why = pl.concat_str(reasons, separator="; ", ignore_nulls=True)
    aside = why != ""
    return [
        pl.when(aside).then(pl.lit(UNKNOWN)).otherwise(pl.col("weapon")).alias("weapon"),
        pl.when(aside).then(pl.concat_str([pl.col("weapon_note"), pl.lit(" set aside: "), why,
                                           pl.lit(" (the weapon named may be what was hit or shot down)")]))
        .otherwise(pl.col("weapon_note")).alias("weapon_note"),
    ]


def _date(dtype: pl.DataType) -> pl.Expr:
    """ISO date text; unparseable values keep their original text for the validator to reject."""
    raw = pl.col("event_date")
    if dtype.is_temporal():
        return raw.dt.strftime("%Y-%m-%d")
    text = raw.cast(pl.String)
    bare = text.str.strip_chars()
    parsed = pl.coalesce(bare.str.to_date("%Y-%m-%d", strict=False), bare.str.to_date("%d %B %Y", strict=False))
    return pl.when(parsed.is_not_null()).then(parsed.dt.strftime("%Y-%m-%d")).otherwise(text)


def _precision_note(precision: pl.Expr) -> pl.Expr:
    """Say how ACLED ``geo_precision`` 2/3 became an uncertain location (a disc, or the region alone)."""
    level = precision.cast(pl.Int64, strict=False)
    return (pl.when(level == 2).then(pl.lit(f"location: geo_precision 2, judged anywhere within {GEO_PRECISION_2_KM:g} km"))
            .when(level == 3).then(pl.lit("location: geo_precision 3, judged anywhere in the region")))
