"""What a version reads and names: the ground for deciding fewer situations."""

from __future__ import annotations

from enduse.reads import _named_in, assumptions_read, named_entities, version_reads


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
