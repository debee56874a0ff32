"""The report's tables of counts, computed with polars from a prepared audit frame.

Every table has one row per key and one column per verdict (in ``VERDICTS``
order) plus ``total``, so the page can render them all the same way and the
numbers can be checked against a plain group-by.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from enduse.decisions import Verdict
from enduse.packs.model import Pack
from enduse.vocab import UNKNOWN

VERDICTS = tuple(v.value for v in Verdict)
MEANINGS = {
    "ALLOWED": "A clause of the policy in force permits this use and none forbids it.",
    "FORBIDDEN": "The policy in force forbids this use: a clause forbids it, or no clause permits it.",
    "INDETERMINATE": "The verdict depends on facts the row does not give (e.g. purpose) or on a vague boundary; "
                     "the missing facts are listed.",
    "NOT_GOVERNED": "The policy does not apply: the weapon was not supplied by the pack's supplier, "
                    "or the date is before the first version.",
}


@dataclass(frozen=True)
class CountTable:
    """Counts per key and verdict, ready to print: ``keys`` name the leading columns."""

    title: str
    keys: tuple[str, ...]
    frame: pl.DataFrame

    @property
    def columns(self) -> list[str]:
        return self.frame.columns

    def rows(self) -> list[tuple]:
        return self.frame.rows()


def counts(frame: pl.DataFrame, keys: list[str], title: str, *, sort_by_total: bool = True) -> CountTable:
    """Rows per value of ``keys`` and verdict, with a total; nulls shown as ``unknown``."""
    grouped = (
        frame.select(*(pl.col(k).cast(pl.String).fill_null(UNKNOWN) for k in keys), "verdict")
        .group_by(*keys, "verdict")
        .len()
        .pivot(on="verdict", index=keys, values="len")
    )
    table = grouped.with_columns(pl.lit(0, pl.UInt32).alias(v) for v in VERDICTS if v not in grouped.columns)
    table = table.select(*keys, *(pl.col(v).fill_null(0) for v in VERDICTS)).with_columns(
        pl.sum_horizontal(*VERDICTS).alias("total")
    )
    by = ["total", *keys] if sort_by_total else keys
    return CountTable(title, tuple(keys), table.sort(by, descending=[sort_by_total] + [False] * (len(by) - 1)))


def by_verdict(frame: pl.DataFrame) -> pl.DataFrame:
    """verdict, rows, share (percent of all rows), in ``VERDICTS`` order, zero rows included."""
    found = dict(frame.group_by("verdict").len().iter_rows())
    total = max(frame.height, 1)
    return pl.DataFrame(
        {"verdict": VERDICTS, "rows": [found.get(v, 0) for v in VERDICTS],
         "share": [round(100 * found.get(v, 0) / total, 1) for v in VERDICTS]},
        schema={"verdict": pl.String, "rows": pl.Int64, "share": pl.Float64},
    )


def count_tables(frame: pl.DataFrame, pack: Pack) -> list[CountTable]:
    """The summary tables of the report: by version, by country, by region, by month."""
    version = counts(frame, ["version"], "By policy version in force", sort_by_total=False)
    order = {v.id: i for i, v in enumerate(pack.versions)}
    version = CountTable(version.title, version.keys, version.frame.sort(
        pl.col("version").replace_strict(order, default=len(order), return_dtype=pl.Int64)))
    return [
        version,
        by_supplier(frame),
        counts(frame, ["country"], "By country (where the use took place)"),
        counts(frame, ["country", "located_region", "region_name"], "By country and region (where the use took place)"),
        counts(frame, ["precision"], "By how precisely the use was located (a radius or a region: every place in it is judged)"),
        counts(frame, ["month"], "By month", sort_by_total=False),
    ]


#: How ``by_supplier`` labels the rows that several candidate suppliers' packs judged (the use names none).
SEVERAL = "several candidates (not stated)"


def by_supplier(frame: pl.DataFrame) -> CountTable:
    """Verdicts per supplier whose pack judged the row; rows judged by several candidates' packs counted apart."""
    labelled = frame.with_columns(pl.col("supplier").fill_null(SEVERAL))
    return counts(labelled, ["supplier"], "By supplier (whose policy judged the use)")


def span(frame: pl.DataFrame) -> tuple[str, str] | None:
    """First and last readable date as ISO strings, or ``None`` when there is none."""
    days = frame["day"].drop_nulls()
    return (days.min().isoformat(), days.max().isoformat()) if len(days) else None
