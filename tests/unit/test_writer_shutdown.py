"""The log writer's process stops with its runtime, whatever was in flight: a write whose
waiter was cancelled (a tick cancelled at shutdown) is still committed and does not stop
`close`, and the process shows as `conductor-log-writer` in `ps`."""

from pathlib import Path

from conductor.runtime.store import Store
from conductor.runtime.writer import WriterProcess


def test_close_stops_the_writer_after_a_write_whose_waiter_was_cancelled(tmp_path: Path) -> None:
    writer = WriterProcess(tmp_path / "log.db")
    cancelled = writer.submit("save_snapshot", 7, b"{}")
    assert cancelled.cancel()
    last = writer.submit("last_seq")
    writer.close()
    assert not writer._process.is_alive()
    assert writer._process.exitcode == 0
    assert last.result() == 0
    store = Store(tmp_path / "log.db")
    try:
        assert store.latest_snapshot() == (7, b"{}")
    finally:
        store.close()
