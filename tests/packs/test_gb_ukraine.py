"""The gb-ukraine pack (timeline-allies.md, section 1): every version's rules on both sides of its boundary, the named
assumptions (vague by default: INDETERMINATE naming them; confident with in/out). The properties every pack
holds are in test_invariants.py."""

from __future__ import annotations

import datetime as dt

import pytest

from enduse import Verdict, load_pack

PACK = "gb-ukraine"
NOV = "storm_shadow_in_russia_from_nov_2024"
GATE = "storm_shadow_us_approval_gate_from_2025"
BEFORE_AUG = "uk_weapons_in_russia_before_aug_2024"
INDUSTRY = "industry_energy_targets_in_russia"
SCOPES = (BEFORE_AUG, NOV, GATE, INDUSTRY)


def ids(decision):
    return [c.id for c in decision.clauses]


def gb(under, **use):
    return under(PACK, **use)


# --- the pack itself ---------------------------------------------------------------------------------------------

def test_versions_dates_confidence_and_sources():
    pack = load_pack(PACK)
    assert pack.supplier == "GB" and pack.shared_schema
    assert [(v.id, v.effective_from) for v in pack.versions] == [
        ("other-weapons-russia-by-wallace-account", dt.date(2022, 2, 24)),
        ("storm-shadow-ukraine-only", dt.date(2023, 5, 11)),
        ("other-weapons-in-russia-storm-shadow-excepted", dt.date(2024, 8, 15)),
        ("storm-shadow-russia-unconfirmed", dt.date(2024, 11, 20)),
        ("storm-shadow-us-gate-reported", dt.date(2025, 5, 15)),
    ]
    confidence = {v.id: v.confidence for v in pack.versions}
    assert confidence["storm-shadow-ukraine-only"] == "high"
    assert confidence["storm-shadow-russia-unconfirmed"] == "medium"  # anonymous, never confirmed
    assert pack.version("storm-shadow-us-gate-reported").date_confidence == "low"
    assert "late spring 2025" in pack.version("storm-shadow-us-gate-reported").date_note
    for version in pack.versions:
        assert version.sources and all(pack.sources[s].url for s in version.sources), version.id
        assert version.date_confidence == "high" or version.date_note, version.id
        for clause in version.clauses.values():
            assert clause.sources and all(pack.sources[s].url for s in clause.sources), clause.id
    for name in SCOPES:
        assert pack.parameters[name].value == "vague" and pack.parameters[name].choices == ["in", "out", "vague"]
    assert pack.parameters["assume_approved"].value == "unknown" and pack.facts["approved"].default == "assume_approved"


def test_sources_are_quoted_as_rated_in_the_timeline():
    pack = load_pack(PACK)
    assert pack.sources["newslinks-wallace-2023-05-11"].quote == "These missiles will be used within Ukrainian sovereign territory."
    assert pack.sources["lbc-mod-2024-08-15"].quote.startswith("That does not preclude operations inside Russia")
    assert pack.sources["times-wallace-2024-08-19"].confidence == "medium"
    assert pack.sources["novaya-gazeta-uk-approved-2024-11-20"].confidence == "medium"
    assert pack.sources["trump-denial-2025-10"].confidence == "low"


def test_nothing_before_the_invasion(under):
    assert gb(under, date="2022-02-23", place="Kharkiv", weapon="M270").verdict is Verdict.NOT_GOVERNED


# --- the Done-when ------------------------------------------------------------------------------------------

LGOV = dict(date="2024-12-30", place="Lgov", weapon="Storm Shadow", target="command_post", purpose="interdiction")


def test_storm_shadow_at_lgov_depends_on_the_unconfirmed_permission(under):
    decision = gb(under, **LGOV)
    assert decision.verdict is Verdict.INDETERMINATE and decision.missing == (NOV,)
    assert decision.pack == PACK and decision.version == "storm-shadow-russia-unconfirmed"
    assert decision.assumptions[NOV] == "vague" and NOV in decision.explanation
    assert set(ids(decision)) == {"storm-shadow-military-targets-in-russia-if-assumed", "no-storm-shadow-in-russia-unless-assumed"}
    assert all(source.url for clause in decision.clauses for _, source in clause.sources)


@pytest.mark.parametrize(("value", "verdict", "clauses"), [
    ("in", Verdict.ALLOWED, ["storm-shadow-military-targets-in-russia-if-assumed"]),
    ("out", Verdict.FORBIDDEN, ["no-storm-shadow-in-russia-unless-assumed"]),
])
def test_storm_shadow_at_lgov_settled(under, value, verdict, clauses):
    decision = under(PACK, params={NOV: value}, **LGOV)
    assert decision.verdict is verdict and ids(decision) == clauses and decision.missing == ()
    if verdict is Verdict.ALLOWED:
        assert decision.confidence == "medium"  # anonymous briefings, never confirmed


