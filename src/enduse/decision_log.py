"""A tamper-evident log of the decisions enduse gave: SQLite, one hash-chained record per decision.

Every record stores the sha256 of the record before it, and its own sha256 over
its canonical JSON (sorted keys, no blanks, UTF-8), so changing, deleting,
inserting or reordering any record breaks the chain at that record. A one-row
``head`` table, updated in the same transaction as each append, holds the
number of records and the last hash, so deleting records at the end is caught
too.

What it cannot catch: someone with write access who rewrites the whole chain
(or truncates it and rewrites ``head``) consistently produces a log that
verifies. Against that, keep the head hash that ``verify`` prints somewhere
else (a notebook, an email) and pass it back with ``verify(expect_head=...)``:
the log must then still contain that record, unchanged.

Each ``append_many`` call (and ``append``) is one ``BEGIN IMMEDIATE`` transaction, so several processes
(server workers, CLI runs) can share one file. A log that cannot be opened or written raises ``LogUnavailable``:
the server answers 503 and gives no decision it could not log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import polars as pl

try:
    import fcntl
except ImportError:  # not POSIX: writers rely on SQLite's busy wait alone
    fcntl = None  # type: ignore[assignment]

from enduse.errors import EnduseError, InputError
from enduse.packs.digest import pack_digest  # noqa: F401  (logged with each decision; tests and the server import it here)
from enduse.tables import TableWriter, file_format

ENV_VAR = "ENDUSE_LOG"
GENESIS = "0" * 64
#: Seconds a writer waits for other writers (its turn, then SQLite's lock) before the log counts as unavailable.
LOCK_TIMEOUT = 30.0
#: A writer waiting its turn (``_Turns``) tries again after this many seconds, doubling up to ``TURN_POLL_MAX``.
TURN_POLL_MIN = 0.00005
TURN_POLL_MAX = 0.0005


@dataclass(frozen=True)
class Entry:
    """What a caller logs of one decision; the log adds ``seq``, ``time``, ``prev`` and ``hash``.

    ``pack`` and ``pack_digest`` name the pack(s) that decided, comma-separated in the same order; ``input`` and
    ``result`` are any JSON values, stored as their canonical JSON text (the text the hash is taken over).
    """

    kind: str
    pack: str
    pack_digest: str
    version: str | None
    verdict: str | None
    input: Any
    result: Any


ENTRY_FIELDS = tuple(f.name for f in fields(Entry))
FIELDS = ("seq", "time", *ENTRY_FIELDS, "prev")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    pack TEXT NOT NULL,
    pack_digest TEXT NOT NULL,
    version TEXT,
    verdict TEXT,
    input TEXT NOT NULL,
    result TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    count INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT OR IGNORE INTO head (id, count, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
"""


def canonical_json(value: Any) -> str:
    """The one JSON text of ``value`` that hashes are taken over (sorted keys, compact, UTF-8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_log_path() -> Path:
    """``$ENDUSE_LOG`` if set, else ``decisions.sqlite`` in the user data directory."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    from platformdirs import user_data_path

    return user_data_path("enduse") / "decisions.sqlite"


