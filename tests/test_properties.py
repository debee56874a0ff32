"""Invariants of the founding pack, checked on random uses (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enduse import Verdict, check, load_pack_dir
from enduse.catalog import load_catalog
from enduse.vocab import PURPOSES, TARGETS

US = [w.name for w in load_catalog() if "US" in w.suppliers]
OTHERS = [w.name for w in load_catalog() if "US" not in w.suppliers]
FACT = st.sampled_from(["yes", "no", "unknown"])

# Points around the theatre: Ukraine, western Russia, Belarus and a little beyond.
points = st.tuples(st.floats(44.0, 56.0), st.floats(28.0, 42.0))
days = st.dates(dt.date(2022, 3, 1), dt.date(2026, 6, 1))
common = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def use(point, weapon, target, purpose, day, linked):
    lat, lon = point
    return {"date": day.isoformat(), "lat": lat, "lon": lon, "weapon": weapon, "target": target,
            "purpose": purpose, "facts": {"linked_to_invasion": linked}}


@common
@given(points, st.sampled_from(OTHERS), st.sampled_from(TARGETS), st.sampled_from(PURPOSES), days, FACT)
def test_weapons_not_supplied_by_the_us_are_never_governed(pack, point, weapon, target, purpose, day, linked):
    assert check(use(point, weapon, target, purpose, day, linked), pack).verdict is Verdict.NOT_GOVERNED


@common
@given(points, st.sampled_from(US), st.sampled_from(PURPOSES), days, FACT)
def test_civilian_infrastructure_is_never_allowed_in_russia(pack, point, weapon, purpose, day, linked):
    decision = check(use(point, weapon, "civilian_infrastructure", purpose, day, linked), pack)
    if decision.facts.country == "RU":
        assert decision.verdict is not Verdict.ALLOWED


@common
@given(points, st.sampled_from(US), st.sampled_from(TARGETS), st.sampled_from(PURPOSES), FACT)
def test_the_change_of_30_may_2024_changes_exactly_the_expected_uses(pack, point, weapon, target, purpose, linked):
    before = check(use(point, weapon, target, purpose, dt.date(2024, 5, 29), linked), pack)
    after = check(use(point, weapon, target, purpose, dt.date(2024, 5, 30), linked), pack)
    assert (before.version, after.version) == ("baseline", "kharkiv")
    if before.facts.country != "RU":
        assert before.verdict is after.verdict
    else:
        assert before.verdict is Verdict.FORBIDDEN
        assert (before.verdict is not after.verdict) == (after.verdict is not Verdict.FORBIDDEN)


@common
@given(points, st.sampled_from(US), st.sampled_from(TARGETS), st.sampled_from(PURPOSES), days, FACT)
def test_allowed_is_only_ever_decided_by_permits_and_forbidden_by_forbids(pack, point, weapon, target, purpose, day, linked):
    decision = check(use(point, weapon, target, purpose, day, linked), pack)
    effects = {c.effect for c in decision.clauses}
    if decision.verdict is Verdict.ALLOWED:
        assert effects == {"permit"}
    if decision.verdict is Verdict.FORBIDDEN:
        assert effects <= {"forbid"}
    assert (decision.verdict is Verdict.INDETERMINATE) == bool(decision.missing)


def test_a_forbid_wins_over_every_permit(pack, pack_copy):
    (pack_copy / "policies" / "kharkiv.cedar").write_text(
        (pack_copy / "policies" / "kharkiv.cedar").read_text()
        + '\n@id("forbid-all")\n@source("founding-report")\nforbid (principal, action, resource);\n'
    )
    strict = load_pack_dir(pack_copy)

    @common
    @given(points, st.sampled_from(US), st.sampled_from(TARGETS), st.sampled_from(PURPOSES), FACT)
    def run(point, weapon, target, purpose, linked):
        raw = use(point, weapon, target, purpose, dt.date(2024, 6, 5), linked)
        decision = check(raw, strict)
        assert decision.verdict is Verdict.FORBIDDEN
        assert "forbid-all" in [c.id for c in decision.clauses]
        assert check(raw, pack).verdict is not Verdict.NOT_GOVERNED

    run()