# --- other UK weapons before and after 15 Aug 2024 ---------------------------------------------------------------

CHALLENGER_SUDZHA = dict(place="Sudzha", weapon="Challenger 2", target="military_forces", purpose="interdiction")


def test_other_weapons_in_russia_before_aug_2024_are_a_named_assumption(under):
    for day in ("2022-06-01", "2023-05-11", "2024-08-14"):
        decision = gb(under, date=day, **CHALLENGER_SUDZHA)
        assert decision.verdict is Verdict.INDETERMINATE and decision.missing == (BEFORE_AUG,), day
    settled_in = under(PACK, params={BEFORE_AUG: "in"}, date="2024-08-14", **CHALLENGER_SUDZHA)
    assert settled_in.verdict is Verdict.ALLOWED and ids(settled_in) == ["other-weapons-military-targets-in-russia-if-assumed"]
    assert settled_in.confidence == "medium"  # Wallace's retrospective account
    settled_out = under(PACK, params={BEFORE_AUG: "out"}, date="2024-08-14", **CHALLENGER_SUDZHA)
    assert settled_out.verdict is Verdict.FORBIDDEN and ids(settled_out) == []


def test_other_weapons_may_be_used_in_russia_from_15_aug_2024(under):
    before, after = (gb(under, date=d, **CHALLENGER_SUDZHA) for d in ("2024-08-14", "2024-08-15"))
    assert before.version == "storm-shadow-ukraine-only" and before.verdict is Verdict.INDETERMINATE
    assert after.version == "other-weapons-in-russia-storm-shadow-excepted"
    assert after.verdict is Verdict.ALLOWED and ids(after) == ["other-weapons-military-targets-in-russia"]
    assert after.confidence == "high"
    # the assumption for the earlier period no longer applies
    assert under(PACK, params={BEFORE_AUG: "out"}, date="2024-08-15", **CHALLENGER_SUDZHA).verdict is Verdict.ALLOWED
    far = gb(under, date="2024-09-01", place="Moscow", weapon="M270", target="airfield", purpose="counter_fire")
    assert far.verdict is Verdict.ALLOWED  # no geographic limit was stated


@pytest.mark.parametrize(("value", "verdict"), [(None, Verdict.INDETERMINATE), ("in", Verdict.ALLOWED), ("out", Verdict.FORBIDDEN)])
def test_industrial_and_energy_targets_are_not_addressed(under, value, verdict):
    params = {INDUSTRY: value} if value else None
    decision = under(PACK, params=params, date="2024-09-01", place="Belgorod", weapon="M270", target="energy_infrastructure",
                     purpose="interdiction")
    assert decision.verdict is verdict
    if value is None:
        assert decision.missing == (INDUSTRY,)


def test_civilian_infrastructure_in_russia_is_forbidden_and_ukraine_is_allowed(under):
    civilian = under(PACK, params={INDUSTRY: "in"}, date="2024-09-01", place="Kursk", weapon="Challenger 2",
                     target="civilian_infrastructure")
    assert civilian.verdict is Verdict.FORBIDDEN and ids(civilian) == ["no-civilian-infrastructure-in-russia"]
    kharkiv = gb(under, date="2022-05-01", place="Kharkiv", weapon="M270", target="artillery", purpose="counter_fire")
    assert kharkiv.verdict is Verdict.ALLOWED and ids(kharkiv) == ["ukrainian-territory"]


# --- Storm Shadow: Ukrainian territory only (11 May 2023), Crimea included ------------------------------------------

def test_storm_shadow_v1_from_11_may_2023(under):
    sevastopol = dict(place="Sevastopol", weapon="Storm Shadow", target="command_post", purpose="interdiction")
    before, after = (gb(under, date=d, **sevastopol) for d in ("2023-05-10", "2023-05-11"))
    assert before.version == "other-weapons-russia-by-wallace-account" and before.confidence == "medium"
    assert after.version == "storm-shadow-ukraine-only" and after.confidence == "high"
    assert after.verdict is Verdict.ALLOWED and ids(after) == ["ukrainian-territory"]  # Crimea is Ukraine
    assert gb(under, date="2023-09-22", **sevastopol).verdict is Verdict.ALLOWED  # Black Sea Fleet HQ
    belgorod = dict(place="Belgorod", weapon="Storm Shadow", target="airfield", purpose="counter_fire")
    for day in ("2023-05-10", "2023-05-11", "2024-07-11", "2024-08-15", "2024-11-19"):
        decision = under(PACK, params={BEFORE_AUG: "in"}, date=day, **belgorod)
        assert decision.verdict is Verdict.FORBIDDEN and ids(decision) == ["no-storm-shadow-in-russia"], day


