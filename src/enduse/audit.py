"""The bulk audit: every row of a table judged by the pack version in force on its date.

``audit_batch`` is the whole pipeline for one batch (validate → enrich →
decide) and is what every engine of scale runs per partition. ``run_audit``
streams a file through it; ``audit`` is the notebook API. Rows are never
dropped: each input row ends up either in the output, with its verdict, or in
the rejects, with its row number and reason — rows in = rows out + rows rejected.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from enduse.api import DEFAULT_PACK, load_pack, with_checked_params
from enduse.decisions import decision_confidence
from enduse.engines import ENGINES, Engine
from enduse.enrich import BAND, enrich_frame
from enduse.errors import EnduseError, InputError
from enduse.evaluate import Memo, decide_frame
from enduse.packs.model import Pack
from enduse.tables import TableWriter, count_rows, read_batches
from enduse.uses import REASON, ROW, USE_COLUMNS, validate_uses

RESULT_COLUMNS = (
    "verdict", "version", "clauses", "missing", "confidence", "country", "region", "border_distance_km", "zones",
    "resolved_lat", "resolved_lon",
)
REJECT_COLUMNS = ("row", REASON)


class TooManyRejects(EnduseError):
    """More rows were rejected than ``--max-rejects`` allows; nothing was written."""

    exit_code = 3


def result_names(columns: Iterable[str]) -> dict[str, str]:
    """Output name of each result column: ``enduse_<name>`` where the input already has ``<name>``."""
    taken = set(columns)
    return {name: f"enduse_{name}" if name in taken else name for name in RESULT_COLUMNS}


def apply_mapping(frame: pl.DataFrame, mapping: Mapping[str, str]) -> pl.DataFrame:
    """Copy input columns to the standard names they stand for (``{"target": "target_type"}``)."""
    for standard, source in mapping.items():
        if standard not in USE_COLUMNS:
            raise InputError(f"--map {standard}={source}: {standard!r} is not a use column ({', '.join(USE_COLUMNS)})")
        if source not in frame.columns:
            raise InputError(f"--map {standard}={source}: the input has no column {source!r}")
        if standard in frame.columns and standard != source:
            raise InputError(f"--map {standard}={source}: the input already has a column {standard!r}")
    return frame.with_columns(pl.col(source).alias(standard) for standard, source in mapping.items())


def _confidence(decided: pl.DataFrame, pack: Pack) -> pl.Expr:
    """``decision_confidence`` of each row, computed once per distinct (version, clauses)."""
    key = pl.concat_str(pl.col("__version").fill_null(""), pl.col("__clauses").list.join(","), separator="|")
    table = {
        k: decision_confidence(pack, k.split("|")[0] or None, [c for c in k.split("|")[1].split(",") if c])
        for k in decided.select(key.unique()).to_series()
    }
    return key.replace_strict(table, default=None, return_dtype=pl.String)


def audit_batch(
    frame: pl.DataFrame,
    pack: Pack,
    engine: Engine,
    *,
    first_row: int = 1,
    mapping: Mapping[str, str] | None = None,
    memo: Memo | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(decided rows, rejected rows) for one batch whose first row is input row ``first_row``.

    Decided rows keep every input column and gain ``RESULT_COLUMNS`` (renamed
    by ``result_names`` on a clash); rejected rows keep every input column and
    gain ``row`` and ``reason``. A row whose evaluation raised a Cedar error is
    rejected with the clauses named — never given a verdict. ``memo`` carries decisions
    over from earlier batches of the same run.
    """
    originals = frame.columns
    clash = [c for c in REJECT_COLUMNS if c in originals]
    if clash:
        raise InputError(f"the input has column(s) {', '.join(clash)}, which the rejects file uses; rename them")
    mapped = apply_mapping(frame, mapping or {})
    facts = [name for name in pack.facts if name in mapped.columns]
    valid, invalid = validate_uses(mapped, facts, first_row=first_row)
    situations, unresolved = enrich_frame(valid, pack)
    decided = decide_frame(situations, pack, engine, memo=memo)
    failed = pl.col("__errors").list.len() > 0
    errored = decided.filter(failed).select(
        *originals, pl.col(ROW).alias("row"),
        pl.format("Cedar evaluation error in clause(s) {} of version {}", pl.col("__errors").list.join(", "), "__version").alias(REASON),
    )
    names = result_names(originals)
    zones = [
        pl.when((pl.col(BAND + z) == "inside") & pl.col("__version").is_in([v.id for v in pack.versions if z in v.zones]))
        .then(pl.lit(z))
        for z in pack.zones
    ]
    out = decided.filter(~failed).select(
        *originals,
        pl.col("__verdict").alias(names["verdict"]),
        pl.col("__version").alias(names["version"]),
        pl.col("__clauses").alias(names["clauses"]),
        pl.col("__missing").alias(names["missing"]),
        _confidence(decided, pack).alias(names["confidence"]),
        pl.col("__country").alias(names["country"]),
        pl.col("__region").alias(names["region"]),
        pl.col("__border_km").alias(names["border_distance_km"]),
        (pl.concat_list(zones).list.drop_nulls() if zones else pl.lit([], pl.List(pl.String))).alias(names["zones"]),
        pl.col("__lat").alias(names["resolved_lat"]),
        pl.col("__lon").alias(names["resolved_lon"]),
    )
    rejects = pl.concat([r.select(*originals, "row", REASON) for r in (invalid, unresolved, errored)], how="vertical_relaxed")
    return out, rejects.sort("row")


