"""Long folds in slices, so the event loop around them is never held for long.

A batch, or the ticks after a long pause, can fire many deadlines (bounded by the score's
horizon, still seconds of work for many ensembles). The runtime's folds are generators that
yield once they have run for `SLICE_SECONDS`; the HTTP layer drives them with a pause for the
event loop at each yield (health checks are answered, SIGTERM is heard), tests and start-up
drive them straight through.
"""

import asyncio
import time
from collections.abc import Generator
from typing import TypeVar

SLICE_SECONDS = 0.02

T = TypeVar("T")
Steps = Generator[None, None, T]


class Slicer:
    """Says when a fold has run long enough to let the event loop in."""

    def __init__(self) -> None:
        self._began = time.monotonic()

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._began < SLICE_SECONDS:
            return False
        self._began = now
        return True


def complete(steps: Steps[T]) -> T:
    """Run a fold to its end at once."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: T = done.value  # what the generator returned
            return result


async def drive(steps: Steps[T]) -> T:
    """Run a fold, letting the event loop run between its slices."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: T = done.value  # what the generator returned
            return result
        await asyncio.sleep(0)
