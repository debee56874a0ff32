"""`enduse serve`: loopback by default, a warning when exposed, settings handed to every worker."""

from __future__ import annotations

import gc
import json
import os

import pytest
import uvicorn
from typer.testing import CliRunner

from enduse.cli import app
from enduse.cli.serve import app_from_env, is_loopback
from enduse.geo import locate as L


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
                                                ("127.0.0.9", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
                                                ("example.org", False)])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


@pytest.fixture()
def started(monkeypatch):
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: calls.append((target, options)))
    return calls


def test_serve_defaults_to_loopback_without_warning(started, tmp_path):
    result = CliRunner().invoke(app, ["serve", "--log", str(tmp_path / "d.sqlite")])
    assert result.exit_code == 0, result.output
    (_target, options), = started
    assert options["host"] == "127.0.0.1" and options["factory"] is True
    assert "warning" not in result.output


def test_serve_warns_when_not_on_loopback_and_passes_settings(started, tmp_path, monkeypatch):
    monkeypatch.delenv("ENDUSE_SERVE_SETTINGS", raising=False)
    log = tmp_path / "d.sqlite"
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--log", str(log), "--cors-origin", "https://a.example"])
    assert result.exit_code == 0, result.output
    assert "warning" in result.output
    settings = json.loads(os.environ["ENDUSE_SERVE_SETTINGS"])
    assert settings["log_path"] == str(log.resolve())
    assert settings["cors_origins"] == ["https://a.example"]
    L._place_grid.cache_clear()
    gc.unfreeze()
    try:
        built = app_from_env()
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert built.state.log.path == log.resolve()
    assert L._place_grid.cache_info().currsize == 1  # a worker prepares its grid before serving, not mid-request
    assert frozen > 100_000  # what it built is out of the collector's sight, not walked by every full collection


def test_serve_refuses_a_pack_path(started, tmp_path):
    result = CliRunner().invoke(app, ["serve", "--pack", str(tmp_path)])
    assert result.exit_code == 2
    assert not started


def test_serve_refuses_a_log_it_cannot_open(started, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(app, ["serve", "--log", str(blocker / "d.sqlite")])
    assert result.exit_code == 2
    assert "cannot open the decision log" in result.output
    assert not started