def record_hash(record: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a record's ``FIELDS`` (``prev`` included)."""
    return sha256_text(canonical_json({name: record[name] for name in FIELDS}))


class LogUnavailable(InputError):
    """The log cannot be opened or written now: a path that cannot hold it, a lock held past ``LOCK_TIMEOUT``, a full
    disk. Nothing was appended. The CLI reports it as a bad ``--log`` (exit 2); the server answers 503."""


class LogUnreadable(EnduseError):
    """The file is not a decision log (empty, another database, or its tables damaged)."""

    exit_code = 1


@dataclass(frozen=True)
class Verification:
    """Outcome of ``DecisionLog.verify``: ``ok``, or the first bad record and why."""

    ok: bool
    count: int
    head: str
    bad_seq: int | None = None
    problem: str | None = None


class _Turns:
    """Writers of one log take turns through an exclusive ``flock`` on ``<log>-lock`` before SQLite's write lock.

    A writer waiting its turn tries again after 0.05 ms, doubling to at most ``TURN_POLL_MAX`` seconds, where
    SQLite's busy handler sleeps 1, 2, 5, 10… ms between tries, so two server workers logging side by side slept
    waiting for each other. Two processes appending 4 records at a time, 2026-12-04, three alternating runs: p99 of an
    append 1.4-3.4 → 0.55-0.63 ms, 8-12% more appends. The wait for a turn and SQLite's wait for its lock (a writer
    that is not enduse, such as a ``sqlite3`` shell) share the log's timeout: past it, ``TimeoutError``.
    """

    def __init__(self, path: Path) -> None:
        self._file = open(path.with_name(path.name + "-lock"), "ab") if fcntl else None  # noqa: SIM115  (closed in close)

    @contextlib.contextmanager
    def taken(self, timeout: float) -> Iterator[float]:
        """Hold the turn; yields the seconds left of ``timeout`` for SQLite's own wait."""
        if self._file is None:
            yield timeout
            return
        deadline, pause = time.monotonic() + timeout, TURN_POLL_MIN
        while True:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"another writer kept its turn for more than {timeout:g} s") from None
                time.sleep(min(pause, left))
                pause = min(2 * pause, TURN_POLL_MAX)
        try:
            yield max(0.0, deadline - time.monotonic())
        finally:
            fcntl.flock(self._file, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class DecisionLog:
    """An append-only, hash-chained SQLite log at ``path`` (created on first use)."""

    def __init__(self, path: str | Path, *, timeout: float = LOCK_TIMEOUT) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._local = threading.local()

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections are not shared between threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            turns = None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                turns = _Turns(self.path)
                conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                if not self._has_head(conn):  # creating needs the write lock; opening an existing log does not
                    conn.executescript(_SCHEMA)
            except (OSError, sqlite3.Error) as error:
                for opened in (conn, turns):
                    if opened is not None:
                        opened.close()
                raise LogUnavailable(f"cannot open the decision log {self.path}: {error}") from None
            self._local.conn, self._local.turns = conn, turns
        return conn

    @staticmethod
    def _has_head(conn: sqlite3.Connection) -> bool:
        try:
            return conn.execute("SELECT count(*) FROM head").fetchone()[0] == 1
        except sqlite3.OperationalError:  # no such table: a new file
            return False

    def append(self, entry: Entry) -> dict[str, Any]:
        """Add one record after the current head; returns it with its ``seq`` and ``hash``."""
        return self.append_many([entry])[0]

    def append_many(self, entries: Sequence[Entry]) -> list[dict[str, Any]]:
        """Add a record for each entry, in order after the current head, in one transaction; returns them with their
        ``seq`` and ``hash``. A commit costs more than a record: a server logs the decisions it gives together so
        (``enduse.server.app``).

        Entries are encoded before the transaction starts, so the write lock other processes wait for is held only
        to chain and insert; an entry that is not JSON raises ``ValueError`` or ``TypeError`` and nothing is
        appended. ``LogUnavailable`` if the log cannot be opened or written (nothing appended either).
        """
        if not entries:
            return []
        # Fields read one by one: ``asdict`` would deep-copy input and result only to encode them.
        rows = [{name: getattr(entry, name) for name in ENTRY_FIELDS}
                | {"input": canonical_json(entry.input), "result": canonical_json(entry.result)} for entry in entries]
        conn = self._connect()
        try:
            with self._local.turns.taken(self.timeout) as left:
                conn.execute(f"PRAGMA busy_timeout = {int(left * 1000)}")
                return self._chain(conn, rows)
        except (OSError, sqlite3.Error) as error:
            raise LogUnavailable(f"cannot write the decision log {self.path}: {error}") from None

    @staticmethod
    def _chain(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            count, prev, last = conn.execute(
                "SELECT count, hash, (SELECT COALESCE(MAX(seq), 0) FROM records) FROM head WHERE id = 1"
            ).fetchone()
            seq = max(count, last)
            records = []
            for row in rows:
                seq += 1
                record = {"seq": seq, "time": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"), **row, "prev": prev}
                prev = record["hash"] = record_hash(record)
                records.append(record)
            conn.executemany(
                f"INSERT INTO records ({', '.join(FIELDS)}, hash) VALUES ({', '.join('?' * (len(FIELDS) + 1))})",
                [[record[name] for name in (*FIELDS, "hash")] for record in records],
            )
            conn.execute("UPDATE head SET count = ?, hash = ? WHERE id = 1", (seq, prev))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return records

    def head(self) -> tuple[int, str]:
        """(number of records, hash of the last one) as the log's head says; opens (or creates) the file."""
        count, last = self._connect().execute("SELECT count, hash FROM head WHERE id = 1").fetchone()
        return count, last

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record in ``seq`` order, as stored."""
        cursor = self._connect().execute(f"SELECT {', '.join(FIELDS)}, hash FROM records ORDER BY seq")
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

    def _read_only(self) -> sqlite3.Connection:
        """A read-only connection to an existing log; ``LogUnreadable`` if the file is not a decision log."""
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
            conn.text_factory = bytes  # text is decoded record by record, so a bad one is named, not a traceback
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error as error:
            raise LogUnreadable(f"{self.path}: not a decision log ({error})") from None
        if not {b"records", b"head"} <= tables:
            conn.close()
            raise LogUnreadable(f"{self.path}: not a decision log (no records and head tables)")
        return conn

    def _stored(self, conn: sqlite3.Connection) -> Iterator[dict[str, Any] | int]:
        """Each record as stored, in ``seq`` order; the number of a record that cannot be read instead of it."""
        names = [*FIELDS, "hash"]
        cursor = conn.execute(f"SELECT {', '.join(names)} FROM records ORDER BY seq")
        position = 0
        while True:
            try:
                row = cursor.fetchone()
            except sqlite3.Error:
                yield position + 1
                return
            if row is None:
                return
            position += 1
            try:
                yield {n: v.decode("utf-8") if isinstance(v, bytes) else v for n, v in zip(names, row, strict=True)}
            except UnicodeDecodeError:
                yield position

    def verify(self, expect_head: str | None = None) -> Verification:
        """Walk the chain, reading only; the first record that was edited, removed, inserted or moved is named.

        A record is bad when its ``seq`` is not the next number (one before it
        was deleted or they were reordered), its ``hash`` does not match its
        content, or the next record (or, for the last one, the head) recorded
        another hash for it: then it was changed and its hash recomputed. Past
        the last record, ``head`` must name it (else records were deleted at the
        end). ``expect_head``, a hash printed by an earlier verify, must belong
        to a record still in the log. Raises ``LogUnreadable`` for a file that is
        not a decision log.
        """
        conn = self._read_only()
        try:
            return self._walk(conn, expect_head)
        finally:
            conn.close()

    def _walk(self, conn: sqlite3.Connection, expect_head: str | None) -> Verification:
        try:
            count, head = conn.execute("SELECT count, hash FROM head WHERE id = 1").fetchone() or (0, GENESIS.encode())
        except sqlite3.Error as error:
            raise LogUnreadable(f"{self.path}: the head of the log cannot be read ({error})") from None
        head = head.decode("utf-8", "replace") if isinstance(head, bytes) else str(head)
        prev, seq, seen = GENESIS, 0, expect_head is None
        for record in self._stored(conn):
            seq += 1
            if isinstance(record, int):
                return Verification(False, seq - 1, prev, record, f"record {record} cannot be read (not UTF-8 text, or a damaged page)")
            if record["seq"] != seq:
                return Verification(False, seq - 1, prev, seq, f"record {seq} is missing (next is {record['seq']}): deleted or reordered")
            if record_hash(record) != record["hash"]:
                return Verification(False, seq - 1, prev, seq, f"record {seq} was changed after it was written")
            if record["prev"] != prev:
                return Verification(False, seq - 2, prev, seq - 1, f"record {seq - 1} was changed after it was written "
                                    f"(and its hash recomputed: record {seq} recorded another one)")
            prev = record["hash"]
            seen = seen or prev == expect_head
        if count == seq and head != prev and seq:
            return Verification(False, seq - 1, prev, seq, f"record {seq} was changed after it was written "
                                "(and its hash recomputed: the log head recorded another one)")
        if (count, head) != (seq, prev):
            return Verification(False, seq, prev, seq + 1, f"the log head names {count} record(s) ending in {head[:12]}…, "
                                f"but the chain has {seq}: records were deleted at the end (or the head was changed)")
        if not seen:
            return Verification(False, seq, prev, None, f"no record has the expected head hash {expect_head}: the log was rewritten or truncated")
        return Verification(True, seq, prev)

    def export(self, target: str | Path) -> int:
        """Write every record to ``target`` atomically, reading only; returns the count.

        Any table format of ``enduse.tables.FORMATS``, chosen by the suffix; ``input`` and ``result`` stay the
        JSON text they were hashed as, so every exported record can be checked against its ``hash``.
        """
        target = Path(target)
        file_format(target)
        conn = self._read_only()
        try:
            records = list(self._stored(conn))
        finally:
            conn.close()
        bad = next((r for r in records if isinstance(r, int)), None)
        if bad is not None:
            raise LogUnreadable(f"{self.path}: record {bad} cannot be read (not UTF-8 text, or a damaged page); nothing exported")
        schema = {name: pl.Int64 if name == "seq" else pl.String for name in (*FIELDS, "hash")}
        with TableWriter(target) as writer:
            writer.write(pl.from_dicts(records, schema=schema) if records else pl.DataFrame(schema=schema))
        return len(records)

    def close(self) -> None:
        """Close this thread's connection (reopened on next use)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.turns.close()
            self._local.conn = self._local.turns = None
