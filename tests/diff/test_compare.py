"""Comparing versions: clauses, assumptions, zone land and the exhaustive use space."""

from __future__ import annotations

import polars as pl
import pytest
from places import PLACES

from enduse import Verdict, load_pack
from enduse.catalog import load_catalog
from enduse.diff import compare, parse_side
from enduse.diff.areas import zone_changes
from enduse.diff.clauses import assumption_changes, clause_changes
from enduse.diff.space import ANY, space_changes
from enduse.engines import ENGINES
from enduse.enrich import BAND, enrich_frame
from enduse.errors import InputError
from enduse.evaluate import KNOWN_PURPOSES, KNOWN_TARGETS, decide_frame
from enduse.uses import validate_uses


def test_sides_by_id_or_date_and_bad_sides():
    assert parse_side("us-ukraine@2024-05-30").version.id == "kharkiv"
    assert parse_side("@baseline").version.id == "baseline"
    for bad in ("us-ukraine", "us-ukraine@1999-01-01", "us-ukraine@nope", "nopack@kharkiv"):
        with pytest.raises(InputError):
            parse_side(bad)


def test_clauses_added_removed_changed():
    change = clause_changes(parse_side("@baseline"), parse_side("@kharkiv"))
    assert {c["id"] for c in change["removed"]} == {"no-strikes-in-russia"}
    assert {"counter-fire", "no-civilian-infrastructure"} <= {c["id"] for c in change["added"]}
    assert change["unchanged"] == ["ukrainian-territory"] and change["changed"] == []
    later = clause_changes(parse_side("@kharkiv"), parse_side("@whole-border"))
    assert {c["id"] for c in later["changed"]} == {"counter-fire", "bombers", "intercept-missiles"}
    assert all("russia_border" in c["b"]["text"] and "kharkiv_border" in c["a"]["text"] for c in later["changed"])
    assert later["added"] == [] and later["removed"] == []


def test_assumptions_changed_by_the_version_or_a_what_if():
    names = {r["name"]: r for r in assumption_changes(parse_side("@kharkiv"), parse_side("@whole-border"))}
    assert set(names) == {"sumy_in_may_2024_scope"} and names["sumy_in_may_2024_scope"]["b"] is None
    what_if = assumption_changes(parse_side("@kharkiv"), parse_side("@kharkiv", {"near_border_inside_km": "60"}))
    assert [(r["name"], r["a"], r["b"]) for r in what_if] == [("near_border_inside_km", 40.0, 60.0)]


def test_zone_land_gained_is_land_lost_the_other_way():
    a, b = parse_side("@kharkiv"), parse_side("@whole-border")
    forward, backward = zone_changes(a, b)["by_band"], zone_changes(b, a)["by_band"]
    for band in ("inside", "vague"):
        assert forward[band]["gained_km2"] == backward[band]["lost_km2"] > 0
        assert forward[band]["b_km2"] == backward[band]["a_km2"]
    wider = zone_changes(a, parse_side("@kharkiv", {"near_border_inside_km": "60"}))["by_band"]
    assert wider["inside"]["gained_km2"] > 0 and wider["inside"]["lost_km2"] == 0
    assert wider["vague"]["lost_km2"] > 0


@pytest.mark.parametrize("pair", list(zip(load_pack("us-ukraine").version_ids, load_pack("us-ukraine").version_ids[1:])))
def test_every_change_of_the_timeline_compares(pair):
    result = compare(parse_side(f"@{pair[0]}"), parse_side(f"@{pair[1]}"))
    for band in result["zones"]["by_band"].values():
        assert band["gained_km2"] >= 0 and band["lost_km2"] >= 0
        assert band["b_km2"] - band["a_km2"] == pytest.approx(band["gained_km2"] - band["lost_km2"], abs=1.0)
    assert result["space"]["verdict_changes"] > 0


def test_a_version_compared_with_itself_changes_nothing():
    side = parse_side("@kharkiv")
    result = compare(side, side)
    assert result["space"]["verdict_changes"] == 0 and result["space"]["regions"] == []
    assert result["clauses"]["added"] == result["clauses"]["removed"] == result["clauses"]["changed"] == []
    assert result["zones"]["by_band"]["inside"]["gained_km2"] == 0


def test_permissiveness_both_ways():
    baseline, kharkiv = parse_side("@baseline"), parse_side("@kharkiv")
    forward, backward = space_changes(baseline, kharkiv), space_changes(kharkiv, baseline)
    assert forward["b_more_permissive"] and not forward["a_more_permissive"]
    assert backward["a_more_permissive"] and backward["allowed_only_in_a"] == forward["allowed_only_in_b"]
    assert sum(r["uses"] for r in forward["regions"]) == forward["verdict_changes"] > 0


