"""The judge: each use routed to its supplier's pack, candidates combined, one pipeline for tables and single uses."""

from __future__ import annotations

import datetime as dt
import pickle

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enduse import Verdict
from enduse.catalog import load_catalog
from enduse.errors import InputError
import enduse.judge as judge_module
from enduse.judge import Judge
from enduse.packs.registry import bundled, pack_set
from enduse.synthetic import synthetic_uses
from enduse.uses import Use
from enduse.vocab import PURPOSES, TARGETS

SEVERAL = [w.name for w in load_catalog() if len(w.suppliers) > 1]
PLACES = ["Shebekino", "Sudzha", "Kursk", "Lgov", "Belgorod", "Bryansk", "Voronezh", "Kharkiv", "Sevastopol", "Moscow"]
DAYS = ["2023-01-10", "2024-05-29", "2024-06-05", "2024-08-20", "2024-11-25", "2025-01-10", "2025-06-30"]


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge.create(engine="cedar")


def use(**fields):
    return {"date": "2024-06-05", "place": "Shebekino", "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire",
            **fields}


def test_a_weapon_with_one_supplier_is_judged_by_that_suppliers_pack(judge):
    decision = judge.uses([use()])[0]
    assert (decision.verdict, decision.pack, decision.supplier) == (Verdict.ALLOWED, "us-ukraine", "US")
    assert decision.candidates == () and decision.to_json()["candidates"] == []


def test_a_stated_supplier_chooses_the_pack(judge):
    decision = judge.uses([use(weapon="Patriot", supplier="us", target="aircraft", purpose="intercept")])[0]
    assert (decision.pack, decision.supplier, decision.verdict) == ("us-ukraine", "US", Verdict.ALLOWED)


def test_a_supplier_without_a_pack_is_not_governed_and_says_so(judge):
    decision = judge.uses([use(weapon="Neptune")])[0]
    assert decision.verdict is Verdict.NOT_GOVERNED and decision.pack is None and decision.supplier == "UA"
    assert "no bundled pack governs UA-supplied weapons" in decision.explanation


def test_a_forced_pack_does_not_govern_another_suppliers_weapon():
    decision = Judge.create("us-ukraine", engine="cedar").uses([use(weapon="Neptune")])[0]
    assert decision.verdict is Verdict.NOT_GOVERNED
    assert decision.explanation == "Neptune is supplied by UA; us-ukraine governs US-supplied weapons"


@pytest.mark.parametrize("weapon", SEVERAL)
def test_several_candidates_agree_or_the_supplier_is_missing(judge, weapon):
    suppliers = load_catalog()[weapon].suppliers
    for raw in (use(weapon=weapon), use(weapon=weapon, place="Kharkiv"), use(weapon=weapon, target="civilian_infrastructure")):
        combined = judge.uses([raw])[0]
        each = judge.uses([{**raw, "supplier": s} for s in suppliers])
        assert [c.supplier for c in combined.candidates] == list(suppliers)
        assert [c.verdict for c in combined.candidates] == [d.verdict for d in each]
        verdicts = {d.verdict for d in each}
        if len(verdicts) == 1:
            assert combined.verdict in verdicts and "supplier" not in combined.missing
        else:
            assert combined.verdict is Verdict.INDETERMINATE and combined.missing[0] == "supplier"
        assert combined.pack is None and combined.version is None


@settings(max_examples=40, deadline=None)
@given(weapon=st.sampled_from([*SEVERAL, "unknown"]), place=st.sampled_from(PLACES), day=st.sampled_from(DAYS),
       target=st.sampled_from(TARGETS), purpose=st.sampled_from(PURPOSES))
def test_an_ambiguous_supplier_is_never_more_permissive_than_its_strictest_candidate(judge, weapon, place, day, target, purpose):
    combined = judge.uses([use(weapon=weapon, place=place, date=day, target=target, purpose=purpose)])[0]
    if combined.candidates and combined.verdict is Verdict.ALLOWED:
        assert all(c.verdict is Verdict.ALLOWED for c in combined.candidates)
    if combined.candidates and len({c.verdict for c in combined.candidates}) > 1:
        assert combined.verdict is Verdict.INDETERMINATE


def test_the_table_path_gives_what_single_uses_give():
    frame = synthetic_uses(300, seed=21).with_columns(
        pl.when(pl.int_range(pl.len()) % 3 == 0).then(pl.lit("US")).otherwise(None).alias("supplier"))
    judge = Judge.create(engine="columnar")
    judged = judge.table(frame)
    assert judged.rows.height + judged.rejects.height == frame.height
    singles = Judge.create(engine="cedar").uses([
        {k: row[k] for k in ("date", "lat", "lon", "weapon", "supplier", "target", "purpose")}
        | {"facts": {"linked_to_invasion": row["linked_to_invasion"]}} for row in frame.iter_rows(named=True)])
    by_row = {row["__row"]: row for row in judged.rows.iter_rows(named=True)}
    for number, single in enumerate(singles, start=1):
        row = by_row[number]
        assert (single.verdict.value, single.pack, single.version) == (row["__verdict"], row["__pack"], row["__version"])
        assert sorted(c.id for c in single.clauses) == sorted(row["__clauses"]) and list(single.missing) == row["__missing"]


