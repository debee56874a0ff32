"""The de-ukraine pack (timeline-allies.md, section 3): every version's rules on both sides of its boundary, the
Kharkiv border-area zone, the named assumptions (vague by default: INDETERMINATE naming them; confident with in/out),
and the scopes; the properties every pack holds are in test_invariants.py."""

from __future__ import annotations

import datetime as dt

import pytest

from enduse import Verdict, load_pack

PACK = "de-ukraine"
AUG = "germany_aug_2024_no_conditions_beyond_law"
MAY = "germany_may_2025_no_range_restrictions"
CRIMEA = "germany_weapons_in_crimea"
INDUSTRY = "industry_energy_targets_in_russia"
INSIDE, OUTSIDE = "germany_kharkiv_border_area_inside_km", "germany_kharkiv_border_area_outside_km"
ZONE = "zone:kharkiv_border_area"


def ids(decision):
    return [c.id for c in decision.clauses]


def de(under, **use):
    return under(PACK, **use)


# --- the pack itself ---------------------------------------------------------------------------------------------

def test_versions_dates_confidence_and_sources():
    pack = load_pack(PACK)
    assert pack.supplier == "DE" and pack.shared_schema
    assert [(v.id, v.effective_from) for v in pack.versions] == [
        ("no-use-in-russia", dt.date(2022, 2, 24)),
        ("kharkiv-border-area", dt.date(2024, 5, 31)),
        ("patriot-over-russia-near-kharkiv", dt.date(2024, 6, 2)),
        ("no-conditions-beyond-law-disputed", dt.date(2024, 8, 12)),
        ("no-range-restrictions-disputed", dt.date(2025, 5, 26)),
    ]
    first = pack.version("no-use-in-russia")
    assert first.confidence == "medium" and first.date_confidence == "medium" and "15 Jun 2022" in first.date_note
    assert all(v.confidence == "high" for v in pack.versions[1:])
    assert "conceivable" in pack.version("patriot-over-russia-near-kharkiv").date_note
    for version in pack.versions:
        assert version.sources and all(pack.sources[s].url for s in version.sources), version.id
        assert version.date_confidence == "high" or version.date_note, version.id
        for clause in version.clauses.values():
            assert clause.sources and all(pack.sources[s].url for s in clause.sources), clause.id
    for name in (AUG, MAY, INDUSTRY):
        assert pack.parameters[name].value == "vague" and pack.parameters[name].choices == ["in", "out", "vague"]
    assert pack.parameters[CRIMEA].value == "in" and pack.parameters[CRIMEA].choices == ["in", "out", "vague"]
    zone = pack.zones["kharkiv_border_area"]
    assert zone.measured_from == ["UA-63"] and zone.regions == ["RU-BEL"]
    assert (zone.inside_km, zone.outside_km) == (INSIDE, OUTSIDE)
    for name in (INSIDE, OUTSIDE):
        assert "never defined as a distance" in " ".join(pack.parameters[name].rationale.split()), name


def test_nothing_before_the_invasion(under):
    assert de(under, date="2022-02-23", place="Kharkiv", weapon="Gepard").verdict is Verdict.NOT_GOVERNED


# --- DE v1: no use on Russian territory -------------------------------------------------------------------------------

def test_no_use_in_russia_until_30_may_2024(under):
    for day in ("2022-03-01", "2022-06-15", "2024-05-30"):
        decision = de(under, date=day, place="Shebekino", weapon="MARS II", target="artillery", purpose="counter_fire")
        assert decision.verdict is Verdict.FORBIDDEN and ids(decision) == ["no-use-in-russia"], day
        assert decision.confidence == "medium"
    kharkiv = de(under, date="2022-09-01", place="Kharkiv", weapon="PzH 2000", target="artillery")
    assert kharkiv.verdict is Verdict.ALLOWED and ids(kharkiv) == ["ukrainian-territory"]


# --- DE v2 (31 May 2024): the border area adjacent to Kharkiv ---------------------------------------------------------

COUNTER_FIRE = dict(weapon="MARS II", target="artillery", purpose="counter_fire")


