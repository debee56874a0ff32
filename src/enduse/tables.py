"""Reading and writing tables of uses, streamed in batches: one registry of formats.

``FORMATS`` maps each format's name to its reader, writer, file suffixes and media type; the CLI, the server
and the decision-log export all choose through it (by suffix or by name), so adding a format is adding one
entry. Input is read lazily in batches so files larger than memory can be audited; CSV cells are read as text
so that nothing is coerced or lost before validation. Output goes to a temporary file beside the target and is
renamed into place only when complete: an interrupted or failed run leaves no partial output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Protocol

import polars as pl

from enduse.errors import InputError
from enduse.files import atomic_path

#: Rows per batch when a table is streamed. An audit's peak memory grows with it: a 1M-row audit of every pack peaks
#: at ~1.1 GiB with batches of 100k rows and ~1.9 GiB with 250k (2026-12-04), at about the same speed.
BATCH_ROWS = 100_000
#: The polars engine lazy queries on batches run on. Polars 2 runs them on its streaming engine by default, which
#: costs more per query on frames that fit in memory, as batches do: the columnar engine's call on 1,400 requests
#: took 32-37 ms instead of 22-26 ms, and a 1M-row audit ~5% longer (2026-12-04).
ENGINE = "in-memory"

if TYPE_CHECKING:
    import pyarrow.parquet as pq


class Sink(Protocol):
    """Where a writer's frames go: ``write`` each batch in order, then ``close`` once."""

    def write(self, frame: pl.DataFrame) -> None: ...

    def close(self) -> None: ...


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists joined with ';' and structs as JSON: what CSV cells can hold."""
    return frame.with_columns(
        pl.col(name).list.join(";") if isinstance(dtype, pl.List) else pl.col(name).struct.json_encode()
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.List | pl.Struct)
    )


class CsvSink:
    def __init__(self, path: Path) -> None:
        self._handle = path.open("wb")
        self._header = False

    def write(self, frame: pl.DataFrame) -> None:
        _flat(frame).write_csv(self._handle, include_header=not self._header)
        self._header = True

    def close(self) -> None:
        self._handle.close()


class JsonlSink:
    def __init__(self, path: Path) -> None:
        self._handle = path.open("wb")

    def write(self, frame: pl.DataFrame) -> None:
        frame.write_ndjson(self._handle)

    def close(self) -> None:
        self._handle.close()


class ParquetSink:
    """The first batch's schema is the file's; later batches are cast to it."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._writer: pq.ParquetWriter | None = None

    def write(self, frame: pl.DataFrame) -> None:
        import pyarrow.parquet as pq  # here, not above: commands that write no Parquet do not load pyarrow

        table = frame.to_arrow()
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._path, table.schema)
        self._writer.write_table(table.cast(self._writer.schema))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


@dataclass(frozen=True)
class Format:
    """One table format: how to read a file lazily, how to write one in batches, its suffixes and media type."""

    name: str
    suffixes: tuple[str, ...]
    media_type: str
    scan: Callable[[Path], pl.LazyFrame]
    sink: Callable[[Path], Sink]


def _geojson() -> ModuleType:  # loaded with the first GeoJSON file: other formats need none of its geometry
    from enduse import geojson_table

    return geojson_table


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("csv", (".csv",), "text/csv", lambda path: pl.scan_csv(path, infer_schema=False), CsvSink),
    Format("parquet", (".parquet", ".pq"), "application/vnd.apache.parquet", pl.scan_parquet, ParquetSink),
    # the whole file: a column first seen late is never dropped
    Format("jsonl", (".jsonl", ".ndjson"), "application/x-ndjson",
           lambda path: pl.scan_ndjson(path, infer_schema_length=None), JsonlSink),
    Format("geojson", (".geojson",), "application/geo+json", lambda path: _geojson().scan_geojson(path),
           lambda path: _geojson().GeoJsonSink(path)),
)}
BY_SUFFIX: dict[str, Format] = {suffix: f for f in FORMATS.values() for suffix in f.suffixes}


def suffixes() -> str:
    """Every accepted suffix, for messages: ``.csv, .parquet, …``."""
    return ", ".join(BY_SUFFIX)


def file_format(path: str | Path) -> Format:
    """The format of ``path`` by its suffix; ``InputError`` for an unknown one."""
    suffix = Path(path).suffix.lower()
    if suffix not in BY_SUFFIX:
        raise InputError(f"{path}: unknown table format {suffix or '(none)'!r}; use {suffixes()}")
    return BY_SUFFIX[suffix]


def table_format(path: str | Path) -> str:
    """The name of the format of ``path`` (``csv``, ``parquet``, ``jsonl``, ``geojson``); ``InputError`` otherwise."""
    return file_format(path).name


def count_rows(path: str | Path) -> int | None:
    """Rows in the file when cheap to know (Parquet metadata), else ``None`` (also for a file that cannot
    be read: reading it reports why)."""
    if table_format(path) == "parquet":
        try:
            return pl.scan_parquet(path).select(pl.len()).collect().item()
        except (OSError, pl.exceptions.PolarsError):
            return None
    return None


def read_batches(path: str | Path, batch_size: int = BATCH_ROWS) -> Iterator[pl.DataFrame]:
    """The table in ``path`` as successive frames of at most ``batch_size`` rows."""
    source = Path(path)
    if not source.is_file():
        raise InputError(f"{path}: no such file")
    kind = file_format(source)
    try:
        for batch in kind.scan(source).collect_batches(chunk_size=batch_size):
            yield batch
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError, OSError) as error:
        first = str(error).strip().splitlines()[0]
        raise InputError(f"{path}: cannot read as {kind.name}: {first}") from None


class TableWriter:
    """Append frames to a table file that appears, complete, only on success.

    Use as a context manager: on normal exit the temporary file is renamed to
    ``path``; on an exception it is removed and ``path`` is left untouched. With
    ``into`` (a temporary path of ``enduse.files.atomic_paths``), the frames go
    there and the caller commits it with its companions.
    """

    def __init__(self, path: str | Path, *, into: Path | None = None) -> None:
        self.path = Path(path)
        self.format = file_format(self.path)
        self.kind = self.format.name
        self.rows = 0
        self._sink: Sink | None = None
        self._tmp: Path | None = into
        self._atomic = None

    def __enter__(self) -> TableWriter:
        if self._tmp is None:
            self._atomic = atomic_path(self.path)
            self._tmp = self._atomic.__enter__()
        self._sink = self.format.sink(self._tmp)
        return self

    def write(self, frame: pl.DataFrame) -> None:
        self._sink.write(frame)
        self.rows += frame.height

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._sink is not None:
            self._sink.close()
        if self._atomic is not None:
            self._atomic.__exit__(kind, error, trace)
