"""A guard on every test: it must not leave a thread running or an asyncio task pending.

(At the top of the repository, not in `tests/`: pytest calls the fixture-setup hook of a
session-scoped fixture only on the conftests the whole session sees.)

A leftover server thread or task keeps running into the next tests, where it fails them at
random (a port still taken, a cue delivered late) or hides that the code under test never
stops what it starts. Threads get a few seconds to finish (a server's shutdown is a
condition to wait for, not a fixed time); then the test fails, naming them.
"""

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

GRACE_SECONDS = 10.0

LONG_LIVED: set[threading.Thread] = set()
"""Threads started by fixtures of a wider scope than one test (a broker's output pump, set up
when a test first asks for it): they belong to the session, not to that test."""


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[object]) -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    if fixturedef.scope != "function":
        LONG_LIVED.update(set(threading.enumerate()) - before)


def _pending_tasks() -> set[asyncio.Task[object]]:
    """Every asyncio task not yet done, in any loop. Python 3.11 keeps them all in this weak
    set (the C tasks register there too); there is no public way to list them across loops."""
    registry = getattr(asyncio.tasks, "_all_tasks", ())
    return {task for task in list(registry) if not task.done()}


@pytest.fixture(autouse=True)
def nothing_left_running() -> Iterator[None]:
    threads_before = set(threading.enumerate())
    tasks_before = _pending_tasks()
    yield
    deadline = time.monotonic() + GRACE_SECONDS
    while True:
        threads = [
            t
            for t in threading.enumerate()
            if t not in threads_before and t not in LONG_LIVED and t.is_alive()
        ]
        tasks = _pending_tasks() - tasks_before
        if not threads and not tasks:
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    names = [thread.name for thread in threads] + [repr(task) for task in tasks]
    pytest.fail(f"the test left running: {names}")