def test_border_area_from_31_may_2024(under):
    before, after = (de(under, date=d, place="Shebekino", **COUNTER_FIRE) for d in ("2024-05-30", "2024-05-31"))
    assert before.verdict is Verdict.FORBIDDEN and ids(before) == ["no-use-in-russia"]
    assert after.version == "kharkiv-border-area"
    assert after.verdict is Verdict.ALLOWED and ids(after) == ["against-attacks-from-kharkiv-border-area"]
    assert after.confidence == "high" and "kharkiv_border_area" in after.facts.zones


def test_the_border_area_is_a_zone_with_named_bands(under):
    belgorod = de(under, date="2024-06-10", place="Belgorod", **COUNTER_FIRE)  # about 32 km from Kharkiv oblast
    assert belgorod.verdict is Verdict.INDETERMINATE and belgorod.missing == (ZONE,)
    assert belgorod.assumptions[INSIDE] == 30.0 and belgorod.assumptions[OUTSIDE] == 80.0
    wider = under(PACK, params={INSIDE: "40"}, date="2024-06-10", place="Belgorod", **COUNTER_FIRE)
    assert wider.verdict is Verdict.ALLOWED
    stary_oskol = de(under, date="2024-06-10", place="Stary Oskol", **COUNTER_FIRE)  # about 99 km
    assert stary_oskol.verdict is Verdict.FORBIDDEN and ids(stary_oskol) == []
    sudzha = de(under, date="2024-06-10", place="Sudzha", **COUNTER_FIRE)  # across from Sumy oblast, Kursk oblast
    assert sudzha.verdict is Verdict.FORBIDDEN and ids(sudzha) == []


def test_border_area_is_for_attacks_from_there(under):
    interdiction = de(under, date="2024-06-10", place="Shebekino", weapon="PzH 2000", target="ammunition_depot",
                      purpose="interdiction")
    assert interdiction.verdict is Verdict.FORBIDDEN and ids(interdiction) == []
    preempt = de(under, date="2024-06-10", place="Shebekino", weapon="PzH 2000", target="ammunition_depot",
                 purpose="preempt_attack")
    assert preempt.verdict is Verdict.ALLOWED


@pytest.mark.parametrize(("value", "verdict"), [(None, Verdict.INDETERMINATE), ("in", Verdict.ALLOWED), ("out", Verdict.FORBIDDEN)])
def test_industry_and_energy_in_the_border_area_are_not_addressed(under, value, verdict):
    params = {INDUSTRY: value} if value else None
    decision = under(PACK, params=params, date="2024-06-10", place="Shebekino", weapon="MARS II",
                     target="energy_infrastructure", purpose="counter_fire")
    assert decision.verdict is verdict
    if value is None:
        assert decision.missing == (INDUSTRY,)


# --- Patriot over Russia near Kharkiv (2 Jun 2024) -----------------------------------------------------------------

def test_patriot_against_aircraft_over_the_border_area_from_2_jun_2024(under):
    patriot = dict(place="Shebekino", weapon="Patriot", target="aircraft", purpose="intercept")
    before, after = (de(under, date=d, **patriot) for d in ("2024-06-01", "2024-06-02"))
    assert before.verdict is Verdict.FORBIDDEN and ids(before) == []
    assert after.version == "patriot-over-russia-near-kharkiv"
    assert after.verdict is Verdict.ALLOWED and ids(after) == ["patriot-against-aircraft-over-kharkiv-border-area"]
    iris_t = de(under, date="2024-06-02", **{**patriot, "weapon": "IRIS-T"})
    assert iris_t.verdict is Verdict.FORBIDDEN  # only Patriot was named
    far = de(under, date="2024-06-02", **{**patriot, "place": "Voronezh"})
    assert far.verdict is Verdict.FORBIDDEN


# --- 12 Aug 2024: MoD 'no conditions beyond international law' vs Scholz 'no deep strikes' ----------------------------

MARDER_KURSK = dict(place="Sudzha", weapon="Marder", target="military_forces", purpose="interdiction")


