"""Commands about packs and vocabularies: versions, validate, weapons, vocab."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from enduse.cli.app import FormatOption, OnePackOption, check_format, command, out
from enduse.packs import FOUNDING_PACK

if TYPE_CHECKING:
    from enduse.packs.model import Pack, Version


def _version_json(pack: Pack, v: Version) -> dict[str, Any]:
    return {"id": v.id, "title": v.title, "effective_from": v.effective_from.isoformat(),
            "effective_to": v.effective_to.isoformat() if v.effective_to else None,
            "confidence": v.confidence, "date_confidence": v.date_confidence, "date_note": v.date_note, "clauses": list(v.clauses),
            "scopes": list(v.scopes), "sources": [{"id": s, **pack.sources[s].model_dump(mode="json")} for s in v.sources]}


@command
def versions(
    pack: OnePackOption = FOUNDING_PACK,
    all_packs: Annotated[bool, typer.Option("--all", help="Every bundled pack's versions in one chronology.")] = False,
    format: FormatOption = "text",
) -> None:
    """List a pack's versions with their dates, sources and confidence (--all: every supplier's, in date order)."""
    from enduse.packs.registry import bundled, load_pack

    fmt = check_format(format)
    entries = bundled().chronology() if all_packs else [(load_pack(pack), v) for v in load_pack(pack).versions]
    if fmt == "json":
        out.print_json(json.dumps([{"supplier": p.supplier, "pack": p.name, **_version_json(p, v)} for p, v in entries]))
        return
    title = "Every supplier's end-use conditions, in date order" if all_packs else f"{entries[0][0].name}: {entries[0][0].title}"
    table = Table(title=title, show_lines=True, expand=True)
    for column in ("supplier", "version", "in force", "confidence", "clauses", "sources"):
        table.add_column(column, overflow="fold")
    for p, v in entries:
        span = f"{v.effective_from} → {v.effective_to or 'today'}\n(start date: {v.date_confidence} confidence)"
        span += f"\n{v.date_note}" if v.date_note else ""
        sources = "\n".join(f"{p.sources[s].outlet}, {p.sources[s].date}" for s in v.sources)
        table.add_row(f"{p.supplier}\n{p.name}", f"{v.id}\n{v.title}", span, v.confidence, "\n".join(v.clauses), sources)
    out.print(table)


@command
def validate(pack_dir: Annotated[Path, typer.Argument(help="A policy pack directory.")]) -> None:
    """Validate a pack directory: manifest, schema, clauses, sources, parameters, zones."""
    from enduse.packs.registry import load_pack_dir

    pack = load_pack_dir(pack_dir)
    clauses = sum(len(v.clauses) for v in pack.versions)
    out.print(f"[green]valid[/green] pack {pack.name}: {len(pack.versions)} versions, {clauses} clauses, "
              f"{len(pack.sources)} sources, {len(pack.parameters)} parameters, {len(pack.zones)} zones")


@command
def weapons() -> None:
    """List the weapon catalogue: system, supplier, class, aliases."""
    from enduse.catalog import load_catalog

    table = Table(title="Weapon catalogue")
    for column in ("system", "suppliers", "class", "long range", "aliases"):
        table.add_column(column)
    for w in load_catalog():
        table.add_row(w.name, ", ".join(w.suppliers), w.weapon_class, "yes" if w.long_range else "no", ", ".join(w.aliases))
    out.print(table)


@command
def vocab() -> None:
    """List the target and purpose vocabularies."""
    from enduse.vocab import PURPOSES, TARGETS

    out.print("[bold]targets:[/bold] " + ", ".join(TARGETS))
    out.print("[bold]purposes:[/bold] " + ", ".join(PURPOSES))
