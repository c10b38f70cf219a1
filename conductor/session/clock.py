"""What "now" is for a runtime's ticks: the wall clock, a scaled or stopped clock (demos,
imports, tests), or each ensemble's own time (replays on Kafka)."""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pydantic import AwareDatetime, TypeAdapter, ValidationError

from conductor.core import EnsembleEngine, Problem
from conductor.core.timeutil import to_datetime
from schemas.events import Event


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class WallClock:
    """The default: the machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class ScaledClock:
    """Time that starts at `start` and runs `speed` times faster than the wall clock.

    `speed=10080` runs a week per minute (the demo); `speed=0` stands still (tests, imports).
    """

    start: datetime
    speed: float = 1.0
    _origin: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._origin) * self.speed)


@dataclass(frozen=True)
class EventTime:
    """Not a clock: each ensemble's time is its own newest event or tick, so a runtime only
    ticks deadlines a past revision left behind, and its cues equal a rehearsal of the log."""


Timekeeper = Clock | EventTime


def now_of(timekeeper: Timekeeper, engine: EnsembleEngine) -> datetime:
    """The ensemble's time: the later of its own (newest event or tick) and the clock."""
    own = to_datetime(engine.state.now)
    if isinstance(timekeeper, EventTime):
        return own
    clock = timekeeper.now()
    return clock if clock > own else own


DEFAULT_MAX_SKEW = timedelta(days=1)
"""How far ahead of the wall clock an event may be dated (`CONDUCTOR_MAX_CLOCK_SKEW`)."""


def too_far_ahead(event: Event, clock: Timekeeper, limit: timedelta | None) -> Problem | None:
    """An event dated further ahead of the runtime's clock than `limit`: one tool with a wrong
    clock must not fire the whole ensemble's deadlines up to its date."""
    if limit is None or isinstance(clock, EventTime):
        return None
    now = clock.now()
    if event.occurred_at - now <= limit:
        return None
    return Problem(
        "occurred_at",
        f"{event.occurred_at.isoformat()} is {event.occurred_at - now} ahead of this runtime's "
        f"clock ({now.isoformat(timespec='seconds')}), more than the {limit} it accepts: check "
        "the clock of the tool that sent it",
    )


def parse_timekeeper(text: str) -> Timekeeper:
    """`wall`, `event`, or an ISO 8601 time with a timezone (a clock standing still there)."""
    if text == "wall":
        return WallClock()
    if text == "event":
        return EventTime()
    try:
        return ScaledClock(TypeAdapter(AwareDatetime).validate_python(text), 0.0)
    except ValidationError:
        raise ValueError(
            f"clock: {text!r} is neither 'wall', 'event' nor an ISO time with a timezone"
        ) from None
