"""Work rules: entry, WIP and pace (`tempo`), holds, the critical path and falling behind."""

from datetime import datetime
from typing import TYPE_CHECKING

from conductor.core import cadence, forecast
from conductor.core.cues import emit, progress_causes
from conductor.core.measures import done_share, planned_share, remaining, throughput
from schemas import CueKind, Severity

if TYPE_CHECKING:
    from conductor.core.engine import EnsembleEngine

BEHIND_MARGIN = 0.25
"""A milestone is behind when its done share trails the planned share by more than this."""


def schedule_start(engine: "EnsembleEngine") -> None:
    """On publication or revision: start now if the score has begun, else at its `starts`."""
    state, plan = engine.state, engine.plan
    if state.now >= plan.start:
        start(engine)
    else:
        engine.schedule(plan.start, "start")


def start(engine: "EnsembleEngine") -> None:
    state, plan = engine.state, engine.plan
    revision = state.started
    state.started = True
    enter_ready(engine, progress_causes(engine))
    cadence.schedule_from(engine, revision)
    index = max(state.cycles_checked + 1, plan.first_boundary_from(state.now))
    engine.schedule(plan.boundary(index), "cycle", index)
    state.critical_path = critical_path(engine)


def enter_ready(engine: "EnsembleEngine", caused_by: list[str]) -> None:
    """`entry` for every milestone whose dependencies are all reached and that has not entered."""
    state, plan = engine.state, engine.plan
    for milestone_id in plan.order:
        if milestone_id in state.entered or milestone_id in state.reached:
            continue
        milestone = plan.milestones[milestone_id]
        if not all(dep in state.reached for dep in milestone.depends_on):
            continue
        state.entered.add(milestone_id)
        if milestone.depends_on:
            deps = ", ".join(milestone.depends_on)
            reason = f"'{milestone.title}' can start: its dependencies ({deps}) are reached."
        else:
            reason = (
                f"'{milestone.title}' can start: it depends on nothing and the score has begun."
            )
        emit(
            engine,
            CueKind.ENTRY,
            f"role:{milestone.owner}",
            milestone_id,
            "entry",
            Severity.INFO,
            reason,
            caused_by,
        )


def check_wip(engine: "EnsembleEngine", section: str, event_id: str) -> None:
    state, plan = engine.state, engine.plan
    limit = plan.wip_limit.get(section)
    if limit is None or state.wip[section] <= limit or section in state.over_wip:
        return
    state.over_wip.add(section)
    reason = (
        f"Section '{section}' now has {state.wip[section]} tasks in progress, over its WIP limit "
        f"of {limit}: finish something before starting more."
    )
    emit(
        engine,
        CueKind.TEMPO,
        f"section:{section}",
        section,
        f"wip@{state.now}",
        Severity.WARN,
        reason,
        [event_id],
    )


def hold_task(engine: "EnsembleEngine", task_id: str, since: int) -> None:
    state, plan = engine.state, engine.plan
    task = state.tasks.get(task_id)
    if task is None or task.blocked_since != since or task.blocked_by_event is None:
        return
    milestone = plan.milestones.get(task.milestone)
    if milestone is None:
        return  # a revision dropped the task's milestone: it has no owner to cue any more
    owner = milestone.owner
    reason = (
        f"Task '{task_id}' on '{milestone.title}' has been blocked since "
        f"{_local(engine, since)}, longer than the {_hours(plan.blocker_hold)} the score allows."
    )
    emit(
        engine,
        CueKind.HOLD,
        f"role:{owner}",
        task_id,
        str(since),
        Severity.WARN,
        reason,
        [task.blocked_by_event],
    )


def hold_decision(engine: "EnsembleEngine", decision_id: str, since: int) -> None:
    decision = engine.state.decisions.get(decision_id)
    if decision is None or decision.requested != since:
        return
    reason = (
        f"Decision '{decision_id}' has been waiting since {_local(engine, since)}, longer than "
        f"the {_hours(engine.plan.decision_latency)} the score allows."
    )
    emit(
        engine,
        CueKind.HOLD,
        f"role:{decision.role}",
        decision_id,
        str(since),
        Severity.WARN,
        reason,
        [decision.event],
    )


def cycle_boundary(engine: "EnsembleEngine", index: int) -> None:
    """Each cycle: pace per section, milestones behind plan, critical path, commitments."""
    state, plan = engine.state, engine.plan
    state.cycles_checked = index
    if all(milestone_id in state.reached for milestone_id in plan.milestones):
        return
    for section in plan.sections:
        _check_pace(engine, section, index)
    for milestone_id in plan.order:
        _check_behind(engine, milestone_id)
    check_critical_path(engine)
    forecast.check_commitments(engine)
    engine.schedule(plan.boundary(index + 1), "cycle", index + 1)


