"""`conductor export`: the runtime's log as JSON Lines, for `rehearse --events` (a pilot's
comparison, a back-test, a fit).

The log is opened read-only, so a running `conductor run` keeps writing it (WAL mode lets a
reader see every committed event without holding up the writer). The lines are the events'
bodies as they were appended, in log order, the runtime's own `clock.tick`s included: a
rehearsal of them fires the cues the runtime fired.
"""

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from conductor.errors import ConductorError


class NotALog(ConductorError, ValueError):
    """The file is missing or is not a Conductor log; the message names the option."""


def exported_lines(path: Path, ensemble: str | None = None) -> Iterator[bytes]:
    """Every event's body in log order (only `ensemble`'s, when given)."""
    if not path.is_file():
        raise NotALog(f"--db: no such file: {path}")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise NotALog(f"--db: {path} cannot be opened: {error}") from None
    try:
        query = "SELECT body FROM events ORDER BY pos"
        parameters: tuple[str, ...] = ()
        if ensemble is not None:
            query = "SELECT body FROM events WHERE ensemble = ? ORDER BY pos"
            parameters = (ensemble,)
        try:
            cursor = db.execute(query, parameters)
        except sqlite3.DatabaseError as error:
            raise NotALog(f"--db: {path} is not a Conductor log ({error})") from None
        while rows := cursor.fetchmany(10_000):
            for (body,) in rows:
                yield bytes(body)
    finally:
        db.close()
