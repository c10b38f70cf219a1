"""`conductor run --pilot SCORE`: a second score folded in shadow on the live events.

The pilot has its own engine (a `Session`), fed every event the live runtime accepts for the
pilot score's ensemble, except the live score's publications and revisions: the pilot is
published at the live score's first publication and keeps its own plan. Its deadlines fire
by the same tick policy as the live ones (`conductor.session.ticks`), but its ticks are not
appended to the log: the log stays the live truth. Its cues carry `pilot: true`, are stored
in their own table (`GET /cues?pilot=true`), counted with `pilot="true"`, and never reach
the outbox or a sink.
"""

from collections.abc import Iterable

from conductor.core.publication import publication_at_start
from conductor.metrics.instrument import record_cues
from conductor.metrics.registry import Metrics
from conductor.session.clock import Clock, now_of
from conductor.session.ensembles import Session
from conductor.session.ticks import due_tick
from schemas import Cue, Score
from schemas.events import Event, ScoreData, ScorePublished

SCORE_EVENTS = frozenset({"score.published", "score.revised"})


class Pilot:
    def __init__(self, score: Score, metrics: Metrics | None = None) -> None:
        self.score = score
        self.metrics = metrics
        self.session = Session()

    def fold(self, event: Event) -> list[Cue]:
        """The pilot's cues for one live event (none for another ensemble's)."""
        if event.ensemble != self.score.ensemble:
            return []
        if event.type in SCORE_EVENTS:
            if self.session.engines:
                return []
            event = ScorePublished(
                id=f"{event.id}:pilot",
                type="score.published",
                ensemble=event.ensemble,
                occurred_at=max(event.occurred_at, publication_at_start(self.score).occurred_at),
                source="pilot",
                data=ScoreData(score=self.score),
            )
        return self._flagged(self.session.apply(event).cues)

    def tick(self, clock: Clock) -> list[Cue]:
        """Fire the pilot's deadlines the clock has passed (its ticks are not logged)."""
        cues: list[Cue] = []
        for engine in self.session.engines.values():
            while (tick := due_tick(engine, now_of(clock, engine))) is not None:
                cues += self._flagged(engine.apply(tick).cues)
        return cues

    def replay(self, events: Iterable[Event]) -> None:
        """Rebuild the pilot from the log at start (its cues are already recorded)."""
        metrics, self.metrics = self.metrics, None
        try:
            for event in events:
                self.fold(event)
        finally:
            self.metrics = metrics

    def _flagged(self, cues: list[Cue]) -> list[Cue]:
        if not cues:
            return []
        flagged = [cue.model_copy(update={"pilot": True}) for cue in cues]
        engine = self.session.engines.get(self.score.ensemble)
        rollup = self.session.rollup(engine) if engine is not None else None
        if self.metrics is not None and rollup is not None:
            record_cues(self.metrics, rollup, flagged, pilot=True)
        return flagged