def _check_pace(engine: "EnsembleEngine", section: str, index: int) -> None:
    state, plan = engine.state, engine.plan
    needed = 0.0
    left = 0
    for milestone in plan.in_section[section]:
        if milestone.id in state.reached:
            continue
        work = remaining(engine, milestone.id)
        left += work
        needed += work / max(1.0, (milestone.due_end - state.now) / plan.cycle)
    if left == 0:
        return
    done = throughput(
        engine, section, plan.day_index(plan.boundary(index - 1)), plan.day_index(state.now)
    )
    if done >= needed:
        return
    reason = (
        f"Section '{section}' finished {done} work items in the last cycle; the plan needs about "
        f"{needed:.1f} per cycle to finish the remaining {left} by their due dates."
    )
    emit(
        engine,
        CueKind.TEMPO,
        f"section:{section}",
        section,
        f"cycle-{index}",
        Severity.INFO,
        reason,
        progress_causes(engine),
    )


def _check_behind(engine: "EnsembleEngine", milestone_id: str) -> None:
    state, plan = engine.state, engine.plan
    if milestone_id in state.reached:
        return
    planned, done = planned_share(engine, milestone_id), done_share(engine, milestone_id)
    if planned - done <= BEHIND_MARGIN:
        state.behind.discard(milestone_id)
        return
    if milestone_id in state.behind:
        return
    state.behind.add(milestone_id)
    milestone = plan.milestones[milestone_id]
    source = _busiest_other(engine, milestone.section, milestone_id)
    reason = (
        f"'{milestone.title}' is behind plan: {done:.0%} done where the plan expects "
        f"{planned:.0%} by now. Shift focus from {source} to '{milestone_id}'."
    )
    emit(
        engine,
        CueKind.FOCUS_SHIFT,
        f"section:{milestone.section}",
        milestone_id,
        f"behind@{state.now}",
        Severity.WARN,
        reason,
        progress_causes(engine),
    )


def critical_path(engine: "EnsembleEngine") -> list[str]:
    """The chain of unreached milestones with the most remaining work, first to last.

    Ties keep the current path, so equal chains do not flip focus back and forth."""
    plan = engine.plan
    current = set(engine.state.critical_path)

    def weight(milestone_id: str) -> tuple[int, bool, str]:
        return cost[milestone_id], milestone_id in current, milestone_id

    cost: dict[str, int] = {}
    previous: dict[str, str | None] = {}
    for milestone_id in plan.order:
        work = remaining(engine, milestone_id)
        if work == 0 and milestone_id in engine.state.reached:
            continue
        best: str | None = None
        for dep in plan.milestones[milestone_id].depends_on:
            if dep in cost and (best is None or weight(dep) > weight(best)):
                best = dep
        cost[milestone_id] = work + (cost[best] if best else 0)
        previous[milestone_id] = best
    if not cost:
        return []
    tail: str | None = max(cost, key=weight)
    path: list[str] = []
    while tail is not None:
        path.append(tail)
        tail = previous[tail]
    return path[::-1]


def check_critical_path(engine: "EnsembleEngine") -> None:
    """`focus-shift` when a milestone joins the critical path in place of another."""
    state, plan = engine.state, engine.plan
    old = [m for m in state.critical_path if m not in state.reached]
    new = critical_path(engine)
    state.critical_path = new
    joined = [m for m in new if m not in old]
    left = [m for m in old if m not in new]
    if not joined or not left:
        return
    target = plan.milestones[joined[0]]
    reason = (
        f"The critical path now runs through '{target.title}' instead of "
        f"'{plan.milestones[left[0]].title}': shift focus from '{left[0]}' to '{target.id}'."
    )
    emit(
        engine,
        CueKind.FOCUS_SHIFT,
        f"section:{target.section}",
        target.id,
        f"path@{state.now}",
        Severity.INFO,
        reason,
        progress_causes(engine),
    )


def _busiest_other(engine: "EnsembleEngine", section: str, milestone_id: str) -> str:
    counts: dict[str, int] = {}
    for task in engine.state.tasks.values():
        if task.section == section and task.milestone != milestone_id:
            counts[task.milestone] = counts.get(task.milestone, 0) + 1
    if not counts:
        return "new work"
    return f"'{max(counts, key=lambda m: (counts[m], m))}'"


def _local(engine: "EnsembleEngine", instant: int) -> str:
    return f"{datetime.fromtimestamp(instant, engine.plan.zone):%a %d %b %H:%M}"


def _hours(duration: int) -> str:
    if duration % 86_400 == 0:
        days = duration // 86_400
        return "1 day" if days == 1 else f"{days} days"
    hours = duration / 3600
    return "1 hour" if hours == 1 else f"{hours:g} hours"
