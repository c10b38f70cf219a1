"""`conductor export`: the runtime's log as JSON Lines, in log order, one ensemble or all;
a missing file or one that is not a Conductor log is named, and nothing is created."""

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from conductor.runtime.store import Entry, Rows, Store

Export = Callable[..., tuple[int, bytes, str]]


def body(ensemble: str, number: int) -> bytes:
    return f'{{"id":"{ensemble}-{number}","ensemble":"{ensemble}"}}'.encode()


def written_log(path: Path) -> list[bytes]:
    ensembles = ["harbor", "elsewhere", "harbor"]
    bodies = [body(e, n) for n, e in enumerate(ensembles)]
    entries = [Entry(f"e{n}", e, b) for n, (e, b) in enumerate(zip(ensembles, bodies, strict=True))]
    store = Store(path)
    store.write(Rows.of(entries, 0, 0), 0.0)
    store.close()
    return bodies


@pytest.fixture
def export(conductor: Callable[..., tuple[int, bytes, str]]) -> Export:
    """`conductor export`: exit status, stdout, stderr."""

    def run(*arguments: str) -> tuple[int, bytes, str]:
        return conductor("export", *arguments)

    return run


def test_the_log_is_printed_in_log_order_whole_or_for_one_ensemble(
    tmp_path: Path, export: Export
) -> None:
    bodies = written_log(tmp_path / "log.db")
    code, out, _ = export("--db", str(tmp_path / "log.db"))
    assert code == 0 and out.splitlines() == bodies
    code, out, _ = export("--db", str(tmp_path / "log.db"), "--ensemble", "harbor")
    assert code == 0 and out.splitlines() == [bodies[0], bodies[2]]


def test_a_missing_file_or_one_that_is_not_a_log_is_named(tmp_path: Path, export: Export) -> None:
    code, out, err = export("--db", str(tmp_path / "none.db"))
    assert (code, out) == (2, b"") and f"--db: no such file: {tmp_path / 'none.db'}" in err
    assert not (tmp_path / "none.db").exists(), "a missing log is not created"
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    code, out, err = export("--db", str(other))
    assert (code, out) == (2, b"") and "is not a Conductor log (no such table: events)" in err
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, but long enough to have a header " * 4)
    code, out, err = export("--db", str(text))
    assert (code, out) == (2, b"") and "is not a Conductor log" in err
