"""``enduse check``, ``enduse compare`` and ``enduse examples``: judge single uses."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from enduse.cli.app import (
    FormatOption,
    PackOption,
    ParamOption,
    check_format,
    command,
    out,
    read_json,
)
from enduse.errors import EnduseError, InputError

WithinOption = Annotated[Optional[float], typer.Option(
    "--within-km", help="The use was somewhere within this many km of the point or place (uncertain location).")]
RegionOption = Annotated[Optional[str], typer.Option(
    help="Only the region is known (instead of a point or place): ISO 3166-2 code or English name, e.g. RU-BEL, Kursk.")]


@command
def check(
    date: Annotated[Optional[str], typer.Option(help="Date of the use, YYYY-MM-DD.")] = None,
    lat: Annotated[Optional[float], typer.Option(help="Latitude of the target (WGS84).")] = None,
    lon: Annotated[Optional[float], typer.Option(help="Longitude of the target (WGS84).")] = None,
    place: Annotated[Optional[str], typer.Option(help="Place name instead of lat/lon, e.g. 'Shebekino' or 'Pokrovsk, UA-14'.")] = None,
    within_km: WithinOption = None,
    region: RegionOption = None,
    weapon: Annotated[Optional[str], typer.Option(help="Weapon system, e.g. HIMARS, ATACMS, or 'unknown'.")] = None,
    supplier: Annotated[Optional[str], typer.Option(help="Country that supplied the weapon (GB, FR, DE, US...), when the "
                                                    "weapon has several or is unknown.")] = None,
    target: Annotated[str, typer.Option(help="Target category (see `enduse vocab`).")] = "unknown",
    purpose: Annotated[str, typer.Option(help="Purpose of the use (see `enduse vocab`).")] = "unknown",
    fact: Annotated[Optional[list[str]], typer.Option(help="A stated fact, name=yes|no|unknown (repeatable).")] = None,
    pack: PackOption = None,
    version: Annotated[Optional[str], typer.Option(help="Force a version id or date instead of the one in force.")] = None,
    param: ParamOption = None,
    json_input: Annotated[Optional[str], typer.Option("--json", help="Read the use(s) from a JSON file, or - for stdin.")] = None,
    format: FormatOption = "text",
) -> None:
    """Judge one use (or the uses in --json) under the policy version in force on its date."""
    from enduse.judge import Judge
    from enduse.packs.params import parse_assignments
    from enduse.render import decision_view

    fmt = check_format(format)
    params = parse_assignments(param or [], "--param")
    many = False
    if json_input is not None:
        flags = [date, lat, lon, place, within_km, region, weapon, supplier, fact]
        if any(v is not None for v in flags) or target != "unknown" or purpose != "unknown":
            raise InputError("give the use either with flags or with --json, not both")
        document = read_json(json_input)
        many = isinstance(document, list)
        raws = document if many else [document]
        if not all(isinstance(r, dict) for r in raws):
            raise InputError("--json must hold a use object or a list of use objects")
    else:
        raws = [
            {"date": date, "lat": lat, "lon": lon, "place": place, "within_km": within_km, "region": region, "weapon": weapon,
             "supplier": supplier, "target": target,
             "purpose": purpose, "facts": parse_assignments(fact or [], "--fact")}
        ]
    judge = Judge.create(pack, params, engine="cedar")
    decisions = judge.uses(raws, version=version)
    for result in decisions:
        if isinstance(result, EnduseError):
            raise result
    if fmt == "json":
        payload = [d.to_json() for d in decisions]
        out.print_json(json.dumps(payload if many else payload[0]))
        return
    for decision in decisions:
        out.print(decision_view(decision, judge.packs))


@command
def examples(pack: PackOption = None, format: FormatOption = "text") -> None:
    """Check the bundled example uses (reported incidents and hypotheticals) and print a table."""
    from enduse.api import check_many
    from enduse.examples import load_examples
    from enduse.render import decisions_table

    fmt = check_format(format)
    found = load_examples()
    decisions = check_many([ex.use for ex in found], pack)
    for result in decisions:
        if isinstance(result, EnduseError):
            raise result
    rows = [(ex.label, ex.use.date.isoformat(), d) for ex, d in zip(found, decisions, strict=True)]
    if fmt == "json":
        out.print_json(json.dumps([{"use": label, **d.to_json()} for label, _day, d in rows]))
        return
    out.print(decisions_table(rows, f"Example uses judged by {pack or 'each supplier’s pack'}"))
    counts: dict[str, int] = {}
    for _label, _day, decision in rows:
        counts[decision.verdict.value] = counts.get(decision.verdict.value, 0) + 1
    out.print("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + f"   ({len(rows)} uses)")


@command
def compare(
    date: Annotated[str, typer.Option(help="Date of the use, YYYY-MM-DD.")],
    lat: Annotated[Optional[float], typer.Option(help="Latitude of the target (WGS84).")] = None,
    lon: Annotated[Optional[float], typer.Option(help="Longitude of the target (WGS84).")] = None,
    place: Annotated[Optional[str], typer.Option(help="Place name instead of lat/lon, e.g. 'Sudzha'.")] = None,
    within_km: WithinOption = None,
    region: RegionOption = None,
    weapon: Annotated[Optional[str], typer.Option(help="Only the suppliers that delivered this weapon.")] = None,
    target: Annotated[str, typer.Option(help="Target category (see `enduse vocab`).")] = "unknown",
    purpose: Annotated[str, typer.Option(help="Purpose of the use (see `enduse vocab`).")] = "unknown",
    fact: Annotated[Optional[list[str]], typer.Option(help="A stated fact, name=yes|no|unknown (repeatable).")] = None,
    param: ParamOption = None,
    format: FormatOption = "text",
) -> None:
    """Every supplier side by side for one use: verdict, version in force, deciding clause and source, per supplier
    (and per group of its weapons where its pack tells them apart)."""
    from enduse.compare import compare_suppliers
    from enduse.packs.params import parse_assignments
    from enduse.packs.registry import pack_set
    from enduse.render import comparison_table

    fmt = check_format(format)
    use = {"date": date, "lat": lat, "lon": lon, "place": place, "within_km": within_km, "region": region, "weapon": weapon,
           "target": target, "purpose": purpose,
           "facts": parse_assignments(fact or [], "--fact")}
    rows = compare_suppliers(use, pack_set(None, parse_assignments(param or [], "--param")))
    if fmt == "json":
        out.print_json(json.dumps(rows))
        return
    out.print(comparison_table(rows, f"Every supplier's policy for this use on {date}"))
