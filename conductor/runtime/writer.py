"""Who writes the SQLite log: the runtime's own thread, or a process of its own.

The runtime folds a batch, numbers its rows and hands them to a writer; the answer to the
POST waits for the commit. `WriterProcess` commits in a child process, so SQLite's work
(a fifth of an event's cost) runs on another core while the runtime folds the next batch.
Every write goes through the writer, in the order it was submitted: the log's order is the
order the runtime folded, and the delivery marks never race a batch for SQLite's lock.

After a failed `write`, the process refuses every `write` and `save_snapshot` submitted
before the runtime's `resume`: they were folded on top of the rows that did not land, so
the runtime rebuilds its state from the log first (see `LiveRuntime`).
"""

import asyncio
import contextlib
import fcntl
import logging
import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import Future
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from setproctitle import setproctitle

from conductor.errors import ConductorError
from conductor.runtime.store import Store

logger = logging.getLogger(__name__)

WRITER_TITLE = "conductor-log-writer"
"""The writer process's name in `ps` (its command line; `comm` keeps the first 15 bytes)."""

FOLDED_ON_WRITES = frozenset({"write", "save_snapshot"})
"""What a failed write makes stale until the runtime resumes."""


class LogWriteError(ConductorError):
    """The writer did not commit what was submitted (the reason is SQLite's or the writer's)."""


class LogWriter(Protocol):
    def submit(self, operation: str, *args: Any) -> "Future[Any]":
        """Run `Store.<operation>(*args)` after everything submitted before it."""
        ...

    def wait(self, done: "Future[Any]") -> Any:
        """Block until `done` resolves (for start-up and tests, before an event loop runs)."""
        ...

    def resume(self) -> None:
        """Accept writes again after a failed one (the runtime has rebuilt its state)."""
        ...

    @property
    def healthy(self) -> bool: ...

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """From now on, resolve futures on `loop` (the runtime's event loop)."""
        ...

    def detach(self) -> None: ...

    def close(self) -> None: ...


class InlineWriter:
    """Writes on the caller's thread, at once: every future it returns is already done."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def submit(self, operation: str, *args: Any) -> "Future[Any]":
        done: Future[Any] = Future()
        try:
            done.set_result(getattr(self.store, operation)(*args))
        except Exception as error:  # the caller's future carries it, as a process would
            done.set_exception(LogWriteError(f"{operation}: {error}"))
        return done

    def wait(self, done: "Future[Any]") -> Any:
        return done.result()

    def resume(self) -> None:
        return None

    @property
    def healthy(self) -> bool:
        return True

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        return None

    def detach(self) -> None:
        return None

    def close(self) -> None:
        return None


def _serve(path: Path, synchronous_full: bool, requests: Connection, answers: Connection) -> None:
    """The writer process: run each request in order, answer each one, stop on EOF."""
    # Ctrl-C or a service manager's SIGTERM reach the whole process group: the runtime
    # stops first and finishes its writes; this process stops when the runtime is gone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    setproctitle(WRITER_TITLE)
    store = Store(path, synchronous_full)
    refusing = False
    try:
        while True:
            try:
                request = requests.recv()
            except EOFError:  # the runtime is gone (even SIGKILLed): nothing more will come
                return
            if request is None:
                return
            operation, args = request
            if operation == "resume":
                refusing = False
                answers.send(("ok", None))
                continue
            if refusing and operation in FOLDED_ON_WRITES:
                answers.send(("error", f"{operation}: refused after a failed write"))
                continue
            try:
                result = getattr(store, operation)(*args)
            except Exception as error:
                refusing = refusing or operation == "write"
                # Kept short: an answer under the pipe's atomic size arrives whole.
                answers.send(("error", f"{operation}: {str(error)[:500]}"))
            else:
                answers.send(("ok", result))
    finally:
        store.close()


PIPE_BYTES = 1 << 20
"""A batch of 100 events is ~70 KB of rows: Linux's default 64 KB pipe would make the runtime
wait for the writer to read each one."""


def _widen(connection: Connection) -> None:
    """Grow the pipe under `connection` (Linux; elsewhere the default size is kept)."""
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


class WriterProcess:
    """The log's writer in a child process; answers are read on the event loop once attached.

    Before `attach` (start-up) and after `detach` (shutdown), `wait` reads the answers on
    the calling thread. Done-callbacks of the futures run where the answers are read, so
    once attached, on the event loop's thread, like the rest of the runtime.
    """

    def __init__(self, path: Path, synchronous_full: bool = False) -> None:
        context = multiprocessing.get_context("spawn")
        # Two one-way pipes: the event loop watches the answers' end, and a blocked request
        # (a full pipe) simply waits for the writer to read.
        requests, self._requests = context.Pipe(duplex=False)
        self._answers, answers = context.Pipe(duplex=False)
        _widen(self._requests)
        self._process = context.Process(
            target=_serve,
            args=(path, synchronous_full, requests, answers),
            name=WRITER_TITLE,
        )
        self._process.start()
        requests.close()
        answers.close()
        self._waiting: deque[Future[Any]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broken: str | None = None

    def submit(self, operation: str, *args: Any) -> "Future[Any]":
        done: Future[Any] = Future()
        if self._broken is not None:
            done.set_exception(LogWriteError(self._broken))
            return done
        self._waiting.append(done)
        try:
            self._requests.send((operation, args))
        except OSError as error:
            self._break(f"the log writer is gone: {error}")
        return done

    def resume(self) -> None:
        self.submit("resume")

    def wait(self, done: "Future[Any]") -> Any:
        while not done.done():
            self._read_one()
        return done.result()

    @property
    def healthy(self) -> bool:
        return self._broken is None

    @property
    def pid(self) -> int:
        """The writer process's id (to watch or stop it)."""
        assert self._process.pid is not None, "started in __init__"
        return self._process.pid

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        descriptor = self._answers.fileno()
        loop.add_reader(descriptor, self._read_ready)
        # uvloop makes a watched descriptor non-blocking; an answer read as it arrives must
        # not fail half-way through.
        os.set_blocking(descriptor, True)

    def detach(self) -> None:
        if self._loop is not None:
            self._loop.remove_reader(self._answers.fileno())
            self._loop = None

    def close(self) -> None:
        """Wait for every submitted write, then stop the process."""
        self.detach()
        while self._waiting and self._broken is None:
            self._read_one()
        if self._broken is None:
            with contextlib.suppress(OSError):  # it died since its last answer
                self._requests.send(None)
        self._process.join(timeout=30)
        self._requests.close()
        self._answers.close()

    def _read_ready(self) -> None:
        while self._waiting and self._broken is None and self._answers.poll():
            self._read_one()

    def _read_one(self) -> None:
        try:
            status, value = self._answers.recv()
        except (EOFError, OSError) as error:
            self._break(f"the log writer stopped (exit code {self._process.exitcode}): {error}")
            return
        done = self._waiting.popleft()
        if done.cancelled():  # its waiter was cancelled (a tick at shutdown): the write stands
            return
        if status == "ok":
            done.set_result(value)
        else:
            done.set_exception(LogWriteError(value))

    def _break(self, reason: str) -> None:
        """Fail everything waiting and all that comes: the runtime cannot log any more."""
        logger.error("%s", reason)
        self._broken = reason
        self.detach()
        while self._waiting:
            done = self._waiting.popleft()
            if not done.cancelled():
                done.set_exception(LogWriteError(reason))
