"""The durable log: accepted events, the cues they caused, the delivery outbox and snapshots.

One SQLite file in WAL mode. An event, its cues and their outbox rows are written in one
transaction, so a crash keeps all of them or none. The log's `pos` is the global offset.
"""

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    release REAL NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
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

_ADDED_COLUMNS = {
    "release": "REAL NOT NULL DEFAULT 0",
    "failed": "INTEGER NOT NULL DEFAULT 0",
}
"""Outbox columns a log written before them lacks (added on open; 0 is what they meant).
`release`: when the cue is due in the runtime's time (quiet hours); `failed`: 1 once the
sink's last try failed (`delivered` then holds when it was given up on)."""

_INDEXES = """
CREATE INDEX IF NOT EXISTS cues_by_id ON cues (id);
CREATE INDEX IF NOT EXISTS events_by_id ON events (id);
CREATE INDEX IF NOT EXISTS outbox_failed ON outbox (seq) WHERE failed = 1;
"""

_UNDELIVERED = "INDEXED BY outbox_pending"
"""Without statistics SQLite reads undelivered rows through the primary key, i.e. through
every cue ever delivered to the sink (5 ms per look at 57,000 cues, growing forever); the
partial index holds only the undelivered ones (30 µs)."""


@dataclass
class Entry:
    """One accepted event to append, with the cues applying it caused and their JSON,
    serialized as the event is folded (a batch's commit then only numbers them: no
    second-long pause at the end of a batch that fired a year of deadlines)."""

    id: str
    ensemble: str
    body: bytes
    cues: list[Cue] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    pilot_cues: list[Cue] = field(default_factory=list)
    """What the pilot score folded in shadow cued for it (recorded apart, never delivered)."""

    @classmethod
    def of(
        cls, id: str, ensemble: str, body: bytes, cues: Sequence[Cue], pilot_cues: Sequence[Cue]
    ) -> "Entry":
        bodies = [model_json(cue) for cue in cues]
        return cls(id, ensemble, body, list(cues), bodies, list(pilot_cues))


@dataclass
class Rows:
    """Entries as the log's rows, numbered by whoever decides the log's order."""

    events: list[tuple[int, str, str, bytes]]
    """(pos, id, ensemble, body)"""
    cues: list[tuple[int, str, int, str, str | None, bytes]]
    """(seq, id, pos, kind, role, body)"""
    outbox: list[tuple[str, int, float]] = field(default_factory=list)
    """(sink, seq, release): each cue for each sink that takes it, due at `release`."""
    pilot_cues: list[tuple[int, str, int, str, str | None, bytes]] = field(default_factory=list)
    """The pilot's cues, numbered in their own sequence, in their own table (no outbox rows)."""

    @classmethod
    def of(
        cls,
        entries: Sequence[Entry],
        after_pos: int,
        after_seq: int,
        deliveries: Callable[[Cue], Sequence[tuple[str, float]]] = lambda cue: (),
        after_pilot_seq: int = 0,
        pilot_ticks: Sequence[Cue] = (),
    ) -> "Rows":
        """Number `entries` from the offset and cue sequence numbers after the given ones;
        `deliveries` says which sinks take a cue and when it is due; `pilot_ticks`: the
        pilot's cues of its own deadlines, at the newest offset."""
        events: list[tuple[int, str, str, bytes]] = []
        cues: list[tuple[int, str, int, str, str | None, bytes]] = []
        outbox: list[tuple[str, int, float]] = []
        pilot: list[tuple[int, str, int, str, str | None, bytes]] = []
        pos, seq, pilot_seq = after_pos, after_seq, after_pilot_seq
        for entry in entries:
            pos += 1
            events.append((pos, entry.id, entry.ensemble, entry.body))
            for cue, body in zip(entry.cues, entry.bodies, strict=True):
                seq += 1
                role = cue.to.role if isinstance(cue.to, ToRole) else None
                cues.append((seq, cue.id, pos, cue.kind.value, role, body))
                outbox += [(sink, seq, due) for sink, due in deliveries(cue)]
            for cue in entry.pilot_cues:
                pilot_seq += 1
                pilot.append(_pilot_row(pilot_seq, pos, cue))
        for cue in pilot_ticks:
            pilot_seq += 1
            pilot.append(_pilot_row(pilot_seq, pos, cue))
        return cls(events, cues, outbox, pilot)


