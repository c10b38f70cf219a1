"""What applying one event produced: its cues, its rejection, its measurements.

Built for nearly every event. Its `__init__` is written out because mypyc compiles a written
`__init__` but keeps the one `dataclass` generates as interpreted Python (about 0.3 µs per
event, a twentieth of a compiled fold).
"""

from dataclasses import dataclass

from conductor.core.effects import Observation
from conductor.core.problem import Problem
from schemas import Cue


@dataclass(slots=True, init=False)
class Outcome:
    """What applying one event did: accepted, a duplicate, or rejected with its problem."""

    event_id: str
    cues: list[Cue]
    rejection: Problem | None
    duplicate: bool
    observations: list[Observation]

    def __init__(
        self,
        event_id: str,
        cues: list[Cue] | None = None,
        rejection: Problem | None = None,
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
