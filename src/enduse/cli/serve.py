"""``enduse serve``: the HTTP API and web page, on loopback unless told otherwise."""

from __future__ import annotations

import gc
import ipaddress
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from enduse.cli.app import command, err
from enduse.decision_log import ENV_VAR, DecisionLog, default_log_path
from enduse.errors import InputError
from enduse.packs import builtin_names

if TYPE_CHECKING:
    from fastapi import FastAPI

SETTINGS_VAR = "ENDUSE_SERVE_SETTINGS"

LogOption = Annotated[Path | None, typer.Option("--log", help=f"Decision log (SQLite); default ${ENV_VAR} or the user data directory.")]


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@command
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on. Anything but loopback exposes the API to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    pack: Annotated[Optional[str], typer.Option(help="Force one bundled pack for every request that names none; default: "
                                                "each use judged by its supplier's pack.")] = None,
    log: LogOption = None,
    cors_origin: Annotated[list[str] | None, typer.Option("--cors-origin", help="Origin allowed to call the API from a browser (repeatable); CORS is off by default.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=16)] = 1,
    max_upload_mb: Annotated[int, typer.Option(help="Largest table accepted by /v1/audit, MB.", min=1)] = 20,
    max_upload_rows: Annotated[int, typer.Option(help="Most rows an uploaded table may hold, decoded.", min=1)] = 250_000,
    max_upload_cells: Annotated[int, typer.Option(help="Most cells (rows × columns) an uploaded table may hold, decoded.",
                                                  min=1)] = 10_000_000,
) -> None:
    """Serve the HTTP API (/docs) and the web page (/); every decision goes to the decision log."""
    import uvicorn

    if pack is not None and pack not in builtin_names():
        raise InputError(f"the server serves bundled packs only; no bundled pack {pack!r} (bundled: {', '.join(builtin_names())})")
    log_path = (log or default_log_path()).expanduser().resolve()
    if not is_loopback(host):
        err.print(f"[yellow]warning:[/yellow] listening on {host}: anyone who can reach this machine can use the API "
                  "and fill the decision log. There is no authentication; prefer 127.0.0.1 behind a reverse proxy.")
    count, head = DecisionLog(log_path).head()
    err.print(f"enduse: http://{host}:{port}/  (API docs /docs)\n"
              f"decision log {log_path}: {count} record(s), head {head}", soft_wrap=True)
    settings = {"pack": pack, "log_path": str(log_path), "max_upload_bytes": max_upload_mb * 1024 * 1024,
                "max_upload_rows": max_upload_rows, "max_upload_cells": max_upload_cells,
                "cors_origins": tuple(cors_origin or ())}
    uvicorn.run(factory_path(settings), factory=True, host=host, port=port, workers=workers, log_level="warning")


def factory_path(settings: dict[str, Any]) -> str:
    """An import string for uvicorn's ``factory=True`` (workers are fresh processes, so settings go by environment)."""
    os.environ[SETTINGS_VAR] = json.dumps(settings)
    return "enduse.cli.serve:app_from_env"


def app_from_env() -> FastAPI:
    """The app ``enduse serve`` configured, rebuilt in each worker process, its geography prepared before it serves.

    What is built by then (modules, geography, the app) lives as long as the worker, so it is moved out of the
    garbage collector's sight (``gc.freeze``): otherwise each full collection walked all of it, 60-75 ms in which
    the worker answered nothing, three times a second under load (p99 of new uses at 8 connections: 42-56 ms
    against 16-18 frozen).
    """
    from enduse.geo.locate import prepare
    from enduse.server import create_app  # FastAPI is imported only when serving

    app = create_app(**json.loads(os.environ[SETTINGS_VAR]))
    prepare()
    gc.collect()
    gc.freeze()
    return app
