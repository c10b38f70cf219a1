"""The score's own deadlines: the moment it begins and each cycle boundary. The rules answer
them through their `on_start` and `on_cycle` hooks, in their order."""

from enum import StrEnum

from conductor.core.effects import Effect, Timer
from conductor.core.hooks import NOTHING, Effects, Rule
from conductor.core.plan import Plan
from conductor.core.rules import registry
from conductor.core.state import EnsembleState


class RhythmDeadline(StrEnum):
    START = "start"
    CYCLE = "cycle"


def schedule_start(state: EnsembleState, plan: Plan) -> Effects:
    """On publication or revision: start now if the score has begun, else at its `starts`."""
    if state.now >= plan.start:
        return start(state, plan, None)
    return (Timer(at=plan.start, kind=RhythmDeadline.START),)


def start(state: EnsembleState, plan: Plan, timer: Timer | None) -> Effects:
    revision = state.started
    state.started = True
    effects: list[Effect] = []
    for rule in registry().rules:
        effects += rule.on_start(state, plan, revision)
    index = max(state.cycles_checked + 1, plan.first_boundary_from(state.now))
    effects += _boundary(plan, index)
    return effects


def cycle_boundary(state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
    """Each cycle: the rules' checks (pace, milestones behind, critical path, commitments)."""
    index = timer.stamp
    state.cycles_checked = index
    if all(milestone_id in state.reached for milestone_id in plan.milestones):
        return NOTHING
    effects: list[Effect] = []
    for rule in registry().rules:
        effects += rule.on_cycle(state, plan, index)
    effects += _boundary(plan, index + 1)
    return effects


def _boundary(plan: Plan, index: int) -> list[Timer]:
    """The timer of cycle `index`'s boundary, unless it is past the score's horizon."""
    at = plan.boundary(index)
    return [Timer(at=at, kind=RhythmDeadline.CYCLE, stamp=index)] if at <= plan.horizon else []


class Rhythm(Rule):
    """Not a cue rule: the keeper of the score's own two deadlines."""

    def on_deadline(self, state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
        if timer.kind is RhythmDeadline.START:
            return start(state, plan, timer)
        return cycle_boundary(state, plan, timer)


RHYTHM = Rhythm(
    name="rhythm",
    kinds=(),
    order=0,
    deadlines={RhythmDeadline.START: True, RhythmDeadline.CYCLE: True},
)
