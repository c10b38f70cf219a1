"""Measures of progress read from the state: remaining work, shares done and planned."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conductor.core.engine import EnsembleEngine


def remaining(engine: "EnsembleEngine", milestone_id: str) -> int:
    if milestone_id in engine.state.reached:
        return 0
    estimate = engine.plan.milestones[milestone_id].estimate
    return max(0, estimate - engine.state.done.get(milestone_id, 0))


def throughput(engine: "EnsembleEngine", section: str, first_day: int, last_day: int) -> int:
    per_day = engine.state.daily_done.get(section, {})
    return sum(per_day.get(day, 0) for day in range(first_day, last_day))


def planned_share(engine: "EnsembleEngine", milestone_id: str) -> float:
    plan = engine.plan
    begin = plan.planned_start(milestone_id)
    end = plan.milestones[milestone_id].due_end
    if end <= begin:
        return 1.0 if engine.state.now >= end else 0.0
    return min(1.0, max(0.0, (engine.state.now - begin) / (end - begin)))


def done_share(engine: "EnsembleEngine", milestone_id: str) -> float:
    if milestone_id in engine.state.reached:
        return 1.0
    estimate = engine.plan.milestones[milestone_id].estimate
    return min(1.0, engine.state.done.get(milestone_id, 0) / estimate)
