"""The fr-ukraine pack (timeline-allies.md, section 2): every version's rules on both sides of its boundary, the named
assumptions (vague by default: INDETERMINATE naming them; confident with in/out). The properties every pack
holds are in test_invariants.py."""

from __future__ import annotations

import datetime as dt

import pytest

from enduse import Verdict, load_pack

PACK = "fr-ukraine"
BEFORE_MAY = "france_weapons_in_russia_before_may_2024"
MESEBERG = "france_may_2024_meseberg_authorisation"
BEYOND = "france_nov_2024_self_defence_beyond_launch_sites"
GATE = "scalp_us_approval_gate_from_2025"
INDUSTRY = "industry_energy_targets_in_russia"
SCOPES = (BEFORE_MAY, MESEBERG, BEYOND, GATE, INDUSTRY)


def ids(decision):
    return [c.id for c in decision.clauses]


def fr(under, **use):
    return under(PACK, **use)


# --- the pack itself ---------------------------------------------------------------------------------------------

def test_versions_dates_confidence_and_sources():
    pack = load_pack(PACK)
    assert pack.supplier == "FR" and pack.shared_schema
    assert [(v.id, v.effective_from) for v in pack.versions] == [
        ("ukraine-territory-russia-unconfirmed", dt.date(2022, 2, 24)),
        ("scalp-recognised-borders-only", dt.date(2023, 7, 11)),
        ("meseberg-launch-sites-stated", dt.date(2024, 5, 28)),
        ("self-defence-no-stated-limit", dt.date(2024, 11, 23)),
        ("scalp-us-gate-reported", dt.date(2025, 5, 15)),
    ]
    confidence = {v.id: v.confidence for v in pack.versions}
    assert confidence == {"ukraine-territory-russia-unconfirmed": "low", "scalp-recognised-borders-only": "high",
                          "meseberg-launch-sites-stated": "medium", "self-defence-no-stated-limit": "high",
                          "scalp-us-gate-reported": "medium"}
    assert pack.version("scalp-us-gate-reported").date_confidence == "low"
    for version in pack.versions:
        assert version.sources and all(pack.sources[s].url for s in version.sources), version.id
        assert version.date_confidence == "high" or version.date_note, version.id
        for clause in version.clauses.values():
            assert clause.sources and all(pack.sources[s].url for s in clause.sources), clause.id
    for name in SCOPES:
        assert pack.parameters[name].value == "vague" and pack.parameters[name].choices == ["in", "out", "vague"]
    assert pack.sources["sputnik-lecornu-lru-2023-07-14"].confidence == "low"
    assert pack.sources["merz-no-range-limits-2025-05-26"].confidence == "low"  # for France: unconfirmed


def test_merz_claim_is_noted_but_changes_no_rule():
    pack = load_pack(PACK)
    assert "merz-no-range-limits-2025-05-26" in pack.parameters[BEYOND].sources
    cited = {s for v in pack.versions for c in v.clauses.values() for s in c.sources}
    assert "merz-no-range-limits-2025-05-26" not in cited
    assert not any(v.effective_from == dt.date(2025, 5, 26) for v in pack.versions)


def test_nothing_before_the_invasion(under):
    assert fr(under, date="2022-02-23", place="Kharkiv", weapon="CAESAR").verdict is Verdict.NOT_GOVERNED


# --- before SCALP: the LRU and other French weapons -------------------------------------------------------------------

LRU_BELGOROD = dict(place="Belgorod", weapon="LRU", target="artillery", purpose="counter_fire")


@pytest.mark.parametrize(("value", "verdict", "clauses"), [
    (None, Verdict.INDETERMINATE, ["other-weapons-military-targets-in-russia-if-assumed"]),
    ("in", Verdict.ALLOWED, ["other-weapons-military-targets-in-russia-if-assumed"]),
    ("out", Verdict.FORBIDDEN, []),
])
def test_lru_in_russia_before_may_2024_rests_on_a_named_assumption(under, value, verdict, clauses):
    params = {BEFORE_MAY: value} if value else None
    decision = under(PACK, params=params, date="2023-01-15", **LRU_BELGOROD)
    assert decision.verdict is verdict and ids(decision) == clauses
    if value is None:
        assert decision.missing == (BEFORE_MAY,) and decision.confidence == "low"


