"""``enduse check`` and ``enduse examples``: judge single uses."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from enduse.api import DEFAULT_PACK, load_pack
from enduse.api import check as check_use
from enduse.cli.app import (
    FormatOption,
    PackOption,
    ParamOption,
    check_format,
    command,
    out,
    read_json,
)
from enduse.errors import InputError
from enduse.examples import load_examples
from enduse.packs.params import parse_assignments
from enduse.render import decision_view, decisions_table
from enduse.uses import parse_use


@command
def check(
    date: Annotated[Optional[str], typer.Option(help="Date of the use, YYYY-MM-DD.")] = None,
    lat: Annotated[Optional[float], typer.Option(help="Latitude of the target (WGS84).")] = None,
    lon: Annotated[Optional[float], typer.Option(help="Longitude of the target (WGS84).")] = None,
    place: Annotated[Optional[str], typer.Option(help="Place name instead of lat/lon, e.g. 'Shebekino' or 'Pokrovsk, UA-14'.")] = None,
    weapon: Annotated[Optional[str], typer.Option(help="Weapon system, e.g. HIMARS, ATACMS, or 'unknown'.")] = None,
    target: Annotated[str, typer.Option(help="Target category (see `enduse vocab`).")] = "unknown",
    purpose: Annotated[str, typer.Option(help="Purpose of the use (see `enduse vocab`).")] = "unknown",
    fact: Annotated[Optional[list[str]], typer.Option(help="A stated fact, name=yes|no|unknown (repeatable).")] = None,
    pack: PackOption = DEFAULT_PACK,
    version: Annotated[Optional[str], typer.Option(help="Force a version id or date instead of the one in force.")] = None,
    param: ParamOption = None,
    json_input: Annotated[Optional[str], typer.Option("--json", help="Read the use(s) from a JSON file, or - for stdin.")] = None,
    format: FormatOption = "text",
) -> None:
    """Judge one use (or the uses in --json) under the policy version in force on its date."""
    fmt = check_format(format)
    params = parse_assignments(param or [], "--param")
    many = False
    if json_input is not None:
        flags = [date, lat, lon, place, weapon, fact]
        if any(v is not None for v in flags) or target != "unknown" or purpose != "unknown":
            raise InputError("give the use either with flags or with --json, not both")
        document = read_json(json_input)
        many = isinstance(document, list)
        raws = document if many else [document]
        if not all(isinstance(r, dict) for r in raws):
            raise InputError("--json must hold a use object or a list of use objects")
    else:
        raws = [
            {"date": date, "lat": lat, "lon": lon, "place": place, "weapon": weapon, "target": target,
             "purpose": purpose, "facts": parse_assignments(fact or [], "--fact")}
        ]
    the_pack = load_pack(pack)
    decisions = [check_use(parse_use(raw), the_pack, version=version, params=params) for raw in raws]
    if fmt == "json":
        payload = [d.to_json() for d in decisions]
        out.print_json(json.dumps(payload if many else payload[0]))
        return
    for decision in decisions:
        out.print(decision_view(decision, the_pack))


@command
def examples(pack: PackOption = DEFAULT_PACK, format: FormatOption = "text") -> None:
    """Check the bundled example uses (reported incidents and hypotheticals) and print a table."""
    fmt = check_format(format)
    the_pack = load_pack(pack)
    rows = [(ex.label, ex.use.date.isoformat(), check_use(ex.use, the_pack)) for ex in load_examples()]
    if fmt == "json":
        out.print_json(json.dumps([{"use": label, **d.to_json()} for label, _day, d in rows]))
        return
    out.print(decisions_table(rows, f"Example uses judged by pack {the_pack.name}"))
    counts: dict[str, int] = {}
    for _label, _day, decision in rows:
        counts[decision.verdict.value] = counts.get(decision.verdict.value, 0) + 1
    out.print("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + f"   ({len(rows)} uses)")
