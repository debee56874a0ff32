"""``enduse map``: the zones in force on a day (or an animation over versions), with audited events."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from enduse.cli.app import OnePackOption, ParamOption, command, out
from enduse.errors import InputError
from enduse.files import write_atomic
from enduse.packs import FOUNDING_PACK

if TYPE_CHECKING:
    from enduse.packs.model import Pack
    from enduse.packs.registry import PackSet


def _day(option: str, value: str | None) -> dt.date:
    if value is None:
        raise InputError(f"{option} is required (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


@command
def map(
    output: Annotated[Path, typer.Option("-o", "--output", help="Map to write: .png or .svg, or .geojson (the zones, for "
                                         "GIS); with --animate .gif or a folder.")],
    date: Annotated[str | None, typer.Option("--date", help="Day to map (YYYY-MM-DD): the version in force then.")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="Audit output (.parquet, .csv, .jsonl): events to draw.")] = None,
    pack: OnePackOption = FOUNDING_PACK,
    param: ParamOption = None,
    supplier: Annotated[str | None, typer.Option(
        "--supplier", help="Map this supplier's pack (GB, FR, DE...), or 'all': one panel per supplier.")] = None,
    animate: Annotated[bool, typer.Option("--animate", help="One frame per version in force from --start to --end.")] = False,
    start: Annotated[str | None, typer.Option("--start", help="First day of the animation (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last day of the animation (YYYY-MM-DD).")] = None,
) -> None:
    """Draw the zones in force on a day (filled: clauses apply; hatched: vague) and the audited events judged under
    that version, coloured by verdict."""
    from enduse import maps
    from enduse.packs.params import parse_assignments
    from enduse.packs.registry import PackSet
    from enduse.report.data import read_audit

    assignments = parse_assignments(param or [], "--param")
    subject = _subject(supplier, pack, assignments)
    if animate:
        first, last = _day("--start", start), _day("--end", end)
        events = read_audit(data) if data else None
        written = maps.animate(subject, first, last, output, events)
        out.print(f"map: {len(written)} file(s): {', '.join(str(p) for p in written)}" if len(written) < 4
                  else f"map: {len(written)} frames in {output}")
        return
    day = _day("--date", date)
    if output.suffix.lower() == ".geojson":
        out.print(f"zones: {_write_zones(subject, day, output)}")
        return
    maps.map_format(output)
    events = read_audit(data) if data else None
    if isinstance(subject, PackSet):
        figure = maps.render_coalition(subject, day, events)
    else:
        figure = maps.render_map(subject, day, maps.events_under(events, subject, subject.version_on(day)) if data else None)
    out.print(f"map: {maps.save_figure(figure, output)}")


def _subject(supplier: str | None, pack: str, assignments: dict[str, str]) -> Pack | PackSet:
    """What to map: the pack of ``supplier``, every supplier's (``all``), or else ``pack``."""
    from enduse.packs.params import with_checked_params
    from enduse.packs.registry import load_pack, pack_set
    from enduse.vocab import supplier_code

    if supplier is None:
        return with_checked_params(load_pack(pack), assignments)
    if pack != FOUNDING_PACK:
        raise InputError("give either --supplier or --pack, not both")
    packs = pack_set(None, assignments)
    if supplier.strip().lower() == "all":
        return packs
    chosen = packs.for_supplier(supplier_code(supplier))
    if chosen is None:
        raise InputError(f"no bundled pack governs weapons supplied by {supplier!r}; suppliers with a pack: "
                         f"{', '.join(sorted(packs.by_supplier))}")
    return chosen


def _write_zones(subject: Pack | PackSet, day: dt.date, output: Path) -> Path:
    """The zones in force on ``day`` as GeoJSON (every supplier's, each feature naming its supplier), atomically."""
    from enduse.packs.registry import PackSet
    from enduse.zone_shapes import coalition_zones_geojson

    if not output.parent.is_dir():
        raise InputError(f"{output}: folder {output.parent} does not exist")
    packs = subject.packs if isinstance(subject, PackSet) else [subject]
    return write_atomic(output, json.dumps(coalition_zones_geojson(packs, day)))
