"""The columnar evaluator against cedarpy on enduse's real workload: every bundled pack.

Requests are shaped like enduse's (a catalogue weapon, a purpose, a target category and the
context {country, region, zones, scopes, and the schema's facts}); cedarpy gets the pack's schema,
as enduse passes it. Both the row-by-row path and the deduplicating path (forced on small frames)
must give identical decisions, reasons and erroring policies.
"""

from __future__ import annotations

import json
import random
import re

import cedarpy
import polars as pl
import pytest
from outcomes import cedar_outcomes

import enduse.columnar as columnar
from enduse.catalog import load_catalog
from enduse.columnar import compile_policies, prepare_entities, uid
from enduse.engines import entity_list
from enduse.packs import builtin_names, builtin_path
from enduse.packs.loader import load_pack
from enduse.vocab import TARGETS, UNKNOWN

NS = "Enduse"
PURPOSES = ["intercept", "counter_fire", "preempt_attack", "interdiction"]
COUNTRIES = ["RU", "UA", "BY", "other"]
REGIONS = {"RU": ["RU-BEL", "RU-KRS", "RU-BRY", "RU-MOS", ""], "UA": ["UA-63", "UA-59", "UA-14", "UA-43", ""],
           "BY": ["BY-HO", ""], "other": ["", "PL-LU"]}
PACK = load_pack(builtin_path("us-ukraine"))
VERSIONS = PACK.version_ids
PACKS = {name: load_pack(builtin_path(name)) for name in builtin_names()}
EVERY_VERSION = [(name, v) for name, p in PACKS.items() for v in p.version_ids]
_ERR_ID = re.compile(r"policy `([^`]*)`")


@pytest.fixture(scope="module")
def pack():
    return PACK


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return list(entity_list())


def _requests(seed: str, n: int, pack=PACK) -> list[dict]:
    rnd = random.Random(seed)
    weapons = [w.name for w in load_catalog()]
    targets = [t for t in TARGETS if t != UNKNOWN]
    out = []
    for _ in range(n):
        country = rnd.choices(COUNTRIES, weights=[45, 40, 8, 7])[0]
        names = list(pack.zones) if country == "RU" and rnd.random() < 0.6 else list(pack.zones)[:1]
        zones = rnd.choices(names, k=rnd.choice([0, 0, 1, 2, 3])) if names else []  # repeats allowed: a Set is built from them
        scopes = [s for s in pack.scopes if rnd.random() < 0.5]
        out.append(
            {
                "principal": {"type": f"{NS}::Weapon", "id": rnd.choice(weapons)},
                "action": {"type": f"{NS}::Action", "id": rnd.choice(PURPOSES)},
                "resource": {"type": f"{NS}::Target", "id": rnd.choice(targets)},
                "context": {"country": country, "region": rnd.choice(REGIONS[country]), "zones": zones, "scopes": scopes,
                            **{fact: rnd.random() < 0.7 for fact in pack.context_facts}},
            }
        )
    return out


def _frame(requests: list[dict], pack=PACK) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "principal": [uid(r["principal"]["type"], r["principal"]["id"]) for r in requests],
            "action": [uid(r["action"]["type"], r["action"]["id"]) for r in requests],
            "resource": [uid(r["resource"]["type"], r["resource"]["id"]) for r in requests],
            "context": pl.Series(
                [r["context"] for r in requests],
                dtype=pl.Struct({"country": pl.String, "region": pl.String, "zones": pl.List(pl.String),
                                 "scopes": pl.List(pl.String), **{fact: pl.Boolean for fact in pack.context_facts}}),
            ),
        }
    )


def _cedar(requests: list[dict], version, pack, items) -> list[tuple]:
    ents = cedarpy.Entities.from_json_str(json.dumps(items))
    return cedar_outcomes(cedarpy.is_authorized_batch(requests, version.policy_set, ents, pack.schema))


def _rows(out: pl.DataFrame) -> list[tuple]:
    return [(d, frozenset(r), frozenset(e)) for d, r, e in out.iter_rows()]


@pytest.mark.parametrize("dedup", [False, True], ids=["rows", "dedup"])
@pytest.mark.parametrize(("name", "version_id"), EVERY_VERSION)
def test_pack_matches_cedarpy(name: str, version_id: str, dedup: bool, items, monkeypatch) -> None:
    pack = PACKS[name]
    if dedup:
        monkeypatch.setattr(columnar, "DEDUP_MIN_ROWS", 1)
        monkeypatch.setattr(columnar, "DEDUP_MAX_SHARE", 1.0)
    else:
        monkeypatch.setattr(columnar, "DEDUP_MIN_ROWS", 10**12)
    version = pack.version(version_id)
    requests = _requests(f"pack-{name}-{version_id}", 5000 if name == "us-ukraine" else 1500, pack)
    expected = _cedar(requests, version, pack, items)
    got = _rows(compile_policies(version.policy_text).evaluate(_frame(requests, pack), prepare_entities(items)))
    bad = [(req, e, g) for req, e, g in zip(requests, expected, got) if e != g]
    assert not bad, f"{len(bad)} mismatches, first: {bad[0]}"
    assert {e[0] for e in expected} <= {"Allow", "Deny"} and "Deny" in {e[0] for e in expected}


def test_reads_of_the_pack(pack) -> None:
    base = compile_policies(pack.version("baseline").policy_text).reads
    assert base.entities == frozenset() and base.context == frozenset({"country"})
    kh = compile_policies(pack.version("kharkiv").policy_text).reads
    assert kh.entities == {"principal", "action", "resource"}
    assert kh.context == {"country", "zones", "linked_to_invasion"}


@pytest.mark.parametrize("version_id", VERSIONS)
def test_large_frame_dedup_equals_rows(version_id: str, pack, items, monkeypatch) -> None:
    """Above the automatic threshold the result is the row-by-row result, row for row."""
    requests = _requests(f"large-{version_id}", 3000)
    frame = _frame(requests)
    frame = pl.concat([frame] * 25).sample(fraction=1.0, shuffle=True, seed=3)
    assert frame.height >= columnar.DEDUP_MIN_ROWS
    compiled = compile_policies(pack.version(version_id).policy_text)
    store = prepare_entities(items)
    fast = compiled.evaluate(frame, store)
    monkeypatch.setattr(columnar, "DEDUP_MIN_ROWS", 10**12)
    slow = compiled.evaluate(frame, store)
    assert fast.schema == slow.schema
    assert fast.equals(slow)


def test_unread_uid_columns_are_still_checked(pack, items) -> None:
    """Baseline reads only context.country; malformed principals are refused all the same."""
    requests = _requests("bad-uid", 100)
    frame = pl.concat([_frame(requests)] * 600)
    bad = frame.with_columns(pl.when(pl.int_range(pl.len()) == 7).then(pl.lit("nope")).otherwise("principal").alias("principal"))
    compiled = compile_policies(pack.version("baseline").policy_text)
    with pytest.raises(columnar.Unsupported):
        compiled.evaluate(bad, prepare_entities(items))
