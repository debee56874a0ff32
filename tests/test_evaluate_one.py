"""``decide_one`` gives exactly the row the table path keeps in the memo for the same normalised situation.

Random situations (a seeded generator; ``ENDUSE_DIFF_N`` raises how many) of every version of every bundled pack,
and dates before the first version: catalogued and unknown weapons, targets and purposes, every country, regions,
every band of every zone, stated and unknown facts, and packs whose assumptions are changed to vague. Each is
normalised by the pack's plan, then decided by ``decide_one`` and by ``enduse.evaluate.remember`` (the cedar and the
columnar engine), and the rows must be equal, column by column.
"""

from __future__ import annotations

import os
import random

import polars as pl
import pytest

from enduse.catalog import load_catalog
from enduse.engines import ENGINES
from enduse.enrich import BAND
from enduse.evaluate import remember
from enduse.evaluate_one import decide_one, dimensions
from enduse.geo.boundaries import region_names
from enduse import load_pack
from enduse.packs import builtin_names
from enduse.packs.params import with_params
from enduse.plan import compile_plan
from enduse.uses import FACT
from enduse.vocab import PURPOSES, TARGETS, UNKNOWN
from enduse.zones import Band

N = int(os.environ.get("ENDUSE_DIFF_N", "2000"))
WEAPONS = [w.name for w in load_catalog()]
REGIONS = sorted(region_names())


def _situation(rng: random.Random, pack, versions: list[str | None]) -> dict[str, str | None]:
    pick = lambda values, unknown=0.3: UNKNOWN if rng.random() < unknown else rng.choice(values)  # noqa: E731
    return {
        "__version": rng.choice(versions),
        "__weapon": pick(WEAPONS),
        "__target": pick(TARGETS),
        "__purpose": pick(PURPOSES),
        "__country": rng.choice(["RU", "UA", "BY", "other"]),
        "__region": rng.choice([None, *REGIONS]),
        **{BAND + zone: rng.choice([band.value for band in Band]) for zone in pack.zones},
        **{FACT + fact: rng.choice(["yes", "no", UNKNOWN]) for fact in pack.facts},
    }


def _vague(pack):
    """The pack with every scope assumption changed to ``vague``: the most completions a situation can have."""
    scopes = {name: "vague" for name in pack.scopes}
    return with_params(pack, scopes)


@pytest.mark.parametrize("name", builtin_names())
@pytest.mark.parametrize("variant", ["bundled", "vague"])
def test_decide_one_equals_the_table_path(name: str, variant: str) -> None:
    pack = load_pack(name)
    pack = _vague(pack) if variant == "vague" else pack
    plan = compile_plan(pack)
    keys = list(plan.keys)
    rng = random.Random(f"one:{name}:{variant}")
    versions = [None, *pack.version_ids]
    distinct = {plan.key(_situation(rng, pack, versions)) for _ in range(max(60, N // 10))}
    situations = [dict(zip(keys, key, strict=True)) for key in sorted(distinct, key=repr)]
    frame = pl.DataFrame([list(key.values()) for key in situations], schema=dict.fromkeys(keys, pl.String), orient="row")
    one = [decide_one(plan, situation) for situation in situations]
    assert sum(row is not None for row in one) > 0.5 * len(one), "most situations should be decided one by one"
    for engine in ("cedar", "columnar"):
        table = remember(frame, plan, ENGINES[engine], None)
        assert table.columns == list(next(row for row in one if row is not None))
        by_key = {tuple(row[k] for k in keys): row for row in table.iter_rows(named=True)}
        for situation, row in zip(situations, one, strict=True):
            if row is not None:
                assert row == by_key[tuple(situation.values())], (engine, situation)


def test_situations_with_many_completions_are_left_to_the_table_path() -> None:
    """``decide_one`` declines a situation with more completions than a small frame, rather than send cedarpy
    hundreds of requests one situation at a time."""
    pack = load_pack("us-ukraine")
    plan = compile_plan(pack)
    every = {key: UNKNOWN for key in plan.keys} | {"__version": pack.version_ids[-1], "__country": "RU", "__region": None}
    every |= {BAND + zone: Band.VAGUE.value for zone in pack.zones}
    few = every | {"__weapon": "HIMARS", "__target": "artillery", "__purpose": "counter_fire"}
    few |= {BAND + zone: Band.INSIDE.value for zone in pack.zones} | {FACT + fact: "yes" for fact in pack.facts}
    assert decide_one(plan, every) is None
    assert decide_one(plan, few) is not None
    assert all(len(values) == 1 for name, values in dimensions(plan, few).items() if name not in pack.scopes)
