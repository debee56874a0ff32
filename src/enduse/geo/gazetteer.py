"""Resolve place names in Ukraine, Russia and Belarus offline, from the bundled gazetteer.

The data (``data/gazetteer.parquet``, built by ``tools/build_gazetteer.py``) is GeoNames:
every place of ≥ 500 people, with Latin and Cyrillic alternate spellings.  Crimea and
Sevastopol are filed under ``UA`` (``UA-43``, ``UA-40``), as internationally recognised.

What callers can rely on:

* Matching ignores case, diacritics, apostrophes, hyphens, spaces and punctuation, so
  ``Kharkiv``, ``kharkiv``, ``Харків``, ``Харьков`` and ``Kharkov`` all name the same city.
* A query may add qualifiers after commas, each narrowing the matches: an ISO 3166-2 code
  (``"Pokrovsk, UA-14"``), a region name (``"Pokrovsk, Donetsk"``), a country code or name
  (``"Topoli, UA"``).  An unknown qualifier is an error, never ignored.
* ``resolve_place`` returns one place or raises; it never guesses between comparable
  places (see its docstring for the exact rule).  The data is loaded once, on first use;
  its lookup index is kept on disk between processes (``enduse.disk_cache``).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from enduse.disk_cache import cached

DOMINANCE = 10
"""A place wins an exact tie when its population is at least this many times every other's."""
_SUGGESTIONS = 8
_FUZZY_CUTOFF = 70.0
_DATA = Path(__file__).parent / "data" / "gazetteer.parquet"


@dataclass(frozen=True)
class Place:
    """One gazetteer entry: primary (Latin) name, WGS84 position, ISO codes, population."""

    name: str
    lat: float
    lon: float
    country: str  # ISO2
    region: str | None  # ISO 3166-2
    population: int


class PlaceError(ValueError):
    """Base: the name could not be resolved to exactly one place."""

    candidates: list[Place]

    def __init__(self, message: str, candidates: list[Place]) -> None:
        super().__init__(message)
        self.candidates = candidates


class UnknownPlace(PlaceError):
    """No place (or none passing the qualifiers) has this name; ``candidates`` are suggestions."""


class AmbiguousPlace(PlaceError):
    """Several comparable places have this name; ``candidates`` lists them, most populous first."""


def normalize(text: str) -> str:
    """Matching key: casefolded letters and digits, without diacritics, apostrophes or spaces.

    ``й``/``ё``/``ї`` fold to ``и``/``е``/``і`` like Latin ``č`` to ``c``; modifier letters
    (``ʼ`` ``ʹ``), punctuation and whitespace are dropped.
    """
    return unicodedata.normalize("NFKD", text).casefold().translate(_KEPT)


class _Kept(dict):
    """``str.translate`` table keeping letters and digits, filled per character on first sight (3x a join)."""

    def __missing__(self, code: int) -> int | None:
        char = chr(code)
        kept = code if char.isalnum() and unicodedata.category(char) not in ("Lm", "Mn") else None
        self[code] = kept
        return kept


_KEPT = _Kept()


@dataclass(frozen=True)
class _Index:
    places: list[Place]
    primary: dict[str, list[int]]  # normalised name / ascii name → rows
    alternate: dict[str, list[int]]  # normalised alternate name → rows (not already primary)
    keys: list[str]  # every key of both, sorted, for fuzzy search
    regions: dict[str, frozenset[str]]  # normalised region code or name → ISO 3166-2 codes
    countries: dict[str, str]  # normalised country code or name → ISO2


@cache
def _index() -> _Index:
    """The lookup index, once per process: read from the cache on disk (``enduse.disk_cache``; ~0.06 s) when this
    enduse built it from these very bytes before, else built (~0.3 s) and kept there. The key is the data's
    sha256 (~1 ms); the cache's own fingerprint adds this code and Python's version, on which ``normalize``'s
    ``unicodedata`` depends."""
    key = hashlib.sha256(_DATA.read_bytes()).hexdigest()  # unreadable: building could not read it either
    return cached("gazetteer", key, _build_index, lambda index: isinstance(index, _Index))


