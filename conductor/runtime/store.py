"""The durable log: accepted events, the cues they caused, the delivery outbox and snapshots.

One SQLite file in WAL mode. An event, its cues and their outbox rows are written in one
transaction, so a crash keeps all of them or none. The log's `pos` is the global offset.
"""

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conductor.io.modeljson import model_json
from schemas import Cue, ToRole

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    pos INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    ensemble TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS cues (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    kind TEXT NOT NULL,
    role TEXT,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    sink TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL DEFAULT 0,
    delivered REAL,
    last_error TEXT,
    PRIMARY KEY (sink, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (sink, seq) WHERE delivered IS NULL;
CREATE TABLE IF NOT EXISTS pilot_cues (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    kind TEXT NOT NULL,
    role TEXT,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (pos INTEGER PRIMARY KEY, data BLOB NOT NULL);
"""

_UNDELIVERED = "INDEXED BY outbox_pending"
"""Without statistics SQLite reads undelivered rows through the primary key, i.e. through
every cue ever delivered to the sink (5 ms per look at 57,000 cues, growing forever); the
partial index holds only the undelivered ones (30 µs)."""


@dataclass
class Entry:
    """One accepted event to append, with the cues applying it caused."""

    id: str
    ensemble: str
    body: bytes
    cues: list[Cue] = field(default_factory=list)
    pilot_cues: list[Cue] = field(default_factory=list)
    """What the pilot score folded in shadow cued for it (recorded apart, never delivered)."""


@dataclass
class Rows:
    """Entries as the log's rows, numbered by whoever decides the log's order."""

    events: list[tuple[int, str, str, bytes]]
    """(pos, id, ensemble, body)"""
    cues: list[tuple[int, str, int, str, str | None, bytes]]
    """(seq, id, pos, kind, role, body)"""
    pilot_cues: list[tuple[int, str, int, str, str | None, bytes]] = field(default_factory=list)
    """The same, numbered in their own sequence, in their own table (no outbox rows)."""

    @classmethod
    def of(
        cls,
        entries: Sequence[Entry],
        after_pos: int,
        after_seq: int,
        after_pilot_seq: int = 0,
        pilot_ticks: Sequence[Cue] = (),
    ) -> "Rows":
        """Number `entries` from the offset and cue sequence numbers after the given ones;
        `pilot_ticks`: the pilot's cues of its own deadlines, at the newest offset."""
        events: list[tuple[int, str, str, bytes]] = []
        cues: list[tuple[int, str, int, str, str | None, bytes]] = []
        pilot: list[tuple[int, str, int, str, str | None, bytes]] = []
        pos, seq, pilot_seq = after_pos, after_seq, after_pilot_seq
        for entry in entries:
            pos += 1
            events.append((pos, entry.id, entry.ensemble, entry.body))
            for cue in entry.cues:
                seq += 1
                cues.append(_cue_row(seq, pos, cue))
            for cue in entry.pilot_cues:
                pilot_seq += 1
                pilot.append(_cue_row(pilot_seq, pos, cue))
        for cue in pilot_ticks:
            pilot_seq += 1
            pilot.append(_cue_row(pilot_seq, pos, cue))
        return cls(events, cues, pilot)


def _cue_row(seq: int, pos: int, cue: Cue) -> tuple[int, str, int, str, str | None, bytes]:
    role = cue.to.role if isinstance(cue.to, ToRole) else None
    return (seq, cue.id, pos, cue.kind.value, role, model_json(cue))


@dataclass(frozen=True)
class Pending:
    seq: int
    body: bytes
    created: float
    attempts: int


class Store:
    """The SQLite log. Not thread-safe: the runtime uses it from its event loop only."""

    def __init__(self, path: Path, synchronous_full: bool = False) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process (the OS has the pages); FULL also
        # survives a power cut, at an fsync per commit.
        self._db.execute(f"PRAGMA synchronous={'FULL' if synchronous_full else 'NORMAL'}")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def last_seq(self, pilot: bool = False) -> int:
        table = "pilot_cues" if pilot else "cues"
        row = self._db.execute(f"SELECT max(seq) FROM {table}").fetchone()
        return int(row[0] or 0)

    def write(self, rows: Rows, sinks: Sequence[str], now: float) -> None:
        """Append events, their cues and the cues' outbox rows in one transaction."""
        outbox = [(sink, cue[0], now) for cue in rows.cues for sink in sinks]
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows.events)
            db.executemany("INSERT INTO cues VALUES (?, ?, ?, ?, ?, ?)", rows.cues)
            db.executemany("INSERT INTO outbox (sink, seq, created) VALUES (?, ?, ?)", outbox)
            if rows.pilot_cues:
                db.executemany("INSERT INTO pilot_cues VALUES (?, ?, ?, ?, ?, ?)", rows.pilot_cues)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def events_after(self, pos: int) -> Iterator[tuple[int, bytes]]:
        cursor = self._db.execute("SELECT pos, body FROM events WHERE pos > ? ORDER BY pos", (pos,))
        while rows := cursor.fetchmany(10_000):
            yield from rows

    def save_snapshot(self, pos: int, data: bytes) -> None:
        """Keep only the newest snapshot: the log before it is still there for audits."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT OR REPLACE INTO snapshots VALUES (?, ?)", (pos, data))
        db.execute("DELETE FROM snapshots WHERE pos < ?", (pos,))
        db.execute("COMMIT")

    def latest_snapshot(self) -> tuple[int, bytes] | None:
        row = self._db.execute("SELECT pos, data FROM snapshots ORDER BY pos DESC LIMIT 1")
        found = row.fetchone()
        return None if found is None else (int(found[0]), bytes(found[1]))

    def cues(
        self, since: int, kind: str | None, role: str | None, limit: int, pilot: bool = False
    ) -> list[tuple[int, bytes]]:
        """Live cues, or with `pilot` the pilot score's (their own table and sequence)."""
        table = "pilot_cues" if pilot else "cues"
        query = f"SELECT seq, body FROM {table} WHERE seq > ?"
        args: list[object] = [since]
        if kind is not None:
            query += " AND kind = ?"
            args.append(kind)
        if role is not None:
            query += " AND role = ?"
            args.append(role)
        query += " ORDER BY seq LIMIT ?"
        args.append(limit)
        return [(int(seq), bytes(body)) for seq, body in self._db.execute(query, args)]

    def pending(self, sink: str, now: float, limit: int) -> list[Pending]:
        """Undelivered cues for a sink in order, up to the first one still backing off."""
        rows = self._db.execute(
            "SELECT o.seq, c.body, o.created, o.attempts, o.next_attempt FROM outbox o "
            f"{_UNDELIVERED} JOIN cues c ON c.seq = o.seq WHERE o.sink = ? AND o.delivered IS NULL "
            "ORDER BY o.seq LIMIT ?",
            (sink, limit),
        ).fetchall()
        due = []
        for seq, body, created, attempts, next_attempt in rows:
            if next_attempt > now:
                break
            due.append(Pending(int(seq), bytes(body), float(created), int(attempts)))
        return due

    def next_attempt(self, sink: str) -> float | None:
        row = self._db.execute(
            f"SELECT next_attempt FROM outbox {_UNDELIVERED} WHERE sink = ? AND delivered IS NULL "
            "ORDER BY seq LIMIT 1",
            (sink,),
        ).fetchone()
        return None if row is None else float(row[0])

    def pending_count(self, sink: str) -> int:
        row = self._db.execute(
            f"SELECT count(*) FROM outbox {_UNDELIVERED} WHERE sink = ? AND delivered IS NULL",
            (sink,),
        ).fetchone()
        return int(row[0])

    def mark_delivered(self, sink: str, delivered: Sequence[tuple[int, float]]) -> None:
        """Mark (seq, delivered at) pairs in one transaction (one WAL commit, not one each)."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "UPDATE outbox SET delivered = ?, attempts = attempts + 1 "
                "WHERE sink = ? AND seq = ?",
                [(at, sink, seq) for seq, at in delivered],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def mark_failed(self, sink: str, seq: int, retry_at: float, error: str) -> None:
        self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, last_error = ? "
            "WHERE sink = ? AND seq = ?",
            (retry_at, error[:500], sink, seq),
        )
