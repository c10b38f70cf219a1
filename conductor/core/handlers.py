"""One check and one fold per event type. Checks never mutate; folds never reject."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from conductor.core import experiments, progress
from conductor.core.outcome import Observation
from conductor.core.state import RECENT, Decision, Task
from schemas import events as ev

if TYPE_CHECKING:
    from conductor.core.engine import EnsembleEngine

Check = Callable[["EnsembleEngine", Any], str | None]
Fold = Callable[["EnsembleEngine", Any, int], None]


def _check_score(
    engine: "EnsembleEngine", event: ev.ScorePublished | ev.ScoreRevised
) -> str | None:
    if event.data.score.ensemble != event.ensemble:
        return (
            f"data.score.ensemble: the score is for {event.data.score.ensemble!r}, "
            f"the event for {event.ensemble!r}"
        )
    return None


def _check_milestone(
    engine: "EnsembleEngine", event: ev.TaskStarted | ev.TaskCompleted | ev.MilestoneReached
) -> str | None:
    milestone = event.data.milestone
    if milestone not in engine.plan.milestones:
        return f"data.milestone: unknown milestone {milestone!r}"
    return None


def _check_open_task(engine: "EnsembleEngine", event: ev.TaskBlocked) -> str | None:
    task = event.data.task
    if task in engine.state.tasks:
        return None
    if task in engine.state.completed_tasks:
        return f"data.task: task {task!r} is already completed"
    return f"data.task: unknown task {task!r} (no task.started for it)"


def _check_cadence(engine: "EnsembleEngine", event: ev.CeremonyHeld) -> str | None:
    if event.data.cadence not in engine.plan.cadences:
        return f"data.cadence: unknown cadence {event.data.cadence!r}"
    return None


def _check_decision_requested(engine: "EnsembleEngine", event: ev.DecisionRequested) -> str | None:
    if event.data.role not in engine.plan.section_of_role:
        return f"data.role: unknown role {event.data.role!r}"
    return None


def _check_decision_made(engine: "EnsembleEngine", event: ev.DecisionMade) -> str | None:
    if event.data.decision not in engine.state.decisions:
        return f"data.decision: no open decision {event.data.decision!r}"
    return None


def _check_experiment(engine: "EnsembleEngine", event: ev.ExperimentStarted) -> str | None:
    if event.data.experiment not in engine.plan.experiments:
        return f"data.experiment: unknown experiment {event.data.experiment!r}"
    return None


def _accept(engine: "EnsembleEngine", event: Any) -> str | None:
    return None


def _fold_score(engine: "EnsembleEngine", event: ev.ScorePublished, at: int) -> None:
    engine.state.score_event = event.id
    engine.set_plan(event.data.score)
    progress.schedule_start(engine)


def _fold_task_started(engine: "EnsembleEngine", event: ev.TaskStarted, at: int) -> None:
    state, data = engine.state, event.data
    task = data.task
    if task in state.tasks or task in state.completed_tasks:
        return
    milestone = data.milestone
    section = engine.plan.milestones[milestone].section
    state.tasks[task] = Task(milestone, section, at)
    wip = state.wip
    wip[section] = wip.get(section, 0) + 1
    progress.check_wip(engine, section, event.id)


def _fold_task_completed(engine: "EnsembleEngine", event: ev.TaskCompleted, at: int) -> None:
    state, plan, data = engine.state, engine.plan, event.data
    task_id = data.task
    completed = state.completed_tasks
    if task_id in completed:
        return
    completed.add(task_id)
    milestone = data.milestone
    section = plan.milestones[milestone].section
    task = state.tasks.pop(task_id, None)
    if task is not None:
        wip, task_section = state.wip, task.section
        open_tasks = wip[task_section] - 1
        wip[task_section] = open_tasks
        if open_tasks <= plan.wip_limit.get(task_section, open_tasks):
            state.over_wip.discard(task_section)
        cycle_time = max(0, at - task.started)
        recent = state.cycle_times.get(section)
        if recent is None:
            recent = state.cycle_times[section] = []
        recent.append(cycle_time)
        if len(recent) > RECENT:
            del recent[0]
        engine.observations.append(Observation("cycle_time_seconds", section, cycle_time))
    done = state.done
    done[milestone] = done.get(milestone, 0) + 1
    day = max(0, plan.day_index(at))
    per_day = state.daily_done.get(section)
    if per_day is None:
        per_day = state.daily_done[section] = {}
    per_day[day] = per_day.get(day, 0) + 1
    state.last_progress_event = event.id


def _fold_task_blocked(engine: "EnsembleEngine", event: ev.TaskBlocked, at: int) -> None:
    task = engine.state.tasks[event.data.task]
    if task.blocked_since is not None:
        return
    task.blocked_since = at
    task.blocked_by_event = event.id
    engine.schedule(at + engine.plan.blocker_hold, "hold-task", event.data.task, at)


def _fold_task_unblocked(engine: "EnsembleEngine", event: ev.TaskUnblocked, at: int) -> None:
    task = engine.state.tasks[event.data.task]
    task.blocked_since = None
    task.blocked_by_event = None


def _fold_milestone_reached(engine: "EnsembleEngine", event: ev.MilestoneReached, at: int) -> None:
    state, milestone = engine.state, event.data.milestone
    if milestone in state.reached:
        return
    state.reached[milestone] = at
    state.behind.discard(milestone)
    state.last_progress_event = event.id
    if state.started:
        progress.enter_ready(engine, [event.id])
        progress.check_critical_path(engine)


def _fold_ceremony(engine: "EnsembleEngine", event: ev.CeremonyHeld, at: int) -> None:
    held = engine.state.ceremonies.setdefault(event.data.cadence, [])
    held.append(at)
    if len(held) > 16:
        del held[0]


def _fold_decision_requested(
    engine: "EnsembleEngine", event: ev.DecisionRequested, at: int
) -> None:
    decisions = engine.state.decisions
    if event.data.decision in decisions:
        return
    decisions[event.data.decision] = Decision(at, event.data.role, event.id)
    engine.schedule(at + engine.plan.decision_latency, "hold-decision", event.data.decision, at)


def _fold_decision_made(engine: "EnsembleEngine", event: ev.DecisionMade, at: int) -> None:
    state = engine.state
    decision = state.decisions.pop(event.data.decision)
    latency = max(0, at - decision.requested)
    state.decision_latencies.append(latency)
    if len(state.decision_latencies) > RECENT:
        del state.decision_latencies[0]
    section = engine.plan.section_of_role.get(decision.role)  # a revision may drop the role
    engine.observations.append(Observation("decision_latency_seconds", section, latency))


def _fold_concern(engine: "EnsembleEngine", event: ev.ConcernRaised, at: int) -> None:
    concerns = engine.state.concerns
    severity = event.data.severity.value
    concerns[severity] = concerns.get(severity, 0) + 1


def _fold_tick(engine: "EnsembleEngine", event: ev.ClockTick, at: int) -> None:
    """Deadlines up to the tick already fired before the fold."""


HANDLERS: dict[str, tuple[Check, Fold]] = {
    "score.published": (_check_score, _fold_score),
    "score.revised": (_check_score, _fold_score),
    "task.started": (_check_milestone, _fold_task_started),
    "task.completed": (_check_milestone, _fold_task_completed),
    "task.blocked": (_check_open_task, _fold_task_blocked),
    "task.unblocked": (_check_open_task, _fold_task_unblocked),
    "milestone.reached": (_check_milestone, _fold_milestone_reached),
    "ceremony.held": (_check_cadence, _fold_ceremony),
    "decision.requested": (_check_decision_requested, _fold_decision_requested),
    "decision.made": (_check_decision_made, _fold_decision_made),
    "concern.raised": (_accept, _fold_concern),
    "experiment.started": (_check_experiment, experiments.started),
    "experiment.assessed": (_check_experiment, experiments.assessed),
    "experiment.stopped": (_check_experiment, experiments.stopped),
    "clock.tick": (_accept, _fold_tick),
}
"""Per event type: the check (why the event cannot be applied, naming the field, or None)
and the fold."""