def _build_index() -> _Index:
    """Read the parquet and build the lookup dictionaries."""
    cols = pl.read_parquet(_DATA).to_dict(as_series=False)
    places = [
        Place(name, lat, lon, country, region, population)
        for name, lat, lon, country, region, population in zip(
            cols["name"], cols["lat"], cols["lon"], cols["country"], cols["region"], cols["population"]
        )
    ]
    primary: dict[str, list[int]] = {}
    alternate: dict[str, list[int]] = {}
    for row, (name, ascii_name, alts) in enumerate(zip(cols["name"], cols["ascii_name"], cols["alt_names"])):
        own = {normalize(name), normalize(ascii_name)}
        for key in own:
            primary.setdefault(key, []).append(row)
        for key in {normalize(a) for a in alts} - own:
            alternate.setdefault(key, []).append(row)
    meta = pl.read_parquet_metadata(_DATA)
    regions: dict[str, set[str]] = {}
    for code, names in json.loads(meta["enduse.regions"]).items():
        for key in {normalize(code), *map(normalize, names)}:
            regions.setdefault(key, set()).add(code)
    countries = {
        normalize(key): code
        for code, names in json.loads(meta["enduse.countries"]).items()
        for key in (code, *names)
    }
    return _Index(
        places=places,
        primary=primary,
        alternate=alternate,
        keys=sorted(primary.keys() | alternate.keys()),
        regions={k: frozenset(v) for k, v in regions.items()},
        countries=countries,
    )


def _label(place: Place) -> str:
    return f"{place.name} ({place.region or place.country})"


def _by_size(index: _Index, rows: list[int]) -> list[Place]:
    """Most populous first; ties by name, region, position so the order is deterministic."""
    places = [index.places[r] for r in set(rows)]
    return sorted(places, key=lambda p: (-p.population, p.name, p.region or "", p.lat, p.lon))


def _split(query: str) -> tuple[str, list[str]]:
    name, *qualifiers = (part.strip() for part in query.split(","))
    return name, [q for q in qualifiers if q]


def _qualifier_filter(index: _Index, qualifier: str) -> Callable[[Place], bool] | None:
    """Predicate for one qualifier, or None when it names no known country or region."""
    key = normalize(qualifier)
    if key in index.countries:
        country = index.countries[key]
        return lambda p: p.country == country
    if key in index.regions:
        codes = index.regions[key]
        return lambda p: p.region in codes
    return None


def _exact(index: _Index, key: str, keep: Callable[[Place], bool]) -> list[Place]:
    """Places whose primary/ascii name matches, else those whose alternate name matches."""
    for table in (index.primary, index.alternate):
        found = [p for p in _by_size(index, table.get(key, [])) if keep(p)]
        if found:
            return found
    return []


def _suggest(index: _Index, key: str, keep: Callable[[Place], bool], limit: int) -> list[Place]:
    """Places whose names start with ``key`` or resemble it, best first.

    A name that ``key`` is a prefix of scores 100 (autocomplete); otherwise the score is
    rapidfuzz's ``ratio`` (typos), kept from ``_FUZZY_CUTOFF`` up.  Alternate names score one
    point less than primary ones, so "Pokr" offers Pokrovsk before Engels (once Pokrovsk).
    Ties: most populous first.
    """
    if not key:
        return []
    from rapidfuzz import fuzz, process  # only suggestions need it: imported then, not by every check

    scores = {
        k: 100.0
        for k in index.keys[bisect_left(index.keys, key) : bisect_left(index.keys, key + "\U0010ffff")]
    }
    for hit, score, _ in process.extract(key, index.keys, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=None):
        scores[hit] = max(score, scores.get(hit, 0.0))
    best: dict[Place, float] = {}
    for hit, score in scores.items():
        for row, penalty in [(r, 0.0) for r in index.primary.get(hit, [])] + [
            (r, 1.0) for r in index.alternate.get(hit, [])
        ]:
            place = index.places[row]
            if keep(place) and score - penalty > best.get(place, -1.0):
                best[place] = score - penalty
    ranked = sorted(best, key=lambda p: (-best[p], -p.population, p.name, p.region or "", p.lat))
    return ranked[:limit]


def all_places() -> list[Place]:
    """Every place of the gazetteer, in the data's order (for labelling maps; loaded once)."""
    return list(_index().places)