def _expand(value: str, domain: list[str]) -> set[str]:
    return set(domain) if value == ANY else set(value.split(", "))


def _judged(uses: pl.DataFrame, side) -> list[tuple[str, str]]:
    """(verdict, place label) of each use, judged by the Cedar engine through the audit's own stages."""
    valid, _ = validate_uses(uses, list(side.pack.facts))
    situations, _ = enrich_frame(valid, side.pack)
    decided = decide_frame(situations, side.pack, ENGINES["cedar"], version=side.version.id)
    out = []
    for row in decided.iter_rows(named=True):
        zones = [z + (" (vague)" if row[BAND + z] == "vague" else "") for z in side.version.zones if row[BAND + z] != "outside"]
        out.append((row["__verdict"], row["__country"] + (": " + ", ".join(zones) if zones else ": in no zone")))
    return out


@pytest.mark.parametrize(("a", "b"), [("baseline", "kharkiv"), ("kharkiv", "whole-border"), ("whole-border", "atacms-kursk"),
                                      ("atacms-kursk", "case-by-case")])
def test_space_agrees_with_judging_real_uses(a, b):
    """Differential: uses at real places judged by Cedar under both versions change verdict exactly when a
    region of the space diff (built from a map grid and the columnar engine) covers them."""
    side_a, side_b = parse_side(f"@{a}"), parse_side(f"@{b}")
    space = space_changes(side_a, side_b)
    weapons = sorted({w.name for w in load_catalog() if "US" in w.suppliers})
    targets, purposes = ["artillery", "aircraft", "civilian_infrastructure", "airfield", "missile_in_flight"], KNOWN_PURPOSES
    grid = [(p, w, t, u) for p in PLACES for w in weapons for t in targets for u in purposes]
    uses = pl.DataFrame({
        "date": ["2024-06-05"] * len(grid), "lat": [PLACES[g[0]][0] for g in grid], "lon": [PLACES[g[0]][1] for g in grid],
        "weapon": [g[1] for g in grid], "target": [g[2] for g in grid], "purpose": [g[3] for g in grid],
        "linked_to_invasion": ["yes"] * len(grid), "approved": ["no"] * len(grid),
    })
    changes = 0
    for (place, weapon, target, purpose), (before, where_a), (after, where_b) in zip(grid, _judged(uses, side_a), _judged(uses, side_b)):
        where = where_a if where_a == where_b else f"{where_a} → {where_b}"
        covering = [
            r for r in space["regions"]
            if (r["from"], r["to"]) == (before, after)
            and (r["where"] == ANY or where in r["where"].split(" | "))
            and weapon in _expand(r["weapon"], weapons) and target in _expand(r["target"], KNOWN_TARGETS)
            and purpose in _expand(r["purpose"], purposes)
            and r["linked_to_invasion"] in (ANY, "yes") and r["approved"] in (ANY, "no")
        ]
        assert bool(covering) == (before != after), (place, weapon, target, purpose, before, after, where)
        changes += before != after
    assert changes > 0


def test_what_if_on_the_near_border_band():
    space = space_changes(parse_side("@kharkiv"), parse_side("@kharkiv", {"near_border_inside_km": "60"}))
    assert space["b_more_permissive"]
    assert {(r["from"], r["to"]) for r in space["regions"]} == {(Verdict.INDETERMINATE.value, Verdict.ALLOWED.value)}


def test_two_suppliers_packs_compare_like_two_versions():
    """gb-ukraine against us-ukraine on the same day: the same uses under each side's rules, checked use by use."""
    from enduse.judge import Judge

    a, b = parse_side("gb-ukraine@2024-12-01"), parse_side("us-ukraine@2024-12-01")
    result = compare(a, b)
    assert (result["a"]["pack"], result["b"]["pack"]) == ("gb-ukraine", "us-ukraine")
    assert result["clauses"]["added"] and result["clauses"]["removed"]
    assert result["space"]["verdict_changes"] > 0
    uses = [{"date": "2024-12-01", "place": place, "weapon": weapon, "target": "artillery", "purpose": "counter_fire"}
            for place in ("Shebekino", "Kursk", "Voronezh", "Kharkiv") for weapon in ("Storm Shadow", "HIMARS", "Challenger 2")]
    under_a = Judge.create(a.pack, engine="cedar").uses(uses, version=a.version.id)
    under_b = Judge.create(b.pack, engine="cedar").uses(uses, version=b.version.id)
    assert any(x.verdict is not y.verdict for x, y in zip(under_a, under_b, strict=True))
    assert all(x.pack == "gb-ukraine" or x.verdict.value == "NOT_GOVERNED" for x in under_a)
