"""Schemathesis against the app's own OpenAPI schema, in process: no server error, responses as documented."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from enduse.server import create_app

LOG_DIR = tempfile.TemporaryDirectory(prefix="enduse-schemathesis-")  # removed when the test process ends
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(log_path=Path(LOG_DIR.name) / "d.sqlite", max_upload_bytes=200_000)
)
schema.config.generation.update(modes=list(schemathesis.GenerationMode))  # valid and invalid requests


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, status_code_conformance])