def search_places(query: str, limit: int = 8) -> list[Place]:
    """Places matching ``query`` for suggestions and autocomplete, best first.

    Exact matches (primary names, then alternates) come first, then names the query is a
    prefix of (``"Khar"`` → Kharkiv), then similar names (typos), each most populous first.  Qualifiers after commas
    narrow the results like in ``resolve_place``; one that names no known country or region
    is ignored here, as it may still be being typed.  Never raises for unknown names.
    """
    index = _index()
    name, qualifiers = _split(query)
    filters = [f for q in qualifiers if (f := _qualifier_filter(index, q)) is not None]

    def keep(place: Place) -> bool:
        return all(f(place) for f in filters)

    key = normalize(name)
    exact = _exact(index, key, keep)
    fuzzy = [p for p in _suggest(index, key, keep, limit + len(exact)) if p not in exact]
    return (exact + fuzzy)[:limit]


def resolve_place(query: str) -> Place:
    """The one place ``query`` names, e.g. ``"Kharkiv"``, ``"Pokrovsk, UA-14"``, ``"Topoli, Donetsk"``.

    Rule, in order:

    1. Qualifiers after commas (region code or name, country code or name) keep only the
       places they describe; an unknown qualifier raises ``UnknownPlace``.
    2. Places whose primary or ASCII name matches win; only if there are none do places
       whose alternate name matches count (so "Volchansk" is the town of that name in
       Sverdlovsk oblast, and "Volchansk, UA" is Vovchansk in Kharkiv oblast, whose old
       Russian name it is).
    3. One match is returned.  Of several, the most populous is returned only if its
       population is at least ``DOMINANCE`` (10) times that of every other match — e.g.
       "Donetsk" is the city in UA-14 (≈ 900k), not the town in Rostov oblast (≈ 50k) — as
       then the reading is unambiguous in practice; such a winner is unique by construction,
       so the choice is deterministic.  Otherwise ``AmbiguousPlace`` lists the matches,
       most populous first ("Pokrovsk": 60k in UA-14 vs 10k in RU-SA is ambiguous).
    4. No match: ``UnknownPlace`` with fuzzy suggestions in ``candidates``.

    Callers should show ``region`` with the result, since rule 3 may pick a namesake.
    """
    index = _index()
    name, qualifiers = _split(query)
    filters = []
    for qualifier in qualifiers:
        f = _qualifier_filter(index, qualifier)
        if f is None:
            same_name = _exact(index, normalize(name), lambda p: True)[:_SUGGESTIONS]
            raise UnknownPlace(
                f'unknown region or country "{qualifier}" in "{query}"; use an ISO 3166-2 code '
                f'(e.g. UA-63), a region name or UA/RU/BY' + _list(" — places named so: ", same_name),
                same_name,
            )
        filters.append(f)

    def keep(place: Place) -> bool:
        return all(f(place) for f in filters)

    key = normalize(name)
    matches = _exact(index, key, keep)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        top, others = matches[0], matches[1:]
        if top.population > 0 and all(top.population >= DOMINANCE * p.population for p in others):
            return top
        shown = matches[:_SUGGESTIONS]
        listing = ", ".join(f"{_label(p)}, pop. {p.population:,}" for p in shown)
        more = f" and {len(matches) - len(shown)} more" if len(matches) > len(shown) else ""
        raise AmbiguousPlace(
            f'ambiguous place "{query}": {len(matches)} places match: {listing}{more}; '
            f'add a region or country after a comma, e.g. "{name}, {top.region or top.country}"',
            shown,
        )
    unfiltered = _exact(index, key, lambda p: True)[:_SUGGESTIONS] if filters else []
    if unfiltered:
        raise UnknownPlace(
            f'no place "{name}" matches "{query}"' + _list("; places named so: ", unfiltered), unfiltered
        )
    suggestions = _suggest(index, key, keep, _SUGGESTIONS)
    raise UnknownPlace(f'unknown place "{query}"' + _list("; did you mean: ", suggestions, "?"), suggestions)


def _list(prefix: str, places: list[Place], suffix: str = "") -> str:
    return prefix + ", ".join(map(_label, places)) + suffix if places else ""
