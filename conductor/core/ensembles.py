"""Many ensembles side by side: routes each event to its ensemble's engine."""

from datetime import datetime

from conductor.core.engine import EnsembleEngine
from conductor.core.outcome import Outcome
from schemas import Cue
from schemas.events import Event


class Ensembles:
    def __init__(self) -> None:
        self.engines: dict[str, EnsembleEngine] = {}

    def engine(self, ensemble: str) -> EnsembleEngine:
        found = self.engines.get(ensemble)
        if found is None:
            found = self.engines[ensemble] = EnsembleEngine.new(ensemble)
        return found

    def apply(self, event: Event) -> Outcome:
        found = self.engines.get(event.ensemble)
        if found is None:
            found = self.engine(event.ensemble)
        return found.apply(event)

    def advance(self, until: datetime) -> list[Cue]:
        """Fire every ensemble's deadlines up to `until`, in time order."""
        fired = [cue for engine in self.engines.values() for cue in engine.advance(until)]
        return sorted(fired, key=lambda cue: cue.at)
