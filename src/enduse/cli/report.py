"""``enduse report``: an audit output as one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from enduse.api import DEFAULT_PACK, load_pack
from enduse.cli.app import PackOption, command, out


@command
def report(
    source: Annotated[Path, typer.Argument(help="Audit output of `enduse audit` (.parquet, .csv or .jsonl).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path("report.html"),
    pack: PackOption = DEFAULT_PACK,
) -> None:
    """Write a self-contained HTML report (summary, charts, maps, forbidden and indeterminate uses with sources)."""
    from enduse.report import write_report

    written = write_report(source, output, load_pack(pack))
    out.print(f"report: {written}")
