"""The web page's own routes through the TestClient: place search, suppliers side by side, the cities on the map."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enduse.compare import compare_suppliers
from enduse.decision_log import DecisionLog
from enduse.geo.gazetteer import all_places, normalize
from enduse.packs.registry import pack_set
from enduse.server import create_app
from enduse.server.compare_models import MAX_PLACE_QUERY
from enduse.server.geography import BBOX, LABEL_SPACING_KM, main_cities
from enduse.vocab import PURPOSES, TARGETS

SUDZHA = {"date": "2024-08-20", "place": "Sudzha", "target": "military_forces", "purpose": "counter_fire"}
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
BIG = [p for p in all_places() if p.population >= 100_000 and len(normalize(p.name)) >= 6]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """An app judging by every bundled pack (the page's "all suppliers" needs them all), and its log."""
    log = tmp_path_factory.mktemp("page") / "decisions.sqlite"
    with TestClient(create_app(log_path=log)) as client:
        yield client, log


def names(client, query: str, limit: int = 8) -> list[str]:
    response = client.get("/v1/places", params={"q": query, "limit": limit})
    assert response.status_code == 200, response.text
    return [p["name"] for p in response.json()]


@pytest.mark.parametrize("query", ["Sudzha", "sudzha", "Суджа", "Судж", "sudzah", "Sudzha, RU-KRS", "Sudzha, Kursk"])
def test_sudzha_is_found_in_latin_cyrillic_prefix_typo_and_qualified(served, query):
    client, _ = served
    first = client.get("/v1/places", params={"q": query}).json()[0]
    assert (first["name"], first["region"], first["country"]) == ("Sudzha", "RU-KRS", "RU")
    assert math.isclose(first["lat"], 51.19, abs_tol=0.05) and math.isclose(first["lon"], 35.27, abs_tol=0.05)


@pytest.mark.parametrize(("query", "city"), [("Харьков", "Kharkiv"), ("Харків", "Kharkiv"), ("Kharkov", "Kharkiv"),
                                             ("Белгород", "Belgorod"), ("Курск", "Kursk")])
def test_cyrillic_and_old_names_find_the_city(served, query, city):
    assert names(served[0], query)[0] == city


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(place=st.sampled_from(all_places()))
def test_a_places_own_name_finds_it_unless_namesakes_fill_the_answer(served, place):
    found = served[0].get("/v1/places", params={"q": place.name, "limit": 20}).json()
    here = [(p["name"], p["lat"], p["lon"]) for p in found]
    assert (place.name, place.lat, place.lon) in here or (
        len(found) == 20 and all(normalize(p["name"]) == normalize(place.name) for p in found))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(place=st.sampled_from(BIG), data=st.data())
def test_one_swapped_letter_still_finds_a_big_city(served, place, data):
    letters = list(place.name)
    i = data.draw(st.integers(1, len(letters) - 2))
    letters[i], letters[i + 1] = letters[i + 1], letters[i]
    assert place.name in names(served[0], "".join(letters), 20)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=st.text(max_size=MAX_PLACE_QUERY), limit=st.integers(1, 20))
def test_any_query_gives_a_list_of_at_most_limit_places(served, query, limit):
    response = served[0].get("/v1/places", params={"q": query, "limit": limit})
    assert response.status_code == 200
    assert len(response.json()) <= limit


def test_no_match_is_an_empty_list_and_a_long_or_missing_query_is_refused(served):
    client, _ = served
    response = client.get("/v1/places", params={"q": "qqqxzzxqqq"})
    assert (response.status_code, response.json()) == (200, [])
    too_long = client.get("/v1/places", params={"q": "S" * (MAX_PLACE_QUERY + 1)})
    assert too_long.status_code == 422 and "100 characters" in too_long.json()["error"]
    assert client.get("/v1/places").status_code == 422
    assert client.get("/v1/places", params={"q": "Sudzha", "limit": 0}).status_code == 422


