"""Measures of progress read from the state: remaining work, shares done and planned."""

from conductor.core.plan import Plan
from conductor.core.state import EnsembleState


def remaining(state: EnsembleState, plan: Plan, milestone_id: str) -> int:
    if milestone_id in state.reached:
        return 0
    estimate = plan.milestones[milestone_id].estimate
    return max(0, estimate - state.done.get(milestone_id, 0))


def throughput(state: EnsembleState, section: str, first_day: int, last_day: int) -> int:
    per_day = state.daily_done.get(section, {})
    return sum(per_day.get(day, 0) for day in range(first_day, last_day))


def planned_share(state: EnsembleState, plan: Plan, milestone_id: str) -> float:
    begin = plan.planned_start(milestone_id)
    end = plan.milestones[milestone_id].due_end
    if end <= begin:
        return 1.0 if state.now >= end else 0.0
    return min(1.0, max(0.0, (state.now - begin) / (end - begin)))


def done_share(state: EnsembleState, plan: Plan, milestone_id: str) -> float:
    if milestone_id in state.reached:
        return 1.0
    estimate = plan.milestones[milestone_id].estimate
    return min(1.0, state.done.get(milestone_id, 0) / estimate)
