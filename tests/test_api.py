"""The Python API: several uses in one pass give what each gives alone."""

from __future__ import annotations

import pytest

from enduse import check
from enduse.api import check_many
from enduse.errors import EnduseError, InputError
from enduse.examples import load_examples


def test_check_many_equals_checking_each_use_alone(pack):
    uses = [example.use for example in load_examples()]
    broken = {"date": "2024-06-01", "place": "Atlantis", "weapon": "HIMARS"}
    invalid = {"date": "someday", "lat": 50.0, "lon": 36.0, "weapon": "HIMARS"}
    mixed = [*uses[:5], broken, *uses[5:], invalid]
    results = check_many(mixed, pack)
    assert len(results) == len(mixed)
    assert isinstance(results[5], InputError) and "Atlantis" in str(results[5])
    assert isinstance(results[-1], InputError) and "someday" in str(results[-1])
    alone = [check(use, pack) for use in uses]
    assert [r.to_json() for r in results if not isinstance(r, EnduseError)] == [d.to_json() for d in alone]


def test_check_many_applies_version_and_assumptions_to_every_use(pack):
    uses = [example.use for example in load_examples()][:6]
    results = check_many(uses, pack, version="baseline", params={"near_border_inside_km": "5"})
    assert {r.version for r in results} == {"baseline"}
    with pytest.raises(InputError):
        check_many(uses, pack, version="nope")