def test_beyond_the_border_area_from_12_aug_2024_is_a_named_assumption(under):
    before, after = (de(under, date=d, **MARDER_KURSK) for d in ("2024-08-11", "2024-08-12"))
    assert before.verdict is Verdict.FORBIDDEN and ids(before) == []
    assert after.version == "no-conditions-beyond-law-disputed"
    assert after.verdict is Verdict.INDETERMINATE and after.missing == (AUG,)
    settled_in = under(PACK, params={AUG: "in"}, date="2024-08-12", **MARDER_KURSK)
    assert settled_in.verdict is Verdict.ALLOWED and ids(settled_in) == ["military-targets-in-russia-if-no-conditions-beyond-law"]
    settled_out = under(PACK, params={AUG: "out"}, date="2024-08-12", **MARDER_KURSK)
    assert settled_out.verdict is Verdict.FORBIDDEN and ids(settled_out) == []
    # inside the border area the May 2024 rule decides whatever the assumption
    inside = under(PACK, params={AUG: "out"}, date="2024-09-01", place="Shebekino", **COUNTER_FIRE)
    assert inside.verdict is Verdict.ALLOWED


# --- 26 May 2025: Merz 'no range restrictions' vs Klingbeil 'no new agreement' -----------------------------------------

DEEP = dict(place="Kursk", weapon="MARS II", target="command_post", purpose="interdiction")


def test_no_range_restrictions_from_26_may_2025_is_a_named_assumption(under):
    before = under(PACK, params={AUG: "out"}, date="2025-05-25", **DEEP)
    after = under(PACK, params={AUG: "out"}, date="2025-05-26", **DEEP)
    assert before.verdict is Verdict.FORBIDDEN and before.version == "no-conditions-beyond-law-disputed"
    assert after.version == "no-range-restrictions-disputed"
    assert after.verdict is Verdict.INDETERMINATE and after.missing == (MAY,)
    merz = under(PACK, params={AUG: "out", MAY: "in"}, date="2025-05-26", **DEEP)
    assert merz.verdict is Verdict.ALLOWED and ids(merz) == ["military-targets-in-russia-if-no-range-restrictions"]
    klingbeil = under(PACK, params={AUG: "out", MAY: "out"}, date="2025-05-26", **DEEP)
    assert klingbeil.verdict is Verdict.FORBIDDEN
    default = de(under, date="2025-07-01", **DEEP)
    assert default.verdict is Verdict.INDETERMINATE and set(default.missing) == {AUG, MAY}
    # the MoD reading of Aug 2024 already covers it, whatever Merz meant
    assert under(PACK, params={AUG: "in", MAY: "out"}, date="2025-07-01", **DEEP).verdict is Verdict.ALLOWED


def test_civilian_infrastructure_in_russia_is_forbidden_even_if_everything_else_is_open(under):
    params = {AUG: "in", MAY: "in", INDUSTRY: "in"}
    civilian = under(PACK, params=params, date="2025-07-01", place="Shebekino", weapon="MARS II",
                     target="civilian_infrastructure", purpose="counter_fire")
    assert civilian.verdict is Verdict.FORBIDDEN and ids(civilian) == ["no-civilian-infrastructure-in-russia"]
    plant = under(PACK, params=params, date="2025-07-01", place="Bryansk", weapon="MARS II", target="military_industry")
    assert plant.verdict is Verdict.ALLOWED


# --- Crimea ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "verdict", "clauses"), [
    (None, Verdict.ALLOWED, ["crimea-if-assumed"]),
    ("vague", Verdict.INDETERMINATE, ["crimea-if-assumed"]),
    ("out", Verdict.FORBIDDEN, []),
])
def test_crimea_follows_a_named_assumption_in_by_default(under, value, verdict, clauses):
    params = {CRIMEA: value} if value else None
    decision = under(PACK, params=params, date="2024-06-10", place="Sevastopol", weapon="Leopard 2", target="military_forces")
    assert decision.verdict is verdict and ids(decision) == clauses
    if value == "vague":
        assert decision.missing == (CRIMEA,)
    mainland = under(PACK, params=params, date="2024-06-10", place="Donetsk", weapon="Leopard 2", target="military_forces")
    assert mainland.verdict is Verdict.ALLOWED and ids(mainland) == ["ukrainian-territory"]
