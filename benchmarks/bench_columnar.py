"""Benchmark: the columnar Cedar evaluator vs cedarpy on enduse's real workload.

The workload is a pack's every version (``--pack``: the founding us-ukraine by default, a bundled pack's
name, or ``all``) with requests shaped like enduse's: a catalogue weapon as principal, a purpose as action, a
target category as resource, and a context {country, region, zones, scopes, linked_to_invasion, approved}. Values
are drawn with a seeded generator from realistic, skewed mixes (common and rare combinations); a place near
the border is inside every zone the pack draws in that country.

All ``--n`` rows go through ``CompiledPolicies.evaluate``; a sample (``--sample`` rows) goes
through ``cedarpy.is_authorized_batch`` with pre-parsed PolicySet/Entities/Schema handles in the
same run, and the sampled results must agree exactly (decision, reasons, erroring policies).
Prints one JSON line per pack version; timings are printed, never asserted.

    python benchmarks/bench_columnar.py --n 1000000 --seed 1 --pack all
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time

import cedarpy
import numpy as np
import polars as pl

import enduse.columnar as columnar
from enduse.catalog import load_catalog
from enduse.columnar import compile_policies, prepare_entities, uid
from enduse.engines import entity_list
from enduse.evaluate import scope_values
from enduse.packs import builtin_names, builtin_path
from enduse.packs.loader import load_pack
from enduse.vocab import TARGETS, UNKNOWN

NS = "Enduse"
PURPOSES = ("intercept", "counter_fire", "preempt_attack", "interdiction")
PURPOSE_W = (0.30, 0.35, 0.12, 0.23)
TARGET_W = {
    "military_forces": 0.20, "artillery": 0.14, "missile_launcher": 0.08, "aircraft": 0.07, "airfield": 0.05,
    "air_defense": 0.06, "command_post": 0.05, "ammunition_depot": 0.06, "military_industry": 0.03,
    "energy_infrastructure": 0.02, "civilian_infrastructure": 0.01, "missile_in_flight": 0.23,
}
# (country, region, zones, weight): where uses happen; zones only across the border from Kharkiv/Sumy
PLACES = [
    ("UA", "UA-63", [], 0.14), ("UA", "UA-59", [], 0.07), ("UA", "UA-14", [], 0.10), ("UA", "UA-09", [], 0.05),
    ("UA", "UA-23", [], 0.06), ("UA", "UA-65", [], 0.04), ("UA", "UA-43", [], 0.03), ("UA", "UA-30", [], 0.02),
    ("UA", "", [], 0.002),
    ("RU", "RU-BEL", ["kharkiv_border"], 0.10), ("RU", "RU-BEL", [], 0.06),
    ("RU", "RU-BEL", ["kharkiv_border", "sumy_border"], 0.02), ("RU", "RU-BEL", ["sumy_border"], 0.01),
    ("RU", "RU-KRS", ["sumy_border"], 0.05), ("RU", "RU-KRS", [], 0.05), ("RU", "RU-BRY", ["sumy_border"], 0.005),
    ("RU", "RU-BRY", [], 0.02), ("RU", "RU-VOR", [], 0.02), ("RU", "RU-ROS", [], 0.02), ("RU", "RU-KDA", [], 0.01),
    ("RU", "RU-MOS", [], 0.003), ("RU", "RU-BEL", ["sumy_border", "kharkiv_border"], 0.001),
    ("BY", "BY-HO", [], 0.02), ("BY", "BY-MI", [], 0.005), ("BY", "BY-BR", [], 0.003),
    ("other", "", [], 0.02), ("other", "PL-LU", [], 0.005), ("other", "MD-CU", [], 0.002),
]


def _later_zones(country: str, region: str, zones: list[str]) -> list[str]:
    """The zones of the later versions at the same place: whole border, Kursk oblast, all of Russia."""
    return zones + (["russia_border"] if zones else []) + (["kursk_oblast"] if region == "RU-KRS" else []) + (
        ["russia_wider_scope"] if country == "RU" else [])


PLACES = [(c, r, _later_zones(c, r, z), w) for c, r, z, w in PLACES]
_ERR_ID = re.compile(r"policy `([^`]*)`")


def entity_items() -> list[dict]:
    """Exactly the entities enduse hands to Cedar."""
    return list(entity_list())


def workload(n: int, seed: int) -> dict[str, np.ndarray]:
    """Index arrays into the vocabularies (weapon, purpose, target, place, linked)."""
    rng = np.random.default_rng(seed)
    weapons = [w.name for w in load_catalog()]
    ww = 1.0 / np.arange(1, len(weapons) + 1) ** 0.9  # a few weapons dominate, others are rare
    tw = np.array([TARGET_W[t] for t in TARGETS if t != UNKNOWN])
    pw = np.array([p[3] for p in PLACES])
    return {
        "weapon": rng.choice(len(weapons), n, p=ww / ww.sum()),
        "purpose": rng.choice(len(PURPOSES), n, p=np.array(PURPOSE_W) / sum(PURPOSE_W)),
        "target": rng.choice(len(tw), n, p=tw / tw.sum()),
        "place": rng.choice(len(PLACES), n, p=pw / pw.sum()),
        "linked": rng.random(n) < 0.85,
        "approved": rng.random(n) < 0.5,
        "scopes": rng.integers(0, 256, n),  # bit j: whether the pack's j-th scope holds, where its assumption is vague
    }


def _scopes(pack, mask: int) -> list[str]:
    """The scopes that hold, as enduse asks: those its assumptions put in, and vague ones either way (bit j)."""
    values = scope_values(pack)
    return [scope for j, scope in enumerate(pack.scopes) if values[scope] == [True] or len(values[scope]) > 1 and mask >> j & 1]


def places_for(pack) -> list[tuple[str, str, list[str], float]]:
    """``PLACES`` with the pack's own zones: a place in some zone of the founding pack is in each of ``pack``'s
    zones of its country."""
    if pack.name == "us-ukraine":
        return PLACES
    return [(c, r, [name for name, zone in pack.zones.items() if zone.country == c] if z else [], w) for c, r, z, w in PLACES]


def frame_of(idx: dict[str, np.ndarray], places: list, pack) -> pl.DataFrame:
    weapons = pl.Series([uid(f"{NS}::Weapon", w.name) for w in load_catalog()], dtype=pl.String)
    actions = pl.Series([uid(f"{NS}::Action", p) for p in PURPOSES], dtype=pl.String)
    targets = pl.Series([uid(f"{NS}::Target", t) for t in TARGETS if t != UNKNOWN], dtype=pl.String)
    country = pl.Series([p[0] for p in places], dtype=pl.String)
    region = pl.Series([p[1] for p in places], dtype=pl.String)
    zones = pl.Series([p[2] for p in places], dtype=pl.List(pl.String))
    place = pl.Series(idx["place"], dtype=pl.UInt32)
    ctx = pl.DataFrame(
        {
            "country": country.gather(place),
            "region": region.gather(place),
            "zones": zones.gather(place),
            "scopes": pl.Series([_scopes(pack, m) for m in range(256)], dtype=pl.List(pl.String)).gather(
                pl.Series(idx["scopes"], dtype=pl.UInt32)),
            "linked_to_invasion": pl.Series(idx["linked"], dtype=pl.Boolean),
            "approved": pl.Series(idx["approved"], dtype=pl.Boolean),
        }
    ).to_struct("context")
    return pl.DataFrame(
        {
            "principal": weapons.gather(pl.Series(idx["weapon"], dtype=pl.UInt32)),
            "action": actions.gather(pl.Series(idx["purpose"], dtype=pl.UInt32)),
            "resource": targets.gather(pl.Series(idx["target"], dtype=pl.UInt32)),
            "context": ctx,
        }
    )


def requests_of(idx: dict[str, np.ndarray], rows: np.ndarray, places: list, pack) -> list[dict]:
    weapons = [w.name for w in load_catalog()]
    targets = [t for t in TARGETS if t != UNKNOWN]
    out = []
    for i in rows.tolist():
        country, region, zones, _ = places[idx["place"][i]]
        out.append(
            {
                "principal": {"type": f"{NS}::Weapon", "id": weapons[idx["weapon"][i]]},
                "action": {"type": f"{NS}::Action", "id": PURPOSES[idx["purpose"][i]]},
                "resource": {"type": f"{NS}::Target", "id": targets[idx["target"][i]]},
                "context": {"country": country, "region": region, "zones": list(zones),
                            "scopes": _scopes(pack, int(idx["scopes"][i])),
                            "linked_to_invasion": bool(idx["linked"][i]), "approved": bool(idx["approved"][i])},
            }
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="rows evaluated by the columnar evaluator")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sample", type=int, default=20_000, help="rows also evaluated by cedarpy")
    ap.add_argument("--repeat", type=int, default=3, help="columnar timing runs (the median is reported)")
    ap.add_argument("--pack", default="us-ukraine", help="a bundled pack's name, or all")
    ap.add_argument("--rows-only", action="store_true",
                    help="disable the distinct-request path (the evaluator's row-by-row path, for comparison)")
    args = ap.parse_args()
    if args.rows_only:
        columnar.DEDUP_MIN_ROWS = 10**12

    items = entity_items()
    store = prepare_entities(items)
    cedar_entities = cedarpy.Entities.from_json_str(json.dumps(items))
    idx = workload(args.n, args.seed)
    sample = np.random.default_rng(args.seed + 1).choice(args.n, min(args.sample, args.n), replace=False)
    sample.sort()
    ok = True
    for name in builtin_names() if args.pack == "all" else [args.pack]:
        ok &= bench_pack(load_pack(builtin_path(name)), idx, sample, store, cedar_entities, args)
    return 0 if ok else 1


def bench_pack(pack, idx: dict[str, np.ndarray], sample: np.ndarray, store, cedar_entities, args) -> bool:
    """Print one line per version of ``pack``; whether every sampled result agreed with cedarpy's."""
    places = places_for(pack)
    frame = frame_of(idx, places, pack)
    distinct = frame.unique().height
    requests = requests_of(idx, sample, places, pack)
    ok = True
    for version_id in pack.version_ids:
        version = pack.version(version_id)
        compiled = compile_policies(version.policy_text)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = compiled.evaluate(frame, store)
            times.append(time.perf_counter() - t0)
        t_col = statistics.median(times)

        t0 = time.perf_counter()
        res = cedarpy.is_authorized_batch(requests, version.policy_set, cedar_entities, pack.schema)
        t_ced = time.perf_counter() - t0

        got = out[sample.tolist()]
        mismatches = 0
        first = None
        for req, r, (d, rs, es) in zip(requests, res, got.iter_rows()):
            errs = {m.group(1) for e in r.diagnostics.errors for m in [_ERR_ID.search(e)] if m}
            exp = (r.decision.value, frozenset(r.diagnostics.reasons), frozenset(errs))
            if len(errs) != len(r.diagnostics.errors) or exp != (d, frozenset(rs), frozenset(es)):
                mismatches += 1
                first = first or {"request": req, "cedar": repr(exp), "columnar": repr((d, rs, es))}
        ok &= mismatches == 0
        col_rps = args.n / t_col
        ced_rps = len(requests) / t_ced
        line = {
            "pack": pack.name,
            "version": version_id,
            "path": "rows" if args.rows_only else "auto",
            "rows": args.n,
            "distinct_requests": distinct,
            "columnar_s": round(t_col, 4),
            "columnar_runs_s": [round(t, 4) for t in times],
            "columnar_rows_per_s": round(col_rps),
            "cedarpy_rows": len(requests),
            "cedarpy_s": round(t_ced, 4),
            "cedarpy_rows_per_s": round(ced_rps),
            "speedup": round(col_rps / ced_rps, 1),
            "allow_share": round(float((out["decision"] == "Allow").mean()), 4),
            "sample_mismatches": mismatches,
        }
        if first:
            line["first_mismatch"] = first
        print(json.dumps(line), flush=True)
    return ok


if __name__ == "__main__":
    sys.exit(main())
