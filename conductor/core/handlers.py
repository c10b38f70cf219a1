"""One check and one fold per event type. Checks never mutate; folds never reject.

A fold records the event's facts in the state and returns the measurements it made, or None
when the event changed nothing (a repeat): only then do the rules answering that event type
not run. Score events are adopted by the engine first (it owns the plan)."""

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from conductor.core.answers import CUES_REMEMBERED, acknowledge, snooze
from conductor.core.effects import Measure, Observation
from conductor.core.plan import Plan
from conductor.core.problem import Problem
from conductor.core.state import RECENT, Decision, EnsembleState, Task
from conductor.core.timeutil import local_midnight, to_epoch
from schemas import events as ev

Check = Callable[[EnsembleState, Plan | None, Any], Problem | None]
Fold = Callable[[EnsembleState, Plan, Any, int], Sequence[Observation] | None]

ONE_DAY = timedelta(days=1)
APPLIED: Sequence[Observation] = ()
"""A fold's answer when the event took effect and measured nothing."""

CEREMONIES_KEPT = 16
"""Held ceremonies remembered per cadence. An occurrence counts as held if any remembered
ceremony lies within its grace, and ceremonies are reported late and out of order (yesterday's
stand-up posted after today's, before today's check): the check looks through the last few,
not only the newest. Sixteen cover the late reports of a busy cadence and bound the state."""


def _check_score(
    state: EnsembleState, plan: Plan | None, event: ev.ScorePublished | ev.ScoreRevised
) -> Problem | None:
    score = event.data.score
    if score.ensemble != event.ensemble:
        return Problem(
            "data.score.ensemble",
            f"the score is for {score.ensemble!r}, the event for {event.ensemble!r}",
        )
    horizon = score.horizon()
    if to_epoch(event.occurred_at) >= local_midnight(horizon + ONE_DAY, ZoneInfo(score.timezone)):
        return Problem(
            "occurred_at",
            f"{event.occurred_at.isoformat()} is after the horizon of the score it publishes "
            f"({horizon})",
        )
    return None


def _check_milestone(
    state: EnsembleState,
    plan: Plan | None,
    event: ev.TaskStarted | ev.TaskCompleted | ev.MilestoneReached,
) -> Problem | None:
    assert plan is not None
    milestone = event.data.milestone
    if milestone not in plan.milestones:
        return Problem("data.milestone", f"unknown milestone {milestone!r}")
    return None


def _check_open_task(
    state: EnsembleState,
    plan: Plan | None,
    event: ev.TaskBlocked | ev.TaskUnblocked | ev.TaskDropped,
) -> Problem | None:
    task = event.data.task
    if task in state.tasks:
        return None
    if task in state.completed_tasks:
        return Problem("data.task", f"task {task!r} is already completed")
    return Problem("data.task", f"unknown task {task!r} (no task.started for it)")


def _check_cadence(
    state: EnsembleState, plan: Plan | None, event: ev.CeremonyHeld
) -> Problem | None:
    assert plan is not None
    if event.data.cadence not in plan.cadences:
        return Problem("data.cadence", f"unknown cadence {event.data.cadence!r}")
    return None


def _check_decision_requested(
    state: EnsembleState, plan: Plan | None, event: ev.DecisionRequested
) -> Problem | None:
    assert plan is not None
    if event.data.role not in plan.section_of_role:
        return Problem("data.role", f"unknown role {event.data.role!r}")
    return None


def _check_decision_made(
    state: EnsembleState, plan: Plan | None, event: ev.DecisionMade
) -> Problem | None:
    if event.data.decision not in state.decisions:
        return Problem("data.decision", f"no open decision {event.data.decision!r}")
    return None


def _check_experiment(
    state: EnsembleState,
    plan: Plan | None,
    event: ev.ExperimentStarted | ev.ExperimentAssessed | ev.ExperimentStopped,
) -> Problem | None:
    assert plan is not None
    if event.data.experiment not in plan.experiments:
        return Problem("data.experiment", f"unknown experiment {event.data.experiment!r}")
    return None


