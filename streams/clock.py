"""What "now" is for the ticker: the wall clock in production, event time in tests."""

from datetime import UTC, datetime
from typing import Protocol

from pydantic import AwareDatetime, TypeAdapter, ValidationError

from conductor.core import EnsembleEngine
from conductor.core.timeutil import to_datetime


class Clock(Protocol):
    def now(self, engine: EnsembleEngine) -> datetime: ...


class WallClock:
    def now(self, engine: EnsembleEngine) -> datetime:
        return datetime.now(UTC)


class EventClock:
    """The ensemble's own time (its newest event or tick).

    Ticks only for deadlines strictly before the newest event, so they fire exactly what
    the next event would fire anyway: a worker driven by it is deterministic and its cues
    equal a rehearsal of the same log.
    """

    def now(self, engine: EnsembleEngine) -> datetime:
        return to_datetime(engine.state.now)


class FixedClock:
    """A constant instant: the worker ticks every ensemble through its deadlines up to it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self, engine: EnsembleEngine) -> datetime:
        return self.at


def parse_clock(text: str) -> Clock:
    """`wall`, `event`, or an ISO 8601 time with a timezone (a fixed clock)."""
    if text == "wall":
        return WallClock()
    if text == "event":
        return EventClock()
    try:
        return FixedClock(TypeAdapter(AwareDatetime).validate_python(text))
    except ValidationError:
        raise ValueError(
            f"clock: {text!r} is neither 'wall', 'event' nor an ISO time with a timezone"
        ) from None
