"""``enduse report``: an audit output as one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from enduse.cli.app import OnePackOption, ParamOption, command, out
from enduse.packs import FOUNDING_PACK


@command
def report(
    source: Annotated[Path, typer.Argument(help="Audit output of `enduse audit` (.parquet, .csv or .jsonl).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path("report.html"),
    pack: OnePackOption = FOUNDING_PACK,
    param: ParamOption = None,
) -> None:
    """Write a self-contained HTML report (summary, charts, maps, forbidden and indeterminate uses with sources).

    Give the same --param as the audit, so the assumptions and maps shown are those that decided it."""
    from enduse.packs.params import parse_assignments, with_checked_params
    from enduse.packs.registry import load_pack
    from enduse.report import write_report

    the_pack = with_checked_params(load_pack(pack), parse_assignments(param or [], "--param"))
    written = write_report(source, output, the_pack)
    out.print(f"report: {written}")
