"""Each rule of the founding report, on both sides of its boundary."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enduse import Verdict, load_pack
from enduse.evaluate import MASKED_FLAGS, names_where
from enduse.packs import builtin_names


def ids(decision):
    return [c.id for c in decision.clauses]


def test_change_of_30_may_2024(judge):
    before = judge(at="Shebekino", date="2024-05-29")
    after = judge(at="Shebekino", date="2024-05-30")
    assert (before.version, before.verdict) == ("baseline", Verdict.FORBIDDEN)
    assert ids(before) == ["no-strikes-in-russia"]
    assert (after.version, after.verdict) == ("kharkiv", Verdict.ALLOWED)
    assert ids(after) == ["counter-fire"]
    assert after.clauses[0].sources[0][1].outlet == "Politico via Reuters"


@pytest.mark.parametrize("day", ["2023-01-10", "2024-06-05"])
def test_ukrainian_territory_including_occupied_areas(judge, day):
    decision = judge(at="Donetsk", date=day, target="ammunition_depot", purpose="interdiction")
    assert decision.facts.country == "UA" and decision.facts.region == "UA-14"
    assert decision.verdict is Verdict.ALLOWED and ids(decision) == ["ukrainian-territory"]


def test_crimea_is_ukraine(judge):
    decision = judge(lat=44.6, lon=33.52, date="2023-06-01", target="command_post", purpose="interdiction")
    assert decision.facts.country == "UA" and decision.verdict is Verdict.ALLOWED


@pytest.mark.parametrize(
    ("target", "purpose", "verdict"),
    [
        ("artillery", "counter_fire", Verdict.ALLOWED),
        ("military_forces", "preempt_attack", Verdict.ALLOWED),
        ("command_post", "counter_fire", Verdict.ALLOWED),
        ("ammunition_depot", "counter_fire", Verdict.FORBIDDEN),
        ("military_industry", "preempt_attack", Verdict.FORBIDDEN),
        ("artillery", "interdiction", Verdict.FORBIDDEN),
        ("energy_infrastructure", "counter_fire", Verdict.FORBIDDEN),
    ],
)
def test_counter_fire_targets_and_purposes(judge, target, purpose, verdict):
    assert judge(at="Shebekino", target=target, purpose=purpose).verdict is verdict


def test_near_the_border_bands_follow_the_assumptions(judge):
    no_sumy = {"sumy_in_may_2024_scope": "out"}
    base = judge(at="Belgorod", params=no_sumy)
    distance = base.facts.border_distance_km
    assert base.verdict is Verdict.ALLOWED and "kharkiv_border" in base.facts.zones
    inside = judge(at="Belgorod", params={**no_sumy, "near_border_inside_km": str(distance + 1)})
    vague = judge(at="Belgorod", params={**no_sumy, "near_border_inside_km": str(distance - 1)})
    outside = judge(at="Belgorod", params={**no_sumy, "near_border_inside_km": str(distance - 2),
                                           "near_border_outside_km": str(distance - 1)})
    assert inside.verdict is Verdict.ALLOWED
    assert vague.verdict is Verdict.INDETERMINATE and vague.missing == ("zone:kharkiv_border",)
    assert "near_border_inside_km" in vague.explanation
    assert outside.verdict is Verdict.FORBIDDEN and ids(outside) == []
    assert outside.explanation == "no clause permits this use"
    assert vague.assumptions["near_border_inside_km"] == pytest.approx(distance - 1)


def test_far_from_the_border_is_outside(judge):
    decision = judge(at="Voronezh")
    assert decision.facts.zones == () and decision.facts.vague_zones == ()
    assert decision.verdict is Verdict.FORBIDDEN


def test_intercept_missiles_aimed_at_kharkiv(judge):
    inside = judge(at="Shebekino", target="missile_in_flight", purpose="intercept")
    outside = judge(at="Voronezh", target="missile_in_flight", purpose="intercept")
    assert inside.verdict is Verdict.ALLOWED and ids(inside) == ["intercept-missiles"]
    assert outside.verdict is Verdict.FORBIDDEN


def test_bombers_preparing_attacks(judge):
    assert ids(judge(at="Belgorod", target="aircraft", purpose="preempt_attack")) == ["bombers"]
    assert judge(at="Belgorod", target="airfield", purpose="preempt_attack").verdict is Verdict.FORBIDDEN


def test_air_defence_over_russia(judge):
    patriot = judge(at="Kursk", weapon="Patriot", target="aircraft", purpose="intercept")
    himars = judge(at="Kursk", weapon="HIMARS", target="aircraft", purpose="intercept")
    before = judge(at="Kursk", weapon="Patriot", target="aircraft", purpose="intercept", date="2024-05-29")
    assert patriot.verdict is Verdict.ALLOWED and ids(patriot) == ["air-defence-over-russia"]
    assert himars.verdict is Verdict.FORBIDDEN
    assert before.verdict is Verdict.FORBIDDEN


def test_never_civilian_infrastructure(judge):
    decision = judge(at="Shebekino", target="civilian_infrastructure")
    assert decision.verdict is Verdict.FORBIDDEN and ids(decision) == ["no-civilian-infrastructure"]
    assert "overrides" in decision.explanation


def test_no_atacms_inside_russia(judge):
    russia = judge(at="Shebekino", weapon="ATACMS")
    ukraine = judge(at="Donetsk", weapon="ATACMS")
    assert russia.verdict is Verdict.FORBIDDEN and ids(russia) == ["no-long-range-in-russia"]
    assert ukraine.verdict is Verdict.ALLOWED


@pytest.mark.parametrize(("value", "verdict"), [("yes", Verdict.ALLOWED), ("no", Verdict.FORBIDDEN), ("unknown", Verdict.INDETERMINATE)])
def test_only_targets_linked_to_the_invasion(judge, value, verdict):
    decision = judge(at="Shebekino", facts={"linked_to_invasion": value})
    assert decision.verdict is verdict
    assert decision.missing == (("linked_to_invasion",) if value == "unknown" else ())
    assert "assume_linked_to_invasion" not in decision.assumptions


def test_default_for_linked_is_a_named_assumption(judge):
    presumed = judge(at="Shebekino")
    strict = judge(at="Shebekino", params={"assume_linked_to_invasion": "unknown"})
    assert presumed.assumptions["assume_linked_to_invasion"] == "yes"
    assert strict.verdict is Verdict.INDETERMINATE and strict.missing == ("linked_to_invasion",)


@pytest.mark.parametrize(("scope", "verdict"), [("vague", Verdict.INDETERMINATE), ("in", Verdict.ALLOWED), ("out", Verdict.FORBIDDEN)])
def test_sumy_border_in_may_2024_is_vague(judge, scope, verdict):
    decision = judge(at="Tyotkino", target="military_forces", purpose="preempt_attack", params={"sumy_in_may_2024_scope": scope})
    assert "kharkiv_border" not in decision.facts.zones + decision.facts.vague_zones
    assert decision.verdict is verdict
    if verdict is Verdict.INDETERMINATE:
        assert decision.missing == ("zone:sumy_border",)
        assert "sumy_in_may_2024_scope" in decision.explanation


def test_weapon_of_another_supplier_is_not_governed(judge):
    decision = judge(at="Shebekino", weapon="Storm Shadow")
    assert decision.verdict is Verdict.NOT_GOVERNED and decision.facts.weapon_supplier == "GB"


def test_before_the_first_version_is_not_governed(judge):
    decision = judge(at="Donetsk", date="2021-01-01")
    assert decision.verdict is Verdict.NOT_GOVERNED and decision.version is None


def test_unknown_target_explores_every_target(judge):
    decision = judge(at="Shebekino", target="unknown")
    assert decision.verdict is Verdict.INDETERMINATE and decision.missing == ("target",)
    assert {"counter-fire", "no-civilian-infrastructure"} <= set(ids(decision))


def test_unknown_that_does_not_matter_is_not_missing(judge):
    decision = judge(at="Donetsk", target="unknown", purpose="unknown")
    assert decision.verdict is Verdict.ALLOWED and decision.missing == ()


def test_unknown_weapon_is_indeterminate(judge):
    decision = judge(at="Shebekino", weapon="unknown")
    assert decision.verdict is Verdict.INDETERMINATE and "weapon" in decision.missing


def test_version_can_be_forced_by_id_or_date(judge):
    assert judge(at="Shebekino", version="baseline").version == "baseline"
    assert judge(at="Shebekino", date="2024-01-01", version="2024-06-01").version == "kharkiv"


def test_forbidden_because_nothing_permits_is_not_blamed_on_a_forbid(judge):
    decision = judge(at="Belgorod", target="energy_infrastructure", facts={"linked_to_invasion": "unknown"})
    assert decision.verdict is Verdict.FORBIDDEN and decision.missing == ()
    assert ids(decision) == [] and decision.explanation == "no clause permits this use"


def test_forbidden_by_the_same_clause_whatever_the_unknowns(judge):
    decision = judge(at="Shebekino", weapon="ATACMS", target="unknown", purpose="unknown")
    assert decision.verdict is Verdict.FORBIDDEN and ids(decision) == ["no-long-range-in-russia"]


@pytest.mark.parametrize("name", builtin_names())
def test_situations_merged_on_what_their_version_reads_decide_as_before(name):
    """Deciding one situation for all that differ only in what their version never reads or names (weapons,
    targets, purposes, regions), and exploring unknowns over one value of each kind, changes no row: the same
    table decided by a plan that merges nothing gives the same decisions."""
    import dataclasses

    import polars as pl

    from enduse.engines import ENGINES
    from enduse.enrich import enrich_frame
    from enduse.evaluate import _dimensions, decide_frame, with_versions
    from enduse.plan import compile_plan
    from enduse.synthetic import synthetic_uses
    from enduse.uses import validate_uses

    pack = load_pack(name)
    uses = synthetic_uses(4_000, seed=11)
    valid, _ = validate_uses(uses, [f for f in pack.facts if f in uses.columns])
    situations, _ = enrich_frame(valid, pack)
    columns = ["__verdict", "__clauses", "__missing", "__errors", "__version"]
    plan = compile_plan(pack)
    plain = dataclasses.replace(plan, classes={}, reading={}, constants={}, normal={}, dimensions=_dimensions(pack, {}))
    merged = decide_frame(situations, pack, ENGINES["columnar"], plan=plan)
    one_by_one = decide_frame(situations, pack, ENGINES["columnar"], plan=plain)
    assert merged.select(columns).equals(one_by_one.select(columns))
    dated = with_versions(situations, pack)
    keys = dated.select(plan.keys).n_unique()
    assert dated.select(plan.normal.get(k, pl.col(k)) for k in plan.keys).n_unique() < keys, "nothing was merged"
    assert merged["__version"].n_unique() >= min(2, len(pack.versions))


def test_a_shared_memo_keeps_each_situation_once_and_judges_alike_from_threads():
    """Checks in several threads share a judge's memo (the server): a situation decided by two threads at once is
    kept once, so no later table join duplicates a row, and every thread gets the single-threaded decisions."""
    from concurrent.futures import ThreadPoolExecutor

    import polars as pl

    from enduse.evaluate import Memo
    from enduse.judge import Judge

    memo = Memo(("k",))
    first = pl.DataFrame({"k": ["a", "b"], "verdict": ["ALLOWED", "FORBIDDEN"]})
    assert memo.keep(first).height == 2
    again = pl.DataFrame({"k": ["b", "c"], "verdict": ["FORBIDDEN", "ALLOWED"]})  # "b" decided meanwhile elsewhere
    assert sorted(memo.keep(again)["k"]) == ["a", "b", "c"]

    uses = [{"date": f"2024-06-{day:02d}", "place": place, "weapon": "HIMARS", "target": "artillery",
             "purpose": "counter_fire"} for day in range(1, 29) for place in ("Shebekino", "Belgorod", "Kursk")]
    expected = [d.to_json() for d in Judge.create().uses(uses)]
    shared = Judge.create()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda use: shared.uses([use])[0].to_json(), uses))
    assert answers == expected
    for memo in shared.memos.values():
        if memo.table is not None:
            keys = [c for c in memo.table.columns if c not in
                    {"verdict", "clauses", "missing", "errors", "confidence", "zones", "vague_zones"}]
            assert memo.table.select(keys).is_duplicated().sum() == 0


@settings(max_examples=60, deadline=None)
@given(st.integers(0, MASKED_FLAGS + 2).flatmap(
    lambda n: st.lists(st.lists(st.sampled_from([True, False, None]), min_size=n, max_size=n), min_size=1, max_size=40)))
def test_names_where_lists_the_names_whose_flags_hold_in_order(rows):
    n = len(rows[0])
    names = [f"z{i}" for i in range(n)]
    frame = pl.DataFrame([[i, *row] for i, row in enumerate(rows)], schema={"i": pl.Int64, **dict.fromkeys(names, pl.Boolean)},
                         orient="row")
    got = frame.with_columns(names_where([(name, pl.col(name)) for name in names]).alias("l"))["l"].to_list()
    assert got == [[name for name, flag in zip(names, row) if flag] for row in rows]


def test_a_memo_fed_by_tables_and_single_situations_keeps_each_once_and_finds_every_one():
    """Replays of two interleavings of the server's threads: a table kept between a check's lookup and its
    ``keep_one``, and single rows folded in after table rows not yet indexed. No situation is lost to ``lookup``, and
    none is kept twice (which would double the rows of every use in it at the next join)."""
    import polars as pl

    from enduse.engines import ENGINES
    from enduse.evaluate import Memo, remember
    from enduse.evaluate_one import decide_one
    from enduse.plan import compile_plan

    pack = load_pack("us-ukraine")
    plan = compile_plan(pack)
    keys = list(plan.keys)

    def key(version: str, weapon: str) -> tuple:
        raw = dict.fromkeys(keys) | {"__version": version, "__weapon": weapon, "__target": "artillery",
                                     "__purpose": "counter_fire", "__country": "RU"}
        raw |= {k: "outside" for k in keys if k.startswith("__band:")} | {k: "yes" for k in keys if k.startswith("__fact:")}
        return plan.key(raw)

    def table(*situations: tuple) -> pl.DataFrame:
        return pl.DataFrame([list(s) for s in situations], schema=dict.fromkeys(keys, pl.String), orient="row")

    def one(situation: tuple) -> dict:
        return decide_one(plan, dict(zip(keys, situation, strict=True)))

    def count(memo: Memo, situation: tuple) -> int:
        return memo.table.filter(pl.all_horizontal(pl.col(k).eq_missing(v) for k, v in zip(keys, situation))).height

    versions = pack.version_ids
    cedar = ENGINES["cedar"]
    raced = key(versions[1], "HIMARS")
    memo = Memo(plan.keys)
    remember(table(key(versions[0], "HIMARS")), plan, cedar, memo)
    assert memo.lookup(raced) is None  # a check misses ...
    remember(table(raced), plan, cedar, memo)  # ... another thread's table keeps it ...
    memo.keep_one(raced, one(raced))  # ... and the check keeps its own decision
    assert count(memo, raced) == 1

    memo = Memo(plan.keys)
    first, *later = [key(v, "HIMARS") for v in versions[:3]]
    remember(table(first), plan, cedar, memo)
    memo.lookup(first)
    remember(table(*later), plan, cedar, memo)  # rows not indexed yet
    single = key(versions[-1], "ATACMS")
    memo.keep_one(single, one(single))
    assert memo.table.height == 4
    for situation in (first, *later, single):
        assert memo.lookup(situation) is not None
        assert count(memo, situation) == 1


def test_a_memo_keeps_only_the_situations_of_its_own_plan():
    """A memo is keyed by one plan's columns: handing it another plan's situations is refused, not mixed in."""
    from enduse.engines import ENGINES
    from enduse.evaluate import Memo, remember
    from enduse.plan import compile_plan

    us, de = compile_plan(load_pack("us-ukraine")), compile_plan(load_pack("de-ukraine"))
    assert us.keys != de.keys
    distinct = pl.DataFrame(schema=dict.fromkeys(de.keys, pl.String))
    with pytest.raises(ValueError, match="cannot keep"):
        remember(distinct, de, ENGINES["cedar"], Memo(us.keys))
