from __future__ import annotations

import datetime as dt

import pytest

from enduse import parse_use
from enduse.errors import InputError

BASE = {"date": "2024-06-01", "lat": 50.4, "lon": 36.9, "weapon": "himars", "target": "Artillery", "purpose": "counter-fire"}


def test_valid_use_is_normalised():
    use = parse_use({**BASE, "facts": {"linked_to_invasion": True}})
    assert use.date == dt.date(2024, 6, 1)
    assert (use.weapon, use.target, use.purpose) == ("HIMARS", "artillery", "counter_fire")
    assert use.facts == {"linked_to_invasion": "yes"}


def test_target_and_purpose_default_to_unknown():
    use = parse_use({"date": "2024-06-01", "place": "Kharkiv", "weapon": "M777"})
    assert (use.target, use.purpose, use.place) == ("unknown", "unknown", "Kharkiv")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": "2024-13-01"}, "invalid date"),
        ({"date": None}, "missing date"),
        ({"lat": 95}, "between -90 and 90"),
        ({"lon": "east"}, "expected a number"),
        ({"lon": None}, "give both lat and lon"),
        ({"place": "Kharkiv"}, "not both"),
        ({"weapon": "GMLRSS"}, "did you mean GMLRS"),
        ({"target": "artilery"}, "did you mean artillery"),
        ({"purpose": "counterfire"}, "did you mean counter_fire"),
        ({"facts": {"linked_to_invasion": "maybe"}}, "yes, no, unknown"),
        ({"colour": "red"}, "unknown field"),
    ],
)
def test_invalid_uses_are_rejected_with_a_reason(change, message):
    with pytest.raises(InputError, match=message):
        parse_use({**BASE, **change})


def test_location_is_required():
    with pytest.raises(InputError, match="missing location"):
        parse_use({k: v for k, v in BASE.items() if k not in ("lat", "lon")})
