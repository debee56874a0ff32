"""A pack's compiled plan: ``Plan.key`` normalises one situation exactly as the table path's expressions do."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enduse.catalog import load_catalog
from enduse.columns import BAND
from enduse.judge import Judge
from enduse.packs.registry import pack_set
from enduse.plan import compile_plan
from enduse.uses import FACT
from enduse.vocab import FACT_VALUES, PURPOSES, TARGETS
from enduse.zones import Band

PACKS = pack_set(None).packs
PLANS = {pack.name: compile_plan(pack) for pack in PACKS}


def _situation(pack) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({
        "__version": st.sampled_from([None, *pack.version_ids]),
        "__weapon": st.sampled_from([w.name for w in load_catalog()] + ["unknown"]),
        "__target": st.sampled_from(TARGETS),
        "__purpose": st.sampled_from(PURPOSES),
        "__country": st.sampled_from(["RU", "UA", "BY", "other"]),
        "__region": st.sampled_from([None, "RU-BEL", "RU-KRS", "UA-63"]),
        **{BAND + z: st.sampled_from([b.value for b in Band]) for z in pack.zones},
        **{FACT + f: st.sampled_from(FACT_VALUES) for f in pack.facts},
    })


@pytest.mark.parametrize("name", [p.name for p in PACKS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_key_is_the_normalised_row(name: str, data: st.DataObject) -> None:
    plan = PLANS[name]
    rows = data.draw(st.lists(_situation(plan.pack), min_size=1, max_size=20))
    frame = pl.DataFrame(rows, schema={c: pl.String for c in rows[0]})
    normal = frame.select(plan.normal.get(k, pl.col(k)) for k in plan.keys)
    assert [plan.key(row) for row in rows] == list(normal.iter_rows())


def test_a_judge_compiles_each_pack_once_and_only_when_used() -> None:
    judge = Judge.create()
    us = judge.packs.pack("us-ukraine")
    judge.uses([{"date": "2024-07-01", "lat": 50.6, "lon": 36.6, "weapon": "HIMARS", "supplier": "US", "target": "artillery"}])
    assert set(judge._plans) == {"us-ukraine"}
    plan = judge.plan(us)
    judge.uses([{"date": "2024-07-02", "lat": 50.6, "lon": 36.6, "weapon": "HIMARS", "target": "artillery"}] * 100)
    assert judge.plan(us) is plan
    assert set(plan.dimensions) >= {"weapon", "target", "purpose"}
