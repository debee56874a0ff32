"""Reading and writing tables of uses: CSV, Parquet and JSON Lines, streamed in batches.

Formats are chosen by extension. Input is read lazily in batches so files
larger than memory can be audited; CSV cells are read as text so that nothing
is coerced or lost before validation. Output goes to a temporary file beside
the target and is renamed into place only when complete: an interrupted or
failed run leaves no partial output.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from enduse.errors import InputError
from enduse.files import atomic_path

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def table_format(path: str | Path) -> str:
    """``csv``, ``parquet`` or ``jsonl`` from the file name; ``InputError`` otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{path}: unknown table format {suffix or '(none)'!r}; use .csv, .parquet or .jsonl")
    return FORMATS[suffix]


def _scan(path: Path) -> pl.LazyFrame:
    kind = table_format(path)
    if kind == "csv":
        return pl.scan_csv(path, infer_schema=False)
    if kind == "parquet":
        return pl.scan_parquet(path)
    return pl.scan_ndjson(path, infer_schema_length=None)  # the whole file: a column first seen late is never dropped


def count_rows(path: str | Path) -> int | None:
    """Rows in the file when cheap to know (Parquet metadata), else ``None`` (also for a file that cannot
    be read: reading it reports why)."""
    if table_format(path) == "parquet":
        try:
            return pq.ParquetFile(path).metadata.num_rows
        except (OSError, pa.ArrowException):
            return None
    return None


def read_batches(path: str | Path, batch_size: int = 250_000) -> Iterator[pl.DataFrame]:
    """The table in ``path`` as successive frames of at most ``batch_size`` rows."""
    source = Path(path)
    if not source.is_file():
        raise InputError(f"{path}: no such file")
    try:
        for batch in _scan(source).collect_batches(chunk_size=batch_size):
            yield batch
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError, OSError) as error:
        first = str(error).strip().splitlines()[0]
        raise InputError(f"{path}: cannot read as {table_format(source)}: {first}") from None


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists joined with ';' and structs as JSON: what CSV cells can hold."""
    return frame.with_columns(
        pl.col(name).list.join(";") if isinstance(dtype, pl.List) else pl.col(name).struct.json_encode()
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.List | pl.Struct)
    )


class TableWriter:
    """Append frames to a table file that appears, complete, only on success.

    Use as a context manager: on normal exit the temporary file is renamed to
    ``path``; on an exception it is removed and ``path`` is left untouched. With
    ``into`` (a temporary path of ``enduse.files.atomic_paths``), the frames go
    there and the caller commits it with its companions.
    """

    def __init__(self, path: str | Path, *, into: Path | None = None) -> None:
        self.path = Path(path)
        self.kind = table_format(self.path)
        self.rows = 0
        self._parquet: pq.ParquetWriter | None = None
        self._handle = None
        self._tmp: Path | None = into
        self._atomic = None
        self._header = False

    def __enter__(self) -> TableWriter:
        if self._tmp is None:
            self._atomic = atomic_path(self.path)
            self._tmp = self._atomic.__enter__()
        if self.kind != "parquet":
            self._handle = self._tmp.open("wb")
        return self

    def write(self, frame: pl.DataFrame) -> None:
        if self.kind == "parquet":
            table = frame.to_arrow()
            if self._parquet is None:
                self._schema = table.schema
                self._parquet = pq.ParquetWriter(self._tmp, table.schema)
            self._parquet.write_table(table.cast(self._schema))
        elif self.kind == "csv":
            _flat(frame).write_csv(self._handle, include_header=not self._header)
            self._header = True
        else:
            frame.write_ndjson(self._handle)
        self.rows += frame.height

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is not None:
            self._handle.close()
        if self._atomic is not None:
            self._atomic.__exit__(kind, error, trace)
