"""The conducting engine: folds one ensemble's events, fires its deadlines, returns cues.

Time is an input: the engine's clock is the later of the newest event's `occurred_at` and
the newest tick. Before an event is applied, every deadline strictly before its time fires;
a `clock.tick` fires every deadline up to and including its time. The engine never reads
the wall clock and draws randomness only from generators seeded by the log.
"""

import heapq
from collections.abc import Callable
from datetime import datetime
from typing import Any

from conductor.core import cadence, cues, progress
from conductor.core.handlers import HANDLERS
from conductor.core.outcome import Observation, Outcome
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from conductor.core.timeutil import to_datetime, to_epoch
from schemas import Cue, Score
from schemas.events import ClockTick, Event

TimerHandler = Callable[["EnsembleEngine", list[Any]], None]

_TIMERS: dict[str, TimerHandler] = {
    "start": lambda engine, args: progress.start(engine),
    "remind": lambda engine, args: cadence.remind(engine, args[0], args[1]),
    "missed": lambda engine, args: cadence.check_missed(engine, args[0], args[1]),
    "hold-task": lambda engine, args: progress.hold_task(engine, args[0], args[1]),
    "hold-decision": lambda engine, args: progress.hold_decision(engine, args[0], args[1]),
    "cycle": lambda engine, args: progress.cycle_boundary(engine, args[0]),
    "digest": lambda engine, args: cues.send_digest(engine, args[0]),
}
_GENERATIONAL = frozenset({"start", "remind", "missed", "cycle"})
"""Timers derived from the score: a revision replaces them."""


class EnsembleEngine:
    """One ensemble's fold. Owns its state; `apply` and `advance` return the cues they caused."""

    __slots__ = ("cues", "observations", "plan", "state")

    def __init__(self, state: EnsembleState) -> None:
        self.state = state
        self.cues: list[Cue] = []
        self.observations: list[Observation] = []
        if state.score is not None:
            self.plan = Plan(Score.model_validate(state.score))

    @classmethod
    def new(cls, ensemble: str) -> "EnsembleEngine":
        return cls(EnsembleState(ensemble=ensemble))

    plan: Plan
    """The compiled score; set once a score is published (`has_score`). An attribute, not a
    property: the fold reads it several times per event."""

    @property
    def has_score(self) -> bool:
        return self.state.score is not None

    def set_plan(self, score: Score) -> None:
        self.plan = Plan(score)
        self.state.score = score.model_dump(mode="json")
        self.state.generation += 1

    def apply(self, event: Event) -> Outcome:
        """Fold one event: reject it, ignore it as a duplicate, or apply it and fire deadlines."""
        state = self.state
        event_id = event.id
        if event_id in state.seen:
            return Outcome(event_id, duplicate=True)
        ensemble = event.ensemble
        if ensemble != state.ensemble:
            reason = f"ensemble: event is for {ensemble!r}, not {state.ensemble!r}"
            return Outcome(event_id, rejection=reason)
        kind = event.type
        if state.score is None and kind != "score.published":
            reason = f"ensemble: no score has been published for {ensemble!r} yet"
            return Outcome(event_id, rejection=reason)
        check, fold = HANDLERS[kind]
        rejection = check(self, event)
        if rejection is not None:
            return Outcome(event_id, rejection=rejection)
        at = to_epoch(event.occurred_at)
        cues: list[Cue] = []
        observations: list[Observation] = []
        self.cues, self.observations = cues, observations
        timers = state.timers
        if timers and timers[0][0] <= at:
            self._fire_timers(at, inclusive=kind == "clock.tick")
        if at > state.now:
            state.now = at
        fold(self, event, at)
        state.seen.add(event_id)
        state.accepted += 1
        return Outcome(event_id, cues=cues, observations=observations)

    def advance(self, until: datetime) -> list[Cue]:
        """Fire every deadline up to `until` without recording a tick (rehearsal's end)."""
        self.cues = []
        at = to_epoch(until)
        self._fire_timers(at, inclusive=True)
        if at > self.state.now:
            self.state.now = at
        return self.cues

    def next_deadline(self) -> datetime | None:
        """The next instant at which a cue could become due; a runtime ticks then."""
        timers = self.state.timers
        while timers and not self._live(timers[0]):
            heapq.heappop(timers)
        return to_datetime(timers[0][0]) if timers else None

    def schedule(self, at: int, kind: str, *args: Any) -> None:
        state = self.state
        state.timer_seq += 1
        heapq.heappush(state.timers, [at, state.timer_seq, kind, state.generation, *args])

    def _live(self, timer: list[Any]) -> bool:
        return timer[2] not in _GENERATIONAL or timer[3] == self.state.generation

    def _fire_timers(self, at: int, inclusive: bool) -> None:
        timers = self.state.timers
        while timers and (timers[0][0] < at or (inclusive and timers[0][0] == at)):
            timer = heapq.heappop(timers)
            if not self._live(timer):
                continue
            if timer[0] > self.state.now:
                self.state.now = timer[0]
            _TIMERS[timer[2]](self, timer[4:])


def tick_for(ensemble: str, at: datetime) -> ClockTick:
    """The `clock.tick` a runtime appends when the wall clock reaches a deadline."""
    instant = to_epoch(at)
    return _validate_tick(
        {
            "id": f"tick:{ensemble}:{instant}",
            "type": "clock.tick",
            "ensemble": ensemble,
            "occurred_at": to_datetime(instant),
            "source": "conductor",
        }
    )


_validate_tick: Callable[[dict[str, Any]], ClockTick] = (
    ClockTick.__pydantic_validator__.validate_python
)
"""`ClockTick(...)` without the Python wrapper of a model's `__init__` (half its cost)."""
