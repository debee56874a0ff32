from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from enduse import parse_use
from enduse.errors import InputError
from enduse.uses import validate_uses

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


_COORDINATES = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.floats(-200, 200))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(_COORDINATES, _COORDINATES, st.sampled_from([None, "Kharkiv"])), min_size=1, max_size=30))
@example([(math.inf, None, None), (math.nan, 3.0, None), (-math.inf, math.inf, "Kharkiv"), (95.0, -0.0, None)])
def test_float_coordinates_are_judged_as_their_text(points):
    """Float columns skip the text round trip; the rows, values and reasons stay those of the same numbers as text."""
    lat, lon, place = zip(*points, strict=True)
    floats = pl.DataFrame(
        {"date": "2024-06-01", "weapon": "HIMARS", "lat": lat, "lon": lon, "place": place},
        schema_overrides={"lat": pl.Float64, "lon": pl.Float64, "place": pl.String},
    )
    texts = floats.with_columns(pl.col("lat", "lon").cast(pl.String))
    (valid, rejects), (text_valid, text_rejects) = validate_uses(floats), validate_uses(texts)
    assert valid.drop("lat", "lon").equals(text_valid.drop("lat", "lon"))
    assert rejects.drop("lat", "lon").equals(text_rejects.drop("lat", "lon"))


def test_parse_uses_in_one_pass_equals_one_by_one():
    from enduse.uses import parse_uses

    raws = [
        {"date": "2024-06-01", "place": "Shebekino", "weapon": "HIMARS", "facts": {"linked_to_invasion": "no"}},
        {"date": "2024-13-01", "lat": 50.0, "lon": 36.0, "weapon": "HIMARS"},
        {"date": "2024-06-01", "lat": 50.0, "lon": 36.0, "weapon": "HIMARS", "colour": "red"},
        {"date": "2024-06-01", "lat": 50.0, "lon": 36.0, "weapon": "GMRLS", "target": "artillery"},
        {"date": "2025-07-01", "place": "Kursk", "weapon": "ATACMS", "facts": {"approved": "yes"}},
    ]
    together = parse_uses(raws)
    for raw, result in zip(raws, together):
        try:
            alone = parse_use(raw)
        except InputError as error:
            assert isinstance(result, InputError) and str(result) == str(error)
        else:
            assert result == alone
    assert [type(r).__name__ for r in together] == ["Use", "InputError", "InputError", "InputError", "Use"]
    assert together[4].facts == {"approved": "yes"} and together[0].facts == {"linked_to_invasion": "no"}
    assert parse_uses([]) == []


@pytest.mark.parametrize("facts", [["linked_to_invasion"], 3, "yes"])
def test_facts_that_are_not_an_object_are_an_input_error(facts):
    from enduse.uses import parse_uses

    (result,) = parse_uses([{"date": "2024-06-05", "place": "Kursk", "weapon": "HIMARS", "facts": facts}])
    assert isinstance(result, InputError) and "facts must be an object" in str(result)


@pytest.mark.parametrize("day", ["9999-01-01", "1066-10-14"])
def test_a_date_past_any_horizon_is_refused_not_judged(day):
    with pytest.raises(InputError, match="outside 1900–2100"):
        parse_use({"date": day, "place": "Kursk", "weapon": "HIMARS"})
