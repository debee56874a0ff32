"""/v1/check with uncertain locations gives what the library gives, and refuses what the library refuses."""

from __future__ import annotations

import json

import pytest

from enduse import check


@pytest.mark.parametrize("location", [{"region": "RU-BEL"}, {"place": "Sudzha", "within_km": 15},
                                      {"lat": 50.6, "lon": 36.6, "within_km": 3.5}])
def test_check_of_an_area_is_the_library_decision(client, location):
    use = {"date": "2024-06-05", "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire", **location}
    response = client.post("/v1/check", json=use)
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(json.dumps(check(use).to_json()))


@pytest.mark.parametrize("location", [{"region": "Narnia"}, {"place": "Sudzha", "within_km": 0},
                                      {"place": "Sudzha", "within_km": True}, {"region": "RU-BEL", "place": "Sudzha"},
                                      {"within_km": 10}])
def test_bad_areas_are_4xx(client, location):
    use = {"date": "2024-06-05", "weapon": "HIMARS", **location}
    response = client.post("/v1/check", json=use)
    assert 400 <= response.status_code < 500, response.text