def _check_cue(
    state: EnsembleState, plan: Plan | None, event: ev.CueAcknowledged | ev.CueSnoozed
) -> Problem | None:
    cue = event.data.cue
    if cue not in state.cue_records:
        return Problem(
            "data.cue",
            f"unknown cue {cue!r}: not one of the {CUES_REMEMBERED} newest cues of "
            f"{state.ensemble!r}",
        )
    return None


def _check_snooze(state: EnsembleState, plan: Plan | None, event: ev.CueSnoozed) -> Problem | None:
    if event.data.until <= event.occurred_at:
        return Problem("data.until", "must be later than occurred_at")
    return _check_cue(state, plan, event)


def _accept(state: EnsembleState, plan: Plan | None, event: Any) -> Problem | None:
    return None


def _fold_score(
    state: EnsembleState, plan: Plan, event: ev.ScorePublished, at: int
) -> Sequence[Observation]:
    state.score_event = event.id
    return APPLIED


def _fold_task_started(
    state: EnsembleState, plan: Plan, event: ev.TaskStarted, at: int
) -> Sequence[Observation] | None:
    data = event.data
    task = data.task
    if task in state.tasks or task in state.completed_tasks:
        return None
    section = plan.milestones[data.milestone].section
    state.tasks[task] = Task(data.milestone, section, at)
    wip = state.wip
    wip[section] = wip.get(section, 0) + 1
    return APPLIED


def _fold_task_completed(
    state: EnsembleState, plan: Plan, event: ev.TaskCompleted, at: int
) -> Sequence[Observation] | None:
    data = event.data
    task_id = data.task
    completed = state.completed_tasks
    if task_id in completed:
        return None
    completed.add(task_id)
    milestone = data.milestone
    section = plan.milestones[milestone].section
    measured = APPLIED
    task = state.tasks.pop(task_id, None)
    if task is not None:
        state.wip[task.section] -= 1
        cycle_time = max(0, at - task.started)
        recent = state.cycle_times.get(section)
        if recent is None:
            recent = state.cycle_times[section] = []
        recent.append(cycle_time)
        if len(recent) > RECENT:
            del recent[0]
        measured = (Observation(Measure.CYCLE_TIME, section, cycle_time),)
    done = state.done
    done[milestone] = done.get(milestone, 0) + 1
    day = max(0, plan.day_index(at))
    per_day = state.daily_done.get(section)
    if per_day is None:
        per_day = state.daily_done[section] = {}
    per_day[day] = per_day.get(day, 0) + 1
    state.last_progress_event = event.id
    return measured


def _fold_task_blocked(
    state: EnsembleState, plan: Plan, event: ev.TaskBlocked, at: int
) -> Sequence[Observation] | None:
    task = state.tasks[event.data.task]
    if task.blocked_since is not None:
        return None
    task.blocked_since = at
    task.blocked_by_event = event.id
    return APPLIED


def _fold_task_unblocked(
    state: EnsembleState, plan: Plan, event: ev.TaskUnblocked, at: int
) -> Sequence[Observation]:
    task = state.tasks[event.data.task]
    task.blocked_since = None
    task.blocked_by_event = None
    return APPLIED


def _fold_task_dropped(
    state: EnsembleState, plan: Plan, event: ev.TaskDropped, at: int
) -> Sequence[Observation]:
    """Out of the work in progress, with no work done and no cycle time; a task started
    again afterwards (an issue reopened) is a new piece of work in progress."""
    task = state.tasks.pop(event.data.task)
    state.wip[task.section] -= 1
    return APPLIED


def _fold_milestone_reached(
    state: EnsembleState, plan: Plan, event: ev.MilestoneReached, at: int
) -> Sequence[Observation] | None:
    milestone = event.data.milestone
    if milestone in state.reached:
        return None
    state.reached[milestone] = at
    state.last_progress_event = event.id
    return APPLIED


def _fold_ceremony(
    state: EnsembleState, plan: Plan, event: ev.CeremonyHeld, at: int
) -> Sequence[Observation]:
    held = state.ceremonies.setdefault(event.data.cadence, [])
    held.append(at)
    if len(held) > CEREMONIES_KEPT:
        del held[0]
    return APPLIED


