"""The HTTP API through FastAPI's TestClient: every endpoint, the error contract, limits and safe defaults."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sqlite3
import tempfile
import threading
import zipfile
from importlib import resources

import polars as pl
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, shape

from enduse.api import check
from enduse.audit import run_audit
from enduse.decision_log import DecisionLog, pack_digest
from enduse.diff import compare, parse_side
from enduse.errors import EvaluationError, PackError
from enduse.server import create_app
from enduse.server.models import DecisionOut
from enduse.tables import FORMATS, TableWriter, read_batches
from enduse.packs.registry import bundled
from enduse.zone_shapes import coalition_zones_geojson, zones_geojson

USE = {"date": "2024-06-05", "place": "Shebekino", "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire"}

EXAMPLE_USES = [
    json.loads(line)["use"]
    for line in resources.files("enduse.examples").joinpath("uses.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
INCIDENTS = resources.files("enduse.examples").joinpath("incidents.csv")


def expected(raw, pack, **options):
    """What ``enduse check --format json`` prints for ``raw``."""
    return json.loads(json.dumps(check(raw, pack, **options).to_json()))


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("raw", EXAMPLE_USES, ids=range(len(EXAMPLE_USES)))
def test_check_gives_what_the_library_gives(client, pack, raw):
    response = client.post("/v1/check", json=raw)
    assert response.status_code == 200, response.text
    assert response.json() == expected(raw, pack)
    DecisionOut.model_validate(response.json())


@pytest.mark.parametrize("path, body", [("/v1/check", USE), ("/v1/compare", {k: v for k, v in USE.items() if k != "weapon"})])
def test_a_decision_that_cannot_be_logged_is_not_given(client, log_path, path, body, caplog):
    fail = "CREATE TRIGGER full BEFORE INSERT ON records BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END"
    with sqlite3.connect(log_path) as conn:
        conn.execute(fail)
    refused = client.post(path, json=body)
    assert refused.status_code == 503
    assert refused.headers["retry-after"].isdigit() and "x-enduse-log-seq" not in refused.headers
    assert "decision log" in refused.json()["error"] and str(log_path) not in refused.text  # the server's path stays on the server
    assert "disk full (simulated)" in caplog.text
    with sqlite3.connect(log_path) as conn:
        conn.execute("DROP TRIGGER full")
    served = client.post(path, json=body)
    assert served.status_code == 200 and served.headers["x-enduse-log-seq"] == "1"
    assert DecisionLog(log_path).verify().count == 1


def test_the_log_is_written_by_one_thread_for_the_server_s_life(client, log_path):
    writers = set()
    log = client.app.state.log
    append_many = log.append_many

    def spy(entries):
        writers.add(threading.current_thread().name)
        return append_many(entries)

    log.append_many = spy
    for i in range(12):  # new uses are judged and logged in one pass, repeated ones answered from the cache and logged
        assert client.post("/v1/check", json={**USE, "id": f"u{i % 3}"}).status_code == 200
    assert client.post("/v1/compare", json={k: v for k, v in USE.items() if k != "weapon"}).status_code == 200
    assert len(writers) == 1 and next(iter(writers)).startswith("enduse-decide")
    assert DecisionLog(log_path).verify().count == 13


def test_check_with_version_and_params_matches_the_library(client, pack):
    body = {**USE, "version": "baseline", "params": {"near_border_inside_km": "10"}}
    answer = client.post("/v1/check", json=body).json()
    assert answer == expected(USE, pack, version="baseline", params={"near_border_inside_km": "10"})
    assert answer["version"] == "baseline"
    changed = client.post("/v1/check", json={**USE, "params": {"near_border_inside_km": "1", "near_border_outside_km": "2"}}).json()
    assert changed == expected(USE, pack, params={"near_border_inside_km": "1", "near_border_outside_km": "2"})


def test_every_check_is_logged_even_when_answered_from_the_cache(client, log_path, pack):
    first = client.post("/v1/check", json=USE)
    second = client.post("/v1/check", json=USE)
    assert first.content == second.content
    assert (first.headers["x-enduse-log-seq"], second.headers["x-enduse-log-seq"]) == ("1", "2")
    records = list(DecisionLog(log_path).records())
    assert [r["kind"] for r in records] == ["check", "check"]
    assert json.loads(records[0]["input"])["place"] == USE["place"]
    assert records[0]["verdict"] == first.json()["verdict"]
    assert records[0]["version"] == first.json()["version"]
    assert records[0]["pack_digest"] == pack_digest(pack)
    assert json.loads(records[0]["result"])["sha256"] == hashlib.sha256(first.content).hexdigest()
    assert DecisionLog(log_path).verify().ok


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({**USE, "date": "2024-13-01"}, 422, "date"),
        ({**USE, "weapon": "HIMRAS"}, 422, "did you mean"),
        ({**USE, "target": "nowhere"}, 422, "target"),
        ({**USE, "colour": "red"}, 422, "colour"),
        ({**USE, "lat": 91, "lon": 30, "place": None}, 422, "lat"),
        ({**USE, "place": "Nowhereville"}, 422, "Nowhereville"),
        ({**USE, "facts": {"approvedd": "yes"}}, 422, "approvedd"),
        ({**USE, "params": {"near_border_inside_km": "-3"}}, 422, "near_border_inside_km"),
        ({**USE, "version": "2020-01-01"}, 422, "no version"),
        ({**USE, "pack": "no-such-pack"}, 404, "no-such-pack"),
    ],
)
def test_bad_input_is_a_4xx_json_error_saying_what_is_wrong(client, body, status, words):
    response = client.post("/v1/check", json=body)
    assert response.status_code == status
    assert words in response.json()["error"]


def test_malformed_json_and_wrong_shapes_are_422(client):
    for content in (b"{not json", b"[]", b"42", b""):
        response = client.post("/v1/check", content=content, headers={"content-type": "application/json"})
        assert response.status_code == 422, content
        assert response.json()["error"]


@pytest.mark.parametrize("name", ["../us-ukraine", "/etc", "us-ukraine/../../x", "C:\\packs", "."])
def test_pack_is_a_bundled_name_never_a_path(client, pack, name):
    assert client.post("/v1/check", json={**USE, "pack": name}).status_code == 422
    assert client.get("/v1/versions", params={"pack": name}).status_code == 422
    assert client.post("/v1/check", json={**USE, "pack": pack.path}).status_code == 422


def test_json_body_limit_is_413(pack, log_path):
    client = TestClient(create_app(pack=pack, log_path=log_path, max_json_bytes=1000))
    big = {**USE, "id": "x" * 2000}
    response = client.post("/v1/check", json=big)
    assert response.status_code == 413
    assert response.json()["limit"] == 1000
    assert not log_path.exists() or not list(DecisionLog(log_path).records())


def test_unknown_routes_and_methods_answer_json(client):
    assert client.get("/v1/nothing").json() == {"error": "Not Found"}
    response = client.get("/v1/check")
    assert response.status_code == 405
    assert "error" in response.json()


def test_cors_is_off_unless_configured(client, pack, log_path):
    origin = {"origin": "https://newsroom.example"}
    assert "access-control-allow-origin" not in client.get("/v1/vocab", headers=origin).headers
    preflight = client.options("/v1/check", headers={**origin, "access-control-request-method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    allowed = TestClient(create_app(pack=pack, log_path=log_path, cors_origins=["https://newsroom.example"]))
    assert allowed.get("/v1/vocab", headers=origin).headers["access-control-allow-origin"] == "https://newsroom.example"
    other = allowed.get("/v1/vocab", headers={"origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers


def test_packs_versions_vocab_weapons(client, pack):
    packs = client.get("/v1/packs").json()
    ours = next(p for p in packs if p["name"] == pack.name)
    assert ours["versions"] == pack.version_ids
    assert ours["digest"] == pack_digest(pack)
    assert {f["name"] for f in ours["facts"]} == set(pack.facts)
    versions = client.get("/v1/versions", params={"pack": pack.name}).json()
    assert [v["id"] for v in versions] == pack.version_ids
    assert all(v["sources"] and v["sources"][0]["quote"] for v in versions)
    assert client.get("/v1/versions", params={"pack": "nope"}).status_code == 404
    vocab = client.get("/v1/vocab").json()
    assert "artillery" in vocab["targets"] and "counter_fire" in vocab["purposes"]
    assert "HIMARS" in {w["name"] for w in client.get("/v1/weapons").json()}


def test_zones_are_the_bands_of_the_version_in_force(client, pack):
    for version in pack.versions:
        answer = client.get("/v1/zones", params={"date": version.effective_from.isoformat()}).json()
        assert answer["version"] == version.id
        assert answer["features"] == json.loads(json.dumps(zones_geojson(pack, version)["features"]))
        assert {f["properties"]["zone"] for f in answer["features"]} <= set(version.zones)
    before = client.get("/v1/zones", params={"date": "1999-01-01"}).json()
    assert before["features"] == [] and before["version"] is None
    assert client.get("/v1/zones", params={"date": "soon"}).status_code == 422


def test_zones_follow_changed_assumptions(client, pack):
    day = next(v for v in pack.versions if "russia_border" in v.zones).effective_from.isoformat()
    def area(params):
        features = client.get("/v1/zones", params={"date": day, "param": params}).json()["features"]
        return sum(f["properties"]["area_km2"] for f in features if f["properties"]["band"] == "inside")
    assert area(["near_border_inside_km=10"]) < area(["near_border_inside_km=60"])
    assert client.get("/v1/zones", params={"date": day, "param": ["nonsense"]}).status_code == 422


def test_geography_covers_the_map(client):
    geo = client.get("/v1/geography").json()
    kinds = {f["properties"]["kind"] for f in geo["features"]}
    assert kinds == {"country", "region", "border", "city"}
    assert {f["properties"]["code"] for f in geo["features"] if f["properties"]["kind"] == "country"} == {"UA", "RU", "BY"}
    west, south, east, north = geo["bbox"]
    assert west < 30.5 < east and south < 50.4 < north  # Kyiv is on the map


def test_audit_returns_what_run_audit_writes_and_logs_one_record(client, pack, tmp_path, log_path):
    data = INCIDENTS.read_bytes()
    response = client.post("/v1/audit", files={"file": ("incidents.csv", data, "text/csv")})
    assert response.status_code == 200, response.text
    source = tmp_path / "in.csv"
    source.write_bytes(data)
    summary = run_audit(source, tmp_path / "out.csv", pack=pack, progress=False)
    assert response.content == (tmp_path / "out.csv").read_bytes()
    headers = response.headers
    assert int(headers["x-enduse-rows-in"]) == summary.rows_in == int(headers["x-enduse-rows-out"]) + int(headers["x-enduse-rows-rejected"])
    counts = dict(item.split("=") for item in headers["x-enduse-verdicts"].split(","))
    assert sum(map(int, counts.values())) == summary.rows_out
    assert headers["x-enduse-output-sha256"] == hashlib.sha256(response.content).hexdigest()
    (record,) = DecisionLog(log_path).records()
    assert record["kind"] == "audit"
    assert json.loads(record["result"])["decided_sha256"] == headers["x-enduse-output-sha256"]
    assert json.loads(record["input"])["upload_sha256"] == hashlib.sha256(data).hexdigest()


def test_audit_formats_and_parts(client):
    data = INCIDENTS.read_bytes()
    upload = {"file": ("incidents.csv", data, "text/csv")}
    parquet = client.post("/v1/audit", params={"format": "parquet"}, files=upload)
    table = pl.read_parquet(io.BytesIO(parquet.content))
    assert table.height == int(parquet.headers["x-enduse-rows-out"])
    assert "verdict" in table.columns
    bundle = zipfile.ZipFile(io.BytesIO(client.post("/v1/audit", params={"part": "zip", "format": "jsonl"}, files=upload).content))
    assert sorted(bundle.namelist()) == ["decided.jsonl", "rejects.jsonl"]
    rejects = client.post("/v1/audit", params={"part": "rejects"}, files=upload)
    assert rejects.status_code == 200
    assert pl.read_csv(io.BytesIO(rejects.content)).height == int(rejects.headers["x-enduse-rows-rejected"])


def test_audit_rejects_bad_uploads(client, app):
    too_big = client.post("/v1/audit", files={"file": ("big.csv", b"x" * 2_100_000, "text/csv")})
    assert too_big.status_code == 413
    assert client.post("/v1/audit", files={"file": ("table.xlsx", b"abc", "application/octet-stream")}).status_code == 422
    garbage = client.post("/v1/audit", files={"file": ("table.parquet", b"not parquet", "application/octet-stream")})
    assert garbage.status_code == 422 and "error" in garbage.json()
    assert client.post("/v1/audit").status_code == 422
    empty = client.post("/v1/audit", files={"file": ("t.csv", b"id,date,lat,lon,weapon\n", "text/csv")})
    assert empty.status_code == 422 and "the upload" in empty.json()["error"] and "/tmp" not in empty.json()["error"]


def test_audit_writes_nothing_outside_its_temporary_folder(client, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.chdir(tmp_path)
    def files():
        return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.parent.rglob("*") if p.is_relative_to(tmp_path)
                      and not p.name.startswith("decisions.sqlite"))

    before = files()
    response = client.post("/v1/audit", files={"file": ("../../escape.csv", INCIDENTS.read_bytes(), "text/csv")})
    assert response.status_code == 200
    assert files() == before
    assert list(scratch.iterdir()) == []  # the temporary folder is gone once the answer is sent


def test_docs_are_served_without_a_cdn(client):
    html = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/v1/check", "/v1/compare", "/v1/audit", "/v1/zones", "/v1/geography", "/v1/places", "/healthz"} <= set(schema["paths"])


def test_page_and_security_headers(client):
    page = client.get("/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "http" not in client.get("/static/app.js").text.replace("http://www.w3.org/2000/svg", "")


@pytest.mark.parametrize(
    ("raised", "status"),
    [(EvaluationError("Cedar reported an error in clause(s) counter-fire"), 422), (PackError("zones.toml: bad band"), 400),
     (RuntimeError("a bug"), 500)],
)
def test_errors_of_the_core_map_to_json_statuses(pack, log_path, monkeypatch, raised, status):
    def fail(*_args, **_kwargs):
        raise raised

    monkeypatch.setattr("enduse.judge.Judge.uses", fail)
    client = TestClient(create_app(pack=pack, log_path=log_path), raise_server_exceptions=False)
    response = client.post("/v1/check", json=USE)
    assert response.status_code == status
    assert response.json()["error"] == (str(raised) if status < 500 else "internal error; the server log has the details")
    assert not list(DecisionLog(log_path).records())  # no verdict, nothing logged


def test_diff_is_what_enduse_diff_computes(client):
    answer = client.get("/v1/diff", params={"a": "baseline", "b": "us-ukraine@2024-06-01"})
    assert answer.status_code == 200, answer.text
    expected_diff = compare(parse_side("us-ukraine@baseline"), parse_side("us-ukraine@kharkiv"))
    assert answer.json() == json.loads(json.dumps(expected_diff))
    assert answer.json()["b"]["version"] == "kharkiv"
    what_if = client.get("/v1/diff", params={"a": "kharkiv", "b": "kharkiv", "param_b": ["near_border_inside_km=60"]}).json()
    assert what_if["b"]["params"] == {"near_border_inside_km": "60"}
    assert what_if["assumptions"]


@pytest.mark.parametrize(
    ("params", "status"),
    [({"a": "baseline", "b": "nope"}, 422), ({"a": "baseline", "b": "/etc@kharkiv"}, 422),
     ({"a": "baseline", "b": "../x@kharkiv"}, 422), ({"a": "baseline", "b": "other-pack@kharkiv"}, 404),
     ({"a": "baseline"}, 422), ({"a": "baseline", "b": "kharkiv", "param_a": ["x=1"]}, 422)],
)
def test_diff_errors(client, params, status):
    response = client.get("/v1/diff", params=params)
    assert response.status_code == status
    assert response.json()["error"]


def test_a_server_without_a_forced_pack_routes_each_check_to_its_suppliers_pack(log_path):
    with TestClient(create_app(log_path=log_path)) as client:
        routed = client.post("/v1/check", json={**USE, "weapon": "Patriot", "target": "aircraft", "purpose": "intercept"})
        stated = client.post("/v1/check", json={**USE, "weapon": "Patriot", "supplier": "US", "target": "aircraft",
                                                "purpose": "intercept"})
    assert routed.status_code == stated.status_code == 200
    assert routed.json() == expected({**USE, "weapon": "Patriot", "target": "aircraft", "purpose": "intercept"}, None)
    assert [c["supplier"] for c in routed.json()["candidates"]] == ["US", "DE", "NL"]
    assert stated.json()["pack"] == "us-ukraine" and stated.json()["supplier"] == "US"
    first, second = DecisionLog(log_path).records()
    deciders = [c["pack"] for c in routed.json()["candidates"] if c["pack"]]
    assert first["pack"] == ",".join(deciders) and first["pack_digest"].count(",") == len(deciders) - 1
    assert second["pack"] == "us-ukraine"
    assert second["pack_digest"] == pack_digest(__import__("enduse").load_pack("us-ukraine"))


@pytest.mark.parametrize("coordinates", [{"lat": True, "lon": False}, {"lat": "50", "lon": 36}])
def test_coordinates_must_be_numbers(client, coordinates):
    response = client.post("/v1/check", json={"date": "2024-06-05", "weapon": "HIMARS", **coordinates})
    assert response.status_code == 422 and response.json()["error"].startswith("lat")


def test_errors_never_echo_control_characters_or_whole_inputs(client):
    response = client.post("/v1/check", json={**USE, "place": "\x1b[31m" + "x" * 190})
    assert response.status_code == 422
    message = response.json()["error"]
    assert "\x1b" not in message and "\\x1b" in message and len(message) <= 500


def test_uploads_are_limited_in_decoded_rows_and_cells(tmp_path, pack, log_path):
    frame = pl.DataFrame({"date": ["2024-06-05"] * 5_000, "place": ["Shebekino"] * 5_000, "weapon": ["HIMARS"] * 5_000})
    parquet = io.BytesIO()
    frame.write_parquet(parquet, compression="zstd")
    app = create_app(pack=pack, log_path=log_path, max_upload_rows=1_000, max_upload_cells=100_000)
    with TestClient(app) as client:
        too_many = client.post("/v1/audit", files={"file": ("t.parquet", parquet.getvalue())})
        wide = pl.DataFrame({**{f"c{i}": ["x"] * 900 for i in range(200)}, "date": ["2024-06-05"] * 900,
                             "place": ["Shebekino"] * 900, "weapon": ["HIMARS"] * 900})
        too_wide = client.post("/v1/audit", files={"file": ("t.csv", wide.write_csv().encode())})
        fits = client.post("/v1/audit", files={"file": ("t.csv", frame.head(1_000).write_csv().encode())})
    assert len(parquet.getvalue()) < 5_000 and too_many.status_code == 413 and "5,000 rows" in too_many.json()["error"]
    assert too_wide.status_code == 413 and "cells" in too_wide.json()["error"]
    assert fits.status_code == 200 and fits.headers["x-enduse-rows-in"] == "1000"


def test_a_stopped_audit_writes_nothing(tmp_path, messy_csv=None):
    source = tmp_path / "in.csv"
    pl.DataFrame({"date": ["2024-06-05"] * 50, "place": ["Shebekino"] * 50, "weapon": ["HIMARS"] * 50}).write_csv(source)
    from enduse.errors import Cancelled

    with pytest.raises(Cancelled):
        run_audit(source, tmp_path / "out.csv", stop=lambda: True, batch_size=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize("given", sorted(FORMATS))
def test_audit_accepts_and_returns_every_registry_format(client, tmp_path, given):
    names = sorted(FORMATS)
    wanted = names[(names.index(given) + 1) % len(names)]
    source = tmp_path / f"in{FORMATS[given].suffixes[0]}"
    with TableWriter(source) as writer:
        writer.write(pl.read_csv(INCIDENTS.read_bytes(), infer_schema=False))
    response = client.post("/v1/audit", params={"format": wanted}, files={"file": (source.name, source.read_bytes())})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FORMATS[wanted].media_type)
    target = tmp_path / f"out{FORMATS[wanted].suffixes[0]}"
    target.write_bytes(response.content)
    decided = pl.concat(list(read_batches(target)))
    assert decided.height == int(response.headers["x-enduse-rows-out"]) > 0
    assert int(response.headers["x-enduse-rows-in"]) == pl.read_csv(INCIDENTS.read_bytes()).height


def test_audit_as_geojson_places_each_decided_row_where_it_was_located(client):
    response = client.post("/v1/audit", params={"format": "geojson"}, files={"file": ("incidents.csv", INCIDENTS.read_bytes())})
    features = response.json()["features"]
    assert len(features) == int(response.headers["x-enduse-rows-out"])
    assert {bool(f["geometry"]) and bool(f["properties"].get("region")) for f in features} == {True, False}
    for feature in features:
        row = feature["properties"]
        lat, lon = (row["resolved_lat"], row["resolved_lon"]) if row.get("resolved_lat") is not None else (row.get("lat"), row.get("lon"))
        if feature["geometry"] is None:
            assert lat is None and not row.get("region")
        elif feature["geometry"]["type"] == "Point":
            assert feature["geometry"]["coordinates"] == pytest.approx([float(lon), float(lat)])
        elif not row.get("region"):
            assert shape(feature["geometry"]).contains(Point(float(lon), float(lat)))  # a disc around the reported point


def test_zones_of_one_supplier_or_all_on_a_day(log_path):
    packs = bundled()
    client = TestClient(create_app(log_path=log_path))
    one = client.get("/v1/zones", params={"supplier": "de", "date": "2024-12-01"})
    assert one.status_code == 200, one.text
    expected = coalition_zones_geojson([packs.for_supplier("DE")], dt.date(2024, 12, 1))["features"]
    assert one.json()["features"] == json.loads(json.dumps(expected)) != []
    every = client.get("/v1/zones", params={"supplier": "all", "date": "2024-12-01"}).json()
    assert every["features"] == json.loads(json.dumps(coalition_zones_geojson(packs.packs, dt.date(2024, 12, 1))["features"]))
    assert {f["properties"]["supplier"] for f in every["features"]} > {"DE"}
    assert client.get("/v1/zones", params={"supplier": "ZZ"}).status_code == 422
    assert client.get("/v1/zones", params={"supplier": "GB", "date": "v1"}).status_code == 422
    assert client.get("/v1/zones", params={"supplier": "GB", "pack": "us-ukraine"}).status_code == 422
