"""The ``enduse`` command line (typer + rich), a thin layer over ``enduse.api``.

Exit codes: 0 any verdict; 2 invalid input or usage; 4 invalid pack; 5 Cedar
evaluation error. User mistakes print one line, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import polars as pl
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from enduse.api import DEFAULT_PACK, check as check_use, load_pack, load_pack_dir
from enduse.catalog import load_catalog
from enduse.errors import EnduseError, InputError
from enduse.examples import load_examples
from enduse.packs.params import parse_assignments
from enduse.decisions import Verdict
from enduse.render import COLOURS, decision_view, decisions_table, incidents_table
from enduse.uses import parse_use
from enduse.vocab import PURPOSES, TARGETS

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Weapons end-use policies as Cedar policy-as-code: was a use allowed, which clause decided, which source says so.",
)
out = Console()
err = Console(stderr=True)

def command(fn: Callable[..., None]) -> Callable[..., None]:
    """Register ``fn`` as a command whose ``EnduseError`` becomes one line on stderr and its exit code."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except EnduseError as error:
            err.print(Text.assemble(("error: ", "red"), str(error)), highlight=False)
            raise typer.Exit(error.exit_code) from None

    return app.command()(run)


PackOption = Annotated[str, typer.Option("--pack", help="Bundled pack name or a pack directory.")]
FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]


def _format(value: str) -> str:
    if value not in ("text", "json"):
        raise InputError(f"unknown format {value!r}: use text or json")
    return value


def _read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{source}: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}") from None


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
    param: Annotated[Optional[list[str]], typer.Option(help="Change a named assumption, name=value (repeatable).")] = None,
    json_input: Annotated[Optional[str], typer.Option("--json", help="Read the use(s) from a JSON file, or - for stdin.")] = None,
    format: FormatOption = "text",
) -> None:
    """Judge one use (or the uses in --json) under the policy version in force on its date."""
    fmt = _format(format)
    params = parse_assignments(param or [], "--param")
    many = False
    if json_input is not None:
        flags = [date, lat, lon, place, weapon, fact]
        if any(v is not None for v in flags) or target != "unknown" or purpose != "unknown":
            raise InputError("give the use either with flags or with --json, not both")
        document = _read_json(json_input)
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
    fmt = _format(format)
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


@command
def audit(
    source: Annotated[Path, typer.Argument(help="Input table: .csv, .parquet or .jsonl.")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Output table (.parquet, .csv or .jsonl).")] = None,
    rejects: Annotated[Optional[Path], typer.Option("--rejects", help="Rejected rows with row number and reason.")] = None,
    pack: PackOption = DEFAULT_PACK,
    param: Annotated[Optional[list[str]], typer.Option(help="Change a named assumption, name=value (repeatable).")] = None,
    map_: Annotated[Optional[list[str]], typer.Option("--map", help="Read a use column from another column: target=target_type.")] = None,
    input_format: Annotated[str, typer.Option("--input-format", help="standard, or acled for an ACLED export.")] = "standard",
    max_rejects: Annotated[Optional[int], typer.Option(help="Abort (exit 3, nothing written) past this many rejected rows.")] = None,
    engine: Annotated[str, typer.Option(help="columnar (default), cedar (reference, slow) or dask.")] = "columnar",
    scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address (with --engine dask).")] = None,
    batch_size: Annotated[int, typer.Option(help="Rows per batch (memory bound).")] = 250_000,
) -> None:
    """Judge every row of a table of uses; write verdicts and, separately, rejected rows."""
    from enduse.audit import run_audit

    target = output or source.with_name(source.name.split(".")[0] + ".audit.parquet")
    adapter = _adapter(input_format)
    options = dict(rejects=rejects, pack=load_pack(pack), params=parse_assignments(param or [], "--param"),
                   mapping=parse_assignments(map_ or [], "--map"), adapter=adapter, max_rejects=max_rejects,
                   batch_size=batch_size)
    summary = run_audit(source, target, engine=engine, scheduler=scheduler, **options)
    _print_summary(summary)


def _adapter(name: str):
    if name == "standard":
        return None
    if name == "acled":
        from enduse.adapters.acled import from_acled

        return from_acled
    raise InputError(f"unknown --input-format {name!r}: use standard or acled")


def _print_summary(summary) -> None:
    table = Table(title="Audit summary", show_header=False)
    table.add_column("what", style="dim")
    table.add_column("count", justify="right")
    table.add_row("rows in", f"{summary.rows_in:,}")
    for verdict in ("ALLOWED", "FORBIDDEN", "INDETERMINATE", "NOT_GOVERNED"):
        table.add_row(Text(verdict, style=COLOURS[Verdict(verdict)]), f"{summary.verdicts.get(verdict, 0):,}")
    table.add_row("rows out", f"{summary.rows_out:,}")
    table.add_row("rows rejected", f"{summary.rows_rejected:,}")
    out.print(table)
    out.print(f"verdicts: {summary.output}\nrejects:  {summary.rejects}")
    for reason in summary.first_reasons:
        out.print(f"  [dim]{reason}[/dim]", highlight=False)


@command
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the audit outputs.")] = Path("out"),
    pack: PackOption = DEFAULT_PACK,
) -> None:
    """The main job on bundled data: audit the reported incidents and a synthetic sample."""
    from enduse.audit import run_audit
    from enduse.examples import sample_path

    out_dir.mkdir(parents=True, exist_ok=True)
    the_pack = load_pack(pack)
    incidents = run_audit(sample_path("incidents.csv"), out_dir / "incidents.audit.csv", pack=the_pack)
    out.print(incidents_table(pl.read_csv(incidents.output, infer_schema=False)))
    out.print(f"verdicts: {incidents.output}\n")
    out.print(Text("Synthetic sample (seeded generator, 1% deliberately broken rows)", style="bold"))
    _print_summary(run_audit(sample_path("synthetic.parquet"), out_dir / "synthetic.audit.parquet", pack=the_pack))


@command
def versions(pack: PackOption = DEFAULT_PACK, format: FormatOption = "text") -> None:
    """List a pack's versions with their dates, sources and confidence."""
    fmt = _format(format)
    the_pack = load_pack(pack)
    if fmt == "json":
        out.print_json(json.dumps([
            {"id": v.id, "title": v.title, "effective_from": v.effective_from.isoformat(),
             "effective_to": v.effective_to.isoformat() if v.effective_to else None,
             "confidence": v.confidence, "date_note": v.date_note, "clauses": list(v.clauses),
             "sources": [{"id": s, **the_pack.sources[s].model_dump(mode="json")} for s in v.sources]}
            for v in the_pack.versions
        ]))
        return
    table = Table(title=f"{the_pack.name}: {the_pack.title}", show_lines=True, expand=True)
    for column in ("version", "in force", "confidence", "clauses", "sources"):
        table.add_column(column, overflow="fold")
    for v in the_pack.versions:
        span = f"{v.effective_from} → {v.effective_to or 'today'}" + (f"\n{v.date_note}" if v.date_note else "")
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
    for column in ("system", "supplier", "class", "long range", "aliases"):
        table.add_column(column)
    for w in load_catalog():
        table.add_row(w.name, w.supplier, w.weapon_class, "yes" if w.long_range else "no", ", ".join(w.aliases))
    out.print(table)


@command
def vocab() -> None:
    """List the target and purpose vocabularies."""
    out.print("[bold]targets:[/bold] " + ", ".join(TARGETS))
    out.print("[bold]purposes:[/bold] " + ", ".join(PURPOSES))


def main() -> None:
    """Entry point of the ``enduse`` console script."""
    app()