def _fold_decision_requested(
    state: EnsembleState, plan: Plan, event: ev.DecisionRequested, at: int
) -> Sequence[Observation] | None:
    decisions = state.decisions
    if event.data.decision in decisions:
        return None
    decisions[event.data.decision] = Decision(at, event.data.role, event.id)
    return APPLIED


def _fold_decision_made(
    state: EnsembleState, plan: Plan, event: ev.DecisionMade, at: int
) -> Sequence[Observation]:
    decision = state.decisions.pop(event.data.decision)
    latency = max(0, at - decision.requested)
    state.decision_latencies.append(latency)
    if len(state.decision_latencies) > RECENT:
        del state.decision_latencies[0]
    section = plan.section_of_role.get(decision.role)  # a revision may drop the role
    return (Observation(Measure.DECISION_LATENCY, section, latency),)


def _fold_concern(
    state: EnsembleState, plan: Plan, event: ev.ConcernRaised, at: int
) -> Sequence[Observation]:
    severity = event.data.severity.value
    state.concerns[severity] = state.concerns.get(severity, 0) + 1
    return APPLIED


def _fold_experiment_started(
    state: EnsembleState, plan: Plan, event: ev.ExperimentStarted, at: int
) -> Sequence[Observation]:
    state.experiments[event.data.experiment] = "running"
    return APPLIED


def _fold_experiment_stopped(
    state: EnsembleState, plan: Plan, event: ev.ExperimentStopped, at: int
) -> Sequence[Observation]:
    state.experiments[event.data.experiment] = "stopped"
    return APPLIED


def _fold_experiment_assessed(
    state: EnsembleState, plan: Plan, event: ev.ExperimentAssessed, at: int
) -> Sequence[Observation]:
    """Keeps the last three assessments (what the `retire` rule judges)."""
    experiment = event.data.experiment
    state.experiments.setdefault(experiment, "running")
    recent = state.assessments.setdefault(experiment, [])
    recent.append([event.data.life, event.data.momentum])
    del recent[:-3]
    return APPLIED


def _fold_tick(
    state: EnsembleState, plan: Plan, event: ev.ClockTick, at: int
) -> Sequence[Observation]:
    """Deadlines up to the tick already fired before the fold."""
    return APPLIED


def _fold_acknowledged(
    state: EnsembleState, plan: Plan, event: ev.CueAcknowledged, at: int
) -> Sequence[Observation] | None:
    return APPLIED if acknowledge(state, event.data.cue, at) else None


def _fold_snoozed(
    state: EnsembleState, plan: Plan, event: ev.CueSnoozed, at: int
) -> Sequence[Observation] | None:
    return APPLIED if snooze(state, event.data.cue, to_epoch(event.data.until), at) else None


HANDLERS: dict[str, tuple[Check, Fold]] = {
    "score.published": (_check_score, _fold_score),
    "score.revised": (_check_score, _fold_score),
    "task.started": (_check_milestone, _fold_task_started),
    "task.completed": (_check_milestone, _fold_task_completed),
    "task.blocked": (_check_open_task, _fold_task_blocked),
    "task.unblocked": (_check_open_task, _fold_task_unblocked),
    "task.dropped": (_check_open_task, _fold_task_dropped),
    "milestone.reached": (_check_milestone, _fold_milestone_reached),
    "ceremony.held": (_check_cadence, _fold_ceremony),
    "decision.requested": (_check_decision_requested, _fold_decision_requested),
    "decision.made": (_check_decision_made, _fold_decision_made),
    "concern.raised": (_accept, _fold_concern),
    "experiment.started": (_check_experiment, _fold_experiment_started),
    "experiment.assessed": (_check_experiment, _fold_experiment_assessed),
    "experiment.stopped": (_check_experiment, _fold_experiment_stopped),
    "clock.tick": (_accept, _fold_tick),
    "cue.acknowledged": (_check_cue, _fold_acknowledged),
    "cue.snoozed": (_check_snooze, _fold_snoozed),
}
"""Per event type: the check (why the event cannot be applied, naming the field, or None)
and the fold."""
