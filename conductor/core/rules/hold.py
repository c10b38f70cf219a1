"""`hold`: a task still blocked `blocker_hold` after its `task.blocked`, or a decision still open
`decision_latency` after its request; the milestone's owner / the deciding role is cued.

A snoozed hold is not cued again before the snooze's `until`; at `until`, if the task is
still blocked or the decision still open, it is cued again (what a snooze asks for)."""

from datetime import datetime
from enum import StrEnum
from typing import cast

from conductor.core.answers import snooze_key, snoozed
from conductor.core.effects import CueDraft, Timer
from conductor.core.hooks import NOTHING, Effects, Rule
from conductor.core.plan import Plan
from conductor.core.state import EnsembleState
from schemas import CueKind, Severity
from schemas.events import CueSnoozed, DecisionRequested, Event

NAME = "hold"


class HoldDeadline(StrEnum):
    TASK = "hold-task"
    DECISION = "hold-decision"
    SNOOZED = "hold-snoozed"


def hold_task(state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
    task_id, since = timer.subject, timer.stamp
    task = state.tasks.get(task_id)
    if task is None or task.blocked_since != since:
        return NOTHING
    return _task_held(state, plan, task_id, str(since))


def _task_held(state: EnsembleState, plan: Plan, task_id: str, window: str) -> Effects:
    task = state.tasks[task_id]
    since = task.blocked_since
    if since is None or task.blocked_by_event is None:
        return NOTHING
    milestone = plan.milestones.get(task.milestone)
    if milestone is None:
        return NOTHING  # a revision dropped the task's milestone: it has no owner to cue any more
    to = f"role:{milestone.owner}"
    if snoozed(state, NAME, to, task_id):
        return NOTHING
    reason = (
        f"Task '{task_id}' on '{milestone.title}' has been blocked since "
        f"{_local(plan, since)}, longer than the {_hours(plan.blocker_hold)} the score allows."
    )
    return (
        CueDraft(
            kind=CueKind.HOLD,
            to=to,
            subject=task_id,
            window=window,
            severity=Severity.WARN,
            reason=reason,
            caused_by=(task.blocked_by_event,),
            awaits=f"task:{task_id}",
        ),
    )


def hold_decision(state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
    decision_id, since = timer.subject, timer.stamp
    decision = state.decisions.get(decision_id)
    if decision is None or decision.requested != since:
        return NOTHING
    return _decision_held(state, plan, decision_id, str(since))


def _decision_held(state: EnsembleState, plan: Plan, decision_id: str, window: str) -> Effects:
    decision = state.decisions[decision_id]
    since = decision.requested
    to = f"role:{decision.role}"
    if snoozed(state, NAME, to, decision_id):
        return NOTHING
    reason = (
        f"Decision '{decision_id}' has been waiting since {_local(plan, since)}, longer than "
        f"the {_hours(plan.decision_latency)} the score allows."
    )
    return (
        CueDraft(
            kind=CueKind.HOLD,
            to=to,
            subject=decision_id,
            window=window,
            severity=Severity.WARN,
            reason=reason,
            caused_by=(decision.event,),
            awaits=f"decision:{decision_id}",
        ),
    )


def snoozed_until(state: EnsembleState, event: CueSnoozed) -> Effects:
    """A snoozed hold comes back at `until`, if its snooze is still that one then."""
    record = state.cue_records[event.data.cue]
    if record.kind != NAME or not record.awaits:
        return NOTHING
    until = state.snoozes.get(snooze_key(NAME, record.to, record.subject))
    if until is None:
        return NOTHING
    return (Timer(at=until, kind=HoldDeadline.SNOOZED, subject=f"{record.awaits}|{record.to}"),)


def snooze_over(state: EnsembleState, plan: Plan, timer: Timer) -> Effects:
    """At a snooze's `until`: cue the hold again if it still holds. Only the latest snooze's
    timer does (each snooze sets one; a later snooze moved `until` on)."""
    awaits, _, to = timer.subject.partition("|")
    what, _, subject = awaits.partition(":")
    key = snooze_key(NAME, to, subject)
    if state.snoozes.get(key) != timer.at:
        return NOTHING
    del state.snoozes[key]
    window = f"snoozed@{timer.at}"
    if what == "task":
        return _task_held(state, plan, subject, window) if subject in state.tasks else NOTHING
    if subject in state.decisions:
        return _decision_held(state, plan, subject, window)
    return NOTHING


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
        """A task blocked, or a decision requested: its hold falls due at once. A hold
        snoozed: it comes back at `until`."""
        if event.type == "cue.snoozed":
            return snoozed_until(state, event)
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
        if timer.kind is HoldDeadline.SNOOZED:
            return snooze_over(state, plan, timer)
        return hold_decision(state, plan, timer)


RULE = Holds(
    name=NAME,
    kinds=(CueKind.HOLD,),
    order=70,
    events=("task.blocked", "decision.requested", "cue.snoozed"),
    deadlines={HoldDeadline.TASK: False, HoldDeadline.DECISION: False, HoldDeadline.SNOOZED: False},
)
