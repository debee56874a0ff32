"""The uses of a table whose verdict changes from one side to the other.

Every row is judged by both sides, whatever its date (each side forces its
pack and version), by the judge every entry point uses, batch by batch so large
tables stream. Rows that cannot be judged are counted with their reasons, never
dropped: rows in = rows compared + rows rejected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from enduse.audit import apply_mapping
from enduse.columns import ROW, VERDICT
from enduse.diff.sides import Side
from enduse.judge import Judge
from enduse.tables import BATCH_ROWS, TableWriter, read_batches
from enduse.uses import REASON

BY = ("target", "region", "month")


@dataclass
class DataChanges:
    """Counts of verdict changes (from → to) overall and by target, region and month."""

    rows_in: int = 0
    rows_compared: int = 0
    rows_rejected: int = 0
    changes: Counter = field(default_factory=Counter)
    by: dict[str, Counter] = field(default_factory=lambda: {name: Counter() for name in BY})
    first_reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def rows(counter: Counter, *names: str) -> list[dict[str, Any]]:
            return [dict(zip(names, key, strict=True), uses=n) for key, n in counter.most_common()]

        return {
            "rows_in": self.rows_in,
            "rows_compared": self.rows_compared,
            "rows_rejected": self.rows_rejected,
            "rows_changed": sum(self.changes.values()),
            "changes": rows(self.changes, "from", "to"),
            **{f"by_{name}": rows(self.by[name], "from", "to", name) for name in BY},
            "first_rejects": self.first_reasons,
        }


def judges(a: Side, b: Side) -> tuple[Judge, Judge]:
    """One judge per side, each its pack forced (the use judged as supplied by that pack's supplier)."""
    return Judge.create(a.pack), Judge.create(b.pack)


def compare_batch(batch: pl.DataFrame, a: Side, b: Side, first_row: int, sides: tuple[Judge, Judge]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows whose verdict changes: row, from, to, target, region, month; rejected rows: row, reason).

    ``sides`` (``judges(a, b)``) carry decisions over from earlier batches."""
    before = sides[0].table(batch, first_row=first_row, version=a.version.id)
    after = sides[1].table(batch, first_row=first_row, version=b.version.id)
    pairs = before.rows.select(ROW, pl.col(VERDICT).alias("from"), "__target", "__region", "__date").join(
        after.rows.select(ROW, pl.col(VERDICT).alias("to")), on=ROW)
    changed = pairs.filter(pl.col("from") != pl.col("to")).select(
        pl.col(ROW).alias("row"), "from", "to", pl.col("__target").alias("target"),
        pl.col("__region").fill_null("").alias("region"), pl.col("__date").dt.strftime("%Y-%m").alias("month"),
    )
    rejected = pl.concat([before.rejects.select("row", REASON), after.rejects.select("row", REASON)]).unique("row", keep="first")
    changed = changed.filter(~pl.col("row").is_in(rejected["row"].implode()))
    return changed, rejected.sort("row")


def data_changes(
    source: str | Path,
    a: Side,
    b: Side,
    *,
    mapping: Mapping[str, str] | None = None,
    adapter: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    output: str | Path | None = None,
    batch_size: int = BATCH_ROWS,
) -> DataChanges:
    """Judge every row of ``source`` by both sides; count the changes and, if ``output`` is given, write the
    changed rows (input row number, from, to, target, region, month) there, atomically."""
    summary = DataChanges()
    first_row, sides = 1, judges(a, b)
    with ExitStack() as stack:
        writer = stack.enter_context(TableWriter(output)) if output else None
        for raw in read_batches(source, batch_size):
            batch = apply_mapping(adapter(raw) if adapter else raw, mapping or {})
            changed, rejected = compare_batch(batch, a, b, first_row, sides)
            first_row += raw.height
            summary.rows_in += raw.height
            summary.rows_rejected += rejected.height
            summary.rows_compared += raw.height - rejected.height
            for row, reason in rejected.head(5 - len(summary.first_reasons)).iter_rows():
                summary.first_reasons.append(f"row {row}: {reason}")
            summary.changes.update(changed.select("from", "to").iter_rows())
            for name in BY:
                summary.by[name].update(changed.select("from", "to", name).iter_rows())
            if writer is not None:
                writer.write(changed)
    return summary
