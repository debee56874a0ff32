"""What every bundled pack must hold, whatever its supplier: checked on random uses of each pack's own weapons."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enduse import Verdict
from enduse.catalog import load_catalog
from enduse.api import check_many
from enduse.packs import builtin_names
from enduse.packs.registry import load_pack
from enduse.vocab import PURPOSES, TARGETS

PACKS = builtin_names()
IN_RUSSIA = ["Shebekino", "Sudzha", "Kursk", "Lgov", "Belgorod", "Valuyki", "Bryansk", "Voronezh", "Moscow", "Rostov-on-Don"]
FACT = st.sampled_from(["yes", "no", "unknown"])
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


def random_uses(data, name: str, n: int, places: list[str], targets=TARGETS) -> list[dict]:
    return [{"date": data.draw(DAYS).isoformat(), "place": data.draw(st.sampled_from(places)),
             "weapon": data.draw(st.sampled_from(weapons_of(name))), "target": data.draw(st.sampled_from(targets)),
             "purpose": data.draw(st.sampled_from(PURPOSES)),
             "facts": {fact: data.draw(FACT) for fact in load_pack(name).facts}} for _ in range(n)]


@pytest.mark.parametrize("name", PACKS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_civilian_infrastructure_in_russia_is_never_allowed(name, data):
    uses = random_uses(data, name, 4, IN_RUSSIA, ["civilian_infrastructure"])
    settled = {scope: data.draw(st.sampled_from(["in", "out", "vague"])) for scope in scopes_of(name)}
    for use, decision in zip(uses, check_many(uses, name, params=settled), strict=True):
        assert decision.verdict is not Verdict.ALLOWED, (use, settled, decision.explanation)


@pytest.mark.parametrize("name", [n for n in PACKS if scopes_of(n)])
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_making_an_assumption_vague_never_makes_a_verdict_confident(name, data):
    """Defaults (vague) against settled (in/out) assumptions, and one of them made vague again: a confident default
    stays whatever they are settled to; an INDETERMINATE verdict stays INDETERMINATE; a confident one either stays or
    becomes INDETERMINATE naming that assumption."""
    uses = random_uses(data, name, 5, [*IN_RUSSIA, "Kharkiv", "Sevastopol"])
    settled = {scope: data.draw(st.sampled_from(["in", "out"])) for scope in scopes_of(name)}
    made_vague = data.draw(st.sampled_from(scopes_of(name)))
    default = check_many(uses, name, params={scope: "vague" for scope in scopes_of(name)})
    exact = check_many(uses, name, params=settled)
    vague = check_many(uses, name, params={**settled, made_vague: "vague"})
    for use, d, e, v in zip(uses, default, exact, vague, strict=True):
        if d.verdict is not Verdict.INDETERMINATE:
            assert e.verdict is d.verdict, (use, settled)
        if e.verdict is Verdict.INDETERMINATE:
            assert v.verdict is Verdict.INDETERMINATE, (use, settled, made_vague)
        elif v.verdict is not e.verdict:
            assert v.verdict is Verdict.INDETERMINATE and made_vague in v.missing, (use, settled, made_vague)
