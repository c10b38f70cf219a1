"""The conducting engine: folds one ensemble's events, fires its deadlines, returns cues.

Time is an input: the engine's clock is the later of the newest event's `occurred_at` and
the newest tick. Before an event is applied, every deadline strictly before its time fires;
a `clock.tick` fires every deadline up to and including its time. The engine never reads
the wall clock and draws randomness only from generators seeded by the log.

The engine applies what the rules return (`conductor.core.effects`): cue drafts go through
the daily budget and become cues, timers join the deadline heap, observations are reported.
"""

import heapq
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any, cast

from conductor.core import rhythm
from conductor.core.answers import ACTIONS, followed, note_cue
from conductor.core.cues import build_cue, draft_id
from conductor.core.effects import CueDraft, Effect, Observation, Timer
from conductor.core.handlers import HANDLERS, Check, Fold
from conductor.core.hooks import Rule
from conductor.core.outcome import Outcome
from conductor.core.plan import Plan
from conductor.core.problem import Problem
from conductor.core.rules import Deadline, budget, deadlines_of, registry
from conductor.core.state import EnsembleState, TimerEntry
from conductor.core.timeutil import to_datetime, to_epoch
from schemas import Cue, CueKind, Score
from schemas.events import ClockTick, Event, ScorePublished
from schemas.score import HORIZON_MARGIN


def unpublished(ensemble: str) -> Problem:
    """Why an event of an ensemble without a score is refused (by every runtime alike)."""
    return Problem("ensemble", f"no score has been published for {ensemble!r} yet")


@cache
def _timers() -> tuple[dict[str, Deadline], dict[str, StrEnum]]:
    return deadlines_of((rhythm.RHYTHM, *registry().rules))


SCORE_EVENTS = frozenset({"score.published", "score.revised"})


def after_horizon(score: Score, event: Event) -> Problem:
    """Why an event after the score's horizon is refused: nothing it could fire is planned."""
    return Problem(
        "occurred_at",
        f"{event.occurred_at.isoformat()} is after the score's horizon ({score.horizon()}, "
        f"{HORIZON_MARGIN.days} days after its last due or commitment date): revise the score "
        "to extend it",
    )


@cache
def _steps() -> dict[str, tuple[Check, Fold, tuple[Rule, ...], bool, bool]]:
    """Per event type, in one lookup: its check, its fold, the rules that answer it, whether
    it carries a score the engine adopts first, and whether it can be the action a cue asked
    for (`conductor.core.answers`)."""
    on_event = registry().on_event
    return {
        kind: (check, fold, on_event.get(kind, ()), kind in SCORE_EVENTS, kind in ACTIONS)
        for kind, (check, fold) in HANDLERS.items()
    }


def deadlines() -> dict[str, Deadline]:
    """Every kind of timer: the score's rhythm and each rule's own."""
    return _timers()[0]


def deadline_kinds() -> dict[str, StrEnum]:
    return _timers()[1]


