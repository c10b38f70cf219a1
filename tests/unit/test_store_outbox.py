"""The outbox: a log written before quiet hours and failed records opens and delivers; rows
held, pending, delivered and failed are told apart."""

import sqlite3
from pathlib import Path

from conductor.runtime.store import Store

OLD_OUTBOX = """
CREATE TABLE cues (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, pos INTEGER NOT NULL,
    kind TEXT NOT NULL, role TEXT, body BLOB NOT NULL);
CREATE TABLE outbox (sink TEXT NOT NULL, seq INTEGER NOT NULL, created REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt REAL NOT NULL DEFAULT 0, delivered REAL,
    last_error TEXT, PRIMARY KEY (sink, seq)) WITHOUT ROWID;
CREATE INDEX outbox_pending ON outbox (sink, seq) WHERE delivered IS NULL;
"""


def test_a_log_from_before_opens_and_its_undelivered_cues_are_due(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as old:
        old.executescript(OLD_OUTBOX)
        old.execute("INSERT INTO cues VALUES (1, 'cue-a', 1, 'hold', NULL, ?)", (b"{}",))
        old.execute("INSERT INTO outbox (sink, seq, created) VALUES ('webhook', 1, 5.0)")
    store = Store(db)
    columns = {row[1] for row in store._db.execute("PRAGMA table_info(outbox)")}
    assert {"release", "failed"} <= columns
    assert [p.seq for p in store.pending("webhook", now=10.0, limit=10, released=0.0)] == [1]
    assert store.cue("cue-a") == b"{}"
    assert store.cue("cue-b") is None
    store.close()
    Store(db).close()  # opening it again adds nothing twice


def test_held_pending_delivered_and_failed_rows(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.db")
    db = store._db
    for seq, cue in enumerate(("cue-a", "cue-b", "cue-c", "cue-d"), start=1):
        db.execute("INSERT INTO cues VALUES (?, ?, 1, 'hold', NULL, ?)", (seq, cue, b"{}"))
    db.executemany(
        "INSERT INTO outbox (sink, seq, created, release) VALUES ('s', ?, 1.0, ?)",
        [(1, 0.0), (2, 500.0), (3, 0.0), (4, 0.0)],
    )
    store.mark_delivered("s", [(1, 2.0)])
    store.give_up("s", 3, 3.0, "DeliveryFailed('503 Service Unavailable')")
    assert [p.seq for p in store.pending("s", now=10.0, limit=10, released=100.0)] == [4]
    assert store.next_release("s", 100.0) == 500.0
    assert [p.seq for p in store.pending("s", now=10.0, limit=10, released=500.0)] == [2, 4]
    statuses = {row["cue"]: row["status"] for row in store.deliveries(False, None, 10, 100.0)}
    assert statuses == {
        "cue-a": "delivered",
        "cue-b": "held",
        "cue-c": "failed",
        "cue-d": "pending",
    }
    (failed,) = store.deliveries(True, "s", 10, 100.0)
    assert (failed["cue"], failed["attempts"], failed["done"]) == ("cue-c", 1, 3.0)
    assert "503" in failed["error"]
    assert store.pending_count("s") == 2
    store.close()
