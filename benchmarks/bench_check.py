"""Benchmark: an in-process ``enduse.check`` of a new use against one bare ``cedarpy.is_authorized`` call.

Each of ``--n`` uses is new: a fresh random point around the war, a random date, a weapon of a random pack's
supplier (stated), a known target and purpose. ``check`` runs with the bundled packs (one judge kept across calls,
as for any caller). The baseline is the same use's Cedar request (its version, country, region, zones and the
pack's default facts), given to ``cedarpy.is_authorized`` with the version's pre-parsed policies, the entities and
the schema: the least any Cedar-based check can cost. Prints one JSON line per pack and one for all, with medians
and their ratio (the target is at most 5x); timings are printed, never asserted.

    python benchmarks/bench_check.py --n 10000 --seed 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import time

import cedarpy
import polars as pl

from enduse import check
from enduse.catalog import load_catalog
from enduse.engines import _cedar_entities
from enduse.evaluate import DIM, KNOWN_PURPOSES, KNOWN_TARGETS, _requests
from enduse.packs.registry import pack_set


def _use(rng: random.Random, packs: list, weapons: dict[str, list[str]]) -> tuple[str, dict]:
    pack = rng.choice(packs)
    day = dt.date(2022, 3, 1) + dt.timedelta(days=rng.randrange(1400))
    return pack.name, {
        "date": day.isoformat(), "lat": round(rng.uniform(44.0, 56.0), 6), "lon": round(rng.uniform(30.0, 45.0), 6),
        "weapon": rng.choice(weapons[pack.supplier]), "supplier": pack.supplier,
        "target": rng.choice(KNOWN_TARGETS), "purpose": rng.choice(KNOWN_PURPOSES),
    }


def _request(pack, decision, use: dict) -> dict:
    """The Cedar request of the use as decided: its version's context with the pack's default facts."""
    row = {DIM + "weapon": use["weapon"], DIM + "target": use["target"], DIM + "purpose": use["purpose"],
           "__country": decision.facts.country, "__region": decision.facts.region or "",
           **{DIM + f"zone:{z}": z in decision.facts.zones for z in pack.zones},
           **{DIM + f: str(pack.param(fact.default)) != "no" for f, fact in pack.facts.items()},
           **{DIM + s: False for s in pack.scopes}}
    return _requests(pl.DataFrame([row]), pack).select("principal", "action", "resource", "context").to_dicts()[0]


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    packs = list(pack_set(None).packs)
    weapons = {p.supplier: [w.name for w in load_catalog() if p.supplier in w.suppliers] for p in packs}
    packs = [p for p in packs if weapons[p.supplier]]
    check(_use(rng, packs, weapons)[1])  # the judge is built once per process, as for any caller
    times: dict[str, tuple[list[float], list[float]]] = {p.name: ([], []) for p in packs}
    entities = _cedar_entities()
    for _ in range(args.n):
        name, use = _use(rng, packs, weapons)
        decision = None

        def one(use: dict = use) -> None:
            nonlocal decision
            decision = check(use)

        took = _timed(one)
        pack = next(p for p in packs if p.name == name)
        if decision.version is None:
            continue
        version = pack.version(decision.version)
        request = _request(pack, decision, use)
        bare = _timed(lambda: cedarpy.is_authorized(request, version.policy_set, entities, pack.schema))
        times[name][0].append(took)
        times[name][1].append(bare)
    machine = {"nproc": os.cpu_count(), "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")}
    every = ([t for a, _ in times.values() for t in a], [t for _, b in times.values() for t in b])
    for name, (checks, bares) in [*times.items(), ("all", every)]:
        if not checks:
            continue
        ms_check, ms_bare = statistics.median(checks) * 1e3, statistics.median(bares) * 1e3
        print(json.dumps({"bench": "check", "pack": name, "uses": len(checks), "check_ms_median": round(ms_check, 3),
                          "check_ms_p99": round(sorted(checks)[int(0.99 * (len(checks) - 1))] * 1e3, 3),
                          "cedar_is_authorized_ms_median": round(ms_bare, 3), "ratio": round(ms_check / ms_bare, 2),
                          "target_ratio": 5, **machine}), flush=True)


if __name__ == "__main__":
    main()