def test_ukrainian_territory_is_allowed_in_every_version(under):
    for day in ("2022-06-01", "2023-07-11", "2024-06-01", "2024-12-01", "2025-07-01"):
        decision = fr(under, date=day, place="Sevastopol", weapon="SCALP", target="command_post")
        assert decision.verdict is Verdict.ALLOWED and ids(decision) == ["ukrainian-territory"], day


# --- SCALP v1 (11 Jul 2023): inside the internationally recognised borders -------------------------------------------

def test_scalp_v1_from_11_jul_2023(under):
    scalp = dict(place="Belgorod", weapon="SCALP", target="airfield", purpose="counter_fire")
    before, after = (fr(under, date=d, **scalp) for d in ("2023-07-10", "2023-07-11"))
    assert before.version == "ukraine-territory-russia-unconfirmed" and before.verdict is Verdict.FORBIDDEN
    assert ids(before) == []  # not yet delivered: nothing permits it
    assert after.version == "scalp-recognised-borders-only"
    assert after.verdict is Verdict.FORBIDDEN and ids(after) == ["no-scalp-in-russia"] and after.confidence == "high"
    # the other weapons stay a named assumption until 27 May 2024
    lru = fr(under, date="2024-05-27", **LRU_BELGOROD)
    assert lru.verdict is Verdict.INDETERMINATE and lru.missing == (BEFORE_MAY,)


# --- Meseberg (28 May 2024): launch sites; its status vague --------------------------------------------------------

def test_meseberg_from_28_may_2024(under):
    scalp = dict(place="Belgorod", weapon="SCALP", target="airfield", purpose="counter_fire")
    before, after = (fr(under, date=d, **scalp) for d in ("2024-05-27", "2024-05-28"))
    assert before.verdict is Verdict.FORBIDDEN and ids(before) == ["no-scalp-in-russia"]
    assert after.version == "meseberg-launch-sites-stated"
    assert after.verdict is Verdict.INDETERMINATE and after.missing == (MESEBERG,)
    settled_in = under(PACK, params={MESEBERG: "in"}, date="2024-05-28", **scalp)
    assert settled_in.verdict is Verdict.ALLOWED and ids(settled_in) == ["launch-sites-in-russia-if-authorised"]
    assert settled_in.confidence == "medium"
    settled_out = under(PACK, params={MESEBERG: "out"}, date="2024-05-28", **scalp)
    assert settled_out.verdict is Verdict.FORBIDDEN and ids(settled_out) == ["no-scalp-in-russia-unless-authorised"]
    # the earlier assumption on the other weapons no longer applies
    lru = under(PACK, params={BEFORE_MAY: "in", MESEBERG: "out"}, date="2024-06-01", **LRU_BELGOROD)
    assert lru.verdict is Verdict.FORBIDDEN


@pytest.mark.parametrize("target", ["command_post", "ammunition_depot", "air_defense", "energy_infrastructure"])
def test_meseberg_excludes_other_targets_whatever_its_status(under, target):
    for value in ("in", "vague"):
        decision = under(PACK, params={MESEBERG: value, INDUSTRY: "in"}, date="2024-09-01", place="Kursk", weapon="SCALP",
                         target=target, purpose="counter_fire")
        assert decision.verdict is Verdict.FORBIDDEN and ids(decision) == ["no-other-targets-in-russia"], value


def test_meseberg_is_about_sites_that_attack_ukraine(under):
    interdiction = under(PACK, params={MESEBERG: "in"}, date="2024-09-01", place="Belgorod", weapon="CAESAR",
                         target="artillery", purpose="interdiction")
    assert interdiction.verdict is Verdict.FORBIDDEN and ids(interdiction) == []
    counter_fire = under(PACK, params={MESEBERG: "in"}, date="2024-09-01", place="Belgorod", weapon="CAESAR",
                         target="artillery", purpose="counter_fire")
    assert counter_fire.verdict is Verdict.ALLOWED


# --- Barrot's self-defence (23 Nov 2024) ---------------------------------------------------------------------------