def _pilot_row(seq: int, pos: int, cue: Cue) -> tuple[int, str, int, str, str | None, bytes]:
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
        present = {row[1] for row in self._db.execute("PRAGMA table_info(outbox)")}
        for column, declaration in _ADDED_COLUMNS.items():
            if column not in present:
                self._db.execute(f"ALTER TABLE outbox ADD COLUMN {column} {declaration}")
        self._db.executescript(_INDEXES)

    def close(self) -> None:
        self._db.close()

    def last_seq(self, pilot: bool = False) -> int:
        table = "pilot_cues" if pilot else "cues"
        row = self._db.execute(f"SELECT max(seq) FROM {table}").fetchone()
        return int(row[0] or 0)

    def write(self, rows: Rows, now: float) -> None:
        """Append events, their cues and the cues' outbox rows in one transaction."""
        outbox = [(sink, seq, now, release) for sink, seq, release in rows.outbox]
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows.events)
            db.executemany("INSERT INTO cues VALUES (?, ?, ?, ?, ?, ?)", rows.cues)
            db.executemany(
                "INSERT INTO outbox (sink, seq, created, release) VALUES (?, ?, ?, ?)", outbox
            )
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

    def event(self, ensemble: str, event_id: str) -> bytes | None:
        """An event's body as the log keeps it, by its ensemble and id, or None."""
        row = self._db.execute(
            "SELECT body FROM events WHERE id = ? AND ensemble = ? LIMIT 1", (event_id, ensemble)
        ).fetchone()
        return bytes(row[0]) if row is not None else None

    def cue(self, cue_id: str) -> bytes | None:
        """A cue's JSON by its id (the newest row of that id), or None."""
        row = self._db.execute(
            "SELECT body FROM cues WHERE id = ? ORDER BY seq DESC LIMIT 1", (cue_id,)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def pending(
        self, sink: str, now: float, limit: int, released: float = float("inf")
    ) -> list[Pending]:
        """Undelivered cues for a sink that are due by `released` (the runtime's time), in
        order, up to the first one still backing off (until `now`, the wall clock's)."""
        rows = self._db.execute(
            "SELECT o.seq, c.body, o.created, o.attempts, o.next_attempt FROM outbox o "
            f"{_UNDELIVERED} JOIN cues c ON c.seq = o.seq WHERE o.sink = ? AND o.delivered IS NULL "
            "AND o.release <= ? ORDER BY o.seq LIMIT ?",
            (sink, released, limit),
        ).fetchall()
        due = []
        for seq, body, created, attempts, next_attempt in rows:
            if next_attempt > now:
                break
            due.append(Pending(int(seq), bytes(body), float(created), int(attempts)))
        return due

    def next_attempt(self, sink: str, released: float = float("inf")) -> float | None:
        """When the first undelivered cue due by `released` is tried next (wall clock)."""
        row = self._db.execute(
            f"SELECT next_attempt FROM outbox {_UNDELIVERED} WHERE sink = ? AND delivered IS NULL "
            "AND release <= ? ORDER BY seq LIMIT 1",
            (sink, released),
        ).fetchone()
        return None if row is None else float(row[0])

    def next_release(self, sink: str, released: float) -> float | None:
        """The earliest instant (runtime's time) a cue held past `released` falls due."""
        row = self._db.execute(
            f"SELECT min(release) FROM outbox {_UNDELIVERED} WHERE sink = ? AND delivered IS NULL "
            "AND release > ?",
            (sink, released),
        ).fetchone()
        return None if row[0] is None else float(row[0])

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

    def give_up(self, sink: str, seq: int, at: float, error: str) -> None:
        """The sink's last try failed: the cue is recorded as failed and leaves the queue."""
        self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, delivered = ?, failed = 1, last_error = ? "
            "WHERE sink = ? AND seq = ?",
            (at, error[:500], sink, seq),
        )

    def deliveries(
        self, failed_only: bool, sink: str | None, limit: int, released: float
    ) -> list[dict[str, Any]]:
        """The outbox's rows, newest first: each cue's status for one sink (`delivered`,
        `failed`, `pending`, or `held` for quiet hours until `release`)."""
        query = (
            "SELECT o.sink, o.seq, c.id, c.kind, o.attempts, o.delivered, o.failed, o.release, "
            "o.last_error, o.created FROM outbox o "
            + ("INDEXED BY outbox_failed " if failed_only else "")
            + "JOIN cues c ON c.seq = o.seq WHERE 1"
        )
        args: list[object] = []
        if failed_only:
            query += " AND o.failed = 1"
        if sink is not None:
            query += " AND o.sink = ?"
            args.append(sink)
        query += " ORDER BY o.seq DESC, o.sink LIMIT ?"
        args.append(limit)
        found = []
        for row in self._db.execute(query, args):
            out, seq, cue, kind, attempts, delivered, failed, release, error, created = row
            if failed:
                status = "failed"
            elif delivered is not None:
                status = "delivered"
            else:
                status = "held" if release > released else "pending"
            found.append(
                {
                    "sink": out,
                    "seq": seq,
                    "cue": cue,
                    "kind": kind,
                    "status": status,
                    "attempts": attempts,
                    "error": error,
                    "entered": created,
                    "done": delivered,
                }
            )
        return found

    def mark_failed(self, sink: str, seq: int, retry_at: float, error: str) -> None:
        self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, last_error = ? "
            "WHERE sink = ? AND seq = ?",
            (retry_at, error[:500], sink, seq),
        )
