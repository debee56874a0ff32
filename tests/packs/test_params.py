from __future__ import annotations

import pytest

from enduse.errors import InputError
from enduse.packs.params import parse_assignments, with_params


def test_overrides_change_only_the_named_values(pack):
    changed = with_params(pack, {"near_border_inside_km": "25", "sumy_in_may_2024_scope": "IN"})
    assert changed.param("near_border_inside_km") == 25.0 and changed.param("sumy_in_may_2024_scope") == "in"
    assert pack.param("near_border_inside_km") == 40.0
    assert with_params(pack, {}) is pack


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"near_border_insid_km": "3"}, "did you mean near_border_inside_km"),
        ({"near_border_inside_km": "far"}, "needs a number"),
        ({"near_border_inside_km": "-5"}, "non-negative"),
        ({"near_border_outside_km": "100000"}, "at most 2,000 km"),
        ({"sumy_in_may_2024_scope": "perhaps"}, "in, out, vague"),
    ],
)
def test_bad_overrides_are_input_errors(pack, overrides, message):
    with pytest.raises(InputError, match=message):
        with_params(pack, overrides)


def test_inside_beyond_outside_is_rejected_when_checking(judge):
    with pytest.raises(InputError, match="must not exceed"):
        judge(at="Belgorod", params={"near_border_inside_km": "150"})


@pytest.mark.parametrize("item", ["x", "=3", "a="])
def test_malformed_assignments(item):
    with pytest.raises(InputError, match="expected name=value"):
        parse_assignments([item], "--param")