# --- Storm Shadow in Russia from 20 Nov 2024: never confirmed ---------------------------------------------------------

def test_storm_shadow_in_russia_from_20_nov_2024(under):
    kursk = dict(place="Kursk", weapon="Storm Shadow", target="command_post", purpose="interdiction")
    before, after = (gb(under, date=d, **kursk) for d in ("2024-11-19", "2024-11-20"))
    assert before.verdict is Verdict.FORBIDDEN and ids(before) == ["no-storm-shadow-in-russia"]
    assert after.verdict is Verdict.INDETERMINATE and after.missing == (NOV,)
    assert after.version == "storm-shadow-russia-unconfirmed"
    # settling the assumption does not reach back before 20 Nov 2024
    assert under(PACK, params={NOV: "in"}, date="2024-11-19", **kursk).verdict is Verdict.FORBIDDEN


def test_the_chemical_plant_needs_both_assumptions(under):
    plant = dict(date="2025-10-21", place="Bryansk", weapon="Storm Shadow", target="military_industry", purpose="interdiction")
    default = gb(under, **plant)
    assert default.verdict is Verdict.INDETERMINATE and {NOV, INDUSTRY} <= set(default.missing)
    covered = under(PACK, params={NOV: "in", GATE: "out", INDUSTRY: "in"}, **plant)
    assert covered.verdict is Verdict.ALLOWED and ids(covered) == ["storm-shadow-industry-energy-in-russia-if-assumed"]
    assert under(PACK, params={NOV: "in", GATE: "out", INDUSTRY: "out"}, **plant).verdict is Verdict.FORBIDDEN
    civilian = under(PACK, params={NOV: "in", GATE: "out", INDUSTRY: "in"}, **{**plant, "target": "civilian_infrastructure"})
    assert civilian.verdict is Verdict.FORBIDDEN and "no-civilian-infrastructure-in-russia" in ids(civilian)


# --- the reported US gate from late spring 2025 -------------------------------------------------------------------

SPRING = dict(place="Lgov", weapon="Storm Shadow", target="command_post", purpose="interdiction")


def test_us_gate_from_15_may_2025(under):
    before = under(PACK, params={NOV: "in"}, date="2025-05-14", **SPRING)
    assert before.verdict is Verdict.ALLOWED and before.version == "storm-shadow-russia-unconfirmed"
    after = under(PACK, params={NOV: "in"}, date="2025-05-15", **SPRING)
    assert after.version == "storm-shadow-us-gate-reported" and after.version_date_confidence == "low"
    assert after.verdict is Verdict.INDETERMINATE and set(after.missing) == {GATE, "approved"}
    assert after.assumptions[GATE] == "vague" and after.assumptions["assume_approved"] == "unknown"
    default = gb(under, date="2025-07-01", **SPRING)
    assert default.verdict is Verdict.INDETERMINATE and set(default.missing) == {NOV, GATE, "approved"}


@pytest.mark.parametrize(("gate", "approved", "verdict", "missing"), [
    ("out", "unknown", Verdict.ALLOWED, ()),
    ("in", "unknown", Verdict.INDETERMINATE, ("approved",)),
    ("in", "yes", Verdict.ALLOWED, ()),
    ("in", "no", Verdict.FORBIDDEN, ()),
    ("vague", "yes", Verdict.ALLOWED, ()),
    ("vague", "no", Verdict.INDETERMINATE, (GATE,)),
])
def test_us_gate_settled(under, gate, approved, verdict, missing):
    decision = under(PACK, params={NOV: "in", GATE: gate}, date="2025-07-01", facts={"approved": approved}, **SPRING)
    assert decision.verdict is verdict and decision.missing == missing
    if verdict is Verdict.FORBIDDEN:
        assert ids(decision) == ["storm-shadow-in-russia-needs-us-approval-if-gate"] and decision.confidence == "low"


def test_the_gate_concerns_storm_shadow_in_russia_only(under):
    other = under(PACK, params={GATE: "in"}, date="2025-07-01", facts={"approved": "no"}, **{**SPRING, "weapon": "M270"})
    assert other.verdict is Verdict.ALLOWED
    crimea = under(PACK, params={GATE: "in"}, date="2025-07-01", facts={"approved": "no"}, **{**SPRING, "place": "Sevastopol"})
    assert crimea.verdict is Verdict.ALLOWED and ids(crimea) == ["ukrainian-territory"]
