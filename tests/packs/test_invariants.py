"""What every bundled pack must hold, whatever its supplier: checked on random uses of each pack's own weapons."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enduse import Verdict
from enduse.catalog import load_catalog
from enduse.judge import Judge
from enduse.packs import builtin_names
from enduse.packs.registry import load_pack
from enduse.vocab import PURPOSES, TARGETS

PACKS = builtin_names()
IN_RUSSIA = ["Shebekino", "Sudzha", "Kursk", "Lgov", "Belgorod", "Bryansk", "Voronezh", "Moscow", "Rostov-on-Don"]
DAYS = st.dates(min_value=__import__("datetime").date(2022, 3, 1), max_value=__import__("datetime").date(2026, 6, 30))


def weapons_of(pack: str) -> list[str]:
    supplier = load_pack(pack).supplier
    return [w.name for w in load_catalog() if supplier in w.suppliers] or ["unknown"]


def scopes_of(pack: str) -> list[str]:
    return list(load_pack(pack).scopes)


@pytest.mark.parametrize("name", PACKS)
def test_every_pack_uses_the_shared_schema_and_cites_sources_with_urls(name):
    pack = load_pack(name)
    assert pack.shared_schema and pack.name == f"{pack.supplier.lower()}-ukraine"
    for version in pack.versions:
        assert version.sources and version.confidence in ("high", "medium", "low")
        assert version.date_confidence == "high" or version.date_note, (name, version.id)
    cited = {s for v in pack.versions for c in v.clauses.values() for s in c.sources}
    assert cited and all(pack.sources[s].quote for s in cited)
    if name != "us-ukraine":  # the founding pack's sources are the founding report and timeline.md, which give no URLs
        assert all(pack.sources[s].url for s in cited), name


@pytest.mark.parametrize("name", PACKS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_civilian_infrastructure_in_russia_is_never_allowed(name, data):
    use = {"date": data.draw(DAYS).isoformat(), "place": data.draw(st.sampled_from(IN_RUSSIA)),
           "weapon": data.draw(st.sampled_from(weapons_of(name))), "target": "civilian_infrastructure",
           "purpose": data.draw(st.sampled_from(PURPOSES))}
    settled = {scope: data.draw(st.sampled_from(["in", "out", "vague"])) for scope in scopes_of(name)}
    decision = Judge.create(name, settled, engine="cedar").uses([use])[0]
    assert decision.verdict is not Verdict.ALLOWED, (use, settled, decision.explanation)


@pytest.mark.parametrize("name", [n for n in PACKS if scopes_of(n)])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_making_an_assumption_vague_never_makes_a_verdict_confident(name, data):
    """Settled (in/out) assumptions, then one of them made vague: an INDETERMINATE verdict stays INDETERMINATE, and a
    confident one either stays or becomes INDETERMINATE naming that assumption."""
    use = {"date": data.draw(DAYS).isoformat(), "place": data.draw(st.sampled_from([*IN_RUSSIA, "Kharkiv", "Sevastopol"])),
           "weapon": data.draw(st.sampled_from(weapons_of(name))), "target": data.draw(st.sampled_from(TARGETS)),
           "purpose": data.draw(st.sampled_from(PURPOSES))}
    settled = {scope: data.draw(st.sampled_from(["in", "out"])) for scope in scopes_of(name)}
    made_vague = data.draw(st.sampled_from(scopes_of(name)))
    before = Judge.create(name, settled, engine="cedar").uses([use])[0]
    after = Judge.create(name, {**settled, made_vague: "vague"}, engine="cedar").uses([use])[0]
    if before.verdict is Verdict.INDETERMINATE:
        assert after.verdict is Verdict.INDETERMINATE
    elif after.verdict is not before.verdict:
        assert after.verdict is Verdict.INDETERMINATE and made_vague in after.missing