def test_compare_gives_the_rows_of_enduse_compare_and_logs_them(served):
    client, log = served
    before = len(list(DecisionLog(log).records()))
    response = client.post("/v1/compare", json=SUDZHA)
    assert response.status_code == 200, response.text
    rows = response.json()
    assert rows == json.loads(json.dumps(compare_suppliers(SUDZHA, pack_set(None))))
    assert {r["supplier"] for r in rows} == set(pack_set(None).by_supplier)
    records = list(DecisionLog(log).records())
    assert len(records) == before + 1 and records[-1]["kind"] == "compare"
    assert int(response.headers["x-enduse-log-seq"]) == records[-1]["seq"]
    assert json.loads(records[-1]["result"])["verdicts"] == [f"{r['supplier']}={r['verdict']}" for r in rows]


@SLOW
@given(date=st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2025, 12, 31)),
       where=st.sampled_from([{"place": "Sudzha"}, {"place": "Belgorod"}, {"place": "Kharkiv"}, {"lat": 51.3, "lon": 36.9},
                              {"lat": 51.19, "lon": 35.27, "within_km": 20}, {"place": "Sudzha", "within_km": 5},
                              {"region": "RU-BEL"}]),
       target=st.sampled_from(TARGETS), purpose=st.sampled_from(PURPOSES),
       weapon=st.sampled_from([None, "HIMARS", "Storm Shadow", "F-16", "unknown"]))
def test_compare_equals_the_cli_function_for_the_same_use(served, date, where, target, purpose, weapon):
    use = {"date": date.isoformat(), **where, "target": target, "purpose": purpose, **({"weapon": weapon} if weapon else {})}
    response = served[0].post("/v1/compare", json=use)
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(json.dumps(compare_suppliers(use, pack_set(None))))


def test_compare_with_changed_assumptions_equals_the_cli_function(served):
    use = {**SUDZHA, "params": {"near_border_inside_km": "5"}}
    answer = served[0].post("/v1/compare", json=use).json()
    assert answer == json.loads(json.dumps(compare_suppliers(SUDZHA, pack_set(None, {"near_border_inside_km": "5"}))))


@pytest.mark.parametrize(("body", "says"), [
    ({**SUDZHA, "place": "Sudzhaa"}, "did you mean: Sudzha"),
    ({**SUDZHA, "date": "20 August"}, "date"),
    ({**SUDZHA, "weapon": "Sturm Shadow"}, "unknown weapon"),
    ({**SUDZHA, "params": {"no_such_assumption": "1"}}, "no_such_assumption"),
    ({k: v for k, v in SUDZHA.items() if k != "date"}, "date"),
    ({**SUDZHA, "supplier": "GB"}, "supplier"),
])
def test_a_bad_comparison_is_a_422_saying_why(served, body, says):
    response = served[0].post("/v1/compare", json=body)
    assert response.status_code == 422
    assert says in response.json()["error"]


def test_the_map_labels_regional_capitals_and_big_cities_apart(served):
    geo = served[0].get("/v1/geography").json()
    cities = [f for f in geo["features"] if f["properties"]["kind"] == "city"]
    labelled = {f["properties"]["name"] for f in cities}
    assert {"Kyiv", "Kharkiv", "Sumy", "Chernihiv", "Kherson", "Belgorod", "Kursk", "Bryansk", "Voronezh", "Minsk"} <= labelled
    assert [f["properties"]["name"] for f in cities] == [c.name for c in main_cities()]
    west, south, east, north = BBOX
    for a in cities:
        lon, lat = a["geometry"]["coordinates"]
        assert west <= lon <= east and south <= lat <= north
        for b in cities:
            if a is not b:
                blon, blat = b["geometry"]["coordinates"]
                km = math.hypot((lon - blon) * math.cos(math.radians((lat + blat) / 2)), lat - blat) * 111.2
                assert km >= LABEL_SPACING_KM - 0.5
