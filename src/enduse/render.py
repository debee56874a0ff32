"""Human-readable output of decisions (rich). JSON output is ``Decision.to_json``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from rich.console import Group
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from enduse.decisions import Decision, Verdict
from enduse.geo.areas import region_codes
from enduse.packs.model import Pack, Parameter
from enduse.packs.registry import PackSet

COLOURS = {
    Verdict.ALLOWED: "bold green",
    Verdict.FORBIDDEN: "bold red",
    Verdict.INDETERMINATE: "bold yellow",
    Verdict.NOT_GOVERNED: "bold blue",
}


def verdict_text(verdict: Verdict) -> Text:
    return Text(verdict.value, style=COLOURS[verdict])


def _version_line(decision: Decision, pack: Pack) -> str:
    if decision.version is None:
        return f"{pack.name}: no version in force"
    version = pack.version(decision.version)
    end = version.effective_to.isoformat() if version.effective_to else "today"
    line = (
        f"{pack.name} @ {version.id} — {version.title} "
        f"({version.effective_from} → {end}; confidence {version.confidence})"
    )
    if version.date_confidence != "high":
        line += f"\nStart date known with {version.date_confidence} confidence: {version.date_note}"
    return line


def _clause_lines(decision: Decision) -> list[Text]:
    lines = []
    for clause in decision.clauses:
        lines.append(Text(f"  {clause.id} ({clause.effect}; confidence {clause.confidence})", style="bold"))
        for _source_id, source in clause.sources:
            quote = f"“{source.quote}”" if source.kind == "quote" else f"(summary) {source.quote}"
            lines.append(Text(f"    {source.outlet}, {source.date} [{source.confidence}]: {quote}"))
            if source.url:
                lines.append(Text(f"      {source.url}", style="dim"))
    return lines


def _candidate_lines(decision: Decision, packs: PackSet) -> list[Text]:
    lines = [Text("Candidate suppliers (the use does not say which supplied the weapon)", style="bold")]
    for candidate in decision.candidates:
        where = f"{candidate.pack} @ {candidate.version}" if candidate.pack and candidate.version else candidate.pack or "no pack"
        lines.append(Text.assemble(f"  {candidate.supplier}: ", verdict_text(candidate.verdict), f"  {where} — {candidate.explanation}"))
    return lines


def decision_view(decision: Decision, packs: PackSet) -> Group:
    """Everything a reader needs to see why: verdict, version, clauses with quotes, facts, assumptions."""
    parts: list = [Text.assemble(verdict_text(decision.verdict), "  ", decision.explanation)]
    pack = packs.pack(decision.pack) if decision.pack else None
    if pack is not None:
        parts.append(Text(f"Version in force: {_version_line(decision, pack)}", style="dim"))
    if decision.confidence:
        parts.append(Text(f"Confidence of the grounds (version and deciding clauses): {decision.confidence}", style="dim"))
    if decision.missing:
        parts.append(Text("Missing: " + ", ".join(decision.missing), style="yellow"))
    if decision.clauses:
        heading = "Clauses that decide, depending on the missing facts" if decision.missing else "Deciding clauses"
        parts.append(Text(heading, style="bold"))
        parts.extend(_clause_lines(decision))
    if decision.candidates:
        parts.extend(_candidate_lines(decision, packs))
    facts = Table(title="Derived facts", show_header=False, expand=True)
    facts.add_column("fact", style="dim")
    facts.add_column("value")
    for key, value in decision.facts.to_json().items():
        if value not in (None, [], ""):
            facts.add_row(key, ", ".join(value) if isinstance(value, list) else str(value))
    for key, value in decision.use_facts.items():
        facts.add_row(key, value)
    parts.append(facts)
    if decision.assumptions:
        assumptions = Table(title="Assumptions used (change with --param name=value)", expand=True)
        for column in ("name", "value", "meaning"):
            assumptions.add_column(column)
        for name, value in decision.assumptions.items():
            param = _parameter(packs, decision, name)
            assumptions.add_row(name, f"{value:g} {param.unit or ''}" if isinstance(value, float) else str(value), param.title)
        parts.append(assumptions)
    return Group(Rule("enduse check"), *parts)


def _parameter(packs: PackSet, decision: Decision, name: str) -> Parameter:
    """The named assumption ``name`` (``pack:name`` in a decision combined from candidates)."""
    pack, _, own = name.rpartition(":")
    return packs.pack(pack or decision.pack).parameters[own]


def decisions_table(rows: Sequence[tuple[str, str, Decision]], title: str) -> Table:
    """One line per use: label, date, verdict, version, deciding clauses or missing facts."""
    table = Table(title=title, show_lines=False, expand=True)
    for column in ("use", "date", "verdict", "version", "clauses / missing"):
        table.add_column(column, overflow="fold")
    for label, day, decision in rows:
        detail = ", ".join(c.id for c in decision.clauses) or decision.explanation
        if decision.missing:
            detail = f"missing: {', '.join(decision.missing)}" + (f" | {detail}" if decision.clauses else "")
        table.add_row(label, day, verdict_text(decision.verdict), decision.version or "—", detail)
    return table


def comparison_table(rows: Sequence[dict], title: str) -> Table:
    """``enduse.compare.compare_suppliers`` rows: one line per supplier (or group of its weapons)."""
    table = Table(title=title, show_lines=True, expand=True)
    for column in ("supplier", "weapons", "verdict", "version", "clauses / missing", "source"):
        table.add_column(column, overflow="fold")
    for row in rows:
        detail = ", ".join(row["clauses"]) or row["explanation"]
        if row["missing"]:
            detail = f"missing: {', '.join(row['missing'])}" + (f" | {detail}" if row["clauses"] else "")
        source = row["source"]
        cited = "" if source is None else f"{source['outlet']}, {source['date']}: “{source['quote']}”"
        table.add_row(row["supplier"], ", ".join(row["weapons"]), verdict_text(Verdict(row["verdict"])),
                      f"{row['pack'] or '—'} @ {row['version'] or '—'}", detail, cited)
    return table


def location_text(row: Mapping[str, Any]) -> str:
    """A use's location as reported, with its precision: "Sudzha", "within 10 km of Sudzha", "50.6, 36.6",
    "somewhere in Belgorod (RU-BEL)". Reads the use columns (any may be absent)."""
    region, place, within = row.get("region"), row.get("place"), row.get("within_km")
    if region:
        name = region_codes().get(region)
        return f"somewhere in {name} ({region})" if name else f"somewhere in {region}"
    point = place or f"{row.get('lat')}, {row.get('lon')}"
    return f"within {float(within):g} km of {point}" if within not in (None, "") else point


def incidents_table(audited: pl.DataFrame) -> Table:
    """Audited incidents, one line each, with their source: as a reader of the report wants them."""
    table = Table(title="Reported incidents judged by the policy in force that day", expand=True)
    for column in ("date", "where", "weapon → target", "verdict", "version", "clauses / missing", "source"):
        table.add_column(column, overflow="fold")
    for row in audited.iter_rows(named=True):
        where = location_text(row)
        detail = f"missing: {row['missing']}" if row["missing"] else row["clauses"] or "no clause permits this use"
        table.add_row(row["date"], where, f"{row['weapon']} → {row['target']}", verdict_text(Verdict(row["verdict"])),
                      row["version"], detail.replace(";", ", "), row["source"])
    return table
