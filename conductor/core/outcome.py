"""What applying one event produced: its cues, its rejection, its measurements.

Both are built for nearly every event. Their `__init__` is written out because mypyc
compiles a written `__init__` but keeps the one `dataclass` generates as interpreted
Python (about 0.3 µs per event for the two, a twentieth of a compiled fold).
"""

from dataclasses import dataclass

from schemas import Cue


@dataclass(slots=True, init=False)
class Observation:
    """A measurement the event produced, for runtimes that export histograms."""

    metric: str
    section: str | None
    seconds: int

    def __init__(self, metric: str, section: str | None, seconds: int) -> None:
        self.metric = metric
        self.section = section
        self.seconds = seconds


@dataclass(slots=True, init=False)
class Outcome:
    """What applying one event did: accepted, a duplicate, or rejected with a reason."""

    event_id: str
    cues: list[Cue]
    rejection: str | None
    duplicate: bool
    observations: list[Observation]

    def __init__(
        self,
        event_id: str,
        cues: list[Cue] | None = None,
        rejection: str | None = None,
        duplicate: bool = False,
        observations: list[Observation] | None = None,
    ) -> None:
        self.event_id = event_id
        self.cues = [] if cues is None else cues
        self.rejection = rejection
        self.duplicate = duplicate
        self.observations = [] if observations is None else observations

    @property
    def accepted(self) -> bool:
        return self.rejection is None and not self.duplicate
