"""``enduse log verify|export``: check and export the hash-chained decision log of ``enduse serve``.

``verify`` only reads. It exits 0 when the chain is whole, 1 when a record was
edited, deleted, moved or cannot be read (the first bad record is named) or the
file is not a decision log, 2 when there is no file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from enduse.cli.app import app, command, err, out
from enduse.cli.serve import LogOption
from enduse.decision_log import DecisionLog, canonical_json, default_log_path
from enduse.errors import EnduseError, InputError

log_app = typer.Typer(no_args_is_help=True, help="Check or export the decision log that `enduse serve` writes.")
app.add_typer(log_app, name="log")


class LogBroken(EnduseError):
    """The decision log's hash chain is broken: a record was edited, deleted or moved."""

    exit_code = 1


def _open(path: Path | None) -> DecisionLog:
    target = path or default_log_path()
    if not target.is_file():
        raise InputError(f"no decision log at {target}")
    return DecisionLog(target)


@command(on=log_app)
def verify(
    log: LogOption = None,
    expect_head: Annotated[str | None, typer.Option("--expect-head", help="A head hash printed by an earlier verify, kept elsewhere: it must still be in the log.")] = None,
) -> None:
    """Walk the hash chain; name the first record that was edited, deleted or moved."""
    result = _open(log).verify(expect_head=expect_head)
    if not result.ok:
        where = f"record {result.bad_seq}: " if result.bad_seq is not None else ""
        raise LogBroken(f"decision log broken at {where}{result.problem}")
    out.print(f"[green]ok[/green] {result.count} record(s), chain intact; head {result.head}", soft_wrap=True)


@command(on=log_app)
def export(
    log: LogOption = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to a table file, its format by suffix (.jsonl, .csv, .parquet, .geojson; default: JSON Lines on stdout).")] = None,
) -> None:
    """Export every record (with its hashes) as JSON Lines, CSV, Parquet or GeoJSON."""
    decision_log = _open(log)
    if output is None:
        for record in decision_log.records():
            typer.echo(canonical_json(record))
        return
    try:
        count = decision_log.export(output)
    except OSError as error:
        raise InputError(f"cannot write {output}: {error.strerror}") from None
    err.print(f"wrote {count} record(s) to {output}")
