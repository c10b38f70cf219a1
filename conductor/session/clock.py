"""The runtime's clock, injectable so tests and demos decide what "now" is."""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


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

    `speed=10080` runs a week per minute (the demo); `speed=0` stands still (tests).
    """

    start: datetime
    speed: float = 1.0
    _origin: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._origin) * self.speed)
