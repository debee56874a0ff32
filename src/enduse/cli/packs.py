"""Commands about packs and vocabularies: versions, validate, weapons, vocab."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from enduse.api import DEFAULT_PACK, load_pack, load_pack_dir
from enduse.catalog import load_catalog
from enduse.cli.app import FormatOption, PackOption, check_format, command, out
from enduse.vocab import PURPOSES, TARGETS


@command
def versions(pack: PackOption = DEFAULT_PACK, format: FormatOption = "text") -> None:
    """List a pack's versions with their dates, sources and confidence."""
    fmt = check_format(format)
    the_pack = load_pack(pack)
    if fmt == "json":
        out.print_json(json.dumps([
            {"id": v.id, "title": v.title, "effective_from": v.effective_from.isoformat(),
             "effective_to": v.effective_to.isoformat() if v.effective_to else None,
             "confidence": v.confidence, "date_confidence": v.date_confidence, "date_note": v.date_note, "clauses": list(v.clauses),
             "sources": [{"id": s, **the_pack.sources[s].model_dump(mode="json")} for s in v.sources]}
            for v in the_pack.versions
        ]))
        return
    table = Table(title=f"{the_pack.name}: {the_pack.title}", show_lines=True, expand=True)
    for column in ("version", "in force", "confidence", "clauses", "sources"):
        table.add_column(column, overflow="fold")
    for v in the_pack.versions:
        span = f"{v.effective_from} → {v.effective_to or 'today'}\n(start date: {v.date_confidence} confidence)"
        span += f"\n{v.date_note}" if v.date_note else ""
        sources = "\n".join(f"{the_pack.sources[s].outlet}, {the_pack.sources[s].date}" for s in v.sources)
        table.add_row(f"{v.id}\n{v.title}", span, v.confidence, "\n".join(v.clauses), sources)
    out.print(table)


@command
def validate(pack_dir: Annotated[Path, typer.Argument(help="A policy pack directory.")]) -> None:
    """Validate a pack directory: manifest, schema, clauses, sources, parameters, zones."""
    pack = load_pack_dir(pack_dir)
    clauses = sum(len(v.clauses) for v in pack.versions)
    out.print(f"[green]valid[/green] pack {pack.name}: {len(pack.versions)} versions, {clauses} clauses, "
              f"{len(pack.sources)} sources, {len(pack.parameters)} parameters, {len(pack.zones)} zones")


@command
def weapons() -> None:
    """List the weapon catalogue: system, supplier, class, aliases."""
    table = Table(title="Weapon catalogue")
    for column in ("system", "suppliers", "class", "long range", "aliases"):
        table.add_column(column)
    for w in load_catalog():
        table.add_row(w.name, ", ".join(w.suppliers), w.weapon_class, "yes" if w.long_range else "no", ", ".join(w.aliases))
    out.print(table)


@command
def vocab() -> None:
    """List the target and purpose vocabularies."""
    out.print("[bold]targets:[/bold] " + ", ".join(TARGETS))
    out.print("[bold]purposes:[/bold] " + ", ".join(PURPOSES))
