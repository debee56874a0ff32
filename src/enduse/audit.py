"""The bulk audit: every row of a table judged by its supplier's pack, in the version in force on its date.

``audit_batch`` runs one batch through the judge (``enduse.judge``) and lays out
the output columns; it is what every engine of scale runs per partition. ``run_audit``
streams a file through it; ``audit`` is the notebook API. Rows are never
dropped: each input row ends up either in the output, with its verdict, or in
the rejects, with its row number and reason — rows in = rows out + rows rejected.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from enduse.columns import (
    CANDIDATES,
    CLAUSES,
    CONFIDENCE,
    MISSING,
    PACK,
    SUPPLIER,
    VERDICT,
    VERSION,
    ZONES,
)
from enduse.errors import Cancelled, EnduseError, InputError, TooLarge
from enduse.judge import Judge, Prepared
from enduse.packs.model import Pack
from enduse.packs.registry import PackSet
from enduse.scale import dask_batches
from enduse.files import atomic_paths
from enduse.tables import BATCH_ROWS, TableWriter, count_rows, read_batches
from enduse.uses import REASON, USE_COLUMNS

RESULT_COLUMNS = (
    "verdict", "supplier", "pack", "version", "clauses", "missing", "confidence", "candidates", "country", "located_region",
    "border_distance_km", "zones", "resolved_lat", "resolved_lon",
)
REJECT_COLUMNS = ("row", REASON)


class TooManyRejects(EnduseError):
    """More rows were rejected than ``--max-rejects`` allows; nothing was written."""

    exit_code = 3


def result_names(columns: Iterable[str]) -> dict[str, str]:
    """Output name of each result column: ``enduse_<name>`` where the input already has ``<name>``.

    Raises ``InputError`` when the input has both (an audit of an audit of an audit): no column is ever replaced."""
    taken = set(columns)
    both = [name for name in RESULT_COLUMNS if name in taken and f"enduse_{name}" in taken]
    if both:
        raise InputError(f"the input has both {both[0]} and enduse_{both[0]}, where the results would go; drop or rename one")
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


def audit_batch(
    frame: pl.DataFrame,
    judge: Judge,
    *,
    first_row: int = 1,
    mapping: Mapping[str, str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(decided rows, rejected rows) for one batch whose first row is input row ``first_row``.

    Decided rows keep every input column and gain ``RESULT_COLUMNS`` (renamed
    by ``result_names`` on a clash); rejected rows keep every input column and
    gain ``row`` and ``reason``. A row whose evaluation raised a Cedar error is
    rejected with the clauses named — never given a verdict. The judge keeps decisions
    from earlier batches of the same run.
    """
    return _laid_out(judge, _prepared(judge, frame, first_row, mapping))


def _prepared(judge: Judge, frame: pl.DataFrame, first_row: int, mapping: Mapping[str, str] | None) -> Prepared:
    """The batch validated and located (``Judge.prepare``), keeping the batch's own columns: not those ``mapping``
    copies in."""
    return replace(judge.prepare(apply_mapping(frame, mapping or {}), first_row=first_row), originals=frame.columns)


def _laid_out(judge: Judge, prepared: Prepared) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``audit_batch``'s result for a prepared batch: judged, and its output columns laid out."""
    originals = prepared.originals
    judged = judge.judged(prepared)
    names = result_names(originals)
    out = judged.rows.select(
        *originals,
        pl.col(VERDICT).alias(names["verdict"]),
        pl.col(SUPPLIER).alias(names["supplier"]),
        pl.col(PACK).alias(names["pack"]),
        pl.col(VERSION).alias(names["version"]),
        pl.col(CLAUSES).alias(names["clauses"]),
        pl.col(MISSING).alias(names["missing"]),
        pl.col(CONFIDENCE).alias(names["confidence"]),
        pl.col(CANDIDATES).alias(names["candidates"]),
        pl.col("__country").alias(names["country"]),
        pl.col("__region").alias(names["located_region"]),
        pl.col("__border_km").alias(names["border_distance_km"]),
        pl.col(ZONES).alias(names["zones"]),
        pl.col("__lat").alias(names["resolved_lat"]),
        pl.col("__lon").alias(names["resolved_lon"]),
    )
    return out, judged.rejects


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
    """``a.x.csv`` → ``a.x.rejects.csv``: follows the whole output name, so two outputs never share rejects."""
    return output.with_name(output.stem + ".rejects.csv")


@dataclass(frozen=True)
class Limits:
    """How much of a table a caller accepts: rows and cells (rows × columns), decoded, whatever the file's size."""

    rows: int
    cells: int

    def bounded(self, batches: Iterable[pl.DataFrame], known_rows: int | None, name: str) -> Iterator[pl.DataFrame]:
        """``batches``, raising ``TooLarge`` as soon as the rows or cells read pass a limit (at once when the file's
        metadata already says so)."""
        if known_rows is not None and known_rows > self.rows:
            raise TooLarge(f"{name}: {known_rows:,} rows, more than the {self.rows:,} accepted")
        rows = 0
        for batch in batches:
            rows += batch.height
            if rows > self.rows:
                raise TooLarge(f"{name}: more than the {self.rows:,} rows accepted")
            if rows * batch.width > self.cells:
                raise TooLarge(f"{name}: more than the {self.cells:,} cells (rows × columns) accepted")
            yield batch