def test_self_defence_from_23_nov_2024(under):
    scalp = dict(place="Bryansk", weapon="SCALP", target="airfield", purpose="counter_fire")
    before, after = (fr(under, date=d, **scalp) for d in ("2024-11-22", "2024-11-23"))
    assert before.version == "meseberg-launch-sites-stated" and before.verdict is Verdict.INDETERMINATE
    assert after.version == "self-defence-no-stated-limit"
    assert after.verdict is Verdict.ALLOWED and ids(after) == ["launch-sites-in-russia-self-defence"]
    assert after.confidence == "high"
    far = fr(under, date="2024-12-01", place="Moscow", weapon="CAESAR", target="missile_launcher", purpose="preempt_attack")
    assert far.verdict is Verdict.ALLOWED  # no geographic limit stated


@pytest.mark.parametrize(("value", "verdict", "clauses"), [
    (None, Verdict.INDETERMINATE, ["other-military-targets-in-russia-if-self-defence-reaches"]),
    ("in", Verdict.ALLOWED, ["other-military-targets-in-russia-if-self-defence-reaches"]),
    ("out", Verdict.FORBIDDEN, []),
])
def test_self_defence_beyond_launch_sites_is_a_named_assumption(under, value, verdict, clauses):
    params = {BEYOND: value} if value else None
    decision = under(PACK, params=params, date="2024-12-01", place="Kursk", weapon="SCALP", target="command_post",
                     purpose="interdiction")
    assert decision.verdict is verdict and ids(decision) == clauses
    if value is None:
        assert decision.missing == (BEYOND,)
    before = under(PACK, params={MESEBERG: "in", BEYOND: "in"}, date="2024-11-22", place="Kursk", weapon="SCALP",
                   target="command_post", purpose="interdiction")
    assert before.verdict is Verdict.FORBIDDEN  # Meseberg: no other targets


def test_industry_energy_and_civilian_targets_after_nov_2024(under):
    plant = dict(date="2025-01-10", place="Bryansk", weapon="SCALP", target="military_industry", purpose="interdiction")
    default = fr(under, **plant)
    assert default.verdict is Verdict.INDETERMINATE and set(default.missing) == {BEYOND, INDUSTRY}
    assert under(PACK, params={BEYOND: "in", INDUSTRY: "in"}, **plant).verdict is Verdict.ALLOWED
    assert under(PACK, params={BEYOND: "in", INDUSTRY: "out"}, **plant).verdict is Verdict.FORBIDDEN
    civilian = under(PACK, params={BEYOND: "in", INDUSTRY: "in"}, **{**plant, "target": "civilian_infrastructure"})
    assert civilian.verdict is Verdict.FORBIDDEN and ids(civilian) == ["no-civilian-infrastructure-in-russia"]


# --- the reported US gate on the British-French missile (late spring 2025) -------------------------------------------

SCALP_AIRFIELD = dict(place="Kursk", weapon="SCALP", target="airfield", purpose="counter_fire")


def test_scalp_gate_from_15_may_2025(under):
    before, after = (fr(under, date=d, **SCALP_AIRFIELD) for d in ("2025-05-14", "2025-05-15"))
    assert before.verdict is Verdict.ALLOWED and before.version == "self-defence-no-stated-limit"
    assert after.version == "scalp-us-gate-reported" and after.version_date_confidence == "low"
    assert after.verdict is Verdict.INDETERMINATE and set(after.missing) == {GATE, "approved"}
    caesar = fr(under, date="2025-05-15", **{**SCALP_AIRFIELD, "weapon": "CAESAR"})
    assert caesar.verdict is Verdict.ALLOWED  # the gate concerns the missile only


@pytest.mark.parametrize(("gate", "approved", "verdict"), [
    ("out", "unknown", Verdict.ALLOWED), ("in", "yes", Verdict.ALLOWED), ("in", "no", Verdict.FORBIDDEN),
    ("in", "unknown", Verdict.INDETERMINATE),
])
def test_scalp_gate_settled(under, gate, approved, verdict):
    decision = under(PACK, params={GATE: gate}, date="2025-07-01", facts={"approved": approved}, **SCALP_AIRFIELD)
    assert decision.verdict is verdict
    if verdict is Verdict.FORBIDDEN:
        assert ids(decision) == ["scalp-in-russia-needs-us-approval-if-gate"]
    if verdict is Verdict.INDETERMINATE:
        assert decision.missing == ("approved",)
