"""What applying one event produced: its cues, its rejection, its measurements."""

from dataclasses import dataclass, field
from typing import NamedTuple

from schemas import Cue


class Observation(NamedTuple):
    """A measurement the event produced, for runtimes that export histograms. (A named
    tuple: one is built for most events, and a frozen dataclass costs twice as much.)"""

    metric: str
    section: str | None
    seconds: int


@dataclass(slots=True)
class Outcome:
    """What applying one event did: accepted, a duplicate, or rejected with a reason."""

    event_id: str
    cues: list[Cue] = field(default_factory=list)
    rejection: str | None = None
    duplicate: bool = False
    observations: list[Observation] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.rejection is None and not self.duplicate
