"""The report page: one self-contained HTML file rendered with Jinja2.

Nothing on the page is fetched: styles are inline, charts and maps are inline
SVG, and sources are cited as text. Everything that comes from the data is
escaped by Jinja2's autoescape; only the SVG made by ``enduse.report.charts``
is inserted as markup.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape

from enduse.files import write_atomic
from enduse.maps import events_under, render_map
from enduse.packs.model import Pack, Source
from enduse.render import location_text
from enduse.packs.registry import PackSet, pack_set
from enduse import chronology
from enduse.report import charts
from enduse.report.data import prepare, read_audit
from enduse.report.summary import MEANINGS, SEVERAL, VERDICTS, by_verdict, count_tables, span

MAX_LISTED = 500
MAX_SVG_EVENTS = 2_000  # above this a map is a PNG: each point costs ~250 bytes of SVG
LISTED = ("FORBIDDEN", "INDETERMINATE")

_env = Environment(loader=PackageLoader("enduse.report", "templates"), autoescape=select_autoescape(default=True),
                   trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class CitedClause:
    """A deciding clause as the page shows it: id, effect and the sources that state it."""

    id: str
    effect: str | None
    sources: tuple[Source, ...]


def _clauses(pack: Pack, version_id: str | None, ids: list[str], cache: dict) -> list[CitedClause]:
    """The clauses ``ids`` of version ``version_id`` with their sources; unknown ids (another pack) kept bare."""
    out = []
    for clause_id in ids:
        key = (version_id, clause_id)
        if key not in cache:
            try:
                clause = pack.version(version_id).clauses[clause_id]
            except KeyError:
                cache[key] = CitedClause(clause_id, None, ())
            else:
                cache[key] = CitedClause(clause_id, clause.effect,
                                         tuple(pack.sources[s] for s in clause.sources if s in pack.sources))
        out.append(cache[key])
    return out


def _where(row: dict[str, Any]) -> str:
    """The location as reported (with its precision), then the region and country found for it."""
    reported = location_text(row) if row.get("place") or row.get("region") or row.get("lat") is not None else ""
    if not reported and row["resolved_lat"] is not None and row["resolved_lon"] is not None:
        reported = f"{row['resolved_lat']:.3f}, {row['resolved_lon']:.3f}"
    area = ", ".join(str(v) for v in (row["region_name"] or row["located_region"], row["country"]) if v)
    return f"{reported} ({area})" if area and reported and not row.get("region") else reported or area


def listed_uses(frame: pl.DataFrame, pack: Pack, limit: int) -> tuple[list[dict[str, Any]], int]:
    """The FORBIDDEN and INDETERMINATE rows, most recent first, at most ``limit``; and how many were left out."""
    chosen = frame.filter(pl.col("verdict").is_in(LISTED)).sort(["day", "id"], descending=[True, False], nulls_last=True)
    cache: dict = {}
    rows = []
    for row in chosen.head(limit).iter_rows(named=True):
        row["where"] = _where(row)
        row["cited"] = _clauses(pack, row["version"], row["clauses"], cache)
        rows.append(row)
    return rows, chosen.height - len(rows)


def _maps(frame: pl.DataFrame, pack: Pack) -> list[dict[str, Any]]:
    """Maps of the zones in force on the latest day of the data and, when the data spans the pack's first change
    of policy (30 May 2024 for us-ukraine), on the day before it; each with the uses judged under that version."""
    first_day, last_day = frame["day"].min(), frame["day"].max()
    if last_day is None:
        return []
    days = [last_day]
    if len(pack.versions) > 1:
        change = pack.versions[1].effective_from
        if first_day < change <= last_day:
            days.insert(0, change - dt.timedelta(days=1))
    shown = []
    for day in days:
        version = pack.version_on(day)
        events = events_under(frame, pack, version)
        name = f"version {version.id!r}" if version else "no version"
        label = f"Map of the zones in force on {day:%-d %B %Y} ({name}) with the {events.height:,} uses judged under it"
        figure = render_map(pack, day, events)
        image = charts.svg(figure, label, f"map-{day}") if events.height <= MAX_SVG_EVENTS else charts.png(figure, label)
        shown.append({"image": image, "caption": label + ", coloured by verdict."})
    return shown


def render_report(frame: pl.DataFrame, pack: Pack, source_name: str, packs: PackSet | None = None) -> str:
    """The report page for the audit output ``frame`` (as read, or already prepared): its maps and policy section
    under ``pack``, its coalition chronology under ``packs`` (default: every bundled pack)."""
    frame = prepare(frame, source_name)
    uses, more = listed_uses(frame, pack, MAX_LISTED)
    verdicts = by_verdict(frame)
    lanes = chronology.coalition_lanes(packs or pack_set(None), frame["day"].max())
    context = {
        "pack": pack,
        "source_name": source_name,
        "rows": frame.height,
        "span": span(frame),
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "verdicts": VERDICTS,
        "meanings": MEANINGS,
        "colours": charts.VERDICT_HEX,
        "by_verdict": verdicts.rows(named=True),
        "totals": dict(zip(verdicts["verdict"], verdicts["rows"])),
        "tables": count_tables(frame, pack),
        "charts": [
            charts.monthly_chart(frame),
            charts.category_chart(frame.with_columns(pl.col("supplier").fill_null(SEVERAL)), "supplier", "supplier"),
            charts.category_chart(frame, "weapon_class", "weapon class"),
            charts.category_chart(frame, "target", "target"),
        ],
        "maps": _maps(frame, pack),
        "lanes": lanes,
        "chronology": charts.chronology_chart(lanes),
        "levels": chronology.LEVELS,
        "probes": chronology.PROBES,
        "uses": uses,
        "more": more,
        "max_listed": MAX_LISTED,
        "listed": LISTED,
    }
    return _env.get_template("report.html.j2").render(context)


def write_report(audit_path: str | Path, out_path: str | Path, pack: Pack) -> Path:
    """Render the report of the audit output at ``audit_path`` to ``out_path``, atomically; returns ``out_path``."""
    html = render_report(read_audit(audit_path), pack, Path(audit_path).name)
    return write_atomic(out_path, html)
