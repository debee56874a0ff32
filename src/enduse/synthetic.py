"""Seeded synthetic uses for tests, benchmarks and the demo of the bulk audit.

``synthetic_uses`` returns a table in the audit's standard layout (``id, date, lat, lon, place, weapon, target,
purpose``) plus the fact column ``linked_to_invasion`` and the bookkeeping column ``expected_bad``. The rows are
invented: they exercise the audit's code paths at scale, they describe no real events.

What callers can rely on:

* **Determinism.** The same ``(n, seed, messy)`` gives the same table, given the same weapon catalogue and
  vocabularies (adding a weapon to the catalogue changes the draws). Different seeds give different tables.
* **Clean rows do not depend on ``messy``.** All clean values are drawn before any row is broken, so
  ``synthetic_uses(n, s, messy=m)`` equals ``synthetic_uses(n, s)`` on every row whose ``expected_bad`` is false
  (with lat/lon as text, see below). A benchmark can therefore compare clean and messy runs row by row.
* **Clean rows are valid input**: an ISO date in 2022-03-01..2026-06-30; lat/lon in range, rounded to 5 decimals
  (~1 m); ``place`` null; the canonical name of a catalogue weapon or ``unknown``; ``target``, ``purpose`` and
  ``linked_to_invasion`` from ``enduse.vocab`` (``unknown`` included). ``id`` is ``syn-000001``, ``syn-000002``, …
  (zero-padded to at least six digits).
* **Where the points are.** A share ``NEAR_BORDER_SHARE`` (half) lie within ``BORDER_BAND_KM`` of the
  Russia–Ukraine land border, on both sides: a point drawn uniformly along the border is moved at right angles to
  it by a uniform 0..150 km. The border bends, so the true distance is at most (about) the offset and often less:
  of these points roughly 30% end within 20 km, 30% at 20–50 km, 30% at 50–100 km and 10% at 100–150 km. Most
  others are spread evenly over the theatre box ``THEATRE`` (about 3 in 10 of them also fall within 150 km of the
  border); ``FAR_SHARE`` fall in a wider box (deep strikes, and points outside UA/RU/BY such as the sea).
* **Messy rows.** ``round(messy * n)`` distinct rows are broken, each in exactly one of the ways in ``DEFECTS``
  (bad date, latitude out of range or not a number, longitude missing, both a place and lat/lon, an unknown place,
  an unknown weapon, target or purpose, an invalid fact value), and only those rows have ``expected_bad`` true. A
  correct audit rejects exactly the rows with ``expected_bad``. ``expected_bad`` is bookkeeping, not a fact: leave
  it out of the fact columns given to an audit.
* **Column types.** ``lat`` and ``lon`` are Float64 when ``messy == 0``; when ``messy > 0`` they are String (the
  clean values printed as decimals), because some defects are text — as they would be after reading a CSV without
  a schema. Every other column is String except ``expected_bad`` (Boolean). ``place`` is null except in the messy
  rows that set it.

``write_sample`` regenerates the bundled ``enduse/examples/synthetic.parquet`` used by the demo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import shapely

from enduse.catalog import load_catalog
from enduse.geo.boundaries import border_line
from enduse.vocab import FACT_VALUES, PURPOSES, TARGETS, UNKNOWN

FIRST_DATE = dt.date(2022, 3, 1)
LAST_DATE = dt.date(2026, 6, 30)
#: (lat_min, lat_max, lon_min, lon_max) of the theatre: Ukraine, Belarus and western Russia.
THEATRE = (44.0, 56.0, 28.0, 42.0)
#: A wider box for the few far points: deep strikes, and points outside UA/RU/BY.
FAR_BOX = (40.0, 62.0, 20.0, 60.0)
NEAR_BORDER_SHARE = 0.5
FAR_SHARE = 0.02
#: Near-border points are moved up to this far (uniformly) to either side of the border line.
BORDER_BAND_KM = 150.0
#: The border is simplified to this tolerance (~5 km) before offsetting, so that "at right angles" follows the
#: border's general course rather than the zigzags of its surveyed line.
SMOOTHING_DEG = 0.05
#: Weapon mix: systems mainly supplied by the US, other suppliers' systems, and ``unknown``; uniform within each group.
US_SHARE = 0.75
OTHER_SUPPLIER_SHARE = 0.15
#: Probabilities of ``yes``, ``no``, ``unknown`` for ``linked_to_invasion`` (in ``FACT_VALUES`` order).
LINKED_TO_INVASION_P = (0.6, 0.15, 0.25)

#: How a messy row is broken: each defect names the columns it overwrites and the values to pick from (None is
#: null). Every value is invalid on its own, so a row with one defect is invalid whatever else it holds.
DEFECTS: dict[str, dict[str, tuple[str | None, ...]]] = {
    "bad_date": {"date": ("2024-13-45", "yesterday", "", "12/06/2024", "2023-02-29")},
    "lat_out_of_range": {"lat": ("91.5", "-123.25", "512.0")},
    "lat_not_a_number": {"lat": ("fifty", "50.6N", "N/A")},
    "lat_without_lon": {"lon": (None,)},
    "place_and_point": {"place": ("Belgorod", "Kharkiv", "Sumy")},
    "unknown_place": {"place": ("Atlantis", "Gotham", "Narnia"), "lat": (None,), "lon": (None,)},
    "unknown_weapon": {"weapon": ("HIMRAS", "slingshot", "ATACNS")},
    "unknown_target": {"target": ("bunker", "tnak column", "everything")},
    "unknown_purpose": {"purpose": ("revenge", "deterrence")},
    "bad_fact_value": {"linked_to_invasion": ("maybe", "probably")},
}

SAMPLE_ROWS = 20_000
SAMPLE_SEED = 2024
SAMPLE_MESSY = 0.01
SAMPLE_PATH = Path(__file__).parent / "examples" / "synthetic.parquet"

_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQUATOR = 111.320


@cache
def _border_segments() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per segment of the border line: start (lon, lat), step in degrees, step in local km (east, north), length
    in km; and the cumulative lengths (one more entry than segments, from 0)."""
    vertices = shapely.get_coordinates(border_line().simplify(SMOOTHING_DEG))
    start, step = vertices[:-1], np.diff(vertices, axis=0)
    km_per_deg_lon = _KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(start[:, 1] + step[:, 1] / 2))
    km = np.column_stack((step[:, 0] * km_per_deg_lon, step[:, 1] * _KM_PER_DEG_LAT))
    length = np.hypot(km[:, 0], km[:, 1])
    keep = length > 0
    return start[keep], step[keep], km[keep], length[keep], np.concatenate(([0.0], np.cumsum(length[keep])))


