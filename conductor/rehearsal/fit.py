"""The simulated team's parameters fitted from a recorded log (`rehearse --simulate --from-log`).

What the log shows is what the model draws from: each section's items finished on the
working days it had work it could do, how long blockers and decisions lasted, how often
each cadence was held, how often tasks were blocked, decisions requested, concerns raised
and sections went over their WIP limit, and each experiment's last assessment. Whatever
the log has no evidence of keeps the model's default.
"""

from collections.abc import Iterable
from datetime import datetime

from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from conductor.rehearsal.team import DEFAULT_WIP, TeamModel
from schemas.events import Event

HOUR = 3600.0


def fit_model(events: Iterable[Event], state: EnsembleState, plan: Plan) -> TeamModel:
    """The model of the team behind `events` (the log of `state`'s ensemble, folded)."""
    tally = _Tally(plan)
    for event in events:
        tally.add(event)
    working_days = _working_days(plan, state)
    defaults = TeamModel()
    per_day = max(1, len(working_days))
    return TeamModel(
        throughput=_throughput(state, plan, working_days),
        block_chance=tally.blocks / tally.task_days if tally.task_days else defaults.block_chance,
        blocker_hours=tuple(tally.blocker_hours),
        overload_chance=(
            tally.overloads / (per_day * len(plan.sections))
            if working_days
            else defaults.overload_chance
        ),
        decision_chance=(tally.decisions / per_day if working_days else defaults.decision_chance),
        decision_hours=(
            tuple(round(latency / HOUR, 2) for latency in state.decision_latencies)
            or defaults.decision_hours
        ),
        attendance={
            cadence: state.cadence_held.get(cadence, 0) / due
            for cadence, due in state.cadence_due.items()
            if due and cadence in plan.cadences
        },
        concern_chance=tally.concerns / per_day if working_days else defaults.concern_chance,
        assessments={
            experiment: (recent[-1][0], recent[-1][1])
            for experiment, recent in state.assessments.items()
            if recent and experiment in plan.experiments
        },
    )


class _Tally:
    """Counts over the log's events: blockers, WIP crossings, decisions, concerns, task-days."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.blocks = 0
        self.blocked_at: dict[str, datetime] = {}
        self.blocker_hours: list[float] = []
        self.started: dict[str, tuple[datetime, str]] = {}
        self.wip: dict[str, int] = {}
        self.overloads = 0
        self.decisions = 0
        self.concerns = 0
        self.task_days = 0.0
        """Working days tasks spent in progress (calendar days x 5/7)."""

    def add(self, event: Event) -> None:
        kind, data = event.type, event.data
        if kind == "task.started":
            milestone = self.plan.milestones.get(data.milestone)  # type: ignore[union-attr]
            if milestone is None or data.task in self.started:  # type: ignore[union-attr]
                return
            section = milestone.section
            self.started[data.task] = (event.occurred_at, section)  # type: ignore[union-attr]
            self.wip[section] = self.wip.get(section, 0) + 1
            if self.wip[section] == self.plan.wip_limit.get(section, DEFAULT_WIP) + 1:
                self.overloads += 1
        elif kind == "task.completed":
            found = self.started.pop(data.task, None)  # type: ignore[union-attr]
            if found is not None:
                self.wip[found[1]] -= 1
                days = (event.occurred_at - found[0]).total_seconds() / 86_400
                self.task_days += max(0.0, days) * 5 / 7
        elif kind == "task.blocked":
            self.blocks += 1
            self.blocked_at.setdefault(data.task, event.occurred_at)  # type: ignore[union-attr]
        elif kind == "task.unblocked":
            since = self.blocked_at.pop(data.task, None)  # type: ignore[union-attr]
            if since is not None:
                hours = (event.occurred_at - since).total_seconds() / HOUR
                self.blocker_hours.append(round(hours, 2))
        elif kind == "decision.requested":
            self.decisions += 1
        elif kind == "concern.raised":
            self.concerns += 1


def _working_days(plan: Plan, state: EnsembleState) -> list[int]:
    """Day indices (since the score starts) of the working days the log covers."""
    today = plan.day_index(state.now)
    first = plan.score.starts.toordinal()
    return [day for day in range(max(0, today + 1)) if (first + day) % 7 not in (6, 0)]


def _throughput(
    state: EnsembleState, plan: Plan, working_days: list[int]
) -> dict[str, tuple[int, ...]]:
    """Per section, the items finished on each working day it had a milestone it could work
    on (a day spent waiting on others' milestones is not its pace)."""
    fitted: dict[str, tuple[int, ...]] = {}
    for section in plan.sections:
        per_day = state.daily_done.get(section, {})
        workable = {day for day, done in per_day.items() if done}
        for milestone in plan.in_section[section]:
            start = 0
            for dependency in milestone.depends_on:
                reached = state.reached.get(dependency)
                start = max(start, plan.day_index(reached) + 1) if reached is not None else 10**9
            reached = state.reached.get(milestone.id)
            end = plan.day_index(reached) if reached is not None else plan.day_index(state.now)
            workable.update(range(start, end + 1))
        days = [per_day.get(day, 0) for day in working_days if day in workable]
        if days and any(days):
            fitted[section] = tuple(days)
    return fitted
