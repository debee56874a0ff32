"""The later versions of the us-ukraine pack (timeline.md), each rule on both sides of its boundary."""

from __future__ import annotations

import datetime as dt

import pytest

from enduse import Verdict


def ids(decision):
    return [c.id for c in decision.clauses]


def test_each_version_names_the_zones_in_force(pack):
    assert pack.version("baseline").zones == ()
    assert set(pack.version("kharkiv").zones) == {"kharkiv_border", "sumy_border"}
    assert pack.version("whole-border").zones == ("russia_border",)
    assert set(pack.version("atacms-kursk").zones) == {"russia_border", "kursk_oblast", "russia_wider_scope"}


def test_versions_follow_the_timeline_and_say_how_sure_their_dates_are(pack):
    starts = {v.id: v.effective_from for v in pack.versions}
    assert starts["whole-border"] == dt.date(2024, 6, 17) and starts["atacms-kursk"] == dt.date(2024, 11, 17)
    spring = pack.version("case-by-case")
    assert spring.date_confidence == "low" and "late spring 2025" in spring.date_note
    assert all(v.sources and v.confidence in ("high", "medium", "low") for v in pack.versions)


def test_whole_border_reaches_beyond_kharkiv(judge):
    across_sumy = dict(at="Tyotkino", target="artillery", purpose="counter_fire")
    before, after = judge(date="2024-06-16", **across_sumy), judge(date="2024-06-17", **across_sumy)
    assert before.verdict is Verdict.INDETERMINATE and before.missing == ("zone:sumy_border",)
    assert after.verdict is Verdict.ALLOWED and ids(after) == ["counter-fire"] and after.version == "whole-border"
    assert "russia_border" in after.facts.zones and "sumy_border" not in after.facts.zones
    far = judge(date="2024-06-17", at="Voronezh", target="artillery", purpose="counter_fire")
    assert far.verdict is Verdict.FORBIDDEN and ids(far) == []


def test_atacms_in_kursk_from_17_november_2024(judge):
    use = dict(at="Kursk", weapon="ATACMS", target="military_forces", purpose="interdiction")
    before, after = judge(date="2024-11-16", **use), judge(date="2024-11-17", **use)
    assert before.verdict is Verdict.FORBIDDEN and ids(before) == ["no-long-range-in-russia"]
    assert after.verdict is Verdict.ALLOWED and ids(after) == ["atacms-in-kursk"]
    assert after.confidence == "medium" and after.clauses[0].confidence == "medium"
    civilian = judge(date="2024-11-20", **{**use, "target": "civilian_infrastructure"})
    assert civilian.verdict is Verdict.FORBIDDEN and "no-civilian-infrastructure" in ids(civilian)
    other_long_range = judge(date="2024-11-20", **{**use, "weapon": "GLSDB"})
    assert other_long_range.verdict is Verdict.FORBIDDEN and ids(other_long_range) == ["no-long-range-except-atacms-in-kursk"]
    airfield = judge(date="2024-11-20", **{**use, "target": "airfield"})
    assert airfield.verdict is Verdict.FORBIDDEN and ids(airfield) == []  # the reports name troops only


@pytest.mark.parametrize(
    ("scope", "verdict", "clauses"),
    [
        (None, Verdict.INDETERMINATE, ["atacms-in-kursk", "no-long-range-except-atacms-in-kursk"]),
        ("in", Verdict.ALLOWED, ["atacms-in-kursk"]),
        ("out", Verdict.FORBIDDEN, ["no-long-range-except-atacms-in-kursk"]),
    ],
)
def test_atacms_beyond_kursk_follows_the_named_assumption(judge, scope, verdict, clauses):
    params = {"atacms_nov_2024_beyond_kursk": scope} if scope else None
    decision = judge(date="2024-11-19", at="Voronezh", weapon="ATACMS", target="military_forces",
                     purpose="interdiction", params=params)
    assert decision.verdict is verdict and ids(decision) == clauses
    if scope is None:
        assert decision.missing == ("zone:russia_wider_scope",)
        assert decision.assumptions["atacms_nov_2024_beyond_kursk"] == "vague"


@pytest.mark.parametrize(("approved", "verdict"), [("unknown", Verdict.INDETERMINATE), ("yes", Verdict.ALLOWED),
                                                   ("no", Verdict.FORBIDDEN)])
def test_case_by_case_approval_from_spring_2025(judge, approved, verdict):
    decision = judge(date="2025-07-01", at="Kursk", weapon="ATACMS", target="airfield", purpose="interdiction",
                     facts={"approved": approved})
    assert decision.version == "case-by-case" and decision.verdict is verdict
    assert decision.missing == (("approved",) if approved == "unknown" else ())


def test_approval_is_not_needed_for_weapons_that_are_not_long_range(judge):
    decision = judge(date="2025-07-01", at="Shebekino", facts={"approved": "unknown"})
    assert decision.verdict is Verdict.ALLOWED and ids(decision) == ["counter-fire"]


def test_a_decision_names_only_the_assumptions_and_facts_its_version_reads(judge):
    whole_border = judge(date="2024-06-20", at="Tyotkino")
    assert set(whole_border.assumptions) == {"near_border_inside_km", "near_border_outside_km", "assume_linked_to_invasion"}
    assert set(whole_border.use_facts) == {"linked_to_invasion"}
    spring = judge(date="2025-07-01", at="Kursk", weapon="ATACMS", target="airfield", purpose="interdiction")
    assert "assume_approved" in spring.assumptions and "atacms_nov_2024_beyond_kursk" not in spring.assumptions
    assert judge(date="2023-01-01", at="Shebekino").assumptions == {}


def test_an_uncertain_start_date_is_shown_with_the_verdict(judge):
    decision = judge(date="2025-06-01", at="Kursk", weapon="ATACMS", target="military_forces", purpose="interdiction")
    assert decision.to_json()["version_date_confidence"] == "low"
    assert "the fact approved" in decision.explanation
    assert judge(at="Shebekino").to_json()["version_date_confidence"] == "high"