def test_packs_judging_in_parallel_give_the_tables_they_give_one_after_another(monkeypatch):
    frame = synthetic_uses(3_000, seed=5).with_columns(
        pl.when(pl.int_range(pl.len()) % 4 == 0).then(pl.lit("unknown")).otherwise(pl.col("weapon")).alias("weapon"))
    tables = {}
    for label, limit in (("parallel", 0), ("sequential", 10**12)):
        monkeypatch.setattr(judge_module, "PARALLEL_MIN_ROWS", limit)
        monkeypatch.setattr(judge_module, "usable_cores", lambda: 2)
        judged = Judge.create(engine="columnar").table(frame)
        tables[label] = (judged.rows, judged.candidates.collect(), judged.rejects)
    assert tables["parallel"][0]["__pack"].n_unique() > 5  # several packs, so several threads judged
    for parallel, sequential in zip(tables["parallel"], tables["sequential"], strict=True):
        assert parallel.equals(sequential)


@pytest.mark.parametrize("supplier", [None, "", "unknown"])
def test_a_supplier_not_stated_is_judged_alike_on_both_paths(judge, supplier):
    use = Use(date=dt.date(2024, 6, 1), weapon="HIMARS", target="artillery", purpose="counter_fire", lat=50.0, lon=36.2,
              supplier=supplier)
    scalar, table = judge.uses([use])[0], judge.uses([use], scalar=False)[0]
    assert (scalar.verdict, scalar.supplier, scalar.pack) == (table.verdict, table.supplier, table.pack) == (
        Verdict.ALLOWED, "US", "us-ukraine")


def test_params_go_to_the_packs_that_have_them():
    changed = pack_set(None, {"near_border_inside_km": "5", "us-ukraine:near_border_outside_km": "10"})
    us = changed.for_supplier("US")
    assert (us.param("near_border_inside_km"), us.param("near_border_outside_km")) == (5.0, 10.0)
    assert us.overrides == {"near_border_inside_km": "5", "near_border_outside_km": "10"}
    with pytest.raises(InputError, match="no pack has a parameter 'near_border_inside'; did you mean near_border_inside_km"):
        pack_set(None, {"near_border_inside": "5"})
    with pytest.raises(InputError, match="no pack 'xx-ukraine'"):
        pack_set(None, {"xx-ukraine:near_border_inside_km": "5"})


def test_a_judge_travels_with_its_assumptions():
    judge = Judge.create(None, {"near_border_inside_km": "5", "near_border_outside_km": "10"})
    rebuilt = pickle.loads(pickle.dumps(judge.spec)).build()
    assert rebuilt.packs.for_supplier("US").parameters == judge.packs.for_supplier("US").parameters
    assert [p.name for p in rebuilt.packs.packs] == [p.name for p in bundled().packs] and not rebuilt.packs.forced


def test_unknown_facts_fail_their_use_alone(judge):
    results = judge.uses([use(facts={"linked_to_invasoin": "no"}), use()])
    assert isinstance(results[0], InputError) and "did you mean linked_to_invasion" in str(results[0])
    assert results[1].verdict is Verdict.ALLOWED


def test_adding_a_supplier_is_adding_a_pack_directory(pack_copy):
    """A copy of the founding pack declared as the UK's: Storm Shadow uses now go to it, with no code changed."""
    manifest = pack_copy / "pack.toml"
    manifest.write_text(manifest.read_text().replace('name = "us-ukraine"', 'name = "xx-test"').replace('supplier = "US"', 'supplier = "GB"'))
    from enduse.packs.registry import PackSet, load_pack

    packs = PackSet((load_pack("us-ukraine"), load_pack(pack_copy)))
    storm_shadow = Judge(packs, engine="cedar").uses([use(weapon="Storm Shadow", target="artillery")])[0]
    assert (storm_shadow.pack, storm_shadow.supplier) == ("xx-test", "GB")
    m270 = Judge(packs, engine="cedar").uses([use(weapon="M270")])[0]
    assert [(c.supplier, c.pack) for c in m270.candidates] == [("US", "us-ukraine"), ("GB", "xx-test")]
    assert m270.verdict is Verdict.ALLOWED  # both packs say the same here
    with pytest.raises(InputError, match="both govern US-supplied weapons"):
        PackSet((load_pack("us-ukraine"), load_pack("us-ukraine")))
