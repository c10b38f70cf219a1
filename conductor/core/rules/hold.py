"""`hold`: a task still blocked `blocker_hold` after its `task.blocked`, or a decision still open
`decision_latency` after its request; the milestone's owner / the deciding role is cued."""

from datetime import datetime
from enum import StrEnum
from typing import cast

from conductor.core.effects import CueDraft, Timer
from conductor.core.hooks import NOTHING, Effects, Rule
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from schemas import CueKind, Severity
from schemas.events import DecisionRequested, Event


class HoldDeadline(StrEnum):
    TASK = "hold-task"
    DECISION = "hold-decision"


def hold_task(state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
    task_id, since = timer.subject, timer.stamp
    task = state.tasks.get(task_id)
    if task is None or task.blocked_since != since or task.blocked_by_event is None:
        return NOTHING
    milestone = plan.milestones.get(task.milestone)
    if milestone is None:
        return NOTHING  # a revision dropped the task's milestone: it has no owner to cue any more
    reason = (
        f"Task '{task_id}' on '{milestone.title}' has been blocked since "
        f"{_local(plan, since)}, longer than the {_hours(plan.blocker_hold)} the score allows."
    )
    return (
        CueDraft(
            kind=CueKind.HOLD,
            to=f"role:{milestone.owner}",
            subject=task_id,
            window=str(since),
            severity=Severity.WARN,
            reason=reason,
            caused_by=(task.blocked_by_event,),
        ),
    )


def hold_decision(state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
    decision_id, since = timer.subject, timer.stamp
    decision = state.decisions.get(decision_id)
    if decision is None or decision.requested != since:
        return NOTHING
    reason = (
        f"Decision '{decision_id}' has been waiting since {_local(plan, since)}, longer than "
        f"the {_hours(plan.decision_latency)} the score allows."
    )
    return (
        CueDraft(
            kind=CueKind.HOLD,
            to=f"role:{decision.role}",
            subject=decision_id,
            window=str(since),
            severity=Severity.WARN,
            reason=reason,
            caused_by=(decision.event,),
        ),
    )


def _local(plan: Plan, instant: int) -> str:
    return f"{datetime.fromtimestamp(instant, plan.zone):%a %d %b %H:%M}"


def _hours(duration: int) -> str:
    if duration % 86_400 == 0:
        days = duration // 86_400
        return "1 day" if days == 1 else f"{days} days"
    hours = duration / 3600
    return "1 hour" if hours == 1 else f"{hours:g} hours"


class Holds(Rule):
    def on_event(self, state: EnsembleState, plan: Plan, event: Event, at: int) -> Effects:
        """A task blocked, or a decision requested: its hold falls due at once."""
        if event.type == "task.blocked":
            due, kind = at + plan.blocker_hold, HoldDeadline.TASK
            subject = event.data.task
        else:
            due, kind = at + plan.decision_latency, HoldDeadline.DECISION
            subject = cast(DecisionRequested, event).data.decision
        return (Timer(at=due, kind=kind, subject=subject, stamp=at),)

    def on_deadline(self, state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
        if timer.kind is HoldDeadline.TASK:
            return hold_task(state, plan, timer)
        return hold_decision(state, plan, timer)


RULE = Holds(
    name="hold",
    kinds=(CueKind.HOLD,),
    order=70,
    events=("task.blocked", "decision.requested"),
    deadlines={HoldDeadline.TASK: False, HoldDeadline.DECISION: False},
)
