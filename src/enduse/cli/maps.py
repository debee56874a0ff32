"""``enduse map``: the zones in force on a day (or an animation over versions), with audited events."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from enduse.packs.params import with_checked_params
from enduse.packs.registry import FOUNDING_PACK, load_pack
from enduse.cli.app import OnePackOption, ParamOption, command, out
from enduse.errors import InputError
from enduse.packs.params import parse_assignments


def _day(option: str, value: str | None) -> dt.date:
    if value is None:
        raise InputError(f"{option} is required (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


@command
def map(
    output: Annotated[Path, typer.Option("-o", "--output", help="Map to write: .png or .svg; with --animate .gif or a folder.")],
    date: Annotated[str | None, typer.Option("--date", help="Day to map (YYYY-MM-DD): the version in force then.")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="Audit output (.parquet, .csv, .jsonl): events to draw.")] = None,
    pack: OnePackOption = FOUNDING_PACK,
    param: ParamOption = None,
    animate: Annotated[bool, typer.Option("--animate", help="One frame per version in force from --start to --end.")] = False,
    start: Annotated[str | None, typer.Option("--start", help="First day of the animation (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last day of the animation (YYYY-MM-DD).")] = None,
) -> None:
    """Draw the zones in force on a day (filled: clauses apply; hatched: vague) and the audited events judged under
    that version, coloured by verdict."""
    from enduse import maps
    from enduse.report.data import read_audit

    changed = with_checked_params(load_pack(pack), parse_assignments(param or [], "--param"))
    if animate:
        first, last = _day("--start", start), _day("--end", end)
        events = read_audit(data) if data else None
        written = maps.animate(changed, first, last, output, events)
        out.print(f"map: {len(written)} file(s): {', '.join(str(p) for p in written)}" if len(written) < 4
                  else f"map: {len(written)} frames in {output}")
        return
    day = _day("--date", date)
    maps.map_format(output)
    events = maps.events_under(read_audit(data), changed, changed.version_on(day)) if data else None
    out.print(f"map: {maps.save_figure(maps.render_map(changed, day, events), output)}")
