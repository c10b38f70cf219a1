"""Rehearsal: replay a log against a score and collect the cues that would have fired."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from conductor.core.ensembles import Ensembles
from conductor.core.outcome import Outcome
from conductor.core.timeutil import local_midnight, to_datetime
from schemas import Cue, Score
from schemas.events import Event, ScoreData, ScorePublished


def publication_at_start(score: Score) -> ScorePublished:
    """The `score.published` a rehearsal assumes when the log does not publish the score."""
    at = local_midnight(score.starts, ZoneInfo(score.timezone))
    return ScorePublished(
        id=f"{score.score}:published",
        type="score.published",
        ensemble=score.ensemble,
        occurred_at=to_datetime(at),
        source="rehearsal",
        data=ScoreData(score=score),
    )


@dataclass
class Rehearsal:
    """Feed validated events in log order, then `finish`; cues come out in time order, and
    ensemble by ensemble at the same instant (so that a log folded in shards of ensembles
    merges into the same order)."""

    score: Score | None = None
    ensembles: Ensembles = field(default_factory=Ensembles)
    cues: list[Cue] = field(default_factory=list)
    rejected: list[Outcome] = field(default_factory=list)
    latest: datetime | None = None
    _published: bool = False

    def feed(self, event: Event) -> Outcome:
        if self.score is not None and not self._published and event.ensemble == self.score.ensemble:
            self._published = True
            if event.type != "score.published":
                self._record(self.ensembles.apply(publication_at_start(self.score)))
        if self.latest is None or event.occurred_at > self.latest:
            self.latest = event.occurred_at
        outcome = self.ensembles.apply(event)
        self._record(outcome)
        return outcome

    def finish(self, until: datetime | None = None) -> list[Cue]:
        """Tick through every deadline up to `until` (default: the newest event)."""
        if self.score is not None and not self._published:
            self._published = True
            self._record(self.ensembles.apply(publication_at_start(self.score)))
        end = until or self.latest
        if end is not None:
            self.cues.extend(self.ensembles.advance(end))
        return sorted(self.cues, key=lambda cue: (cue.at, cue.ensemble))

    def _record(self, outcome: Outcome) -> None:
        self.cues.extend(outcome.cues)
        if outcome.rejection is not None:
            self.rejected.append(outcome)
