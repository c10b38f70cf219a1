"""One writer per log: an exclusive lock on `<db>.lock`, held for the process's life.

Two runtimes appending to one SQLite log would number their rows alike and take turns
answering 500; the second is refused before it opens the log. The lock is `flock`'s: the
kernel drops it when the holder exits, even SIGKILLed, so a stale file never blocks a
restart. The file holds the holder's pid, for the refusal to name.
"""

import fcntl
import os
from pathlib import Path
from typing import IO

from conductor.errors import ConductorError


class LogLocked(ConductorError):
    """Another process holds the log's lock."""


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def hold_log(db: Path) -> IO[str]:
    """Take the log's lock or raise `LogLocked` naming the holder; keep the returned file
    open for as long as the process writes the log (closing it releases the lock)."""
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    held = path.open("a+", encoding="ascii")
    try:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        held.seek(0)
        holder = held.read().strip() or "unknown"
        held.close()
        raise LogLocked(
            f"the log {db} is written by another process (pid {holder}, lock {path}): "
            "only one `conductor run` may write a log"
        ) from None
    except BaseException:
        held.close()
        raise
    held.seek(0)
    held.truncate()
    held.write(f"{os.getpid()}\n")
    held.flush()
    return held
