"""The ten allied packs of timeline-allies.md: it, be, nl, dk, se, fi, pl, cz, ca and no (each ``<cc>-ukraine``).

Every version's rules on both sides of its boundary; each named assumption INDETERMINATE by default (naming it)
and confident when settled; Italy's and Belgium's weapons never ALLOWED in Russia; civilian infrastructure in Russia
never ALLOWED; making an assumption vague never makes a verdict confident.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enduse import Verdict
from enduse.catalog import load_catalog
from enduse.judge import Judge
from enduse.packs.registry import load_pack
from enduse.vocab import PURPOSES, TARGETS

ALLIES = ("it", "be", "nl", "dk", "se", "fi", "pl", "cz", "ca", "no")
PACKS = tuple(f"{cc}-ukraine" for cc in ALLIES)
# A weapon the catalogue lists for each supplier; Finland and Canada have none there (a use states weapon unknown).
WEAPON = {"it": "SAMP/T", "be": "F-16", "nl": "F-16", "dk": "F-16", "se": "Archer", "fi": "unknown", "pl": "Krab",
          "cz": "RM-70", "ca": "unknown", "no": "NASAMS"}
INDUSTRY = "industry_energy_targets_in_russia"
CIVILIAN_FORBID = "no-civilian-infrastructure-in-russia"
IN_RUSSIA = ["Sudzha", "Kursk", "Lgov", "Belgorod", "Bryansk", "Voronezh", "Moscow", "Rostov-on-Don"]
INVASION = dt.date(2022, 2, 24)

# Packs that permit military targets in Russia from a first statement, with what the sources leave open before it.
#            cc    first statement             pre-statement assumption                       version id
PERMISSIVE = [
    ("se", dt.date(2024, 5, 26), "sweden_weapons_in_russia_before_may_2024", "laws-of-war"),
    ("fi", dt.date(2024, 2, 29), "finland_weapons_in_russia_before_feb_2024", "no-restrictions"),
    ("pl", dt.date(2024, 5, 29), "poland_weapons_in_russia_before_may_2024", "no-restrictions"),
    ("cz", dt.date(2024, 5, 30), "czech_weapons_in_russia_before_may_2024", "no-restrictions"),
    ("ca", dt.date(2024, 5, 29), "canada_weapons_in_russia_before_may_2024", "no-conditions"),
    ("nl", dt.date(2024, 6, 3), "netherlands_weapons_in_russia_before_jun_2024", "theirs-to-use"),
    ("dk", dt.date(2024, 5, 30), "denmark_weapons_in_russia_before_may_2024", "f16-military-targets-in-russia"),
]


def ids(decision) -> list[str]:
    return [c.id for c in decision.clauses]


def day(d: dt.date, delta: int = 0) -> str:
    return (d + dt.timedelta(days=delta)).isoformat()


def weapons_of(cc: str) -> list[str]:
    names = [w.name for w in load_catalog() if cc.upper() in w.suppliers]
    return [*names, "unknown"]


# ----------------------------------------------------------------------------------------------- every pack


@pytest.mark.parametrize("cc", ALLIES)
def test_pack_is_the_suppliers_with_dated_sourced_versions(cc):
    pack = load_pack(f"{cc}-ukraine")
    assert pack.supplier == cc.upper() and pack.recipient == "UA" and pack.shared_schema
    assert pack.versions[0].effective_from == INVASION and len(pack.versions) == 2
    for version in pack.versions:
        assert version.sources and all(pack.sources[s].url for s in version.sources), version.id
        assert version.date_note, version.id  # every version says how its start was chosen
        assert version.date_confidence == "high" or version.date_note
    cited = {s for v in pack.versions for c in v.clauses.values() for s in c.sources}
    assert cited and all(pack.sources[s].url and pack.sources[s].quote for s in cited)
    for name in pack.scopes:  # every scope assumption: in | out | vague, with sources
        param = pack.parameters[name]
        assert param.choices == ["in", "out", "vague"] and param.sources


@pytest.mark.parametrize("cc", ALLIES)
def test_before_the_invasion_no_version_governs_and_from_it_ukrainian_territory_is_permitted(cc, under):
    pack = f"{cc}-ukraine"
    before = under(pack, date=day(INVASION, -1), place="Kharkiv", weapon=WEAPON[cc])
    assert before.verdict is Verdict.NOT_GOVERNED
    for version in load_pack(pack).versions:
        for place in ("Kharkiv", "Donetsk"):  # Donetsk city: occupied, and "UA"
            decision = under(pack, date=version.effective_from.isoformat(), place=place, weapon=WEAPON[cc])
            assert decision.verdict is Verdict.ALLOWED and ids(decision) == ["ukrainian-territory"], (version.id, place)
            assert decision.version == version.id


@pytest.mark.parametrize("cc", [c for c in ALLIES if c not in ("it", "be")])
def test_the_shared_industry_assumption_is_vague_by_default(cc):
    pack = load_pack(f"{cc}-ukraine")
    assert pack.parameters[INDUSTRY].value == "vague" and INDUSTRY in pack.scopes


# ------------------------------------------------------------------- packs that permit military targets in Russia


@pytest.mark.parametrize(("cc", "first", "pre", "version_id"), PERMISSIVE)
def test_military_targets_in_russia_from_the_first_statement(cc, first, pre, version_id, under):
    pack = f"{cc}-ukraine"
    use = dict(place="Kursk", weapon=WEAPON[cc], target="airfield", purpose="interdiction")
    before, after = under(pack, date=day(first, -1), **use), under(pack, date=day(first), **use)
    assert before.verdict is Verdict.INDETERMINATE and before.missing == (pre,)
    assert before.version == f"before-{load_pack(pack).versions[0].id.removeprefix('before-')}"
    assert after.verdict is Verdict.ALLOWED and ids(after) == ["military-targets-in-russia"] and after.version == version_id
    assert after.confidence in ("high", "medium")


@pytest.mark.parametrize(("cc", "first", "pre", "version_id"), PERMISSIVE)
@pytest.mark.parametrize(("setting", "verdict", "clauses"), [
    ("in", Verdict.ALLOWED, ["military-targets-in-russia-if-assumed"]),
    ("out", Verdict.FORBIDDEN, []),
])
def test_before_the_first_statement_russia_follows_the_named_assumption(cc, first, pre, version_id, setting, verdict,
                                                                        clauses, under):
    decision = under(f"{cc}-ukraine", date=day(INVASION, 30), place="Belgorod", weapon=WEAPON[cc],
                     target="artillery", purpose="counter_fire", params={pre: setting})
    assert decision.verdict is verdict and ids(decision) == clauses and not decision.missing
    assert decision.assumptions[pre] == setting
    # and on the last day before the statement, too
    last = under(f"{cc}-ukraine", date=day(first, -1), place="Belgorod", weapon=WEAPON[cc], target="artillery",
                 purpose="counter_fire", params={pre: setting})
    assert last.verdict is verdict


@pytest.mark.parametrize(("cc", "first", "pre", "version_id"), PERMISSIVE)
@pytest.mark.parametrize(("setting", "verdict"), [(None, Verdict.INDETERMINATE), ("in", Verdict.ALLOWED),
                                                  ("out", Verdict.FORBIDDEN)])
def test_industry_and_energy_targets_in_russia_follow_the_shared_assumption(cc, first, pre, version_id, setting,
                                                                            verdict, under):
    params = {INDUSTRY: setting} if setting else None
    for target in ("military_industry", "energy_infrastructure"):
        decision = under(f"{cc}-ukraine", date=day(first), place="Bryansk", weapon=WEAPON[cc], target=target,
                         purpose="interdiction", params=params)
        assert decision.verdict is verdict, target
        assert decision.missing == ((INDUSTRY,) if setting is None else ())
        if setting == "in":
            assert ids(decision) == ["industry-energy-targets-in-russia-if-covered"]
    # before the statement both assumptions matter, and settling only one leaves the other
    early = under(f"{cc}-ukraine", date=day(first, -1), place="Bryansk", weapon=WEAPON[cc], target="military_industry",
                  purpose="interdiction")
    assert early.verdict is Verdict.INDETERMINATE and set(early.missing) == {pre, INDUSTRY}
    settled = under(f"{cc}-ukraine", date=day(first, -1), place="Bryansk", weapon=WEAPON[cc],
                    target="military_industry", purpose="interdiction", params={pre: "in"})
    assert settled.verdict is Verdict.INDETERMINATE and settled.missing == (INDUSTRY,)


@pytest.mark.parametrize(("cc", "first", "pre", "version_id"), PERMISSIVE)
def test_civilian_infrastructure_in_russia_is_forbidden_on_both_sides_of_the_statement(cc, first, pre, version_id,
                                                                                       under):
    for when, params in ((day(first, -1), {pre: "in"}), (day(first), None), (day(first, -1), None)):
        decision = under(f"{cc}-ukraine", date=when, place="Kursk", weapon=WEAPON[cc], target="civilian_infrastructure",
                         purpose="interdiction", params=params)
        assert decision.verdict is Verdict.FORBIDDEN and ids(decision) == [CIVILIAN_FORBID], when


def test_purpose_is_not_restricted_where_the_sources_do_not_restrict_it(under):
    for purpose in ("intercept", "counter_fire", "preempt_attack", "interdiction"):
        decision = under("se-ukraine", date="2024-07-01", place="Voronezh", weapon="Archer", target="command_post",
                         purpose=purpose)
        assert decision.verdict is Verdict.ALLOWED, purpose


def test_finland_and_canada_judge_an_unknown_weapon_stated_as_theirs(under):
    from enduse import check

    for supplier, first in (("FI", "2024-02-29"), ("CA", "2024-05-29")):
        use = {"date": first, "place": "Kursk", "weapon": "unknown", "supplier": supplier, "target": "airfield",
               "purpose": "interdiction"}
        decision = check(use)  # routed by the stated supplier
        assert decision.pack == f"{supplier.lower()}-ukraine" and decision.verdict is Verdict.ALLOWED
    assert "does not publish what it delivers" in load_pack("fi-ukraine").description


def test_czech_pack_leaves_the_ammunition_initiative_to_its_description():
    pack = load_pack("cz-ukraine")
    assert "Czech-led ammunition initiative" in pack.description
    assert pack.version("no-restrictions").confidence == "high"


def test_canada_and_poland_say_how_sure_their_start_dates_are():
    for name, version_id in (("ca-ukraine", "no-conditions"), ("pl-ukraine", "no-restrictions")):
        version = load_pack(name).version(version_id)
        assert version.date_confidence == "medium" and "assumed" in version.date_note
    assert load_pack("ca-ukraine").version("no-conditions").confidence == "medium"  # one outlet, maybe translated


# ------------------------------------------------------------------------------------- Netherlands and Denmark


def test_netherlands_conflicting_history_is_a_named_assumption_not_a_verdict(under):
    pack = load_pack("nl-ukraine")
    pre = "netherlands_weapons_in_russia_before_jun_2024"
    assert pack.parameters[pre].value == "vague"
    assert "pledgetimes-ellemann-jensen-2023-08" in pack.parameters[pre].sources  # the conflicting Danish account
    use = dict(place="Belgorod", weapon="F-16", target="aircraft", purpose="intercept")
    # after the Danish minister's account (Aug 2023) and in the last days of May 2024: no confident verdict
    for when in ("2023-09-01", "2024-05-31", "2024-06-02"):
        decision = under("nl-ukraine", date=when, **use)
        assert decision.verdict is Verdict.INDETERMINATE and decision.missing == (pre,), when
    assert under("nl-ukraine", date="2023-09-01", params={pre: "out"}, **use).verdict is Verdict.FORBIDDEN
    version = pack.version("theirs-to-use")
    assert version.date_confidence == "medium" and "late May / early Jun 2024" in version.date_note
    # intercepting over Russia (Sep/Oct 2024) and airfields (Oct 2024), with no range limit: Moscow too
    after = under("nl-ukraine", date="2024-06-03", **use)
    assert after.verdict is Verdict.ALLOWED and ids(after) == ["military-targets-in-russia"]
    far = under("nl-ukraine", date="2024-10-17", place="Moscow", weapon="F-16", target="airfield")
    assert far.verdict is Verdict.ALLOWED
    patriot = under("nl-ukraine", date="2024-10-17", place="Belgorod", weapon="Patriot", target="missile_in_flight",
                    purpose="intercept")
    assert patriot.verdict is Verdict.ALLOWED and patriot.pack == "nl-ukraine"


def test_denmark_ellemann_jensen_against_not_a_new_position(under):
    pre = "denmark_weapons_in_russia_before_may_2024"
    use = dict(place="Kursk", weapon="F-16", target="military_forces", purpose="interdiction")
    for when in ("2022-06-01", "2023-08-21", "2024-05-29"):
        decision = under("dk-ukraine", date=when, **use)
        assert decision.verdict is Verdict.INDETERMINATE and decision.missing == (pre,), when
        assert decision.confidence == "medium"
    ellemann = under("dk-ukraine", date="2023-08-21", params={pre: "out"}, **use)
    rasmussen = under("dk-ukraine", date="2023-08-21", params={pre: "in"}, **use)
    assert ellemann.verdict is Verdict.FORBIDDEN and rasmussen.verdict is Verdict.ALLOWED
    sources = load_pack("dk-ukraine").parameters[pre].sources
    assert {"pledgetimes-ellemann-jensen-2023-08", "altnewsag-rasmussen-not-new-2024-05-30"} <= set(sources)
    after = under("dk-ukraine", date="2024-05-30", **use)
    assert after.verdict is Verdict.ALLOWED and after.confidence == "high"


@pytest.mark.parametrize(("setting", "verdict", "clauses"), [
    (None, Verdict.INDETERMINATE, ["military-targets-in-russia", "no-f16-bombing-of-moscow-if-excluded"]),
    ("in", Verdict.FORBIDDEN, ["no-f16-bombing-of-moscow-if-excluded"]),
    ("out", Verdict.ALLOWED, ["military-targets-in-russia"]),
])
def test_denmark_informal_moscow_exclusion_is_a_named_assumption(setting, verdict, clauses, under):
    name = "denmark_f16_moscow_excluded_from_may_2024"
    params = {name: setting} if setting else None
    decision = under("dk-ukraine", date="2024-06-15", place="Moscow", weapon="F-16", target="airfield",
                     purpose="interdiction", params=params)
    assert decision.verdict is verdict and ids(decision) == clauses
    assert decision.missing == ((name,) if setting is None else ())
    # only Moscow city, only bombing: elsewhere in Russia, and intercepting over Moscow, are not affected
    assert under("dk-ukraine", date="2024-06-15", place="Voronezh", weapon="F-16", target="airfield",
                 params=params).verdict is Verdict.ALLOWED
    assert under("dk-ukraine", date="2024-06-15", place="Moscow", weapon="F-16", target="missile_in_flight",
                 purpose="intercept", params=params).verdict is Verdict.ALLOWED
    # before 30 May 2024 the exclusion is not in force (the Russia question there is the earlier assumption)
    early = under("dk-ukraine", date="2024-05-29", place="Moscow", weapon="F-16", target="airfield",
                  params={"denmark_weapons_in_russia_before_may_2024": "in", **(params or {})})
    assert early.verdict is Verdict.ALLOWED


# ---------------------------------------------------------------------------------------------------- Norway


def test_norway_withholds_its_conditions_for_specific_systems(under):
    pre, systems = "norway_weapons_in_russia_before_may_2024", "norway_systems_usable_in_russia_from_may_2024"
    use = dict(place="Belgorod", weapon="NASAMS", target="aircraft", purpose="intercept")
    before, after = under("no-ukraine", date="2024-05-29", **use), under("no-ukraine", date="2024-05-30", **use)
    assert before.verdict is Verdict.INDETERMINATE and before.missing == (pre,)
    assert after.verdict is Verdict.INDETERMINATE and after.missing == (systems,)
    assert after.version == "right-under-international-law" and after.version_date_confidence == "medium"
    settled_in = under("no-ukraine", date="2024-05-30", params={systems: "in"}, **use)
    assert settled_in.verdict is Verdict.ALLOWED and ids(settled_in) == ["military-targets-in-russia-if-conditions-allow"]
    settled_out = under("no-ukraine", date="2024-05-30", params={systems: "out"}, **use)
    assert settled_out.verdict is Verdict.FORBIDDEN and ids(settled_out) == []
    f16 = under("no-ukraine", date="2025-01-10", place="Kursk", weapon="F-16", target="airfield")
    assert f16.verdict is Verdict.INDETERMINATE and f16.missing == (systems,)
    assert load_pack("no-ukraine").version("right-under-international-law").confidence == "medium"
    civilian = under("no-ukraine", date="2024-05-30", place="Kursk", weapon="F-16", target="civilian_infrastructure",
                     params={systems: "in"})
    assert civilian.verdict is Verdict.FORBIDDEN and ids(civilian) == [CIVILIAN_FORBID]


# --------------------------------------------------------------------------------------------- Italy, Belgium

ONLY_UKRAINE = [
    # cc   statement               versions before / from it                      forbid clause
    ("it", dt.date(2024, 5, 7), ("ukraine-only", "medium"), ("ukraine-only-stated", "high"),
     "italian-weapons-only-inside-ukraine"),
    ("be", dt.date(2024, 5, 28), ("ukraine-only-reported", "low"), ("f16-agreement", "high"),
     "belgian-weapons-only-on-ukrainian-territory"),
]


@pytest.mark.parametrize(("cc", "statement", "earlier", "later", "forbid"), ONLY_UKRAINE)
def test_italy_and_belgium_forbid_russia_on_both_sides_of_their_statement(cc, statement, earlier, later, forbid, under):
    use = dict(place="Belgorod", weapon=WEAPON[cc], target="aircraft", purpose="intercept")  # not even intercepting
    before, after = under(f"{cc}-ukraine", date=day(statement, -1), **use), under(f"{cc}-ukraine", date=day(statement), **use)
    for decision, (version_id, confidence) in ((before, earlier), (after, later)):
        assert decision.verdict is Verdict.FORBIDDEN and ids(decision) == [forbid]
        assert decision.version == version_id and decision.confidence == confidence
    assert load_pack(f"{cc}-ukraine").versions[0].date_confidence == "low"
    minsk = under(f"{cc}-ukraine", date=day(statement), place="Minsk", weapon=WEAPON[cc])
    assert minsk.verdict is Verdict.FORBIDDEN and ids(minsk) == [forbid]


@pytest.mark.parametrize("cc", ["it", "be"])
@pytest.mark.parametrize(("setting", "verdict", "clauses"), [
    (None, Verdict.ALLOWED, ["crimea-as-ukrainian-territory"]),  # 'in' by default: implicitly Ukrainian territory
    ("vague", Verdict.INDETERMINATE, ["crimea-as-ukrainian-territory"]),
    ("out", Verdict.FORBIDDEN, []),
])
def test_crimea_is_ukrainian_territory_by_a_named_assumption(cc, setting, verdict, clauses, under):
    name = {"it": "italy_ukrainian_territory_includes_crimea", "be": "belgium_ukrainian_territory_includes_crimea"}[cc]
    params = {name: setting} if setting else None
    for place in ("Sevastopol", "Simferopol"):
        decision = under(f"{cc}-ukraine", date="2024-09-01", place=place, weapon=WEAPON[cc], params=params)
        assert decision.verdict is verdict and ids(decision) == clauses, place
        assert decision.missing == ((name,) if setting == "vague" else ())
    # the rest of Ukraine never depends on it
    kharkiv = under(f"{cc}-ukraine", date="2024-09-01", place="Kharkiv", weapon=WEAPON[cc], params=params)
    assert kharkiv.verdict is Verdict.ALLOWED and ids(kharkiv) == ["ukrainian-territory"]


# ------------------------------------------------------------------------------------------- property tests

DAYS = st.dates(min_value=dt.date(2022, 2, 24), max_value=dt.date(2026, 6, 30))


def random_uses(draw, cc: str, places: list[str], targets=TARGETS, n: int = 6) -> list[dict]:
    return [{"date": draw(DAYS).isoformat(), "place": draw(st.sampled_from(places)),
             "weapon": draw(st.sampled_from(weapons_of(cc))), "target": draw(st.sampled_from(targets)),
             "purpose": draw(st.sampled_from(PURPOSES))} for _ in range(n)]


def judged(pack: str, settings_: dict[str, str], uses: list[dict]):
    return Judge.create(pack, settings_, engine="cedar").uses(uses)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_italian_and_belgian_weapons_are_never_allowed_on_russian_territory(data):
    cc = data.draw(st.sampled_from(["it", "be"]))
    pack = f"{cc}-ukraine"
    settled = {s: data.draw(st.sampled_from(["in", "out", "vague"])) for s in load_pack(pack).scopes}
    uses = random_uses(data.draw, cc, IN_RUSSIA)
    for use, decision in zip(uses, judged(pack, settled, uses)):
        assert decision.verdict is Verdict.FORBIDDEN, (pack, use, settled, decision.explanation)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_civilian_infrastructure_in_russia_is_never_allowed_under_any_allied_pack(data):
    cc = data.draw(st.sampled_from(ALLIES))
    pack = f"{cc}-ukraine"
    settled = {s: data.draw(st.sampled_from(["in", "out", "vague"])) for s in load_pack(pack).scopes}
    uses = random_uses(data.draw, cc, IN_RUSSIA, targets=["civilian_infrastructure"])
    for use, decision in zip(uses, judged(pack, settled, uses)):
        assert decision.verdict is Verdict.FORBIDDEN, (pack, use, settled, decision.explanation)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_making_any_assumption_vague_never_makes_a_verdict_confident(data):
    cc = data.draw(st.sampled_from(ALLIES))
    pack = f"{cc}-ukraine"
    scopes = list(load_pack(pack).scopes)
    settled = {s: data.draw(st.sampled_from(["in", "out", "vague"])) for s in scopes}
    made_vague = data.draw(st.sampled_from(scopes))
    uses = random_uses(data.draw, cc, [*IN_RUSSIA, "Kharkiv", "Sevastopol", "Simferopol", "Minsk"])
    befores = judged(pack, settled, uses)
    afters = judged(pack, {**settled, made_vague: "vague"}, uses)
    for use, before, after in zip(uses, befores, afters):
        if before.verdict is Verdict.INDETERMINATE:
            assert after.verdict is Verdict.INDETERMINATE, (pack, use, settled, made_vague)
        elif after.verdict is not before.verdict:
            assert after.verdict is Verdict.INDETERMINATE and made_vague in after.missing, (pack, use, made_vague)