@dataclass
class AuditSummary:
    """What a run did: counts that always add up, and where the results went."""

    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    verdicts: Counter = field(default_factory=Counter)
    output: Path | None = None
    rejects: Path | None = None
    first_reasons: list[str] = field(default_factory=list)

    def add(self, decided: pl.DataFrame, rejected: pl.DataFrame, verdict_column: str) -> None:
        self.rows_in += decided.height + rejected.height
        self.rows_out += decided.height
        self.rows_rejected += rejected.height
        self.verdicts.update(dict(decided[verdict_column].value_counts().iter_rows()))
        for row, reason in rejected.select("row", REASON).head(5 - len(self.first_reasons)).iter_rows():
            self.first_reasons.append(f"row {row}: {reason}")


def default_rejects_path(output: Path) -> Path:
    return output.with_name(output.name.split(".")[0] + ".rejects.csv")


def _numbered(batches: Iterable[pl.DataFrame], adapter: Callable[[pl.DataFrame], pl.DataFrame] | None) -> Iterator[tuple[int, pl.DataFrame]]:
    """Each batch (adapted) with the input row number of its first row."""
    first_row = 1
    for batch in batches:
        yield first_row, adapter(batch) if adapter is not None else batch
        first_row += batch.height


def run_audit(
    source: str | Path,
    output: str | Path,
    *,
    rejects: str | Path | None = None,
    pack: Pack | str | Path = DEFAULT_PACK,
    params: Mapping[str, str] | None = None,
    engine: str = "columnar",
    scheduler: str | None = None,
    mapping: Mapping[str, str] | None = None,
    adapter: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    max_rejects: int | None = None,
    batch_size: int = 250_000,
    progress: bool | None = None,
) -> AuditSummary:
    """Audit the table in ``source`` into ``output`` and ``rejects`` (both written atomically).

    ``engine`` is ``columnar``, ``cedar`` (the reference, slow) or ``dask``
    (columnar on a Dask cluster at ``scheduler``, or on a local one). Raises
    ``TooManyRejects`` (and writes nothing) once more than ``max_rejects`` rows are rejected.
    """
    base = pack if isinstance(pack, Pack) else load_pack(pack)
    the_pack = with_checked_params(base, params)
    if engine not in (*ENGINES, "dask"):
        raise InputError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}, dask")
    output = Path(output)
    summary = AuditSummary(output=output, rejects=Path(rejects) if rejects else default_rejects_path(output))
    show = sys.stderr.isatty() if progress is None else progress
    numbered = _numbered(read_batches(source, batch_size), adapter)
    if engine == "dask":
        from enduse.scale import dask_batches

        results = dask_batches(numbered, pack_path=base.path, params=params or {}, mapping=mapping or {}, scheduler=scheduler)
    else:
        memo = Memo()
        results = (audit_batch(b, the_pack, ENGINES[engine], first_row=r, mapping=mapping, memo=memo) for r, b in numbered)
    with (
        TableWriter(summary.output) as decided_out,
        TableWriter(summary.rejects) as rejected_out,
        Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), disable=not show, transient=True) as bar,
    ):
        task = bar.add_task("auditing", total=count_rows(source))
        for decided, rejected in results:
            originals = [c for c in rejected.columns if c not in REJECT_COLUMNS]
            summary.add(decided, rejected, result_names(originals)["verdict"])
            if max_rejects is not None and summary.rows_rejected > max_rejects:
                raise TooManyRejects(
                    f"more than {max_rejects} rows rejected ({summary.rows_rejected} so far); nothing written. "
                    "First reasons: " + "; ".join(summary.first_reasons)
                )
            decided_out.write(decided)
            rejected_out.write(rejected)
            bar.update(task, advance=decided.height + rejected.height, description=f"auditing: {summary.rows_in:,} rows")
        if summary.rows_in == 0:
            raise InputError(f"{source}: the table has no rows")
    return summary


def audit(
    frame: Any,
    pack: Pack | str | Path = DEFAULT_PACK,
    *,
    params: Mapping[str, str] | None = None,
    engine: str = "columnar",
    mapping: Mapping[str, str] | None = None,
) -> Any:
    """Audit a polars or pandas DataFrame in memory; returns the same kind, every input row kept.

    Rows that could not be judged are included with a null verdict and their
    reason in ``reject_reason``; input order is preserved.
    """
    is_pandas = type(frame).__module__.startswith("pandas")
    table = pl.from_pandas(frame) if is_pandas else frame
    the_pack = with_checked_params(pack if isinstance(pack, Pack) else load_pack(pack), params)
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    decided, rejected = audit_batch(table.with_row_index("_input_order", offset=1), the_pack, ENGINES[engine], mapping=mapping)
    merged = pl.concat([decided, rejected.rename({REASON: "reject_reason"}).drop("row")], how="diagonal_relaxed")
    merged = merged.sort("_input_order").drop("_input_order")
    return merged.to_pandas() if is_pandas else merged
