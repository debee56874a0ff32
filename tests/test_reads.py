"""What a version reads and names: the ground for deciding fewer situations."""

from __future__ import annotations

import pytest

from enduse.reads import _compared_in, _named_in, assumptions_read, compared_values, named_entities, version_reads


def test_versions_name_the_entities_their_clauses_write(pack):
    assert named_entities(pack.version("baseline")) == frozenset()
    kursk = named_entities(pack.version("atacms-kursk"))
    assert ("Enduse::Weapon", "ATACMS") in kursk and ("Enduse::Target", "military_forces") in kursk
    assert ("Enduse::Target", "airfield") not in kursk
    assert version_reads(pack.version("baseline")).context == {"country"}


def test_comparing_two_variables_can_tell_any_entities_apart():
    assert _named_in('permit (principal, action, resource) when { principal == resource };') is None
    assert _named_in('permit (principal, action, resource) when { principal == Enduse::Weapon::"HIMARS" };') == {
        ("Enduse::Weapon", "HIMARS")}


def test_assumptions_read_follow_the_zones_and_facts_in_force(pack):
    assert assumptions_read(pack, pack.version("baseline")) == ()
    assert "sumy_in_may_2024_scope" in assumptions_read(pack, pack.version("kharkiv"))
    assert "assume_approved" in assumptions_read(pack, pack.version("case-by-case"))
    assert "assume_approved" not in assumptions_read(pack, pack.version("whole-border"))


@pytest.mark.parametrize(("condition", "expected"), [
    ('context.country == "UA" && !["UA-43", "UA-40"].contains(context.region)', {"UA-43", "UA-40"}),
    ('"RU-MOW" != context.region || context.region == "RU-BEL"', {"RU-MOW", "RU-BEL"}),
    ('context has region && context.region == "A"', {"A"}),
    ("true", set()),
    ('context.region like "RU-*"', None),  # a pattern tells unnamed regions apart
    ("context.region == context.country", None),
    ('[context.region].contains("A")', None),
    ('["A", context.country].contains(context.region)', None),
    ('context == {"region": "A", "country": "UA"}', None),  # the record used whole
])
def test_regions_a_version_only_compares_with_literals(condition, expected):
    found = _compared_in(f"permit (principal, action, resource) when {{ {condition} }};", "region")
    assert found == (None if expected is None else frozenset(expected))


def test_every_bundled_version_compares_regions_with_literals_only():
    """The bundled packs name a few regions (Crimea, Sevastopol, Moscow): every other region is alike to them."""
    from enduse.packs import builtin_names
    from enduse import load_pack

    named = {code for name in builtin_names() for v in load_pack(name).versions
             for code in compared_values(v, "region") or ()}
    assert all(compared_values(v, "region") is not None for name in builtin_names() for v in load_pack(name).versions)
    assert named and named <= {"UA-43", "UA-40", "RU-MOW"}
