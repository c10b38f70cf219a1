"""The log's writers: the same log from a child process as inline, and what a failed write does.

Real SQLite files and a real child process; a write is made to fail the way a second writer
on the same log would make it fail (its row already took the next offset).
"""

import json
import os
import signal
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from conductor.core.figures import figures
from conductor.io.scorefile import load_score
from conductor.metrics.registry import build_metrics
from conductor.runtime.live import LiveRuntime
from conductor.runtime.store import Store
from conductor.runtime.writer import InlineWriter, LogWriteError, LogWriter, WriterProcess
from conductor.session.clock import ScaledClock

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LINES = (EXAMPLES / "events.jsonl").read_bytes().splitlines()
SCORE = load_score(EXAMPLES / "score.yaml")
CLOCK = ScaledClock(datetime(2026, 3, 1, tzinfo=UTC), speed=0)


def open_runtime(db: Path, writer: LogWriter | None = None) -> LiveRuntime:
    store = Store(db)
    live = LiveRuntime(
        store, build_metrics(CollectorRegistry()), CLOCK, ("jsonl",), 60, writer=writer
    )
    live.recover()
    published = live.publish_score(SCORE)
    assert published is not None and published.committed is not None
    live.writer.wait(published.committed)
    return live


@pytest.fixture
def process_runtime(tmp_path: Path) -> Iterator[LiveRuntime]:
    live = open_runtime(tmp_path / "p.db", WriterProcess(tmp_path / "p.db"))
    yield live
    live.close()


def log_of(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with sqlite3.connect(db) as connection:
        events = connection.execute("SELECT pos, id, ensemble, body FROM events").fetchall()
        cues = connection.execute("SELECT seq, id, pos, kind, role, body FROM cues").fetchall()
    return events, cues


def test_the_writer_process_writes_the_log_an_inline_writer_writes(
    tmp_path: Path, process_runtime: LiveRuntime
) -> None:
    inline = open_runtime(tmp_path / "i.db")
    for start in range(0, len(LINES), 50):
        inline.ingest(LINES[start : start + 50])
        result = process_runtime.ingest(LINES[start : start + 50])
        assert result.committed is not None
    # The snapshot a batch reaches is submitted after its write: wait for an operation
    # submitted after everything, not for the last write (the test was flaky on this).
    process_runtime.writer.wait(process_runtime.writer.submit("last_seq"))
    expected = log_of(tmp_path / "i.db")
    assert len(expected[1]) > 50, "the example log must fire cues"
    assert log_of(tmp_path / "p.db") == expected
    assert process_runtime.store.latest_snapshot() == inline.store.latest_snapshot()
    assert process_runtime.store.pending_count("jsonl") == len(expected[1])


def last_pos(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT max(pos) FROM events").fetchone()[0])


def take_next_offset(db: Path, after: int) -> None:
    """Another writer appends a valid event at the offset the runtime will write next."""
    foreign = LINES[0].replace(b'"id":"', b'"id":"foreign-', 1)
    with sqlite3.connect(db) as connection:
        connection.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?)", (after + 1, "foreign", "harbor", foreign)
        )


@pytest.mark.parametrize("in_process", [True, False], ids=["inline", "process"])
def test_a_failed_write_rebuilds_the_state_from_the_log(tmp_path: Path, in_process: bool) -> None:
    db = tmp_path / "f.db"
    live = open_runtime(db, None if in_process else WriterProcess(db))
    try:
        settled = live.ingest(LINES[:30])
        assert settled.committed is not None
        live.writer.wait(settled.committed)
        take_next_offset(db, live.offset)

        failed = live.ingest(LINES[30:60])
        assert failed.committed is not None
        with pytest.raises(LogWriteError, match="UNIQUE constraint failed"):
            live.writer.wait(failed.committed)

        # The state is the log's again: the foreign event is in it, the failed batch is not.
        assert live.offset == last_pos(db)
        clean = LiveRuntime(Store(db), build_metrics(CollectorRegistry()), CLOCK)
        clean.recover()
        assert figures(live.session.engines["harbor"]) == figures(clean.session.engines["harbor"])
        again = live.ingest(LINES[30:60])
        assert again.committed is not None and again.count("accepted") == 30
        live.writer.wait(again.committed)
        assert last_pos(db) == live.offset
    finally:
        live.close()


def test_writes_folded_after_a_failed_one_are_refused_until_the_runtime_resumes(
    tmp_path: Path, process_runtime: LiveRuntime
) -> None:
    db = process_runtime.store.path
    settled = process_runtime.ingest(LINES[:30])
    assert settled.committed is not None
    process_runtime.writer.wait(settled.committed)
    take_next_offset(db, process_runtime.offset)

    failing = process_runtime.ingest(LINES[30:40])
    folded_on_it = process_runtime.ingest(LINES[40:50])  # in flight before the failure is known
    assert failing.committed is not None and folded_on_it.committed is not None
    with pytest.raises(LogWriteError, match="UNIQUE"):
        process_runtime.writer.wait(failing.committed)
    with pytest.raises(LogWriteError, match="refused after a failed write"):
        process_runtime.writer.wait(folded_on_it.committed)
    logged = {row[1] for row in log_of(db)[0]}
    assert logged.isdisjoint(json.loads(line)["id"] for line in LINES[30:50]), "none landed"

    resumed = process_runtime.ingest(LINES[30:50])
    assert resumed.committed is not None
    process_runtime.writer.wait(resumed.committed)
    assert last_pos(db) == process_runtime.offset


def test_a_writer_process_that_dies_fails_every_write_and_reports_unhealthy(
    tmp_path: Path,
) -> None:
    writer = WriterProcess(tmp_path / "d.db")
    assert writer.wait(writer.submit("last_seq")) == 0
    assert writer.healthy
    os.kill(writer.pid, signal.SIGKILL)
    with pytest.raises(LogWriteError, match="log writer"):
        writer.wait(writer.submit("last_seq"))
    assert not writer.healthy
    with pytest.raises(LogWriteError):
        writer.wait(writer.submit("last_seq"))
    writer.close()


def test_an_inline_writer_carries_the_stores_error_in_its_future(tmp_path: Path) -> None:
    writer = InlineWriter(Store(tmp_path / "x.db"))
    done = writer.submit("no_such_operation")
    with pytest.raises(LogWriteError, match="no_such_operation"):
        writer.wait(done)