def _until(batches: Iterable[pl.DataFrame], stop: Callable[[], bool]) -> Iterator[pl.DataFrame]:
    for batch in batches:
        if stop():
            raise Cancelled("the run was stopped; nothing written")
        yield batch


def _check_paths(source: Path, output: Path, rejects: Path) -> None:
    """Before any work: the output, the rejects and the input are three different files (links resolved)."""
    where = {"output": output.resolve(), "rejects file": rejects.resolve()}
    if where["output"] == where["rejects file"]:
        raise InputError(f"{output}: the output and the rejects file are the same file; give --rejects another name")
    for name, path in where.items():
        if path == source.resolve():
            raise InputError(f"{path}: the {name} would overwrite the input; choose another name")


def _prepared_ahead(batches: Iterable[tuple[int, pl.DataFrame]], judge: Judge, mapping: Mapping[str, str] | None,
                    ) -> Iterator[Prepared]:
    """Each batch prepared in a thread while the one before it is judged: validating and locating read no memo, and
    polars and the geometry release the GIL. In order; at most one batch prepared ahead."""
    with ThreadPoolExecutor(1) as pool:
        pending: Future[Prepared] | None = None
        for first_row, batch in batches:
            ahead = pool.submit(_prepared, judge, batch, first_row, mapping)
            if pending is not None:
                yield pending.result()
            pending = ahead
        if pending is not None:
            yield pending.result()


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
    pack: Pack | PackSet | str | Path | None = None,
    params: Mapping[str, str] | None = None,
    engine: str = "columnar",
    scheduler: str | None = None,
    mapping: Mapping[str, str] | None = None,
    adapter: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    max_rejects: int | None = None,
    batch_size: int = BATCH_ROWS,
    progress: bool | None = None,
    limits: Limits | None = None,
    stop: Callable[[], bool] | None = None,
) -> AuditSummary:
    """Audit the table in ``source`` into ``output`` and ``rejects`` (both written atomically).

    ``pack=None`` judges each row by its supplier's bundled pack; a pack forces one. ``engine`` is
    ``columnar``, ``cedar`` (the reference, slow) or ``dask`` (columnar on a Dask cluster at ``scheduler``,
    or on a local one). Raises ``TooManyRejects`` (and writes nothing) once more than ``max_rejects`` rows
    are rejected. ``limits`` bound the rows and cells read (``TooLarge`` past them, before the batch is
    judged); ``stop`` is asked before each batch and ends the run with ``Cancelled`` when it says so.
    Nothing is written in any of these cases.
    """
    if batch_size < 1:
        raise InputError(f"--batch-size must be at least 1, got {batch_size}")
    judge = Judge.create(pack, params, engine="columnar" if engine == "dask" else engine)
    output = Path(output)
    summary = AuditSummary(output=output, rejects=Path(rejects) if rejects else default_rejects_path(output))
    _check_paths(Path(source), summary.output, summary.rejects)
    show = sys.stderr.isatty() if progress is None else progress
    batches = read_batches(source, batch_size)
    if limits is not None:
        batches = limits.bounded(batches, count_rows(source), str(source))
    if stop is not None:
        batches = _until(batches, stop)
    numbered = _numbered(batches, adapter)
    if engine == "dask":
        results = dask_batches(numbered, audit_batch, judge.spec, mapping=mapping or {}, scheduler=scheduler)
    else:
        results = (_laid_out(judge, prepared) for prepared in _prepared_ahead(numbered, judge, mapping))
    with (
        atomic_paths(summary.output, summary.rejects) as (decided_part, rejected_part),
        TableWriter(summary.output, into=decided_part) as decided_out,
        TableWriter(summary.rejects, into=rejected_part) as rejected_out,
        Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), disable=not show, transient=True) as bar,
        ThreadPoolExecutor(1) as writer,  # exits first: the last write ends before the files are kept or removed
    ):
        task = bar.add_task("auditing", total=count_rows(source))
        written: Future[None] | None = None
        for decided, rejected in results:
            originals = [c for c in rejected.columns if c not in REJECT_COLUMNS]
            summary.add(decided, rejected, result_names(originals)["verdict"])
            if max_rejects is not None and summary.rows_rejected > max_rejects:
                raise TooManyRejects(
                    f"more than {max_rejects} rows rejected ({summary.rows_rejected} so far); nothing written. "
                    "First reasons: " + "; ".join(summary.first_reasons)
                )
            if written is not None:
                written.result()  # in order, and at most one batch waiting to be written
            # Writing a batch overlaps judging the next one (Arrow and Parquet release the GIL).
            written = writer.submit(_write, (decided_out, decided), (rejected_out, rejected))
            bar.update(task, advance=decided.height + rejected.height, description=f"auditing: {summary.rows_in:,} rows")
        if written is not None:
            written.result()
        if summary.rows_in == 0:
            raise InputError(f"{source}: the table has no rows")
    return summary


def _write(*parts: tuple[TableWriter, pl.DataFrame]) -> None:
    for out, frame in parts:
        out.write(frame)


def audit(
    frame: Any,
    pack: Pack | PackSet | str | Path | None = None,
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
    judge = Judge.create(pack, params, engine)
    decided, rejected = audit_batch(table.with_row_index("_input_order", offset=1), judge, mapping=mapping)
    merged = pl.concat([decided, rejected.rename({REASON: "reject_reason"}).drop("row")], how="diagonal_relaxed")
    merged = merged.sort("_input_order").drop("_input_order")
    return merged.to_pandas() if is_pandas else merged
