"""``enduse diff``: what a policy change (or a what-if on an assumption) added, removed and made allowed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from enduse.cli.app import FormatOption, check_format, command, out
from enduse.adapters import ADAPTERS, adapter_named

SideParams = Annotated[Optional[list[str]], typer.Option(help="What-if: change a named assumption on this side, name=value.")]


@command
def diff(
    a: Annotated[str, typer.Argument(help="Side A: PACK@VERSION, the version by id or date, e.g. us-ukraine@2024-05-29.")],
    b: Annotated[str, typer.Argument(help="Side B: PACK@VERSION, e.g. us-ukraine@kharkiv.")],
    param_a: SideParams = None,
    param_b: SideParams = None,
    data: Annotated[Optional[Path], typer.Option(help="A table of uses: count the uses whose verdict changes.")] = None,
    map_: Annotated[Optional[list[str]], typer.Option("--map", help="With --data: read a use column from another, target=target_type.")] = None,
    input_format: Annotated[str, typer.Option("--input-format", help=f"With --data: {' or '.join(ADAPTERS)}.")] = "standard",
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="With --data: write the changed uses here.")] = None,
    format: FormatOption = "text",
) -> None:
    """Compare two versions (or one under changed assumptions): clauses, assumptions, zone areas,
    every use of the pack's finite space, and with --data the uses whose verdict changes."""
    fmt = check_format(format)
    from enduse.diff import compare, parse_side
    from enduse.diff.data import data_changes
    from enduse.packs.params import parse_assignments

    side_a = parse_side(a, parse_assignments(param_a or [], "--param-a"))
    side_b = parse_side(b, parse_assignments(param_b or [], "--param-b"))
    result = compare(side_a, side_b)
    if data is not None:
        changes = data_changes(data, side_a, side_b, mapping=parse_assignments(map_ or [], "--map"),
                               adapter=adapter_named(input_format), output=output)
        result["data"] = changes.to_json()
    if fmt == "json":
        out.print_json(json.dumps(result))
        return
    _print(result, output)


def _verdict(value: str) -> Text:
    from enduse.decisions import Verdict
    from enduse.render import COLOURS

    return Text(value, style=COLOURS[Verdict(value)])


def _sides(result: dict[str, Any]) -> None:
    for key in ("a", "b"):
        side = result[key]
        span = f"{side['effective_from']} → {side['effective_to'] or 'today'}"
        out.print(Text.assemble((key.upper(), "bold"), f" {side['label']}: {side['title']} ({span}; confidence {side['confidence']})"))


def _clauses(clauses: dict[str, list]) -> None:
    table = Table(title="Clauses", expand=True)
    for column in ("change", "clause", "effect", "source"):
        table.add_column(column, overflow="fold")
    for change in ("added", "removed"):
        for clause in clauses[change]:
            source = clause["sources"][0] if clause["sources"] else None
            table.add_row(change, clause["id"], clause["effect"], f"{source['outlet']}, {source['date']}" if source else "")
    for clause in clauses["changed"]:
        source = clause["b"]["sources"][0] if clause["b"]["sources"] else None
        table.add_row("changed", clause["id"], f"{clause['a']['effect']} → {clause['b']['effect']}",
                      f"{source['outlet']}, {source['date']}" if source else "")
    table.caption = f"unchanged: {', '.join(clauses['unchanged']) or 'none'}"
    out.print(table)


def _assumptions(rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print("Assumptions: none changed.")
        return
    table = Table(title="Assumptions changed", expand=True)
    for column in ("name", "A", "B", "meaning"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["name"], str(row["a"] if row["a"] is not None else "not used"),
                      str(row["b"] if row["b"] is not None else "not used"), row["title"])
    out.print(table)


def _zones(zones: dict[str, Any]) -> None:
    table = Table(title="Zone land, km² (inside: the clause applies; vague: INDETERMINATE)", expand=True)
    for column in ("zone", "band", "A", "B"):
        table.add_column(column, justify="right" if column in ("A", "B") else "left")
    for row in zones["by_zone"]:
        table.add_row(row["zone"], row["band"], f"{row['a_km2']:,.0f}", f"{row['b_km2']:,.0f}")
    for band, row in zones["by_band"].items():
        table.add_row(Text(f"all zones, {band}", style="bold"), "gained / lost",
                      f"-{row['lost_km2']:,.0f}", f"+{row['gained_km2']:,.0f}")
    out.print(table)


def _space(space: dict[str, Any], facts: list[str]) -> None:
    if space["b_more_permissive"]:
        answer = "B is more permissive than A: it allows uses A does not, and nothing A allows is lost."
    elif space["a_more_permissive"]:
        answer = "B is less permissive than A: it allows nothing new and stops allowing some uses."
    elif space["verdict_changes"] == 0:
        answer = "A and B give the same verdict to every use."
    elif space["allowed_only_in_a"] or space["allowed_only_in_b"]:
        answer = "Neither is more permissive: each allows uses the other does not."
    else:
        answer = "Neither allows anything the other does not; some other verdicts differ."
    out.print(Text(answer, style="bold"))
    out.print(f"{space['uses_compared']:,} uses compared ({space['places']} kinds of place); "
              f"{space['verdict_changes']:,} change verdict; allowed only by A: {space['allowed_only_in_a']:,}, "
              f"only by B: {space['allowed_only_in_b']:,}")
    if not space["regions"]:
        return
    table = Table(title="Where the verdict changes (regions of the use space)", expand=True, show_lines=True)
    for column in ("A → B", "where", "weapon", "target", "purpose", *facts, "uses"):
        table.add_column(column, overflow="fold")
    for row in space["regions"]:
        table.add_row(Text.assemble(_verdict(row["from"]), " → ", _verdict(row["to"])), row["where"], row["weapon"],
                      row["target"], row["purpose"], *(row[f] for f in facts), str(row["uses"]))
    out.print(table)


def _data(data: dict[str, Any], output: Path | None) -> None:
    out.print(f"\n[bold]Uses in the data[/bold]: {data['rows_in']:,} rows, {data['rows_compared']:,} compared, "
              f"{data['rows_rejected']:,} rejected, {data['rows_changed']:,} change verdict")
    for reason in data["first_rejects"]:
        out.print(f"  [dim]{reason}[/dim]", highlight=False)
    for key, title in (("changes", None), ("by_target", "target"), ("by_region", "region"), ("by_month", "month")):
        rows = data[key]
        if not rows:
            continue
        table = Table(title=f"Changed verdicts{' by ' + title if title else ''}" + (" (top 12)" if len(rows) > 12 else ""))
        for column in ("A → B", *([title] if title else []), "uses"):
            table.add_column(column)
        for row in rows[:12]:
            table.add_row(Text.assemble(_verdict(row["from"]), " → ", _verdict(row["to"])),
                          *([row[title]] if title else []), f"{row['uses']:,}")
        out.print(table)
    if output is not None:
        out.print(f"changed uses: {output}")


def _print(result: dict[str, Any], output: Path | None) -> None:
    _sides(result)
    _clauses(result["clauses"])
    _assumptions(result["assumptions"])
    _zones(result["zones"])
    _space(result["space"], result["space"]["facts"])
    if "data" in result:
        _data(result["data"], output)
