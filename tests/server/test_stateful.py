"""Stateful and concurrent API tests: sequences of calls that feed one answer into the next request.

The API is stateless, so schemathesis finds no links by itself; the links below say how the answers of
``/v1/packs`` and ``/v1/versions`` name what the other operations take. Schemathesis then walks random
sequences (valid and invalid values mixed in), checking every response: never a server error, always the
documented status codes and schemas.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from enduse.server import create_app

LOG_DIR = tempfile.TemporaryDirectory(prefix="enduse-stateful-")  # removed when the test process ends
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def _op(path: str) -> str:
    return "#/paths/" + path.replace("/", "~1") + "/get"


#: (source path, link name, target path, target parameters as runtime expressions on the source's answer)
LINKS = [
    ("/v1/packs", "versions", "/v1/versions", {"query.pack": "$response.body#/0/name"}),
    ("/v1/packs", "zones", "/v1/zones", {"query.pack": "$response.body#/0/name"}),
    ("/v1/versions", "zones", "/v1/zones", {"query.pack": "$request.query.pack", "query.date": "$response.body#/0/id"}),
    ("/v1/versions", "diff", "/v1/diff", {
        "query.pack": "$request.query.pack", "query.a": "$response.body#/0/id", "query.b": "$response.body#/1/id",
    }),
]


def _linked_schema():
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(log_path=Path(LOG_DIR.name) / "d.sqlite", max_upload_bytes=200_000)
    )
    paths = schema.raw_schema["paths"]
    for source, name, target, parameters in LINKS:
        response = paths[source]["get"]["responses"]["200"]
        response.setdefault("links", {})[name] = {"operationRef": _op(target), "parameters": parameters}
    return schema


def test_links_name_real_fields():
    """The links' expressions point at fields the answers really have (else the walk would test nothing)."""
    with TestClient(_linked_schema().app) as http:
        packs = http.get("/v1/packs").json()
        versions = http.get("/v1/versions", params={"pack": packs[0]["name"]}).json()
        zones = http.get("/v1/zones", params={"pack": packs[0]["name"], "date": versions[0]["id"]})
        diff = http.get("/v1/diff", params={"pack": packs[0]["name"], "a": versions[0]["id"], "b": versions[1]["id"]})
    assert (zones.status_code, diff.status_code) == (200, 200)


APIWorkflow = _linked_schema().as_state_machine()


@pytest.mark.slow
class TestAPIWorkflow(APIWorkflow.TestCase):  # type: ignore[name-defined,misc]
    settings = settings(max_examples=40, stateful_step_count=6, deadline=None, suppress_health_check=list(HealthCheck))


def _validate(self, response, case):  # schemathesis' hook: the checks every step's response must pass
    case.validate_response(response, checks=CHECKS)


APIWorkflow.validate_response = _validate