def _near_border(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points: uniform along the border line, then up to ``BORDER_BAND_KM`` at right angles to either side."""
    start, step, km, length, cumulative = _border_segments()
    along = rng.random(n) * cumulative[-1]
    segment = np.minimum(np.searchsorted(cumulative, along, side="right") - 1, len(length) - 1)
    on_line = start[segment] + ((along - cumulative[segment]) / length[segment])[:, None] * step[segment]
    lon, lat = on_line[:, 0], on_line[:, 1]
    # Offset along the unit normal (-north, east) / length, in km, converted back to degrees at the border point.
    offset = rng.uniform(-BORDER_BAND_KM, BORDER_BAND_KM, n) / length[segment]
    east, north = km[segment, 0], km[segment, 1]
    return (
        lat + offset * east / _KM_PER_DEG_LAT,
        lon - offset * north / (_KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat))),
    )


def _in_box(rng: np.random.Generator, n: int, box: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    lat_min, lat_max, lon_min, lon_max = box
    return rng.uniform(lat_min, lat_max, n), rng.uniform(lon_min, lon_max, n)


def _pick(
    rng: np.random.Generator, words: Sequence[str | None], n: int, p: Sequence[float] | None = None
) -> pl.Series:
    """``n`` words drawn from ``words`` (with probabilities ``p``; None is null), as a String series."""
    return pl.Series(words, dtype=pl.String).gather(rng.choice(len(words), size=n, p=p))


def _weapon_words() -> tuple[list[str], list[float]]:
    """Catalogue names (catalogue order) and ``unknown``, with the probabilities of the weapon mix."""
    weapons = list(load_catalog())
    us = [w.name for w in weapons if w.suppliers[0] == "US"]
    others = [w.name for w in weapons if w.suppliers[0] != "US"]
    p_unknown = 1.0 - US_SHARE - OTHER_SUPPLIER_SHARE
    p = [US_SHARE / len(us)] * len(us) + [OTHER_SUPPLIER_SHARE / len(others)] * len(others) + [p_unknown]
    return [*us, *others, UNKNOWN], p


def _points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    near_lat, near_lon = _near_border(rng, n)
    theatre_lat, theatre_lon = _in_box(rng, n, THEATRE)
    far_lat, far_lon = _in_box(rng, n, FAR_BOX)
    kind = rng.choice(3, size=n, p=[NEAR_BORDER_SHARE, 1.0 - NEAR_BORDER_SHARE - FAR_SHARE, FAR_SHARE])
    lat = np.choose(kind, [near_lat, theatre_lat, far_lat])
    lon = np.choose(kind, [near_lon, theatre_lon, far_lon])
    return np.round(lat, 5), np.round(lon, 5)


def synthetic_uses(n: int, seed: int = 0, *, messy: float = 0.0) -> pl.DataFrame:
    """``n`` synthetic uses drawn with ``seed``, a fraction ``messy`` of them broken; see the module docstring.

    Raises ``ValueError`` if ``n`` is negative or ``messy`` is outside [0, 1].
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if not 0.0 <= messy <= 1.0:
        raise ValueError(f"messy must be between 0 and 1, got {messy}")
    rng = np.random.default_rng(seed)
    first = (FIRST_DATE - dt.date(1970, 1, 1)).days
    days = rng.integers(first, first + (LAST_DATE - FIRST_DATE).days + 1, size=n, dtype=np.int32)
    lat, lon = _points(rng, n)
    weapons, weapon_p = _weapon_words()
    width = max(6, len(str(n)))
    columns: dict[str, pl.Series] = {
        "id": "syn-" + pl.int_range(1, n + 1, eager=True).cast(pl.String).str.zfill(width),
        "date": pl.Series(days).cast(pl.Date).cast(pl.String),
        "lat": pl.Series(lat),
        "lon": pl.Series(lon),
        "place": pl.Series([None] * n, dtype=pl.String),
        "weapon": _pick(rng, weapons, n, weapon_p),
        "target": _pick(rng, TARGETS, n),
        "purpose": _pick(rng, PURPOSES, n),
        "linked_to_invasion": _pick(rng, FACT_VALUES, n, LINKED_TO_INVASION_P),
    }
    bad = np.zeros(n, dtype=bool)
    if messy > 0:
        columns["lat"] = columns["lat"].cast(pl.String)
        columns["lon"] = columns["lon"].cast(pl.String)
        rows = rng.choice(n, size=round(messy * n), replace=False)
        bad[rows] = True
        defect = rng.integers(len(DEFECTS), size=len(rows))
        for index, changes in enumerate(DEFECTS.values()):
            broken = rows[defect == index]
            for column, values in changes.items():
                columns[column].scatter(broken, _pick(rng, values, len(broken)))
    return pl.DataFrame({name: series.alias(name) for name, series in columns.items()}).with_columns(
        expected_bad=pl.Series(bad)
    )


def write_sample(path: Path | str = SAMPLE_PATH) -> Path:
    """Write the demo's sample (``SAMPLE_ROWS`` rows, ``SAMPLE_SEED``, ``SAMPLE_MESSY``) as Parquet; return its path.

    Run after changing the generator, the catalogue or the vocabularies (a test compares the bundled file with a
    fresh draw): ``python -c "from enduse.synthetic import write_sample; write_sample()"``.
    """
    path = Path(path)
    synthetic_uses(SAMPLE_ROWS, SAMPLE_SEED, messy=SAMPLE_MESSY).write_parquet(path)
    return path
