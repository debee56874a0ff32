"""Fixtures of the HTTP tests: an app logging to a temporary file, and its test client."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from enduse.server import create_app


@pytest.fixture()
def log_path(tmp_path):
    return tmp_path / "decisions.sqlite"


@pytest.fixture()
def app(pack, log_path):
    return create_app(pack=pack, log_path=log_path, max_upload_bytes=2_000_000)


@pytest.fixture()
def client(app):
    with TestClient(app) as client:
        yield client
