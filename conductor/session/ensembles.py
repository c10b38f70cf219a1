"""The ensembles one runtime folds: an engine for each ensemble whose score was published,
the same answer for events of any other, and their figures and counts in its metrics (small
sections rolled up). The embedded runtime, the Kafka worker and rehearsal all fold through
a `Session`; each only moves bytes around it."""

from datetime import datetime
from typing import Any

from conductor.core import EnsembleEngine, Outcome, unpublished
from conductor.core.figures import figures
from conductor.metrics.catalogue import WHOLE
from conductor.metrics.instrument import publish_engine, record_outcome
from conductor.metrics.registry import Metrics
from conductor.metrics.rollup import DEFAULT_MIN_GROUP_SIZE, Rollup
from schemas import Cue
from schemas.events import Event


class Session:
    def __init__(self, min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> None:
        self.engines: dict[str, EnsembleEngine] = {}
        self.min_group_size = min_group_size
        self._rollups: dict[str, tuple[int, Rollup]] = {}

    def apply(self, event: Event) -> Outcome:
        """Fold one event into its ensemble's engine. No engine is made for an ensemble until
        its score is published (untrusted input cannot fill memory or mint label values)."""
        ensemble = event.ensemble
        engine = self.engines.get(ensemble)
        if engine is not None:
            return engine.apply(event)
        if event.type != "score.published":
            return Outcome(event.id, rejection=unpublished(ensemble))
        engine = EnsembleEngine.new(ensemble)
        outcome = engine.apply(event)
        if engine.has_score:
            self.engines[ensemble] = engine
        return outcome

    def adopt(self, engine: EnsembleEngine) -> None:
        """An engine restored from a snapshot."""
        self.engines[engine.state.ensemble] = engine

    def forget(self, ensemble: str) -> None:
        self.engines.pop(ensemble, None)
        self._rollups.pop(ensemble, None)

    def advance(self, until: datetime) -> list[Cue]:
        """Fire every ensemble's deadlines up to `until`, in time order."""
        fired = [cue for engine in self.engines.values() for cue in engine.advance(until)]
        return sorted(fired, key=lambda cue: cue.at)

    def rollup(self, engine: EnsembleEngine) -> Rollup | None:
        """The roll-up of small sections for the engine's current score (kept per version)."""
        if not engine.has_score:
            return None
        ensemble = engine.state.ensemble
        cached = self._rollups.get(ensemble)
        if cached is None or cached[0] != engine.state.generation:
            cached = (engine.state.generation, Rollup.of(engine.plan.score, self.min_group_size))
            self._rollups[ensemble] = cached
        return cached[1]

    def record(self, metrics: Metrics, ensemble: str, outcome: Outcome) -> None:
        """Count an event's outcome, its cues and measurements; under the ensemble only once
        it has a score."""
        engine = self.engines.get(ensemble)
        rollup = self.rollup(engine) if engine is not None else None
        record_outcome(metrics, rollup, ensemble if rollup is not None else WHOLE, outcome)

    def figures(self, ensemble: str) -> dict[str, Any] | None:
        engine = self.engines.get(ensemble)
        return figures(engine) if engine is not None and engine.has_score else None

    def publish_figures(self, metrics: Metrics) -> None:
        """Recompute every ensemble's figure gauges (before a scrape)."""
        for engine in self.engines.values():
            rollup = self.rollup(engine)
            if rollup is not None:
                publish_engine(metrics, rollup, engine)