class EnsembleEngine:
    """One ensemble's fold. Owns its state; `apply` and `advance` return the cues they caused."""

    __slots__ = ("_deadlines", "_steps", "cues", "observations", "plan", "state")

    def __init__(self, state: EnsembleState) -> None:
        self.state = state
        self.cues: list[Cue] = []
        self.observations: list[Observation] = []
        self._deadlines = deadlines()
        self._steps = _steps()
        if state.score is not None:
            self.plan = Plan(Score.model_validate(state.score))

    @classmethod
    def new(cls, ensemble: str) -> "EnsembleEngine":
        return cls(EnsembleState(ensemble=ensemble))

    @classmethod
    def restore(cls, data: dict[str, Any]) -> "EnsembleEngine":
        """The engine of a state saved with `state.to_dict()` (or its JSON)."""
        return cls(EnsembleState.from_dict(data, deadline_kinds()))

    plan: Plan
    """The compiled score; set once a score is published (`has_score`). An attribute, not a
    property: the fold reads it several times per event."""

    @property
    def has_score(self) -> bool:
        return self.state.score is not None

    def apply(self, event: Event) -> Outcome:
        """Fold one event: reject it, ignore it as a duplicate, or apply it and fire deadlines.

        (Events are told apart by their `type`, never by `isinstance`: pydantic's model
        metaclass answers `isinstance` in Python, a microsecond a check.)"""
        state = self.state
        event_id = event.id
        if event_id in state.seen:
            return Outcome(event_id, duplicate=True)
        ensemble = event.ensemble
        if ensemble != state.ensemble:
            elsewhere = Problem("ensemble", f"event is for {ensemble!r}, not {state.ensemble!r}")
            return Outcome(event_id, rejection=elsewhere)
        kind = event.type
        has_score = state.score is not None
        if not has_score and kind != "score.published":
            return Outcome(event_id, rejection=unpublished(ensemble))
        check, fold, rules, scored, answers = self._steps[kind]
        problem = check(state, self.plan if has_score else None, event)
        if problem is not None:
            return Outcome(event_id, rejection=problem)
        at = to_epoch(event.occurred_at)
        if not scored and at > self.plan.horizon:
            return Outcome(event_id, rejection=after_horizon(self.plan.score, event))
        self.cues, self.observations = [], []
        timers = state.timers
        if timers and timers[0][0] <= at:
            self._fire_timers(at, inclusive=kind == "clock.tick")
        if at > state.now:
            state.now = at
        if scored:
            self._adopt(cast(ScorePublished, event).data.score)
        plan = self.plan
        measured = fold(state, plan, event, at)
        if measured is not None:
            if measured:
                self.observations.extend(measured)
            if answers and state.awaiting:
                followed(state, event, at)
            for rule in rules:
                effects = rule.on_event(state, plan, event, at)
                if effects:
                    self._apply_effects(effects)
            if scored:
                self._apply_effects(rhythm.schedule_start(state, plan))
        state.seen.add(event_id)
        state.accepted += 1
        return Outcome(event_id, cues=self.cues, observations=self.observations)

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

    def _adopt(self, score: Score) -> None:
        """A published or revised score becomes the plan; timers from the old one lapse."""
        self.plan = Plan(score)
        self.state.score = score.model_dump(mode="json")
        self.state.generation += 1

    def _apply_effects(self, effects: Iterable[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, CueDraft):
                self._emit(effect)
            elif isinstance(effect, Timer):
                self._schedule(effect)
            else:
                self.observations.append(effect)

    def _emit(self, draft: CueDraft) -> None:
        """Send the cue, or fold it into its recipient's digest once the day's budget is spent
        (a digest itself is never budgeted)."""
        state = self.state
        if draft.kind is not CueKind.DIGEST:
            admitted = budget.admit(state, self.plan, draft)
            if isinstance(admitted, Timer):
                self._schedule(admitted)
                return
            if not admitted:
                return
        identifier = draft_id(state.ensemble, draft)
        plan = self.plan
        now = state.now
        quiet = plan.quiet
        delivered = now if quiet is None else quiet.release(now)
        self.cues.append(build_cue(draft, identifier, state.ensemble, plan, now, delivered))
        note_cue(state, identifier, draft, delivered)

    def _schedule(self, timer: Timer) -> None:
        state = self.state
        state.timer_seq += 1
        heapq.heappush(state.timers, (timer.at, state.timer_seq, state.generation, timer))

    def _live(self, entry: TimerEntry) -> bool:
        """A timer derived from the score lapses when a revision replaces the score."""
        return not self._deadlines[entry[3].kind].from_score or entry[2] == self.state.generation

    def _fire_timers(self, at: int, inclusive: bool) -> None:
        state = self.state
        timers = state.timers
        while timers and (timers[0][0] < at or (inclusive and timers[0][0] == at)):
            entry = heapq.heappop(timers)
            deadline = self._deadlines[entry[3].kind]
            if deadline.from_score and entry[2] != state.generation:
                continue
            if entry[0] > state.now:
                state.now = entry[0]
            self._apply_effects(deadline.rule.on_deadline(state, self.plan, entry[3]))


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
